// SPDX-License-Identifier: GPL-2.0
#include "daemon/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "daemon/basic_auth.h"
#include "daemon/conn_slots.h"
#include "daemon/web_tls.h"

struct http_conn {
	struct conn_slot slot; /* first: see conn_slots.h */
	size_t req_len;
	char req[HTTP_MAX_REQUEST];
	struct sbuf resp;
	size_t sent;
	SSL *ssl; /* with --web-config TLS: made on the first read, freed by conn_close() */
	struct web_tls *tls; /* what ssl was made with: a reload may have replaced the server's */
};

struct http_server {
	struct conn_server srv; /* the listener and conns[], for conn_slots__dispatch() */
	int port;
	http_metrics_fn metrics;
	void *ctx;
	http_metrics_fn endpoints; /* NULL: /endpoints is 404 */
	void *endpoints_ctx;
	struct http_stats stats;
	struct sbuf body; /* reused for every scrape */
	struct web_tls *tls; /* --web-config: NULL = plain HTTP */
	struct basic_auth *auth; /* NULL = no authentication */
	uint64_t now_ms; /* of the poll round being handled */
	struct http_conn conns[HTTP_MAX_CONNS];
};

int http__parse_addr(const char *addr, struct sockaddr_storage *ss, unsigned int *len)
{
	char host[64];
	const char *colon, *hs = addr, *he;
	char *end;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	if (addr[0] == '[') {
		he = strchr(addr, ']');
		if (!he || he[1] != ':')
			return -EINVAL;
		hs = addr + 1;
		colon = he + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -EINVAL;
		he = colon;
	}
	if ((size_t)(he - hs) >= sizeof(host))
		return -EINVAL;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port > 65535)
		return -EINVAL;
	if (addr[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (!host[0])
			s4->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -EINVAL;
		*len = sizeof(*s4);
	}
	return 0;
}

static void on_read(struct conn_slot *slot, void *s, uint64_t now_ms);
static void on_write(struct conn_slot *slot, void *s, uint64_t now_ms);
static void on_close(struct conn_slot *slot, void *s);

struct http_server *http__bind(const char *addr, http_metrics_fn fn, void *ctx, int *err)
{
	struct sockaddr_storage ss;
	unsigned int len;
	struct http_server *s;
	int one = 1;

	*err = http__parse_addr(addr, &ss, &len);
	if (*err)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	s->srv = (struct conn_server){
		.lfd = -1,
		.slots = s->conns,
		.stride = sizeof(s->conns[0]),
		.n = HTTP_MAX_CONNS,
		.timeout_ms = HTTP_TIMEOUT_MS,
		.close_events = POLLERR | POLLNVAL,
		.read = on_read,
		.write = on_write,
		.close = on_close,
		.ctx = s,
		.dropped = &s->stats.rejected,
	};
	conn_slots__init(s->conns, sizeof(s->conns[0]), HTTP_MAX_CONNS);
	for (int i = 0; i < HTTP_MAX_CONNS; i++)
		sbuf__init(&s->conns[i].resp);
	sbuf__init(&s->body);
	s->metrics = fn;
	s->ctx = ctx;
	s->srv.lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->srv.lfd < 0)
		goto fail;
	setsockopt(s->srv.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->srv.lfd, (struct sockaddr *)&ss, len))
		goto fail;
	len = sizeof(ss);
	if (getsockname(s->srv.lfd, (struct sockaddr *)&ss, &len) == 0)
		s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
							  ((struct sockaddr_in *)&ss)->sin_port);
	return s;
fail:
	*err = -errno;
	http__close(s);
	return NULL;
}

int http__start(struct http_server *s)
{
	return listen(s->srv.lfd, 64) ? -errno : 0;
}

struct http_server *http__listen(const char *addr, http_metrics_fn fn, void *ctx, int *err)
{
	struct http_server *s = http__bind(addr, fn, ctx, err);

	if (s && (*err = http__start(s))) {
		http__close(s);
		s = NULL;
	}
	return s;
}

static void conn_close(struct http_conn *c)
{
	SSL_free(c->ssl);
	c->ssl = NULL;
	web_tls__free(c->tls);
	c->tls = NULL;
	if (c->slot.fd >= 0)
		close(c->slot.fd);
	c->slot.fd = -1;
	c->slot.writing = false;
	c->req_len = 0;
	c->sent = 0;
	sbuf__reset(&c->resp);
}

void http__close(struct http_server *s)
{
	if (!s)
		return;
	for (int i = 0; i < HTTP_MAX_CONNS; i++) {
		conn_close(&s->conns[i]);
		sbuf__free(&s->conns[i].resp);
	}
	sbuf__free(&s->body);
	web_tls__free(s->tls);
	basic_auth__free(s->auth);
	if (s->srv.lfd >= 0)
		close(s->srv.lfd);
	free(s);
}

int http__port(const struct http_server *s)
{
	return s->port;
}

const struct http_stats *http__stats(const struct http_server *s)
{
	return &s->stats;
}

int http__pollfds(struct http_server *s, struct pollfd *fds, int max)
{
	return conn_slots__pollfds(s->srv.lfd, s->conns, sizeof(s->conns[0]), HTTP_MAX_CONNS, fds,
				   max);
}

static void respond(struct http_server *s, struct http_conn *c, int status, const char *reason,
		    const char *ctype, const char *body, size_t body_len, bool head)
{
	s->stats.requests++;
	if (status >= 400)
		s->stats.rejected++;
	sbuf__reset(&c->resp);
	sbuf__printf(&c->resp, "HTTP/1.1 %d %s\r\n", status, reason);
	/* RFC 9110 11.6.1: a 401 names the scheme to use */
	if (status == 401)
		sbuf__printf(&c->resp, "WWW-Authenticate: Basic realm=\"tlsmon\", charset=\"UTF-8\"\r\n");
	else if (status == 503)
		sbuf__printf(&c->resp, "Retry-After: 1\r\n");
	sbuf__printf(&c->resp, "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		     ctype, body_len);
	if (!head)
		sbuf__add(&c->resp, body, body_len);
	c->slot.writing = true;
	c->slot.poll_reverse = false;
	c->sent = 0;
}

static void respond_text(struct http_server *s, struct http_conn *c, int status, const char *reason,
			 const char *text)
{
	respond(s, c, status, reason, "text/plain; charset=utf-8", text, strlen(text), false);
}

/* RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" /
 * "`" / "|" / "~" / DIGIT / ALPHA. */
static bool is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 9110 9.1: method = token; a NUL or control byte in it is a bad request, not some method
 * that merely is not allowed. */
static bool is_token(const char *p, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_tchar((unsigned char)p[i]))
			return false;
	return true;
}

/* RFC 9112 3: request-line = method SP request-target SP HTTP-version. */
static void handle_request(struct http_server *s, struct http_conn *c)
{
	static const char index_page[] =
		"<html><head><title>tlsmon</title></head><body><h1>tlsmon</h1>"
		"<p><a href=\"/metrics\">Metrics</a></p>"
		"<p><a href=\"/endpoints\">Endpoints</a></p></body></html>\n";
	char method[8], target[256];
	const char *sp1, *sp2;
	bool head;

	sp1 = memchr(c->req, ' ', c->req_len);
	if (!sp1 || sp1 - c->req >= (long)sizeof(method) || !is_token(c->req, (size_t)(sp1 - c->req))) {
		respond_text(s, c, 400, "Bad Request", "bad request\n");
		return;
	}
	sp2 = memchr(sp1 + 1, ' ', c->req_len - (size_t)(sp1 + 1 - c->req));
	if (!sp2 || sp2 - sp1 - 1 >= (long)sizeof(target) || sp2 == sp1 + 1) {
		respond_text(s, c, 400, "Bad Request", "bad request\n");
		return;
	}
	if (s->auth) {
		int rc = basic_auth__check(s->auth, c->req, c->req_len, s->now_ms);

		if (rc == -EAGAIN) {
			respond_text(s, c, 503, "Service Unavailable", "too many password checks\n");
			return;
		}
		if (rc) {
			respond_text(s, c, 401, "Unauthorized", "unauthorized\n");
			return;
		}
	}
	memcpy(method, c->req, (size_t)(sp1 - c->req));
	method[sp1 - c->req] = '\0';
	memcpy(target, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	target[sp2 - sp1 - 1] = '\0';
	head = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !head) {
		respond_text(s, c, 405, "Method Not Allowed", "only GET is supported\n");
		return;
	}
	/* Query strings (?name[]=...) are accepted and ignored, as Prometheus may send them. */
	target[strcspn(target, "?")] = '\0';
	if (!strcmp(target, "/metrics")) {
		sbuf__reset(&s->body);
		s->metrics(s->ctx, &s->body);
		respond(s, c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", s->body.buf,
			s->body.len, head);
	} else if (!strcmp(target, "/endpoints") && s->endpoints) {
		sbuf__reset(&s->body);
		s->endpoints(s->endpoints_ctx, &s->body);
		respond(s, c, 200, "OK", "application/json", s->body.buf, s->body.len, head);
	} else if (!strcmp(target, "/")) {
		respond(s, c, 200, "OK", "text/html; charset=utf-8", index_page,
			sizeof(index_page) - 1, head);
	} else {
		respond_text(s, c, 404, "Not Found", "not found\n");
	}
}

void http__set_endpoints(struct http_server *s, http_metrics_fn fn, void *ctx)
{
	s->endpoints = fn;
	s->endpoints_ctx = ctx;
}

/* n more bytes of the request are in c->req: answer once its header block is complete, or too
 * large. Returns whether it was answered. */
static bool request_grew(struct http_server *s, struct http_conn *c, size_t n)
{
	c->req_len += n;
	c->req[c->req_len] = '\0';
	if (memmem(c->req, c->req_len, "\r\n\r\n", 4) || memmem(c->req, c->req_len, "\n\n", 2)) {
		handle_request(s, c);
		return true;
	}
	if (c->req_len >= sizeof(c->req) - 1) {
		respond_text(s, c, 431, "Request Header Fields Too Large", "request too large\n");
		return true;
	}
	return false;
}

/* An SSL call returned n <= 0: wait for the direction it needs, or close on an error or the
 * peer's close. */
static void tls_wait(struct http_conn *c, int n)
{
	switch (SSL_get_error(c->ssl, n)) {
	case SSL_ERROR_WANT_READ:
		c->slot.poll_reverse = c->slot.writing;
		break;
	case SSL_ERROR_WANT_WRITE:
		c->slot.poll_reverse = !c->slot.writing;
		break;
	default:
		/* a failed handshake, a bad record, EOF: nothing to say to this peer */
		ERR_clear_error();
		conn_close(c);
	}
}

/* SSL_read runs the handshake first (SSL_set_accept_state); OpenSSL may hold decrypted bytes
 * that poll() cannot see, so read until it wants the socket again. */
static void tls_read(struct http_server *s, struct http_conn *c)
{
	uint8_t first;
	int n;

	if (!c->ssl) {
		/* Every TLS connection starts with a handshake record (RFC 8446 5.1, type 22); a
		 * plain HTTP request gets a plain answer that says what went wrong. */
		n = (int)recv(c->slot.fd, &first, 1, MSG_PEEK);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		if (first != 22) {
			respond_text(s, c, 400, "Bad Request",
				     "this server speaks HTTPS: use https://\n");
			return;
		}
		c->ssl = web_tls__conn(s->tls, c->slot.fd);
		if (!c->ssl) {
			s->stats.rejected++;
			conn_close(c);
			return;
		}
		c->tls = s->tls;
	}
	for (;;) {
		ERR_clear_error();
		n = SSL_read(c->ssl, c->req + c->req_len, (int)(sizeof(c->req) - 1 - c->req_len));
		if (n <= 0) {
			tls_wait(c, n);
			return;
		}
		c->slot.poll_reverse = false;
		if (request_grew(s, c, (size_t)n))
			return;
	}
}

static void conn_read(struct http_server *s, struct http_conn *c)
{
	ssize_t n;

	if (s->tls) {
		tls_read(s, c);
		return;
	}
	n = read(c->slot.fd, c->req + c->req_len, sizeof(c->req) - 1 - c->req_len);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_close(c);
		return;
	}
	request_grew(s, c, (size_t)n);
}

static void conn_write(struct http_conn *c)
{
	ssize_t n;

	if (c->ssl) {
		ERR_clear_error();
		n = SSL_write(c->ssl, c->resp.buf + c->sent, (int)(c->resp.len - c->sent));
		if (n <= 0) {
			tls_wait(c, (int)n);
			return;
		}
		c->slot.poll_reverse = false;
	} else {
		n = send(c->slot.fd, c->resp.buf + c->sent, c->resp.len - c->sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				conn_close(c);
			return;
		}
	}
	c->sent += (size_t)n;
	if (c->sent >= c->resp.len) {
		/* close_notify, once, without waiting for the peer's (RFC 8446 6.1 allows it) */
		if (c->ssl)
			SSL_shutdown(c->ssl);
		shutdown(c->slot.fd, SHUT_WR);
		conn_close(c);
	}
}

static void on_read(struct conn_slot *slot, void *s, uint64_t now_ms)
{
	(void)now_ms;
	conn_read(s, (struct http_conn *)slot);
}

static void on_write(struct conn_slot *slot, void *s, uint64_t now_ms)
{
	(void)s;
	(void)now_ms;
	conn_write((struct http_conn *)slot);
}

static void on_close(struct conn_slot *slot, void *s)
{
	(void)s;
	conn_close((struct http_conn *)slot);
}

void http__handle(struct http_server *s, const struct pollfd *fds, int n, uint64_t now_ms)
{
	s->now_ms = now_ms;
	conn_slots__dispatch(&s->srv, fds, n, now_ms);
}

int http__set_web_config(struct http_server *s, const struct web_config *wc, char *err,
			 size_t errlen)
{
	struct web_tls *tls = NULL;
	struct basic_auth *auth = NULL;

	if (wc->tls && !(tls = web_tls__new(wc, err, errlen)))
		return -EINVAL;
	if (wc->n_users && !(auth = basic_auth__new(wc->users, wc->n_users))) {
		web_tls__free(tls);
		snprintf(err, errlen, "basic_auth_users: out of memory");
		return -ENOMEM;
	}
	/* connections under way keep the context they were made with (web_tls__free()) */
	web_tls__free(s->tls);
	s->tls = tls;
	basic_auth__free(s->auth);
	s->auth = auth;
	return 0;
}

int http__reload_web_config(struct http_server *s, const struct web_config *wc, char *err,
			    size_t errlen)
{
	if (wc->tls != (s->tls != NULL)) {
		snprintf(err, errlen, "tls_server_config %s: switching /metrics between HTTP and "
				      "HTTPS needs a restart", wc->tls ? "added" : "removed");
		return -EINVAL;
	}
	return http__set_web_config(s, wc, err, errlen);
}

bool http__is_tls(const struct http_server *s)
{
	return s->tls != NULL;
}
