// SPDX-License-Identifier: GPL-2.0
/* Flow sharding across workers (shard.h). */
#include "net/shard.h"

#include <string.h>

static uint64_t mix_addr(const uint8_t a[16])
{
	uint64_t lo, hi;

	memcpy(&lo, a, 8);
	memcpy(&hi, a + 8, 8);
	lo ^= hi * 0x9e3779b97f4a7c15ull;
	lo ^= lo >> 29;
	lo *= 0xbf58476d1ce4e5b9ull;
	return lo ^ (lo >> 32);
}

uint32_t shard__of_pkt(const struct pkt *p, uint32_t n)
{
	/* The sum does not depend on direction. */
	uint64_t h = mix_addr(p->saddr) + mix_addr(p->daddr);

	if (n <= 1)
		return 0;
	h ^= h >> 31;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 29;
	return (uint32_t)(((h >> 32) * n) >> 32);
}

uint32_t shard__of_frame(const struct frame *f, uint32_t n)
{
	struct pkt p;

	if (n <= 1 || decode__frame(f->linktype, f->data, f->caplen, &p) != DECODE_TCP)
		return 0;
	return shard__of_pkt(&p, n);
}
