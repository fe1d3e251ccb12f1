// SPDX-License-Identifier: GPL-2.0
/* A fixed array of entries, chained in a hash table by index and kept in recency order on a
 * doubly linked list; a full table reuses its least recently used entry. */
#include "verdict/resume_memo.h"

#include <stdlib.h>
#include <string.h>

#include "tls/tls_names.h"
#include "util/hash_seed.h"

#define NONE UINT32_MAX

struct memo_entry {
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;
	uint16_t sni_len;
	uint8_t sni[TLS_MAX_SNI_LEN];
	uint64_t ts_ns;
	char leaf_sha256[65];
	uint32_t hash, hnext, newer, older;
};

struct resume_memo {
	uint32_t max, n, n_buckets;
	uint32_t newest, oldest;
	uint32_t seed; /* SNIs are chosen by the network: util/hash_seed.h */
	uint32_t *buckets;
	struct memo_entry *e;
	struct resume_memo_stats stats;
};

static uint32_t fnv1a(uint32_t h, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

struct memo_key {
	uint8_t family;
	const uint8_t *addr;
	uint16_t port;
	const uint8_t *sni;
	uint16_t sni_len;
};

static struct memo_key key_of(const struct handshake *hs)
{
	bool sni = hs->has_client_hello && hs->ch.has_sni;

	return (struct memo_key){
		.family = hs->family,
		.addr = hs->server_addr,
		.port = hs->server_port,
		.sni = hs->ch.sni,
		.sni_len = sni ? (hs->ch.sni_len < TLS_MAX_SNI_LEN ? hs->ch.sni_len : TLS_MAX_SNI_LEN) : 0,
	};
}

static uint32_t key_hash(const struct resume_memo *m, const struct memo_key *k)
{
	uint32_t h = fnv1a(2166136261u ^ m->seed, &k->family, 1);

	h = fnv1a(h, k->addr, 16);
	h = fnv1a(h, &k->port, 2);
	return fnv1a(h, k->sni, k->sni_len);
}

static bool key_eq(const struct memo_entry *e, const struct memo_key *k)
{
	return e->family == k->family && e->port == k->port && e->sni_len == k->sni_len &&
	       !memcmp(e->addr, k->addr, 16) && !memcmp(e->sni, k->sni, k->sni_len);
}

struct resume_memo *resume_memo__new(uint32_t max_entries)
{
	struct resume_memo *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->max = max_entries ? max_entries : RESUME_MEMO_DEFAULT_MAX;
	m->n_buckets = 1;
	while (m->n_buckets < m->max && m->n_buckets < (1u << 30))
		m->n_buckets <<= 1;
	m->buckets = malloc(m->n_buckets * sizeof(*m->buckets));
	m->e = calloc(m->max, sizeof(*m->e));
	if (!m->buckets || !m->e) {
		resume_memo__free(m);
		return NULL;
	}
	memset(m->buckets, 0xff, m->n_buckets * sizeof(*m->buckets));
	m->newest = m->oldest = NONE;
	m->seed = (uint32_t)hash_seed(m);
	return m;
}

void resume_memo__free(struct resume_memo *m)
{
	if (!m)
		return;
	free(m->buckets);
	free(m->e);
	free(m);
}

static uint32_t find(const struct resume_memo *m, const struct memo_key *k, uint32_t h)
{
	for (uint32_t i = m->buckets[h & (m->n_buckets - 1)]; i != NONE; i = m->e[i].hnext)
		if (m->e[i].hash == h && key_eq(&m->e[i], k))
			return i;
	return NONE;
}

static void unlink_recency(struct resume_memo *m, uint32_t i)
{
	struct memo_entry *e = &m->e[i];

	if (e->newer != NONE)
		m->e[e->newer].older = e->older;
	else
		m->newest = e->older;
	if (e->older != NONE)
		m->e[e->older].newer = e->newer;
	else
		m->oldest = e->newer;
}

static void push_newest(struct resume_memo *m, uint32_t i)
{
	m->e[i].newer = NONE;
	m->e[i].older = m->newest;
	if (m->newest != NONE)
		m->e[m->newest].newer = i;
	m->newest = i;
	if (m->oldest == NONE)
		m->oldest = i;
}

static void unlink_hash(struct resume_memo *m, uint32_t i)
{
	uint32_t *pp = &m->buckets[m->e[i].hash & (m->n_buckets - 1)];

	while (*pp != i)
		pp = &m->e[*pp].hnext;
	*pp = m->e[i].hnext;
}

bool resume_note__from(const struct handshake *hs, struct resume_note *n)
{
	struct memo_key k = key_of(hs);
	/* TLS 1.3 encrypts the chain: its full handshakes are remembered without a leaf. */
	bool tls13_full = hs->version == TLS_VERSION_TLS13 && hs->has_server_hello &&
			  !hs->sh.hello_retry_request && hs->outcome == HS_OUTCOME_ESTABLISHED;

	if (hs->resumption || (!tls13_full && (!hs->has_certificate || !hs->n_certs || !hs->certs[0])))
		return false;
	n->family = k.family;
	memcpy(n->addr, k.addr, 16);
	n->port = k.port;
	n->sni_len = k.sni_len;
	memcpy(n->sni, k.sni, k.sni_len);
	n->ts_ns = hs->start_ts_ns;
	n->leaf_sha256[0] = '\0';
	if (hs->has_certificate && hs->n_certs && hs->certs[0])
		memcpy(n->leaf_sha256, hs->certs[0]->sha256_hex, sizeof(n->leaf_sha256));
	n->leaf_sha256[sizeof(n->leaf_sha256) - 1] = '\0';
	return true;
}

void resume_memo__note(struct resume_memo *m, const struct resume_note *n)
{
	struct memo_key k = {
		.family = n->family, .addr = n->addr, .port = n->port, .sni = n->sni,
		.sni_len = n->sni_len,
	};
	uint32_t h, i;
	struct memo_entry *e;

	h = key_hash(m, &k);
	i = find(m, &k, h);
	if (i != NONE) {
		unlink_recency(m, i);
	} else {
		if (m->n < m->max) {
			i = m->n++;
		} else {
			i = m->oldest;
			unlink_recency(m, i);
			unlink_hash(m, i);
			m->stats.evicted++;
		}
		e = &m->e[i];
		e->family = k.family;
		memcpy(e->addr, k.addr, 16);
		e->port = k.port;
		e->sni_len = k.sni_len;
		memcpy(e->sni, k.sni, k.sni_len);
		e->hash = h;
		e->hnext = m->buckets[h & (m->n_buckets - 1)];
		m->buckets[h & (m->n_buckets - 1)] = i;
	}
	e = &m->e[i];
	e->ts_ns = n->ts_ns;
	memcpy(e->leaf_sha256, n->leaf_sha256, sizeof(e->leaf_sha256));
	push_newest(m, i);
	m->stats.entries = m->n;
}

void resume_memo__note_chain(struct resume_memo *m, const struct handshake *hs)
{
	struct resume_note n;

	if (resume_note__from(hs, &n))
		resume_memo__note(m, &n);
}

void resume_memo__lookup(struct resume_memo *m, struct handshake *hs)
{
	struct memo_key k = key_of(hs);
	uint32_t h = key_hash(m, &k), i = find(m, &k, h);

	hs->has_chain_from = false;
	if (i == NONE)
		return;
	unlink_recency(m, i);
	push_newest(m, i);
	hs->has_chain_from = true;
	hs->chain_from_ts_ns = m->e[i].ts_ns;
	memcpy(hs->chain_from_leaf_sha256, m->e[i].leaf_sha256, sizeof(hs->chain_from_leaf_sha256));
}

const struct resume_memo_stats *resume_memo__stats(const struct resume_memo *m)
{
	return &m->stats;
}
