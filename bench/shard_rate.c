// SPDX-License-Identifier: GPL-2.0
/* shard_rate: ns per flow key of shard__of_key() (net/shard.h), which the dealing thread of
 * `read -j` and `run --workers` runs for every frame, against the fixed-constant mix it replaced
 * (reproduced here as the baseline: unseeded, so senders could choose 4-tuples that all share a
 * worker). ROUNDS rounds, each timing both over the same 4,096 random IPv6-sized keys in turn, on
 * this thread's CPU time; prints the median and range of the ratio.
 *
 * Usage: shard_rate [ROUNDS]   (default 15) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "net/flowtab.h"
#include "net/shard.h"

enum { KEYS = 4096, REPEATS = 2000 };

/* The previous shard__of_key(), fixed constants. */
static __attribute__((noinline)) uint32_t fixed_mix(const struct tlsmon_flow_key *k, uint32_t n)
{
	uint64_t w[4], h;

	memcpy(w, k->addr, sizeof(w));
	h = w[0] * 0x9e3779b97f4a7c15ull + w[1] * 0xbf58476d1ce4e5b9ull +
	    w[2] * 0x94d049bb133111ebull + w[3] * 0xd6e8feb86659fd93ull +
	    ((uint64_t)k->port[0] << 16 | k->port[1]) * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 29;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 32;
	return (uint32_t)(((h & 0xffffffffull) * n) >> 32);
}

/* Called as the dealing thread calls it, through a call, like the baseline. */
static __attribute__((noinline)) uint32_t seeded(const struct flow_hash_key *s,
						 const struct tlsmon_flow_key *k, uint32_t n)
{
	return shard__of_key(s, k, n);
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static struct tlsmon_flow_key keys[KEYS];
	int rounds = argc > 1 ? atoi(argv[1]) : 15;
	double *ratio, *ns_new, *ns_old;
	struct flow_hash_key seed;
	volatile uint32_t sink = 0;

	if (rounds < 1 || rounds > 1000) {
		fprintf(stderr, "usage: shard_rate [ROUNDS 1..1000]\n");
		return 2;
	}
	ratio = calloc((size_t)rounds, sizeof(double));
	ns_new = calloc((size_t)rounds, sizeof(double));
	ns_old = calloc((size_t)rounds, sizeof(double));
	if (!ratio || !ns_new || !ns_old)
		return 1;
	flow_hash_key__init(&seed);
	for (int i = 0; i < KEYS; i++) {
		if (getrandom(keys[i].addr, sizeof(keys[i].addr), 0) != sizeof(keys[i].addr))
			return 1;
		keys[i].family = 6;
		keys[i].port[0] = (uint16_t)(1024 + i);
		keys[i].port[1] = 443;
	}
	for (int r = 0; r < rounds; r++) {
		double t0, t1, t2;
		uint32_t acc = 0;

		t0 = cpu_s();
		for (int j = 0; j < REPEATS; j++)
			for (int i = 0; i < KEYS; i++)
				acc += fixed_mix(&keys[i], 4);
		t1 = cpu_s();
		for (int j = 0; j < REPEATS; j++)
			for (int i = 0; i < KEYS; i++)
				acc += seeded(&seed, &keys[i], 4);
		t2 = cpu_s();
		sink += acc;
		ns_old[r] = (t1 - t0) / ((double)REPEATS * KEYS) * 1e9;
		ns_new[r] = (t2 - t1) / ((double)REPEATS * KEYS) * 1e9;
		ratio[r] = ns_new[r] / ns_old[r];
	}
	qsort(ratio, (size_t)rounds, sizeof(double), cmp);
	qsort(ns_new, (size_t)rounds, sizeof(double), cmp);
	qsort(ns_old, (size_t)rounds, sizeof(double), cmp);
	printf("bench: shard_key_ns %.2f ns ratio=%.2f vs fixed_mix (%.2f ns; ratio range %.2f-%.2f "
	       "over %d rounds)\n",
	       ns_new[rounds / 2], ratio[rounds / 2], ns_old[rounds / 2], ratio[0], ratio[rounds - 1],
	       rounds);
	free(ratio);
	free(ns_new);
	free(ns_old);
	return 0;
}
