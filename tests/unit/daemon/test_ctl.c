// SPDX-License-Identifier: GPL-2.0
/* Control socket: the request and reply parsers, a socketpair round trip, and the non-blocking
 * server (permissions, concurrent clients, garbage, oversized and slow clients, stale sockets). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "daemon/ctl.h"
#include "out/store.h"
#include "tls/tls_record.h"

static int parse(const char *s, struct ctl_request *r)
{
	const char *why = NULL;
	int rc = ctl__parse_request(s, strlen(s), r, &why);

	if (rc && !why)
		return 99; /* an error must say why */
	return rc;
}

static void test_parse_valid(void)
{
	struct ctl_request r;

	CHECK_EQ(parse("DUMP", &r), 0);
	CHECK_EQ(r.since_s, 0);
	CHECK_EQ(r.format, PCAP_FMT_PCAPNG);
	CHECK_EQ(parse("DUMP since=3600 format=pcap", &r), 0);
	CHECK_EQ(r.since_s, 3600);
	CHECK_EQ(r.format, PCAP_FMT_PCAP);
	CHECK_EQ(parse("DUMP format=pcapng since=0", &r), 0);
	CHECK_EQ(r.since_s, 0);
	CHECK_EQ(r.format, PCAP_FMT_PCAPNG);
	CHECK_EQ(parse("DUMP since=9999999999", &r), 0);
	CHECK_EQ(r.since_s, 9999999999ull);
}

/* ENDPOINTS (tlsmon endpoints, tlsmon inventory): its formats, round trips, and its reply. */
static void test_endpoints_request(void)
{
	static const char *const bad[] = {
		"ENDPOINTS since=5", "ENDPOINTS format=pcap", "ENDPOINTS format=", "ENDPOINTS x=1",
		"ENDPOINTS format=json format=text", "ENDPOINT",
	};
	struct ctl_request r, back;
	struct ctl_reply reply;
	char buf[CTL_MAX_REQUEST], why[64];
	int n;

	CHECK_EQ(parse("ENDPOINTS", &r), 0);
	CHECK(r.cmd == CTL_CMD_ENDPOINTS && !r.text && !r.cyclonedx);
	CHECK_EQ(parse("ENDPOINTS format=text", &r), 0);
	CHECK(r.text && !r.cyclonedx);
	CHECK_EQ(parse("ENDPOINTS format=cyclonedx", &r), 0);
	CHECK(r.cyclonedx);
	n = ctl__format_request(&r, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK_STR(buf, "ENDPOINTS format=cyclonedx\n");
	CHECK_EQ(ctl__parse_request(buf, (size_t)n - 1, &back, &(const char *){ NULL }), 0);
	CHECK(back.cmd == CTL_CMD_ENDPOINTS && back.cyclonedx);
	CHECK_EQ(parse("DUMP", &r), 0);
	CHECK(r.cmd == CTL_CMD_DUMP);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(parse(bad[i], &r), -EINVAL);
	CHECK_EQ(ctl__parse_reply("OK endpoints=3 bytes=120 format=text", 36, &reply, why,
				  sizeof(why)), 0);
	CHECK(reply.handshakes == 3 && reply.json_bytes == 120 && reply.text && !reply.pcap_bytes);
	CHECK_EQ(ctl__parse_reply("OK endpoints=3 bytes=120 format=xml", 35, &reply, why,
				  sizeof(why)), -EINVAL);
	CHECK_EQ(ctl__parse_reply("OK endpoints=3 bytes=-1 format=json", 35, &reply, why,
				  sizeof(why)), -EINVAL);
}

static void test_parse_garbage(void)
{
	static const char *const bad[] = {
		"", " ", "dump", "DUMP ", " DUMP", "DUMP  since=1", "DUMP\tsince=1", "DUMPS",
		"DUMP since", "DUMP since=", "DUMP since=-1", "DUMP since=+1", "DUMP since=1x",
		"DUMP since=10000000000", "DUMP since=99999999999999999999999",
		"DUMP since=1 since=2", "DUMP format=PCAP", "DUMP format=", "DUMP format=pcap format=pcap",
		"DUMP gzip=1", "DUMP =1", "DUMP since=1 extra", "GET / HTTP/1.0", "DUMP since=1\r",
		"DUMP \xff", "DUMP since=\x80",
	};
	struct ctl_request r = { .since_s = 77, .format = PCAP_FMT_PCAP };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i], &r);

		if (rc != -EINVAL)
			fprintf(stderr, "  accepted or no reason: \"%s\" (%d)\n", bad[i], rc);
		CHECK_EQ(rc, -EINVAL);
	}
	/* nothing changes on error */
	CHECK_EQ(r.since_s, 77);
	CHECK_EQ(r.format, PCAP_FMT_PCAP);
	{
		const char nul[] = "DUMP\0since=1";
		const char *why;

		CHECK_EQ(ctl__parse_request(nul, sizeof(nul) - 1, &r, &why), -EINVAL);
	}
}

static void test_parse_oversized_and_prefixes(void)
{
	char big[CTL_MAX_REQUEST + 10];
	const char *full = "DUMP since=3600 format=pcapng", *why;
	struct ctl_request r;

	memset(big, 'A', sizeof(big));
	memcpy(big, "DUMP since=1 ", 13);
	CHECK_EQ(ctl__parse_request(big, CTL_MAX_REQUEST, &r, &why), -EINVAL);
	CHECK_EQ(ctl__parse_request(big, sizeof(big), &r, &why), -EINVAL);
	/* every prefix: only whole tokens parse */
	for (size_t n = 0; n <= strlen(full); n++) {
		int rc = ctl__parse_request(full, n, &r, &why);
		bool ok = n == 4 || (n >= 12 && n <= 15) || n == strlen(full) || n == 27;

		if ((rc == 0) != ok)
			fprintf(stderr, "  prefix %zu: rc %d\n", n, rc);
		CHECK_EQ(rc == 0, ok);
	}
}

static void test_format_roundtrip(void)
{
	struct ctl_request in = { .since_s = 86400, .format = PCAP_FMT_PCAP }, out;
	char buf[128];
	const char *why;
	int n = ctl__format_request(&in, buf, sizeof(buf));

	CHECK(n > 0);
	CHECK(n > 0 && buf[n - 1] == '\n');
	CHECK_EQ(ctl__parse_request(buf, (size_t)n - 1, &out, &why), 0);
	CHECK_EQ(out.since_s, 86400);
	CHECK_EQ(out.format, PCAP_FMT_PCAP);
	CHECK_EQ(ctl__format_request(&in, buf, 10), -E2BIG);
}

static int preply(const char *s, struct ctl_reply *r, char *why, size_t ws)
{
	return ctl__parse_reply(s, strlen(s), r, why, ws);
}

static void test_parse_reply(void)
{
	struct ctl_reply r;
	char why[64];

	CHECK_EQ(preply("OK frames=10 handshakes=1 pcap_bytes=4668 json_bytes=3718 format=pcapng",
			&r, why, sizeof(why)), 0);
	CHECK_EQ(r.frames, 10);
	CHECK_EQ(r.handshakes, 1);
	CHECK_EQ(r.pcap_bytes, 4668);
	CHECK_EQ(r.json_bytes, 3718);
	CHECK_EQ(r.format, PCAP_FMT_PCAPNG);
	CHECK_EQ(preply("ERR unknown key", &r, why, sizeof(why)), -EINVAL);
	CHECK_STR(why, "unknown key");
	CHECK_EQ(preply("OK frames=1 handshakes=1 pcap_bytes=1 json_bytes=1 format=pcapx", &r, why,
			sizeof(why)), -EINVAL);
	CHECK_EQ(preply("OK frames=1 handshakes=1 pcap_bytes=1 json_bytes=1 format=pcap junk", &r,
			why, sizeof(why)), -EINVAL);
	CHECK_EQ(preply("OK frames=1", &r, why, sizeof(why)), -EINVAL);
	CHECK_EQ(preply("OK frames=-1 handshakes=1 pcap_bytes=1 json_bytes=1 format=pcap", &r, why,
			sizeof(why)), -EINVAL);
	CHECK_EQ(preply("OK frames=1 handshakes=1 pcap_bytes= 1 json_bytes=1 format=pcap", &r, why,
			sizeof(why)), -EINVAL);
	CHECK_EQ(preply("", &r, why, sizeof(why)), -EINVAL);
}

/* A store with one alert handshake of 3 frames. */
static struct store *mkstore(void)
{
	struct store *s = store__new(NULL);
	struct handshake *hs = calloc(1, sizeof(*hs));
	uint8_t buf[512] = { 0 };
	size_t len = 0;

	for (int i = 1; i <= 3; i++) {
		struct frame_hdr h = { .ts_ns = (uint64_t)i, .number = (uint64_t)i,
				       .caplen = 40, .wirelen = 40,
				       .linktype = LINKTYPE_ETHERNET };

		memcpy(buf + len, &h, sizeof(h));
		len += sizeof(h) + 40;
	}
	{
		struct engine_frames fs = { .buf = buf, .len = len, .count = 3 };

		hs->family = 4;
		hs->client_port = 5555;
		hs->outcome = HS_OUTCOME_ALERT;
		hs->end_ts_ns = (uint64_t)time(NULL) * 1000000000ull;
		store__add(s, hs, &fs);
	}
	free(hs);
	return s;
}

static void test_socketpair_roundtrip(void)
{
	struct store *s = mkstore();
	struct ctl_request req = { .format = PCAP_FMT_PCAPNG };
	struct ctl_reply rep;
	struct sbuf pcap, json;
	char err[128];
	int sv[2], status = -1;
	pid_t pid;

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	if (pid == 0) {
		close(sv[1]);
		_exit(ctl__serve_fd(s, sv[0]) ? 1 : 0);
	}
	close(sv[0]);
	sbuf__init(&pcap);
	sbuf__init(&json);
	CHECK_EQ(ctl__client_dump_fd(sv[1], &req, 5000, &pcap, &json, &rep, err, sizeof(err)), 0);
	CHECK_EQ(rep.frames, 3);
	CHECK_EQ(rep.handshakes, 1);
	CHECK_EQ(rep.pcap_bytes, pcap.len);
	CHECK_EQ(rep.json_bytes, json.len);
	CHECK(strstr(json.buf ? json.buf : "", ":5555\"") != NULL);
	close(sv[1]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* garbage gets an ERR line */
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	if (pid == 0) {
		close(sv[1]);
		_exit(ctl__serve_fd(s, sv[0]) ? 1 : 0);
	}
	close(sv[0]);
	{
		char buf[256] = "";
		ssize_t n;

		CHECK_EQ(write(sv[1], "\x16\x03\x01\x00\x10garbage\n", 13), 13);
		n = read(sv[1], buf, sizeof(buf) - 1);
		CHECK(n > 4 && !strncmp(buf, "ERR ", 4));
	}
	close(sv[1]);
	waitpid(pid, &status, 0);
	sbuf__free(&pcap);
	sbuf__free(&json);
	store__free(s);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Child: send raw bytes, expect a reply starting with want; exit 0 when it does. */
static void raw_client(const char *path, const char *req, size_t len, const char *want)
{
	char buf[256] = "";
	int fd = connect_to(path);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		_exit(2);
	if (len && write(fd, req, len) < 0)
		_exit(3);
	while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	_exit(strncmp(buf, want, strlen(want)) ? 4 : 0);
}

static void dump_client(const char *path)
{
	struct ctl_request req = { .format = PCAP_FMT_PCAP };
	struct ctl_reply rep;
	struct sbuf pcap, json;
	char err[128];

	sbuf__init(&pcap);
	sbuf__init(&json);
	if (ctl__client_dump(path, &req, 5000, &pcap, &json, &rep, err, sizeof(err)))
		_exit(5);
	_exit(rep.frames == 3 && pcap.len == 24 + 3 * (16 + 40) ? 0 : 6);
}

static void test_server(void)
{
	char dir[] = "/tmp/tlsmon-ctl.XXXXXX", path[96], big[2000];
	struct store *s = mkstore();
	struct ctl_opts o = { .path = path, .store = s };
	struct ctl_server *srv;
	struct pollfd fds[CTL_MAX_CONNS + 1];
	struct stat st;
	pid_t pids[6];
	int err = 0, done = 0, status, slow;
	uint64_t t0;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/sub/tlsmon.sock", dir);
	srv = ctl__listen(&o, &err);
	CHECK(srv != NULL);
	if (!srv)
		return;
	CHECK_EQ(stat(path, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0600);
	/* a second daemon on the same path is refused while the first lives */
	CHECK(ctl__listen(&o, &err) == NULL);
	CHECK_EQ(err, -EADDRINUSE);

	memset(big, 'x', sizeof(big));
	slow = connect_to(path); /* connects and never sends: dropped at the deadline */
	CHECK(slow >= 0);
	for (int i = 0; i < 3; i++)
		if ((pids[i] = fork()) == 0)
			dump_client(path);
	if ((pids[3] = fork()) == 0)
		raw_client(path, "\x01\x02garbage\xff\n", 11, "ERR ");
	if ((pids[4] = fork()) == 0)
		raw_client(path, big, sizeof(big), "ERR request too long");
	if ((pids[5] = fork()) == 0)
		raw_client(path, "DUMP gzip=1\n", 12, "ERR unknown key");
	t0 = now_ms();
	while (done < 6 && now_ms() - t0 < 10000) {
		int n = ctl__pollfds(srv, fds, CTL_MAX_CONNS + 1);

		poll(fds, (nfds_t)n, 50);
		ctl__handle(srv, fds, n, now_ms());
		for (int i = 0; i < 6; i++) {
			if (pids[i] > 0 && waitpid(pids[i], &status, WNOHANG) == pids[i]) {
				if (!WIFEXITED(status) || WEXITSTATUS(status))
					fprintf(stderr, "  client %d: status %d\n", i, status);
				CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
				pids[i] = -1;
				done++;
			}
		}
	}
	CHECK_EQ(done, 6);
	CHECK_EQ(ctl__stats(srv)->dumps, 3);
	CHECK_EQ(ctl__stats(srv)->errors, 3);
	/* the slow client is still connected; time passes beyond its deadline */
	{
		char c;
		int n = ctl__pollfds(srv, fds, CTL_MAX_CONNS + 1);

		CHECK_EQ(n, 2);
		ctl__handle(srv, fds, 0, now_ms() + CTL_TIMEOUT_MS + 1);
		CHECK_EQ(ctl__pollfds(srv, fds, CTL_MAX_CONNS + 1), 1);
		CHECK_EQ(ctl__stats(srv)->dropped, 1);
		CHECK_EQ(read(slow, &c, 1), 0); /* closed without a reply */
		close(slow);
	}
	ctl__close(srv);
	CHECK(lstat(path, &st) != 0); /* removed */

	/* a stale socket (no listener) is replaced; a regular file is not touched */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		CHECK_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);
		srv = ctl__listen(&o, &err);
		CHECK(srv != NULL);
		ctl__close(srv);
		fd = open(path, O_CREAT | O_WRONLY, 0644);
		close(fd);
		CHECK(ctl__listen(&o, &err) == NULL);
		CHECK_EQ(err, -EEXIST);
		CHECK_EQ(lstat(path, &st), 0);
		CHECK(S_ISREG(st.st_mode));
		unlink(path);
	}
	o.group = "no-such-group-tlsmon";
	CHECK(ctl__listen(&o, &err) == NULL);
	CHECK_EQ(err, -ENOENT);
	o.group = "root";
	srv = ctl__listen(&o, &err);
	CHECK(srv != NULL);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0660);
	CHECK_EQ(st.st_gid, 0);
	ctl__close(srv);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CHECK_EQ(system(cmd), 0);
	}
	store__free(s);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN_TEST(test_parse_valid);
	RUN_TEST(test_endpoints_request);
	RUN_TEST(test_parse_garbage);
	RUN_TEST(test_parse_oversized_and_prefixes);
	RUN_TEST(test_format_roundtrip);
	RUN_TEST(test_parse_reply);
	RUN_TEST(test_socketpair_roundtrip);
	RUN_TEST(test_server);
	return CHECK_DONE();
}
