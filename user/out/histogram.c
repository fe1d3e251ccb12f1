// SPDX-License-Identifier: GPL-2.0
#include "out/histogram.h"

#define MS 1000000ull

const uint64_t histogram_bounds_ns[HISTOGRAM_BUCKETS] = {
	1 * MS, 2500000, 5 * MS, 10 * MS, 25 * MS, 50 * MS, 100 * MS,
	250 * MS, 500 * MS, 1000 * MS, 2500 * MS, 5000 * MS, 10000 * MS,
};

/* The same bounds as "le" values, as the Prometheus client libraries print them (Go's
 * strconv 'g' format). */
static const char *const bound_labels[HISTOGRAM_BUCKETS] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
	"0.25", "0.5", "1", "2.5", "5", "10",
};

void histogram__observe(struct histogram *h, uint64_t ns)
{
	int i = 0;

	while (i < HISTOGRAM_BUCKETS && ns > histogram_bounds_ns[i])
		i++;
	h->buckets[i]++;
	h->sum_ns += ns;
	h->count++;
}

void histogram__render(const struct histogram *h, const char *name, const char *labels,
		       struct sbuf *b)
{
	const char *sep = labels[0] ? "," : "";
	uint64_t cum = 0;

	for (int i = 0; i <= HISTOGRAM_BUCKETS; i++) {
		cum += h->buckets[i];
		sbuf__printf(b, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels, sep,
			     i < HISTOGRAM_BUCKETS ? bound_labels[i] : "+Inf",
			     (unsigned long long)cum);
	}
	/* Exact decimal seconds from integer nanoseconds: no float rounding, same bytes on every
	 * run of `tlsmon read --metrics`. */
	sbuf__printf(b, "%s_sum%s%s%s %llu.%09llu\n", name, labels[0] ? "{" : "", labels,
		     labels[0] ? "}" : "", (unsigned long long)(h->sum_ns / 1000000000ull),
		     (unsigned long long)(h->sum_ns % 1000000000ull));
	sbuf__printf(b, "%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "", labels,
		     labels[0] ? "}" : "", (unsigned long long)h->count);
}
