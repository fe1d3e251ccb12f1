// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "reasm_sink.h"

static void test_in_order(void)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	start(&r, &s, &big, &st, 1000);
	CHECK_EQ(feed(&r, &s, 1000, 0, 10, orig_buf), 0);
	CHECK(s.last_ptr == orig_buf); /* zero-copy: the caller's buffer itself */
	CHECK_EQ(feed(&r, &s, 1000, 10, 20, orig_buf), 0);
	CHECK(s.last_ptr == orig_buf + 10);
	CHECK_EQ(feed(&r, &s, 1000, 30, 1, orig_buf), 0);
	CHECK_EQ(s.pos, 31);
	CHECK_EQ(s.nevents, 3);
	CHECK(stream_matches(&s, 0, 31));
	CHECK_EQ(r.next_seq, 1031);
	CHECK_EQ(r.held_segments, 0);
	CHECK_EQ(st.segments, 3);
	CHECK_EQ(st.in_order, 3);
	CHECK_EQ(st.out_of_order, 0);
	CHECK_EQ(st.retransmitted + st.overlaps + st.gaps, 0);
	reasm__reset(&r, &cfg);
}

static const uint32_t seg_off[5] = { 0, 10, 25, 26, 40 };
static const uint32_t seg_len[5] = { 10, 15, 1, 14, 20 };

static int next_perm(int *a, int n)
{
	int i = n - 2, j, t;

	while (i >= 0 && a[i] >= a[i + 1])
		i--;
	if (i < 0)
		return 0;
	for (j = n - 1; a[j] <= a[i]; j--)
		;
	t = a[i], a[i] = a[j], a[j] = t;
	for (i++, j = n - 1; i < j; i++, j--)
		t = a[i], a[i] = a[j], a[j] = t;
	return 1;
}

static void run_permutations(uint32_t isn)
{
	int perm[5] = { 0, 1, 2, 3, 4 }, nperm = 0, bad = 0, k;

	do {
		struct reasm_stats st = { 0 };
		struct reasm r;
		struct sink s;

		start(&r, &s, &big, &st, isn);
		for (k = 0; k < 5; k++)
			feed(&r, &s, isn, seg_off[perm[k]], seg_len[perm[k]], orig_buf);
		if (s.pos != 60 || !stream_matches(&s, 0, 60) || s.overflow)
			bad++;
		if (r.held || r.held_segments || reasm__held_bytes(&r) || r.next_seq != isn + 60)
			bad++;
		if (st.gaps || st.retransmitted || st.overlaps)
			bad++;
		if (st.in_order + st.out_of_order != 5)
			bad++;
		/* Segment 0 first means it goes out at once; otherwise it waits. */
		if (perm[0] == 0 && st.in_order < 1)
			bad++;
		if (perm[0] != 0 && st.out_of_order < 1)
			bad++;
		reasm__reset(&r, &cfg);
		nperm++;
	} while (next_perm(perm, 5));
	CHECK_EQ(nperm, 120);
	CHECK_EQ(bad, 0);
}

static void test_all_permutations(void)
{
	run_permutations(1000);
	run_permutations(0xffffffffu - 30); /* wraps inside the stream */
	run_permutations(0xffffffffu); /* first byte at 2^32 - 1 */
	run_permutations(0);
}

static void test_duplicates(void)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	start(&r, &s, &big, &st, 0);
	feed(&r, &s, 0, 0, 10, orig_buf);
	feed(&r, &s, 0, 0, 10, alt_buf); /* exact retransmission */
	feed(&r, &s, 0, 3, 5, alt_buf); /* inside delivered data */
	CHECK_EQ(st.retransmitted, 2);
	feed(&r, &s, 0, 20, 10, orig_buf); /* held */
	feed(&r, &s, 0, 20, 10, alt_buf); /* duplicate of held */
	feed(&r, &s, 0, 20, 10, alt_buf);
	CHECK_EQ(st.retransmitted, 4);
	CHECK_EQ(r.held_segments, 1);
	CHECK_EQ(reasm__held_bytes(&r), 10);
	feed(&r, &s, 0, 10, 10, orig_buf);
	CHECK_EQ(s.pos, 30);
	CHECK(stream_matches(&s, 0, 30));
	CHECK_EQ(st.overlaps, 0);
	CHECK_EQ(r.held_segments, 0);
	CHECK_EQ(st.segments, 7);
	reasm__reset(&r, &cfg);
}

/* A retransmission of a remembered in-order segment, with its bytes compared in the kept input
 * (reasm__keep_input()) or by hash: other bytes are a conflict, the same bytes (from another
 * buffer) are not, either way. */
static void retransmissions_against(bool keep)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;
	uint8_t copy[10];

	start(&r, &s, &big, &st, 0);
	if (keep)
		reasm__keep_input(&cfg, orig_buf, sizeof(orig_buf));
	feed(&r, &s, 0, 0, 10, orig_buf);
	feed(&r, &s, 0, 10, 10, alt_buf); /* not in the kept input: remembered by hash */
	CHECK_EQ(r.recent_kept, keep ? 1 : 0);
	memcpy(copy, orig_buf, sizeof(copy));
	CHECK_EQ(reasm__feed(&r, &cfg, 0, copy, 10, deliver, &s), 0); /* same bytes */
	feed(&r, &s, 0, 10, 10, alt_buf); /* same bytes, same place */
	CHECK_EQ(st.retransmitted, 2);
	CHECK_EQ(st.conflicts, 0);
	copy[7] ^= 1;
	CHECK_EQ(reasm__feed(&r, &cfg, 0, copy, 10, deliver, &s), 0); /* byte 7 differs */
	CHECK_EQ(st.conflicts, 1);
	CHECK_EQ(reasm__ambiguities(&r)->conflict_seq, 0);
	feed(&r, &s, 0, 10, 10, orig_buf); /* other bytes for [10, 20), from the kept input */
	CHECK_EQ(st.conflicts, 2);
	CHECK_EQ(s.pos, 20);
	CHECK_EQ(st.retransmitted, 4);
	reasm__reset(&r, &cfg);
}

static void test_retransmission_kept_or_hashed(void)
{
	retransmissions_against(false);
	retransmissions_against(true);
}

/* Held H = [20, 30) original; then the later segment (alternate content) overlaps it. Linux's
 * tcp_data_queue_ofo() decides: the lower start wins, at the same start the longer one, else
 * the first received. */
struct overlap_case {
	const char *name;
	uint32_t off, len;
	int held_after; /* held segments right after the overlapping feed */
	int retrans;
	uint32_t alt_lo, alt_hi; /* where the alternate bytes end up in the stream */
	int conflicts;
};

static void test_overlap_shapes_held(void)
{
	static const struct overlap_case cases[] = {
		{ "prefix", 15, 10, 3, 0, 15, 25, 1 }, /* starts lower: wins [20, 25) */
		{ "suffix", 25, 10, 2, 0, 30, 35, 1 }, /* H starts lower: only [30, 35) is new */
		{ "contained", 22, 5, 1, 1, 0, 0, 1 }, /* inside H: dropped */
		{ "same", 20, 10, 1, 1, 0, 0, 1 }, /* same start and end: the first stays */
		{ "same-start-shorter", 20, 5, 1, 1, 0, 0, 1 },
		{ "same-start-longer", 20, 15, 2, 0, 20, 35, 1 }, /* replaces H */
		{ "containing", 15, 20, 3, 0, 15, 35, 1 }, /* H inside it: covered */
		{ "adjacent-before", 10, 10, 2, 0, 10, 20, 0 },
		{ "adjacent-after", 30, 5, 2, 0, 30, 35, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct overlap_case *c = &cases[i];
		struct reasm_stats st = { 0 };
		struct reasm r;
		struct sink s;
		uint32_t hi = c->off + c->len, first = c->off < 20 ? c->off : 20;
		int ok = 1;

		start(&r, &s, &big, &st, 5000);
		feed(&r, &s, 5000, 20, 10, orig_buf);
		feed(&r, &s, 5000, c->off, c->len, alt_buf);
		if ((int)r.held_segments != c->held_after)
			ok = 0;
		if ((int)st.retransmitted != c->retrans)
			ok = 0;
		if ((int)st.overlaps != (c->off < 30 && hi > 20 && !c->retrans))
			ok = 0;
		if ((int)st.conflicts != c->conflicts ||
		    (int)reasm__ambiguities(&r)->conflicts != c->conflicts)
			ok = 0;
		if (c->conflicts &&
		    reasm__ambiguities(&r)->conflict_seq != 5000 + (c->off > 20 ? c->off : 20))
			ok = 0;
		feed(&r, &s, 5000, 0, first, orig_buf); /* what was before the held bytes */
		if (s.pos != (hi > 30 ? hi : 30) || r.held || reasm__held_bytes(&r))
			ok = 0;
		if (!mix_matches(&s, 0, s.pos, &(struct mix){ c->alt_lo, c->alt_hi, { { 0, 0 } } }))
			ok = 0;
		if (!ok)
			fprintf(stderr, "  overlap case %s failed\n", c->name);
		CHECK(ok);
		reasm__reset(&r, &cfg);
	}
}

static void test_overlap_in_order(void)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	start(&r, &s, &big, &st, 0);
	feed(&r, &s, 0, 0, 10, orig_buf);
	feed(&r, &s, 0, 5, 10, alt_buf); /* partly old: only [10, 15) is new */
	CHECK_EQ(st.overlaps, 1);
	CHECK_EQ(st.in_order, 2);
	CHECK_EQ(s.pos, 15);
	CHECK(s.last_ptr == alt_buf + 10);

	/* Held pieces inside an in-order segment: it is queued whole (tcp_data_queue) and the
	 * held bytes it covers are dropped (tcp_ofo_queue); copies that differ are noted. */
	feed(&r, &s, 0, 20, 2, orig_buf);
	feed(&r, &s, 0, 24, 3, orig_buf);
	feed(&r, &s, 0, 30, 5, orig_buf);
	feed(&r, &s, 0, 40, 5, orig_buf); /* beyond the segment below, becomes contiguous */
	CHECK_EQ(r.held_segments, 4);
	s.nevents = 0;
	feed(&r, &s, 0, 15, 25, alt_buf); /* [15, 40) */
	CHECK_EQ(s.pos, 45);
	CHECK_EQ(r.held_segments, 0);
	CHECK_EQ(reasm__held_bytes(&r), 0);
	CHECK_EQ(st.overlaps, 2);
	CHECK_EQ(st.conflicts, 3); /* [20, 22), [24, 27), [30, 35) */
	CHECK_EQ(reasm__ambiguities(&r)->conflicts, 3);
	CHECK_EQ(reasm__ambiguities(&r)->conflict_seq, 20);
	/* alt 15-40 in one piece, then the held orig 40-45 */
	CHECK_EQ(s.nevents, 2);
	CHECK(mix_matches(&s, 0, 45, &(struct mix){ 10, 40, { { 0, 0 } } }));
	reasm__reset(&r, &cfg);
}

static void test_overlap_held_spanning(void)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	/* An out-of-order segment spanning several held ones starts lower than each: its bytes
	 * replace theirs, the rest is held around them. */
	start(&r, &s, &big, &st, 0);
	feed(&r, &s, 0, 10, 2, orig_buf);
	feed(&r, &s, 0, 14, 2, orig_buf);
	feed(&r, &s, 0, 20, 2, orig_buf);
	feed(&r, &s, 0, 5, 25, alt_buf); /* [5, 30): pieces 5-10, 12-14, 16-20, 22-30 */
	CHECK_EQ(r.held_segments, 7);
	CHECK_EQ(reasm__held_bytes(&r), 25);
	CHECK_EQ(st.overlaps, 1);
	CHECK_EQ(s.pos, 0);
	feed(&r, &s, 0, 0, 5, orig_buf);
	CHECK_EQ(s.pos, 30);
	CHECK_EQ(s.nevents, 8);
	CHECK_EQ(st.conflicts, 3);
	CHECK(mix_matches(&s, 0, 30, &(struct mix){ 5, 30, { { 0, 0 } } }));
	reasm__reset(&r, &cfg);
}

static void test_wrap(void)
{
	struct reasm_stats st = { 0 };
	const uint32_t isn = 0xffffffffu - 5; /* offset 6 has seq 0 */
	struct reasm r;
	struct sink s;

	start(&r, &s, &big, &st, isn);
	feed(&r, &s, isn, 0, 4, orig_buf);
	feed(&r, &s, isn, 10, 10, orig_buf); /* seq 4: numerically smaller, but ahead */
	CHECK_EQ(st.out_of_order, 1);
	CHECK_EQ(st.retransmitted, 0);
	CHECK_EQ(r.held_segments, 1);
	feed(&r, &s, isn, 4, 6, orig_buf); /* crosses 2^32 */
	CHECK_EQ(s.pos, 20);
	CHECK(stream_matches(&s, 0, 20));
	CHECK_EQ(r.next_seq, 14);
	feed(&r, &s, isn, 2, 10, orig_buf); /* seq near 2^32: old, numerically larger */
	CHECK_EQ(st.retransmitted, 1);
	feed(&r, &s, isn, 0, 25, alt_buf); /* straddles the wrap and next_seq */
	CHECK_EQ(st.overlaps, 1);
	CHECK_EQ(s.pos, 25);
	CHECK(stream_matches(&s, 0, 20));
	CHECK_EQ(s.out[22], alt(22));
	/* Held across the wrap: next_seq just below 2^32, held just above 0. */
	reasm__reset(&r, &cfg);
	sink_init(&s);
	reasm__start(&r, &cfg, 0xfffffff0u);
	CHECK_EQ(reasm__feed(&r, &cfg, 0x10, orig_buf + 0x20, 8, deliver, &s), 0);
	CHECK_EQ(r.held_segments, 1);
	CHECK_EQ(reasm__feed(&r, &cfg, 0xfffffff0u, orig_buf, 0x20, deliver, &s), 0);
	CHECK_EQ(s.pos, 0x28);
	CHECK(stream_matches(&s, 0, 0x28));
	CHECK_EQ(r.next_seq, 0x18);
	/* A segment 2^31 + 1 "ahead" is really behind: a retransmission. */
	CHECK_EQ(reasm__feed(&r, &cfg, 0x18 + 0x80000001u, orig_buf, 4, deliver, &s), 0);
	CHECK_EQ(st.retransmitted, 2);
	CHECK_EQ(s.pos, 0x28);
	reasm__reset(&r, &cfg);
}

static void test_limits_gap(void)
{
	const struct reasm_limits lim = { .max_held_bytes = 40, .max_held_segments = 4 };
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	start(&r, &s, &lim, &st, 0);
	feed(&r, &s, 0, 10, 5, orig_buf);
	feed(&r, &s, 0, 20, 5, orig_buf);
	feed(&r, &s, 0, 30, 5, orig_buf);
	feed(&r, &s, 0, 40, 5, orig_buf);
	CHECK_EQ(r.held_segments, 4);
	CHECK_EQ(s.nevents, 0);
	/* Fifth segment: over the segment limit, the oldest hole [0, 10) is given up. */
	feed(&r, &s, 0, 50, 5, orig_buf);
	CHECK_EQ(s.nevents, 2);
	CHECK_EQ(s.ev[0], -10);
	CHECK_EQ(s.ev[1], 5);
	CHECK_EQ(r.next_seq, 15);
	CHECK_EQ(r.held_segments, 4);
	CHECK_EQ(st.gaps, 1);
	CHECK_EQ(st.gap_bytes, 10);
	CHECK(stream_matches(&s, 10, 15));

	/* Byte limit: held is 20 bytes; 25 more would exceed 40, so the oldest hole goes. */
	feed(&r, &s, 0, 60, 25, orig_buf);
	CHECK_EQ(s.nevents, 4);
	CHECK_EQ(s.ev[2], -5); /* [15, 20) */
	CHECK_EQ(s.ev[3], 5);
	CHECK_EQ(reasm__held_bytes(&r), 40); /* exactly at the limit is allowed */
	CHECK_EQ(r.held_segments, 4);
	CHECK_EQ(st.gaps, 2);
	CHECK_EQ(st.gap_bytes, 15);
	CHECK_EQ(r.next_seq, 25);

	/* Over the limits with a segment before every held one: skip straight to it and deliver
	 * it from the caller's buffer. */
	feed(&r, &s, 0, 26, 2, orig_buf);
	CHECK_EQ(s.nevents, 6);
	CHECK_EQ(s.ev[4], -1);
	CHECK_EQ(s.ev[5], 2);
	CHECK(s.last_ptr == orig_buf + 26);
	CHECK_EQ(r.next_seq, 28);
	CHECK_EQ(r.held_segments, 4);
	CHECK_EQ(st.gaps, 3);
	CHECK_EQ(st.gap_bytes, 16);
	CHECK(stream_matches(&s, 26, 28));

	/* The same when the segment reaches into held data: it becomes contiguous. */
	feed(&r, &s, 0, 29, 3, orig_buf); /* [29, 32) overlaps held [30, 35) */
	CHECK_EQ(s.ev[6], -1);
	CHECK_EQ(s.ev[7], 3); /* [29, 32) from the caller, in order: it wins */
	CHECK_EQ(s.ev[8], 3); /* what is left of held [30, 35) */
	CHECK_EQ(s.nevents, 9);
	CHECK_EQ(r.next_seq, 35);
	CHECK_EQ(r.held_segments, 3);
	CHECK_EQ(st.overlaps, 1);

	reasm__flush(&r, &cfg, deliver, &s);
	CHECK_EQ(r.next_seq, 85);
	CHECK_EQ(s.pos, 85);
	CHECK_EQ(st.gaps, 7);
	CHECK_EQ(st.gap_bytes, 17 + 5 + 5 + 5);
	CHECK(stream_matches(&s, 29, 35) && stream_matches(&s, 60, 85));

	/* A segment bigger than the whole byte limit with nothing before it. */
	s.nevents = 0;
	feed(&r, &s, 0, 100, 41, orig_buf);
	CHECK_EQ(s.nevents, 2);
	CHECK_EQ(s.ev[0], -15);
	CHECK_EQ(s.ev[1], 41);
	CHECK(s.last_ptr == orig_buf + 100);
	CHECK_EQ(r.held_segments, 0);
	CHECK(stream_matches(&s, 100, 141));
	CHECK_EQ(s.pos, 141);
	CHECK_EQ(st.refused_bytes, 0);
	reasm__reset(&r, &cfg);
}

/* A segment that would split into more pieces than the segment limit allows. */
static void test_limits_spanning(void)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	start(&r, &s,
	      &(const struct reasm_limits){ .max_held_bytes = 1000, .max_held_segments = 3 }, &st,
	      0);
	feed(&r, &s, 0, 10, 2, orig_buf);
	feed(&r, &s, 0, 14, 2, orig_buf);
	feed(&r, &s, 0, 20, 2, orig_buf);
	CHECK_EQ(r.held_segments, 3); /* at the limit */
	feed(&r, &s, 0, 5, 25, alt_buf); /* [5, 30): 4 pieces, more than the limit itself */
	CHECK_EQ(st.out_of_order, 3);
	CHECK_EQ(st.gaps, 1);
	CHECK_EQ(st.gap_bytes, 5); /* it starts before every held one: [0, 5) given up */
	CHECK_EQ(s.ev[0], -5);
	CHECK_EQ(s.pos, 30);
	CHECK_EQ(r.held_segments, 0);
	CHECK(mix_matches(&s, 5, 30, &(struct mix){ 5, 30, { { 0, 0 } } }));
	reasm__reset(&r, &cfg);
}

static void test_limits_zero(void)
{
	const struct reasm_limits lim = { 0, 0 };
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	/* Nothing may be held: every reordering becomes a gap, but nothing stalls. */
	start(&r, &s, &lim, &st, 0);
	feed(&r, &s, 0, 10, 10, orig_buf);
	CHECK_EQ(s.nevents, 2);
	CHECK_EQ(s.ev[0], -10);
	CHECK_EQ(s.ev[1], 10);
	feed(&r, &s, 0, 0, 10, orig_buf); /* arrives late: now old */
	CHECK_EQ(st.retransmitted, 1);
	CHECK_EQ(r.held, NULL);
	CHECK_EQ(st.out_of_order, 0);
	reasm__reset(&r, &cfg);

	/* No limits behave the same. */
	start(&r, &s, NULL, NULL, 0);
	feed(&r, &s, 0, 3, 4, orig_buf);
	CHECK_EQ(s.ev[0], -3);
	CHECK_EQ(s.pos, 7);
	reasm__reset(&r, &cfg);
}

static void test_flush(void)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	sink_init(&s);
	init(&r, &big, &st);
	reasm__flush(&r, &cfg, deliver, &s); /* not started, nothing held */
	CHECK_EQ(s.nevents, 0);
	reasm__start(&r, &cfg, 77);
	feed(&r, &s, 77, 0, 5, orig_buf);
	feed(&r, &s, 77, 8, 4, orig_buf);
	feed(&r, &s, 77, 12, 3, orig_buf); /* contiguous with the previous held one */
	feed(&r, &s, 77, 20, 6, orig_buf);
	reasm__flush(&r, &cfg, deliver, &s);
	CHECK_EQ(s.nevents, 6);
	CHECK_EQ(s.ev[0], 5);
	CHECK_EQ(s.ev[1], -3);
	CHECK_EQ(s.ev[2], 4);
	CHECK_EQ(s.ev[3], 3);
	CHECK_EQ(s.ev[4], -5);
	CHECK_EQ(s.ev[5], 6);
	CHECK_EQ(s.pos, 26);
	CHECK(stream_matches(&s, 0, 5) && stream_matches(&s, 8, 15) && stream_matches(&s, 20, 26));
	CHECK_EQ(r.held, NULL);
	CHECK_EQ(reasm__held_bytes(&r), 0);
	CHECK_EQ(r.held_segments, 0);
	CHECK_EQ(r.next_seq, 77 + 26);
	CHECK_EQ(st.gaps, 2);
	CHECK_EQ(st.gap_bytes, 8);
	reasm__flush(&r, &cfg, deliver, &s); /* idempotent */
	CHECK_EQ(s.nevents, 6);
	feed(&r, &s, 77, 26, 2, orig_buf); /* the stream goes on after a flush */
	CHECK_EQ(s.pos, 28);
	reasm__reset(&r, &cfg);
}

static void test_zero_length(void)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	sink_init(&s);
	init(&r, &big, &st);
	CHECK_EQ(reasm__feed(&r, &cfg, 500, NULL, 0, deliver, &s), 0);
	CHECK(!r.started); /* a keepalive's seq must not start the stream */
	CHECK_EQ(reasm__feed(&r, &cfg, 501, orig_buf, 3, deliver, &s), 0);
	CHECK(r.started);
	CHECK_EQ(r.next_seq, 504);
	CHECK_EQ(reasm__feed(&r, &cfg, 504, orig_buf, 0, deliver, &s), 0);
	CHECK_EQ(reasm__feed(&r, &cfg, 600, orig_buf, 0, deliver, &s), 0);
	CHECK_EQ(reasm__feed(&r, &cfg, 400, orig_buf, 0, deliver, &s), 0);
	CHECK_EQ(s.nevents, 1);
	CHECK_EQ(r.held_segments, 0);
	CHECK_EQ(st.segments, 5);
	CHECK_EQ(st.in_order, 1);
	CHECK_EQ(st.out_of_order + st.retransmitted + st.overlaps, 0);
	reasm__reset(&r, &cfg);
}

static void test_midstream(void)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	sink_init(&s);
	init(&r, &big, &st);
	feed(&r, &s, 90000, 100, 10, orig_buf); /* first thing seen: starts the stream here */
	CHECK(r.started);
	CHECK_EQ(r.next_seq, 90110);
	CHECK_EQ(s.nevents, 1);
	CHECK_EQ(s.ev[0], 10);
	CHECK(s.last_ptr == orig_buf + 100);
	feed(&r, &s, 90000, 50, 10, orig_buf); /* before the pickup point */
	CHECK_EQ(st.retransmitted, 1);
	feed(&r, &s, 90000, 120, 10, orig_buf);
	CHECK_EQ(r.held_segments, 1);
	feed(&r, &s, 90000, 110, 10, orig_buf);
	CHECK_EQ(s.pos, 30);
	CHECK_EQ(memcmp(s.out, orig_buf + 100, 30), 0);
	/* reasm__start later restarts: held data is dropped. */
	feed(&r, &s, 90000, 200, 10, orig_buf);
	CHECK_EQ(r.held_segments, 1);
	reasm__start(&r, &cfg, 1);
	CHECK_EQ(r.held_segments, 0);
	CHECK_EQ(reasm__held_bytes(&r), 0);
	CHECK_EQ(r.next_seq, 1);
	reasm__reset(&r, &cfg);
	CHECK(!r.started);
	CHECK(r.held == NULL);
}

static void test_far_ahead(void)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	start(&r, &s, &big, &st, 0);
	/* Beyond any window (RFC 7323 2.3): not held, not a gap. */
	CHECK_EQ(reasm__feed(&r, &cfg, (1u << 30) + 1, orig_buf, 10, deliver, &s), 0);
	CHECK_EQ(st.refused_bytes, 10);
	CHECK_EQ(r.held_segments, 0);
	CHECK_EQ(s.nevents, 0);
	CHECK_EQ(reasm__feed(&r, &cfg, 1u << 30, orig_buf, 10, deliver, &s), 0);
	CHECK_EQ(r.held_segments, 1);
	CHECK_EQ(st.refused_bytes, 10);
	reasm__reset(&r, &cfg);
}

static uint32_t rng_next(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return (uint32_t)(*st >> 16);
}

/* Random segmentation, reordering, duplication and overlap of a stream; with drops and tight
 * limits every delivered byte must still sit at its right stream offset. */
static void run_random(uint64_t seed, const struct reasm_limits *lim, int drop, uint32_t isn)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;
	struct {
		uint32_t off, len;
	} segs[600];
	int nseg = 0, i, j;
	uint32_t off = 0, total = 4000;
	uint64_t rng = seed;

	while (off < total && nseg < 400) {
		uint32_t len = 1 + rng_next(&rng) % 60;

		if (off + len > total)
			len = total - off;
		segs[nseg].off = off;
		segs[nseg].len = len;
		nseg++;
		off += len;
	}
	/* Extra overlapping retransmissions with fresh boundaries. */
	for (i = 0; i < 150; i++) {
		uint32_t o = rng_next(&rng) % total, l = 1 + rng_next(&rng) % 80;

		segs[nseg].off = o;
		segs[nseg].len = o + l > total ? total - o : l;
		nseg++;
	}
	/* Local reordering: swap within a small window so limits are sometimes hit. */
	for (i = 0; i < nseg; i++) {
		j = i + (int)(rng_next(&rng) % 8);
		if (j < nseg) {
			uint32_t to = segs[i].off, tl = segs[i].len;

			segs[i] = segs[j];
			segs[j].off = to;
			segs[j].len = tl;
		}
	}
	start(&r, &s, lim, &st, isn);
	for (i = 0; i < nseg; i++) {
		if (drop && rng_next(&rng) % 10 == 0)
			continue;
		feed(&r, &s, isn, segs[i].off, segs[i].len, orig_buf);
		CHECK(reasm__held_bytes(&r) <= lim->max_held_bytes);
		CHECK(r.held_segments <= lim->max_held_segments);
	}
	reasm__flush(&r, &cfg, deliver, &s);
	CHECK(!s.overflow);
	CHECK(s.pos <= total);
	for (i = 0; i < (int)s.pos; i++)
		if (s.out[i] != pat(i) && s.out[i] != 0xEE)
			break;
	CHECK_EQ(i, (int)s.pos);
	CHECK_EQ(s.data_bytes + st.gap_bytes, s.pos);
	CHECK_EQ(r.next_seq, isn + s.pos);
	if (!drop) {
		CHECK_EQ(s.pos, total);
		if (lim->max_held_bytes >= total) {
			CHECK_EQ(st.gaps, 0);
			CHECK(stream_matches(&s, 0, total));
		}
	}
	reasm__reset(&r, &cfg);
}

static void test_random_streams(void)
{
	const struct reasm_limits tight = { .max_held_bytes = 120, .max_held_segments = 3 };
	uint64_t seed;

	for (seed = 1; seed <= 200; seed++) {
		run_random(seed * 0x9e3779b97f4a7c15ULL, &big, 0, (uint32_t)(seed * 2654435761u));
		run_random(seed * 0x9e3779b97f4a7c15ULL, &big, 1, 0xffffffffu - 1000);
		run_random(seed * 0x9e3779b97f4a7c15ULL, &tight, 0, 0xfffff000u);
		run_random(seed * 0x9e3779b97f4a7c15ULL, &tight, 1, (uint32_t)seed);
	}
}

static void test_no_stats(void)
{
	struct reasm r;
	struct sink s;

	start(&r, &s, &big, NULL, 0);
	feed(&r, &s, 0, 10, 5, orig_buf);
	feed(&r, &s, 0, 10, 5, orig_buf);
	feed(&r, &s, 0, 0, 12, orig_buf);
	feed(&r, &s, 0, 30, 5, orig_buf);
	reasm__flush(&r, &cfg, deliver, &s);
	CHECK_EQ(s.pos, 35);
	CHECK_EQ(s.data_bytes, 20);
	reasm__reset(&r, &cfg);
}

int main(void)
{
	fill_patterns();
	RUN_TEST(test_in_order);
	RUN_TEST(test_all_permutations);
	RUN_TEST(test_duplicates);
	RUN_TEST(test_retransmission_kept_or_hashed);
	RUN_TEST(test_overlap_shapes_held);
	RUN_TEST(test_overlap_in_order);
	RUN_TEST(test_overlap_held_spanning);
	RUN_TEST(test_wrap);
	RUN_TEST(test_limits_gap);
	RUN_TEST(test_limits_spanning);
	RUN_TEST(test_limits_zero);
	RUN_TEST(test_flush);
	RUN_TEST(test_zero_length);
	RUN_TEST(test_midstream);
	RUN_TEST(test_far_ahead);
	RUN_TEST(test_random_streams);
	RUN_TEST(test_no_stats);
	return CHECK_DONE();
}
