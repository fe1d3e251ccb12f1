// SPDX-License-Identifier: GPL-2.0
/* Owner table: slots under a chained hash of the socket's ends, in a list by age (the oldest
 * gives way when every slot is used) and a stack of free ones (the slot a handshake just took
 * is the next one filled: its memory is still in the cache, where the oldest slot of a ring
 * never was: the table's add was 1.8 % of the daemon's samples at 2,000 handshakes/s, mostly
 * that cache miss; slots never used come after it, in order, so the table's pages become
 * resident as it fills rather than at start), the namespace left out of the hash so every
 * namespace's record of the same ends is found in one walk. A slot holds a reference to the
 * names, packed in an allocation of their length (struct proc_names has room for ~760 bytes,
 * where names are a few dozen, and a busy host fills every slot) and shared by the records of
 * one process. */
#include "host/owners.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash_seed.h"
#include "util/str_copy.h"

struct slot {
	struct tlsmon_owner rec;
	struct owner_names *names; /* a reference; NULL without names */
	uint32_t hash;
	int32_t next; /* chain, -1 at the end; on the free stack, the next free slot */
	int32_t older, newer; /* the age list, -1 at its ends */
	bool used;
};

#define NAME(f) { offsetof(struct proc_names, f), sizeof(((struct proc_names *)0)->f) }

/* The strings of struct proc_names, by enum owner_name. */
static const struct {
	size_t off, size;
} NAMES[OWNER_NAME__COUNT] = { NAME(exe), NAME(cgroup), NAME(owner.unit), NAME(owner.runtime),
			       NAME(owner.container_id), NAME(owner.pod_uid) };

struct owner_names {
	uint32_t refs;
	uint16_t at[OWNER_NAME__COUNT]; /* each string's offset in packed */
	char packed[]; /* the strings one after the other, each NUL-terminated */
};

struct owner_names *owner_names__new(const struct proc_names *n)
{
	size_t len[OWNER_NAME__COUNT], total = 0;
	struct owner_names *o;
	char *w;

	for (size_t i = 0; i < OWNER_NAME__COUNT; i++)
		total += (len[i] = strnlen((const char *)n + NAMES[i].off, NAMES[i].size - 1)) + 1;
	o = malloc(sizeof(*o) + total);
	if (!o)
		return NULL;
	o->refs = 1;
	w = o->packed;
	for (size_t i = 0; i < OWNER_NAME__COUNT; i++) {
		o->at[i] = (uint16_t)(w - o->packed);
		memcpy(w, (const char *)n + NAMES[i].off, len[i]);
		w[len[i]] = '\0';
		w += len[i] + 1;
	}
	return o;
}

struct owner_names *owner_names__ref(struct owner_names *n)
{
	n->refs++;
	return n;
}

void owner_names__put(struct owner_names *n)
{
	if (n && !--n->refs)
		free(n);
}

const char *owner_names__get(const struct owner_names *n, enum owner_name which)
{
	return n->packed + n->at[which];
}

void owner_names__unpack(const struct owner_names *n, struct proc_names *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < OWNER_NAME__COUNT; i++)
		str__copy((char *)out + NAMES[i].off, NAMES[i].size, n->packed + n->at[i],
			  NAMES[i].size);
}

struct owner_table {
	uint32_t n, mask_buckets;
	/* from a secret seed: remote ends are the network's to choose, and inputs that zero a
	 * multiply (or collide) cannot be prepared without it */
	uint64_t k[4];
	int32_t oldest, newest, free; /* -1: none */
	uint32_t fresh; /* slots from here on were never used (and are not on the free stack) */
	int32_t *buckets;
	struct slot *slots;
	struct owner_stats stats;
};

/* The slot takes e's record and a reference to its names. */
static void store_entry(struct owner_table *t, struct slot *s, const struct owner_entry *e)
{
	owner_names__put(s->names);
	s->rec = e->rec;
	s->names = e->names ? owner_names__ref(e->names) : NULL;
	if (e->has_names && !e->names)
		t->stats.names_dropped++;
}

static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Three 64x64->128 multiplies over the 40 bytes of the ends, keyed (util/keyed_hash.c's
 * construction with its keys made once per table): the byte-serial FNV-1a of the 38 bytes it
 * replaces was about a fifth of owner_table__add's samples, and keyed_hash(), which derives
 * its keys at every call, no cheaper. */
static uint32_t ends_hash(const struct owner_table *t, uint8_t family, const uint8_t *local,
			  uint16_t lport, const uint8_t *remote, uint16_t rport, uint8_t kind)
{
	uint64_t w = (uint64_t)family | (uint64_t)kind << 8 | (uint64_t)lport << 16 |
		     (uint64_t)rport << 32;
	uint64_t h = fold_mul(rd64(local) ^ t->k[0], rd64(local + 8) ^ t->k[1]);

	h = fold_mul(rd64(remote) ^ t->k[2], rd64(remote + 8) ^ h);
	h = fold_mul(w ^ t->k[3], h ^ t->k[0]);
	return (uint32_t)(h ^ (h >> 32));
}

static bool same_ends(const struct tlsmon_owner *r, uint8_t family, const uint8_t *local,
		      uint16_t lport, const uint8_t *remote, uint16_t rport, uint8_t kind)
{
	return r->family == family && r->kind == kind && r->local_port == lport &&
	       r->remote_port == rport && !memcmp(r->local_addr, local, 16) &&
	       !memcmp(r->remote_addr, remote, 16);
}

struct owner_table *owner_table__new(uint32_t max_entries)
{
	struct owner_table *t;

	if (!max_entries || (max_entries & (max_entries - 1)))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->n = max_entries;
	hash_seed__expand(hash_seed(t), t->k, 4);
	t->mask_buckets = 2 * max_entries - 1;
	t->buckets = malloc(2 * (size_t)max_entries * sizeof(*t->buckets));
	t->slots = calloc(max_entries, sizeof(*t->slots));
	if (!t->buckets || !t->slots) {
		owner_table__free(t);
		return NULL;
	}
	memset(t->buckets, 0xff, 2 * (size_t)max_entries * sizeof(*t->buckets));
	t->oldest = t->newest = t->free = -1;
	return t;
}

void owner_table__free(struct owner_table *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; t->slots && i < t->fresh; i++)
		owner_names__put(t->slots[i].names);
	free(t->buckets);
	free(t->slots);
	free(t);
}

/* Out of its chain and the age list, onto the free stack. */
static void unlink_slot(struct owner_table *t, int32_t idx)
{
	struct slot *s = &t->slots[idx];
	int32_t *pp = &t->buckets[s->hash & t->mask_buckets];

	while (*pp >= 0 && *pp != idx)
		pp = &t->slots[*pp].next;
	if (*pp == idx)
		*pp = s->next;
	if (s->older >= 0)
		t->slots[s->older].newer = s->newer;
	else
		t->oldest = s->newer;
	if (s->newer >= 0)
		t->slots[s->newer].older = s->older;
	else
		t->newest = s->older;
	s->used = false;
	owner_names__put(s->names);
	s->names = NULL;
	s->next = t->free;
	t->free = idx;
}

void owner_table__add(struct owner_table *t, const struct owner_entry *e)
{
	const struct tlsmon_owner *r = &e->rec;
	uint32_t h = ends_hash(t, r->family, r->local_addr, r->local_port, r->remote_addr,
			       r->remote_port, r->kind);
	int32_t idx;
	struct slot *s;

	for (idx = t->buckets[h & t->mask_buckets]; idx >= 0; idx = t->slots[idx].next) {
		s = &t->slots[idx];
		if (s->hash == h && s->rec.netns == r->netns &&
		    same_ends(&s->rec, r->family, r->local_addr, r->local_port, r->remote_addr,
			      r->remote_port, r->kind)) {
			store_entry(t, s, e);
			t->stats.replaced++;
			return;
		}
	}
	if (t->free < 0 && t->fresh < t->n) {
		idx = (int32_t)t->fresh++;
	} else {
		if (t->free < 0) {
			unlink_slot(t, t->oldest);
			t->stats.evicted++;
		}
		idx = t->free;
		t->free = t->slots[idx].next;
	}
	s = &t->slots[idx];
	store_entry(t, s, e);
	s->hash = h;
	s->used = true;
	s->next = t->buckets[h & t->mask_buckets];
	t->buckets[h & t->mask_buckets] = idx;
	s->older = t->newest;
	s->newer = -1;
	if (t->newest >= 0)
		t->slots[t->newest].newer = idx;
	else
		t->oldest = idx;
	t->newest = idx;
	t->stats.added++;
}

int owner_table__take(struct owner_table *t, uint8_t family, const uint8_t local[16],
		      uint16_t local_port, const uint8_t remote[16], uint16_t remote_port,
		      uint8_t kind, struct owner_entry *out)
{
	uint32_t h = ends_hash(t, family, local, local_port, remote, remote_port, kind);
	int32_t idx, found = -1;

	for (idx = t->buckets[h & t->mask_buckets]; idx >= 0; idx = t->slots[idx].next) {
		const struct slot *s = &t->slots[idx];

		if (s->hash != h ||
		    !same_ends(&s->rec, family, local, local_port, remote, remote_port, kind))
			continue;
		if (found >= 0) {
			t->stats.ambiguous++;
			return -EEXIST;
		}
		found = idx;
	}
	if (found < 0) {
		t->stats.missed++;
		return 0;
	}
	out->rec = t->slots[found].rec;
	out->names = t->slots[found].names; /* the slot's reference, now the caller's */
	out->has_names = out->names != NULL;
	t->slots[found].names = NULL;
	unlink_slot(t, found);
	t->stats.taken++;
	return 1;
}

const struct owner_stats *owner_table__stats(const struct owner_table *t)
{
	return &t->stats;
}
