// SPDX-License-Identifier: GPL-2.0
/* The option parsers the subcommands share: decimals in bounds, durations and sizes with
 * suffixes, and the power-of-two sizes (tlsmon run --ring-bytes) built on them. */
#include <stdint.h>

#include "check.h"
#include "util/parse.h"

static void test_parse_u32(void)
{
	uint32_t v = 0;

	CHECK_EQ(parse__u32("443", 1, 65535, &v), 0);
	CHECK_EQ(v, 443);
	CHECK_EQ(parse__u32("1", 1, 65535, &v), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(parse__u32("65535", 1, 65535, &v), 0);
	CHECK_EQ(v, 65535);
	CHECK_EQ(parse__u32("4294967295", 0, UINT32_MAX, &v), 0);
	CHECK_EQ(v, UINT32_MAX);
	v = 7;
	CHECK_EQ(parse__u32("0", 1, 65535, &v), -1);
	CHECK_EQ(parse__u32("65536", 1, 65535, &v), -1);
	CHECK_EQ(parse__u32("4294967296", 0, UINT32_MAX, &v), -1);
	CHECK_EQ(parse__u32("-1", 0, UINT32_MAX, &v), -1); /* strtoull would wrap it */
	CHECK_EQ(parse__u32("", 0, 10, &v), -1);
	CHECK_EQ(parse__u32("12a", 0, 100, &v), -1);
	CHECK_EQ(parse__u32("1K", 0, 100000, &v), -1);
	CHECK_EQ(v, 7);
}

static void test_parse_duration(void)
{
	uint64_t v = 0;

	CHECK_EQ(parse__duration("3600", &v), 0);
	CHECK_EQ(v, 3600);
	CHECK_EQ(parse__duration("90s", &v), 0);
	CHECK_EQ(v, 90);
	CHECK_EQ(parse__duration("15m", &v), 0);
	CHECK_EQ(v, 900);
	CHECK_EQ(parse__duration("2h", &v), 0);
	CHECK_EQ(v, 7200);
	CHECK_EQ(parse__duration("1d", &v), 0);
	CHECK_EQ(v, 86400);
	CHECK_EQ(parse__duration("0", &v), 0);
	CHECK_EQ(v, 0);
	v = 7;
	CHECK_EQ(parse__duration("", &v), -1);
	CHECK_EQ(parse__duration("m", &v), -1);
	CHECK_EQ(parse__duration("15M", &v), -1); /* M is a size unit, not minutes */
	CHECK_EQ(parse__duration("1w", &v), -1);
	CHECK_EQ(parse__duration(" 15m", &v), -1);
	CHECK_EQ(parse__duration("-1s", &v), -1);
	CHECK_EQ(parse__duration("213503982334602d", &v), -1); /* over 2^64 seconds */
	CHECK_EQ(v, 7);
}

static void test_parse_size(void)
{
	uint64_t v = 0;

	CHECK_EQ(parse__size("1048576", &v), 0);
	CHECK_EQ(v, 1048576);
	CHECK_EQ(parse__size("512K", &v), 0);
	CHECK_EQ(v, 512 * 1024);
	CHECK_EQ(parse__size("64MiB", &v), 0);
	CHECK_EQ(v, 64ull << 20);
	CHECK_EQ(parse__size("1G", &v), 0);
	CHECK_EQ(v, 1ull << 30);
	v = 7;
	CHECK_EQ(parse__size("", &v), -1);
	CHECK_EQ(parse__size("-1M", &v), -1);
	CHECK_EQ(parse__size("1.5M", &v), -1);
	CHECK_EQ(parse__size("1m", &v), -1);
	CHECK_EQ(parse__size("M", &v), -1);
	CHECK_EQ(parse__size("99999999999999999999", &v), -1);
	CHECK_EQ(parse__size("17179869184G", &v), -1); /* 2^64 bytes */
	CHECK_EQ(v, 7);
}

/* --ring-bytes' bounds: 64K..1G. */
static void test_parse_pow2_size(void)
{
	const uint64_t lo = 64 << 10, hi = 1ull << 30;
	uint64_t v = 0;

	CHECK_EQ(parse__pow2_size("1M", lo, hi, &v), 0);
	CHECK_EQ(v, 1048576);
	CHECK_EQ(parse__pow2_size("64K", lo, hi, &v), 0);
	CHECK_EQ(v, 65536);
	CHECK_EQ(parse__pow2_size("1G", lo, hi, &v), 0);
	CHECK_EQ(v, 1ull << 30);
	/* Rounded up, never down. */
	CHECK_EQ(parse__pow2_size("3M", lo, hi, &v), 0);
	CHECK_EQ(v, 4ull << 20);
	CHECK_EQ(parse__pow2_size("65537", lo, hi, &v), 0);
	CHECK_EQ(v, 131072);
	CHECK_EQ(parse__pow2_size("1000000", lo, hi, &v), 0);
	CHECK_EQ(v, 1048576);
	CHECK_EQ(parse__pow2_size("1023M", lo, hi, &v), 0);
	CHECK_EQ(v, 1ull << 30);
	/* Outside the bounds before rounding, or not a size: refused, v untouched. */
	v = 7;
	CHECK_EQ(parse__pow2_size("0", lo, hi, &v), -1);
	CHECK_EQ(parse__pow2_size("65535", lo, hi, &v), -1);
	CHECK_EQ(parse__pow2_size("4K", lo, hi, &v), -1);
	CHECK_EQ(parse__pow2_size("1025M", lo, hi, &v), -1);
	CHECK_EQ(parse__pow2_size("2G", lo, hi, &v), -1);
	CHECK_EQ(parse__pow2_size("abc", lo, hi, &v), -1);
	CHECK_EQ(parse__pow2_size("1M ", lo, hi, &v), -1);
	CHECK_EQ(v, 7);
}

int main(void)
{
	RUN_TEST(test_parse_u32);
	RUN_TEST(test_parse_duration);
	RUN_TEST(test_parse_size);
	RUN_TEST(test_parse_pow2_size);
	return CHECK_DONE();
}
