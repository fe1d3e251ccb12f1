// SPDX-License-Identifier: GPL-2.0
/* The one power-of-two rounding: hash tables, --ring-bytes, the kernel's ring buffer. */
#include <stdint.h>

#include "check.h"
#include "util/pow2.h"

static void test_round_up(void)
{
	CHECK_EQ(pow2__round_up(0), 1);
	CHECK_EQ(pow2__round_up(1), 1);
	CHECK_EQ(pow2__round_up(2), 2);
	CHECK_EQ(pow2__round_up(3), 4);
	CHECK_EQ(pow2__round_up(4096), 4096);
	CHECK_EQ(pow2__round_up(4097), 8192);
	CHECK_EQ(pow2__round_up(65536), 65536);
	CHECK_EQ(pow2__round_up(3u << 20), 4u << 20);
	CHECK_EQ(pow2__round_up((1ull << 32) - 1), 1ull << 32);
	CHECK_EQ(pow2__round_up((1ull << 32) + 1), 1ull << 33);
	CHECK(pow2__round_up(POW2_MAX) == POW2_MAX);
	CHECK(pow2__round_up(POW2_MAX - 1) == POW2_MAX);
	/* The next power would not fit: the largest there is, never 0. */
	CHECK(pow2__round_up(POW2_MAX + 1) == POW2_MAX);
	CHECK(pow2__round_up(UINT64_MAX) == POW2_MAX);
}

/* Against the loop every caller used to have. */
static void test_round_up_matches_loop(void)
{
	int bad = 0;

	for (uint64_t v = 1; v < 70000; v++) {
		uint64_t p = 1;

		while (p < v)
			p <<= 1;
		bad += pow2__round_up(v) != p;
	}
	CHECK_EQ(bad, 0);
}

int main(void)
{
	RUN_TEST(test_round_up);
	RUN_TEST(test_round_up_matches_loop);
	return CHECK_DONE();
}
