/* A seeded 64-bit hash of a byte string, fast on long inputs, for tables and remembered
 * segments whose bytes the network chooses. */
#ifndef TLSMON_KEYED_HASH_H
#define TLSMON_KEYED_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The seed (util/hash_seed.h) is secret per owner, so inputs that collide cannot be prepared
 * in advance. Not a cryptographic hash: a match must still be confirmed where it decides
 * anything an attacker gains from. */
uint64_t keyed_hash(const uint8_t *p, size_t len, uint64_t seed);

/* The multiply keys keyed_hash() derives from its seed (seven splitmix64 steps, about as dear
 * as hashing a 150-byte input), made once by an owner that hashes many inputs with one seed:
 * every in-order TCP segment is hashed (net/reasm.c). keyed_hash__with(key, p, len, 0) equals
 * keyed_hash(p, len, key->seed); tweak enters the starting state, to chain one hash into the
 * next without new keys. */
struct keyed_hash_key {
	uint64_t seed;
	uint64_t k[7]; /* k[4..6]: the lanes only inputs of 96 bytes or more use */
};

void keyed_hash__key(struct keyed_hash_key *key, uint64_t seed);
uint64_t keyed_hash__with(const struct keyed_hash_key *key, const uint8_t *p, size_t len,
			  uint64_t tweak);

#endif
