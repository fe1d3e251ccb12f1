/* The hash of a normalised flow key (tlsmon_shared.h): the flow table files its flows by it
 * (net/flowtab.h) and the dealing thread of `read -j` and of the daemon's workers picks a flow's
 * worker by it (net/shard.h). One hash for both, so a reader that hashed a frame's key to deal
 * it can hand the hash to the worker's table instead of the worker hashing the key again. */
#ifndef TLSMON_FLOW_HASH_H
#define TLSMON_FLOW_HASH_H

#include <stdint.h>
#include <string.h>

#include "tlsmon_shared.h"

/* The secret the hash is keyed by, drawn per owner (a table, or a dealing thread and the
 * tables of its workers), so that whoever sends the packets cannot prepare 4-tuples that share
 * a bucket or a worker. */
#define FLOW_HASH_KEY_WORDS 11
struct flow_hash_key {
	uint64_t k[FLOW_HASH_KEY_WORDS];
};

/* Random from the kernel (getrandom()). */
void flow_hash_key__init(struct flow_hash_key *hk);

/* Pair-multilinear hashing (Lemire and Kaser, "Strongly universal string hashing is fast", 2014):
 * the key's 32-bit words taken in pairs, each word plus its own random 64-bit key, the pairs
 * multiplied and summed with one more key, the top 32 bits taken. Universal over the key, so
 * whoever sends the packets cannot choose 4-tuples that collide without knowing it. The five
 * multiplications do not wait for one another, as a chain of mixing rounds does. Alone it is
 * linear in each word: consecutive source ports of one client make an arithmetic progression,
 * which for about one key in a few hundred stays on one worker for dozens of connections; one
 * fixed mixing round of those 32 bits (a bijection, so no new collisions) breaks that up, and
 * spreads the top bits (a worker, net/shard.h) and the low bits (a bucket) alike. The family and
 * the tunnel's kind are left out: keys that differ only there (an IPv4 address that is an IPv6
 * address's first bytes) share a bucket and are told apart by the comparison of keys. */
static inline uint32_t flow_hash__words(const struct flow_hash_key *hk, const uint32_t a[8],
					uint32_t ports, uint32_t tunnel_id)
{
	const uint64_t *s = hk->k;
	uint32_t t;
	uint64_t h;

	h = s[0] + (s[1] + a[0]) * (s[2] + a[1]) + (s[3] + a[2]) * (s[4] + a[3]) +
	    (s[5] + a[4]) * (s[6] + a[5]) + (s[7] + a[6]) * (s[8] + a[7]) +
	    (s[9] + ports) * (s[10] + tunnel_id);
	t = (uint32_t)(h >> 32);
	t ^= t >> 16;
	t *= 0x7feb352du;
	t ^= t >> 15;
	return t;
}

/* The hash of a key: its two addresses as eight 32-bit words as they lie in memory, its ports
 * as port[0] << 16 | port[1], and its tunnel_id. */
static inline uint32_t flow_hash(const struct flow_hash_key *hk, const struct tlsmon_flow_key *k)
{
	uint32_t a[8];

	/* word by word: a key written just before with stores of other widths made one wide load
	 * wait for them to reach the cache (no store forwarding) */
	for (unsigned i = 0; i < 8; i++)
		memcpy(&a[i], &k->addr[i / 4][(i % 4) * 4], sizeof(a[i]));
	return flow_hash__words(hk, a, (uint32_t)k->port[0] << 16 | k->port[1], k->tunnel_id);
}

#endif
