// SPDX-License-Identifier: GPL-2.0-only
/* The certificate cache: a busy host sees the same few chains again and again, and the analysis
 * (x509.c) is the expensive part, so each distinct DER is analysed once and its info shared by
 * reference until evicted. */
#include "x509/x509.h"
#include "x509/x509_int.h"
#include "util/hash_seed.h"
#include "util/keyed_hash.h"
#include "util/pow2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


/* Cache: a fixed pool of max_entries slots, a chained hash keyed by der_locator(), and an LRU list
 * that holds only unreferenced entries, so eviction is O(1) and never touches an info a caller
 * still holds. When every slot is referenced, the miss is analysed but not cached: the caller
 * gets a private info (refs 1) that x509_info__put frees. The cache thus never exceeds
 * max_entries; what is outstanding beyond it is bounded by what callers hold. */
struct x509_entry {
	struct x509_info *info; /* with a copy of the DER (info->der), to confirm a hit byte for
				 * byte: in the info's block, not a second allocation */
	uint64_t hash; /* der_locator() of the DER: the lookup key */
	struct x509_entry *hnext;
	struct x509_entry **pprev; /* what points at this entry: its bucket or the previous hnext,
				    * so that an eviction unlinks it without walking the chain */
	struct x509_entry *prev, *next; /* LRU links while refs == 0 */
};

struct x509_cache {
	uint32_t max_entries;
	uint32_t bucket_mask;
	struct x509_entry **buckets;
	struct x509_entry *slots;
	/* slots handed out so far, in order; then the LRU tail is reused. Not a free list made at
	 * start: that wrote every slot (192 KiB resident for the default 4,096) before any
	 * certificate came. */
	uint32_t used;
	struct x509_entry lru; /* lru.next: most recently released; lru.prev: eviction victim */
	/* seeded per cache, so colliding certificates cannot be prepared in advance */
	struct keyed_hash_key key;
	struct x509_cache_stats stats;
};

#define X509_CACHE_MAX (1u << 24)

struct x509_cache *x509_cache__new(uint32_t max_entries)
{
	struct x509_cache *c;
	uint32_t nb;

	if (max_entries == 0 || max_entries > X509_CACHE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	nb = (uint32_t)pow2__round_up(max_entries);
	c = calloc(1, sizeof(*c));
	if (!c)
		goto cleanup;
	c->max_entries = max_entries;
	c->bucket_mask = nb - 1;
	c->buckets = calloc(nb, sizeof(*c->buckets));
	c->slots = calloc(max_entries, sizeof(*c->slots));
	if (!c->buckets || !c->slots)
		goto cleanup;
	keyed_hash__key(&c->key, hash_seed(c));
	c->lru.next = c->lru.prev = &c->lru;
	return c;

cleanup:
	x509_cache__free(c);
	errno = ENOMEM;
	return NULL;
}

void x509_cache__free(struct x509_cache *c)
{
	uint32_t i;

	if (!c)
		return;
	for (i = 0; c->slots && i < c->used; i++)
		x509_info__free(c->slots[i].info);
	free(c->slots);
	free(c->buckets);
	free(c);
}

/* A cache hit must not cost a SHA-256 of the certificate (it was 40% of the offline read's
 * instructions): hits are found by a seeded 64-bit hash of the DER (util/keyed_hash.h) and
 * confirmed by comparing the bytes; the SHA-256 is computed once, on a miss. As every hit is
 * confirmed byte for byte, the lookup key need not cover every byte: hashing all
 * of a 30 KB certificate and then comparing it as well read it twice. The key covers the length
 * and the first and last LOCATOR_SAMPLE bytes (serial number at the start, the last bytes of the
 * signature at the end, which alone tell apart any two certificates an issuer signs: 64 bytes of
 * an RSA or ECDSA signature; 512 on each side was a third of every handshake's hashing on the
 * mix). Certificates made to differ only in between share a key; at most LOCATOR_SAME_MAX of
 * them are cached, so a lookup never compares more than that many whole certificates. */
#define LOCATOR_SAMPLE 64
#define LOCATOR_SAME_MAX 4

static uint64_t der_locator(const uint8_t *p, size_t len, const struct keyed_hash_key *key)
{
	if (len <= 2 * LOCATOR_SAMPLE)
		return keyed_hash__with(key, p, len, 0);
	return keyed_hash__with(key, p + len - LOCATOR_SAMPLE, LOCATOR_SAMPLE,
				keyed_hash__with(key, p, LOCATOR_SAMPLE, 0) ^ len);
}

static struct x509_entry **bucket_of(struct x509_cache *c, uint64_t hash)
{
	return &c->buckets[hash & c->bucket_mask];
}

/* *same: how many cached certificates share the key and length without being equal. */
static struct x509_entry *lookup(struct x509_cache *c, uint64_t hash, const uint8_t *der,
				 size_t len, unsigned int *same)
{
	struct x509_entry *e;

	*same = 0;
	for (e = *bucket_of(c, hash); e; e = e->hnext) {
		if (e->hash != hash || e->info->der_len != len)
			continue;
		if (memcmp(e->info->der, der, len) == 0)
			return e;
		(*same)++;
	}
	return NULL;
}

static void lru_unlink(struct x509_entry *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct x509_cache *c, struct x509_entry *e)
{
	e->next = c->lru.next;
	e->prev = &c->lru;
	c->lru.next->prev = e;
	c->lru.next = e;
}

static struct x509_entry *take_slot(struct x509_cache *c)
{
	struct x509_entry *e;

	if (c->used < c->max_entries)
		return &c->slots[c->used++];
	e = c->lru.prev;
	if (e == &c->lru)
		return NULL; /* every entry is referenced */
	lru_unlink(e);
	*e->pprev = e->hnext;
	if (e->hnext)
		e->hnext->pprev = e->pprev;
	x509_info__free(e->info);
	e->info = NULL;
	c->stats.evictions++;
	c->stats.entries--;
	return e;
}

/* What evicting victim will touch, fetched while the new certificate is hashed and read: with
 * thousands of entries, cold ones are what a full cache evicts, and the eviction's unlinking
 * (hash chain and LRU neighbours) and the free of its info (the block's head, and the pointers
 * at its end) each waited for memory. victim itself was prefetched before the hashing. */
static void prefetch_eviction(const struct x509_entry *victim)
{
	__builtin_prefetch(victim->pprev, 1);
	__builtin_prefetch(victim->prev, 1);
	__builtin_prefetch(victim->info, 1);
	__builtin_prefetch(&victim->info->json, 0);
}

const struct x509_info *x509_cache__get(struct x509_cache *c, const uint8_t *der, size_t len)
{
	struct x509_entry *e, **bucket;
	struct x509_info *info;
	uint64_t hash = der_locator(der, len, &c->key);
	unsigned int same;
	uint8_t sha[32], sha1[20];
	struct x509_entry *victim;

	c->stats.lookups++;
	e = lookup(c, hash, der, len, &same);
	if (e && e->info->refs < UINT32_MAX) {
		c->stats.hits++;
		e->info->reused = true;
		if (e->info->refs++ == 0)
			lru_unlink(e);
		return e->info;
	}
	victim = c->used < c->max_entries ? NULL : c->lru.prev;
	if (victim == &c->lru)
		victim = NULL;
	if (victim)
		__builtin_prefetch(victim, 1);
	x509__digests(der, len, sha, sha1);
	if (victim)
		prefetch_eviction(victim);
	info = x509__analyze_digest(der, len, sha, sha1, true, true);
	if (!info)
		return NULL;
	/* No copy of a DER over 4 GiB is kept (x509__analyze_digest): nothing to confirm a hit
	 * with. The length decides it, rather than info->der: the info was just written, and a load
	 * from it waited for its lines. */
	e = e || same >= LOCATOR_SAME_MAX || len > UINT32_MAX ? NULL : take_slot(c);
	if (e) {
		info->cache_slot = e;
		e->info = info;
		e->hash = hash;
		bucket = bucket_of(c, hash);
		e->hnext = *bucket;
		if (e->hnext)
			e->hnext->pprev = &e->hnext;
		e->pprev = bucket;
		*bucket = e;
		c->stats.entries++;
	} else {
		c->stats.uncached++;
	}
	if (!info->parsed)
		c->stats.parse_failures++;
	return info;
}

void x509_info__put(struct x509_cache *c, const struct x509_info *cinfo)
{
	struct x509_info *info = (struct x509_info *)cinfo;
	struct x509_entry *e;

	if (!info)
		return;
	e = c ? info->cache_slot : NULL;
	if (e && e->info == info) {
		if (info->refs && --info->refs == 0)
			lru_push(c, e);
		return;
	}
	/* Not in the cache: a private info from a full cache, or from x509__analyze. */
	if (info->refs <= 1)
		x509_info__free(info);
	else
		info->refs--;
}

const struct x509_cache_stats *x509_cache__stats(const struct x509_cache *c)
{
	return &c->stats;
}
