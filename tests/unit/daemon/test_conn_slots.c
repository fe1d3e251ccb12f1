/* conn_slots: the slot choice and the poll-round dispatch behind /metrics and the control
 * socket. */
#include "check.h"
#include "daemon/conn_slots.h"

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct conn {
	struct conn_slot slot;
	char payload[40]; /* the walk must honour the caller's element size */
};

static void test_pick_free_then_oldest_reader(void)
{
	struct conn c[4];

	conn_slots__init(c, sizeof(c[0]), 4);
	CHECK(conn_slots__pick(c, sizeof(c[0]), 4) == &c[0].slot);
	for (int i = 0; i < 4; i++)
		c[i].slot = (struct conn_slot){ .fd = 10 + i, .deadline_ms = 100 - (uint64_t)i * 10 };
	c[3].slot.writing = true; /* earliest deadline, but sending: never evicted */
	CHECK(conn_slots__pick(c, sizeof(c[0]), 4) == &c[2].slot);
	c[1].slot.fd = -1;
	CHECK(conn_slots__pick(c, sizeof(c[0]), 4) == &c[1].slot);
}

static void test_pick_none_when_all_sending(void)
{
	struct conn c[3];

	for (int i = 0; i < 3; i++)
		c[i].slot = (struct conn_slot){ .fd = 5 + i, .writing = true };
	CHECK(conn_slots__pick(c, sizeof(c[0]), 3) == NULL);
}

static void test_pollfds_find_expired(void)
{
	struct conn c[3];
	struct pollfd fds[4];
	struct conn_slot *e;
	int cursor = 0, n;

	conn_slots__init(c, sizeof(c[0]), 3);
	c[0].slot = (struct conn_slot){ .fd = 7, .deadline_ms = 50 };
	c[2].slot = (struct conn_slot){ .fd = 9, .writing = true, .deadline_ms = 200 };
	n = conn_slots__pollfds(3, c, sizeof(c[0]), 3, fds, 4);
	CHECK_EQ(n, 3);
	CHECK_EQ(fds[0].fd, 3);
	CHECK_EQ(fds[1].fd, 7);
	CHECK_EQ(fds[1].events, POLLIN);
	CHECK_EQ(fds[2].fd, 9);
	CHECK_EQ(fds[2].events, POLLOUT);
	CHECK_EQ(conn_slots__pollfds(3, c, sizeof(c[0]), 3, fds, 2), 2);
	CHECK(conn_slots__find(c, sizeof(c[0]), 3, 9) == &c[2].slot);
	CHECK(conn_slots__find(c, sizeof(c[0]), 3, 8) == NULL);
	e = conn_slots__next_expired(c, sizeof(c[0]), 3, 100, &cursor);
	CHECK(e == &c[0].slot);
	CHECK(conn_slots__next_expired(c, sizeof(c[0]), 3, 100, &cursor) == NULL);
	/* A TLS read that must write first, a TLS write that must read first. */
	c[0].slot.poll_reverse = true;
	c[2].slot.poll_reverse = true;
	n = conn_slots__pollfds(3, c, sizeof(c[0]), 3, fds, 4);
	CHECK_EQ(fds[1].events, POLLOUT);
	CHECK_EQ(fds[2].events, POLLIN);
}

/* An address in the abstract namespace, so the test leaves no file behind. */
static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static int connect_to(const char *name)
{
	struct sockaddr_un a;
	socklen_t len = abstract_addr(&a, name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int evicted_fd = -1, evictions;

static void evict(struct conn_slot *slot, void *ctx)
{
	CHECK(ctx == &evictions);
	evicted_fd = slot->fd;
	evictions++;
	close(slot->fd);
	slot->fd = -1;
}

static void test_accept_evict_refuse(void)
{
	struct conn c[2];
	struct sockaddr_un addr;
	struct conn_slot *a, *b, *x;
	int cl[4], lfd, first;
	uint64_t dropped = 0;
	char name[64], byte;
	socklen_t len;

	snprintf(name, sizeof(name), "tlsmon-test-conn-slots-%d", (int)getpid());
	len = abstract_addr(&addr, name);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(lfd >= 0 && !bind(lfd, (struct sockaddr *)&addr, len) && !listen(lfd, 8));
	for (int i = 0; i < 3; i++)
		CHECK((cl[i] = connect_to(name)) >= 0);
	conn_slots__init(c, sizeof(c[0]), 2);

	/* Two free slots, then the reader with the earliest deadline gives way to the third. */
	a = conn_slots__accept(lfd, c, sizeof(c[0]), 2, 100, evict, &evictions, &dropped);
	b = conn_slots__accept(lfd, c, sizeof(c[0]), 2, 200, evict, &evictions, &dropped);
	CHECK(a == &c[0].slot && b == &c[1].slot);
	CHECK(a->fd >= 0 && !a->writing && a->deadline_ms == 100);
	first = a->fd;
	x = conn_slots__accept(lfd, c, sizeof(c[0]), 2, 300, evict, &evictions, &dropped);
	CHECK(x == a);
	CHECK_EQ(evictions, 1);
	CHECK_EQ(evicted_fd, first);
	CHECK_EQ(dropped, 1);
	CHECK_EQ(x->deadline_ms, 300);
	CHECK(conn_slots__accept(lfd, c, sizeof(c[0]), 2, 400, evict, &evictions, &dropped) == NULL);

	/* Every slot sending: the next connection is refused and closed, not stored. */
	c[0].slot.writing = c[1].slot.writing = true;
	CHECK((cl[3] = connect_to(name)) >= 0);
	CHECK(conn_slots__accept(lfd, c, sizeof(c[0]), 2, 500, evict, &evictions, &dropped) == NULL);
	CHECK_EQ(dropped, 2);
	CHECK_EQ(evictions, 1);
	/* The refused client sees the close, and so does the evicted one (without waiting: a
	 * socket left open fails the check instead of hanging the test). */
	CHECK_EQ(recv(cl[3], &byte, 1, MSG_DONTWAIT), 0);
	CHECK_EQ(recv(cl[0], &byte, 1, MSG_DONTWAIT), 0);
	for (int i = 0; i < 4; i++)
		close(cl[i]);
	close(c[0].slot.fd);
	close(c[1].slot.fd);
	close(lfd);
}

/* A line-echo server on conn_server: reads up to a newline, sends the line back, closes. */
struct echo_conn {
	struct conn_slot slot;
	size_t len;
	char buf[64];
};

struct echo {
	struct echo_conn c[2];
	struct conn_server srv;
	uint64_t dropped;
	int reads, writes, closes;
	uint64_t last_now;
};

static void echo_read(struct conn_slot *slot, void *ctx, uint64_t now_ms)
{
	struct echo_conn *c = (struct echo_conn *)slot;
	struct echo *e = ctx;
	ssize_t n = read(slot->fd, c->buf + c->len, sizeof(c->buf) - c->len);

	e->reads++;
	e->last_now = now_ms;
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		e->srv.close(slot, ctx);
		return;
	}
	c->len += (size_t)n;
	if (memchr(c->buf, '\n', c->len))
		slot->writing = true;
}

static void echo_write(struct conn_slot *slot, void *ctx, uint64_t now_ms)
{
	struct echo_conn *c = (struct echo_conn *)slot;
	struct echo *e = ctx;

	(void)now_ms;
	e->writes++;
	CHECK_EQ(send(slot->fd, c->buf, c->len, MSG_NOSIGNAL), (long long)c->len);
	e->srv.close(slot, ctx);
}

static void echo_close(struct conn_slot *slot, void *ctx)
{
	struct echo_conn *c = (struct echo_conn *)slot;
	struct echo *e = ctx;

	e->closes++;
	close(slot->fd);
	slot->fd = -1;
	slot->writing = false;
	c->len = 0;
}

/* pollfds, poll (a second at most: a lost wake-up fails instead of hanging), dispatch. */
static int echo_round(struct echo *e, uint64_t now_ms)
{
	struct pollfd fds[3];
	int n = conn_slots__pollfds(e->srv.lfd, e->c, sizeof(e->c[0]), 2, fds, 3);

	CHECK(poll(fds, (nfds_t)n, 1000) > 0);
	conn_slots__dispatch(&e->srv, fds, n, now_ms);
	return n;
}

static void test_dispatch(void)
{
	struct echo e = { 0 };
	struct sockaddr_un addr;
	struct pollfd fake[2];
	char name[64], buf[16];
	int a, b, x, y, fd;
	socklen_t len;

	snprintf(name, sizeof(name), "tlsmon-test-conn-dispatch-%d", (int)getpid());
	len = abstract_addr(&addr, name);
	e.srv = (struct conn_server){
		.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
		.slots = e.c,
		.stride = sizeof(e.c[0]),
		.n = 2,
		.timeout_ms = 100,
		.close_events = POLLNVAL,
		.read = echo_read,
		.write = echo_write,
		.close = echo_close,
		.ctx = &e,
		.dropped = &e.dropped,
	};
	CHECK(e.srv.lfd >= 0 && !bind(e.srv.lfd, (struct sockaddr *)&addr, len) &&
	      !listen(e.srv.lfd, 8));
	conn_slots__init(e.c, sizeof(e.c[0]), 2);

	/* Accept (deadline from now), read the request, write the reply: one round each. */
	CHECK((a = connect_to(name)) >= 0);
	CHECK_EQ(send(a, "hi\n", 3, 0), 3);
	CHECK_EQ(echo_round(&e, 1000), 1);
	CHECK(e.c[0].slot.fd >= 0 && e.c[0].slot.deadline_ms == 1100);
	CHECK_EQ(echo_round(&e, 1010), 2);
	CHECK(e.c[0].slot.writing);
	CHECK_EQ(e.reads, 1);
	CHECK_EQ(e.last_now, 1010);
	CHECK_EQ(echo_round(&e, 1020), 2);
	CHECK_EQ(e.writes, 1);
	CHECK_EQ(e.c[0].slot.fd, -1);
	CHECK_EQ(recv(a, buf, sizeof(buf), 0), 3);
	CHECK(!memcmp(buf, "hi\n", 3));
	CHECK_EQ(recv(a, buf, sizeof(buf), MSG_DONTWAIT), 0);
	CHECK_EQ(e.dropped, 0);
	close(a);

	/* Both slots reading, a third client: the oldest reader gives way, through close(). */
	CHECK((a = connect_to(name)) >= 0);
	CHECK((b = connect_to(name)) >= 0);
	echo_round(&e, 2000);
	CHECK(e.c[0].slot.fd >= 0 && e.c[1].slot.fd >= 0);
	CHECK((x = connect_to(name)) >= 0);
	e.closes = 0;
	echo_round(&e, 2050);
	CHECK_EQ(e.closes, 1);
	CHECK_EQ(e.dropped, 1);
	CHECK_EQ(recv(a, buf, sizeof(buf), MSG_DONTWAIT), 0);
	CHECK_EQ(e.c[0].slot.deadline_ms, 2150);

	/* Revents in close_events close without a read; others (POLLERR here) go to read();
	 * an entry for a descriptor that is no slot's is ignored. */
	fd = e.c[1].slot.fd;
	e.reads = e.closes = 0;
	fake[0] = (struct pollfd){ .fd = fd, .events = POLLIN, .revents = POLLERR };
	fake[1] = (struct pollfd){ .fd = 999, .events = POLLIN, .revents = POLLIN };
	conn_slots__dispatch(&e.srv, fake, 2, 2060);
	CHECK_EQ(e.reads, 1);
	CHECK_EQ(e.closes, 0);
	fake[0].revents = POLLNVAL | POLLIN;
	conn_slots__dispatch(&e.srv, fake, 1, 2060);
	CHECK_EQ(e.reads, 1);
	CHECK_EQ(e.closes, 1);
	CHECK_EQ(e.c[1].slot.fd, -1);
	CHECK_EQ(e.dropped, 1);

	/* Past its deadline, with nothing ready: closed and counted. */
	CHECK((y = connect_to(name)) >= 0);
	echo_round(&e, 2100); /* into the free slot, deadline 2200 */
	conn_slots__dispatch(&e.srv, fake, 0, 2160); /* slot 0 (2150) only */
	CHECK_EQ(e.closes, 2);
	CHECK_EQ(e.dropped, 2);
	CHECK_EQ(e.c[0].slot.fd, -1);
	CHECK(e.c[1].slot.fd >= 0);
	CHECK_EQ(recv(x, buf, sizeof(buf), MSG_DONTWAIT), 0);
	conn_slots__dispatch(&e.srv, fake, 0, 2201);
	CHECK_EQ(e.dropped, 3);
	CHECK_EQ(recv(y, buf, sizeof(buf), MSG_DONTWAIT), 0);

	close(a);
	close(b);
	close(x);
	close(y);
	close(e.srv.lfd);
}

int main(void)
{
	RUN_TEST(test_pick_free_then_oldest_reader);
	RUN_TEST(test_pick_none_when_all_sending);
	RUN_TEST(test_pollfds_find_expired);
	RUN_TEST(test_accept_evict_refuse);
	RUN_TEST(test_dispatch);
	return CHECK_DONE();
}
