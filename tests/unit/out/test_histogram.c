// SPDX-License-Identifier: GPL-2.0
/* The duration histogram: bucket bounds inclusive (Prometheus "le"), cumulative rendering, exact
 * decimal seconds. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "out/histogram.h"

#define MS 1000000ull

static char *render(const struct histogram *h, const char *labels, struct sbuf *b)
{
	sbuf__reset(b);
	histogram__render(h, "x_seconds", labels, b);
	return b->buf;
}

static void test_bounds_inclusive(void)
{
	struct histogram h = { 0 };

	histogram__observe(&h, 1 * MS); /* on the first bound: in it */
	histogram__observe(&h, 1 * MS + 1); /* just over: the next */
	histogram__observe(&h, 10000 * MS); /* the last bound */
	histogram__observe(&h, 10000 * MS + 1); /* +Inf */
	histogram__observe(&h, 0);
	CHECK_EQ(h.buckets[0], 2);
	CHECK_EQ(h.buckets[1], 1);
	CHECK_EQ(h.buckets[HISTOGRAM_BUCKETS - 1], 1);
	CHECK_EQ(h.buckets[HISTOGRAM_BUCKETS], 1);
	CHECK_EQ(h.count, 5);
	for (int i = 1; i < HISTOGRAM_BUCKETS; i++)
		CHECK(histogram_bounds_ns[i] > histogram_bounds_ns[i - 1]);
}

static void test_render_cumulative(void)
{
	struct histogram h = { 0 };
	struct sbuf b;
	const char *s;

	sbuf__init(&b);
	histogram__observe(&h, 3 * MS); /* le=0.005 */
	histogram__observe(&h, 700 * MS); /* le=1 */
	histogram__observe(&h, 60000 * MS); /* +Inf */
	s = render(&h, "outcome=\"alert\"", &b);
	CHECK(strstr(s, "x_seconds_bucket{outcome=\"alert\",le=\"0.0025\"} 0\n"));
	CHECK(strstr(s, "x_seconds_bucket{outcome=\"alert\",le=\"0.005\"} 1\n"));
	CHECK(strstr(s, "x_seconds_bucket{outcome=\"alert\",le=\"0.5\"} 1\n"));
	CHECK(strstr(s, "x_seconds_bucket{outcome=\"alert\",le=\"1\"} 2\n"));
	CHECK(strstr(s, "x_seconds_bucket{outcome=\"alert\",le=\"10\"} 2\n"));
	CHECK(strstr(s, "x_seconds_bucket{outcome=\"alert\",le=\"+Inf\"} 3\n"));
	CHECK(strstr(s, "x_seconds_sum{outcome=\"alert\"} 60.703000000\n"));
	CHECK(strstr(s, "x_seconds_count{outcome=\"alert\"} 3\n"));
	s = render(&h, "", &b);
	CHECK(strstr(s, "x_seconds_bucket{le=\"+Inf\"} 3\n"));
	CHECK(strstr(s, "x_seconds_sum 60.703000000\n"));
	CHECK(strstr(s, "x_seconds_count 3\n"));
	sbuf__free(&b);
}

int main(void)
{
	RUN_TEST(test_bounds_inclusive);
	RUN_TEST(test_render_cumulative);
	return CHECK_DONE();
}
