// SPDX-License-Identifier: GPL-2.0
/* TCP reassembly for one direction. In-order bytes go straight from the caller's buffer to the
 * consumer; only out-of-order bytes are copied, into a short list of held segments sorted by
 * sequence number. Held segments never overlap each other and always start after next_seq.
 *
 * Conventions the engine relies on:
 *  - Mid-stream pickup: if reasm__start() was never called, the first non-empty segment fed
 *    starts the stream at its own seq. Bytes sent before it are never delivered.
 *  - Zero-length segments are counted but otherwise ignored; in particular they do not start
 *    the stream, because keepalives carry seq = SND.NXT - 1 (RFC 1122 4.2.3.6).
 *  - When data overlaps, the bytes received first win (held bytes beat a later segment).
 *  - The callback must not call back into the same struct reasm.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/reasm.h"

/* RFC 7323 2.3: the window never exceeds 2^30 bytes, so a sender can never be further ahead than
 * that; anything further is garbage (or a stream we picked up wrongly) and is not held. Keeping
 * every distance below 2^31 also keeps serial-number comparison (RFC 1982 3.2) well defined. */
#define REASM_MAX_AHEAD (1u << 30)
#define REASM_MAX_CHUNK (1u << 30)

struct reasm_seg {
	struct reasm_seg *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

/* RFC 1982 serial number arithmetic on 32-bit TCP sequence numbers (RFC 9293 3.4). */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline uint32_t seq_min(uint32_t a, uint32_t b)
{
	return seq_lt(a, b) ? a : b;
}

#define STAT_ADD(cfg, field, n)                       \
	do {                                          \
		if ((cfg) && (cfg)->stats)            \
			(cfg)->stats->field += (n);   \
	} while (0)

/* The segment counter is 16 bits wide (struct reasm stays 16 bytes). */
#define REASM_MAX_SEGMENTS 65535u

static void free_held(struct reasm *r)
{
	struct reasm_seg *s = r->held, *next;

	for (; s; s = next) {
		next = s->next;
		free(s);
	}
	r->held = NULL;
	r->held_segments = 0;
}

void reasm__init(struct reasm *r)
{
	memset(r, 0, sizeof(*r));
}

void reasm__reset(struct reasm *r)
{
	free_held(r);
	reasm__init(r);
}

uint32_t reasm__held_bytes(const struct reasm *r)
{
	const struct reasm_seg *s;
	uint32_t n = 0;

	for (s = r->held; s; s = s->next)
		n += s->len;
	return n;
}

/* Restarting discards anything held: it was relative to the old start. */
void reasm__start(struct reasm *r, uint32_t seq)
{
	free_held(r);
	r->started = true;
	r->next_seq = seq;
}

static struct reasm_seg *pop_head(struct reasm *r)
{
	struct reasm_seg *h = r->held;

	r->held = h->next;
	r->held_segments--;
	return h;
}

/* Deliver held segments that have become contiguous with next_seq. */
static void drain(struct reasm *r, reasm_deliver_fn cb, void *ctx)
{
	while (r->held && seq_leq(r->held->seq, r->next_seq)) {
		struct reasm_seg *h = pop_head(r);
		uint32_t skip = r->next_seq - h->seq;

		/* The invariant says skip == 0; be defensive rather than deliver bytes twice. */
		if (skip < h->len) {
			cb(ctx, h->data + skip, h->len - skip);
			r->next_seq += h->len - skip;
		}
		free(h);
	}
}

/* data starts exactly at next_seq. Held bytes inside its range were received first and win, so
 * the caller's buffer is delivered in pieces around them. Returns true if any byte was dropped
 * in favour of held data. */
static bool deliver_in_order(struct reasm *r, const uint8_t *data, uint32_t len,
			     reasm_deliver_fn cb, void *ctx)
{
	bool overlap = false;

	while (len) {
		struct reasm_seg *h = r->held;
		uint32_t pre, skip;

		if (!h || !seq_lt(h->seq, r->next_seq + len)) {
			cb(ctx, data, len);
			r->next_seq += len;
			break;
		}
		pre = h->seq - r->next_seq;
		if (pre) {
			cb(ctx, data, pre);
			r->next_seq += pre;
			data += pre;
			len -= pre;
		}
		skip = h->len < len ? h->len : len;
		data += skip;
		len -= skip;
		overlap = true;
		h = pop_head(r);
		cb(ctx, h->data, h->len);
		r->next_seq += h->len;
		free(h);
	}
	drain(r, cb, ctx);
	return overlap;
}

/* Report the hole before the first held segment as lost and deliver what follows it. */
static void give_up_oldest_hole(struct reasm *r, const struct reasm_cfg *cfg, reasm_deliver_fn cb,
				void *ctx)
{
	uint32_t gap = r->held->seq - r->next_seq;

	if (gap && seq_lt(r->next_seq, r->held->seq)) {
		STAT_ADD(cfg, gaps, 1);
		STAT_ADD(cfg, gap_bytes, gap);
		cb(ctx, NULL, gap);
		r->next_seq = r->held->seq;
	}
	drain(r, cb, ctx);
}

static struct reasm_seg *new_seg(uint32_t seq, const uint8_t *data, uint32_t len)
{
	struct reasm_seg *s = malloc(sizeof(*s) + len);

	if (!s)
		return NULL;
	s->next = NULL;
	s->seq = seq;
	s->len = len;
	memcpy(s->data, data, len);
	return s;
}

struct hold_plan {
	uint32_t bytes; /* bytes not already held */
	uint32_t pieces; /* segments they split into */
	uint32_t held_bytes; /* bytes held now (the whole list is walked when planning) */
};

/* Walk [seq, seq + len) against the held list: the parts not already held are either counted
 * (plan != NULL) or copied into new held segments. Returns 0 or -ENOMEM. */
static int hold_walk(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq,
		     const uint8_t *data, uint32_t len, struct hold_plan *plan)
{
	struct reasm_seg **pp = &r->held, *n;
	uint32_t pos = seq, end = seq + len, hend, plen;
	int err = 0;

	if (plan)
		plan->held_bytes = reasm__held_bytes(r);
	while (*pp && seq_lt(pos, end)) {
		struct reasm_seg *h = *pp;

		hend = h->seq + h->len;
		if (seq_leq(hend, pos)) {
			pp = &h->next;
			continue;
		}
		if (seq_leq(end, h->seq))
			break;
		if (seq_lt(pos, h->seq)) {
			plen = h->seq - pos;
			if (plan) {
				plan->bytes += plen;
				plan->pieces++;
			} else if ((n = new_seg(pos, data + (pos - seq), plen))) {
				n->next = h;
				*pp = n;
				r->held_segments++;
			} else {
				STAT_ADD(cfg, refused_bytes, plen);
				err = -ENOMEM;
			}
		}
		pos = seq_min(hend, end);
		pp = &h->next;
	}
	if (!seq_lt(pos, end))
		return err;
	plen = end - pos;
	if (plan) {
		plan->bytes += plen;
		plan->pieces++;
	} else if ((n = new_seg(pos, data + (pos - seq), plen))) {
		n->next = *pp;
		*pp = n;
		r->held_segments++;
	} else {
		STAT_ADD(cfg, refused_bytes, plen);
		err = -ENOMEM;
	}
	return err;
}

static bool fits(const struct reasm *r, const struct reasm_cfg *cfg, const struct hold_plan *plan)
{
	uint32_t max_bytes = cfg ? cfg->lim.max_held_bytes : 0;
	uint32_t max_segs = cfg ? cfg->lim.max_held_segments : 0;

	if (max_segs > REASM_MAX_SEGMENTS)
		max_segs = REASM_MAX_SEGMENTS;
	return plan->bytes <= max_bytes && plan->held_bytes <= max_bytes - plan->bytes &&
	       plan->pieces <= max_segs && r->held_segments <= max_segs - plan->pieces;
}

static int feed_one(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq,
		    const uint8_t *data, uint32_t len, reasm_deliver_fn cb, void *ctx)
{
	bool overlap = false;

	for (;;) {
		struct hold_plan plan = { 0, 0, 0 };
		uint32_t end = seq + len;
		int err;

		if (seq_lt(seq, r->next_seq)) {
			if (seq_leq(end, r->next_seq)) {
				STAT_ADD(cfg, retransmitted, 1);
				return 0;
			}
			/* Partly old: keep only the new tail (first-received data wins). */
			data += r->next_seq - seq;
			len = end - r->next_seq;
			seq = r->next_seq;
			overlap = true;
		}
		if (seq == r->next_seq) {
			STAT_ADD(cfg, in_order, 1);
			if (deliver_in_order(r, data, len, cb, ctx))
				overlap = true;
			if (overlap)
				STAT_ADD(cfg, overlaps, 1);
			return 0;
		}
		if (seq - r->next_seq > REASM_MAX_AHEAD) {
			STAT_ADD(cfg, refused_bytes, len);
			return 0;
		}

		hold_walk(r, cfg, seq, data, len, &plan);
		if (plan.bytes == 0) {
			/* Every byte is already held: a retransmission of out-of-order data. */
			STAT_ADD(cfg, retransmitted, 1);
			return 0;
		}
		if (plan.bytes != len)
			overlap = true;
		if (fits(r, cfg, &plan)) {
			err = hold_walk(r, cfg, seq, data, len, NULL);
			STAT_ADD(cfg, out_of_order, 1);
			if (overlap)
				STAT_ADD(cfg, overlaps, 1);
			return err;
		}
		if (!r->held || seq_lt(seq, r->held->seq)) {
			/* Over the limits and this segment is the oldest data we have: give up the
			 * hole before it and deliver it straight from the caller's buffer. */
			uint32_t gap = seq - r->next_seq;

			STAT_ADD(cfg, gaps, 1);
			STAT_ADD(cfg, gap_bytes, gap);
			cb(ctx, NULL, gap);
			r->next_seq = seq;
			continue;
		}
		/* Free room by giving up the oldest hole; the stream moves on and the segment is
		 * looked at again, since it may now be in order or partly delivered. */
		give_up_oldest_hole(r, cfg, cb, ctx);
	}
}

int reasm__feed(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq, const uint8_t *data,
		size_t len, reasm_deliver_fn cb, void *ctx)
{
	int err = 0, e;

	STAT_ADD(cfg, segments, 1);
	if (!len)
		return 0;
	if (!r->started)
		reasm__start(r, seq);

	/* Never a real segment (at most 64 KiB, or a GSO super-frame), but keep every length far
	 * below 2^31 so sequence comparisons stay meaningful. */
	while (len) {
		uint32_t n = len > REASM_MAX_CHUNK ? REASM_MAX_CHUNK : (uint32_t)len;

		e = feed_one(r, cfg, seq, data, n, cb, ctx);
		if (e)
			err = e;
		seq += n;
		data += n;
		len -= n;
	}
	return err;
}

void reasm__flush(struct reasm *r, const struct reasm_cfg *cfg, reasm_deliver_fn cb, void *ctx)
{
	while (r->held)
		give_up_oldest_hole(r, cfg, cb, ctx);
}
