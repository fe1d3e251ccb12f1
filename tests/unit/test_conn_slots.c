/* conn_slots: the slot choice behind /metrics and the control socket. */
#include "check.h"
#include "conn_slots.h"

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
}

int main(void)
{
	RUN_TEST(test_pick_free_then_oldest_reader);
	RUN_TEST(test_pick_none_when_all_sending);
	RUN_TEST(test_pollfds_find_expired);
	return CHECK_DONE();
}
