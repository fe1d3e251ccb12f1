/* http__bind / http__start: a bound server refuses connections until it is started (the daemon
 * starts it once its programs are attached), and a busy address fails at the bind already. */
#include "check.h"
#include "daemon/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static void body(void *ctx, struct sbuf *out)
{
	(void)ctx;
	sbuf__add(out, "x 1\n", 4);
}

/* 0 if a TCP connection to 127.0.0.1:port is accepted, else -errno. */
static int try_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = connect(fd, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
	close(fd);
	return rc;
}

static void test_refused_until_started(void)
{
	struct http_server *s;
	int err = 1, port;

	s = http__bind("127.0.0.1:0", body, NULL, &err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(err, 0);
	port = http__port(s);
	CHECK(port > 0);
	CHECK_EQ(try_connect(port), -ECONNREFUSED);
	CHECK_EQ(http__start(s), 0);
	CHECK_EQ(try_connect(port), 0);
	http__close(s);
}

static void test_busy_address_fails_at_bind(void)
{
	struct http_server *a, *b;
	char addr[32];
	int err = 0;

	a = http__listen("127.0.0.1:0", body, NULL, &err);
	CHECK(a != NULL);
	if (!a)
		return;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", http__port(a));
	b = http__bind(addr, body, NULL, &err);
	CHECK(b == NULL);
	CHECK_EQ(err, -EADDRINUSE);
	http__close(b);
	http__close(a);
}

static void test_bad_address(void)
{
	int err = 0;

	CHECK(http__bind("nonsense", body, NULL, &err) == NULL);
	CHECK_EQ(err, -EINVAL);
}

int main(void)
{
	RUN_TEST(test_refused_until_started);
	RUN_TEST(test_busy_address_fails_at_bind);
	RUN_TEST(test_bad_address);
	return CHECK_DONE();
}
