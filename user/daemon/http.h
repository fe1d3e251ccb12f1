/* A small non-blocking HTTP/1.x server for /metrics, driven by the daemon's poll loop. It answers
 * only GET (and HEAD) of /metrics, /endpoints (when set) and an index page; requests are bounded
 * in size and time so a slow or huge client cannot block the daemon. */
#ifndef TLSMON_HTTP_H
#define TLSMON_HTTP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/web_config.h"
#include "util/sbuf.h"

#define HTTP_MAX_CONNS 16
#define HTTP_MAX_REQUEST 4096
#define HTTP_TIMEOUT_MS 5000

/* Append the /metrics body to out. */
typedef void (*http_metrics_fn)(void *ctx, struct sbuf *out);

struct http_stats {
	uint64_t requests; /* answered, any status */
	uint64_t rejected; /* 4xx/5xx answers, timeouts, refused connections */
};

struct http_server;

/* Listen on "HOST:PORT" ("127.0.0.1:9879", "[::1]:9879", ":9879" = all). Returns NULL and sets
 * *err to -errno (-EINVAL: bad address). */
struct http_server *http__listen(const char *addr, http_metrics_fn fn, void *ctx, int *err);

/* http__listen() in two steps. http__bind() finds a bad or busy address at once, while
 * connections are still refused; http__start() then accepts them (0 or -errno; -EADDRINUSE when
 * another socket bound the port without listening meanwhile). A daemon starts when /metrics
 * answers only once it is ready to report on what it serves. */
struct http_server *http__bind(const char *addr, http_metrics_fn fn, void *ctx, int *err);
int http__start(struct http_server *s);
void http__close(struct http_server *s);

/* Fill up to max pollfds for the listener and connections; returns how many. */
int http__pollfds(struct http_server *s, struct pollfd *fds, int max);

/* Handle readiness reported in fds (as filled by http__pollfds) and expire slow clients. */
void http__handle(struct http_server *s, const struct pollfd *fds, int n, uint64_t now_ms);

/* Serve fn's body as application/json on /endpoints (the endpoint tables). */
void http__set_endpoints(struct http_server *s, http_metrics_fn fn, void *ctx);

/* The bound port (useful with port 0). */
int http__port(const struct http_server *s);

const struct http_stats *http__stats(const struct http_server *s);

/* Parse "HOST:PORT" into a sockaddr (IPv4, [IPv6], or empty host = any). Returns 0 or -EINVAL. */
struct sockaddr_storage;
int http__parse_addr(const char *addr, struct sockaddr_storage *ss, unsigned int *len);

/* --web-config: serve HTTPS (wc->tls) and require basic authentication (wc->n_users) on
 * every path, before any connection is accepted. Returns 0, or -errno with err set. */
int http__set_web_config(struct http_server *s, const struct web_config *wc, char *err,
			 size_t errlen);
/* The same on a running server (SIGHUP): new connections get the new certificate, key, client
 * CA and users, connections under way finish with what they had. HTTP stays HTTP and HTTPS
 * HTTPS (-EINVAL otherwise: the scrape URL would change). On failure the old settings stay. */
int http__reload_web_config(struct http_server *s, const struct web_config *wc, char *err,
			    size_t errlen);
bool http__is_tls(const struct http_server *s);

#endif
