// SPDX-License-Identifier: GPL-2.0
#include "retain.h"

#include <stdlib.h>
#include <string.h>

/* A SYN and a ClientHello fit; the buffer doubles from there, so a connection reallocates a
 * handful of times, not per frame. */
#define ARENA_MIN_CAP 512

static void unlink_arena(struct retain_pool *p, struct frame_arena *a)
{
	if (a->older)
		a->older->newer = a->newer;
	else
		p->oldest = a->newer;
	if (a->newer)
		a->newer->older = a->older;
	else
		p->newest = a->older;
	a->older = a->newer = NULL;
}

static void release_buf(struct retain_pool *p, struct frame_arena *a)
{
	p->held -= a->cap;
	free(a->buf);
	a->buf = NULL;
	a->len = a->cap = 0;
}

void retain__start(struct retain_pool *p, struct frame_arena *a)
{
	memset(a, 0, sizeof(*a));
	a->live = true;
	a->older = p->newest;
	if (p->newest)
		p->newest->newer = a;
	else
		p->oldest = a;
	p->newest = a;
}

void retain__stop(struct retain_pool *p, struct frame_arena *a)
{
	if (!a->live)
		return;
	if (!a->evicted)
		unlink_arena(p, a);
	release_buf(p, a);
	a->live = false;
}

/* The oldest other connection's frames go, to make room for newer ones. Its frames are counted
 * as dropped, and it keeps no more (its dump would otherwise start in the middle). */
static bool evict_oldest(struct retain_pool *p, const struct frame_arena *keep)
{
	struct frame_arena *a = p->oldest;

	if (a == keep)
		a = a->newer;
	if (!a)
		return false;
	unlink_arena(p, a);
	a->evicted = true;
	a->dropped += a->count;
	a->dropped_bytes += a->len - (uint64_t)a->count * sizeof(struct engine_frame_hdr);
	a->count = 0;
	release_buf(p, a);
	(*p->evicted)++;
	return true;
}

static size_t frame_record_size(uint32_t caplen)
{
	return (sizeof(struct engine_frame_hdr) + (size_t)caplen + 7) & ~(size_t)7;
}

/* Room for want bytes in a, within both bounds: grows by doubling (clipped to the bounds),
 * evicting older connections when the total is reached. */
static bool make_room(struct retain_pool *pool, struct frame_arena *a, size_t want)
{
	size_t cap = a->cap ? (size_t)a->cap * 2 : ARENA_MIN_CAP;
	uint8_t *nb;

	if (want <= a->cap)
		return true;
	if (want > pool->max_per_conn || want > pool->max_total)
		return false;
	while (cap < want)
		cap *= 2;
	if (cap > pool->max_per_conn)
		cap = pool->max_per_conn;
	/* Only what is needed when the total is tight. */
	if (pool->held - a->cap + cap > pool->max_total)
		cap = want;
	while (pool->held - a->cap + cap > pool->max_total)
		if (!evict_oldest(pool, a))
			return false;
	nb = realloc(a->buf, cap);
	if (!nb)
		return false;
	pool->held += cap - a->cap;
	a->buf = nb;
	a->cap = (uint32_t)cap;
	return true;
}

void retain__append(struct retain_pool *pool, struct frame_arena *a, const struct frame *fr)
{
	size_t need = frame_record_size(fr->caplen);
	struct engine_frame_hdr h = {
		.ts_ns = fr->ts_ns,
		.number = fr->number,
		.caplen = fr->caplen,
		.wirelen = fr->wirelen,
		.ifindex = fr->ifindex,
		.linktype = fr->linktype,
		.direction = fr->direction,
	};
	uint8_t *p;

	if (!a->live || a->evicted || !make_room(pool, a, a->len + need)) {
		a->dropped++;
		a->dropped_bytes += fr->caplen;
		(*pool->dropped)++;
		return;
	}
	p = a->buf + a->len;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), fr->data, fr->caplen);
	memset(p + sizeof(h) + fr->caplen, 0, need - sizeof(h) - fr->caplen);
	a->len += (uint32_t)need;
	a->count++;
	(*pool->frames)++;
}

bool engine_frames__next(const struct engine_frames *fs, size_t *cursor, struct frame *out)
{
	struct engine_frame_hdr h;
	size_t off = *cursor;

	if (!fs->buf || off >= fs->len || fs->len - off < sizeof(h))
		return false;
	memcpy(&h, fs->buf + off, sizeof(h));
	if (h.caplen > fs->len - off - sizeof(h))
		return false;
	memset(out, 0, sizeof(*out));
	out->ts_ns = h.ts_ns;
	out->number = h.number;
	out->data = fs->buf + off + sizeof(h);
	out->caplen = h.caplen;
	out->wirelen = h.wirelen;
	out->ifindex = h.ifindex;
	out->linktype = h.linktype;
	out->direction = h.direction;
	off += frame_record_size(h.caplen);
	*cursor = off < fs->len ? off : fs->len;
	return true;
}

void retain__view(const struct frame_arena *a, struct engine_frames *out)
{
	memset(out, 0, sizeof(*out));
	if (!a || !a->live)
		return;
	out->buf = a->buf;
	out->len = a->len;
	out->count = a->count;
	out->dropped = a->dropped;
	out->dropped_bytes = a->dropped_bytes;
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
