/* report: RFC 3339 timestamps (own date arithmetic, checked against gmtime) and the JSON line. */
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "report.h"

static void expect_like_gmtime(uint64_t ts_ns)
{
	char got[40], want[96];
	time_t secs = (time_t)(ts_ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(ts_ns % 1000000000ull / 1000));
	report__rfc3339(ts_ns, got, sizeof(got));
	CHECK_STR(got, want);
}

static void test_rfc3339_edges(void)
{
	/* epoch, leap days, century rules (2000 leap, 2100 not), 2038, end of 9999 */
	static const uint64_t secs[] = { 0, 59, 86399, 86400, 951782400, 951868800, 1078012800,
					 2147483647, 2147483648ull, 4107456000ull, 4107542400ull,
					 253402300799ull };

	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		expect_like_gmtime(secs[i] * 1000000000ull);
		expect_like_gmtime(secs[i] * 1000000000ull + 999999999ull);
	}
}

static void test_rfc3339_random(void)
{
	srand(42);
	for (int i = 0; i < 200000; i++) {
		uint64_t s = ((uint64_t)rand() << 16 ^ (uint64_t)rand()) % 253402300800ull;

		expect_like_gmtime(s * 1000000000ull + (uint64_t)rand() % 1000000000ull);
	}
}

static void test_rfc3339_small_buffer(void)
{
	char buf[8];

	report__rfc3339(0, buf, sizeof(buf));
	CHECK_STR(buf, "1970-01");
}

int main(void)
{
	RUN_TEST(test_rfc3339_edges);
	RUN_TEST(test_rfc3339_random);
	RUN_TEST(test_rfc3339_small_buffer);
	return CHECK_DONE();
}
