// SPDX-License-Identifier: GPL-2.0
/* The pipeline counter list (PIPELINE_COUNTERS) that /metrics and `tlsmon read --stats` both
 * expand: what each of them relies on must hold for every row. */
#include <string.h>

#include "check.h"
#include "verdict/engine_stats.h"

struct row {
	const char *metric, *type, *label, *help;
	int group, pos;
	const char *stat;
};

#define ROW(src, field, metric, type, label, help, group, pos, stat) \
	{ metric, type, label, help, PIPELINE_STATS_##group, pos, stat },
static const struct row rows[] = { PIPELINE_COUNTERS(ROW) };
#undef ROW
#define N_ROWS ((int)(sizeof(rows) / sizeof(rows[0])))

/* Rows sharing a metric are adjacent (one header), the first alone has the help, all share the
 * type, and each has a label that differs from the others'. */
static void test_metric_rows(void)
{
	for (int i = 0; i < N_ROWS; i++) {
		const struct row *r = &rows[i];
		bool first = i == 0 || strcmp(r->metric, rows[i - 1].metric);

		if (!r->metric[0]) {
			CHECK(!r->type[0] && !r->label[0] && !r->help[0]);
			continue;
		}
		CHECK(!strcmp(r->type, "counter") || !strcmp(r->type, "gauge"));
		CHECK(!strcmp(r->type, "counter") ==
		      (strlen(r->metric) > 6 && !strcmp(r->metric + strlen(r->metric) - 6, "_total")));
		if (first != (r->help[0] != 0))
			fprintf(stderr, "  row %d (%s): help on the first row of a metric only\n", i,
				r->metric);
		CHECK(first == (r->help[0] != 0));
		if (!first) {
			CHECK(!strcmp(r->type, rows[i - 1].type));
			CHECK(r->label[0] && rows[i - 1].label[0]);
		}
		for (int j = 0; j < i; j++) {
			/* A metric's first row has no earlier one (adjacent rows), labels differ. */
			CHECK(!first || strcmp(r->metric, rows[j].metric));
			CHECK(strcmp(r->metric, rows[j].metric) || strcmp(r->label, rows[j].label));
		}
	}
}

/* Every --stats line has its places 1..n once each, with names; no row is in neither output. */
static void test_stats_places(void)
{
	for (int g = PIPELINE_STATS_FRAMES; g < PIPELINE_STATS__COUNT; g++) {
		int n = 0;

		for (int i = 0; i < N_ROWS; i++)
			n += rows[i].group == g;
		CHECK(n > 0);
		for (int pos = 1; pos <= n; pos++) {
			int found = 0;

			for (int i = 0; i < N_ROWS; i++)
				found += rows[i].group == g && rows[i].pos == pos;
			if (found != 1)
				fprintf(stderr, "  group %d place %d: %d rows\n", g, pos, found);
			CHECK_EQ(found, 1);
		}
	}
	for (int i = 0; i < N_ROWS; i++) {
		if (rows[i].group == PIPELINE_STATS_NONE)
			CHECK(rows[i].pos == 0 && !rows[i].stat[0] && rows[i].metric[0]);
		else
			CHECK(rows[i].pos > 0 && rows[i].stat[0]);
		for (int j = 0; j < i; j++)
			CHECK(rows[i].group != rows[j].group || rows[i].group == PIPELINE_STATS_NONE ||
			      strcmp(rows[i].stat, rows[j].stat));
	}
}

int main(void)
{
	RUN_TEST(test_metric_rows);
	RUN_TEST(test_stats_places);
	return CHECK_DONE();
}
