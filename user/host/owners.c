// SPDX-License-Identifier: GPL-2.0
/* Owner table: a ring of entries (the next slot is the oldest) under a chained hash of the
 * socket's ends, the namespace left out of the hash so every namespace's record of the same
 * ends is found in one walk. */
#include "host/owners.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	struct owner_entry e;
	uint32_t hash;
	int32_t next; /* chain, -1 at the end */
	bool used;
};

struct owner_table {
	uint32_t n, mask_buckets, cursor;
	int32_t *buckets;
	struct slot *slots;
	struct owner_stats stats;
};

static uint32_t ends_hash(uint8_t family, const uint8_t *local, uint16_t lport,
			  const uint8_t *remote, uint16_t rport, uint8_t kind)
{
	uint32_t h = 2166136261u;
	uint8_t b[2 + 16 + 16 + 4];

	b[0] = family;
	b[1] = kind;
	memcpy(b + 2, local, 16);
	memcpy(b + 18, remote, 16);
	memcpy(b + 34, &lport, 2);
	memcpy(b + 36, &rport, 2);
	for (size_t i = 0; i < sizeof(b); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
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
	t->mask_buckets = 2 * max_entries - 1;
	t->buckets = malloc(2 * (size_t)max_entries * sizeof(*t->buckets));
	t->slots = calloc(max_entries, sizeof(*t->slots));
	if (!t->buckets || !t->slots) {
		owner_table__free(t);
		return NULL;
	}
	memset(t->buckets, 0xff, 2 * (size_t)max_entries * sizeof(*t->buckets));
	return t;
}

void owner_table__free(struct owner_table *t)
{
	if (!t)
		return;
	free(t->buckets);
	free(t->slots);
	free(t);
}

static void unlink_slot(struct owner_table *t, int32_t idx)
{
	int32_t *pp = &t->buckets[t->slots[idx].hash & t->mask_buckets];

	while (*pp >= 0 && *pp != idx)
		pp = &t->slots[*pp].next;
	if (*pp == idx)
		*pp = t->slots[idx].next;
	t->slots[idx].used = false;
}

void owner_table__add(struct owner_table *t, const struct owner_entry *e)
{
	const struct tlsmon_owner *r = &e->rec;
	uint32_t h = ends_hash(r->family, r->local_addr, r->local_port, r->remote_addr,
			       r->remote_port, r->kind);
	int32_t idx;
	struct slot *s;

	for (idx = t->buckets[h & t->mask_buckets]; idx >= 0; idx = t->slots[idx].next) {
		s = &t->slots[idx];
		if (s->hash == h && s->e.rec.netns == r->netns &&
		    same_ends(&s->e.rec, r->family, r->local_addr, r->local_port, r->remote_addr,
			      r->remote_port, r->kind)) {
			s->e = *e;
			t->stats.replaced++;
			return;
		}
	}
	idx = (int32_t)t->cursor;
	t->cursor = (t->cursor + 1) & (t->n - 1);
	s = &t->slots[idx];
	if (s->used) {
		unlink_slot(t, idx);
		t->stats.evicted++;
	}
	s->e = *e;
	s->hash = h;
	s->used = true;
	s->next = t->buckets[h & t->mask_buckets];
	t->buckets[h & t->mask_buckets] = idx;
	t->stats.added++;
}

int owner_table__take(struct owner_table *t, uint8_t family, const uint8_t local[16],
		      uint16_t local_port, const uint8_t remote[16], uint16_t remote_port,
		      uint8_t kind, struct owner_entry *out)
{
	uint32_t h = ends_hash(family, local, local_port, remote, remote_port, kind);
	int32_t idx, found = -1;

	for (idx = t->buckets[h & t->mask_buckets]; idx >= 0; idx = t->slots[idx].next) {
		const struct slot *s = &t->slots[idx];

		if (s->hash != h ||
		    !same_ends(&s->e.rec, family, local, local_port, remote, remote_port, kind))
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
	*out = t->slots[found].e;
	unlink_slot(t, found);
	t->stats.taken++;
	return 1;
}

const struct owner_stats *owner_table__stats(const struct owner_table *t)
{
	return &t->stats;
}
