// SPDX-License-Identifier: GPL-2.0
/* Flow table: a chained hash table over a preallocated pool of flows, with an intrusive LRU list
 * (most recently used at the head). The pool is sized at max_flows when the table is made, so
 * the steady state allocates nothing per flow; a full table recycles its least recently used
 * flow. Idle expiry looks at the LRU tail only, so it costs one comparison when nothing is due.
 *
 * The release callback runs after the flow has left the hash and LRU lists but before its
 * reassembly state is reset, so the engine can still flush it there. It must not call back into
 * the table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "flowtab.h"

#define FLOWTAB_MAX_FLOWS (1u << 26)

struct flowtab {
	struct flowtab_opts opts; /* opts.reasm is what every flow's reasm points at */
	struct flow *pool;
	struct flow *free_list; /* released flows, linked through hnext */
	uint32_t pool_used; /* pool[pool_used..] has never been handed out */
	struct flow **buckets;
	uint32_t mask;
	uint64_t seed;
	struct flow *lru_head, *lru_tail;
	struct flowtab_stats stats;
	struct reasm_stats reasm_stats;
};

_Static_assert(sizeof(struct flow_key) == 40, "flow_key is hashed and compared as raw bytes");

void flow_key__from_pkt(const struct pkt *p, struct flow_key *key, int *side)
{
	size_t alen = p->family == 4 ? 4 : 16;
	uint8_t sa[16] = { 0 }, da[16] = { 0 };
	int cmp, s;

	/* Only the meaningful address bytes count, so stray bytes after an IPv4 address can
	 * never split one connection into two flows. */
	memcpy(sa, p->saddr, alen);
	memcpy(da, p->daddr, alen);
	cmp = memcmp(sa, da, sizeof(sa));
	if (!cmp)
		cmp = (int)p->sport - (int)p->dport;
	/* A connection to itself (same address and port) has only one side: 0. */
	s = cmp > 0;

	memset(key, 0, sizeof(*key));
	key->family = p->family;
	memcpy(key->addr[s], sa, sizeof(sa));
	memcpy(key->addr[!s], da, sizeof(da));
	key->port[s] = p->sport;
	key->port[!s] = p->dport;
	if (side)
		*side = s;
}

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* MurmurHash3-style mixing over the key's five 64-bit words, seeded per table so that remote
 * peers cannot aim their tuples at one bucket. */
static uint32_t flow_hash(const struct flowtab *t, const struct flow_key *key)
{
	const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
	const uint8_t *b = (const uint8_t *)key;
	uint64_t h = t->seed ^ sizeof(*key), k;
	size_t i;

	for (i = 0; i < sizeof(*key); i += 8) {
		memcpy(&k, b + i, 8);
		k *= c1;
		k = rotl64(k, 31);
		k *= c2;
		h ^= k;
		h = rotl64(h, 27) * 5 + 0x52dce729;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

static void lru_unlink(struct flowtab *t, struct flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		t->lru_head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		t->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_push_head(struct flowtab *t, struct flow *f)
{
	f->lru_prev = NULL;
	f->lru_next = t->lru_head;
	if (t->lru_head)
		t->lru_head->lru_prev = f;
	else
		t->lru_tail = f;
	t->lru_head = f;
}

static void hash_unlink(struct flowtab *t, struct flow *f)
{
	struct flow **pp = &t->buckets[f->hash & t->mask];

	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	f->hnext = NULL;
}

static void release_flow(struct flowtab *t, struct flow *f, enum flow_end_reason why)
{
	hash_unlink(t, f);
	lru_unlink(t, f);
	if (t->opts.release)
		t->opts.release(t->opts.ctx, f, why);
	reasm__reset(&f->dir[0]);
	reasm__reset(&f->dir[1]);
	f->app = NULL;
	f->hnext = t->free_list;
	t->free_list = f;
	t->stats.active--;
}

static uint64_t table_seed(const struct flowtab *t)
{
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	/* No entropy yet (early boot): the table's address still differs between runs (ASLR). */
	return (uint64_t)(uintptr_t)t * 0x9e3779b97f4a7c15ULL;
}

struct flowtab *flowtab__new(const struct flowtab_opts *opts)
{
	struct flowtab *t;
	uint32_t nbuckets = 16;

	if (!opts || !opts->max_flows || opts->max_flows > FLOWTAB_MAX_FLOWS) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->opts = *opts;
	while (nbuckets < opts->max_flows)
		nbuckets <<= 1;
	t->mask = nbuckets - 1;
	t->seed = table_seed(t);
	t->buckets = calloc(nbuckets, sizeof(*t->buckets));
	t->pool = calloc(opts->max_flows, sizeof(*t->pool));
	if (!t->buckets || !t->pool) {
		free(t->pool);
		free(t->buckets);
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	/* The pool is not threaded onto the free list here: that touched every page of it
	 * (11 MiB at the default 65,536 flows, most of `tlsmon read`'s start-up). Flows are
	 * taken from it in order once the free list is empty, the same order as before. */
	return t;
}

void flowtab__free(struct flowtab *t)
{
	if (!t)
		return;
	while (t->lru_tail)
		release_flow(t, t->lru_tail, FLOW_END_SHUTDOWN);
	free(t->pool);
	free(t->buckets);
	free(t);
}

struct flow *flowtab__lookup(struct flowtab *t, const struct pkt *p, uint64_t ts_ns, bool create,
			     int *side)
{
	struct flow_key key;
	struct flow *f;
	uint32_t h;

	flow_key__from_pkt(p, &key, side);
	h = flow_hash(t, &key);
	for (f = t->buckets[h & t->mask]; f; f = f->hnext) {
		if (f->hash == h && !memcmp(&f->key, &key, sizeof(key)))
			break;
	}
	if (f) {
		/* Frames from several sources can arrive slightly out of time order; never let a
		 * flow look idler than it is. */
		if (ts_ns > f->last_ts_ns)
			f->last_ts_ns = ts_ns;
		if (t->lru_head != f) {
			lru_unlink(t, f);
			lru_push_head(t, f);
		}
		return f;
	}
	if (!create)
		return NULL;

	if (!t->free_list && t->pool_used < t->opts.max_flows) {
		f = &t->pool[t->pool_used++];
	} else {
		if (!t->free_list) {
			t->stats.evicted++;
			release_flow(t, t->lru_tail, FLOW_END_EVICTED);
		}
		f = t->free_list;
		t->free_list = f->hnext;
	}
	memset(f, 0, sizeof(*f));
	f->key = key;
	f->hash = h;
	f->first_ts_ns = f->last_ts_ns = ts_ns;
	reasm__init(&f->dir[0], &t->opts.reasm, &t->reasm_stats);
	reasm__init(&f->dir[1], &t->opts.reasm, &t->reasm_stats);
	f->hnext = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = f;
	lru_push_head(t, f);
	t->stats.created++;
	t->stats.active++;
	return f;
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
	while ((f = t->lru_tail) && now_ns > f->last_ts_ns &&
	       now_ns - f->last_ts_ns > t->opts.idle_timeout_ns) {
		t->stats.expired++;
		release_flow(t, f, FLOW_END_EXPIRED);
	}
}

const struct flowtab_stats *flowtab__stats(const struct flowtab *t)
{
	return &t->stats;
}

struct reasm_stats *flowtab__reasm_stats(struct flowtab *t)
{
	return &t->reasm_stats;
}
