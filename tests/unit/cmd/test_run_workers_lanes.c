/* run_workers's lanes: worker 0, which also reads the kernel's ring buffer and deals, gets one
 * lane fewer than the others (4 of 9 with 2 workers), every flow stays on one worker, and each
 * handshake's callback knows its worker (run_workers__self()). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmd/run_workers.h"
#include "verdict/engine_script.h"
#include "verdict/policy.h"

enum { FLOWS = 4500, WORKERS = 2, FRAMES_PER_FLOW = 4 };

struct tally {
	struct run_workers *rw;
	int by_worker[WORKERS];
	int bad_self;
};

static void on_handshake(void *ctx, struct handshake *hs, const struct tlsmon_flow_key *key,
			 const struct engine_frames *frames)
{
	struct tally *t = ctx;
	uint32_t self = run_workers__self();
	bool entered;

	(void)hs, (void)key, (void)frames;
	entered = run_workers__enter(t->rw);
	if (self < WORKERS)
		t->by_worker[self]++;
	else
		t->bad_self++;
	run_workers__leave(t->rw, entered);
}

static void test_worker0_fewer_lanes(void)
{
	static uint8_t pkt[40 + sizeof(((struct buf *)0)->b)];
	static struct buf c1, s1, c2, s2;
	struct tally t = { 0 };
	struct policy *pol = policy__new();
	struct engine_opts eo = { .policy = pol, .on_handshake = on_handshake, .ctx = &t };
	char err[256] = "";
	uint64_t number = 0;
	double share;

	CHECK(pol != NULL);
	established_flights(&c1, &s1, &c2, &s2);
	t.rw = run_workers__new(&eo, WORKERS, err, sizeof(err));
	CHECK(t.rw != NULL);
	if (!t.rw) {
		policy__free(pol);
		return;
	}
	CHECK_EQ(run_workers__start(t.rw, err, sizeof(err)), 0);
	for (uint16_t i = 0; i < FLOWS; i++) {
		const struct buf *order[FRAMES_PER_FLOW] = { &c1, &s1, &c2, &s2 };
		uint32_t seq[2] = { 1000, 50000 };

		for (int k = 0; k < FRAMES_PER_FLOW; k++) {
			bool from_server = k % 2;
			struct frame f;

			/* the frame is copied into the worker's ring: one buffer will do */
			tcp4_frame(pkt, &f, (uint16_t)(20000 + i), from_server, seq[from_server],
				   seq[!from_server], order[k], ++number);
			seq[from_server] += (uint32_t)order[k]->n;
			run_workers__feed(t.rw, &f);
		}
		run_workers__wake(t.rw);
	}
	run_workers__stop(t.rw);
	/* every flow's frames reached one engine: each decided its handshake */
	CHECK_EQ(t.by_worker[0] + t.by_worker[1], FLOWS);
	CHECK_EQ(t.bad_self, 0);
	share = (double)t.by_worker[0] / FLOWS;
	/* 4 lanes of 9: 0.444, give or take 0.03 (4 standard deviations); an even split would be
	 * 0.5 */
	CHECK(share > 0.444 - 0.03 && share < 0.444 + 0.03);
	run_workers__free(t.rw);
	policy__free(pol);
}

int main(void)
{
	RUN_TEST(test_worker0_fewer_lanes);
	return CHECK_DONE();
}
