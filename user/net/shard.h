/* Which of n workers analyses a frame: every frame of a flow, both directions, goes to the same
 * one, so each worker's flow table, reassembly and engine see whole connections. */
#ifndef TLSMON_SHARD_H
#define TLSMON_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/frame.h"
#include "net/flow_hash.h"
#include "net/flowtab.h"

/* The secret that picks the workers is the flow hash's key (net/flow_hash.h), drawn once per
 * process (the dealing thread's), so that whoever sends the packets cannot prepare 4-tuples that
 * all land on one worker. */

/* The worker (0..n-1) for a flow's hash (flow_hash()): its top bits, so that the low bits, which
 * pick a bucket of the worker's flow table when it shares the key, stay spread. */
static inline uint32_t shard__of_hash(uint32_t hash, uint32_t n)
{
	return (uint32_t)(((uint64_t)hash * n) >> 32);
}

/* The worker (0..n-1) for a normalised flow key (flow_key__from_pkt()). */
static inline uint32_t shard__of_key(const struct flow_hash_key *s, const struct tlsmon_flow_key *k,
				     uint32_t n)
{
	return shard__of_hash(flow_hash(s, k), n);
}

/* The worker (0..n-1) for a decoded TCP packet, from its normalised flow key (the flow table's
 * and the kernel's, net/flowtab.h), so the connections of one client to one server spread too. */
uint32_t shard__of_pkt(const struct flow_hash_key *s, const struct pkt *p, uint32_t n);

/* The flow of a captured TCP frame (its normalised key, the key side that sent it and the key's
 * flow_hash() under s), as the flow table's lookup takes it (net/flowtab.h): true, or false when
 * f does not decode to TCP. The common frame (Ethernet, then IPv4 or IPv6 without extension
 * headers, then TCP) is keyed in place, for a fraction of the cost of decode__frame(); the others
 * are decoded; both give the key flow_key__from_pkt() makes of the decode. */
bool shard__frame_ref(const struct flow_hash_key *s, const struct frame *f, struct flow_ref *out);

/* A plain frame's flow key in the words flow_hash__words() takes, read from the frame in the
 * key's order, so that neither the hash nor the key waits on a key just written: normalising
 * a key read its addresses back across the narrower stores that wrote them, and the hash read
 * them back across the overlapping stores of the key's zeroing (no store forwarding), most of
 * the dealing thread's time in the key. */
struct plain_flow {
	uint32_t a[8]; /* addr[0] then addr[1], as in the key's memory */
	uint32_t port0, port1; /* the key's port[0] and port[1] */
	uint32_t family;
	uint32_t side;
};

/* A frame's flow as the dealing thread finds it once: its hash, to pick the worker, and what
 * makes its flow_ref (shard__flow_ref()), to write where the worker reads it. Finding the flow
 * twice, for the hash and then for the ref, was about 5 % of the dealing thread's samples. */
struct shard_flow {
	uint32_t hash;
	bool plain; /* pf, else decoded */
	union {
		struct plain_flow pf;
		struct flow_ref decoded;
	};
};

/* f's flow (as shard__frame_ref() finds it): true, or false when f does not decode to TCP. */
bool shard__frame_flow(const struct flow_hash_key *s, const struct frame *f,
		       struct shard_flow *out);

/* The flow_ref of a flow shard__frame_flow() found: what shard__frame_ref() gives. */
void shard__flow_ref(const struct shard_flow *sf, struct flow_ref *out);

/* The same flow's hash alone: true, or false when f does not decode to TCP. */
bool shard__frame_hash(const struct flow_hash_key *s, const struct frame *f, uint32_t *hash);

/* The worker for a captured frame; frames that do not decode to TCP go to worker 0, whose
 * engine counts them as one engine would. */
uint32_t shard__of_frame(const struct flow_hash_key *s, const struct frame *f, uint32_t n);

#endif
