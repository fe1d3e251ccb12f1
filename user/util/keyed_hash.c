// SPDX-License-Identifier: GPL-2.0-only
/* keyed_hash(): 16 bytes folded into one 64x64->128 multiply (wyhash-style). Each lane's next
 * multiply waits on its last one, so long inputs run six lanes at once (96 bytes a step): with
 * three, the multiplier sat idle half the time and a 30 KB certificate or a 64 KB segment cost
 * about a cycle per 8 bytes; six keep it busy. Inputs shorter than 96 bytes take only the three
 * lanes, as before. The multiply keys derive from the seed, so inputs that zero a lane cannot be
 * prepared in advance. */
#include "util/keyed_hash.h"

#include <string.h>

#include "util/hash_seed.h"

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* The 128-bit product of a and b folded to 64 bits. */
static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

void keyed_hash__key(struct keyed_hash_key *key, uint64_t seed)
{
	key->seed = seed;
	hash_seed__expand(seed, key->k, sizeof(key->k) / sizeof(key->k[0]));
}

uint64_t keyed_hash__with(const struct keyed_hash_key *key, const uint8_t *p, size_t len,
			  uint64_t tweak)
{
	uint64_t k0 = key->k[0], k1 = key->k[1], k2 = key->k[2], k3 = key->k[3];
	uint64_t s0 = key->seed ^ tweak ^ len, s1 = s0 ^ k3, s2 = s0 ^ k2, a = 0, b = 0;
	size_t i = 0;

	if (len >= 96) {
		uint64_t k4 = key->k[4], k5 = key->k[5], k6 = key->k[6];
		uint64_t s3 = s0 ^ k5, s4 = s0 ^ k6, s5 = s0 ^ k4;

		for (; i + 96 <= len; i += 96) {
			s0 = fold_mul(rd64(p + i) ^ k0, rd64(p + i + 8) ^ s0);
			s1 = fold_mul(rd64(p + i + 16) ^ k1, rd64(p + i + 24) ^ s1);
			s2 = fold_mul(rd64(p + i + 32) ^ k2, rd64(p + i + 40) ^ s2);
			s3 = fold_mul(rd64(p + i + 48) ^ k4, rd64(p + i + 56) ^ s3);
			s4 = fold_mul(rd64(p + i + 64) ^ k5, rd64(p + i + 72) ^ s4);
			s5 = fold_mul(rd64(p + i + 80) ^ k6, rd64(p + i + 88) ^ s5);
		}
		s0 ^= s3;
		s1 ^= s4;
		s2 ^= s5;
	}
	for (; i + 48 <= len; i += 48) {
		s0 = fold_mul(rd64(p + i) ^ k0, rd64(p + i + 8) ^ s0);
		s1 = fold_mul(rd64(p + i + 16) ^ k1, rd64(p + i + 24) ^ s1);
		s2 = fold_mul(rd64(p + i + 32) ^ k2, rd64(p + i + 40) ^ s2);
	}
	s0 ^= s1 ^ s2;
	for (; i + 16 <= len; i += 16)
		s0 = fold_mul(rd64(p + i) ^ k0, rd64(p + i + 8) ^ s0);
	for (size_t j = 0; i + j < len; j++) {
		if (j < 8)
			a |= (uint64_t)p[i + j] << (8 * j);
		else
			b |= (uint64_t)p[i + j] << (8 * (j - 8));
	}
	s0 = fold_mul(a ^ k1, b ^ s0 ^ k3);
	return fold_mul(s0 ^ k2, (uint64_t)len ^ k0);
}

uint64_t keyed_hash(const uint8_t *p, size_t len, uint64_t seed)
{
	struct keyed_hash_key key;

	keyed_hash__key(&key, seed);
	return keyed_hash__with(&key, p, len, 0);
}
