// SPDX-License-Identifier: GPL-2.0
/* TCP reassembly for one direction, faithful to the Linux receiver. In-order bytes go straight
 * from the caller's buffer to the consumer; only out-of-order bytes are copied, into a short
 * list of held segments sorted by sequence number. Held segments never overlap each other and
 * always start after next_seq; each remembers the segment its bytes came from, because that
 * decides who wins the next overlap.
 *
 * Conventions the engine relies on:
 *  - Mid-stream pickup: if reasm__start() was never called, the first non-empty segment fed
 *    starts the stream at its own seq. Bytes sent before it are never delivered.
 *  - Zero-length segments are counted but otherwise ignored; in particular they do not start
 *    the stream, because keepalives carry seq = SND.NXT - 1 (RFC 1122 4.2.3.6).
 *  - Overlaps as in net/ipv4/tcp_input.c: data at or before next_seq is queued at once and
 *    trims what is held (tcp_data_queue, tcp_ofo_queue); out of order, a segment that starts
 *    inside a held one and ends within it is dropped, one starting at the same sequence and
 *    reaching further replaces it, and one starting lower covers what it spans
 *    (tcp_data_queue_ofo). Bytes already delivered never change.
 *  - Where the copies' bytes differ, the stream says what the host accepted and conflicts /
 *    conflict_seq say where another observer could have seen something else. Delivered bytes
 *    are not kept: the last two in-order segments are remembered by a hash, which catches a
 *    copy of one of them with other bytes (not a copy cut differently); or, when their bytes
 *    lie in input that stays (reasm__keep_input()), by where they lie, and compared whole.
 *  - The callback must not call back into the same struct reasm.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/reasm.h"
#include "util/keyed_hash.h"

/* RFC 7323 2.3: the window never exceeds 2^30 bytes, so a sender can never be further ahead than
 * that; anything further is garbage (or a stream we picked up wrongly) and is not held. Keeping
 * every distance below 2^31 also keeps serial-number comparison (RFC 1982 3.2) well defined. */
#define REASM_MAX_AHEAD (1u << 30)
#define REASM_MAX_CHUNK (1u << 30)

/* What malloc adds to each held segment (glibc: one size word, 16-byte rounding): the global
 * budget counts what the process pays, not just the payload. */
#define SEG_MALLOC_OVERHEAD 16u

struct reasm_seg {
	struct reasm_seg *next;
	uint32_t seq;
	uint32_t len;
	uint32_t orig_seq, orig_end; /* the segment the bytes came from */
	uint32_t alloc_len; /* data[] as allocated (len shrinks when trimmed) */
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

/* The segment counter is 16 bits wide. */
#define REASM_MAX_SEGMENTS 65535u

static uint64_t seg_cost(uint32_t alloc_len)
{
	return ((sizeof(struct reasm_seg) + alloc_len + 15) & ~(size_t)15) + SEG_MALLOC_OVERHEAD;
}

static struct reasm_seg *seg_new(const struct reasm_cfg *cfg, uint32_t seq, const uint8_t *data,
				 uint32_t len, uint32_t orig_seq, uint32_t orig_end)
{
	struct reasm_seg *s = malloc(sizeof(*s) + len);

	if (!s)
		return NULL;
	s->next = NULL;
	s->seq = seq;
	s->len = len;
	s->orig_seq = orig_seq;
	s->orig_end = orig_end;
	s->alloc_len = len;
	memcpy(s->data, data, len);
	STAT_ADD(cfg, held_bytes, seg_cost(len));
	return s;
}

static void seg_free(const struct reasm_cfg *cfg, struct reasm_seg *s)
{
	if (cfg && cfg->stats)
		cfg->stats->held_bytes -= seg_cost(s->alloc_len);
	free(s);
}

static void free_list(const struct reasm_cfg *cfg, struct reasm_seg *s)
{
	struct reasm_seg *next;

	for (; s; s = next) {
		next = s->next;
		seg_free(cfg, s);
	}
}

static void free_held(struct reasm *r, const struct reasm_cfg *cfg)
{
	free_list(cfg, r->held);
	r->held = NULL;
	r->held_segments = 0;
	if (r->rare) {
		free_list(cfg, r->rare->suspect);
		r->rare->suspect = NULL;
		r->rare->n_suspect = 0;
	}
}

void reasm__init(struct reasm *r)
{
	memset(r, 0, sizeof(*r));
}

void reasm__reset(struct reasm *r, const struct reasm_cfg *cfg)
{
	free_held(r, cfg);
	free(r->rare);
	reasm__init(r);
}

const struct reasm_rare *reasm__ambiguities(const struct reasm *r)
{
	static const struct reasm_rare none;

	return r->rare ? r->rare : &none;
}

/* r->rare, allocated on first use; NULL without memory (counted). */
static struct reasm_rare *rare(struct reasm *r, const struct reasm_cfg *cfg)
{
	if (!r->rare && !(r->rare = calloc(1, sizeof(*r->rare))))
		STAT_ADD(cfg, rare_alloc_failures, 1);
	return r->rare;
}

uint32_t reasm__held_bytes(const struct reasm *r)
{
	const struct reasm_seg *s;
	uint32_t n = 0;

	for (s = r->held; s; s = s->next)
		n += s->len;
	return n;
}

int reasm__held_end(const struct reasm *r, uint32_t *end)
{
	const struct reasm_seg *s = r->held;

	if (!s)
		return -ENOENT;
	while (s->next)
		s = s->next;
	*end = s->seq + s->len;
	return 0;
}

/* Restarting discards anything held: it was relative to the old start. */
void reasm__start(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq)
{
	free_held(r, cfg);
	r->started = true;
	r->next_seq = seq;
	r->base_seq = seq;
	if (r->rare)
		r->rare->urg_pending = false;
	memset(r->recent_len, 0, sizeof(r->recent_len));
}

void reasm__urgent(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq)
{
	struct reasm_rare *x;

	if (r->started && seq_lt(seq, r->next_seq))
		return;
	/* tcp_check_urg(): a pointer that does not move forward changes nothing */
	if (r->rare && r->rare->urg_pending && seq_leq(seq, r->rare->urg_seq))
		return;
	x = rare(r, cfg);
	if (!x)
		return;
	x->urg_seq = seq;
	x->urg_pending = true;
}

static void note_conflict(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq)
{
	struct reasm_rare *x = rare(r, cfg);

	STAT_ADD(cfg, conflicts, 1);
	if (!x)
		return;
	if (!x->conflicts)
		x->conflict_seq = seq;
	if (x->conflicts < UINT16_MAX)
		x->conflicts++;
}

/* Compare two copies of n bytes starting at seq; note where they first differ. */
static bool copies_differ(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq,
			  const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint32_t i;

	if (!memcmp(a, b, n))
		return false;
	for (i = 0; a[i] == b[i]; i++)
		;
	note_conflict(r, cfg, seq + i);
	return true;
}

/* Seeded, so that a copy with other bytes and the same hash cannot be prepared in advance; and
 * word-wide, as every in-order byte passes here (FNV-1a, a multiply per byte, was half of the
 * offline read's time). */
static uint32_t segment_hash(const struct reasm_cfg *cfg, const uint8_t *p, uint32_t n)
{
	uint64_t h = keyed_hash__with(&cfg->seg_key, p, n, 0);

	return (uint32_t)(h ^ h >> 32);
}

void reasm__keep_input(struct reasm_cfg *cfg, const uint8_t *base, size_t size)
{
	cfg->kept = base;
	cfg->kept_size = size;
}

/* data's offset in the kept input, when all its len bytes lie there at an offset that fits a
 * remembered slot. */
static bool kept_offset(const struct reasm_cfg *cfg, const uint8_t *data, uint32_t len,
			uint32_t *off)
{
	uintptr_t at = (uintptr_t)data - (uintptr_t)cfg->kept;

	if (!cfg->kept || (uintptr_t)data < (uintptr_t)cfg->kept || at > cfg->kept_size ||
	    len > cfg->kept_size - at || at > UINT32_MAX)
		return false;
	*off = (uint32_t)at;
	return true;
}

/* A whole segment delivered in order: remember it (its bytes are gone once delivered, unless
 * they lie in the kept input). */
static void remember(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq,
		     const uint8_t *data, uint32_t len)
{
	int i = r->recent_next;
	uint32_t off;

	if (!len || len > UINT16_MAX)
		return;
	r->recent_next = !i;
	r->recent_seq[i] = seq;
	r->recent_len[i] = (uint16_t)len;
	if (kept_offset(cfg, data, len, &off)) {
		r->recent_mark[i] = off;
		r->recent_kept |= 1u << i;
	} else {
		r->recent_mark[i] = segment_hash(cfg, data, len);
		r->recent_kept &= ~(1u << i) & ((1u << REASM_RECENT) - 1);
	}
}

/* Do data's len bytes differ from the segment remembered in slot i (of the same length)? */
static bool differs_from_recent(const struct reasm *r, const struct reasm_cfg *cfg, int i,
				const uint8_t *data, uint32_t len)
{
	if (r->recent_kept & (1u << i))
		return memcmp(cfg->kept + r->recent_mark[i], data, len) != 0;
	return r->recent_mark[i] != segment_hash(cfg, data, len);
}

/* A retransmission of delivered bytes: the host kept the first copy (its queue has it), so
 * the stream stays; a copy of a remembered segment with other bytes is a conflict. */
static void check_retransmission(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq,
				 const uint8_t *data, uint32_t len)
{
	for (int i = 0; i < REASM_RECENT; i++) {
		if (r->recent_len[i] && r->recent_seq[i] == seq && r->recent_len[i] == len &&
		    differs_from_recent(r, cfg, i, data, len)) {
			note_conflict(r, cfg, seq);
			return;
		}
	}
}

/* The one place bytes reach the consumer: [next_seq, next_seq + len), less a pending urgent
 * byte inside it. */
static void emit(struct reasm *r, const struct reasm_cfg *cfg, const uint8_t *data, uint32_t len,
		 reasm_deliver_fn cb, void *ctx)
{
	struct reasm_rare *x = r->rare;

	if (x && x->urg_pending && seq_lt(x->urg_seq, r->next_seq))
		x->urg_pending = false;
	if (x && x->urg_pending && seq_lt(x->urg_seq, r->next_seq + len)) {
		uint32_t k = x->urg_seq - r->next_seq;

		if (k)
			cb(ctx, data, k);
		STAT_ADD(cfg, urgent, 1);
		if (!x->urgents)
			x->urgent_seq = x->urg_seq;
		if (x->urgents < UINT8_MAX)
			x->urgents++;
		x->urg_pending = false;
		r->next_seq += k + 1;
		data += k + 1;
		len -= k + 1;
	}
	if (len)
		cb(ctx, data, len);
	r->next_seq += len;
}

static void gap(struct reasm *r, const struct reasm_cfg *cfg, uint32_t to, reasm_deliver_fn cb,
		void *ctx)
{
	uint32_t n = to - r->next_seq;

	STAT_ADD(cfg, gaps, 1);
	STAT_ADD(cfg, gap_bytes, n);
	cb(ctx, NULL, n);
	r->next_seq = to;
}

static struct reasm_seg *pop_head(struct reasm *r)
{
	struct reasm_seg *h = r->held;

	r->held = h->next;
	r->held_segments--;
	return h;
}

/* Deliver held segments that have become contiguous with next_seq. */
static void drain(struct reasm *r, const struct reasm_cfg *cfg, reasm_deliver_fn cb, void *ctx)
{
	while (r->held && seq_leq(r->held->seq, r->next_seq)) {
		struct reasm_seg *h = pop_head(r);
		uint32_t skip = r->next_seq - h->seq;

		/* The invariant says skip == 0; be defensive rather than deliver bytes twice. */
		if (skip < h->len)
			emit(r, cfg, h->data + skip, h->len - skip, cb, ctx);
		seg_free(cfg, h);
	}
}

/* data starts exactly at next_seq and is queued as a whole (tcp_data_queue): held bytes inside
 * its range lose to it (tcp_ofo_queue drops or trims them). Returns true if any held byte was
 * covered. */
static bool deliver_in_order(struct reasm *r, const struct reasm_cfg *cfg, const uint8_t *data,
			     uint32_t len, reasm_deliver_fn cb, void *ctx)
{
	uint32_t start = r->next_seq, end = start + len;
	bool overlap = false;

	while (r->held && seq_lt(r->held->seq, end)) {
		struct reasm_seg *h = r->held;
		uint32_t hend = h->seq + h->len, n = seq_min(hend, end) - h->seq;

		overlap = true;
		copies_differ(r, cfg, h->seq, data + (h->seq - start), h->data, n);
		if (seq_leq(hend, end)) {
			seg_free(cfg, pop_head(r));
			continue;
		}
		memmove(h->data, h->data + n, h->len - n);
		h->seq += n;
		h->len -= n;
		break;
	}
	emit(r, cfg, data, len, cb, ctx);
	drain(r, cfg, cb, ctx);
	return overlap;
}

/* Report the hole before the first held segment as lost and deliver what follows it. */
static void give_up_oldest_hole(struct reasm *r, const struct reasm_cfg *cfg, reasm_deliver_fn cb,
				void *ctx)
{
	if (seq_lt(r->next_seq, r->held->seq))
		gap(r, cfg, r->held->seq, cb, ctx);
	drain(r, cfg, cb, ctx);
}

/* Does a new segment [seq, end) beat held bytes that came from h's segment? The lower start
 * wins; at the same start, the longer one (tcp_data_queue_ofo's replace); else the first. */
static bool new_wins(const struct reasm_seg *h, uint32_t seq, uint32_t end)
{
	if (seq != h->orig_seq)
		return seq_lt(seq, h->orig_seq);
	return seq_lt(h->orig_end, end);
}

/* Split h at sequence number at (strictly inside it): h keeps the head, a new segment after it
 * the tail. NULL without memory or room. */
static struct reasm_seg *split(struct reasm *r, const struct reasm_cfg *cfg, struct reasm_seg *h,
			       uint32_t at)
{
	uint32_t off = at - h->seq;
	struct reasm_seg *t;

	if (r->held_segments >= REASM_MAX_SEGMENTS ||
	    r->held_segments >= (cfg ? cfg->lim.max_held_segments : 0))
		return NULL;
	t = seg_new(cfg, at, h->data + off, h->len - off, h->orig_seq, h->orig_end);
	if (!t)
		return NULL;
	t->next = h->next;
	h->next = t;
	h->len = off;
	r->held_segments++;
	return t;
}

/* The held bytes in [pos, oend) (inside h) are also in the new segment [seq, end): compare them
 * and, when the new copy wins, put its bytes there. Returns the segment now holding oend - 1. */
static struct reasm_seg *resolve(struct reasm *r, const struct reasm_cfg *cfg,
				 struct reasm_seg *h, uint32_t pos, uint32_t oend, uint32_t seq,
				 uint32_t end, const uint8_t *data)
{
	const uint8_t *theirs = data + (pos - seq);
	struct reasm_seg *t;

	copies_differ(r, cfg, pos, theirs, h->data + (pos - h->seq), oend - pos);
	if (!new_wins(h, seq, end))
		return h;
	/* Without memory to split, the held copy stays: still one consistent stream. */
	if (pos != h->seq) {
		if (!(t = split(r, cfg, h, pos)))
			return h;
		h = t;
	}
	if (oend != h->seq + h->len && !split(r, cfg, h, oend))
		return h;
	memcpy(h->data, theirs, h->len);
	h->orig_seq = seq;
	h->orig_end = end;
	return h;
}

struct hold_plan {
	uint32_t bytes; /* bytes not already held */
	uint32_t pieces; /* segments they split into */
	uint32_t held_bytes; /* bytes held now (the whole list is walked when planning) */
};

/* Walk [seq, seq + len) against the held list: the parts not already held are either counted
 * (plan != NULL) or copied into new held segments, and the parts held are resolved. Returns 0
 * or -ENOMEM. */
static int hold_walk(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq,
		     const uint8_t *data, uint32_t len, struct hold_plan *plan)
{
	struct reasm_seg **pp = &r->held, *n;
	uint32_t pos = seq, end = seq + len, hend, plen, oend;
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
			} else if ((n = seg_new(cfg, pos, data + (pos - seq), plen, seq, end))) {
				n->next = h;
				*pp = n;
				r->held_segments++;
			} else {
				STAT_ADD(cfg, refused_bytes, plen);
				err = -ENOMEM;
			}
			pos = h->seq;
		}
		oend = seq_min(hend, end);
		if (!plan)
			h = resolve(r, cfg, h, pos, oend, seq, end, data);
		pos = oend;
		pp = &h->next;
	}
	if (!seq_lt(pos, end))
		return err;
	plen = end - pos;
	if (plan) {
		plan->bytes += plen;
		plan->pieces++;
	} else if ((n = seg_new(cfg, pos, data + (pos - seq), plen, seq, end))) {
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
				check_retransmission(r, cfg, seq, data, len);
				return 0;
			}
			/* Partly old: the bytes delivered already stay (they are in the socket's
			 * queue); the new tail is queued. */
			data += r->next_seq - seq;
			len = end - r->next_seq;
			seq = r->next_seq;
			overlap = true;
		}
		if (seq == r->next_seq) {
			STAT_ADD(cfg, in_order, 1);
			if (!overlap)
				remember(r, cfg, seq, data, len);
			if (deliver_in_order(r, cfg, data, len, cb, ctx))
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
			/* Every byte is already held: a retransmission of out-of-order data, which
			 * may still replace what is held (same start, longer) or disagree with it. */
			STAT_ADD(cfg, retransmitted, 1);
			return hold_walk(r, cfg, seq, data, len, NULL);
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
			gap(r, cfg, seq, cb, ctx);
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
	if (!r->started) {
		bool urg = r->rare && r->rare->urg_pending;

		reasm__start(r, cfg, seq);
		if (urg)
			r->rare->urg_pending = !seq_lt(r->rare->urg_seq, seq);
	}

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

/* Bad-checksum copies kept per direction: enough for a corrupted frame or two; an attacker's
 * stream of them only replaces older ones. */
#define REASM_MAX_SUSPECT 4

void reasm__suspect(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq,
		    const uint8_t *data, size_t len)
{
	struct reasm_seg **pp, *n;
	struct reasm_rare *x;

	if (!len || len > UINT16_MAX || !r->started || seq_leq(seq + (uint32_t)len, r->next_seq) ||
	    seq - r->next_seq > REASM_MAX_AHEAD)
		return;
	x = rare(r, cfg);
	if (!x)
		return;
	if (x->n_suspect >= REASM_MAX_SUSPECT) {
		n = x->suspect;
		x->suspect = n->next;
		x->n_suspect--;
		seg_free(cfg, n);
	}
	n = seg_new(cfg, seq, data, (uint32_t)len, seq, seq + (uint32_t)len);
	if (!n)
		return;
	pp = &x->suspect;
	while (*pp && seq_leq((*pp)->seq, seq))
		pp = &(*pp)->next;
	n->next = *pp;
	*pp = n;
	x->n_suspect++;
}

void reasm__acked(struct reasm *r, const struct reasm_cfg *cfg, uint32_t ack, reasm_deliver_fn cb,
		  void *ctx)
{
	struct reasm_rare *x = r->rare;
	struct reasm_seg **pp, *s;

	if (!r->started || !x)
		return;
	pp = &x->suspect;
	while ((s = *pp)) {
		uint32_t send = s->seq + s->len, upto;

		if (seq_leq(send, r->next_seq)) {
			*pp = s->next;
			x->n_suspect--;
			seg_free(cfg, s);
			continue;
		}
		/* Only a copy that starts at the next byte and that the ACK reaches fills it. */
		if (!seq_leq(s->seq, r->next_seq) || !seq_lt(r->next_seq, ack))
			break;
		upto = seq_min(send, ack);
		STAT_ADD(cfg, suspect_used, 1);
		if (!x->suspects)
			x->suspect_seq = r->next_seq;
		if (x->suspects < UINT8_MAX)
			x->suspects++;
		deliver_in_order(r, cfg, s->data + (r->next_seq - s->seq), upto - r->next_seq, cb,
				 ctx);
		pp = &x->suspect; /* delivery may have moved next_seq past others */
	}
}

void reasm__flush(struct reasm *r, const struct reasm_cfg *cfg, reasm_deliver_fn cb, void *ctx)
{
	while (r->held)
		give_up_oldest_hole(r, cfg, cb, ctx);
}
