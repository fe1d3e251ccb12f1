/* The daemon's control socket (UNIX stream, mode 0600 or 0660 for a group), driven by the
 * daemon's poll loop like http.c, and its client for `tlsmon dump`.
 *
 * Protocol: the client sends ONE line of at most CTL_MAX_REQUEST bytes including the newline,
 *   DUMP [since=SECONDS] [format=pcap|pcapng]\n
 * (tokens separated by one space, each key at most once, SECONDS decimal, 0 = everything).
 * The server answers either
 *   ERR <reason>\n
 * or
 *   OK frames=N handshakes=M pcap_bytes=X json_bytes=Y format=pcap|pcapng\n
 * followed by X bytes of capture file and Y bytes of JSON Lines, then closes. The daemon never
 * writes files for a client: the client writes them as the invoking user.
 *
 * And for `tlsmon endpoints`:
 *   ENDPOINTS [format=json|text|cyclonedx]\n
 * answered by ERR, or by
 *   OK endpoints=N bytes=Y format=json|text|cyclonedx\n
 * (N: server and client entries) followed by Y bytes of the endpoint tables (out/endpoints_out.h)
 * or, for cyclonedx, the inventory as a CycloneDX 1.6 CBOM (out/cbom.h). */
#ifndef TLSMON_CTL_H
#define TLSMON_CTL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "out/pcap_out.h"
#include "util/sbuf.h"
#include "out/store.h"
#include "verdict/endpoints.h"

#define CTL_RUNTIME_DIR "/run/tlsmon"
#define CTL_DEFAULT_PATH CTL_RUNTIME_DIR "/tlsmon.sock"
#define CTL_MAX_CONNS 8
#define CTL_MAX_REQUEST 1024
#define CTL_TIMEOUT_MS 5000 /* to send the request; and longest stall while receiving a reply */
#define CTL_MAX_SINCE 9999999999ull
#define CTL_DEFAULT_MAX_PENDING (256ull << 20)
#define CTL_MAX_REPLY_LINE 256

enum ctl_cmd {
	CTL_CMD_DUMP = 0,
	CTL_CMD_ENDPOINTS,
};

struct ctl_request {
	uint64_t since_s; /* 0 = everything stored */
	enum pcap_format format;
	enum ctl_cmd cmd;
	bool text; /* ENDPOINTS format=text */
	bool cyclonedx; /* ENDPOINTS format=cyclonedx */
};

/* For ENDPOINTS: handshakes = entries, json_bytes = the body's bytes, the rest 0. */
struct ctl_reply {
	uint64_t frames, handshakes, pcap_bytes, json_bytes;
	enum pcap_format format;
	bool text;
};

struct ctl_opts {
	const char *path; /* NULL: CTL_DEFAULT_PATH */
	const char *group; /* NULL: socket mode 0600; else 0660 and this group */
	/* The socket file's owner (the daemon's --user), 0 to leave it. Only the file: its directory
	 * stays as it was made (root's 0755), since whoever owns the directory can replace the
	 * socket and make root's `tlsmon dump` write what they serve. */
	uid_t owner;
	const struct store *store; /* what DUMP reads */
	const struct endpoints *endpoints; /* what ENDPOINTS reads; NULL: ERR */
	/* replies being sent, all clients together; 0: default; over it: ERR busy */
	uint64_t max_pending_bytes;
};

struct ctl_stats {
	uint64_t requests; /* complete request lines, valid or not */
	uint64_t dumps; /* OK replies */
	uint64_t errors; /* ERR replies */
	uint64_t dropped; /* timeouts, refused connections (all slots busy), write errors */
};

struct ctl_server;

/* Create the socket at opts->path (its parent directory is made, mode 0755, when missing; a stale
 * socket is replaced; a live one, or any other file, is not: -EADDRINUSE / -EEXIST). Returns NULL
 * and sets *err to -errno (-ENOENT: unknown group, -ENAMETOOLONG: path too long). */
struct ctl_server *ctl__listen(const struct ctl_opts *opts, int *err);
void ctl__close(struct ctl_server *s); /* also removes the socket file it made */

/* Fill up to max pollfds for the listener and connections; returns how many. */
int ctl__pollfds(struct ctl_server *s, struct pollfd *fds, int max);

/* Handle readiness reported in fds (as filled by ctl__pollfds) and drop slow clients. now_ms is a
 * monotonic clock; the dump's since= is judged against the wall clock. */
void ctl__handle(struct ctl_server *s, const struct pollfd *fds, int n, uint64_t now_ms);

const struct ctl_stats *ctl__stats(const struct ctl_server *s);

/* Parse one request line (without its newline). Returns 0, or -EINVAL with a reason in *why. */
int ctl__parse_request(const char *line, size_t len, struct ctl_request *req, const char **why);
/* Format a request line, newline included. Returns its length, or -E2BIG. */
int ctl__format_request(const struct ctl_request *req, char *buf, size_t size);
/* Parse a reply line (without its newline): 0 for OK, -EINVAL for anything else; an ERR line's
 * reason is copied into why. */
int ctl__parse_reply(const char *line, size_t len, struct ctl_reply *reply, char *why,
		     size_t why_size);

/* Serve one already-connected stream fd synchronously (tests, and a socketpair peer). */
int ctl__serve_fd(const struct store *store, int fd);

/* Client: connect to path, send req, read the reply into pcap and json. Returns 0, or -errno with
 * a message in err (the daemon's ERR reason, or what failed). */
int ctl__client_dump(const char *path, const struct ctl_request *req, int timeout_ms,
		     struct sbuf *pcap, struct sbuf *json, struct ctl_reply *reply, char *err,
		     size_t err_size);
/* The same over a connected fd (not closed here). */
int ctl__client_dump_fd(int fd, const struct ctl_request *req, int timeout_ms, struct sbuf *pcap,
			struct sbuf *json, struct ctl_reply *reply, char *err, size_t err_size);

#endif
