// SPDX-License-Identifier: GPL-2.0
/* Flow sharding across workers (shard.h). */
#include "net/shard.h"

#include <string.h>

#include "net/flowtab.h"

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

uint32_t shard__of_pkt(const struct pkt *p, uint32_t n)
{
	struct tlsmon_flow_key k;
	uint64_t w[4], h = 0;
	int side;

	if (n <= 1)
		return 0;
	flow_key__from_pkt(p, &k, &side);
	memcpy(w, k.addr, sizeof(w));
	for (int i = 0; i < 4; i++)
		h = mix(h, w[i]);
	h = mix(h, (uint64_t)k.port[0] << 16 | k.port[1]);
	h *= 0x94d049bb133111ebull;
	return (uint32_t)(((h >> 32) * n) >> 32);
}

uint32_t shard__of_frame(const struct frame *f, uint32_t n)
{
	struct pkt p;

	if (n <= 1 || decode__frame(f->linktype, f->data, f->caplen, &p) != DECODE_TCP)
		return 0;
	return shard__of_pkt(&p, n);
}
