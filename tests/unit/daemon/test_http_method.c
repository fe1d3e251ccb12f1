/* The request method must be an RFC 9110 token: a NUL or a control byte in it gets 400 Bad
 * Request; a token that is not GET/HEAD gets 405; GET gets 200. Real sockets on loopback, the
 * server driven by its own poll helpers. */
#include "check.h"
#include "daemon/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void body(void *ctx, struct sbuf *out)
{
	(void)ctx;
	sbuf__add(out, "x 1\n", 4);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sends req (len bytes, NULs included) and returns the status code of the answer, or -1. */
static int status_of(struct http_server *s, const char *req, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)http__port(s)) };
	struct pollfd fds[16];
	char resp[512] = "";
	size_t got = 0;
	int fd, status = -1;
	uint64_t until = mono_ms() + 3000;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS)
		goto out;
	/* bounded: 3 s of 10 ms polls at most */
	for (int i = 0; i < 300 && mono_ms() < until && !strstr(resp, "\r\n"); i++) {
		int n = http__pollfds(s, fds, 16);
		ssize_t r;

		poll(fds, (nfds_t)n, 10);
		http__handle(s, fds, n, mono_ms());
		if (len) {
			r = send(fd, req, len, MSG_NOSIGNAL);
			if (r > 0) {
				req += r;
				len -= (size_t)r;
			}
		}
		r = recv(fd, resp + got, sizeof(resp) - 1 - got, 0);
		if (r > 0)
			got += (size_t)r;
		resp[got] = '\0';
	}
	if (sscanf(resp, "HTTP/1.1 %d", &status) != 1)
		status = -1;
out:
	close(fd);
	return status;
}

static void test_methods(void)
{
	static const char nul_method[] = "G\0T /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char ctl_method[] = "G\x1b[T /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char other[] = "PUT /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	int err = 0;
	struct http_server *s = http__listen("127.0.0.1:0", body, NULL, &err);

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(status_of(s, nul_method, sizeof(nul_method) - 1), 400);
	CHECK_EQ(status_of(s, ctl_method, sizeof(ctl_method) - 1), 400);
	CHECK_EQ(status_of(s, other, sizeof(other) - 1), 405);
	CHECK_EQ(status_of(s, get, sizeof(get) - 1), 200);
	http__close(s);
}

int main(void)
{
	RUN_TEST(test_methods);
	return CHECK_DONE();
}
