// SPDX-License-Identifier: GPL-2.0
/* The resume memo shared between threads, ordered by frame (resume_memo_shared.h). Each caller
 * queues its notes in a ring of its own, in frame order, without the lock: its frames come in
 * order, so a note goes at the end (a note of an earlier frame than the last queued, a
 * reassembled IP fragment, is put in its place under the lock). Whoever takes the lock to look up
 * or to make room applies the notes of every queue below a frame, merging the queues by frame.
 * Before, one queue under the lock was sorted (qsort) and its remainder moved (memmove) each time
 * it had doubled, and the lock was taken once per handshake: 3.5 % of `read -j 2`'s samples.
 * Queued notes wait only as long as the slowest thread lags, so the rings stay that small. */
#include "verdict/resume_memo_shared.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verdict/resume_memo.h"

#define QUEUE_MIN 256 /* a power of two */

struct queued_note {
	uint64_t seq;
	struct resume_note note;
};

/* One caller's notes: entries head..tail-1 (counters; the slot is the counter modulo cap) are
 * queued, in frame order. The caller alone adds at tail; head moves under the lock; q and cap
 * change only under the lock, by the caller. */
struct note_queue {
	_Alignas(64) _Atomic uint64_t tail;
	_Atomic uint64_t head;
	size_t cap;
	struct queued_note *q;
};

struct resume_memo_shared {
	pthread_mutex_t lock; /* the memo, every queue's head, and any change of q, cap */
	struct resume_memo *memo;
	resume_frontier_fn frontier;
	void *ctx;
	uint32_t n_callers;
	struct note_queue *queues;
};

struct resume_memo_shared *resume_memo_shared__new(uint32_t max_entries, uint32_t n_callers,
						   resume_frontier_fn frontier, void *ctx)
{
	struct resume_memo_shared *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->n_callers = n_callers ? n_callers : 1;
	s->memo = resume_memo__new(max_entries);
	s->queues = aligned_alloc(_Alignof(struct note_queue),
				  s->n_callers * sizeof(struct note_queue));
	if (!s->memo || !s->queues || pthread_mutex_init(&s->lock, NULL)) {
		resume_memo__free(s->memo);
		free(s->queues);
		free(s);
		return NULL;
	}
	memset(s->queues, 0, s->n_callers * sizeof(struct note_queue));
	s->frontier = frontier;
	s->ctx = ctx;
	return s;
}

void resume_memo_shared__free(struct resume_memo_shared *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	resume_memo__free(s->memo);
	for (uint32_t i = 0; i < s->n_callers; i++)
		free(s->queues[i].q);
	free(s->queues);
	free(s);
}

static struct queued_note *slot(const struct note_queue *nq, uint64_t i)
{
	return &nq->q[i & (nq->cap - 1)];
}

/* Apply the queued notes of frames below limit, in frame order across the queues. Under the
 * lock. A queue's entries below its tail were written before the tail was published. */
static void apply_below(struct resume_memo_shared *s, uint64_t limit)
{
	for (;;) {
		struct note_queue *low = NULL;
		uint64_t low_seq = limit;

		for (uint32_t i = 0; i < s->n_callers; i++) {
			struct note_queue *nq = &s->queues[i];
			uint64_t head = atomic_load_explicit(&nq->head, memory_order_relaxed);

			if (head != atomic_load_explicit(&nq->tail, memory_order_acquire) &&
			    slot(nq, head)->seq < low_seq) {
				low = nq;
				low_seq = slot(nq, head)->seq;
			}
		}
		if (!low)
			return;
		resume_memo__note(s->memo, &slot(low, atomic_load_explicit(&low->head,
									   memory_order_relaxed))->note);
		/* release: the caller may reuse the slot once it sees head past it */
		atomic_fetch_add_explicit(&low->head, 1, memory_order_release);
	}
}

/* A ring of twice the size, the same entries at their counters' new slots. Under the lock. */
static bool grow(struct note_queue *nq)
{
	size_t cap = nq->cap ? nq->cap * 2 : QUEUE_MIN;
	struct queued_note *q = malloc(cap * sizeof(*q));
	uint64_t head = atomic_load_explicit(&nq->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&nq->tail, memory_order_relaxed);

	if (!q)
		return false;
	for (uint64_t i = head; i != tail; i++)
		q[i & (cap - 1)] = *slot(nq, i);
	free(nq->q);
	nq->q = q;
	nq->cap = cap;
	return true;
}

/* The ring is full, or qn is of an earlier frame than the last note queued: under the lock,
 * make room (apply what the frontier allows, else grow) and put qn in its place. */
static void note_slow(struct resume_memo_shared *s, struct note_queue *nq,
		      const struct queued_note *qn)
{
	uint64_t head, tail, at;

	pthread_mutex_lock(&s->lock);
	tail = atomic_load_explicit(&nq->tail, memory_order_relaxed);
	head = atomic_load_explicit(&nq->head, memory_order_relaxed);
	if (tail - head == nq->cap) {
		if (nq->cap)
			apply_below(s, s->frontier(s->ctx));
		head = atomic_load_explicit(&nq->head, memory_order_relaxed);
		/* Still more than half full (a thread far behind): grow, so that this path stays
		 * rare. */
		if ((!nq->cap || (tail - head) * 2 > nq->cap) && !grow(nq) && tail - head == nq->cap) {
			/* Without memory the note is applied now: at worst a resumed handshake of
			 * an earlier frame names this chain. */
			resume_memo__note(s->memo, &qn->note);
			pthread_mutex_unlock(&s->lock);
			return;
		}
	}
	/* In frame order: after every queued note of a frame not after qn's. */
	head = atomic_load_explicit(&nq->head, memory_order_relaxed);
	for (at = tail; at != head && slot(nq, at - 1)->seq > qn->seq; at--)
		*slot(nq, at) = *slot(nq, at - 1);
	*slot(nq, at) = *qn;
	atomic_store_explicit(&nq->tail, tail + 1, memory_order_release);
	pthread_mutex_unlock(&s->lock);
}

void resume_memo_shared__note_chain(struct resume_memo_shared *s, uint32_t caller,
				    const struct handshake *hs, uint64_t seq)
{
	struct note_queue *nq = &s->queues[caller];
	uint64_t tail = atomic_load_explicit(&nq->tail, memory_order_relaxed);
	/* acquire: the slots below head are no longer read by whoever applied them */
	uint64_t head = atomic_load_explicit(&nq->head, memory_order_acquire);

	/* Full, or of an earlier frame than this caller's last queued note: under the lock. */
	if (tail - head == nq->cap || (tail != head && slot(nq, tail - 1)->seq > seq)) {
		struct queued_note qn = { .seq = seq };

		if (resume_note__from(hs, &qn.note))
			note_slow(s, nq, &qn);
		return;
	}
	/* The common case, no lock: fill the slot at tail, then publish it. */
	slot(nq, tail)->seq = seq;
	if (resume_note__from(hs, &slot(nq, tail)->note))
		atomic_store_explicit(&nq->tail, tail + 1, memory_order_release);
}

void resume_memo_shared__lookup(struct resume_memo_shared *s, struct handshake *hs, uint64_t seq)
{
	struct timespec nap = { .tv_nsec = 20000 };
	unsigned spins = 0;

	/* Every note of an earlier frame must be queued before it is looked up. */
	while (seq != UINT64_MAX && s->frontier(s->ctx) < seq) {
		if (spins++ < 8)
			sched_yield();
		else
			nanosleep(&nap, NULL);
	}
	pthread_mutex_lock(&s->lock);
	apply_below(s, seq);
	resume_memo__lookup(s->memo, hs);
	pthread_mutex_unlock(&s->lock);
}
