/* Frame retention for dumps: each undecided connection copies its frames into one growable
 * arena, bounded per connection and in total; arenas of decided connections are reused. */
#ifndef TLSMON_RETAIN_H
#define TLSMON_RETAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

/* Retained frames of one connection, as the handshake callback sees them: records of a
 * struct engine_frame_hdr followed by the frame bytes, each record 8-byte aligned. The view
 * points into engine memory valid during the callback only; copy buf/len to keep it. */
struct engine_frame_hdr {
	uint64_t ts_ns;
	uint64_t number;
	uint32_t caplen;
	uint32_t wirelen;
	uint32_t ifindex;
	uint16_t linktype;
	uint8_t direction;
	uint8_t pad;
};
_Static_assert(sizeof(struct engine_frame_hdr) == 32, "engine_frame_hdr layout");

struct engine_frames {
	const uint8_t *buf;
	size_t len;
	uint32_t count; /* records in buf */
	uint32_t dropped; /* frames of the connection not kept (over retain_bytes or no memory) */
	uint64_t dropped_bytes;
};

/* Iterate: start with *cursor = 0. Returns true with *out filled (out->data points into fs->buf),
 * false at the end or at a malformed record. */
bool engine_frames__next(const struct engine_frames *fs, size_t *cursor, struct frame *out);

struct frame_arena;

struct retain_pool {
	uint64_t max_per_conn; /* engine_opts.retain_bytes */
	uint64_t max_total; /* engine_opts.retain_total_bytes */
	uint64_t retained_now; /* bytes in the arenas of live connections */
	uint64_t *frames; /* counters to bump: frames kept, frames dropped (over a bound) */
	uint64_t *dropped;
	struct frame_arena *free;
	int n_free;
};

void retain__init(struct retain_pool *p, uint64_t max_per_conn, uint64_t max_total,
		  uint64_t *frames_ctr, uint64_t *dropped_ctr);
void retain__fini(struct retain_pool *p);

/* An empty arena (reused when possible), or NULL without memory (counted as a dropped frame). */
struct frame_arena *retain__get(struct retain_pool *p);
void retain__put(struct retain_pool *p, struct frame_arena *a);

/* Copy one frame in; over a bound it is only counted. */
void retain__append(struct retain_pool *p, struct frame_arena *a, const struct frame *fr);

/* The arena's frames as a view (empty for NULL). */
void retain__view(const struct frame_arena *a, struct engine_frames *out);

#endif
