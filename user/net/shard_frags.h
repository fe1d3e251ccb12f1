/* IP fragments dealt to their flow's worker (shard_frags.c). Only the first fragment of a datagram
 * carries the TCP ports that, with the addresses, pick the worker (net/shard.h); the others are
 * sent where their datagram's first one went, and those that come before it (reordered) are held
 * until it comes, then handed out in their order ahead of it. The worker's engine then sees every
 * fragment of the datagram, in capture order, and reassembles it as one engine would.
 * Plain Ethernet IPv4 and IPv6 (a Fragment header right after the fixed header) only: other
 * fragments, and fragments over the holding bounds, go to worker 0 as before. */
#ifndef TLSMON_SHARD_FRAGS_H
#define TLSMON_SHARD_FRAGS_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/frame.h"
#include "net/shard.h"

struct shard_frags;

/* copy: held frames keep a copy of their bytes (live frames are gone after the call); else they
 * point at the caller's bytes, which must stay (a mapped file). seed picks the workers
 * (net/shard.h), copied. NULL without memory. */
struct shard_frags *shard_frags__new(bool copy, const struct flow_hash_key *seed);
void shard_frags__free(struct shard_frags *s);

/* The worker (0..n-1) for f, or -1 when f is held. Before dealing f itself, the caller deals
 * what shard_frags__released() hands out. */
int shard_frags__deal(struct shard_frags *s, const struct frame *f, uint32_t n);

/* The next frame released by the last deal (or by flush) and its worker; its bytes stay valid
 * until the next call into s. False when there is none. */
bool shard_frags__released(struct shard_frags *s, struct frame *out, uint32_t *worker);

/* Release every held frame to worker 0, in order (the end of the input: the engine counts their
 * datagrams as incomplete, as one engine does). */
void shard_frags__flush(struct shard_frags *s);

#endif
