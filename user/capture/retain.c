// SPDX-License-Identifier: GPL-2.0
#include "capture/retain.h"

#include <stdlib.h>
#include <string.h>

/* A SYN and a ClientHello fit; the buffer doubles from there, so a connection reallocates a
 * handful of times, not per frame. */
#define ARENA_MIN_CAP 512

/* The head of an arena's buffer. Links live here rather than in the arena, because only a
 * few thousand connections retain frames at a time (the total bound) but every tracked flow
 * has an arena. */
struct arena_buf {
	struct frame_arena *owner;
	struct arena_buf *older, *newer;
	uint64_t dropped_bytes; /* the owner's, while it has this buffer */
	uint32_t len, cap; /* frame bytes used and available after this header */
	uint32_t count; /* records */
	uint32_t pad;
	uint8_t data[];
};

_Static_assert(sizeof(struct frame_arena) == 16, "one per tracked flow");

static struct arena_buf *buf_of(const struct frame_arena *a)
{
	return a->has_buf ? a->u.buf : NULL;
}

static uint64_t *dropped_bytes_of(struct frame_arena *a)
{
	return a->has_buf ? &a->u.buf->dropped_bytes : &a->u.dropped_bytes;
}

static void unlink_buf(struct retain_pool *p, struct arena_buf *b)
{
	if (b->older)
		b->older->newer = b->newer;
	else
		p->oldest = b->newer;
	if (b->newer)
		b->newer->older = b->older;
	else
		p->newest = b->older;
	b->older = b->newer = NULL;
}

/* b was moved by realloc (or is new and already linked by its fields): point its neighbours,
 * the pool and its owner at it. */
static void relink_buf(struct retain_pool *p, struct arena_buf *b)
{
	if (b->older)
		b->older->newer = b;
	else
		p->oldest = b;
	if (b->newer)
		b->newer->older = b;
	else
		p->newest = b;
	b->owner->u.buf = b;
	b->owner->has_buf = true;
}

static void release_buf(struct retain_pool *p, struct frame_arena *a)
{
	struct arena_buf *b = buf_of(a);

	if (!b)
		return;
	unlink_buf(p, b);
	p->total -= b->cap;
	a->has_buf = false;
	a->u.dropped_bytes = b->dropped_bytes;
	free(b);
}

void retain__start(struct retain_pool *p, struct frame_arena *a)
{
	(void)p;
	memset(a, 0, sizeof(*a));
	a->live = true;
}

void retain__stop(struct retain_pool *p, struct frame_arena *a)
{
	if (!a->live)
		return;
	release_buf(p, a);
	a->live = false;
}

/* The oldest other connection's frames go, to make room for newer ones. Its frames are counted
 * as dropped, and it retains no more (its dump would otherwise start in the middle). */
static bool evict_oldest(struct retain_pool *p, const struct frame_arena *keep)
{
	struct arena_buf *b = p->oldest;
	struct frame_arena *a;

	if (b && b->owner == keep)
		b = b->newer;
	if (!b)
		return false;
	a = b->owner;
	a->evicted = true;
	a->dropped += b->count;
	b->dropped_bytes += b->len - (uint64_t)b->count * sizeof(struct frame_hdr);
	release_buf(p, a);
	(*p->evicted)++;
	return true;
}

static size_t frame_record_size(uint32_t caplen)
{
	return (sizeof(struct frame_hdr) + (size_t)caplen + 7) & ~(size_t)7;
}

/* Room for want bytes in a, within both bounds: grows by doubling (clipped to the bounds),
 * evicting older connections when the total is reached. */
static bool make_room(struct retain_pool *pool, struct frame_arena *a, size_t want)
{
	size_t have = a->has_buf ? a->u.buf->cap : 0, cap = have ? have * 2 : ARENA_MIN_CAP;
	struct arena_buf *nb;
	uint64_t dropped_bytes = *dropped_bytes_of(a);

	if (want <= have)
		return true;
	if (want > pool->max_per_conn || want > pool->max_total)
		return false;
	while (cap < want)
		cap *= 2;
	if (cap > pool->max_per_conn)
		cap = pool->max_per_conn;
	/* Only what is needed when the total is tight. */
	if (pool->total - have + cap > pool->max_total)
		cap = want;
	while (pool->total - have + cap > pool->max_total)
		if (!evict_oldest(pool, a))
			return false;
	nb = realloc(buf_of(a), sizeof(*nb) + cap);
	if (!nb)
		return false;
	if (!have) {
		memset(nb, 0, sizeof(*nb));
		nb->owner = a;
		nb->older = pool->newest;
		nb->dropped_bytes = dropped_bytes; /* counted in the arena until now */
	}
	relink_buf(pool, nb);
	pool->total += cap - have;
	nb->cap = (uint32_t)cap;
	return true;
}

void retain__append(struct retain_pool *pool, struct frame_arena *a, const struct frame *fr)
{
	size_t need = frame_record_size(fr->caplen);
	struct frame_hdr h = frame_hdr__of(fr, 0);
	uint8_t *p;

	if (!a->live || a->evicted ||
	    !make_room(pool, a, (a->has_buf ? a->u.buf->len : 0) + need)) {
		a->dropped++;
		*dropped_bytes_of(a) += fr->caplen;
		(*pool->dropped)++;
		return;
	}
	p = a->u.buf->data + a->u.buf->len;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), fr->data, fr->caplen);
	memset(p + sizeof(h) + fr->caplen, 0, need - sizeof(h) - fr->caplen);
	a->u.buf->len += (uint32_t)need;
	a->u.buf->count++;
	(*pool->frames)++;
}

bool engine_frames__next(const struct engine_frames *fs, size_t *cursor, struct frame *out)
{
	struct frame_hdr h;
	size_t off = *cursor;

	if (!fs->buf || off >= fs->len || fs->len - off < sizeof(h))
		return false;
	memcpy(&h, fs->buf + off, sizeof(h));
	if (h.caplen > fs->len - off - sizeof(h))
		return false;
	*out = frame_hdr__frame(&h, fs->buf + off + sizeof(h));
	off += frame_record_size(h.caplen);
	*cursor = off < fs->len ? off : fs->len;
	return true;
}

void retain__view(const struct frame_arena *a, struct engine_frames *out)
{
	memset(out, 0, sizeof(*out));
	if (!a || !a->live)
		return;
	if (a->has_buf) {
		out->buf = a->u.buf->data;
		out->len = a->u.buf->len;
		out->count = a->u.buf->count;
	}
	out->dropped = a->dropped;
	out->dropped_bytes = a->has_buf ? a->u.buf->dropped_bytes : a->u.dropped_bytes;
}

void retain__init(struct retain_pool *p, uint64_t max_per_conn, uint64_t max_total,
		  uint64_t *frames_ctr, uint64_t *dropped_ctr, uint64_t *evicted_ctr)
{
	memset(p, 0, sizeof(*p));
	p->max_per_conn = max_per_conn;
	p->max_total = max_total;
	p->frames = frames_ctr;
	p->dropped = dropped_ctr;
	p->evicted = evicted_ctr;
}

void retain__fini(struct retain_pool *p)
{
	/* Arenas live in their connections, which stop them; nothing is owned here. */
	p->oldest = p->newest = NULL;
}
