// SPDX-License-Identifier: GPL-2.0
/* Flow sharding across workers (shard.h). */
#include "net/shard.h"

#include <string.h>

#include "net/flowtab.h"

uint32_t shard__of_pkt(const struct flow_hash_key *s, const struct pkt *p, uint32_t n)
{
	struct tlsmon_flow_key k;
	int side;

	if (n <= 1)
		return 0;
	flow_key__from_pkt(p, &k, &side);
	return shard__of_key(s, &k, n);
}

static inline uint32_t raw32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Whether the sender (address src, port sport) is side 1 of the key, in the order
 * tlsmon_flow_key_normalize() gives: addresses compared as big-endian words, then ports. */
static inline int sender_side(const uint8_t *src, const uint8_t *dst, size_t alen, uint16_t sport,
			      uint16_t dport)
{
	for (size_t i = 0; i < alen; i += 4) {
		uint32_t x = __builtin_bswap32(raw32(src + i)), y = __builtin_bswap32(raw32(dst + i));

		if (x != y)
			return x > y;
	}
	return sport > dport;
}

/* The common frame, Ethernet then IPv4 (options skipped, not a fragment) or IPv6 (no extension
 * header) then TCP, read in place: the key flow_key__from_pkt() makes of its decode, for a
 * fraction of the cost of decode__frame() (the dealing thread does this for every frame). False
 * for anything else (VLANs, tunnels, fragments, short frames), which takes the full decode: both
 * give the same key, so the frames of one flow may take either way. */
static inline __attribute__((always_inline)) bool plain_flow(const struct frame *f,
							   struct plain_flow *out)
{
	const uint8_t *p = f->data, *lo, *hi;
	size_t len = f->caplen, l4, alen;
	uint16_t sport, dport;
	int s;

	if (f->linktype != LINKTYPE_ETHERNET || len < 14 + 20 + 4)
		return false;
	if (p[12] == 0x08 && p[13] == 0x00) {
		size_t ihl = (size_t)(p[14] & 0x0f) * 4;

		/* RFC 791: version 4, protocol 6; MF or a fragment offset makes a fragment */
		if (p[14] >> 4 != 4 || ihl < 20 || p[23] != 6 || (p[20] & 0x3f) || p[21])
			return false;
		l4 = 14 + ihl;
		if (len < l4 + 4)
			return false;
		alen = 4;
	} else if (p[12] == 0x86 && p[13] == 0xdd) {
		/* RFC 8200: version 6, next header TCP */
		if (p[14] >> 4 != 6 || p[20] != 6 || len < 14 + 40 + 4)
			return false;
		l4 = 14 + 40;
		alen = 16;
	} else {
		return false;
	}
	sport = (uint16_t)(p[l4] << 8 | p[l4 + 1]);
	dport = (uint16_t)(p[l4 + 2] << 8 | p[l4 + 3]);
	/* the addresses: IPv4 at 26 and 30, IPv6 at 22 and 38 */
	p += alen == 4 ? 26 : 22;
	s = sender_side(p, p + alen, alen, sport, dport);
	lo = s ? p + alen : p;
	hi = s ? p : p + alen;
	memset(out, 0, sizeof(*out));
	if (alen == 4) {
		out->a[0] = raw32(lo);
		out->a[4] = raw32(hi);
	} else {
		for (int i = 0; i < 4; i++) {
			out->a[i] = raw32(lo + 4 * i);
			out->a[4 + i] = raw32(hi + 4 * i);
		}
	}
	out->port0 = s ? dport : sport;
	out->port1 = s ? sport : dport;
	out->family = alen == 4 ? 4 : 6;
	out->side = (uint32_t)s;
	return true;
}

static inline uint32_t plain_hash(const struct flow_hash_key *hk, const struct plain_flow *pf)
{
	return flow_hash__words(hk, pf->a, pf->port0 << 16 | pf->port1, 0);
}

/* Any other frame: the full decode (VLANs, tunnels, fragments...). */
static bool decoded_ref(const struct flow_hash_key *s, const struct frame *f, struct flow_ref *out)
{
	struct pkt p;

	if (decode__frame(f->linktype, f->data, f->caplen, &p) != DECODE_TCP)
		return false;
	flow_ref__of_pkt(&p, s, out);
	return true;
}

/* The flow_ref of a plain frame's flow, hashed: the key's fields written one by one, from words
 * written as words (a wide copy of narrower stores waits for them to reach the cache). */
static inline __attribute__((always_inline)) void plain_ref(const struct plain_flow *pf,
							    uint32_t hash, struct flow_ref *out)
{
	memset(&out->key, 0, sizeof(out->key));
	out->key.family = (uint8_t)pf->family;
	out->key.port[0] = (uint16_t)pf->port0;
	out->key.port[1] = (uint16_t)pf->port1;
	for (int i = 0; i < 8; i++)
		memcpy(&out->key.addr[i / 4][(i % 4) * 4], &pf->a[i], sizeof(pf->a[i]));
	out->side = (uint8_t)pf->side;
	out->hash = hash;
	out->hashed = true;
}

bool shard__frame_ref(const struct flow_hash_key *s, const struct frame *f, struct flow_ref *out)
{
	struct shard_flow sf;

	if (!shard__frame_flow(s, f, &sf))
		return false;
	shard__flow_ref(&sf, out);
	return true;
}

bool shard__frame_flow(const struct flow_hash_key *s, const struct frame *f,
		       struct shard_flow *out)
{
	out->plain = plain_flow(f, &out->pf);
	if (out->plain) {
		out->hash = plain_hash(s, &out->pf);
		return true;
	}
	if (!decoded_ref(s, f, &out->decoded))
		return false;
	out->hash = out->decoded.hash;
	return true;
}

void shard__flow_ref(const struct shard_flow *sf, struct flow_ref *out)
{
	if (sf->plain)
		plain_ref(&sf->pf, sf->hash, out);
	else
		*out = sf->decoded;
}

bool shard__frame_hash(const struct flow_hash_key *s, const struct frame *f, uint32_t *hash)
{
	struct shard_flow sf;

	if (!shard__frame_flow(s, f, &sf))
		return false;
	*hash = sf.hash;
	return true;
}

uint32_t shard__of_frame(const struct flow_hash_key *s, const struct frame *f, uint32_t n)
{
	uint32_t hash;

	if (n <= 1 || !shard__frame_hash(s, f, &hash))
		return 0;
	return shard__of_hash(hash, n);
}
