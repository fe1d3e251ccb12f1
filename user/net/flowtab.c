// SPDX-License-Identifier: GPL-2.0
/* Flow table: a chained hash table over a preallocated pool of flows, with an intrusive LRU list
 * (most recently used at the head; one list per enum flow_class). The pool is sized at max_flows when the table is made, so
 * the steady state allocates nothing per flow; a full table recycles its least recently used
 * flow. Each entry holds the engine's connection state too (opts.app_size bytes), and links
 * are 32-bit pool positions, not pointers: a flood of half-open handshakes is the worst case
 * for memory, and this is its per-flow cost. Entries are handed out in address order and the
 * pool is not written until then, so the pages of a large --max-flows cost memory only once
 * that many flows were seen. Idle expiry looks at the LRU tail only, so it costs one
 * comparison when nothing is due.
 *
 * A direction in use is a block of a second pool (2 * max_flows blocks, handed out the same
 * way); the first side's state goes back into 32 bytes of the entry between frames when it is
 * quiet and the other side has sent nothing (flowtab__settle()), and out into a block again
 * when next asked for. A flood's flow,
 * a SYN and a ClientHello that nobody answers, then costs the entry alone.
 *
 * The release callback runs after the flow has left the hash and LRU lists but before its
 * reassembly state is reset, so the engine can still flush it there. It must not call back into
 * the table.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "net/flowtab.h"
#include "util/hash_seed.h"
#include "util/pow2.h"

#define FLOWTAB_MAX_FLOWS (1u << 26)
#define NIL 0u /* "no entry": links hold pool positions + 1 */
/* Held bytes freed since the last trim worth handing back to the system. */
#define TRIM_AFTER_BYTES (4ull << 20)

/* What few flows need, kept beside the pool by position rather than in every entry: the links
 * of the list of flows holding out-of-order bytes (oldest holder first, the budget's), the
 * encapsulations of the packet that made the flow (a heap copy; NULL without any), and a SYN
 * set aside (valid while the entry's FLOW_SYN_PENDING is set). Its pages
 * are written only for such flows; a flood of plain flows reads them at most, and a read of an
 * untouched page maps the kernel's shared zero page, which costs no resident memory. */
struct flow_rare {
	uint32_t held_prev, held_next;
	struct encap_chain *encap;
	uint32_t syn_pending;
};

struct flowtab {
	/* first: the header's inline lookups read it (struct flowtab_dirs) */
	struct flowtab_dirs d;
	struct flowtab_opts opts;
	uint8_t *pool; /* max_flows entries of stride bytes (mmap) */
	size_t pool_bytes;
	size_t stride;
	/* d.blocks, the directions in use: 2 * max_flows of d.block_size bytes (mmap), handed out
	 * as the main pool's entries are (fresh ones in address order, then released ones, last
	 * released first), so their pages are resident for as many directions as were in use at
	 * once. d.room_off: of the entry's room for a compact direction. */
	size_t dirs_bytes;
	uint32_t dirs_fresh;
	uint32_t dirs_free; /* released ones, linked through their first 4 bytes */
	/* A compact direction's reassembly read back for flowtab__dir_peek(): a frame that only
	 * reads it (the server's, looking at the client's side) leaves it compact. */
	struct reasm *peek;
	struct flow_rare *rare; /* max_flows entries, by pool position (mmap) */
	uint32_t n_fresh; /* entries [n_fresh..max_flows) never used (untouched memory) */
	uint32_t free_list; /* released entries, linked through hnext */
	uint32_t *buckets;
	uint32_t mask;
	struct flow_hash_key hkey; /* opts.hash_key's, or drawn for this table */
	/* Two LRU lists, by enum flow_class: a full table recycles a half-open flow while it has
	 * one, so a SYN flood turns over its own kind and leaves connections that carried data. */
	uint32_t lru_head[FLOW_CLASSES], lru_tail[FLOW_CLASSES];
	uint32_t held_head, held_tail; /* flows that hold out-of-order bytes, oldest first */
	/* The flow found last: packets of one flow tend to come in runs (a certificate is a
	 * dozen segments), and a run then costs one key compare instead of a hash and a bucket
	 * that is often out of the cache. */
	uint32_t last;
	/* held bytes (reasm_stats.held_bytes) at their highest since the last malloc_trim() */
	uint64_t held_peak;
	struct flowtab_stats stats;
	struct reasm_stats reasm_stats;
	struct reasm_cfg reasm_cfg; /* opts.reasm and reasm_stats, for every flow's directions */
};

_Static_assert(offsetof(struct flowtab, d) == 0, "flowtab.h's inline lookups read it there");
_Static_assert(sizeof(struct tlsmon_flow_key) == 48, "the key is hashed and compared as raw bytes");
_Static_assert(sizeof(struct flow) % 8 == 0, "the engine's state follows struct flow");
_Static_assert(sizeof(struct flow) <= 88, "struct flow grew: a flood of half-open handshakes "
					   "costs it per flow");
_Static_assert(FLOWTAB_MAX_FLOWS < 1u << 27, "pool positions + 1 fit the 27-bit links");

static inline struct flow *at(const struct flowtab *t, uint32_t id)
{
	return (struct flow *)(t->pool + (size_t)(id - 1) * t->stride);
}

static inline uint32_t id_of(const struct flowtab *t, const struct flow *f)
{
	return (uint32_t)(((const uint8_t *)f - t->pool) / t->stride) + 1;
}

static inline struct reasm *dir_at(const struct flowtab *t, uint32_t id)
{
	return (struct reasm *)(t->d.blocks + (size_t)(id - 1) * t->d.block_size);
}

/* A direction between frames when nothing is held or noted: the reassembly's position and its
 * remembered segments (without them a retransmission with other bytes would no longer show),
 * and the engine's state as opts.dir_pack() wrote it. */
struct dir_compact {
	uint32_t next_seq, base_seq;
	uint32_t recent_seq[REASM_RECENT];
	uint32_t recent_mark[REASM_RECENT];
	uint16_t recent_len[REASM_RECENT];
	uint8_t bits; /* DC_* */
	uint8_t app[FLOW_DIR_APP_PACKED];
};

#define DC_STARTED 0x1
#define DC_CSUM_VERIFIED 0x2
#define DC_RECENT_NEXT 0x4
#define DC_RECENT_KEPT_SHIFT 3 /* struct reasm's recent_kept, REASM_RECENT bits */

_Static_assert(sizeof(struct dir_compact) == 32, "a flood's flow holds one of these");

static inline uint8_t *room_of(const struct flowtab *t, struct flow *f)
{
	return (uint8_t *)f + t->d.room_off;
}

/* The block in use by the first side (FLOW_DIR_FULL). */
static inline uint32_t room_block(const struct flowtab *t, struct flow *f)
{
	uint32_t id;

	memcpy(&id, room_of(t, f), sizeof(id));
	return id;
}

static uint32_t block_take(struct flowtab *t)
{
	uint32_t id;

	/* At most two per flow and 2 * max_flows of them: there is always one. */
	if (t->dirs_free) {
		id = t->dirs_free;
		memcpy(&t->dirs_free, dir_at(t, id), sizeof(t->dirs_free));
	} else {
		id = ++t->dirs_fresh;
	}
	memset(dir_at(t, id), 0, t->d.block_size);
	t->stats.dirs_full++;
	return id;
}

static void block_give(struct flowtab *t, uint32_t id)
{
	memcpy(dir_at(t, id), &t->dirs_free, sizeof(t->dirs_free));
	t->dirs_free = id;
	t->stats.dirs_full--;
}

/* The first side's compact state, read back into r (zeroed): the reassembly's part, and the
 * engine's too when with_app (d.block_size bytes). */
static void unpack(const struct flowtab *t, struct flow *f, struct reasm *r, bool with_app)
{
	struct dir_compact dc;

	memcpy(&dc, room_of(t, f), sizeof(dc));
	r->next_seq = dc.next_seq;
	r->base_seq = dc.base_seq;
	memcpy(r->recent_seq, dc.recent_seq, sizeof(r->recent_seq));
	memcpy(r->recent_mark, dc.recent_mark, sizeof(r->recent_mark));
	memcpy(r->recent_len, dc.recent_len, sizeof(r->recent_len));
	r->started = dc.bits & DC_STARTED;
	r->csum_verified = dc.bits & DC_CSUM_VERIFIED;
	r->recent_next = !!(dc.bits & DC_RECENT_NEXT);
	r->recent_kept = (dc.bits >> DC_RECENT_KEPT_SHIFT) & ((1u << REASM_RECENT) - 1);
	if (with_app && t->opts.dir_unpack)
		t->opts.dir_unpack(f, !!(f->dirs & FLOW_DIR_SIDE), flow_dir__app(r), dc.app);
}

/* The first side's compact state into a block of its own. */
static struct reasm *expand(struct flowtab *t, struct flow *f)
{
	uint32_t id = block_take(t);
	struct reasm *r = dir_at(t, id);

	unpack(t, f, r, true);
	memset(room_of(t, f), 0, sizeof(struct dir_compact));
	memcpy(room_of(t, f), &id, sizeof(id));
	f->dirs |= FLOW_DIR_FULL;
	return r;
}

/* The first side's block back into the entry's room, when its state fits there. */
static void compact(struct flowtab *t, struct flow *f)
{
	uint32_t id = room_block(t, f);
	struct reasm *r = dir_at(t, id);
	struct dir_compact dc = { 0 };

	if (r->held || r->rare || r->held_segments || !t->opts.dir_pack ||
	    !t->opts.dir_pack(f, !!(f->dirs & FLOW_DIR_SIDE), flow_dir__app(r), dc.app))
		return;
	dc.next_seq = r->next_seq;
	dc.base_seq = r->base_seq;
	memcpy(dc.recent_seq, r->recent_seq, sizeof(dc.recent_seq));
	memcpy(dc.recent_mark, r->recent_mark, sizeof(dc.recent_mark));
	memcpy(dc.recent_len, r->recent_len, sizeof(dc.recent_len));
	dc.bits = (r->started ? DC_STARTED : 0) | (r->csum_verified ? DC_CSUM_VERIFIED : 0) |
		  (r->recent_next ? DC_RECENT_NEXT : 0) |
		  (uint8_t)(r->recent_kept << DC_RECENT_KEPT_SHIFT);
	memcpy(room_of(t, f), &dc, sizeof(dc));
	f->dirs &= ~FLOW_DIR_FULL & 7u;
	block_give(t, id);
}

struct reasm *flowtab__dir_if_slow(struct flowtab *t, struct flow *f, int side)
{
	if (!(f->dirs & FLOW_DIR_INLINE))
		return NULL;
	if (!!(f->dirs & FLOW_DIR_SIDE) == !!side)
		return f->dirs & FLOW_DIR_FULL ? dir_at(t, room_block(t, f)) : expand(t, f);
	return f->dir_other ? dir_at(t, f->dir_other) : NULL;
}

const struct reasm *flowtab__dir_peek_slow(struct flowtab *t, struct flow *f, int side)
{
	static const struct reasm fresh; /* what reasm__init() makes */
	const struct reasm *r;

	if ((f->dirs & (FLOW_DIR_INLINE | FLOW_DIR_FULL)) == FLOW_DIR_INLINE &&
	    !!(f->dirs & FLOW_DIR_SIDE) == !!side) {
		memset(t->peek, 0, sizeof(*t->peek));
		unpack(t, f, t->peek, false);
		return t->peek;
	}
	r = flowtab__dir_if(t, f, side);
	return r ? r : &fresh;
}

struct reasm *flowtab__dir_slow(struct flowtab *t, struct flow *f, int side)
{
	struct reasm *r = flowtab__dir_if(t, f, side);
	uint32_t id;

	if (r)
		return r;
	id = block_take(t);
	if (!(f->dirs & FLOW_DIR_INLINE)) {
		f->dirs = FLOW_DIR_INLINE | FLOW_DIR_FULL | (side ? FLOW_DIR_SIDE : 0);
		memcpy(room_of(t, f), &id, sizeof(id));
	} else {
		f->dir_other = id;
	}
	return dir_at(t, id);
}

void flowtab__settle(struct flowtab *t)
{
	struct flow *f = t->last ? at(t, t->last) : NULL;

	/* Only while the other side has sent nothing: that is a flood's flow, which the compact
	 * form is for. Once both sides talk, packing after every frame and unpacking before the
	 * next cost `tlsmon read` 4-6 % of its CPU time on a handshake mix, to save 40 bytes a
	 * flow beside the other side's 72. */
	if (f && (f->dirs & FLOW_DIR_FULL) && !f->dir_other)
		compact(t, f);
}

static void dirs_release(struct flowtab *t, struct flow *f)
{
	if (f->dirs & FLOW_DIR_FULL) {
		reasm__reset(dir_at(t, room_block(t, f)), &t->reasm_cfg);
		block_give(t, room_block(t, f));
	}
	/* a compact direction holds nothing to release */
	if (f->dir_other) {
		reasm__reset(dir_at(t, f->dir_other), &t->reasm_cfg);
		block_give(t, f->dir_other);
		f->dir_other = NIL;
	}
	f->dirs = 0;
}

static inline struct flow_rare *rare_of(const struct flowtab *t, const struct flow *f)
{
	return &t->rare[id_of(t, f) - 1];
}

void flow_key__from_pkt(const struct pkt *p, struct tlsmon_flow_key *key, int *side)
{
	size_t alen = p->family == 4 ? 4 : 16;
	int s;

	/* Only the meaningful address bytes are copied, so stray bytes after an IPv4 address can
	 * never split one connection into two flows. */
	memset(key, 0, sizeof(*key));
	key->family = p->family;
	memcpy(key->addr[0], p->saddr, alen);
	memcpy(key->addr[1], p->daddr, alen);
	key->port[0] = p->sport;
	key->port[1] = p->dport;
	key->tunnel = p->tunnel;
	key->tunnel_id = p->tunnel_id;
	s = tlsmon_flow_key_normalize(key);
	if (side)
		*side = s;
}

void flow_ref__of_pkt(const struct pkt *p, const struct flow_hash_key *hk, struct flow_ref *out)
{
	int side;

	flow_key__from_pkt(p, &out->key, &side);
	out->side = (uint8_t)side;
	out->hashed = hk != NULL;
	out->hash = hk ? flow_hash(hk, &out->key) : 0;
}

static inline bool key_eq(const struct tlsmon_flow_key *a, const struct tlsmon_flow_key *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
	uint64_t u, v, d = 0;
	size_t i;

	for (i = 0; i < sizeof(*a); i += 8) {
		memcpy(&u, x + i, 8);
		memcpy(&v, y + i, 8);
		d |= u ^ v;
	}
	return !d;
}

static void lru_unlink(struct flowtab *t, struct flow *f)
{
	if (f->lru_prev)
		at(t, f->lru_prev)->lru_next = f->lru_next;
	else
		t->lru_head[f->half_open] = f->lru_next;
	if (f->lru_next)
		at(t, f->lru_next)->lru_prev = f->lru_prev;
	else
		t->lru_tail[f->half_open] = f->lru_prev;
	f->lru_prev = f->lru_next = NIL;
}

static void lru_push_head(struct flowtab *t, struct flow *f)
{
	uint32_t id = id_of(t, f);

	f->lru_prev = NIL;
	f->lru_next = t->lru_head[f->half_open];
	if (t->lru_head[f->half_open])
		at(t, t->lru_head[f->half_open])->lru_prev = id;
	else
		t->lru_tail[f->half_open] = id;
	t->lru_head[f->half_open] = id;
}

static bool held_linked(const struct flowtab *t, const struct flow *f)
{
	const struct flow_rare *r = rare_of(t, f);

	return r->held_prev || r->held_next || t->held_head == id_of(t, f);
}

static void held_unlink(struct flowtab *t, struct flow *f)
{
	struct flow_rare *r = rare_of(t, f);

	if (!held_linked(t, f))
		return;
	if (r->held_prev)
		t->rare[r->held_prev - 1].held_next = r->held_next;
	else
		t->held_head = r->held_next;
	if (r->held_next)
		t->rare[r->held_next - 1].held_prev = r->held_prev;
	else
		t->held_tail = r->held_prev;
	r->held_prev = r->held_next = NIL;
}

static void held_push_tail(struct flowtab *t, struct flow *f)
{
	struct flow_rare *r = rare_of(t, f);
	uint32_t id = id_of(t, f);

	r->held_next = NIL;
	r->held_prev = t->held_tail;
	if (t->held_tail)
		t->rare[t->held_tail - 1].held_next = id;
	else
		t->held_head = id;
	t->held_tail = id;
}

/* The hash is not kept in the entry (4 bytes of every flow): a release computes it again. */
static void hash_unlink(struct flowtab *t, struct flow *f)
{
	uint32_t *pp = &t->buckets[flow_hash(&t->hkey, &f->key) & t->mask], id = id_of(t, f);

	while (*pp && *pp != id)
		pp = &at(t, *pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	f->hnext = NIL;
}

static void release_flow(struct flowtab *t, struct flow *f, enum flow_end_reason why)
{
	if (t->last == id_of(t, f))
		t->last = NIL;
	hash_unlink(t, f);
	lru_unlink(t, f);
	if (f->half_open)
		t->stats.half_open--;
	held_unlink(t, f);
	if (t->opts.release)
		t->opts.release(t->opts.ctx, f, why);
	dirs_release(t, f);
	if (rare_of(t, f)->encap) {
		free(rare_of(t, f)->encap);
		rare_of(t, f)->encap = NULL;
	}
	f->hnext = t->free_list;
	t->free_list = id_of(t, f);
	t->stats.active--;
}

static size_t rare_bytes(const struct flowtab *t)
{
	return (size_t)t->opts.max_flows * sizeof(struct flow_rare);
}

/* Untouched pages of an anonymous mapping cost nothing until used; NULL on failure. */
static void *map_zeroed(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

struct flowtab *flowtab__new(const struct flowtab_opts *opts)
{
	struct flowtab *t;
	uint32_t nbuckets;

	if (!opts || !opts->max_flows || opts->max_flows > FLOWTAB_MAX_FLOWS) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->opts = *opts;
	t->reasm_cfg.lim = opts->reasm;
	t->reasm_cfg.stats = &t->reasm_stats;
	t->d.room_off = (sizeof(struct flow) + opts->app_size + 7) & ~(size_t)7;
	t->d.block_size = (sizeof(struct reasm) + opts->dir_app_size + 7) & ~(size_t)7;
	t->stride = t->d.room_off + ((sizeof(struct dir_compact) + 7) & ~(size_t)7);
	nbuckets = opts->max_flows > 16 ? (uint32_t)pow2__round_up(opts->max_flows) : 16;
	t->mask = nbuckets - 1;
	if (opts->hash_key)
		t->hkey = *opts->hash_key;
	else
		flow_hash_key__init(&t->hkey);
	keyed_hash__key(&t->reasm_cfg.seg_key, hash_seed(&t->reasm_cfg));
	t->buckets = calloc(nbuckets, sizeof(*t->buckets));
	t->pool_bytes = (size_t)opts->max_flows * t->stride;
	/* mmap, not calloc: after one large free() glibc raises its mmap threshold, and a second
	 * table (tlsmon read makes one per file) would come from the heap, zeroed by memset, every
	 * page of it resident at once. Fresh anonymous pages cost nothing until a flow uses them. */
	t->pool = map_zeroed(t->pool_bytes);
	t->dirs_bytes = (size_t)opts->max_flows * 2 * t->d.block_size;
	t->d.blocks = map_zeroed(t->dirs_bytes);
	t->rare = map_zeroed(rare_bytes(t));
	t->peek = calloc(1, sizeof(*t->peek));
	if (!t->buckets || !t->pool || !t->d.blocks || !t->rare || !t->peek) {
		if (t->pool)
			munmap(t->pool, t->pool_bytes);
		if (t->d.blocks)
			munmap(t->d.blocks, t->dirs_bytes);
		if (t->rare)
			munmap(t->rare, rare_bytes(t));
		free(t->peek);
		free(t->buckets);
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void flowtab__free(struct flowtab *t)
{
	if (!t)
		return;
	for (int c = 0; c < FLOW_CLASSES; c++)
		while (t->lru_tail[c])
			release_flow(t, at(t, t->lru_tail[c]), FLOW_END_SHUTDOWN);
	munmap(t->pool, t->pool_bytes);
	munmap(t->d.blocks, t->dirs_bytes);
	munmap(t->rare, rare_bytes(t));
	free(t->peek);
	free(t->buckets);
	free(t);
}

/* The pool position + 1 of the flow with this key (and hash), 0 when absent. */
static inline uint32_t bucket_find(const struct flowtab *t, const struct tlsmon_flow_key *key,
				   uint32_t h)
{
	for (uint32_t id = t->buckets[h & t->mask]; id; id = at(t, id)->hnext)
		if (key_eq(&at(t, id)->key, key))
			return id;
	return 0;
}

void flowtab__prefetch(const struct flowtab *t, uint32_t hash)
{
	__builtin_prefetch(&t->buckets[hash & t->mask]);
}

struct flow *flowtab__lookup(struct flowtab *t, const struct pkt *p, uint64_t ts_ns, bool create,
			     int *side)
{
	struct flow_ref r;

	flow_ref__of_pkt(p, NULL, &r);
	if (side)
		*side = r.side;
	return flowtab__lookup_ref(t, &r, p, ts_ns, create);
}

struct flow *flowtab__lookup_ref(struct flowtab *t, const struct flow_ref *r, const struct pkt *p,
				 uint64_t ts_ns, bool create)
{
	const struct tlsmon_flow_key *key = &r->key;
	struct flow *f = NULL;
	uint32_t h = r->hash, id;

	id = t->last;
	if (id && key_eq(&at(t, id)->key, key)) {
		f = at(t, id);
	} else {
		if (!r->hashed)
			h = flow_hash(&t->hkey, key);
		id = bucket_find(t, key, h);
		if (id)
			f = at(t, id);
	}
	if (id) {
		t->last = id;
		/* Frames from several sources can arrive slightly out of time order; never let a
		 * flow look idler than it is. */
		if (ts_ns > f->last_ts_ns)
			f->last_ts_ns = ts_ns;
		if (f->half_open && p->payload_len) {
			lru_unlink(t, f);
			f->half_open = FLOW_ESTABLISHED;
			lru_push_head(t, f);
			t->stats.half_open--;
		} else if (t->lru_head[f->half_open] != id) {
			lru_unlink(t, f);
			lru_push_head(t, f);
		}
		return f;
	}
	if (!create)
		return NULL;

	if (!t->free_list && t->n_fresh < t->opts.max_flows) {
		id = ++t->n_fresh;
	} else {
		if (!t->free_list) {
			int c = t->lru_tail[FLOW_HALF_OPEN] ? FLOW_HALF_OPEN : FLOW_ESTABLISHED;

			t->stats.evicted++;
			if (c == FLOW_HALF_OPEN)
				t->stats.evicted_half_open++;
			release_flow(t, at(t, t->lru_tail[c]), FLOW_END_EVICTED);
		}
		id = t->free_list;
		t->free_list = at(t, id)->hnext;
	}
	f = at(t, id);
	memset(f, 0, t->stride);
	f->key = *key;
	if (p->encap.n) {
		struct flow_rare *rare = &t->rare[id - 1];

		rare->encap = malloc(sizeof(*rare->encap));
		if (rare->encap)
			*rare->encap = p->encap;
		else
			t->stats.encap_alloc_failures++;
	}
	f->first_ts_ns = f->last_ts_ns = ts_ns;
	f->half_open = p->payload_len ? FLOW_ESTABLISHED : FLOW_HALF_OPEN;
	if (f->half_open)
		t->stats.half_open++;
	f->hnext = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = id;
	lru_push_head(t, f);
	t->last = id;
	t->stats.created++;
	t->stats.active++;
	return f;
}

void flowtab__encap(const struct flowtab *t, const struct flow *f, struct encap_chain *out)
{
	static const struct encap_chain none;
	const struct encap_chain *c = rare_of(t, f)->encap;

	*out = c ? *c : none;
}

void flowtab__set_syn_pending(struct flowtab *t, struct flow *f, uint32_t isn)
{
	rare_of(t, f)->syn_pending = isn;
	f->ack_seen |= FLOW_SYN_PENDING;
}

int flowtab__syn_pending(const struct flowtab *t, const struct flow *f, uint32_t *isn)
{
	if (!(f->ack_seen & FLOW_SYN_PENDING))
		return -ENOENT;
	*isn = rare_of(t, f)->syn_pending;
	return 0;
}

struct flow *flowtab__find(struct flowtab *t, const struct tlsmon_flow_key *key)
{
	uint32_t id = bucket_find(t, key, flow_hash(&t->hkey, key));

	return id ? at(t, id) : NULL;
}

void flowtab__remove(struct flowtab *t, struct flow *f)
{
	if (!f)
		return;
	t->stats.closed++;
	release_flow(t, f, FLOW_END_CLOSED);
}

/* idle_timeout_ns == 0 disables expiry. */
void flowtab__expire(struct flowtab *t, uint64_t now_ns)
{
	struct flow *f;

	if (!t->opts.idle_timeout_ns)
		return;
	for (int c = 0; c < FLOW_CLASSES; c++) {
		while (t->lru_tail[c] && (f = at(t, t->lru_tail[c])) && now_ns > f->last_ts_ns &&
		       now_ns - f->last_ts_ns > t->opts.idle_timeout_ns) {
			t->stats.expired++;
			release_flow(t, f, FLOW_END_EXPIRED);
		}
	}
	flowtab__trim(t);
}

static bool holds(struct flowtab *t, struct flow *f)
{
	for (int d = 0; d < 2; d++) {
		const struct reasm *r = flowtab__dir_peek(t, f, d);

		if (r->held || reasm__has_suspects(r))
			return true;
	}
	return false;
}

static void shed(struct flowtab *t, struct flow *f)
{
	uint64_t before = t->reasm_stats.held_bytes;

	t->reasm_stats.shed_flows++;
	if (t->opts.shed)
		t->opts.shed(t->opts.ctx, f);
	/* Whatever the callback left (none normally) goes without delivery. */
	for (int d = 0; d < 2; d++) {
		struct reasm *r = flowtab__dir_if(t, f, d);

		if (r && (r->held || reasm__has_suspects(r))) {
			uint32_t next = r->next_seq, base = r->base_seq;

			reasm__start(r, &t->reasm_cfg, next);
			r->base_seq = base;
		}
	}
	t->reasm_stats.shed_bytes += before - t->reasm_stats.held_bytes;
}

void flowtab__enforce_budget(struct flowtab *t, struct flow *f)
{
	uint64_t cap = t->opts.max_reasm_bytes;

	if (t->reasm_stats.held_bytes > t->held_peak)
		t->held_peak = t->reasm_stats.held_bytes;
	if (f && holds(t, f) && !held_linked(t, f))
		held_push_tail(t, f);
	if (!cap)
		return;
	/* A flow whose holes filled stays listed until it comes up here: it then just leaves. */
	while (t->reasm_stats.held_bytes > cap && t->held_head) {
		struct flow *victim = at(t, t->held_head);

		held_unlink(t, victim);
		if (holds(t, victim))
			shed(t, victim);
	}
}

void flowtab__trim(struct flowtab *t)
{
	if (t->held_peak < t->reasm_stats.held_bytes)
		t->held_peak = t->reasm_stats.held_bytes;
	if (t->held_peak - t->reasm_stats.held_bytes < TRIM_AFTER_BYTES)
		return;
	t->held_peak = t->reasm_stats.held_bytes;
#ifdef __GLIBC__
	/* Held segments are small heap chunks scattered among longer-lived ones: free() alone
	 * keeps their pages, malloc_trim() returns every whole free page (MADV_DONTNEED). */
	malloc_trim(0);
#endif
}

const struct flowtab_stats *flowtab__stats(const struct flowtab *t)
{
	return &t->stats;
}

struct reasm_stats *flowtab__reasm_stats(struct flowtab *t)
{
	return &t->reasm_stats;
}

const struct reasm_cfg *flowtab__reasm_cfg(const struct flowtab *t)
{
	return &t->reasm_cfg;
}

void flowtab__keep_input(struct flowtab *t, const uint8_t *base, size_t size)
{
	reasm__keep_input(&t->reasm_cfg, base, size);
}
