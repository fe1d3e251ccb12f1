/* Frame retention for dumps: each undecided connection copies its frames into one growable
 * arena, bounded per connection and in total (the oldest connection gives way). */
#ifndef TLSMON_RETAIN_H
#define TLSMON_RETAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/frame.h"

/* Retained frames of one connection, as the handshake callback sees them: records of a
 * struct frame_hdr (tag 0) followed by the frame bytes, each record 8-byte aligned. The view
 * points into engine memory valid during the callback only; copy buf/len to keep it. */
struct engine_frames {
	const uint8_t *buf;
	size_t len;
	uint32_t count; /* records in buf */
	uint32_t dropped; /* frames of the connection not retained (over retain_bytes or no memory) */
	uint64_t dropped_bytes;
};

/* Iterate: start with *cursor = 0. Returns true with *out filled (out->data points into fs->buf),
 * false at the end or at a malformed record. */
bool engine_frames__next(const struct engine_frames *fs, size_t *cursor, struct frame *out);

struct arena_buf;

/* One connection's retained frames: frame_hdr + bytes records, 8-byte aligned. Lives in
 * the connection (16 bytes: every tracked flow has one); the buffer, allocated with the first
 * frame retained, carries the bookkeeping and is charged to the pool while the connection is
 * undecided. The bytes of frames not retained are counted in the buffer while there is one,
 * else in its place (has_buf tells which): a flood's flows mostly have none, having given
 * theirs up to newer ones. */
struct frame_arena {
	union {
		struct arena_buf *buf; /* has_buf */
		uint64_t dropped_bytes; /* !has_buf */
	} u;
	uint32_t dropped;
	bool live : 1; /* between retain__start() and retain__stop() */
	bool evicted : 1; /* its frames were dropped to make room: it retains no more */
	bool has_buf : 1; /* frames are retained in u.buf */
};

/* Frames of undecided connections, bounded per connection and in total. When the total is
 * reached, the oldest connection loses its frames (counted) so that a flood of handshakes
 * that never finish cannot crowd out the newest ones, nor retain more than max_total. */
struct retain_pool {
	uint64_t max_per_conn; /* engine_opts.retain_bytes */
	uint64_t max_total; /* engine_opts.retain_total_bytes */
	uint64_t total; /* retained now: buffer capacity of live arenas (frame bytes, no header) */
	uint64_t *frames; /* counters to bump: frames retained, frames dropped (over a bound), */
	uint64_t *dropped;
	uint64_t *evicted; /* connections whose frames were dropped to make room */
	struct arena_buf *oldest, *newest; /* buffers of live arenas, in the order they were made */
};

void retain__init(struct retain_pool *p, uint64_t max_per_conn, uint64_t max_total,
		  uint64_t *frames_ctr, uint64_t *dropped_ctr, uint64_t *evicted_ctr);
/* Every arena must have been stopped. */
void retain__fini(struct retain_pool *p);

/* Start retaining a new connection's frames in a (the connection's, unused or stopped). */
void retain__start(struct retain_pool *p, struct frame_arena *a);
/* Stop: free its buffer. Harmless on an arena never started or already stopped. */
void retain__stop(struct retain_pool *p, struct frame_arena *a);

/* Copy one frame in; over a bound, or after the arena was evicted, it is only counted. */
void retain__append(struct retain_pool *p, struct frame_arena *a, const struct frame *fr);

/* The arena's frames as a view (empty for NULL or an arena never started). */
void retain__view(const struct frame_arena *a, struct engine_frames *out);

#endif
