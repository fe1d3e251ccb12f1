// SPDX-License-Identifier: GPL-2.0
/* The resume memo shared by `read -j N` workers: notes take effect in frame order, not in the
 * order the threads made them; a lookup sees exactly the notes of earlier frames and waits for
 * the frontier (every thread past the earlier frames); the queue is trimmed below the frontier. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "verdict/resume_memo_shared.h"
#include "tls/tls_names.h"

#define NS 1000000000ull

static struct x509_info leaf_a, leaf_b;

static void mk(struct handshake *hs, uint64_t ts_s, const struct x509_info *leaf)
{
	memset(hs, 0, sizeof(*hs));
	hs->family = 4;
	hs->server_addr[0] = 10;
	hs->server_addr[3] = 1;
	hs->server_port = 443;
	hs->has_client_hello = true;
	hs->start_ts_ns = ts_s * NS;
	hs->has_server_hello = true;
	hs->version = hs->sh.version = TLS_VERSION_TLS12;
	hs->outcome = HS_OUTCOME_ESTABLISHED;
	if (leaf) {
		hs->has_certificate = true;
		hs->n_certs = 1;
		hs->certs[0] = leaf;
	} else {
		hs->resumption = HS_RESUMED_SESSION_ID;
	}
}

static _Atomic uint64_t frontier_now;

static uint64_t frontier(void *ctx)
{
	(void)ctx;
	return atomic_load(&frontier_now);
}

/* A thread ahead noted frame 30 before the lookup at frame 20: the lookup sees frame 10's. */
static void test_lookup_sees_earlier_frames_only(void)
{
	struct resume_memo_shared *s = resume_memo_shared__new(8, 1, frontier, NULL);
	struct handshake full, res;

	atomic_store(&frontier_now, UINT64_MAX);
	mk(&full, 100, &leaf_a);
	resume_memo_shared__note_chain(s, 0, &full, 10);
	mk(&full, 300, &leaf_b);
	resume_memo_shared__note_chain(s, 0, &full, 30);
	mk(&res, 400, NULL);
	resume_memo_shared__lookup(s, &res, 20);
	CHECK(res.has_chain_from);
	CHECK_EQ(res.chain_from_ts_ns, 100 * NS);
	CHECK_EQ(res.chain_from_leaf_sha256[0], 'a');
	resume_memo_shared__lookup(s, &res, 40);
	CHECK_EQ(res.chain_from_ts_ns, 300 * NS);
	CHECK_EQ(res.chain_from_leaf_sha256[0], 'b');
	resume_memo_shared__free(s);
}

/* Notes made out of frame order: the later frame's stands. */
static void test_notes_applied_in_frame_order(void)
{
	struct resume_memo_shared *s = resume_memo_shared__new(8, 1, frontier, NULL);
	struct handshake full, res;

	atomic_store(&frontier_now, UINT64_MAX);
	mk(&full, 300, &leaf_b);
	resume_memo_shared__note_chain(s, 0, &full, 30);
	mk(&full, 250, &leaf_a);
	resume_memo_shared__note_chain(s, 0, &full, 25);
	mk(&res, 400, NULL);
	resume_memo_shared__lookup(s, &res, 50);
	CHECK_EQ(res.chain_from_ts_ns, 300 * NS);
	/* nothing before frame 5: none */
	resume_memo_shared__free(s);
	s = resume_memo_shared__new(8, 1, frontier, NULL);
	resume_memo_shared__note_chain(s, 0, &full, 30);
	resume_memo_shared__lookup(s, &res, 5);
	CHECK(!res.has_chain_from);
	resume_memo_shared__free(s);
}

struct late {
	struct resume_memo_shared *s;
	_Atomic int done;
};

/* The thread behind: notes frame 10, then moves the frontier past frame 20. */
static void *behind(void *arg)
{
	struct late *l = arg;
	struct handshake full;
	struct timespec ts = { .tv_nsec = 20 * 1000000 };

	nanosleep(&ts, NULL);
	mk(&full, 100, &leaf_a);
	resume_memo_shared__note_chain(l->s, 0, &full, 10);
	atomic_store(&frontier_now, 21);
	atomic_store(&l->done, 1);
	return NULL;
}

/* A lookup at frame 20 waits for the thread still before frame 10's note. */
static void test_lookup_waits_for_frontier(void)
{
	struct late l = { .s = resume_memo_shared__new(8, 1, frontier, NULL) };
	struct handshake res;
	pthread_t t;

	atomic_store(&frontier_now, 5);
	CHECK_EQ(pthread_create(&t, NULL, behind, &l), 0);
	mk(&res, 400, NULL);
	resume_memo_shared__lookup(l.s, &res, 20);
	CHECK_EQ(atomic_load(&l.done), 1);
	CHECK(res.has_chain_from);
	CHECK_EQ(res.chain_from_ts_ns, 100 * NS);
	pthread_join(t, NULL);
	resume_memo_shared__free(l.s);
}

/* Thousands of notes with the frontier following: all kept in order, the last one stands. */
static void test_many_notes_trimmed(void)
{
	struct resume_memo_shared *s = resume_memo_shared__new(8, 1, frontier, NULL);
	struct handshake full, res;

	for (uint64_t i = 1; i <= 5000; i++) {
		atomic_store(&frontier_now, i);
		mk(&full, i, i % 2 ? &leaf_a : &leaf_b);
		resume_memo_shared__note_chain(s, 0, &full, i);
	}
	atomic_store(&frontier_now, UINT64_MAX);
	mk(&res, 9000, NULL);
	resume_memo_shared__lookup(s, &res, 6000);
	CHECK_EQ(res.chain_from_ts_ns, 5000 * NS);
	CHECK_EQ(res.chain_from_leaf_sha256[0], 'b');
	resume_memo_shared__free(s);
}

/* Two callers (two workers), each queueing its own frames: the lookup merges them by frame
 * (taken queue by queue, frame 20's note would stand). */
static void test_callers_merged_in_frame_order(void)
{
	struct resume_memo_shared *s = resume_memo_shared__new(8, 2, frontier, NULL);
	struct handshake full, res;

	atomic_store(&frontier_now, UINT64_MAX);
	mk(&full, 100, &leaf_a);
	resume_memo_shared__note_chain(s, 0, &full, 10);
	mk(&full, 300, &leaf_a);
	resume_memo_shared__note_chain(s, 0, &full, 30);
	mk(&full, 200, &leaf_b);
	resume_memo_shared__note_chain(s, 1, &full, 20);
	mk(&res, 400, NULL);
	resume_memo_shared__lookup(s, &res, 40);
	CHECK_EQ(res.chain_from_ts_ns, 300 * NS);
	CHECK_EQ(res.chain_from_leaf_sha256[0], 'a');
	resume_memo_shared__free(s);
}

/* A caller's queue wraps around its ring, grows while the frontier stands still, and takes a
 * note of an earlier frame (a reassembled IP fragment) in its place: each lookup still sees
 * the last note before its frame. Frames 2, 4, .. 1200 and then 599 (chain b). */
static void test_queue_wraps_grows_and_inserts(void)
{
	struct resume_memo_shared *s = resume_memo_shared__new(8, 1, frontier, NULL);
	struct handshake full, res;

	for (uint64_t f = 2; f <= 1200; f += 2) {
		/* applied as it goes up to frame 400, then held (frontier at 400) */
		atomic_store(&frontier_now, f < 400 ? f : 400);
		mk(&full, f, &leaf_a);
		resume_memo_shared__note_chain(s, 0, &full, f);
	}
	mk(&full, 599, &leaf_b);
	resume_memo_shared__note_chain(s, 0, &full, 599);
	atomic_store(&frontier_now, UINT64_MAX);
	mk(&res, 9000, NULL);
	resume_memo_shared__lookup(s, &res, 401);
	CHECK_EQ(res.chain_from_ts_ns, 400 * NS);
	resume_memo_shared__lookup(s, &res, 600);
	CHECK_EQ(res.chain_from_ts_ns, 599 * NS);
	CHECK_EQ(res.chain_from_leaf_sha256[0], 'b');
	resume_memo_shared__lookup(s, &res, 601);
	CHECK_EQ(res.chain_from_ts_ns, 600 * NS);
	CHECK_EQ(res.chain_from_leaf_sha256[0], 'a');
	resume_memo_shared__lookup(s, &res, UINT64_MAX);
	CHECK_EQ(res.chain_from_ts_ns, 1200 * NS);
	resume_memo_shared__free(s);
}

/* Two threads deal frames 1..N between them (odd, even), note each, and keep the frontier as
 * read -j does (the lower of their positions); each also looks up at every 97th frame and
 * must see the frame just before it. Run in parallel, without the lock on the notes. */
#define RACE_FRAMES 200000
struct racer {
	struct resume_memo_shared *s;
	uint32_t id;
	_Atomic uint64_t *at; /* both positions */
	uint64_t wrong;
};

static uint64_t race_frontier(void *ctx)
{
	_Atomic uint64_t *at = ctx;
	uint64_t a = atomic_load(&at[0]), b = atomic_load(&at[1]);

	return a < b ? a : b;
}

static void *race(void *arg)
{
	struct racer *r = arg;
	struct handshake full, res;

	for (uint64_t f = 1; f <= RACE_FRAMES; f++) {
		atomic_store(&r->at[r->id], f);
		if (f % 2 != r->id)
			continue;
		if (f % 97 == 0) {
			mk(&res, 0, NULL);
			resume_memo_shared__lookup(r->s, &res, f);
			r->wrong += !res.has_chain_from || res.chain_from_ts_ns != (f - 1) * NS;
		} else {
			mk(&full, f, &leaf_a);
			resume_memo_shared__note_chain(r->s, r->id, &full, f);
		}
	}
	atomic_store(&r->at[r->id], UINT64_MAX);
	return NULL;
}

static void test_two_threads_race(void)
{
	_Atomic uint64_t at[2] = { 0, 0 };
	struct resume_memo_shared *s = resume_memo_shared__new(8, 2, race_frontier, at);
	struct racer r[2] = { { s, 0, at, 0 }, { s, 1, at, 0 } };
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, race, &r[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(r[0].wrong, 0);
	CHECK_EQ(r[1].wrong, 0);
	resume_memo_shared__free(s);
}

int main(void)
{
	memset(leaf_a.sha256_hex, 'a', 64);
	memset(leaf_b.sha256_hex, 'b', 64);
	RUN_TEST(test_lookup_sees_earlier_frames_only);
	RUN_TEST(test_notes_applied_in_frame_order);
	RUN_TEST(test_lookup_waits_for_frontier);
	RUN_TEST(test_many_notes_trimmed);
	RUN_TEST(test_callers_merged_in_frame_order);
	RUN_TEST(test_queue_wraps_grows_and_inserts);
	RUN_TEST(test_two_threads_race);
	return CHECK_DONE();
}
