// SPDX-License-Identifier: GPL-2.0
/* The resume memo shared between threads, ordered by frame (resume_memo_shared.h). Queued notes
 * wait only as long as the slowest thread lags (the frames in its ring), so the queue stays
 * that small; it is trimmed each time it doubles. */
#include "verdict/resume_memo_shared.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verdict/resume_memo.h"

#define QUEUE_MIN 256

struct queued_note {
	uint64_t seq;
	struct resume_note note;
};

struct resume_memo_shared {
	pthread_mutex_t lock; /* the memo and the queue */
	struct resume_memo *memo;
	struct queued_note *q;
	size_t n, cap, trim_at;
	resume_frontier_fn frontier;
	void *ctx;
};

struct resume_memo_shared *resume_memo_shared__new(uint32_t max_entries, resume_frontier_fn frontier,
						   void *ctx)
{
	struct resume_memo_shared *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->memo = resume_memo__new(max_entries);
	if (!s->memo || pthread_mutex_init(&s->lock, NULL)) {
		resume_memo__free(s->memo);
		free(s);
		return NULL;
	}
	s->frontier = frontier;
	s->ctx = ctx;
	s->trim_at = QUEUE_MIN;
	return s;
}

void resume_memo_shared__free(struct resume_memo_shared *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	resume_memo__free(s->memo);
	free(s->q);
	free(s);
}

static int by_seq(const void *a, const void *b)
{
	const struct queued_note *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Apply the queued notes of frames below limit, in frame order. Under the lock. */
static void apply_below(struct resume_memo_shared *s, uint64_t limit)
{
	size_t k = 0;

	qsort(s->q, s->n, sizeof(*s->q), by_seq);
	while (k < s->n && s->q[k].seq < limit)
		resume_memo__note(s->memo, &s->q[k++].note);
	memmove(s->q, s->q + k, (s->n - k) * sizeof(*s->q));
	s->n -= k;
}

void resume_memo_shared__note_chain(struct resume_memo_shared *s, const struct handshake *hs,
				    uint64_t seq)
{
	struct queued_note qn = { .seq = seq };

	if (!resume_note__from(hs, &qn.note))
		return;
	pthread_mutex_lock(&s->lock);
	if (s->n >= s->trim_at) {
		apply_below(s, s->frontier(s->ctx));
		/* Still long (a thread far behind): trim again only when it has doubled. */
		s->trim_at = s->n * 2 > QUEUE_MIN ? s->n * 2 : QUEUE_MIN;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : QUEUE_MIN;
		struct queued_note *q = realloc(s->q, cap * sizeof(*q));

		if (!q) {
			/* Without memory the note is applied now: at worst a resumed handshake of an
			 * earlier frame names this chain. */
			resume_memo__note(s->memo, &qn.note);
			pthread_mutex_unlock(&s->lock);
			return;
		}
		s->q = q;
		s->cap = cap;
	}
	s->q[s->n++] = qn;
	pthread_mutex_unlock(&s->lock);
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
