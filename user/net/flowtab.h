/* Flow table: TCP connections keyed by the normalized 4-tuple and tunnel (struct
 * tlsmon_flow_key, the key of the kernel's flow map too), bounded in count, with idle timeout
 * and least-recently-used eviction. Each flow carries per-direction reassembly and room for the
 * engine's per-connection state. */
#ifndef TLSMON_FLOWTAB_H
#define TLSMON_FLOWTAB_H

#include "tlsmon_shared.h"
#include "capture/frame.h"
#include "net/flow_hash.h"
#include "net/reasm.h"

/* A pool entry: the table's part, then opts.app_size bytes of the engine's state (flow__app()),
 * then room for one direction in its compact form (flowtab__settle()), all zeroed when the flow
 * is made. A direction in use (flowtab__dir()) is a block of the directions' pool, made when
 * that side first needs state; between frames, while the other side has none, the first side's
 * block goes back to the pool when its state fits the compact form: no bytes held out of
 * order, no ambiguity noted, and what opts.dir_pack() accepts. A flood of handshakes nobody answers (SYN and ClientHello, no
 * reply) is the worst case for memory, and its flows then hold one compact direction. */
struct flow {
	struct tlsmon_flow_key key;
	/* table bookkeeping (private): pool positions + 1 (<= FLOWTAB_MAX_FLOWS, 2^26), 0 = none;
	 * the flags share their words */
	uint32_t hnext;
	uint32_t lru_prev : 27, dirs : 3; /* dirs: FLOW_DIR_INLINE, FLOW_DIR_SIDE, FLOW_DIR_FULL */
	uint32_t lru_next : 27;
	/* the second side's block + 1 in the directions' pool (<= 2^27), 0 = none (private) */
	uint32_t dir_other : 28;
	uint32_t ack_seen : 3; /* bit per side: acked[] is valid; FLOW_SYN_PENDING */
	uint32_t half_open : 1; /* enum flow_class: which LRU list holds it */
	uint64_t first_ts_ns;
	uint64_t last_ts_ns;
	uint32_t acked[2]; /* the last ACK number each side sent (tcp_rcv.h) */
};

#define FLOW_SYN_PENDING 0x4 /* flowtab__set_syn_pending() */
#define FLOW_DIR_INLINE 0x1 /* the first side that needed state has it: its room is taken */
#define FLOW_DIR_SIDE 0x2 /* ... by key side 1 (clear: side 0) */
#define FLOW_DIR_FULL 0x4 /* ... and its state is a block, whose number the room holds */

static inline void *flow__app(struct flow *f)
{
	return f + 1;
}

static inline struct flow *flow__from_app(void *app)
{
	return (struct flow *)app - 1;
}

/* A flow is half-open until a packet with payload: a SYN anyone can send (spoofed, or to an
 * address that never answers) makes one, and a full table gives those up first. */
enum flow_class {
	FLOW_ESTABLISHED = 0,
	FLOW_HALF_OPEN = 1,
	FLOW_CLASSES = 2,
};

struct flowtab_stats {
	uint64_t created;
	uint64_t evicted; /* pushed out by the count limit */
	uint64_t evicted_half_open; /* of evicted: half-open ones */
	uint64_t half_open; /* now */
	uint64_t expired; /* idle timeout */
	uint64_t closed; /* removed by the engine */
	uint64_t active;
	uint64_t encap_alloc_failures; /* flows made without their encapsulations: no memory */
	uint64_t dirs_full; /* now: directions in blocks of the directions' pool, not compact */
};

enum flow_end_reason {
	FLOW_END_CLOSED = 0, /* flowtab__remove() */
	FLOW_END_EVICTED = 1,
	FLOW_END_EXPIRED = 2,
	FLOW_END_SHUTDOWN = 3, /* flowtab__free() / end of capture */
};

#define FLOW_DIR_APP_PACKED 3

struct flowtab_opts {
	uint32_t max_flows;
	/* The key flows are hashed with (copied), or NULL for one drawn for this table. A caller
	 * that hashes keys for the table before the lookup (flow_ref__of_pkt(), the dealing thread
	 * of `read -j`) gives the key it hashes with. */
	const struct flow_hash_key *hash_key;
	uint32_t app_size; /* bytes of engine state after each struct flow */
	uint32_t dir_app_size; /* bytes of engine state after each direction's struct reasm */
	/* The engine's state of key side side's direction of f in FLOW_DIR_APP_PACKED bytes, or
	 * false when it does not fit (flowtab__settle()); dir_unpack() makes the same state from
	 * them. Optional: without them no direction is compacted. */
	bool (*dir_pack)(const struct flow *f, int side, const void *app,
			 uint8_t out[FLOW_DIR_APP_PACKED]);
	void (*dir_unpack)(const struct flow *f, int side, void *app,
			   const uint8_t in[FLOW_DIR_APP_PACKED]);
	uint64_t idle_timeout_ns;
	struct reasm_limits reasm;
	/* Out-of-order bytes held by all flows together, allocation overhead included; 0 = no
	 * cap. See flowtab__enforce_budget(). */
	uint64_t max_reasm_bytes;
	/* Called when f must give up its held bytes for the budget: deliver them after their
	 * gaps (reasm__flush()). Optional: without it they are dropped. */
	void (*shed)(void *ctx, struct flow *f);
	/* Called before a flow is freed for any reason (the engine finalises its state here). */
	void (*release)(void *ctx, struct flow *f, enum flow_end_reason why);
	void *ctx;
};

struct flowtab;

struct flowtab *flowtab__new(const struct flowtab_opts *opts);
void flowtab__free(struct flowtab *t); /* releases every flow with FLOW_END_SHUTDOWN */

/* Build the key for a packet, in the kernel's order (tlsmon_flow_key_normalize()); *side is the
 * key side (0/1) that sent it. */
void flow_key__from_pkt(const struct pkt *p, struct tlsmon_flow_key *key, int *side);

/* A packet's flow as a lookup takes it: the normalised key, the key side that sent the packet,
 * and, when hashed, the key's flow_hash() under the table's hash key. Made once, where the
 * packet is decoded (a dealing thread that picks the worker by the hash), for the table's
 * lookup. */
struct flow_ref {
	struct tlsmon_flow_key key;
	uint32_t hash;
	uint8_t side;
	bool hashed; /* false: the lookup hashes the key itself, when it needs to */
};

/* The packet's flow_ref, hashed under hk (NULL: not hashed). */
void flow_ref__of_pkt(const struct pkt *p, const struct flow_hash_key *hk, struct flow_ref *out);

/* Start loading the bucket of flows with this hash (flow_ref.hash), for a lookup a few packets
 * later: the bucket array is too large to stay in the cache. */
void flowtab__prefetch(const struct flowtab *t, uint32_t hash);

/* Find the packet's flow; when absent and create is true, make one (evicting, if full, the least
 * recently used half-open flow, or without one the least recently used flow). Marks it most recently used at ts_ns. Returns NULL when absent (or on
 * -ENOMEM). *side is the key side that sent the packet. */
struct flow *flowtab__lookup(struct flowtab *t, const struct pkt *p, uint64_t ts_ns, bool create,
			     int *side);

/* The same for a packet whose flow_ref was made already (r->hash, when hashed, under this
 * table's hash key); r->side is the key side that sent it. */
struct flow *flowtab__lookup_ref(struct flowtab *t, const struct flow_ref *r, const struct pkt *p,
				 uint64_t ts_ns, bool create);

/* The encapsulations of the packet that made f (none: zeroed). The other direction's MPLS
 * labels or outer addresses may differ; the key holds only what both share. */
void flowtab__encap(const struct flowtab *t, const struct flow *f, struct encap_chain *out);

/* The directions' pool, where the lookups below find a direction that is in a block: the first
 * member of the (otherwise private) struct flowtab. A frame asks for its directions a few dozen
 * times, and a call into the table for each was a twentieth of the offline read. */
struct flowtab_dirs {
	uint8_t *blocks; /* block id (from 1) at (id - 1) * block_size */
	size_t block_size;
	size_t room_off; /* of an entry's room: the first side's block id when FLOW_DIR_FULL */
};

/* The block of key side side's direction of f when it is in one, else NULL (not made yet, or
 * compact in the entry's room). */
static inline struct reasm *flowtab__dir_block(struct flowtab *t, struct flow *f, int side)
{
	const struct flowtab_dirs *d = (const struct flowtab_dirs *)(const void *)t;
	uint32_t id = 0;

	if (!(f->dirs & FLOW_DIR_INLINE))
		return NULL;
	if (!!(f->dirs & FLOW_DIR_SIDE) != !!side)
		id = f->dir_other;
	else if (f->dirs & FLOW_DIR_FULL)
		__builtin_memcpy(&id, (const uint8_t *)f + d->room_off, sizeof(id));
	return id ? (struct reasm *)(void *)(d->blocks + (size_t)(id - 1) * d->block_size) : NULL;
}

/* The rest of flowtab__dir(), flowtab__dir_if() and flowtab__dir_peek() when the direction is
 * not in a block. */
struct reasm *flowtab__dir_slow(struct flowtab *t, struct flow *f, int side);
struct reasm *flowtab__dir_if_slow(struct flowtab *t, struct flow *f, int side);
const struct reasm *flowtab__dir_peek_slow(struct flowtab *t, struct flow *f, int side);

/* The state of the direction that key side sends: its reassembly, followed by
 * opts.dir_app_size bytes of the engine's (flow_dir__app()), zeroed until first written. Made
 * at the first call for that side, so call it only to write (or once the side has sent
 * something); readers take flowtab__dir_peek(). It stays where it is until flowtab__settle(),
 * and never fails: the directions' pool has room for two per flow. */
static inline struct reasm *flowtab__dir(struct flowtab *t, struct flow *f, int side)
{
	struct reasm *r = flowtab__dir_block(t, f, side);

	return r ? r : flowtab__dir_slow(t, f, side);
}

/* The direction's state when made, else NULL. */
static inline struct reasm *flowtab__dir_if(struct flowtab *t, struct flow *f, int side)
{
	struct reasm *r = flowtab__dir_block(t, f, side);

	return r ? r : flowtab__dir_if_slow(t, f, side);
}

/* The direction's reassembly to read: a fresh one (nothing started, held or noted) when not
 * made. A compact one is read back into the table's own copy, without the engine's part
 * (flow_dir__app()), valid until the next peek or the next flowtab__dir() / flowtab__dir_if()
 * of that side: read it there and then. */
static inline const struct reasm *flowtab__dir_peek(struct flowtab *t, struct flow *f, int side)
{
	const struct reasm *r = flowtab__dir_block(t, f, side);

	return r ? r : flowtab__dir_peek_slow(t, f, side);
}

/* Between frames, when nothing holds a direction's address: the flow looked up last gives its
 * first side's block back when the other side has none and that state fits the entry's room
 * (see struct flow). */
void flowtab__settle(struct flowtab *t);

static inline void *flow_dir__app(struct reasm *r)
{
	return r + 1;
}

/* A SYN with a new ISN that was not taken during a handshake, set aside in case the peer
 * answers it (the engine's). Rare, so it is kept beside the pool, not in every entry. */
void flowtab__set_syn_pending(struct flowtab *t, struct flow *f, uint32_t isn);

/* The ISN set aside last into *isn, or -ENOENT when none was. */
int flowtab__syn_pending(const struct flowtab *t, const struct flow *f, uint32_t *isn);

/* The flow with this (normalised) key, or NULL; unlike a lookup, it touches nothing (tests). */
struct flow *flowtab__find(struct flowtab *t, const struct tlsmon_flow_key *key);

void flowtab__remove(struct flowtab *t, struct flow *f);

/* Release flows idle since before now_ns - idle_timeout. Cheap when nothing is due. */
void flowtab__expire(struct flowtab *t, uint64_t now_ns);

/* Call after feeding f: f joins the list of flows holding out-of-order bytes if it holds some
 * now; then, over max_reasm_bytes, flows give up their held bytes until under it, those that
 * have held bytes the longest first (they have made the least progress). Each one counts in
 * reasm_stats.shed_flows / shed_bytes. */
void flowtab__enforce_budget(struct flowtab *t, struct flow *f);

/* Hand freed heap pages back to the system once enough held bytes were released since the
 * last time (a flood's memory must not stay with the process). Expiry calls it. */
void flowtab__trim(struct flowtab *t);

const struct flowtab_stats *flowtab__stats(const struct flowtab *t);
struct reasm_stats *flowtab__reasm_stats(struct flowtab *t);
/* What reasm__feed() and reasm__flush() on a flow's directions take. */
const struct reasm_cfg *flowtab__reasm_cfg(const struct flowtab *t);

/* The flows' segments from [base, base + size) are remembered by where they lie
 * (reasm__keep_input()): those bytes must stay until flowtab__free(). Set before the first
 * frame. */
void flowtab__keep_input(struct flowtab *t, const uint8_t *base, size_t size);

#endif
