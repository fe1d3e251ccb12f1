// SPDX-License-Identifier: GPL-2.0
/* What reassembly takes from the Linux receiver beyond ordering (net/reasm.h): a delivered
 * segment's later copy with other bytes, urgent bytes, bad-checksum copies the receiver's ACK
 * proves it had. */
#include "reasm_sink.h"

/* A second copy of a delivered segment: the host kept the first, the other bytes are noted. */
static void test_retransmission_conflict(void)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	start(&r, &s, &big, &st, 100);
	feed(&r, &s, 100, 0, 10, orig_buf);
	feed(&r, &s, 100, 10, 10, orig_buf);
	feed(&r, &s, 100, 0, 10, orig_buf); /* the same bytes again: nothing to say */
	CHECK_EQ(reasm__ambiguities(&r)->conflicts, 0);
	feed(&r, &s, 100, 10, 10, alt_buf);
	CHECK_EQ(reasm__ambiguities(&r)->conflicts, 1);
	CHECK_EQ(reasm__ambiguities(&r)->conflict_seq, 110);
	CHECK_EQ(st.conflicts, 1);
	CHECK_EQ(st.retransmitted, 2);
	CHECK_EQ(s.pos, 20);
	CHECK(stream_matches(&s, 0, 20)); /* the first copy stays */
	reasm__reset(&r, &cfg);
}

/* Every flow carries two directions: the ambiguities' state is allocated at the first one, so a
 * stream read one way only (a flood's ClientHello, retransmitted as is) never pays for it. */
static void test_rare_state_on_demand(void)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	CHECK_EQ(sizeof(struct reasm), 48);
	start(&r, &s, &big, &st, 100);
	feed(&r, &s, 100, 0, 10, orig_buf);
	feed(&r, &s, 100, 20, 10, orig_buf); /* held, then filled */
	feed(&r, &s, 100, 10, 10, orig_buf);
	feed(&r, &s, 100, 0, 10, orig_buf); /* the same bytes again */
	CHECK_EQ(s.pos, 30);
	CHECK(!r.rare);
	CHECK_EQ(reasm__ambiguities(&r)->conflicts, 0);
	feed(&r, &s, 100, 0, 10, alt_buf); /* other bytes: now it is needed */
	CHECK(r.rare);
	CHECK_EQ(reasm__ambiguities(&r)->conflicts, 1);
	CHECK_EQ(st.rare_alloc_failures, 0);
	reasm__reset(&r, &cfg); /* frees it (LeakSanitizer) */
	CHECK(!r.rare);
}

static void test_urgent_and_suspect(void)
{
	struct reasm_stats st = { 0 };
	struct reasm r;
	struct sink s;

	/* The urgent byte at offset 5 leaves the stream (SO_OOBINLINE off). */
	start(&r, &s, &big, &st, 0);
	reasm__urgent(&r, &cfg, 5);
	feed(&r, &s, 0, 0, 10, orig_buf);
	CHECK_EQ(s.pos, 9);
	CHECK_EQ(reasm__ambiguities(&r)->urgents, 1);
	CHECK_EQ(reasm__ambiguities(&r)->urgent_seq, 5);
	CHECK(s.out[4] == pat(4) && s.out[5] == pat(6));
	reasm__urgent(&r, &cfg, 3); /* already delivered: nothing */
	CHECK(!reasm__ambiguities(&r)->urg_pending);
	reasm__reset(&r, &cfg);

	/* A bad-checksum copy is not data, until the receiver's ACK shows it had those bytes. */
	start(&r, &s, &big, &st, 0);
	reasm__suspect(&r, &cfg, 0, orig_buf, 10);
	CHECK_EQ(s.pos, 0);
	reasm__acked(&r, &cfg, 6, deliver, &s);
	CHECK_EQ(s.pos, 6);
	CHECK_EQ(reasm__ambiguities(&r)->suspects, 1);
	feed(&r, &s, 0, 6, 10, orig_buf); /* a good copy of the rest */
	reasm__acked(&r, &cfg, 16, deliver, &s);
	CHECK_EQ(s.pos, 16);
	CHECK_EQ(reasm__ambiguities(&r)->suspects, 1);
	CHECK(!reasm__has_suspects(&r)); /* spent copies are freed */
	CHECK(stream_matches(&s, 0, 16));
	reasm__reset(&r, &cfg);
	CHECK_EQ(st.held_bytes, 0); /* every held and suspect byte was given back */
}

int main(void)
{
	fill_patterns();
	RUN_TEST(test_retransmission_conflict);
	RUN_TEST(test_rare_state_on_demand);
	RUN_TEST(test_urgent_and_suspect);
	return CHECK_DONE();
}
