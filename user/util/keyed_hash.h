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

#endif
