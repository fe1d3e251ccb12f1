/* run_workers (`tlsmon run --workers N`): the handshakes a worker reports in one batch are
 * followed by one batch-end call, where the daemon writes their log lines in one write(), not
 * one write a line. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmd/run_workers.h"
#include "verdict/engine_script.h"
#include "verdict/policy.h"

enum { FLOWS = 40, WORKERS = 2, FRAMES_PER_FLOW = 4 };

struct seen {
	struct run_workers *rw;
	int handshakes; /* on_handshake calls */
	int pending; /* handshakes since the last batch end: what the daemon's log holds unwritten */
	int batch_ends;
};

static void on_handshake(void *ctx, struct handshake *hs, const struct tlsmon_flow_key *key,
			 const struct engine_frames *frames)
{
	struct seen *s = ctx;
	bool entered;

	(void)hs, (void)key, (void)frames;
	/* called without the lock: the daemon's callback takes it for what it shares */
	entered = run_workers__enter(s->rw);
	s->handshakes++;
	s->pending++;
	run_workers__leave(s->rw, entered);
}

static void on_batch_end(void *ctx)
{
	struct seen *s = ctx;

	s->batch_ends++;
	s->pending = 0;
}

/* Every flow's frames reach the workers while the lock is held (as the daemon holds it for its
 * loop's work), so the handshakes they decide wait for it and then come in one run per worker:
 * one batch end each, not one per handshake. */
static void test_one_batch_end_per_batch(void)
{
	static uint8_t pkts[FLOWS * FRAMES_PER_FLOW][40 + sizeof(((struct buf *)0)->b)];
	struct buf c1 = { .n = 0 }, s1 = { .n = 0 }, c2 = { .n = 0 }, s2 = { .n = 0 };
	struct seen seen = { 0 };
	struct policy *pol = policy__new();
	struct engine_opts eo = { .policy = pol, .on_handshake = on_handshake, .ctx = &seen };
	struct run_workers *rw;
	char err[256] = "";
	uint64_t number = 0;

	CHECK(pol != NULL);
	established_flights(&c1, &s1, &c2, &s2);
	rw = run_workers__new(&eo, WORKERS, err, sizeof(err));
	CHECK(rw != NULL);
	if (!rw) {
		policy__free(pol);
		return;
	}
	seen.rw = rw;
	run_workers__on_batch_end(rw, on_batch_end);
	CHECK_EQ(run_workers__start(rw, err, sizeof(err)), 0);
	run_workers__lock(rw);
	for (uint16_t i = 0; i < FLOWS; i++) {
		const struct buf *order[FRAMES_PER_FLOW] = { &c1, &s1, &c2, &s2 };
		uint32_t seq[2] = { 1000, 50000 };

		for (int k = 0; k < FRAMES_PER_FLOW; k++) {
			bool from_server = k % 2;
			uint8_t *pkt = pkts[i * FRAMES_PER_FLOW + k];
			struct frame f;

			tcp4_frame(pkt, &f, (uint16_t)(40000 + i), from_server, seq[from_server],
				   seq[!from_server], order[k], ++number);
			seq[from_server] += (uint32_t)order[k]->n;
			/* with the lock held: the rings (2 MiB each) hold all of it */
			run_workers__feed(rw, &f);
		}
	}
	run_workers__wake(rw);
	run_workers__unlock(rw);
	run_workers__stop(rw);
	CHECK_EQ(seen.handshakes, FLOWS);
	CHECK_EQ(seen.pending, 0); /* every line was written */
	/* one per worker that had flows (the seeded shard decides how many), and none from a
	 * worker that reported nothing: a worker blocked on the lock in its first handshake finds
	 * every later frame fed when it goes on */
	CHECK(seen.batch_ends >= 1 && seen.batch_ends <= WORKERS);
	run_workers__free(rw);
	policy__free(pol);
}

int main(void)
{
	RUN_TEST(test_one_batch_end_per_batch);
	return CHECK_DONE();
}
