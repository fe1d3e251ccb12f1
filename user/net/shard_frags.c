// SPDX-License-Identifier: GPL-2.0
/* IP fragments dealt to their flow's worker (shard_frags.h). A small table remembers, per
 * datagram (addresses, identification), the worker its first fragment picked; fragments that
 * come before it wait in arrival order. Both are bounded: a datagram pushed out of the table
 * releases what it held to worker 0, and a fragment that finds no room is dealt to worker 0. */
#include "net/shard_frags.h"

#include <stdlib.h>
#include <string.h>

#include "net/flowtab.h"
#include "net/shard.h"

#define SLOTS 64 /* datagrams followed at once */
#define MAX_HELD 256 /* fragments waiting for their first one */
#define MAX_HELD_BYTES (1u << 20)

struct slot {
	uint64_t tag; /* 0: free */
	int32_t worker; /* -1 until the first fragment came */
};

struct held {
	struct frame f;
	uint8_t *copy; /* f.data's copy, when copying */
	uint64_t tag;
	uint32_t worker; /* once released */
};

struct shard_frags {
	bool copy;
	struct flow_hash_key seed;
	struct slot slot[SLOTS];
	uint32_t victim; /* next slot to reuse, round robin */
	struct held held[MAX_HELD]; /* in arrival order */
	uint32_t n_held;
	size_t held_bytes;
	struct held out[MAX_HELD]; /* released, in order */
	uint32_t n_out, at_out;
	uint8_t *done; /* the copy of the frame last handed out, freed at the next call */
};

struct shard_frags *shard_frags__new(bool copy, const struct flow_hash_key *seed)
{
	struct shard_frags *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->copy = copy;
	s->seed = *seed;
	return s;
}

static void drop_done(struct shard_frags *s)
{
	free(s->done);
	s->done = NULL;
}

void shard_frags__free(struct shard_frags *s)
{
	if (!s)
		return;
	drop_done(s);
	for (uint32_t i = 0; i < s->n_held; i++)
		free(s->held[i].copy);
	for (uint32_t i = s->at_out; i < s->n_out; i++)
		free(s->out[i].copy);
	free(s);
}

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* A plain Ethernet IP fragment: its datagram's tag (never 0), whether it is the first (offset
 * 0), and for a first one that carries a TCP header's ports, its flow's key. False when f is not
 * such a fragment. RFC 791 (MF, fragment offset), RFC 8200 4.5 (the Fragment header). */
static bool parse_frag(const struct frame *f, uint64_t *tag, bool *first, struct tlsmon_flow_key *k,
		       bool *have_key)
{
	const uint8_t *p = f->data;
	size_t len = f->caplen, l4;
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t proto;

	*have_key = false;
	if (f->linktype != LINKTYPE_ETHERNET || len < 14 + 20)
		return false;
	memset(k, 0, sizeof(*k));
	if (p[12] == 0x08 && p[13] == 0x00) {
		size_t ihl = (size_t)(p[14] & 0x0f) * 4;

		if (p[14] >> 4 != 4 || ihl < 20 || len < 14 + ihl || !((p[20] & 0x3f) || p[21]))
			return false;
		*first = !(p[20] & 0x1f) && !p[21];
		/* addresses, identification and protocol name the datagram */
		h = fnv(h, p + 26, 8);
		h = fnv(h, p + 18, 2);
		h = fnv(h, p + 23, 1);
		proto = p[23];
		l4 = 14 + ihl;
		k->family = 4;
		memcpy(k->addr[0], p + 26, 4);
		memcpy(k->addr[1], p + 30, 4);
	} else if (p[12] == 0x86 && p[13] == 0xdd) {
		if (p[14] >> 4 != 6 || p[20] != 44 || len < 14 + 40 + 8)
			return false;
		*first = !p[56] && !(p[57] & 0xf8);
		h = fnv(h, p + 22, 32);
		h = fnv(h, p + 58, 4);
		proto = p[54];
		l4 = 14 + 40 + 8;
		k->family = 6;
		memcpy(k->addr[0], p + 22, 16);
		memcpy(k->addr[1], p + 38, 16);
	} else {
		return false;
	}
	*tag = h ? h : 1;
	if (*first && proto == 6 && len >= l4 + 4) {
		k->port[0] = (uint16_t)(p[l4] << 8 | p[l4 + 1]);
		k->port[1] = (uint16_t)(p[l4 + 2] << 8 | p[l4 + 3]);
		tlsmon_flow_key_normalize(k);
		*have_key = true;
	}
	return true;
}

static struct slot *find(struct shard_frags *s, uint64_t tag)
{
	for (uint32_t i = 0; i < SLOTS; i++)
		if (s->slot[i].tag == tag)
			return &s->slot[i];
	return NULL;
}

/* The held fragments of tag (all of them when tag is 0) go out to worker, in their order. */
static void release(struct shard_frags *s, uint64_t tag, uint32_t worker)
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < s->n_held; i++) {
		struct held *h = &s->held[i];

		if (tag && h->tag != tag) {
			s->held[kept++] = *h;
			continue;
		}
		h->worker = worker;
		s->held_bytes -= h->f.caplen;
		s->out[s->n_out++] = *h;
	}
	s->n_held = kept;
}

static struct slot *take_slot(struct shard_frags *s, uint64_t tag)
{
	struct slot *sl = &s->slot[s->victim];

	s->victim = (s->victim + 1) % SLOTS;
	if (sl->tag && sl->worker < 0)
		release(s, sl->tag, 0); /* its first fragment never came: as before, worker 0 */
	sl->tag = tag;
	sl->worker = -1;
	return sl;
}

static bool hold(struct shard_frags *s, const struct frame *f, uint64_t tag)
{
	struct held *h;

	if (s->n_held == MAX_HELD || s->held_bytes + f->caplen > MAX_HELD_BYTES)
		return false;
	h = &s->held[s->n_held];
	*h = (struct held){ .f = *f, .tag = tag };
	if (s->copy) {
		h->copy = malloc(f->caplen ? f->caplen : 1);
		if (!h->copy)
			return false;
		memcpy(h->copy, f->data, f->caplen);
		h->f.data = h->copy;
	}
	s->n_held++;
	s->held_bytes += f->caplen;
	return true;
}

int shard_frags__deal(struct shard_frags *s, const struct frame *f, uint32_t n)
{
	struct tlsmon_flow_key k;
	struct slot *sl;
	uint64_t tag;
	bool first, have_key;
	uint32_t w;

	if (n <= 1)
		return 0;
	drop_done(s);
	while (s->at_out < s->n_out) /* not taken by the caller: not expected, but not leaked */
		free(s->out[s->at_out++].copy);
	s->n_out = s->at_out = 0;
	if (!parse_frag(f, &tag, &first, &k, &have_key))
		return (int)shard__of_frame(&s->seed, f, n);
	sl = find(s, tag);
	if (first) {
		w = have_key ? shard__of_key(&s->seed, &k, n) : 0;
		if (!sl)
			sl = take_slot(s, tag);
		sl->worker = (int32_t)w;
		release(s, tag, w);
		return (int)w;
	}
	if (sl && sl->worker >= 0)
		return sl->worker;
	if (!sl)
		sl = take_slot(s, tag);
	return hold(s, f, tag) ? -1 : 0;
}

bool shard_frags__released(struct shard_frags *s, struct frame *out, uint32_t *worker)
{
	if (!s)
		return false;
	drop_done(s);
	if (s->at_out == s->n_out)
		return false;
	*out = s->out[s->at_out].f;
	*worker = s->out[s->at_out].worker;
	s->done = s->out[s->at_out].copy;
	s->at_out++;
	return true;
}

void shard_frags__flush(struct shard_frags *s)
{
	if (!s)
		return;
	drop_done(s);
	while (s->at_out < s->n_out)
		free(s->out[s->at_out++].copy);
	s->n_out = s->at_out = 0;
	release(s, 0, 0);
	memset(s->slot, 0, sizeof(s->slot));
	s->victim = 0;
}
