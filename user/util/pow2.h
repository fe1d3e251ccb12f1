/* Rounding up to a power of two: hash table sizes and the kernel's ring buffer. */
#ifndef TLSMON_POW2_H
#define TLSMON_POW2_H

#include <stdint.h>

#define POW2_MAX (1ull << 63)

/* The smallest power of two >= v (1 for 0 and 1); POW2_MAX for v over it, where the next power
 * would not fit. */
static inline uint64_t pow2__round_up(uint64_t v)
{
	if (v <= 1)
		return 1;
	if (v > POW2_MAX)
		return POW2_MAX;
	return 1ull << (64 - __builtin_clzll(v - 1));
}

#endif
