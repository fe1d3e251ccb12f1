// SPDX-License-Identifier: GPL-2.0
#include "verdict/endpoints.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls_names.h"
#include "util/hash_seed.h"

#define NONE UINT32_MAX
#define NS 1000000000ull

/* One table per kind: entries in an array grown on demand up to max (indices stay valid), a
 * hash of chains over them, and a recency list (newest .. oldest) that eviction takes from. */
struct ep_table {
	struct ep_entry *e;
	uint32_t used, cap, max;
	uint32_t *buckets;
	uint32_t mask;
	uint32_t newest, oldest;
};

struct endpoints {
	struct ep_table t[EP__KINDS];
	struct ep_stats stats;
	/* earliest notAfter per hour of packet time, a ring of EP_EXPIRY_HOURS */
	int64_t expiry_min[EP_EXPIRY_HOURS];
	uint64_t expiry_hour[EP_EXPIRY_HOURS]; /* the hour a slot holds; 0: empty */
	uint64_t latest_hour;
	uint32_t seed; /* util/hash_seed.h: SNIs and fingerprints are chosen by the network */
};

static uint32_t fnv1a(uint32_t h, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static int table_init(struct ep_table *t, uint32_t max)
{
	uint32_t nb = 1;

	while (nb < max)
		nb <<= 1;
	t->buckets = malloc(nb * sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	memset(t->buckets, 0xff, nb * sizeof(*t->buckets));
	t->mask = nb - 1;
	t->max = max;
	t->newest = t->oldest = NONE;
	return 0;
}

struct endpoints *endpoints__new(uint32_t max_entries)
{
	struct endpoints *ep = calloc(1, sizeof(*ep));

	if (!ep)
		return NULL;
	if (!max_entries)
		max_entries = EP_DEFAULT_MAX;
	if (max_entries > EP_MAX_MAX)
		max_entries = EP_MAX_MAX;
	for (int k = 0; k < EP__KINDS; k++) {
		if (table_init(&ep->t[k], max_entries)) {
			endpoints__free(ep);
			return NULL;
		}
	}
	ep->stats.max_entries = max_entries;
	ep->seed = (uint32_t)hash_seed(ep);
	return ep;
}

void endpoints__free(struct endpoints *ep)
{
	if (!ep)
		return;
	for (int k = 0; k < EP__KINDS; k++) {
		for (uint32_t i = 0; i < ep->t[k].used; i++)
			free(ep->t[k].e[i].chain);
		free(ep->t[k].e);
		free(ep->t[k].buckets);
	}
	free(ep);
}

static void unlink_recent(struct ep_table *t, uint32_t i)
{
	struct ep_entry *e = &t->e[i];

	if (e->newer != NONE)
		t->e[e->newer].older = e->older;
	else
		t->newest = e->older;
	if (e->older != NONE)
		t->e[e->older].newer = e->newer;
	else
		t->oldest = e->newer;
}

static void push_newest(struct ep_table *t, uint32_t i)
{
	struct ep_entry *e = &t->e[i];

	e->newer = NONE;
	e->older = t->newest;
	if (t->newest != NONE)
		t->e[t->newest].newer = i;
	t->newest = i;
	if (t->oldest == NONE)
		t->oldest = i;
}

static void unlink_hash(struct ep_table *t, uint32_t i)
{
	uint32_t *pp = &t->buckets[t->e[i].hash & t->mask];

	while (*pp != NONE && *pp != i)
		pp = &t->e[*pp].hnext;
	if (*pp == i)
		*pp = t->e[i].hnext;
}

static bool same_key(enum ep_kind k, const struct ep_entry *a, const struct ep_entry *b)
{
	if (k == EP_CLIENT)
		return !strcmp(a->ja4, b->ja4);
	return a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, 16) &&
	       !strcmp(a->sni, b->sni);
}

/* The entry for key (only its key fields are read), made when missing: a new one takes a fresh
 * slot while the table is below max, else the least recently seen one's. NULL without memory. */
static struct ep_entry *lookup(struct endpoints *ep, enum ep_kind k, const struct ep_entry *key)
{
	struct ep_table *t = &ep->t[k];
	uint32_t h, i;

	h = 2166136261u ^ ep->seed;
	if (k == EP_CLIENT) {
		h = fnv1a(h, key->ja4, strlen(key->ja4));
	} else {
		h = fnv1a(h, &key->family, 1);
		h = fnv1a(h, key->addr, 16);
		h = fnv1a(h, &key->port, 2);
		h = fnv1a(h, key->sni, strlen(key->sni));
	}
	for (i = t->buckets[h & t->mask]; i != NONE; i = t->e[i].hnext) {
		if (t->e[i].hash == h && same_key(k, &t->e[i], key)) {
			unlink_recent(t, i);
			push_newest(t, i);
			return &t->e[i];
		}
	}
	if (t->used < t->max) {
		if (t->used == t->cap) {
			uint32_t cap = t->cap ? t->cap * 2 : 64;
			struct ep_entry *n;

			if (cap > t->max)
				cap = t->max;
			n = realloc(t->e, (size_t)cap * sizeof(*n));
			if (!n)
				return NULL;
			t->e = n;
			t->cap = cap;
		}
		i = t->used++;
		ep->stats.entries[k]++;
	} else {
		i = t->oldest;
		unlink_recent(t, i);
		unlink_hash(t, i);
		free(t->e[i].chain);
		ep->stats.evicted[k]++;
	}
	memset(&t->e[i], 0, sizeof(t->e[i]));
	t->e[i].family = key->family;
	memcpy(t->e[i].addr, key->addr, 16);
	t->e[i].port = key->port;
	memcpy(t->e[i].sni, key->sni, sizeof(key->sni));
	memcpy(t->e[i].ja4, key->ja4, sizeof(key->ja4));
	t->e[i].hash = h;
	t->e[i].hnext = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = i;
	push_newest(t, i);
	return &t->e[i];
}

static void codes_add(struct ep_codes *c, uint16_t v)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->v[i] == v)
			return;
	if (c->n < EP_MAX_CODES)
		c->v[c->n++] = v;
	else
		c->more = true;
}

/* RFC 8446 4.2.7 registry: hybrid and pure ML-KEM groups, and the Kyber draft. */
static bool group_is_pq(uint16_t g)
{
	return g == 0x11eb || g == 0x11ec || g == 0x11ed || (g >= 0x0200 && g <= 0x0202) ||
	       g == 0x6399 || g == 0x639a;
}

/* KEYX MERGE POINT: the one place the endpoint table takes the negotiated group and its pq flag
 * from a handshake. Until struct handshake carries them, from the TLS 1.3 ServerHello key_share
 * or the TLS 1.2 ECDHE ServerKeyExchange. */
uint16_t endpoints__group_of(const struct handshake *hs, bool *pq)
{
	uint16_t g = 0;

	if (hs->has_server_hello && hs->sh.key_share_group && !hs->sh.hello_retry_request)
		g = hs->sh.key_share_group;
	else if (hs->has_server_key_exchange && hs->ske.kx == TLS_KX_ECDHE)
		g = hs->ske.curve;
	*pq = group_is_pq(g);
	return g;
}

/* A server entry describes the server: the client's certificate chain is not its weakness. */
static bool about_client_chain(const struct finding *f)
{
	return f->side == HS_SIDE_CLIENT && (f->position >= 0 || f->check == CHECK_UNPARSABLE_CERT);
}

static void note_worst(struct ep_worst *w, const struct handshake *hs, bool server_entry)
{
	for (unsigned i = 0; i < hs->n_findings && i < HS_MAX_FINDINGS; i++) {
		const struct finding *f = &hs->findings[i];

		if ((w->present && f->severity <= w->severity) ||
		    (server_entry && about_client_chain(f)))
			continue;
		w->present = true;
		w->check = f->check;
		w->severity = f->severity;
		memcpy(w->detail, f->detail, sizeof(w->detail));
		w->detail[sizeof(w->detail) - 1] = '\0';
	}
}

static void note_negotiated(struct ep_entry *e, const struct handshake *hs, bool server_entry)
{
	bool pq;
	uint16_t g = endpoints__group_of(hs, &pq);

	e->handshakes++;
	e->last_seen_ns = hs->end_ts_ns ? hs->end_ts_ns : hs->start_ts_ns;
	if (!e->first_seen_ns)
		e->first_seen_ns = e->last_seen_ns;
	note_worst(&e->worst, hs, server_entry);
	if (!hs->has_server_hello)
		return;
	e->version = hs->version ? hs->version : hs->sh.version;
	e->cipher = hs->sh.cipher;
	e->group = g;
	e->group_pq = pq;
	codes_add(&e->versions, e->version);
	codes_add(&e->ciphers, e->cipher);
	if (g)
		codes_add(&e->groups, g);
}

static void copy_cut(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static void keep_chain(struct ep_entry *e, const struct handshake *hs)
{
	unsigned n = hs->n_certs < EP_MAX_CHAIN ? hs->n_certs : EP_MAX_CHAIN;

	/* Allocated once per entry, kept until it is evicted: no memory, no inventory chain. */
	if (!e->chain)
		e->chain = malloc(sizeof(*e->chain));
	if (!e->chain)
		return;
	memset(e->chain, 0, sizeof(*e->chain));
	for (unsigned i = 0; i < n; i++) {
		const struct x509_info *x = hs->certs[i];
		struct ep_cert *c = &e->chain->c[e->chain->n];

		if (!x)
			continue;
		e->chain->n++;
		memcpy(c->sha256_hex, x->sha256_hex, sizeof(c->sha256_hex));
		c->sha256_hex[sizeof(c->sha256_hex) - 1] = '\0';
		c->parsed = x->parsed;
		if (!x->parsed)
			continue;
		copy_cut(c->subject, sizeof(c->subject), x->subject);
		copy_cut(c->issuer, sizeof(c->issuer), x->issuer);
		c->not_before = x->not_before;
		c->not_after = x->not_after;
		c->validity_ok = x->validity_ok;
		copy_cut(c->sig_name, sizeof(c->sig_name), x->sig_name);
		copy_cut(c->sig_oid, sizeof(c->sig_oid), x->sig_oid);
		copy_cut(c->key_type, sizeof(c->key_type), x->key_type);
		c->key_bits = x->key_bits;
		copy_cut(c->curve, sizeof(c->curve), x->curve);
	}
}

static void note_chain(struct endpoints *ep, struct ep_entry *e, const struct handshake *hs)
{
	const struct x509_info *leaf = hs->certs[0];
	uint64_t hour = (hs->cert_ts_ns ? hs->cert_ts_ns : e->last_seen_ns) / NS / 3600 + 1;
	unsigned slot = (unsigned)(hour % EP_EXPIRY_HOURS);
	bool any = false;
	int64_t min = 0;

	e->has_chain = true;
	e->chain_len = hs->n_certs;
	e->n_sigalgs = 0;
	for (unsigned i = 0; i < hs->n_certs && i < TLS_MAX_CHAIN; i++) {
		const struct x509_info *x = hs->certs[i];
		const char *alg;
		bool dup = false;

		if (!x || !x->parsed)
			continue;
		if (x->validity_ok && (!any || x->not_after < min)) {
			min = x->not_after;
			any = true;
		}
		alg = x->sig_name[0] ? x->sig_name : x->sig_oid;
		for (unsigned j = 0; j < e->n_sigalgs; j++)
			dup |= !strncmp(e->sigalgs[j], alg, EP_ALG_LEN - 1);
		if (!dup && e->n_sigalgs < EP_MAX_SIGALGS)
			copy_cut(e->sigalgs[e->n_sigalgs++], EP_ALG_LEN, alg);
	}
	e->chain_not_after = any ? min : 0;
	keep_chain(e, hs);
	if (leaf && leaf->parsed) {
		copy_cut(e->leaf_subject, sizeof(e->leaf_subject), leaf->subject);
		copy_cut(e->leaf_issuer, sizeof(e->leaf_issuer), leaf->issuer);
		copy_cut(e->leaf_serial, sizeof(e->leaf_serial), leaf->serial);
		e->leaf_not_after = leaf->validity_ok ? leaf->not_after : 0;
	}
	if (!any)
		return;
	if (ep->expiry_hour[slot] != hour) {
		ep->expiry_hour[slot] = hour;
		ep->expiry_min[slot] = min;
	} else if (min < ep->expiry_min[slot]) {
		ep->expiry_min[slot] = min;
	}
	if (hour > ep->latest_hour)
		ep->latest_hour = hour;
}

/* Label-safe text: printable ASCII kept, anything else '?', so two SNIs that differ only in
 * such bytes share an entry. */
static void printable(char *dst, const uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	dst[len] = '\0';
}

/* The handshake's process at one end, if attributed. */
static const struct hs_process *end_process(const struct handshake *hs, bool server_end)
{
	if (hs->process.present && hs->process.server_end == server_end)
		return &hs->process;
	if (hs->peer_process.present && hs->peer_process.server_end == server_end)
		return &hs->peer_process;
	return NULL;
}

static void note_process(struct ep_entry *e, const struct hs_process *p)
{
	if (p)
		e->process = *p;
}

int endpoints__add(struct endpoints *ep, const struct handshake *hs)
{
	struct ep_entry key;
	struct ep_entry *e;
	size_t sni_len = hs->ch.sni_len < TLS_MAX_SNI_LEN ? hs->ch.sni_len : TLS_MAX_SNI_LEN;

	if (!hs->has_client_hello && !hs->has_server_hello)
		return 0;
	memset(&key, 0, sizeof(key));
	key.family = hs->family;
	memcpy(key.addr, hs->server_addr, 16);
	key.port = hs->server_port;
	printable(key.sni, hs->ch.sni, sni_len);
	e = lookup(ep, EP_SERVER, &key);
	if (!e)
		return -ENOMEM;
	note_negotiated(e, hs, true);
	note_process(e, end_process(hs, true));
	if (hs->has_certificate && hs->n_certs)
		note_chain(ep, e, hs);
	if (!hs->has_client_hello || !hs->ja4[0])
		return 0;
	memset(&key, 0, sizeof(key));
	copy_cut(key.ja4, sizeof(key.ja4), hs->ja4);
	e = lookup(ep, EP_CLIENT, &key);
	if (!e)
		return -ENOMEM;
	e->family = hs->family;
	memcpy(e->addr, hs->client_addr, 16);
	e->port = 0;
	e->offered_min_version = hs->ch.min_version;
	e->offered_max_version = hs->ch.max_version;
	e->offered_kx = hs->ch.offered_kx;
	note_negotiated(e, hs, false);
	note_process(e, end_process(hs, false));
	return 0;
}

const struct ep_entry *endpoints__first(const struct endpoints *ep, enum ep_kind kind)
{
	const struct ep_table *t = &ep->t[kind];

	return t->newest == NONE ? NULL : &t->e[t->newest];
}

const struct ep_entry *endpoints__next(const struct endpoints *ep, const struct ep_entry *e)
{
	for (int k = 0; k < EP__KINDS; k++) {
		const struct ep_table *t = &ep->t[k];

		if (t->e && e >= t->e && e < t->e + t->used)
			return e->older == NONE ? NULL : &t->e[e->older];
	}
	return NULL;
}

const struct ep_stats *endpoints__stats(const struct endpoints *ep)
{
	return &ep->stats;
}

bool endpoints__earliest_not_after(const struct endpoints *ep, int64_t *out)
{
	bool any = false;

	for (unsigned i = 0; i < EP_EXPIRY_HOURS; i++) {
		uint64_t h = ep->expiry_hour[i];

		if (!h || h + EP_EXPIRY_HOURS <= ep->latest_hour)
			continue;
		if (!any || ep->expiry_min[i] < *out)
			*out = ep->expiry_min[i];
		any = true;
	}
	return any;
}
