// SPDX-License-Identifier: GPL-2.0
#include "retain.h"

#include <stdlib.h>
#include <string.h>

/* Arenas of decided connections are kept (with their capacity) for the next ones. */
#define ARENA_FREELIST_MAX 32
#define ARENA_MIN_CAP 1024

/* One connection's retained frames: engine_frame_hdr + bytes records, 8-byte aligned. */
struct frame_arena {
	uint8_t *buf;
	size_t len, cap;
	uint32_t count, dropped;
	uint64_t dropped_bytes;
	struct frame_arena *next_free;
};

struct frame_arena *retain__get(struct retain_pool *p)
{
	struct frame_arena *a = p->free;

	if (a) {
		p->free = a->next_free;
		p->n_free--;
	} else {
		a = calloc(1, sizeof(*a));
		if (!a) {
			(*p->dropped)++;
			return NULL;
		}
	}
	a->len = 0;
	a->count = 0;
	a->dropped = 0;
	a->dropped_bytes = 0;
	a->next_free = NULL;
	return a;
}

void retain__put(struct retain_pool *p, struct frame_arena *a)
{
	if (!a)
		return;
	p->retained_now -= a->len;
	if (p->n_free < ARENA_FREELIST_MAX) {
		a->next_free = p->free;
		p->free = a;
		p->n_free++;
		return;
	}
	free(a->buf);
	free(a);
}

static size_t frame_record_size(uint32_t caplen)
{
	return (sizeof(struct engine_frame_hdr) + (size_t)caplen + 7) & ~(size_t)7;
}

/* Copy one frame into the connection's arena; over the bound it is only counted. Grows by
 * doubling, so a reused arena does not allocate again. */
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

	if (a->len + need > pool->max_per_conn ||
	    pool->retained_now + need > pool->max_total)
		goto drop;
	if (a->len + need > a->cap) {
		size_t cap = a->cap ? a->cap : ARENA_MIN_CAP;
		uint8_t *nb;

		while (cap < a->len + need)
			cap *= 2;
		if (cap > pool->max_per_conn)
			cap = pool->max_per_conn;
		nb = realloc(a->buf, cap);
		if (!nb)
			goto drop;
		a->buf = nb;
		a->cap = cap;
	}
	p = a->buf + a->len;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), fr->data, fr->caplen);
	memset(p + sizeof(h) + fr->caplen, 0, need - sizeof(h) - fr->caplen);
	a->len += need;
	pool->retained_now += need;
	a->count++;
	(*pool->frames)++;
	return;
drop:
	a->dropped++;
	a->dropped_bytes += fr->caplen;
	(*pool->dropped)++;
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
	if (!a)
		return;
	out->buf = a->buf;
	out->len = a->len;
	out->count = a->count;
	out->dropped = a->dropped;
	out->dropped_bytes = a->dropped_bytes;
}

void retain__init(struct retain_pool *p, uint64_t max_per_conn, uint64_t max_total,
		  uint64_t *frames_ctr, uint64_t *dropped_ctr)
{
	memset(p, 0, sizeof(*p));
	p->max_per_conn = max_per_conn;
	p->max_total = max_total;
	p->frames = frames_ctr;
	p->dropped = dropped_ctr;
}

void retain__fini(struct retain_pool *p)
{
	struct frame_arena *a;

	while ((a = p->free)) {
		p->free = a->next_free;
		free(a->buf);
		free(a);
	}
	p->n_free = 0;
}
