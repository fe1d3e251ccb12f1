// SPDX-License-Identifier: GPL-2.0
#include "daemon/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon/conn_slots.h"
#include "out/cbom.h"
#include "out/endpoints_out.h"

struct ctl_conn {
	struct conn_slot slot; /* first: see conn_slots.h */
	size_t req_len;
	char req[CTL_MAX_REQUEST];
	/* reply: hdr, then pcap, then json, sent back to back */
	struct sbuf hdr, pcap, json;
	size_t sent;
};

struct ctl_server {
	struct conn_server srv; /* the listener and conns[], for conn_slots__dispatch() */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	const struct store *store;
	const struct endpoints *endpoints;
	uint64_t max_pending;
	uint64_t pending; /* bytes of replies being sent */
	struct ctl_stats stats;
	struct ctl_conn conns[CTL_MAX_CONNS];
};

static bool parse_dec(const char *p, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!len || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		if (v > (max - (uint64_t)(p[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return true;
}

static bool tok_is(const char *p, size_t len, const char *s)
{
	return strlen(s) == len && !memcmp(p, s, len);
}

/* One key=value token into r; -EINVAL (with *why set) for an unknown or repeated key or a bad
 * value. */
static int parse_kv(const char *t, size_t tl, struct ctl_request *r, unsigned *seen,
		    const char **why)
{
	const char *eq = memchr(t, '=', tl), *v;
	size_t kl, vl;

	if (!eq) {
		*why = "expected key=value";
		return -EINVAL;
	}
	kl = (size_t)(eq - t);
	v = eq + 1;
	vl = tl - kl - 1;
	if (tok_is(t, kl, "since") && r->cmd == CTL_CMD_DUMP) {
		if (*seen & 1) {
			*why = "since given twice";
			return -EINVAL;
		}
		*seen |= 1;
		if (!parse_dec(v, vl, CTL_MAX_SINCE, &r->since_s)) {
			*why = "since: expected seconds, 0..9999999999";
			return -EINVAL;
		}
		return 0;
	}
	if (tok_is(t, kl, "format")) {
		if (*seen & 2) {
			*why = "format given twice";
			return -EINVAL;
		}
		*seen |= 2;
		if (r->cmd == CTL_CMD_ENDPOINTS) {
			if (!tok_is(v, vl, "json") && !tok_is(v, vl, "text") &&
			    !tok_is(v, vl, "cyclonedx")) {
				*why = "format: expected json, text or cyclonedx";
				return -EINVAL;
			}
			r->text = tok_is(v, vl, "text");
			r->cyclonedx = tok_is(v, vl, "cyclonedx");
		} else if (tok_is(v, vl, "pcap"))
			r->format = PCAP_FMT_PCAP;
		else if (tok_is(v, vl, "pcapng"))
			r->format = PCAP_FMT_PCAPNG;
		else {
			*why = "format: expected pcap or pcapng";
			return -EINVAL;
		}
		return 0;
	}
	*why = "unknown key";
	return -EINVAL;
}

int ctl__parse_request(const char *line, size_t len, struct ctl_request *req, const char **why)
{
	struct ctl_request r = { .since_s = 0, .format = PCAP_FMT_PCAPNG };
	unsigned seen = 0;
	size_t i = 0;
	bool first = true;

	*why = NULL;
	if (len >= CTL_MAX_REQUEST) {
		*why = "request too long";
		return -EINVAL;
	}
	if (!len) {
		*why = "empty request";
		return -EINVAL;
	}
	for (size_t k = 0; k < len; k++) {
		if ((unsigned char)line[k] < 0x20 || (unsigned char)line[k] > 0x7e) {
			*why = "request has non-printable bytes";
			return -EINVAL;
		}
	}
	if (line[0] == ' ' || line[len - 1] == ' ' || memmem(line, len, "  ", 2)) {
		*why = "empty token (leading, trailing or double space)";
		return -EINVAL;
	}
	while (i < len) {
		const char *t = line + i;
		const char *sp = memchr(t, ' ', len - i);
		size_t tl = sp ? (size_t)(sp - t) : len - i;

		i += tl + 1;
		if (first) {
			first = false;
			if (tok_is(t, tl, "ENDPOINTS")) {
				r.cmd = CTL_CMD_ENDPOINTS;
			} else if (!tok_is(t, tl, "DUMP")) {
				*why = "unknown command (expected DUMP or ENDPOINTS)";
				return -EINVAL;
			}
			continue;
		}
		if (parse_kv(t, tl, &r, &seen, why))
			return -EINVAL;
	}
	*req = r;
	return 0;
}

int ctl__format_request(const struct ctl_request *req, char *buf, size_t size)
{
	int n = req->cmd == CTL_CMD_ENDPOINTS ?
			snprintf(buf, size, "ENDPOINTS format=%s\n",
				 req->cyclonedx ? "cyclonedx" : req->text ? "text" : "json") :
			snprintf(buf, size, "DUMP since=%llu format=%s\n",
				 (unsigned long long)req->since_s,
				 pcap_out__format_name(req->format));

	return n < 0 || (size_t)n >= size ? -E2BIG : n;
}

int ctl__parse_reply(const char *line, size_t len, struct ctl_reply *reply, char *why,
		     size_t why_size)
{
	char buf[CTL_MAX_REPLY_LINE], fmt[8], ep_fmt[10];
	unsigned long long f, h, pb, jb;
	int end = 0;

	if (why_size)
		why[0] = '\0';
	if (len >= sizeof(buf) || memchr(line, '\0', len))
		return -EINVAL;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (len >= 4 && !memcmp(buf, "ERR ", 4)) {
		snprintf(why, why_size, "%s", buf + 4);
		return -EINVAL;
	}
	/* sscanf's %llu would take signs and blanks: the numbers must be bare digits. */
	for (const char *q = strchr(buf, '='); q; q = strchr(q + 1, '=')) {
		if (q[1] == ' ' || q[1] == '-' || q[1] == '+' || q[1] == '\0') {
			snprintf(why, why_size, "malformed reply");
			return -EINVAL;
		}
	}
	memset(reply, 0, sizeof(*reply));
	if (sscanf(buf, "OK endpoints=%llu bytes=%llu format=%9s%n", &h, &jb, ep_fmt, &end) == 3 &&
	    (size_t)end == len &&
	    (!strcmp(ep_fmt, "json") || !strcmp(ep_fmt, "text") || !strcmp(ep_fmt, "cyclonedx"))) {
		reply->handshakes = h;
		reply->json_bytes = jb;
		reply->text = !strcmp(ep_fmt, "text");
		return 0;
	}
	end = 0;
	if (sscanf(buf,
		   "OK frames=%llu handshakes=%llu pcap_bytes=%llu json_bytes=%llu format=%7s%n",
		   &f, &h, &pb, &jb, fmt, &end) != 5 || (size_t)end != len ||
	    pcap_out__parse_format(fmt, &reply->format)) {
		snprintf(why, why_size, "malformed reply");
		return -EINVAL;
	}
	reply->frames = f;
	reply->handshakes = h;
	reply->pcap_bytes = pb;
	reply->json_bytes = jb;
	return 0;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void conn_reset(struct ctl_server *s, struct ctl_conn *c)
{
	if (s && c->slot.writing)
		s->pending -= c->pcap.len + c->json.len;
	c->slot.writing = false;
	c->req_len = 0;
	c->sent = 0;
	/* Freed, not reset: an idle slot should not hold a large dump's memory. */
	sbuf__free(&c->hdr);
	sbuf__free(&c->pcap);
	sbuf__free(&c->json);
}

static void reply_err(struct ctl_stats *st, struct ctl_conn *c, const char *why)
{
	st->errors++;
	sbuf__free(&c->pcap);
	sbuf__free(&c->json);
	sbuf__reset(&c->hdr);
	sbuf__printf(&c->hdr, "ERR %s\n", why);
	c->slot.writing = true;
	c->sent = 0;
}

/* Send the reply built in c (the header, then its pcap and json), or ERR when building it ran
 * out of memory. Its bytes count as pending until sent. */
static void reply_ok(struct ctl_stats *st, uint64_t *pending, struct ctl_conn *c, bool oom)
{
	if (oom) {
		reply_err(st, c, "out of memory");
		return;
	}
	st->dumps++;
	c->slot.writing = true;
	c->sent = 0;
	if (pending)
		*pending += c->pcap.len + c->json.len;
}

/* ENDPOINTS: the tables, rendered now (they are small: bounded by --max-endpoints). */
static void answer_endpoints(const struct endpoints *ep, const struct ctl_request *req,
			     struct ctl_stats *st, uint64_t *pending, struct ctl_conn *c)
{
	const struct ep_stats *es;

	if (!ep) {
		reply_err(st, c, "no endpoint table here");
		return;
	}
	es = endpoints__stats(ep);
	sbuf__reset(&c->pcap);
	sbuf__reset(&c->json);
	if (req->cyclonedx) {
		uint8_t serial[16] = { 0 };
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		/* a serial number that is not random is still a valid one: ignore a failure */
		if (getrandom(serial, sizeof(serial), GRND_NONBLOCK) != sizeof(serial))
			serial[0] = 1;
		cbom__write(&c->json, ep,
			    (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec, serial);
	} else if (req->text) {
		endpoints_out__text(&c->json, ep);
	} else {
		endpoints_out__json(&c->json, ep);
	}
	sbuf__reset(&c->hdr);
	sbuf__printf(&c->hdr, "OK endpoints=%llu bytes=%zu format=%s\n",
		     (unsigned long long)(es->entries[EP_SERVER] + es->entries[EP_CLIENT]),
		     c->json.len, req->cyclonedx ? "cyclonedx" : req->text ? "text" : "json");
	reply_ok(st, pending, c, c->hdr.oom || c->json.oom);
}

/* Answer a complete request line (c->req[0..line_len), newline excluded). */
static void answer(const struct store *store, const struct endpoints *ep, struct ctl_stats *st,
		   uint64_t *pending, uint64_t max_pending, struct ctl_conn *c, size_t line_len)
{
	struct ctl_request req;
	struct store_dump_info info;
	const char *why;
	uint64_t now, min_ns = 0;

	st->requests++;
	if (ctl__parse_request(c->req, line_len, &req, &why)) {
		reply_err(st, c, why);
		return;
	}
	if (c->req_len > line_len + 1) {
		reply_err(st, c, "data after the request line");
		return;
	}
	if (pending && *pending >= max_pending) {
		reply_err(st, c, "busy: too many dumps in progress, retry later");
		return;
	}
	if (req.cmd == CTL_CMD_ENDPOINTS) {
		answer_endpoints(ep, &req, st, pending, c);
		return;
	}
	now = wall_ns();
	if (req.since_s && req.since_s < now / 1000000000ull)
		min_ns = now - req.since_s * 1000000000ull;
	sbuf__reset(&c->pcap);
	sbuf__reset(&c->json);
	if (store__dump(store, min_ns, req.format, &c->pcap, &c->json, &info)) {
		reply_err(st, c, "out of memory");
		return;
	}
	sbuf__reset(&c->hdr);
	sbuf__printf(&c->hdr,
		     "OK frames=%llu handshakes=%llu pcap_bytes=%zu json_bytes=%zu format=%s\n",
		     (unsigned long long)info.frames, (unsigned long long)info.handshakes,
		     c->pcap.len, c->json.len, pcap_out__format_name(info.format));
	reply_ok(st, pending, c, c->hdr.oom);
}

/* Request bytes arrived (n > 0). Returns true when the request is complete and answered. */
static bool took_bytes(const struct store *store, const struct endpoints *ep,
		       struct ctl_stats *st, uint64_t *pending, uint64_t max_pending,
		       struct ctl_conn *c, size_t n)
{
	const char *nl;

	c->req_len += n;
	nl = memchr(c->req, '\n', c->req_len);
	if (nl) {
		answer(store, ep, st, pending, max_pending, c, (size_t)(nl - c->req));
		return true;
	}
	if (c->req_len >= sizeof(c->req)) {
		st->requests++;
		reply_err(st, c, "request too long (max 1024 bytes with the newline)");
		return true;
	}
	return false;
}

/* Next piece of the reply to send: hdr, pcap, json as one stream. */
static const char *reply_at(const struct ctl_conn *c, size_t *len)
{
	size_t off = c->sent;

	if (off < c->hdr.len) {
		*len = c->hdr.len - off;
		return c->hdr.buf + off;
	}
	off -= c->hdr.len;
	if (off < c->pcap.len) {
		*len = c->pcap.len - off;
		return c->pcap.buf + off;
	}
	off -= c->pcap.len;
	*len = c->json.len - off;
	return c->json.buf ? c->json.buf + off : NULL;
}

/* Send what the socket takes. Returns 1 when all is sent, 0 to wait, -errno on error. */
static int send_some(struct ctl_conn *c)
{
	for (;;) {
		size_t len;
		const char *p = reply_at(c, &len);
		ssize_t n;

		if (!len)
			return 1;
		n = send(c->slot.fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		c->sent += (size_t)n;
	}
}

int ctl__serve_fd(const struct store *store, int fd)
{
	struct ctl_conn c;
	struct ctl_stats st = { 0 };
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.slot.fd = fd;
	for (;;) {
		ssize_t n = read(fd, c.req + c.req_len, sizeof(c.req) - c.req_len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -ECONNRESET;
			goto out;
		}
		if (took_bytes(store, NULL, &st, NULL, 0, &c, (size_t)n))
			break;
	}
	rc = send_some(&c);
	rc = rc == 1 ? 0 : rc ? rc : -EIO;
	shutdown(fd, SHUT_WR);
out:
	conn_reset(NULL, &c);
	return rc;
}

static void conn_close(struct ctl_server *s, struct ctl_conn *c)
{
	if (c->slot.fd >= 0)
		close(c->slot.fd);
	c->slot.fd = -1;
	conn_reset(s, c);
}

static int make_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* A socket file left by a daemon that died is replaced; one that answers belongs to a live
 * daemon, and anything that is not a socket is not ours to remove. */
static int clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (!rc)
		return -EADDRINUSE;
	if (unlink(sa->sun_path) && errno != ENOENT)
		return -errno;
	return 0;
}

static int lookup_group(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) || !res)
		return -ENOENT;
	*gid = res->gr_gid;
	return 0;
}

static void on_read(struct conn_slot *slot, void *s, uint64_t now_ms);
static void on_write(struct conn_slot *slot, void *s, uint64_t now_ms);
static void on_close(struct conn_slot *slot, void *s);

struct ctl_server *ctl__listen(const struct ctl_opts *opts, int *err)
{
	const char *path = opts->path ? opts->path : CTL_DEFAULT_PATH;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_server *s;
	struct stat st;
	gid_t gid = (gid_t)-1;
	mode_t old;
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	if (opts->group && (*err = lookup_group(opts->group, &gid)))
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
		.n = CTL_MAX_CONNS,
		.timeout_ms = CTL_TIMEOUT_MS,
		/* POLLERR goes on to the read or send, which fails: a reply cut short is counted */
		.close_events = POLLNVAL,
		.read = on_read,
		.write = on_write,
		.close = on_close,
		.ctx = s,
		.dropped = &s->stats.dropped,
	};
	conn_slots__init(s->conns, sizeof(s->conns[0]), CTL_MAX_CONNS);
	s->store = opts->store;
	s->endpoints = opts->endpoints;
	s->max_pending = opts->max_pending_bytes;
	if (!s->max_pending)
		s->max_pending = CTL_DEFAULT_MAX_PENDING;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((*err = make_parent(path)) || (*err = clear_stale(&sa)))
		goto fail;
	s->srv.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->srv.lfd < 0)
		goto fail_errno;
	/* The umask makes the socket private from the moment it exists; chmod/chown then open it
	 * to the group when asked. */
	old = umask(opts->group ? 0117 : 0177);
	rc = bind(s->srv.lfd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc)
		goto fail_errno;
	memcpy(s->path, path, strlen(path) + 1);
	if (lstat(path, &st))
		goto fail_errno;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	if (chmod(path, opts->group ? 0660 : 0600) ||
	    ((opts->group || opts->owner) && chown(path, opts->owner ? opts->owner : (uid_t)-1, gid)) ||
	    listen(s->srv.lfd, CTL_MAX_CONNS))
		goto fail_errno;
	return s;
fail_errno:
	*err = -errno;
fail:
	ctl__close(s);
	return NULL;
}

void ctl__close(struct ctl_server *s)
{
	struct stat st;

	if (!s)
		return;
	for (int i = 0; i < CTL_MAX_CONNS; i++)
		conn_close(s, &s->conns[i]);
	if (s->srv.lfd >= 0)
		close(s->srv.lfd);
	/* Only the file this server made: another daemon may have replaced it since. */
	if (s->path[0] && !lstat(s->path, &st) && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free(s);
}

const struct ctl_stats *ctl__stats(const struct ctl_server *s)
{
	return &s->stats;
}

int ctl__pollfds(struct ctl_server *s, struct pollfd *fds, int max)
{
	return conn_slots__pollfds(s->srv.lfd, s->conns, sizeof(s->conns[0]), CTL_MAX_CONNS, fds,
				   max);
}

static void conn_write(struct ctl_server *s, struct ctl_conn *c, uint64_t now_ms);

static void conn_read(struct ctl_server *s, struct ctl_conn *c, uint64_t now_ms)
{
	ssize_t n = read(c->slot.fd, c->req + c->req_len, sizeof(c->req) - c->req_len);

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_close(s, c);
		return;
	}
	if (took_bytes(s->store, s->endpoints, &s->stats, &s->pending, s->max_pending, c,
		       (size_t)n)) {
		c->slot.deadline_ms = now_ms + CTL_TIMEOUT_MS;
		conn_write(s, c, now_ms); /* most replies fit the socket buffer at once */
	}
}

static void conn_write(struct ctl_server *s, struct ctl_conn *c, uint64_t now_ms)
{
	size_t before = c->sent;
	int rc = send_some(c);

	/* A big dump may take long; a stall may not. */
	if (c->sent > before)
		c->slot.deadline_ms = now_ms + CTL_TIMEOUT_MS;
	if (rc < 0) {
		s->stats.dropped++;
		conn_close(s, c);
	} else if (rc == 1) {
		shutdown(c->slot.fd, SHUT_WR);
		conn_close(s, c);
	}
}

static void on_read(struct conn_slot *slot, void *s, uint64_t now_ms)
{
	conn_read(s, (struct ctl_conn *)slot, now_ms);
}

static void on_write(struct conn_slot *slot, void *s, uint64_t now_ms)
{
	conn_write(s, (struct ctl_conn *)slot, now_ms);
}

static void on_close(struct conn_slot *slot, void *s)
{
	conn_close(s, (struct ctl_conn *)slot);
}

void ctl__handle(struct ctl_server *s, const struct pollfd *fds, int n, uint64_t now_ms)
{
	conn_slots__dispatch(&s->srv, fds, n, now_ms);
}

static int fail_msg(char *err, size_t size, int rc, const char *what)
{
	snprintf(err, size, "%s: %s", what, strerror(-rc));
	return rc;
}

/* Read exactly len bytes (or up to a newline when line is set), waiting at most timeout_ms for
 * each piece. */
static int read_full(int fd, char *buf, size_t len, bool line, size_t *got, int timeout_ms)
{
	*got = 0;
	while (*got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int pr = poll(&pfd, 1, timeout_ms);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return pr < 0 ? -errno : -ETIMEDOUT;
		n = read(fd, buf + *got, line ? 1 : len - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		*got += (size_t)n;
		if (line && buf[*got - 1] == '\n')
			return 0;
	}
	return line ? -E2BIG : 0;
}

static int read_into(int fd, struct sbuf *b, uint64_t len, int timeout_ms)
{
	char chunk[65536];

	while (len) {
		size_t want = len < sizeof(chunk) ? (size_t)len : sizeof(chunk), got;
		int rc = read_full(fd, chunk, want, false, &got, timeout_ms);

		if (rc)
			return rc;
		sbuf__add(b, chunk, got);
		if (b->oom)
			return -ENOMEM;
		len -= got;
	}
	return 0;
}

int ctl__client_dump_fd(int fd, const struct ctl_request *req, int timeout_ms, struct sbuf *pcap,
			struct sbuf *json, struct ctl_reply *reply, char *err, size_t err_size)
{
	char line[CTL_MAX_REPLY_LINE];
	size_t got, off = 0;
	int n, rc;

	n = ctl__format_request(req, line, sizeof(line));
	if (n < 0)
		return fail_msg(err, err_size, n, "request");
	while (off < (size_t)n) {
		ssize_t w = send(fd, line + off, (size_t)n - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return fail_msg(err, err_size, -errno, "send");
		off += (size_t)w;
	}
	rc = read_full(fd, line, sizeof(line) - 1, true, &got, timeout_ms);
	if (rc)
		return fail_msg(err, err_size, rc, "reading the reply");
	if (ctl__parse_reply(line, got - 1, reply, err, err_size))
		return -EINVAL;
	/* A reply cannot exceed what the daemon may store: refuse absurd sizes early. */
	if (reply->pcap_bytes > (1ull << 34) || reply->json_bytes > (1ull << 34)) {
		snprintf(err, err_size, "reply too large");
		return -E2BIG;
	}
	if ((rc = read_into(fd, pcap, reply->pcap_bytes, timeout_ms)) ||
	    (rc = read_into(fd, json, reply->json_bytes, timeout_ms)))
		return fail_msg(err, err_size, rc, "reading the dump");
	return 0;
}

int ctl__client_dump(const char *path, const struct ctl_request *req, int timeout_ms,
		     struct sbuf *pcap, struct sbuf *json, struct ctl_reply *reply, char *err,
		     size_t err_size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_size, "%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_msg(err, err_size, -errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		snprintf(err, err_size, "%s: %s%s", path, strerror(-rc),
			 rc == -ENOENT || rc == -ECONNREFUSED ? " (is `tlsmon run` running?)" : "");
		close(fd);
		return rc;
	}
	rc = ctl__client_dump_fd(fd, req, timeout_ms, pcap, json, reply, err, err_size);
	close(fd);
	return rc;
}
