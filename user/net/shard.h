/* Which of n workers analyses a frame: every frame of a flow, both directions, goes to the same
 * one, so each worker's flow table, reassembly and engine see whole connections. */
#ifndef TLSMON_SHARD_H
#define TLSMON_SHARD_H

#include <stdint.h>

#include "capture/frame.h"

/* The worker (0..n-1) for a decoded TCP packet. The key is the unordered address pair, not the
 * full 4-tuple: the engine remembers each server endpoint's last full chain for the resumed
 * handshakes that follow (verdict/resume_memo.h), and a client resumes with the server it got
 * its session from, so both must land on the same worker for `read -j N` to say what one
 * worker says. Ports still spread a capture of many clients; one busy client-server pair stays
 * on one worker. */
uint32_t shard__of_pkt(const struct pkt *p, uint32_t n);

/* The worker for a captured frame; frames that do not decode to TCP go to worker 0, whose
 * engine counts them as one engine would. */
uint32_t shard__of_frame(const struct frame *f, uint32_t n);

#endif
