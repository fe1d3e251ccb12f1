// SPDX-License-Identifier: GPL-2.0
/* Lock-free bounded SPSC ring of records (spsc_ring.h). Layout of a record: a 4-byte length, the
 * bytes, padding to 8. A length of SKIP_MARK says "the rest up to the end is unused". */
#include "util/spsc_ring.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HDR 8u
#define SKIP_MARK UINT32_MAX
#define MIN_SIZE 4096u
#define MAX_SIZE (1ull << 32)

static uint64_t rec_bytes(uint32_t len)
{
	return HDR + (((uint64_t)len + 7) & ~7ull);
}

int spsc_ring__init(struct spsc_ring *r, uint64_t size)
{
	uint64_t s = MIN_SIZE;

	memset(r, 0, sizeof(*r));
	if (size > MAX_SIZE)
		return -E2BIG;
	while (s < size)
		s <<= 1;
	r->buf = aligned_alloc(64, s);
	if (!r->buf)
		return -ENOMEM;
	r->size = s;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	return 0;
}

void spsc_ring__fini(struct spsc_ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

uint64_t spsc_ring__max_record(const struct spsc_ring *r)
{
	return r->size / 4 - HDR;
}

void *spsc_ring__reserve(struct spsc_ring *r, uint32_t len)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t need = rec_bytes(len), off = head & (r->size - 1), skip = 0;

	if (len > spsc_ring__max_record(r))
		return NULL;
	if (off + need > r->size)
		skip = r->size - off; /* records never wrap: start over at 0 */
	if (head + skip + need - r->tail_seen > r->size) {
		/* acquire: the consumer is done reading the bytes it released */
		r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (head + skip + need - r->tail_seen > r->size)
			return NULL;
	}
	if (skip) {
		/* Published with the record itself in commit: the consumer sees both or neither. */
		*(uint32_t *)(r->buf + off) = SKIP_MARK;
		off = 0;
	}
	*(uint32_t *)(r->buf + off) = len;
	r->reserved = skip + need;
	return r->buf + off + HDR;
}

void spsc_ring__commit(struct spsc_ring *r)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	atomic_store_explicit(&r->head, head + r->reserved, memory_order_release);
	r->reserved = 0;
}

const void *spsc_ring__peek(struct spsc_ring *r, uint32_t *len)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	for (;;) {
		uint64_t off = tail & (r->size - 1);
		uint32_t n;

		if (r->head_seen == tail) {
			r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire);
			if (r->head_seen == tail)
				return NULL;
		}
		n = *(const uint32_t *)(r->buf + off);
		if (n == SKIP_MARK) {
			tail += r->size - off;
			atomic_store_explicit(&r->tail, tail, memory_order_release);
			continue;
		}
		*len = n;
		r->peeked = rec_bytes(n);
		return r->buf + off + HDR;
	}
}

const void *spsc_ring__peek_ahead(struct spsc_ring *r, uint64_t *pos, uint32_t *len)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t at = *pos < tail ? tail : *pos;

	for (;;) {
		uint64_t off = at & (r->size - 1);
		uint32_t n;

		if (at >= r->head_seen) {
			r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire);
			if (at >= r->head_seen) {
				*pos = at;
				return NULL;
			}
		}
		n = *(const uint32_t *)(r->buf + off);
		if (n == SKIP_MARK) {
			at += r->size - off;
			continue;
		}
		*len = n;
		*pos = at + rec_bytes(n);
		return r->buf + off + HDR;
	}
}

void spsc_ring__release(struct spsc_ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	atomic_store_explicit(&r->tail, tail + r->peeked, memory_order_release);
	r->peeked = 0;
}

void spsc_ring__backoff(unsigned *spins)
{
	struct timespec ts = { .tv_nsec = 20000 };

	if (*spins < 8) {
		(*spins)++;
		sched_yield();
		return;
	}
	if (*spins < 8 + 6)
		(*spins)++;
	ts.tv_nsec <<= *spins - 8; /* 20 us .. 1.28 ms */
	nanosleep(&ts, NULL);
}
