// SPDX-License-Identifier: GPL-2.0-only
/* keyed_hash(): 16 bytes folded into one 64x64->128 multiply, in three independent lanes
 * (wyhash-style), so a 30 KB certificate or a 64 KB segment costs about a cycle per 4 bytes
 * instead of the byte-serial multiply of FNV-1a. The multiply keys derive from the seed, so
 * inputs that zero a lane cannot be prepared in advance. */
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
