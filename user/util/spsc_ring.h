/* A bounded single-producer single-consumer ring of variable-length records, for handing frames
 * from one dispatcher thread to one worker without locks: the producer owns head, the consumer
 * owns tail, and each publishes its index with a release store. A record never wraps: when it
 * does not fit before the end, the rest of the end is skipped. What does not fit is refused
 * (-ENOSPC); the caller decides whether to wait or count a drop. */
#ifndef TLSMON_SPSC_RING_H
#define TLSMON_SPSC_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct spsc_ring {
	uint8_t *buf;
	uint64_t size; /* a power of two */
	/* Each index on its own cache line: the two threads write one each. */
	_Alignas(64) _Atomic uint64_t head; /* bytes ever written (producer) */
	uint64_t reserved; /* producer only: length of the record reserved, 0 none */
	/* producer only: tail as last read. Reading tail for every record would move its cache
	 * line between the cores once a record (the consumer writes it): the producer reads it
	 * again only when this copy says the ring is full. */
	uint64_t tail_seen;
	_Alignas(64) _Atomic uint64_t tail; /* bytes ever consumed (consumer) */
	uint64_t peeked; /* consumer only: bytes the record peeked takes, 0 none */
	uint64_t head_seen; /* consumer only: head as last read, again only when it looks empty */
};

/* size is rounded up to a power of two, at least 4 KiB. Returns 0 or -ENOMEM / -E2BIG. */
int spsc_ring__init(struct spsc_ring *r, uint64_t size);
void spsc_ring__fini(struct spsc_ring *r);

/* Largest record len the ring takes at all (a quarter of it, so one never waits for the ring
 * to drain completely). */
uint64_t spsc_ring__max_record(const struct spsc_ring *r);

/* Producer: room for len bytes, or NULL when the ring has no room now (or len is over
 * spsc_ring__max_record()). The record is seen by the consumer once committed. */
void *spsc_ring__reserve(struct spsc_ring *r, uint32_t len);
void spsc_ring__commit(struct spsc_ring *r);

/* Consumer: the oldest committed record and its length, or NULL when none; it stays valid until
 * spsc_ring__release(). */
const void *spsc_ring__peek(struct spsc_ring *r, uint32_t *len);
void spsc_ring__release(struct spsc_ring *r);

/* Consumer: a look past the oldest record without taking anything, for prefetching what the
 * next records point to. *pos is a position in the ring (0, or what the last call left: it is
 * moved up to the oldest record when that went past it); returns the committed record there and
 * moves *pos past it, or NULL when there is none yet. Reads head again only once it caught up
 * with the copy peek keeps, as peek does. */
const void *spsc_ring__peek_ahead(struct spsc_ring *r, uint64_t *pos, uint32_t *len);

/* Waiting on a ring that is empty (consumer) or full (producer): a few yields, then sleeps that
 * grow to 1 ms, so a waiting thread gives its core to the others (there may be fewer cores than
 * threads) without waking thousands of times a second: a full ring holds milliseconds of work.
 * *spins starts at 0 and is set back to 0 once the ring moved. */
void spsc_ring__backoff(unsigned *spins);

#endif
