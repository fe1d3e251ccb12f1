/* One resume memo (resume_memo.h) for the engines of several threads that share out the frames of
 * one capture (`read -j N`), giving each resumed handshake the chain one engine would have: the
 * memo's notes and lookups take effect in the order of the frames that caused them, whatever
 * the pace of each thread. A note is queued; a lookup at frame S waits until every thread is past
 * the frames before S, then applies the queued notes of those frames, in order, and looks up.
 * Frames are numbered by the caller (pcap frame numbers), increasing, one thread each. Each
 * thread is one of n_callers, numbered 0..n_callers-1, whose notes are queued apart without a
 * lock (a number is one thread's at a time). */
#ifndef TLSMON_RESUME_MEMO_SHARED_H
#define TLSMON_RESUME_MEMO_SHARED_H

#include <stdint.h>

#include "verdict/hs.h"

struct resume_memo_shared;

/* frontier(ctx): every frame numbered below it has been processed by its thread (and any note
 * it made queued). It must grow without the caller's help while the caller waits. */
typedef uint64_t (*resume_frontier_fn)(void *ctx);

struct resume_memo_shared *resume_memo_shared__new(uint32_t max_entries, uint32_t n_callers,
						   resume_frontier_fn frontier,
						   void *ctx); /* NULL without memory */
void resume_memo_shared__free(struct resume_memo_shared *s);

/* At frame seq (UINT64_MAX: end of input, where threads are not ordered). */
void resume_memo_shared__note_chain(struct resume_memo_shared *s, uint32_t caller,
				    const struct handshake *hs, uint64_t seq);
void resume_memo_shared__lookup(struct resume_memo_shared *s, struct handshake *hs, uint64_t seq);

#endif
