// SPDX-License-Identifier: GPL-2.0
/* Flow sharding across workers (shard.h). */
#include "net/shard.h"

#include <string.h>
#include <sys/random.h>

#include "net/flowtab.h"
#include "util/hash_seed.h"

/* Pair-multilinear hashing (Lemire and Kaser, "Strongly universal string hashing is fast", 2014):
 * the key's 32-bit words taken in pairs, each word plus its own random 64-bit key, the pairs
 * multiplied and summed with one more key, the top 32 bits taken. Universal over the seed, so
 * whoever sends the packets cannot choose 4-tuples that share a worker without knowing it. The
 * five multiplications do not wait for one another, as a chain of mixing rounds does: this runs
 * for every frame on the one dealing thread. Alone it is linear in each word: consecutive
 * source ports of one client make an arithmetic progression, which for about one seed in a few
 * hundred stays on one worker for dozens of connections; one fixed mixing round of those 32
 * bits (a bijection, so no new collisions) breaks that up. 4.7 ns a key against 3.2 ns for the
 * fixed mix it replaced (4.0 without the round), medians of 15 interleaved rounds, load 8.7. */
void shard_seed__init(struct shard_seed *s)
{
	if (getrandom(s->k, sizeof(s->k), GRND_NONBLOCK) == (ssize_t)sizeof(s->k))
		return;
	/* the kernel's pool not ready yet (early boot): expand what util/hash_seed.h gives then */
	hash_seed__expand(hash_seed(s), s->k, SHARD_SEED_WORDS);
}

/* The key's address bytes as 32-bit words, each read on its own: plain_key() has just written
 * the key with stores of other widths, and a 16-byte load across two of them waited for the
 * stores to reach the cache (no store forwarding): 60 % of shard__of_key()'s samples under
 * read -j 2 when the words were copied out with one memcpy. */
static inline uint32_t addr_word(const struct tlsmon_flow_key *k, unsigned i)
{
	uint32_t w;

	memcpy(&w, &k->addr[i / 4][(i % 4) * 4], sizeof(w));
	return w;
}

uint32_t shard__of_key(const struct shard_seed *s, const struct tlsmon_flow_key *k, uint32_t n)
{
	uint32_t t;
	uint64_t h;

	h = s->k[0] + (s->k[1] + addr_word(k, 0)) * (s->k[2] + addr_word(k, 1)) +
	    (s->k[3] + addr_word(k, 2)) * (s->k[4] + addr_word(k, 3)) +
	    (s->k[5] + addr_word(k, 4)) * (s->k[6] + addr_word(k, 5)) +
	    (s->k[7] + addr_word(k, 6)) * (s->k[8] + addr_word(k, 7)) +
	    (s->k[9] + ((uint32_t)k->port[0] << 16 | k->port[1])) * (s->k[10] + k->tunnel_id);
	t = (uint32_t)(h >> 32);
	t ^= t >> 16;
	t *= 0x7feb352du;
	t ^= t >> 15;
	return (uint32_t)(((uint64_t)t * n) >> 32);
}

uint32_t shard__of_pkt(const struct shard_seed *s, const struct pkt *p, uint32_t n)
{
	struct tlsmon_flow_key k;
	int side;

	if (n <= 1)
		return 0;
	flow_key__from_pkt(p, &k, &side);
	return shard__of_key(s, &k, n);
}

/* The common frame, Ethernet then IPv4 (options skipped, not a fragment) or IPv6 (no extension
 * header) then TCP, read in place: the key flow_key__from_pkt() makes of its decode, for a
 * fraction of the cost of decode__frame() (the dealing thread does this for every frame). False
 * for anything else (VLANs, tunnels, fragments, short frames), which takes the full decode: both
 * give the same key, so the frames of one flow may take either way. */
static bool plain_key(const struct frame *f, struct tlsmon_flow_key *k)
{
	const uint8_t *p = f->data;
	size_t len = f->caplen, l4;

	if (f->linktype != LINKTYPE_ETHERNET || len < 14 + 20 + 4)
		return false;
	memset(k, 0, sizeof(*k));
	if (p[12] == 0x08 && p[13] == 0x00) {
		size_t ihl = (size_t)(p[14] & 0x0f) * 4;

		/* RFC 791: version 4, protocol 6; MF or a fragment offset makes a fragment */
		if (p[14] >> 4 != 4 || ihl < 20 || p[23] != 6 || (p[20] & 0x3f) || p[21])
			return false;
		l4 = 14 + ihl;
		if (len < l4 + 4)
			return false;
		k->family = 4;
		memcpy(k->addr[0], p + 26, 4);
		memcpy(k->addr[1], p + 30, 4);
	} else if (p[12] == 0x86 && p[13] == 0xdd) {
		/* RFC 8200: version 6, next header TCP */
		if (p[14] >> 4 != 6 || p[20] != 6 || len < 14 + 40 + 4)
			return false;
		l4 = 14 + 40;
		k->family = 6;
		memcpy(k->addr[0], p + 22, 16);
		memcpy(k->addr[1], p + 38, 16);
	} else {
		return false;
	}
	k->port[0] = (uint16_t)(p[l4] << 8 | p[l4 + 1]);
	k->port[1] = (uint16_t)(p[l4 + 2] << 8 | p[l4 + 3]);
	tlsmon_flow_key_normalize(k);
	return true;
}

uint32_t shard__of_frame(const struct shard_seed *s, const struct frame *f, uint32_t n)
{
	struct tlsmon_flow_key k;
	struct pkt p;

	if (n <= 1)
		return 0;
	if (plain_key(f, &k))
		return shard__of_key(s, &k, n);
	if (decode__frame(f->linktype, f->data, f->caplen, &p) != DECODE_TCP)
		return 0;
	return shard__of_pkt(s, &p, n);
}
