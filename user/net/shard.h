/* Which of n workers analyses a frame: every frame of a flow, both directions, goes to the same
 * one, so each worker's flow table, reassembly and engine see whole connections. */
#ifndef TLSMON_SHARD_H
#define TLSMON_SHARD_H

#include <stdint.h>

#include "capture/frame.h"

struct tlsmon_flow_key;

/* The secret that picks the workers, drawn once per process (the dealing thread's), so that whoever
 * sends the packets cannot prepare 4-tuples that all land on one worker. */
#define SHARD_SEED_WORDS 11
struct shard_seed {
	uint64_t k[SHARD_SEED_WORDS];
};

/* Random from the kernel (getrandom()). */
void shard_seed__init(struct shard_seed *s);

/* The worker (0..n-1) for a normalised flow key (flow_key__from_pkt()). */
uint32_t shard__of_key(const struct shard_seed *s, const struct tlsmon_flow_key *k, uint32_t n);

/* The worker (0..n-1) for a decoded TCP packet, from its normalised flow key (the flow table's
 * and the kernel's, net/flowtab.h), so the connections of one client to one server spread too. */
uint32_t shard__of_pkt(const struct shard_seed *s, const struct pkt *p, uint32_t n);

/* The worker for a captured frame; frames that do not decode to TCP go to worker 0, whose
 * engine counts them as one engine would. */
uint32_t shard__of_frame(const struct shard_seed *s, const struct frame *f, uint32_t n);

#endif
