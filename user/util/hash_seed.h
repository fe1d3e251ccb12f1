/* Seeds for the hash tables whose keys the network chooses (flows, certificates), so that inputs
 * that collide in them cannot be prepared in advance. */
#ifndef TLSMON_HASH_SEED_H
#define TLSMON_HASH_SEED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>

/* 64 random bits from the kernel; before its pool is ready (early boot), the owner's address,
 * which ASLR still varies between runs. */
static inline uint64_t hash_seed(const void *owner)
{
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	return (uint64_t)(uintptr_t)owner * 0x9e3779b97f4a7c15ULL;
}

/* n independent 64-bit keys from one seed (splitmix64), for hashes keyed by several words. */
static inline void hash_seed__expand(uint64_t seed, uint64_t *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		k[i] = z ^ (z >> 31);
	}
}

#endif
