/* A Prometheus histogram of durations with fixed buckets: observed in nanoseconds (packet time),
 * rendered in seconds as _bucket (cumulative, le="..." and "+Inf"), _sum and _count. */
#ifndef TLSMON_HISTOGRAM_H
#define TLSMON_HISTOGRAM_H

#include <stdint.h>

#include "util/sbuf.h"

/* Handshake buckets, 1 ms to 10 s, 1-2.5-5 per decade. Why this range: on loopback or a LAN a
 * TLS handshake takes 1-2 round trips of well under a millisecond, across continents 100-600 ms;
 * a slow server (RSA signing under load, OCSP stapling fetches) or client (certificate
 * verification, a user at a prompt) adds seconds; the idle timeout ends what never finishes.
 * Three buckets per decade over four decades keep any quantile within a factor of 2.5 with 14
 * series per label set. */
#define HISTOGRAM_BUCKETS 13

struct histogram {
	uint64_t buckets[HISTOGRAM_BUCKETS + 1]; /* not cumulative; the last one is +Inf */
	uint64_t sum_ns;
	uint64_t count;
};

/* The upper bounds in nanoseconds, ascending (the +Inf bucket not included). */
extern const uint64_t histogram_bounds_ns[HISTOGRAM_BUCKETS];

void histogram__observe(struct histogram *h, uint64_t ns);

/* The samples of one label set: name_bucket{labels,le="..."}, name_sum{labels},
 * name_count{labels}. labels is "key=\"value\"" (already escaped), or "" for none. The # HELP
 * and # TYPE lines are the caller's, once per name. */
void histogram__render(const struct histogram *h, const char *name, const char *labels,
		       struct sbuf *b);

#endif
