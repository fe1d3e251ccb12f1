/* Fixed-size blocks from one mapping, for many small objects of one kind that a flood keeps by
 * the hundred thousand: no allocator header or size-class rounding per block (glibc's malloc
 * adds 8 bytes and rounds to 16), and the blocks' pages become resident as blocks are first
 * handed out, not when the pool is made. Not thread-safe: one owner. */
#ifndef TLSMON_BLOCK_POOL_H
#define TLSMON_BLOCK_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct block_pool {
	uint8_t *base; /* max blocks of size bytes, mapped at init, NULL if that failed */
	size_t size;
	uint32_t max;
	uint32_t fresh; /* blocks from here on were never handed out */
	void *free; /* blocks given back, each holding the next one's address */
};

/* size: a multiple of 8, at least 8. Returns 0 or -errno; the pool hands out nothing then
 * (block_pool__get() returns NULL) but may still be given to the other functions and freed. */
int block_pool__init(struct block_pool *p, size_t size, uint32_t max);
void block_pool__fini(struct block_pool *p);

/* A zeroed block, or NULL when all max are out (or the pool has none). */
void *block_pool__get(struct block_pool *p);
/* b must be one of p's blocks (block_pool__owns()). */
void block_pool__put(struct block_pool *p, void *b);
/* Is b one of p's blocks? False for a NULL pool. */
bool block_pool__owns(const struct block_pool *p, const void *b);

#endif
