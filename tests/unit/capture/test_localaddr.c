/* capture/localaddr: CIDRs given, the host's addresses loaded from the interfaces, and the
 * either-end test that decides whether a handshake is local. */
#include "check.h"
#include "capture/localaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static bool has(const struct localaddr *la, const char *text)
{
	uint8_t a[16] = { 0 };

	if (inet_pton(AF_INET, text, a) == 1)
		return localaddr__contains(la, 4, a);
	if (inet_pton(AF_INET6, text, a) == 1)
		return localaddr__contains(la, 6, a);
	return false;
}

static void test_cidrs(void)
{
	struct localaddr *la = localaddr__new();

	CHECK(la != NULL);
	if (!la)
		return;
	CHECK_EQ(localaddr__add_cidr(la, "10.1.0.0/16"), 0);
	CHECK_EQ(localaddr__add_list(la, "192.0.2.7,2001:db8::/33,172.16.0.0/12"), 0);
	CHECK(has(la, "10.1.255.3"));
	CHECK(!has(la, "10.2.0.1"));
	CHECK(has(la, "192.0.2.7"));
	CHECK(!has(la, "192.0.2.8"));
	CHECK(has(la, "2001:db8:7fff::1"));
	CHECK(!has(la, "2001:db8:8000::1"));
	CHECK(has(la, "172.31.255.255"));
	CHECK(!has(la, "172.32.0.0"));
	CHECK_EQ(localaddr__add_cidr(la, "10.0.0.0/33"), -EINVAL);
	CHECK_EQ(localaddr__add_cidr(la, "10.0.0/8"), -EINVAL);
	CHECK_EQ(localaddr__add_cidr(la, "::/129"), -EINVAL);
	CHECK_EQ(localaddr__add_cidr(la, "10.0.0.0/"), -EINVAL);
	CHECK_EQ(localaddr__add_list(NULL, "10.0.0.0/8,,"), -EINVAL);
	CHECK_EQ(localaddr__add_list(NULL, "10.0.0.0/8,::1"), 0);
	CHECK_EQ(localaddr__count(la), 4);
	/* a handshake is local when either end is */
	{
		uint8_t a[16] = { 10, 1, 0, 1 }, b[16] = { 8, 8, 8, 8 }, c[16] = { 9, 9, 9, 9 };

		CHECK(localaddr__either(la, 4, a, b));
		CHECK(localaddr__either(la, 4, b, a));
		CHECK(!localaddr__either(la, 4, b, c));
		CHECK(localaddr__either(NULL, 4, b, c)); /* no set: everything is local */
	}
	localaddr__free(la);
}

static void test_host_reload_keeps_cidrs(void)
{
	struct localaddr *la = localaddr__new();
	int n;

	CHECK(la != NULL);
	if (!la)
		return;
	CHECK_EQ(localaddr__add_cidr(la, "198.51.100.0/24"), 0);
	n = localaddr__load_host(la);
	CHECK(n >= 1); /* lo's 127.0.0.1 at least */
	CHECK(has(la, "127.0.0.1"));
	CHECK(has(la, "127.3.2.1"));
	CHECK(has(la, "::1"));
	CHECK(has(la, "198.51.100.9"));
	CHECK(!has(la, "203.0.113.1"));
	CHECK_EQ(localaddr__load_host(la), n); /* reloaded, not appended */
	CHECK_EQ(localaddr__count(la), n + 3);
	CHECK_EQ(localaddr__watch(la), 0);
	CHECK(localaddr__fd(la) >= 0);
	CHECK_EQ(localaddr__handle(la), n); /* nothing pending: drains nothing, reloads */
	localaddr__free(la);
}

static void test_actions(void)
{
	enum not_local_action a = NOT_LOCAL_MARK;

	CHECK_EQ(localaddr__parse_action("drop", &a), 0);
	CHECK_EQ(a, NOT_LOCAL_DROP);
	CHECK_EQ(localaddr__parse_action("analyze", &a), 0);
	CHECK_EQ(a, NOT_LOCAL_ANALYSE);
	CHECK_EQ(localaddr__parse_action("mark", &a), 0);
	CHECK_EQ(a, NOT_LOCAL_MARK);
	CHECK_EQ(localaddr__parse_action("keep", &a), -EINVAL);
	CHECK_STR(localaddr__action_name(NOT_LOCAL_ANALYSE), "analyse");
}

int main(void)
{
	RUN_TEST(test_cidrs);
	RUN_TEST(test_host_reload_keeps_cidrs);
	RUN_TEST(test_actions);
	return CHECK_DONE();
}
