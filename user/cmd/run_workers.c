// SPDX-License-Identifier: GPL-2.0
/* The daemon's worker threads (run_workers.h). Worker 0 is the daemon's own thread: the thread
 * that drains the kernel's ring buffer feeds the flows of worker 0 to that engine itself and
 * deals only the others' frames, so N workers are N busy threads, not N + 1 on N cores (with a
 * thread that only dealt, 2 workers drained a ring buffer slower than 1 on the 2-core VM:
 * bench/README.md, "run --workers"). A worker that finds its ring empty spins a little,
 * then sleeps on a condition variable until the dealer wakes it, so an idle daemon does not wake
 * up thousands of times a second. The dealer that finds a worker's ring full sleeps the same way
 * until that worker has emptied half of it. */
#include "cmd/run_workers.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "net/shard.h"
#include "net/shard_frags.h"
#include "util/spsc_ring.h"
#include "verdict/resume_memo_shared.h"

/* Per worker: 2 MiB holds over a thousand full-size frames, a few ms of a busy link; the
 * kernel's ring buffer in front of it is the buffer that absorbs bursts. */
#define RING_BYTES (2u << 20)
/* Empty-ring polls (yields) before a worker sleeps. */
#define IDLE_SPINS 16

/* A record in a worker's ring: a struct frame_hdr whose tag is the kind. */
enum rec_kind {
	REC_FRAME = 0, /* then caplen bytes */
	REC_TICK = 1, /* engine__tick(ts_ns) */
	REC_END = 2, /* engine__finish() and end the thread */
};

struct run_workers;

/* The daemon's thread holds rw->lock (run_workers__lock()): worker 0's callbacks, which run on
 * that thread, then take it no second time (an engine__tick() called with the lock held). */
static __thread bool holds_lock;
/* Which worker this thread is (run_workers__self()): 0 on the daemon's own thread. */
static __thread uint32_t self_index;

/* Worker 0 also reads the kernel's ring buffer and deals the other workers' frames: about a
 * fifth of a worker's work in workers_drain.sh (thread CPU 0.50 s against 0.41 s with equal
 * shares). So the flows are sharded into lanes, worker 0 taking one fewer than the others and
 * its limits scaled alike, and under load all finish at about the same time: with 2 workers (4
 * lanes of 9 to worker 0) a 60,000-handshake drain took 0.531 s instead of 0.566 (medians of 6
 * alternating rounds). */
#define LANES_PER_WORKER 5

static uint32_t lanes_of(uint32_t worker)
{
	return worker ? LANES_PER_WORKER : LANES_PER_WORKER - 1;
}

/* A limit for the whole process, worker i's part of it (at least 1); 0 stays 0 (the default). */
static uint64_t share_of(uint64_t total, uint32_t i, uint32_t lanes)
{
	uint64_t part = total * lanes_of(i) / lanes;

	return total && !part ? 1 : part;
}

struct worker {
	struct run_workers *rw;
	pthread_t tid;
	bool started;
	struct engine *e;
	struct spsc_ring ring;
	pthread_mutex_t wake_lock;
	pthread_cond_t wake;
	_Atomic int sleeping;
	pthread_cond_t room; /* the dealer waits on it for room in the ring (with wake_lock) */
	_Atomic int dealer_waiting;
	bool fed; /* dealer only: records committed since the last wake() */
	bool reported; /* worker only: handshakes reported since its last batch_end() */
};

struct run_workers {
	struct engine_opts user; /* the daemon's callbacks and ctx */
	void (*on_batch_end)(void *ctx); /* run_workers__on_batch_end() */
	pthread_mutex_t lock;
	_Atomic bool held; /* a hint for spinning on lock (see lock()) */
	uint32_t n;
	uint32_t lanes; /* the shard's buckets (net/shard.h), worker 0's first */
	uint8_t lane_worker[RUN_MAX_WORKERS * LANES_PER_WORKER];
	struct resume_memo_shared *memo;
	struct shard_frags *frags; /* IP fragments to their flow's worker (copies: live frames) */
	/* run_workers__stats(): the sums */
	struct engine_stats engine;
	struct flowtab_stats flows;
	struct reasm_stats reasm;
	struct tls_stats tls;
	struct x509_cache_stats x509;
	struct x509_trust_stats trust;
	struct worker w[RUN_MAX_WORKERS];
};

/* Live frames come in no global order the engines could wait for: a resumed handshake finds
 * whatever full chain was noted before it. */
static uint64_t no_frontier(void *ctx)
{
	(void)ctx;
	return UINT64_MAX;
}

/* A pause in a spin-wait: lets the other hyperthread run and keeps the loop off the bus. */
static inline void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* How many pauses a callback spins on a held lock before it sleeps on it: 15-200 us, as a pause
 * takes 10-140 cycles by CPU model; longer than the callbacks' own turns under it (a few us). */
#define LOCK_SPIN_PAUSES 4096

/* The lock around a callback, unless this thread holds it already (worker 0 under
 * run_workers__tick()). Each handshake takes it two or three times (its facts; its verdict's
 * shared part; its flagged entry and log line), from every worker; a worker that slept on it
 * at once (futex) cost a wake-up by system call and an inter-processor interrupt per meeting:
 * with 2 workers the threads switched about 9,000 times each in a 60,000-handshake drain, and
 * futex wake and wait held a quarter of the samples. The turns under it are short, so a worker
 * spins first; it sleeps only when the daemon's thread holds the lock for long (a scrape, a
 * tick). */
static bool lock(struct run_workers *rw)
{
	if (holds_lock)
		return false;
	/* held is only read while spinning: a try of the mutex would take its cache line from the
	 * holder, which then waits for it to let go */
	for (unsigned i = 0; i < LOCK_SPIN_PAUSES; i++) {
		if (!atomic_load_explicit(&rw->held, memory_order_relaxed) &&
		    !pthread_mutex_trylock(&rw->lock))
			goto taken;
		spin_pause();
	}
	pthread_mutex_lock(&rw->lock);
taken:
	atomic_store_explicit(&rw->held, true, memory_order_relaxed);
	holds_lock = true;
	return true;
}

static void unlock_if(struct run_workers *rw, bool locked)
{
	if (!locked)
		return;
	holds_lock = false;
	atomic_store_explicit(&rw->held, false, memory_order_relaxed);
	pthread_mutex_unlock(&rw->lock);
}

/* Not under rw->lock: the daemon's callback takes it (run_workers__enter()) for what it shares,
 * and builds the JSON line and the flagged store's entry without it. */
static void on_handshake(void *ctx, struct handshake *hs, const struct tlsmon_flow_key *key,
			 const struct engine_frames *frames)
{
	struct worker *w = ctx;
	struct run_workers *rw = w->rw;

	rw->user.on_handshake(rw->user.ctx, hs, key, frames);
	w->reported = true;
}

/* The end of what w had to do for now (its ring ran empty, or it stops): what its handshakes
 * left to write goes out together. */
static void batch_end(struct worker *w)
{
	struct run_workers *rw = w->rw;
	bool locked;

	if (!w->reported || !rw->on_batch_end)
		return;
	w->reported = false;
	locked = lock(rw);
	rw->on_batch_end(rw->user.ctx);
	unlock_if(rw, locked);
}

/* Not under rw->lock: the daemon's on_flow_done() marks the kernel's entry done with two bpf()
 * calls on map descriptors, which the kernel serialises itself, and shares nothing else. Under
 * the lock those system calls, one pair a flow, were what the other worker waited on. The
 * descriptors outlive every call: the daemon closes them only after run_workers__drain(), when
 * no worker has a record left to feed. */
static void on_flow_done(void *ctx, const struct tlsmon_flow_key *key)
{
	struct run_workers *rw = ((struct worker *)ctx)->rw;

	rw->user.on_flow_done(rw->user.ctx, key);
}

static void on_facts(void *ctx, struct handshake *hs)
{
	struct run_workers *rw = ((struct worker *)ctx)->rw;
	bool locked = lock(rw);

	rw->user.on_facts(rw->user.ctx, hs);
	unlock_if(rw, locked);
}

/* One side of w's ring sleeps on cv until the other signals it, or timeout_ns: flag is set before
 * the ring is looked at again (still_wait()), and the other side looks at flag after it moved
 * the ring (both sequentially consistent), so one of the two sees the other. The timeout is only
 * a safety net, for a signal missed all the same. */
static void sleep_on(struct worker *w, pthread_cond_t *cv, _Atomic int *flag,
		     bool (*still_wait)(struct worker *w), long timeout_ns)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += timeout_ns;
	until.tv_sec += until.tv_nsec / 1000000000;
	until.tv_nsec %= 1000000000;
	pthread_mutex_lock(&w->wake_lock);
	atomic_store(flag, 1);
	atomic_thread_fence(memory_order_seq_cst);
	if (still_wait(w))
		pthread_cond_timedwait(cv, &w->wake_lock, &until);
	atomic_store(flag, 0);
	pthread_mutex_unlock(&w->wake_lock);
}

static bool ring_empty(struct worker *w)
{
	uint32_t len;

	return !spsc_ring__peek(&w->ring, &len);
}

/* More than half of w's ring is taken (the dealer waits for room until it is not). */
static bool ring_over_half(struct worker *w)
{
	return atomic_load_explicit(&w->ring.head, memory_order_relaxed) -
		       atomic_load(&w->ring.tail) >
	       w->ring.size / 2;
}

/* Sleep until the dealer commits a record (wake()). */
static void sleep_until_fed(struct worker *w)
{
	sleep_on(w, &w->wake, &w->sleeping, ring_empty, 1000000000L);
}

/* The dealer waits for room in w's ring (wait_for_room()): wake it once half the ring is free,
 * so that it comes back to a batch of room, not to one record's. */
static void room_made(struct worker *w)
{
	if (ring_over_half(w))
		return;
	pthread_mutex_lock(&w->wake_lock);
	atomic_store(&w->dealer_waiting, 0);
	pthread_cond_signal(&w->room);
	pthread_mutex_unlock(&w->wake_lock);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned idle = 0;

	self_index = (uint32_t)(w - w->rw->w);

	for (;;) {
		const struct frame_hdr *r;
		uint32_t len;

		r = spsc_ring__peek(&w->ring, &len);
		if (!r) {
			if (atomic_load_explicit(&w->dealer_waiting, memory_order_relaxed))
				room_made(w);
			batch_end(w);
			if (++idle < IDLE_SPINS) {
				sched_yield();
			} else {
				sleep_until_fed(w);
				idle = 0;
			}
			continue;
		}
		idle = 0;
		if (r->tag == REC_END) {
			spsc_ring__release(&w->ring);
			break;
		}
		if (r->tag == REC_TICK) {
			engine__tick(w->e, r->ts_ns);
		} else {
			struct frame f = frame_hdr__frame(r, (const uint8_t *)(r + 1));

			engine__feed(w->e, &f);
		}
		/* after the record's work: run_workers__drain() waits for this */
		spsc_ring__release(&w->ring);
		if (atomic_load_explicit(&w->dealer_waiting, memory_order_relaxed))
			room_made(w);
	}
	engine__finish(w->e);
	batch_end(w);
	return NULL;
}

/* Wake w if it sleeps and was fed. The dealer's commit comes before its look at sleeping
 * (the fence), the worker's sleeping = 1 before its look at the ring: one sees the other. */
static void wake(struct worker *w)
{
	if (!w->fed)
		return;
	w->fed = false;
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load(&w->sleeping)) {
		pthread_mutex_lock(&w->wake_lock);
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->wake_lock);
	}
}

/* The dealer, w's ring full: sleep until w has emptied half of it (room_made()). Backing off
 * with growing sleeps instead (spsc_ring__backoff()) kept the dealer asleep up to a millisecond
 * after room was made, while the other workers ran dry and slept too: draining a ring buffer of
 * 60,000 handshakes, 2 workers on the 2-core VM took 2.3 s where 1 took 0.9 (bench/README.md,
 * "run --workers"). Should the worker miss dealer_waiting (it read the flag before the store
 * was seen, then ran dry), the timeout of 1 ms ends the wait. */
static void wait_for_room(struct worker *w)
{
	sleep_on(w, &w->room, &w->dealer_waiting, ring_over_half, 1000000L);
}

/* The record into w's ring; when it is full, waits (wait) or gives up. Returns false when it
 * gave up. The worker is woken by run_workers__wake(), once per batch of frames rather than
 * once a frame, or here before waiting for room. */
static bool push(struct worker *w, const struct frame_hdr *h, const uint8_t *data, bool wait)
{
	uint32_t len = (uint32_t)sizeof(*h) + (data ? h->caplen : 0);
	uint8_t *p;

	while (!(p = spsc_ring__reserve(&w->ring, len))) {
		if (!wait)
			return false;
		wake(w);
		wait_for_room(w);
	}
	memcpy(p, h, sizeof(*h));
	if (data)
		memcpy(p + sizeof(*h), data, h->caplen);
	spsc_ring__commit(&w->ring);
	w->fed = true;
	return true;
}

void run_workers__wake(struct run_workers *rw)
{
	if (!rw)
		return;
	for (uint32_t i = 0; i < rw->n; i++)
		wake(&rw->w[i]);
}

struct run_workers *run_workers__new(const struct engine_opts *eo, uint32_t n, char *err,
				     size_t err_size)
{
	struct run_workers *rw;
	struct engine_opts weo = *eo;
	struct flow_hash_key seed;

	if (n < 2 || n > RUN_MAX_WORKERS) {
		snprintf(err, err_size, "--workers: expected 1..%d", RUN_MAX_WORKERS);
		return NULL;
	}
	rw = calloc(1, sizeof(*rw));
	if (!rw) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	rw->user = *eo;
	rw->n = n;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < lanes_of(i); k++)
			rw->lane_worker[rw->lanes++] = (uint8_t)i;
	pthread_mutex_init(&rw->lock, NULL);
	weo.on_handshake = eo->on_handshake ? on_handshake : NULL;
	weo.on_flow_done = eo->on_flow_done ? on_flow_done : NULL;
	weo.on_facts = eo->on_facts ? on_facts : NULL;
	/* A client's resumed handshake may be on another worker than its full one. */
	rw->memo = resume_memo_shared__new(eo->resume_memo_entries, n, no_frontier, rw);
	flow_hash_key__init(&seed);
	rw->frags = shard_frags__new(true, &seed);
	if (!rw->memo || !rw->frags) {
		snprintf(err, err_size, "out of memory");
		run_workers__free(rw);
		return NULL;
	}
	weo.shared_resume_memo = rw->memo;
	for (uint32_t i = 0; i < n; i++) {
		struct worker *w = &rw->w[i];

		w->rw = rw;
		pthread_mutex_init(&w->wake_lock, NULL);
		pthread_cond_init(&w->wake, NULL);
		pthread_cond_init(&w->room, NULL);
		/* The limits bound the process: shared out by lanes, not multiplied. */
		weo.max_flows = (uint32_t)share_of(eo->max_flows ? eo->max_flows : 65536, i, rw->lanes);
		weo.max_reasm_bytes = share_of(eo->max_reasm_bytes, i, rw->lanes);
		weo.retain_total_bytes = share_of(eo->retain_total_bytes, i, rw->lanes);
		weo.ctx = w;
		weo.resume_memo_caller = i;
		w->e = engine__new(&weo);
		if (!w->e || spsc_ring__init(&w->ring, RING_BYTES)) {
			snprintf(err, err_size, "out of memory");
			run_workers__free(rw);
			return NULL;
		}
	}
	return rw;
}

int run_workers__start(struct run_workers *rw, char *err, size_t err_size)
{
	sigset_t all, old;
	int rc = 0;

	/* Signals go to the event loop's thread alone: one taken by a worker would leave poll()
	 * asleep until its timeout before the loop saw SIGTERM, SIGHUP or SIGUSR1. The threads
	 * inherit the mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rw->w[0].started = true; /* the daemon's own thread */
	for (uint32_t i = 1; i < rw->n && !rc; i++) {
		struct worker *w = &rw->w[i];

		rc = pthread_create(&w->tid, NULL, worker_main, w);
		if (rc)
			snprintf(err, err_size, "starting worker %u: %s", i + 1, strerror(rc));
		else
			w->started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -rc;
}

int run_workers__load_trust(struct run_workers *rw, char *err, size_t err_size)
{
	for (uint32_t i = 0; i < rw->n; i++)
		if (engine__load_trust(rw->w[i].e, err, err_size))
			return -1;
	return 0;
}

int run_workers__reload_trust(struct run_workers *rw, char *err, size_t err_size)
{
	for (uint32_t i = 0; i < rw->n; i++)
		if (engine__reload_trust(rw->w[i].e, err, err_size))
			return -1;
	return 0;
}

void run_workers__on_batch_end(struct run_workers *rw, void (*fn)(void *ctx))
{
	if (rw)
		rw->on_batch_end = fn;
}

void run_workers__lock(struct run_workers *rw)
{
	if (rw)
		lock(rw);
}

void run_workers__unlock(struct run_workers *rw)
{
	if (rw)
		unlock_if(rw, true);
}

bool run_workers__enter(struct run_workers *rw)
{
	return rw && lock(rw);
}

void run_workers__leave(struct run_workers *rw, bool entered)
{
	if (rw)
		unlock_if(rw, entered);
}

uint32_t run_workers__self(void)
{
	return self_index;
}

static void feed_to(struct worker *w, const struct frame *f)
{
	struct frame_hdr h = frame_hdr__of(f, REC_FRAME);

	if (w == &w->rw->w[0]) {
		engine__feed(w->e, f); /* on this thread: no copy, no ring */
		return;
	}
	/* a frame over a quarter of the ring (the snaplen is far below) would never fit */
	if (sizeof(h) + f->caplen > spsc_ring__max_record(&w->ring))
		h.caplen = (uint32_t)(spsc_ring__max_record(&w->ring) - sizeof(h));
	push(w, &h, f->data, true);
}

/* Fragments held for their first one, now that it came (or the daemon stops). */
static void feed_released(struct run_workers *rw)
{
	struct frame held;
	uint32_t w;

	while (shard_frags__released(rw->frags, &held, &w))
		feed_to(&rw->w[rw->lane_worker[w]], &held);
}

void run_workers__feed(struct run_workers *rw, const struct frame *f)
{
	int lane = shard_frags__deal(rw->frags, f, rw->lanes);

	feed_released(rw);
	if (lane >= 0)
		feed_to(&rw->w[rw->lane_worker[lane]], f);
}

void run_workers__tick(struct run_workers *rw, uint64_t now_ns)
{
	struct frame_hdr h = { .ts_ns = now_ns, .tag = REC_TICK };

	/* Called with the lock held, so it must not wait for a worker; a worker whose ring is
	 * full is busy, and the next tick expires what this one would have. Worker 0's callbacks
	 * find the lock held by this thread (holds_lock). */
	engine__tick(rw->w[0].e, now_ns);
	for (uint32_t i = 1; i < rw->n; i++)
		push(&rw->w[i], &h, NULL, false);
	run_workers__wake(rw);
}

void run_workers__drain(struct run_workers *rw)
{
	if (!rw)
		return;
	run_workers__wake(rw);
	for (uint32_t i = 0; i < rw->n; i++) {
		struct worker *w = &rw->w[i];
		unsigned spins = 0;

		while (w->started && atomic_load_explicit(&w->ring.tail, memory_order_acquire) !=
					     atomic_load_explicit(&w->ring.head, memory_order_relaxed))
			spsc_ring__backoff(&spins);
	}
}

void run_workers__stop(struct run_workers *rw)
{
	struct frame_hdr end = { .tag = REC_END };

	if (!rw)
		return;
	/* fragments still waiting for their first one: to worker 0, as one engine gets them */
	shard_frags__flush(rw->frags);
	if (rw->w[0].started)
		feed_released(rw);
	for (uint32_t i = 1; i < rw->n; i++)
		if (rw->w[i].started)
			push(&rw->w[i], &end, NULL, true);
	run_workers__wake(rw);
	if (rw->w[0].started) { /* this thread's own, meanwhile */
		engine__finish(rw->w[0].e);
		batch_end(&rw->w[0]);
		rw->w[0].started = false;
	}
	for (uint32_t i = 1; i < rw->n; i++)
		if (rw->w[i].started) {
			pthread_join(rw->w[i].tid, NULL);
			rw->w[i].started = false;
		}
}

void run_workers__free(struct run_workers *rw)
{
	if (!rw)
		return;
	run_workers__stop(rw);
	for (uint32_t i = 0; i < rw->n; i++) {
		struct worker *w = &rw->w[i];

		engine__free(w->e);
		spsc_ring__fini(&w->ring);
		pthread_cond_destroy(&w->wake);
		pthread_cond_destroy(&w->room);
		pthread_mutex_destroy(&w->wake_lock);
	}
	resume_memo_shared__free(rw->memo); /* after the engines that used it */
	shard_frags__free(rw->frags);
	pthread_mutex_destroy(&rw->lock);
	free(rw);
}

/* Every stats struct is made of uint64_t counters alone (checked below): summed word by word. */
static void add_words(void *sum, const void *one, size_t size)
{
	uint64_t *s = sum;
	const volatile uint64_t *o = one;

	for (size_t i = 0; i < size / sizeof(uint64_t); i++)
		s[i] += o[i];
}

_Static_assert(sizeof(struct engine_stats) % 8 == 0, "engine_stats: uint64_t counters only");
_Static_assert(sizeof(struct flowtab_stats) % 8 == 0, "flowtab_stats: uint64_t counters only");
_Static_assert(sizeof(struct reasm_stats) % 8 == 0, "reasm_stats: uint64_t counters only");
_Static_assert(sizeof(struct tls_stats) % 8 == 0, "tls_stats: uint64_t counters only");
_Static_assert(sizeof(struct x509_cache_stats) % 8 == 0, "x509_cache_stats: uint64_t only");
_Static_assert(sizeof(struct x509_trust_stats) % 8 == 0, "x509_trust_stats: uint64_t only");

struct pipeline_stats run_workers__stats(struct run_workers *rw)
{
	memset(&rw->engine, 0, sizeof(rw->engine));
	memset(&rw->flows, 0, sizeof(rw->flows));
	memset(&rw->reasm, 0, sizeof(rw->reasm));
	memset(&rw->tls, 0, sizeof(rw->tls));
	memset(&rw->x509, 0, sizeof(rw->x509));
	memset(&rw->trust, 0, sizeof(rw->trust));
	for (uint32_t i = 0; i < rw->n; i++) {
		struct pipeline_stats p = cmd__pipeline_stats(rw->w[i].e);

		add_words(&rw->engine, p.engine, sizeof(rw->engine));
		add_words(&rw->flows, p.flows, sizeof(rw->flows));
		add_words(&rw->reasm, p.reasm, sizeof(rw->reasm));
		add_words(&rw->tls, p.tls, sizeof(rw->tls));
		add_words(&rw->x509, p.x509, sizeof(rw->x509));
		add_words(&rw->trust, p.trust, sizeof(rw->trust));
	}
	return (struct pipeline_stats){
		.engine = &rw->engine,
		.flows = &rw->flows,
		.reasm = &rw->reasm,
		.tls = &rw->tls,
		.x509 = &rw->x509,
		.trust = &rw->trust,
	};
}

void run_workers__quiesce(struct run_workers *rw)
{
	if (!rw)
		return;
	unlock_if(rw, true);
	run_workers__drain(rw);
	lock(rw);
}
