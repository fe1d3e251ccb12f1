// SPDX-License-Identifier: GPL-2.0
#include "util/block_pool.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int block_pool__init(struct block_pool *p, size_t size, uint32_t max)
{
	void *m;

	memset(p, 0, sizeof(*p));
	if (size < sizeof(void *) || size % 8 || !max)
		return -EINVAL;
	/* Reserved, not committed: the pages are the kernel's zero page until written. */
	m = mmap(NULL, size * max, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	p->base = m;
	p->size = size;
	p->max = max;
	return 0;
}

void block_pool__fini(struct block_pool *p)
{
	if (p->base)
		munmap(p->base, p->size * p->max);
	memset(p, 0, sizeof(*p));
}

void *block_pool__get(struct block_pool *p)
{
	void *b = p->free;

	if (b) {
		memcpy(&p->free, b, sizeof(p->free));
		memset(b, 0, p->size);
		return b;
	}
	if (!p->base || p->fresh >= p->max)
		return NULL;
	/* never written: still zero */
	return p->base + (size_t)p->fresh++ * p->size;
}

void block_pool__put(struct block_pool *p, void *b)
{
	memcpy(b, &p->free, sizeof(p->free));
	p->free = b;
}

bool block_pool__owns(const struct block_pool *p, const void *b)
{
	return p && p->base && (const uint8_t *)b >= p->base &&
	       (const uint8_t *)b < p->base + p->size * p->max;
}
