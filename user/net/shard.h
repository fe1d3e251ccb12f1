/* Which of n workers analyses a frame: every frame of a flow, both directions, goes to the same
 * one, so each worker's flow table, reassembly and engine see whole connections. */
#ifndef TLSMON_SHARD_H
#define TLSMON_SHARD_H

#include <stdint.h>

#include "capture/frame.h"

struct tlsmon_flow_key;

/* The worker (0..n-1) for a normalised flow key (flow_key__from_pkt()). */
uint32_t shard__of_key(const struct tlsmon_flow_key *k, uint32_t n);

/* The worker (0..n-1) for a decoded TCP packet, from its normalised flow key (the flow table's
 * and the kernel's, net/flowtab.h), so the connections of one client to one server spread too. */
uint32_t shard__of_pkt(const struct pkt *p, uint32_t n);

/* The worker for a captured frame; frames that do not decode to TCP go to worker 0, whose
 * engine counts them as one engine would. */
uint32_t shard__of_frame(const struct frame *f, uint32_t n);

#endif
