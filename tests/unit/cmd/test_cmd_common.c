// SPDX-License-Identifier: GPL-2.0
/* The option parsers the subcommands share: sizes with suffixes and the power-of-two sizes
 * (tlsmon run --ring-bytes) built on them. */
#include <stdint.h>

#include "check.h"
#include "cmd/cmd.h"

static void test_parse_size(void)
{
	uint64_t v = 0;

	CHECK_EQ(cmd__parse_size("1048576", &v), 0);
	CHECK_EQ(v, 1048576);
	CHECK_EQ(cmd__parse_size("512K", &v), 0);
	CHECK_EQ(v, 512 * 1024);
	CHECK_EQ(cmd__parse_size("64MiB", &v), 0);
	CHECK_EQ(v, 64ull << 20);
	CHECK_EQ(cmd__parse_size("1G", &v), 0);
	CHECK_EQ(v, 1ull << 30);
	v = 7;
	CHECK_EQ(cmd__parse_size("", &v), -1);
	CHECK_EQ(cmd__parse_size("-1M", &v), -1);
	CHECK_EQ(cmd__parse_size("1.5M", &v), -1);
	CHECK_EQ(cmd__parse_size("1m", &v), -1);
	CHECK_EQ(cmd__parse_size("M", &v), -1);
	CHECK_EQ(cmd__parse_size("99999999999999999999", &v), -1);
	CHECK_EQ(cmd__parse_size("17179869184G", &v), -1); /* 2^64 bytes */
	CHECK_EQ(v, 7);
}

/* --ring-bytes' bounds: 64K..1G. */
static void test_parse_pow2_size(void)
{
	const uint64_t lo = 64 << 10, hi = 1ull << 30;
	uint64_t v = 0;

	CHECK_EQ(cmd__parse_pow2_size("1M", lo, hi, &v), 0);
	CHECK_EQ(v, 1048576);
	CHECK_EQ(cmd__parse_pow2_size("64K", lo, hi, &v), 0);
	CHECK_EQ(v, 65536);
	CHECK_EQ(cmd__parse_pow2_size("1G", lo, hi, &v), 0);
	CHECK_EQ(v, 1ull << 30);
	/* Rounded up, never down. */
	CHECK_EQ(cmd__parse_pow2_size("3M", lo, hi, &v), 0);
	CHECK_EQ(v, 4ull << 20);
	CHECK_EQ(cmd__parse_pow2_size("65537", lo, hi, &v), 0);
	CHECK_EQ(v, 131072);
	CHECK_EQ(cmd__parse_pow2_size("1000000", lo, hi, &v), 0);
	CHECK_EQ(v, 1048576);
	CHECK_EQ(cmd__parse_pow2_size("1023M", lo, hi, &v), 0);
	CHECK_EQ(v, 1ull << 30);
	/* Outside the bounds before rounding, or not a size: refused, v untouched. */
	v = 7;
	CHECK_EQ(cmd__parse_pow2_size("0", lo, hi, &v), -1);
	CHECK_EQ(cmd__parse_pow2_size("65535", lo, hi, &v), -1);
	CHECK_EQ(cmd__parse_pow2_size("4K", lo, hi, &v), -1);
	CHECK_EQ(cmd__parse_pow2_size("1025M", lo, hi, &v), -1);
	CHECK_EQ(cmd__parse_pow2_size("2G", lo, hi, &v), -1);
	CHECK_EQ(cmd__parse_pow2_size("abc", lo, hi, &v), -1);
	CHECK_EQ(cmd__parse_pow2_size("1M ", lo, hi, &v), -1);
	CHECK_EQ(v, 7);
}

int main(void)
{
	RUN_TEST(test_parse_size);
	RUN_TEST(test_parse_pow2_size);
	return CHECK_DONE();
}
