// SPDX-License-Identifier: GPL-2.0-only
/* Chain validation against the trust store, and the cache of its results by chain hash. */
#include "x509/trust.h"
#include "x509/x509_int.h"
#include "x509/trust_leaf.h"
#include "x509/trust_store.h"
#include "util/hash_seed.h"
#include "util/pow2.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

/* A chain is keyed by its certificates' SHA-256s in the order sent (the order is part of the
 * answer: out_of_order), found by a seeded hash of them and confirmed by comparing them all: a
 * SHA-256 over them per handshake cost more than the rest of a cache hit. A fixed pool of
 * entries, a chained hash and an LRU list: a lookup and an eviction are O(1). */
struct chain_key {
	const struct x509_info *const *info; /* the key's first certificate */
	unsigned n;
	bool issuers; /* an issuer chain (all but the leaf), kept apart from whole chains */
	uint64_t hash;
};

struct trust_entry {
	uint64_t hash;
	uint8_t n;
	bool issuers;
	uint8_t *shas; /* n SHA-256s */
	struct x509_trust_result result;
	/* An issuer chain (every certificate but the leaf, keyed apart from whole chains): its
	 * first certificate's key, for a new leaf's signature; NULL in a whole chain's entry. */
	EVP_PKEY *issuer_key;
	struct trust_entry *hnext;
	struct trust_entry **pprev; /* its bucket or the previous hnext: an O(1) unlink */
	struct trust_entry *prev, *next; /* LRU: lru.next most recent */
};

struct x509_trust {
	struct trust_store store;
	uint32_t max_entries, bucket_mask;
	struct trust_entry **buckets;
	struct trust_entry *slots;
	uint32_t used; /* slots handed out so far; then the LRU tail is reused */
	struct trust_entry lru;
	uint64_t seed; /* per instance, so colliding chains cannot be prepared in advance */
	struct trust_digests digests; /* the leaf fast path's (trust_leaf.h) */
	struct x509_trust_stats stats;
};

#define TRUST_CACHE_MAX (1u << 24)

struct x509_trust *x509_trust__new(const char *store, uint32_t max_entries)
{
	struct x509_trust *t;
	uint32_t nb;

	if (max_entries == 0 || max_entries > TRUST_CACHE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	nb = (uint32_t)pow2__round_up(max_entries);
	t = calloc(1, sizeof(*t));
	if (!t)
		goto cleanup;
	if (trust_store__init(&t->store, store ? store : X509_TRUST_DEFAULT_STORE))
		goto cleanup;
	t->max_entries = max_entries;
	t->bucket_mask = nb - 1;
	t->buckets = calloc(nb, sizeof(*t->buckets));
	t->slots = calloc(max_entries, sizeof(*t->slots));
	if (!t->buckets || !t->slots)
		goto cleanup;
	t->seed = hash_seed(t);
	if (trust_digests__init(&t->digests))
		goto cleanup;
	t->lru.next = t->lru.prev = &t->lru;
	return t;

cleanup:
	x509_trust__free(t);
	errno = ENOMEM;
	return NULL;
}

void x509_trust__free(struct x509_trust *t)
{
	if (!t)
		return;
	trust_store__fini(&t->store);
	for (uint32_t i = 0; t->slots && i < t->used; i++) {
		EVP_PKEY_free(t->slots[i].issuer_key);
		free(t->slots[i].shas);
	}
	trust_digests__fini(&t->digests);
	free(t->slots);
	free(t->buckets);
	free(t);
}

int x509_trust__load(struct x509_trust *t, char *err, size_t err_size)
{
	bool first = !t->store.load_tried;
	int ret = trust_store__load(&t->store, err, err_size);

	if (ret && first)
		t->stats.load_failures++;
	return ret;
}

int x509_trust__reload(struct x509_trust **tp, char *err, size_t err_size)
{
	struct x509_trust *old = *tp, *fresh = x509_trust__new(old->store.path, old->max_entries);

	if (!fresh) {
		snprintf(err, err_size, "%s: out of memory", old->store.path);
		return -1;
	}
	if (x509_trust__load(fresh, err, err_size)) {
		x509_trust__free(fresh);
		old->stats.load_failures++;
		return -1;
	}
	fresh->stats = old->stats;
	fresh->stats.entries = 0;
	x509_trust__free(old);
	*tp = fresh;
	return 0;
}

/* What the other checks judge, with the packet's time and tlsmon's thresholds: passed over so
 * that OpenSSL goes on to the trust question (RFC 5280 6.1.3 (a)(2) validity; SP 800-131A key
 * sizes and hashes are OpenSSL's security levels). */
static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	if (ok)
		return ok;
	switch (X509_STORE_CTX_get_error(ctx)) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
	case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_CA_MD_TOO_WEAK:
	case X509_V_ERR_INVALID_PURPOSE:
		X509_STORE_CTX_set_error(ctx, X509_V_OK);
		return 1;
	}
	return 0;
}

static uint32_t bucket_of(const struct x509_trust *t, uint64_t hash)
{
	return (uint32_t)(hash >> 32 ^ hash) & t->bucket_mask;
}

static const uint8_t *sha_of(const struct x509_info *x)
{
	static const uint8_t none[32];

	return x ? x->sha256 : none;
}

/* SHA-256s are uniform: eight bytes of each, mixed with the seed, spread chains over buckets. */
static struct chain_key chain_key(const struct x509_trust *t, const struct x509_info *const info[],
				  unsigned n, bool issuers)
{
	struct chain_key k = { info, n, issuers, t->seed ^ n ^ (issuers ? 0x5bd1e995u : 0) };

	for (unsigned i = 0; i < n; i++) {
		uint64_t v;

		memcpy(&v, sha_of(info[i]), sizeof(v));
		k.hash = (k.hash ^ v) * 0x9e3779b97f4a7c15ull;
		k.hash ^= k.hash >> 29;
	}
	return k;
}

static bool key_eq(const struct trust_entry *e, const struct chain_key *k)
{
	if (e->hash != k->hash || e->n != k->n || e->issuers != k->issuers)
		return false;
	for (unsigned i = 0; i < k->n; i++)
		if (memcmp(e->shas + 32 * i, sha_of(k->info[i]), 32))
			return false;
	return true;
}

static void lru_unlink(struct trust_entry *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
}

static void lru_push(struct x509_trust *t, struct trust_entry *e)
{
	e->next = t->lru.next;
	e->prev = &t->lru;
	t->lru.next->prev = e;
	t->lru.next = e;
}

static struct trust_entry *lookup(struct x509_trust *t, const struct chain_key *k)
{
	struct trust_entry *e;

	for (e = t->buckets[bucket_of(t, k->hash)]; e; e = e->hnext)
		if (key_eq(e, k))
			return e;
	return NULL;
}

/* NULL without memory for the key: the result is then not cached. */
static struct trust_entry *insert(struct x509_trust *t, const struct chain_key *k,
				  const struct x509_trust_result *r)
{
	uint8_t *shas = malloc(32 * (size_t)k->n);
	struct trust_entry *e;
	uint32_t b;

	if (!shas)
		return NULL;
	for (unsigned i = 0; i < k->n; i++)
		memcpy(shas + 32 * i, sha_of(k->info[i]), 32);
	if (t->used < t->max_entries) {
		e = &t->slots[t->used++];
		t->stats.entries++;
	} else {
		e = t->lru.prev;
		lru_unlink(e);
		*e->pprev = e->hnext;
		if (e->hnext)
			e->hnext->pprev = e->pprev;
		EVP_PKEY_free(e->issuer_key);
		e->issuer_key = NULL;
		free(e->shas);
		t->stats.evictions++;
	}
	e->hash = k->hash;
	e->n = (uint8_t)k->n;
	e->issuers = k->issuers;
	e->shas = shas;
	e->result = *r;
	b = bucket_of(t, k->hash);
	e->hnext = t->buckets[b];
	if (e->hnext)
		e->hnext->pprev = &e->hnext;
	e->pprev = &t->buckets[b];
	t->buckets[b] = e;
	lru_push(t, e);
	return e;
}

bool x509_trust__issued_by(const struct x509_info *cert, const struct x509_info *issuer)
{
	return cert && issuer && cert->parsed && issuer->parsed && cert->issuer && issuer->subject &&
	       !strcmp(cert->issuer, issuer->subject);
}

/* RFC 5246 7.4.2: "Each following certificate MUST directly certify the one preceding it." A
 * certificate whose issuer is elsewhere in the chain is out of order; one whose issuer is not
 * there at all is a missing intermediate, which OpenSSL reports. */
static int8_t find_misordered(const struct x509_info *const info[], unsigned n)
{
	for (unsigned i = 0; i + 1 < n; i++) {
		if (!info[i] || !info[i]->parsed || info[i]->self_issued ||
		    x509_trust__issued_by(info[i], info[i + 1]))
			continue;
		for (unsigned j = 0; j < n; j++)
			if (j != i && j != i + 1 && x509_trust__issued_by(info[i], info[j]))
				return (int8_t)i;
	}
	return -1;
}

/* RFC 5280 4.2.1.10: a CA's name constraints apply to each leaf's names. */
static bool constrained(X509_STORE_CTX *ctx, X509 *const certs[], unsigned n)
{
	STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);

	for (unsigned i = 1; i < n; i++)
		if (certs[i] && X509_get_ext_by_NID(certs[i], NID_name_constraints, -1) >= 0)
			return true;
	for (int i = 1; path && i < sk_X509_num(path); i++)
		if (X509_get_ext_by_NID(sk_X509_value(path, i), NID_name_constraints, -1) >= 0)
			return true;
	return false;
}

/* X509_verify_cert on the chain as sent. *issuer_key: certs[1]'s key when the result may stand
 * for any other leaf of the same issuer chain (see leaf_fast()): no name constraints on the path
 * (they judge each leaf's names), else NULL. */
static void verify_chain(struct x509_trust *t, const uint8_t *const der[], const uint32_t len[],
			 unsigned n, int64_t when, struct x509_trust_result *out,
			 EVP_PKEY **issuer_key)
{
	X509 *certs[X509_TRUST_MAX_CHAIN] = { 0 };
	STACK_OF(X509) *untrusted = NULL, *anchors = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *bad;
	int rc;

	t->stats.verifications++;
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *p = der[i];

		certs[i] = d2i_X509(NULL, &p, len[i]);
	}
	if (!certs[0])
		goto cleanup; /* unparsable_cert says so */
	untrusted = sk_X509_new_null();
	ctx = X509_STORE_CTX_new();
	if (!untrusted || !ctx)
		goto cleanup;
	for (unsigned i = 1; i < n; i++)
		if (certs[i] && !sk_X509_push(untrusted, certs[i]))
			goto cleanup;
	if (!X509_STORE_CTX_init(ctx, t->store.store, certs[0], untrusted))
		goto cleanup;
	if (!t->store.is_dir) {
		anchors = trust_store__anchors(&t->store, der, len, n);
		if (!anchors)
			goto cleanup;
		X509_STORE_CTX_set0_trusted_stack(ctx, anchors);
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)when);
	/* A store holding an intermediate anchors chains at it, as browsers' stores do. */
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_PARTIAL_CHAIN);
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	rc = X509_verify_cert(ctx);
	if (n >= 2 && certs[1] && !constrained(ctx, certs, n))
		*issuer_key = X509_get_pubkey(certs[1]);
	if (rc == 1) {
		out->status = X509_TRUST_OK;
		goto cleanup;
	}
	out->status = X509_TRUST_FAILED;
	out->error = X509_STORE_CTX_get_error(ctx);
	if (out->error == X509_V_OK)
		out->error = X509_V_ERR_UNSPECIFIED;
	bad = X509_STORE_CTX_get_current_cert(ctx);
	for (unsigned i = 0; bad && i < n; i++)
		if (certs[i] && !X509_cmp(bad, certs[i]))
			out->position = (int8_t)i;

cleanup:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	sk_X509_free(anchors); /* the certificates stay with their anchors */
	for (unsigned i = 0; i < n; i++)
		X509_free(certs[i]);
	ERR_clear_error();
}

/* A leaf the chain cache has not seen, under an issuer chain it has (every handshake of a busy
 * server carries the same intermediates; a CA's leaves are many): that chain's result stands,
 * once the leaf names certs[1] as issuer and its signature verifies with certs[1]'s key.
 * OpenSSL reports a path error before any signature error, so under a failed issuer chain that
 * error stands whatever the leaf's signature, which is then not computed. A leaf that is a CA, self-issued, or signed with
 * an algorithm trust_leaf.c does not take goes to OpenSSL. Its own extensions are not looked
 * at here (an unhandled critical extension in a new leaf is not reported). */
static bool leaf_fast(struct x509_trust *t, const uint8_t *const der[], const uint32_t len[],
		      const struct x509_info *const info[], const struct chain_key *tail,
		      struct x509_trust_result *out)
{
	struct trust_entry *e = lookup(t, tail);
	const struct x509_info *leaf = info[0];
	int v;

	if (!e || !e->issuer_key || leaf->is_ca || leaf->self_issued ||
	    !x509_trust__issued_by(leaf, info[1]))
		return false;
	/* Under a failed issuer chain the leaf's signature changes nothing, and computing it
	 * (an ECDSA verification is tens of microseconds) was most of a new leaf's cost. */
	if (e->result.status == X509_TRUST_OK) {
		v = trust_leaf__verify(&t->digests, der[0], len[0], e->issuer_key);
		t->stats.leaf_signatures++;
	} else {
		v = trust_leaf__takes(&t->digests, der[0], len[0], e->issuer_key) ? 1 : -1;
	}
	if (v < 0)
		return false;
	lru_unlink(e);
	lru_push(t, e);
	*out = e->result;
	if (!v && out->status == X509_TRUST_OK) {
		out->status = X509_TRUST_FAILED;
		out->error = X509_V_ERR_CERT_SIGNATURE_FAILURE;
		out->position = 0;
	}
	t->stats.leaf_only++;
	return true;
}

void x509_trust__verify(struct x509_trust *t, const uint8_t *const der[], const uint32_t len[],
			const struct x509_info *const info[], unsigned n, int64_t when,
			struct x509_trust_result *out)
{
	struct chain_key whole, tail;
	struct trust_entry *e, *victim;
	EVP_PKEY *key = NULL;
	bool fast;

	memset(out, 0, sizeof(*out));
	out->misordered = out->position = -1;
	if (n == 0 || !info[0] || !info[0]->parsed)
		return;
	if (n > X509_TRUST_MAX_CHAIN)
		n = X509_TRUST_MAX_CHAIN;
	if (!t->store.store && x509_trust__load(t, NULL, 0)) {
		out->status = X509_TRUST_NO_STORE;
		return;
	}
	t->stats.lookups++;
	victim = t->used < t->max_entries || t->lru.prev == &t->lru ? NULL : t->lru.prev;
	if (victim)
		__builtin_prefetch(victim, 1);
	whole = chain_key(t, info, n, false);
	e = lookup(t, &whole);
	if (e) {
		t->stats.hits++;
		lru_unlink(e);
		lru_push(t, e);
		*out = e->result;
		return;
	}
	/* A miss is inserted below, evicting victim when the cache is full: with thousands of
	 * chains that is memory nobody touched for long, and unlinking it (its hash chain and LRU
	 * neighbours) and freeing its key waited for each line in turn. */
	if (victim) {
		__builtin_prefetch(victim->pprev, 1);
		__builtin_prefetch(victim->prev, 1);
		__builtin_prefetch(victim->shas, 1);
	}
	if (n >= 2)
		tail = chain_key(t, info + 1, n - 1, true);
	fast = n >= 2 && leaf_fast(t, der, len, info, &tail, out);
	if (!fast)
		verify_chain(t, der, len, n, when, out, &key);
	out->misordered = find_misordered(info, n);
	out->out_of_order = out->misordered >= 0;
	if (out->status == X509_TRUST_UNCHECKED) {
		EVP_PKEY_free(key);
		return;
	}
	insert(t, &whole, out);
	/* The issuer chain's entry: its result for other leaves, unless it depends on this one
	 * (an error about the leaf, or a leaf leaf_fast() would not take). */
	if (key && !lookup(t, &tail) && out->position != 0 && !info[0]->is_ca &&
	    !info[0]->self_issued && x509_trust__issued_by(info[0], info[1])) {
		struct x509_trust_result r = *out;

		r.out_of_order = false;
		r.misordered = -1;
		e = insert(t, &tail, &r);
		if (e) {
			e->issuer_key = key;
			key = NULL;
		}
	}
	EVP_PKEY_free(key);
}

const char *x509_trust__reason(int32_t error)
{
	return X509_verify_cert_error_string(error);
}

const char *x509_trust__label(int32_t error)
{
	switch (error) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return "missing_issuer";
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return "unknown_root";
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return "self_signed_leaf";
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
		return "bad_signature";
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
		return "not_ca";
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
		return "path_length";
	case X509_V_ERR_PERMITTED_VIOLATION:
	case X509_V_ERR_EXCLUDED_VIOLATION:
		return "name_constraints";
	case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
		return "unhandled_critical_extension";
	}
	return "other";
}

const struct x509_trust_stats *x509_trust__stats(const struct x509_trust *t)
{
	return &t->stats;
}
