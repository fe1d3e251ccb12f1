/* `tlsmon run --workers N` (N > 1): the daemon's frames analysed on N threads, each with its own
 * engine, flows sharded by their normalised key (net/shard.h) as `tlsmon read -j` does. The
 * thread that drains the kernel's ring buffer is worker 0: it feeds its own engine the frames of
 * its flows and deals the others' out over SPSC rings to N - 1 threads. The engines' callbacks
 * (facts; a handshake's shared part, run_workers__enter()) run under the daemon's lock, which
 * the daemon's own thread holds whenever it touches what they touch (metrics, store, log,
 * endpoints, attribution) except while it drains the ring buffer; flow done needs no lock.
 * Counters stay per engine, written without locks, and are summed when read. */
#ifndef TLSMON_RUN_WORKERS_H
#define TLSMON_RUN_WORKERS_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/frame.h"
#include "verdict/engine.h"
#include "verdict/engine_stats.h"

#define RUN_MAX_WORKERS 64

struct run_workers;

/* n engines made from eo (max_flows, max_reasm_bytes and retain_total_bytes shared out, one
 * resume memo for all); eo's callbacks are called with eo's ctx, under the lock but for
 * on_handshake (see run_workers__enter()) and on_flow_done. NULL with the reason in err. */
struct run_workers *run_workers__new(const struct engine_opts *eo, uint32_t n, char *err,
				     size_t err_size);
/* The N - 1 threads, once the daemon has dropped its privileges: capabilities are per thread, and a
 * thread made before the drop would keep them. 0, or -errno with the reason in err (the threads
 * started are stopped by run_workers__free()). */
int run_workers__start(struct run_workers *rw, char *err, size_t err_size);
/* Each engine loads the trust store: 0, or -1 with the reason in err. */
int run_workers__load_trust(struct run_workers *rw, char *err, size_t err_size);
/* Each engine reads it again (engine__reload_trust()), with the workers quiesced: 0, or -1 with
 * the reason in err at the first engine that failed, which keeps the store it had; the same
 * file fails alike for all, so only running out of memory can leave the engines before it on
 * the new one. */
int run_workers__reload_trust(struct run_workers *rw, char *err, size_t err_size);

/* fn(eo's ctx), under the lock, by a worker that reported handshakes, once its ring ran empty
 * (and when it stops): the daemon writes the log lines those handshakes appended in one write,
 * as its own loop does once a turn. Before run_workers__start(). */
void run_workers__on_batch_end(struct run_workers *rw, void (*fn)(void *ctx));

/* The daemon's thread holds the lock while it works on what the callbacks touch; it must not
 * hold it while it calls run_workers__feed() (a full ring waits for a worker that may be
 * waiting for the lock). Both accept NULL (one worker: no threads, no lock). */
void run_workers__lock(struct run_workers *rw);
void run_workers__unlock(struct run_workers *rw);

/* For eo's on_handshake, which is called without the lock so that the work that needs none (the
 * JSON line, the flagged store's entry) runs on every worker at once: the lock unless this
 * thread holds it already (worker 0 under run_workers__tick()); returns whether it took it, for
 * run_workers__leave(). false for NULL. */
bool run_workers__enter(struct run_workers *rw);
void run_workers__leave(struct run_workers *rw, bool entered);
/* Which worker the calling thread is, 0 .. N - 1: 0 on the daemon's own thread (and with one
 * worker). For state a callback keeps per worker. */
uint32_t run_workers__self(void);

/* A copy of the frame to the worker of its flow; waits while that worker's ring is full (the
 * kernel's ring buffer then fills and counts its drops). */
void run_workers__feed(struct run_workers *rw, const struct frame *f);
/* Wake the workers fed since the last call that sleep: after each batch of frames. */
void run_workers__wake(struct run_workers *rw);
/* engine__tick(now_ns) on every worker, in order with the frames; skipped on a worker whose
 * ring is full (it does not wait: the daemon calls it with the lock held). */
void run_workers__tick(struct run_workers *rw, uint64_t now_ns);
/* Returns once every frame fed so far is analysed (without the lock held). */
void run_workers__drain(struct run_workers *rw);
/* The same, called with the lock held (it is let go while waiting): for changing what the
 * engines read without the lock (the policy, on SIGHUP). */
void run_workers__quiesce(struct run_workers *rw);
/* engine__finish() on every worker (without the lock held), then the threads end. */
void run_workers__stop(struct run_workers *rw);
void run_workers__free(struct run_workers *rw);

/* Every engine's counters summed (valid until the next call; the daemon's thread only). A
 * counter is read while its worker may write it: each is one aligned 64-bit word, so a read sees
 * an old or a new value, never a mix. */
struct pipeline_stats run_workers__stats(struct run_workers *rw);

#endif
