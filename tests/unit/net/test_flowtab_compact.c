// SPDX-License-Identifier: GPL-2.0
/* The compact form of a flow's first direction (flowtab__settle()): what goes in comes back
 * out, what does not fit stays in its block, and eviction sees no difference. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "flowtab_rec.h"

/* The compact form's tests give each direction 24 bytes of "engine" state that packs when its
 * first byte is zero: bytes 1-3 are kept, the rest must be zero too. */
#define TEST_DIR_APP 24

static bool test_dir_pack(const struct flow *f, int side, const void *app,
			  uint8_t out[FLOW_DIR_APP_PACKED])
{
	const uint8_t *b = app;

	(void)f;
	(void)side;
	if (b[0])
		return false;
	for (int i = 1 + FLOW_DIR_APP_PACKED; i < TEST_DIR_APP; i++)
		if (b[i])
			return false;
	memcpy(out, b + 1, FLOW_DIR_APP_PACKED);
	return true;
}

static void test_dir_unpack(const struct flow *f, int side, void *app,
			    const uint8_t in[FLOW_DIR_APP_PACKED])
{
	uint8_t *b = app;

	(void)f;
	(void)side;
	memset(b, 0, TEST_DIR_APP);
	memcpy(b + 1, in, FLOW_DIR_APP_PACKED);
}

static struct flowtab *mktab_compact(uint32_t max, struct recorder *rec)
{
	struct flowtab_opts o = {
		.max_flows = max,
		.app_size = sizeof(int),
		.dir_app_size = TEST_DIR_APP,
		.reasm = { .max_held_bytes = 4096, .max_held_segments = 16 },
		.dir_pack = test_dir_pack,
		.dir_unpack = test_dir_unpack,
		.release = on_release,
		.ctx = rec,
	};

	return recorder_table(rec, &o);
}

/* A client that sent a SYN and a ClientHello and heard nothing: between frames its direction
 * is compact, and read back it is what it was, down to the segments it remembers. */
static void test_compact_round_trip(void)
{
	struct recorder rec;
	struct flowtab *t = mktab_compact(8, &rec);
	struct pkt c = mkpkt4(0x0a000001, 40000, 0x0a000002, 443);
	const struct flowtab_stats *st;
	struct flow *f;
	struct reasm *r;
	const struct reasm *pr;
	uint8_t *app;
	int side;

	if (!t) {
		CHECK(t != NULL);
		return;
	}
	st = flowtab__stats(t);
	f = flowtab__lookup(t, &c, 1, true, &side);
	r = flowtab__dir(t, f, side);
	CHECK_EQ(st->dirs_full, 1);
	reasm__start(r, rec.cfg, 1001);
	r->csum_verified = true;
	CHECK_EQ(reasm__feed(r, rec.cfg, 1001, (const uint8_t *)"hello", 5, count_bytes, &rec), 0);
	CHECK_EQ(reasm__feed(r, rec.cfg, 1006, (const uint8_t *)"world!", 6, count_bytes, &rec), 0);
	app = flow_dir__app(r);
	for (int i = 1; i <= FLOW_DIR_APP_PACKED; i++)
		app[i] = (uint8_t)(0xa0 + i);
	flowtab__settle(t);
	CHECK_EQ(st->dirs_full, 0); /* compact: its block went back */
	CHECK(flowtab__dir_if(t, f, !side) == NULL); /* the other side never sent */
	CHECK_EQ(st->dirs_full, 0);

	pr = flowtab__dir_peek(t, f, side); /* read back, and still compact */
	CHECK_EQ(st->dirs_full, 0);
	CHECK(pr->started && pr->csum_verified);
	CHECK_EQ(pr->next_seq, 1012);
	CHECK_EQ(pr->base_seq, 1001);
	CHECK(pr->held == NULL && pr->rare == NULL);
	r = flowtab__dir(t, f, side); /* to write: a block again, with the same state */
	CHECK_EQ(st->dirs_full, 1);
	CHECK(r != pr && r->next_seq == 1012 && r->recent_len[0] + r->recent_len[1] == 11);
	app = flow_dir__app(r);
	CHECK_EQ(app[0], 0);
	CHECK_EQ(app[1], 0xa1);
	CHECK_EQ(app[FLOW_DIR_APP_PACKED], 0xa0 + FLOW_DIR_APP_PACKED);
	CHECK_EQ(app[FLOW_DIR_APP_PACKED + 1], 0);
	flowtab__settle(t);
	CHECK_EQ(st->dirs_full, 0);

	/* The same bytes again are a plain retransmission; other bytes at the same place are
	 * the ambiguity the remembered segments are there for, compact or not. */
	r = flowtab__dir(t, f, side);
	CHECK_EQ(reasm__feed(r, rec.cfg, 1001, (const uint8_t *)"hello", 5, count_bytes, &rec), 0);
	CHECK_EQ(flowtab__reasm_stats(t)->conflicts, 0);
	flowtab__settle(t);
	CHECK_EQ(st->dirs_full, 0);
	r = flowtab__dir(t, f, side);
	CHECK_EQ(reasm__feed(r, rec.cfg, 1006, (const uint8_t *)"WORLD!", 6, count_bytes, &rec), 0);
	CHECK_EQ(flowtab__reasm_stats(t)->conflicts, 1);
	CHECK(reasm__ambiguities(r)->conflicts == 1);
	flowtab__settle(t);
	CHECK_EQ(st->dirs_full, 1); /* an ambiguity noted: not compact any more */
	flowtab__free(t);
}

/* Segments remembered by where they lie in the kept input (flowtab__keep_input()) stay so
 * through the compact form: a later copy with other bytes is still a conflict. */
static void test_compact_keeps_kept_segments(void)
{
	static const uint8_t input[] = "..hello..world!..";
	struct recorder rec;
	struct flowtab *t = mktab_compact(8, &rec);
	struct pkt c = mkpkt4(0x0a000001, 40002, 0x0a000002, 443);
	struct reasm *r;
	struct flow *f;
	int side;

	if (!t) {
		CHECK(t != NULL);
		return;
	}
	flowtab__keep_input(t, input, sizeof(input));
	f = flowtab__lookup(t, &c, 1, true, &side);
	r = flowtab__dir(t, f, side);
	reasm__start(r, rec.cfg, 1001);
	CHECK_EQ(reasm__feed(r, rec.cfg, 1001, input + 2, 5, count_bytes, &rec), 0);
	CHECK_EQ(reasm__feed(r, rec.cfg, 1006, input + 9, 6, count_bytes, &rec), 0);
	CHECK_EQ(r->recent_kept, 3);
	flowtab__settle(t);
	CHECK_EQ(flowtab__stats(t)->dirs_full, 0);
	CHECK_EQ(flowtab__dir_peek(t, f, side)->recent_kept, 3);
	r = flowtab__dir(t, f, side);
	CHECK_EQ(reasm__feed(r, rec.cfg, 1001, (const uint8_t *)"hello", 5, count_bytes, &rec), 0);
	CHECK_EQ(flowtab__reasm_stats(t)->conflicts, 0);
	CHECK_EQ(reasm__feed(r, rec.cfg, 1006, (const uint8_t *)"world?", 6, count_bytes, &rec), 0);
	CHECK_EQ(flowtab__reasm_stats(t)->conflicts, 1);
	CHECK_EQ(reasm__ambiguities(r)->conflict_seq, 1006);
	flowtab__free(t);
}

/* What does not fit stays in its block: bytes held out of order, engine state dir_pack()
 * refuses; the other side's state is always a block, and the first side compacts beside it. */
static void test_compact_only_when_it_fits(void)
{
	struct recorder rec;
	struct flowtab *t = mktab_compact(8, &rec);
	struct pkt c = mkpkt4(0x0a000001, 40001, 0x0a000002, 443), s = reverse(&c);
	const struct flowtab_stats *st;
	struct flow *f;
	struct reasm *r;
	int side, sside;

	if (!t) {
		CHECK(t != NULL);
		return;
	}
	st = flowtab__stats(t);
	f = flowtab__lookup(t, &c, 1, true, &side);
	r = flowtab__dir(t, f, side);
	reasm__start(r, rec.cfg, 1);
	CHECK_EQ(reasm__feed(r, rec.cfg, 50, (const uint8_t *)"later", 5, count_bytes, &rec), 0);
	flowtab__settle(t);
	CHECK_EQ(st->dirs_full, 1); /* held bytes */
	CHECK_EQ(reasm__feed(flowtab__dir(t, f, side), rec.cfg, 1, (const uint8_t *)"x", 1,
			     count_bytes, &rec),
		 0);
	flowtab__settle(t);
	CHECK_EQ(st->dirs_full, 1); /* the hole is still there */
	reasm__flush(flowtab__dir(t, f, side), rec.cfg, count_bytes, &rec);
	flowtab__settle(t);
	CHECK_EQ(st->dirs_full, 0);

	((uint8_t *)flow_dir__app(flowtab__dir(t, f, side)))[0] = 1;
	flowtab__settle(t);
	CHECK_EQ(st->dirs_full, 1); /* the engine's state does not pack */
	((uint8_t *)flow_dir__app(flowtab__dir(t, f, side)))[0] = 0;
	flowtab__settle(t);
	CHECK_EQ(st->dirs_full, 0);

	/* The server speaks: its side takes a block; the client's, compact until then, is left
	 * alone by a read, and stays in a block once asked for (settle packs only while the other
	 * side has sent nothing). */
	CHECK(flowtab__lookup(t, &s, 2, false, &sside) == f);
	CHECK_EQ(sside, !side);
	reasm__start(flowtab__dir(t, f, sside), rec.cfg, 7000);
	CHECK_EQ(st->dirs_full, 1);
	CHECK_EQ(flowtab__dir_peek(t, f, side)->next_seq, 55); /* "x", then "later" after its gap */
	CHECK_EQ(st->dirs_full, 1); /* a read leaves it compact */
	flowtab__dir(t, f, side);
	CHECK_EQ(st->dirs_full, 2);
	flowtab__settle(t);
	CHECK_EQ(st->dirs_full, 2);
	CHECK_EQ(flowtab__dir_peek(t, f, sside)->next_seq, 7000);
	CHECK_EQ(flowtab__dir_peek(t, f, side)->next_seq, 55);
	flowtab__free(t);
}

/* Eviction, expiry and removal see the same order and the same reassembly state whether a
 * flow's direction is compact or in a block, and every block goes back. */
static void test_compact_eviction(void)
{
	struct recorder rec;
	struct flowtab *t = mktab_compact(3, &rec);
	const struct flowtab_stats *st;
	struct flow *f[4];
	struct pkt p;

	if (!t) {
		CHECK(t != NULL);
		return;
	}
	st = flowtab__stats(t);
	for (int i = 0; i < 3; i++) {
		int side;

		p = mkpkt4(0x0a000001, (uint16_t)(5000 + i), 0x0a000002, 443);
		f[i] = flowtab__lookup(t, &p, 10 + (uint64_t)i, true, &side);
		reasm__start(flowtab__dir(t, f[i], side), rec.cfg, 100);
		CHECK_EQ(reasm__feed(flowtab__dir(t, f[i], side), rec.cfg, 100,
				     (const uint8_t *)"abc", 3, count_bytes, &rec),
			 0);
		/* flow 1 keeps bytes out of order: its direction stays in a block */
		if (i == 1)
			CHECK_EQ(reasm__feed(flowtab__dir(t, f[i], side), rec.cfg, 200,
					     (const uint8_t *)"zz", 2, count_bytes, &rec),
				 0);
		flowtab__settle(t);
	}
	CHECK_EQ(st->dirs_full, 1);
	CHECK_EQ(rec.flushed_bytes, 9); /* "abc" three times, in order */
	/* all three half-open (no payload in the packets that made them): oldest goes first */
	p = mkpkt4(0x0a000001, 5003, 0x0a000002, 443);
	f[3] = flowtab__lookup(t, &p, 20, true, NULL);
	CHECK(f[3] == f[0]);
	CHECK_EQ(rec.n, 1);
	CHECK_EQ(rec.port0[0], 5000);
	p = mkpkt4(0x0a000001, 5004, 0x0a000002, 443);
	flowtab__lookup(t, &p, 21, true, NULL);
	CHECK_EQ(rec.n, 2);
	CHECK_EQ(rec.port0[1], 5001);
	CHECK_EQ(rec.held_seen, 1); /* the release saw flow 1's held segment */
	CHECK_EQ(rec.flushed_bytes, 9 + 2); /* ... and flushed it */
	CHECK_EQ(st->dirs_full, 0);
	flowtab__free(t);
	CHECK_EQ(rec.n, 5);
}

int main(void)
{
	RUN_TEST(test_compact_round_trip);
	RUN_TEST(test_compact_keeps_kept_segments);
	RUN_TEST(test_compact_only_when_it_fits);
	RUN_TEST(test_compact_eviction);
	return CHECK_DONE();
}
