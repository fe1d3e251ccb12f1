// SPDX-License-Identifier: GPL-2.0-only
/* Chain validation (user/x509/trust.c): verified, missing intermediate, unknown root, bad
 * signature, out of order, errors passed over (expired, weak key), the cache by chain hash (hits,
 * order is part of the key, LRU eviction), stores that cannot be loaded, and reloading. */
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "x509_certs.h"
#include "x509/trust.h"

#define NOW 1700000000 /* 2023-11-14: inside the specs' default validity */

/* root -> intermediate -> leaf, and an unrelated root with the same shape */
static X509 *root, *inter, *leaf, *other_root;
static struct der d_root, d_inter, d_leaf, d_other;
static struct x509_info *i_root, *i_inter, *i_leaf, *i_other;
static char store_path[64] = "";

static int fixtures_init(void)
{
	struct spec rs = { .key = ec256, .md = EVP_sha256(), .cn = "Trust Root", .ca = 1,
			   .key_ids = true };
	struct spec os = { .key = rsa2048, .md = EVP_sha256(), .cn = "Other Root", .ca = 1,
			   .serial_hex = "07" };
	struct spec is = { .key = rsa2048, .md = EVP_sha256(), .cn = "Trust Intermediate", .ca = 1,
			   .key_ids = true, .serial_hex = "02" };
	struct spec ls = { .key = rsa2048, .md = EVP_sha256(), .cn = "leaf.test", .ca = 0,
			   .key_ids = true, .serial_hex = "03" };
	FILE *f;
	int fd;

	root = build(&rs);
	other_root = build(&os);
	is.sign_key = ec256;
	is.issuer = root;
	inter = build(&is);
	ls.sign_key = rsa2048;
	ls.issuer = inter;
	leaf = build(&ls);
	if (!root || !inter || !leaf || !other_root)
		return -1;
	d_root = to_der(root);
	d_inter = to_der(inter);
	d_leaf = to_der(leaf);
	d_other = to_der(other_root);
	i_root = x509__analyze(d_root.p, d_root.len);
	i_inter = x509__analyze(d_inter.p, d_inter.len);
	i_leaf = x509__analyze(d_leaf.p, d_leaf.len);
	i_other = x509__analyze(d_other.p, d_other.len);
	snprintf(store_path, sizeof(store_path), "/tmp/test_trust.%d.pem", (int)getpid());
	fd = open(store_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		return -1;
	PEM_write_X509(f, root);
	fclose(f);
	return i_root && i_inter && i_leaf && i_other ? 0 : -1;
}

static void fixtures_free(void)
{
	if (store_path[0])
		unlink(store_path);
	X509_free(root);
	X509_free(inter);
	X509_free(leaf);
	X509_free(other_root);
	free(d_root.p);
	free(d_inter.p);
	free(d_leaf.p);
	free(d_other.p);
	x509_info__free(i_root);
	x509_info__free(i_inter);
	x509_info__free(i_leaf);
	x509_info__free(i_other);
}

/* Verify the chain of n certificates given as (der, info) pairs. */
static void verify(struct x509_trust *t, const struct der *const d[],
		   const struct x509_info *const info[], unsigned n, int64_t when,
		   struct x509_trust_result *r)
{
	const uint8_t *der[8];
	uint32_t len[8];

	for (unsigned i = 0; i < n; i++) {
		der[i] = d[i]->p;
		len[i] = (uint32_t)d[i]->len;
	}
	x509_trust__verify(t, der, len, info, n, when, r);
}

static void test_verified_and_cached(void)
{
	struct x509_trust *t = x509_trust__new(store_path, 8);
	const struct der *d[] = { &d_leaf, &d_inter, &d_root };
	const struct x509_info *info[] = { i_leaf, i_inter, i_root };
	const struct x509_trust_stats *st;
	struct x509_trust_result r;
	char err[128] = "";

	CHECK(t != NULL);
	if (!t)
		return;
	st = x509_trust__stats(t);
	CHECK_EQ(x509_trust__load(t, err, sizeof(err)), 0);
	verify(t, d, info, 3, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_OK);
	CHECK_EQ(r.error, 0);
	CHECK(!r.out_of_order);
	/* The same chain again: from the cache, the same answer, no second verification. */
	verify(t, d, info, 3, NOW + 86400, &r);
	CHECK_EQ(r.status, X509_TRUST_OK);
	CHECK_EQ(st->lookups, 2);
	CHECK_EQ(st->hits, 1);
	CHECK_EQ(st->verifications, 1);
	CHECK_EQ(st->entries, 2); /* the chain, and its issuer chain (intermediate, root) */
	/* Without the root: the store's root anchors it all the same. */
	verify(t, d, info, 2, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_OK);
	CHECK_EQ(st->verifications, 2);
	x509_trust__free(t);
}

static void test_missing_intermediate(void)
{
	struct x509_trust *t = x509_trust__new(store_path, 8);
	const struct der *d[] = { &d_leaf };
	const struct x509_info *info[] = { i_leaf };
	struct x509_trust_result r;

	verify(t, d, info, 1, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_FAILED);
	CHECK_EQ(r.error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	CHECK_STR(x509_trust__reason(r.error), "unable to get local issuer certificate");
	CHECK_STR(x509_trust__label(r.error), "missing_issuer");
	CHECK_EQ(r.position, 0);
	x509_trust__free(t);
}

static void test_unknown_root(void)
{
	struct x509_trust *t = x509_trust__new(store_path, 8);
	const struct der *d[] = { &d_other };
	const struct der *d3[] = { &d_leaf, &d_inter, &d_root };
	const struct x509_info *info[] = { i_other };
	const struct x509_info *info3[] = { i_leaf, i_inter, i_root };
	struct x509_trust_result r;
	char path[80];
	FILE *f;

	/* A self-signed certificate the store does not hold. */
	verify(t, d, info, 1, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_FAILED);
	CHECK_EQ(r.error, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
	CHECK_STR(x509_trust__label(r.error), "self_signed_leaf");
	x509_trust__free(t);

	/* The whole chain against a store holding only the other root. */
	snprintf(path, sizeof(path), "%s.other", store_path);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	PEM_write_X509(f, other_root);
	fclose(f);
	t = x509_trust__new(path, 8);
	verify(t, d3, info3, 3, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_FAILED);
	CHECK_EQ(r.error, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
	CHECK_STR(x509_trust__label(r.error), "unknown_root");
	CHECK_EQ(r.position, 2);
	x509_trust__free(t);
	unlink(path);
}

static void test_bad_signature(void)
{
	struct x509_trust *t = x509_trust__new(store_path, 8);
	struct der bad = { malloc(d_leaf.len), d_leaf.len };
	const struct der *d[] = { &bad, &d_inter };
	const struct x509_info *info[2];
	struct x509_info *i_bad;
	struct x509_trust_result r;

	memcpy(bad.p, d_leaf.p, bad.len);
	bad.p[bad.len - 5] ^= 0x55; /* inside the signature value */
	i_bad = x509__analyze(bad.p, bad.len);
	info[0] = i_bad;
	info[1] = i_inter;
	verify(t, d, info, 2, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_FAILED);
	CHECK_EQ(r.error, X509_V_ERR_CERT_SIGNATURE_FAILURE);
	CHECK_STR(x509_trust__label(r.error), "bad_signature");
	CHECK_EQ(r.position, 0);
	x509_info__free(i_bad);
	free(bad.p);
	x509_trust__free(t);
}

/* RFC 5246 7.4.2: OpenSSL builds the path in any order, so it verifies; the order is found by
 * names, and the order is part of the cache key. */
static void test_out_of_order(void)
{
	struct x509_trust *t = x509_trust__new(store_path, 8);
	const struct der *d[] = { &d_leaf, &d_root, &d_inter };
	const struct x509_info *info[] = { i_leaf, i_root, i_inter };
	const struct der *ok[] = { &d_leaf, &d_inter, &d_root };
	const struct x509_info *ok_info[] = { i_leaf, i_inter, i_root };
	struct x509_trust_result r;

	verify(t, d, info, 3, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_OK);
	CHECK(r.out_of_order);
	CHECK_EQ(r.misordered, 0);
	verify(t, ok, ok_info, 3, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_OK);
	CHECK(!r.out_of_order);
	CHECK_EQ(r.misordered, -1);
	CHECK_EQ(x509_trust__stats(t)->hits, 0);
	CHECK(x509_trust__issued_by(i_leaf, i_inter));
	CHECK(!x509_trust__issued_by(i_leaf, i_root));
	x509_trust__free(t);
}

/* Expiry and key sizes are the policy's checks: OpenSSL's own errors for them do not make the
 * chain untrusted, whatever the time. */
static void test_time_and_security_level_passed_over(void)
{
	struct x509_trust *t = x509_trust__new(store_path, 8);
	struct spec ws = { .key = rsa1024, .sign_key = rsa2048, .issuer = inter, .md = EVP_sha1(),
			   .cn = "weak.test", .ca = 0, .serial_hex = "09",
			   .not_after = "20210101000000Z" };
	struct der weak = make(&ws);
	struct x509_info *i_weak = x509__analyze(weak.p, weak.len);
	const struct der *d[] = { &weak, &d_inter };
	const struct x509_info *info[] = { i_weak, i_inter };
	struct x509_trust_result r;

	verify(t, d, info, 2, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_OK);
	CHECK_EQ(r.error, 0);
	x509_info__free(i_weak);
	free(weak.p);
	x509_trust__free(t);
}

static void test_eviction(void)
{
	struct x509_trust *t = x509_trust__new(store_path, 2);
	const struct der *a[] = { &d_leaf }, *b[] = { &d_inter }, *c[] = { &d_other };
	const struct x509_info *ia[] = { i_leaf }, *ib[] = { i_inter }, *ic[] = { i_other };
	const struct x509_trust_stats *st = x509_trust__stats(t);
	struct x509_trust_result r;

	verify(t, a, ia, 1, NOW, &r);
	verify(t, b, ib, 1, NOW, &r);
	verify(t, a, ia, 1, NOW, &r); /* a is now the most recent */
	CHECK_EQ(st->hits, 1);
	verify(t, c, ic, 1, NOW, &r); /* evicts b, the least recently used */
	CHECK_EQ(st->evictions, 1);
	CHECK_EQ(st->entries, 2);
	verify(t, a, ia, 1, NOW, &r);
	CHECK_EQ(st->hits, 2);
	CHECK_EQ(r.error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	verify(t, b, ib, 1, NOW, &r);
	CHECK_EQ(st->hits, 2);
	CHECK_EQ(st->verifications, 4);
	CHECK_EQ(st->evictions, 2);
	CHECK_EQ(st->entries, 2);
	x509_trust__free(t);
}

/* Verify with a fresh cache (OpenSSL on the whole chain) for comparison. */
static void verify_full(const char *store, const struct der *const d[],
			const struct x509_info *const info[], unsigned n, struct x509_trust_result *r)
{
	struct x509_trust *t = x509_trust__new(store, 8);

	verify(t, d, info, n, NOW, r);
	CHECK_EQ(x509_trust__stats(t)->leaf_only, 0);
	x509_trust__free(t);
}

/* A new leaf under an issuer chain already verified: its signature is checked from its DER
 * (trust_leaf.c) and the issuer chain's result stands; the answer must be OpenSSL's on the whole
 * chain, for a good leaf, a forged one, and under an issuer chain that fails. */
static void test_new_leaf_of_known_issuers(void)
{
	struct spec ls = { .key = ec256, .sign_key = rsa2048, .issuer = inter, .md = EVP_sha256(),
			   .cn = "other-leaf.test", .ca = 0, .serial_hex = "0b" };
	struct der l2 = make(&ls), forged = { malloc(l2.len), l2.len };
	struct x509_info *i_l2 = x509__analyze(l2.p, l2.len), *i_forged;
	const struct der *first[] = { &d_leaf, &d_inter, &d_root };
	const struct x509_info *first_info[] = { i_leaf, i_inter, i_root };
	const struct der *second[] = { &l2, &d_inter, &d_root }, *third[] = { &forged, &d_inter, &d_root };
	const struct x509_info *second_info[] = { i_l2, i_inter, i_root }, *third_info[3];
	struct x509_trust_result r, want;
	char other[80];
	struct x509_trust *t;
	FILE *f;

	memcpy(forged.p, l2.p, l2.len);
	forged.p[forged.len - 7] ^= 0x01; /* inside the signature value */
	i_forged = x509__analyze(forged.p, forged.len);
	third_info[0] = i_forged;
	third_info[1] = i_inter;
	third_info[2] = i_root;

	t = x509_trust__new(store_path, 8);
	verify(t, first, first_info, 3, NOW, &r);
	verify(t, second, second_info, 3, NOW, &r);
	CHECK_EQ(x509_trust__stats(t)->leaf_only, 1);
	CHECK_EQ(x509_trust__stats(t)->verifications, 1);
	verify_full(store_path, second, second_info, 3, &want);
	CHECK_EQ(r.status, X509_TRUST_OK);
	CHECK_EQ(r.status, want.status);
	verify(t, third, third_info, 3, NOW, &r);
	CHECK_EQ(x509_trust__stats(t)->leaf_only, 2);
	CHECK_EQ(x509_trust__stats(t)->leaf_signatures, 2);
	verify_full(store_path, third, third_info, 3, &want);
	CHECK_EQ(r.status, X509_TRUST_FAILED);
	CHECK_EQ(r.error, X509_V_ERR_CERT_SIGNATURE_FAILURE);
	CHECK_EQ(r.error, want.error);
	CHECK_EQ(r.position, want.position);
	x509_trust__free(t);

	/* Under an issuer chain whose root the store does not hold: its error stands. */
	snprintf(other, sizeof(other), "%s.other2", store_path);
	f = fopen(other, "w");
	CHECK(f != NULL);
	if (f) {
		PEM_write_X509(f, other_root);
		fclose(f);
		t = x509_trust__new(other, 8);
		verify(t, first, first_info, 3, NOW, &r);
		verify(t, third, third_info, 3, NOW, &r);
		CHECK_EQ(x509_trust__stats(t)->leaf_only, 1);
		verify_full(other, third, third_info, 3, &want);
		CHECK_EQ(r.error, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
		CHECK_EQ(r.error, want.error);
		CHECK_EQ(r.position, want.position);
		/* the good leaf too; neither signature was computed, as neither changes the answer */
		verify(t, second, second_info, 3, NOW, &r);
		CHECK_EQ(x509_trust__stats(t)->leaf_only, 2);
		CHECK_EQ(x509_trust__stats(t)->leaf_signatures, 0);
		verify_full(other, second, second_info, 3, &want);
		CHECK_EQ(r.status, want.status);
		CHECK_EQ(r.error, want.error);
		CHECK_EQ(r.position, want.position);
		x509_trust__free(t);
		unlink(other);
	}
	x509_info__free(i_l2);
	x509_info__free(i_forged);
	free(l2.p);
	free(forged.p);
}

static void test_store_errors(void)
{
	struct x509_trust *t = x509_trust__new("/nonexistent/ca.pem", 4);
	const struct der *d[] = { &d_leaf };
	const struct x509_info *info[] = { i_leaf };
	struct x509_trust_result r;
	char err[160] = "";

	CHECK_EQ(x509_trust__load(t, err, sizeof(err)), -1);
	CHECK(strstr(err, "/nonexistent/ca.pem") != NULL);
	verify(t, d, info, 1, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_NO_STORE);
	CHECK_EQ(x509_trust__stats(t)->load_failures, 1);
	CHECK_EQ(x509_trust__stats(t)->lookups, 0);
	x509_trust__free(t);

	/* A file without a certificate is no store either. */
	t = x509_trust__new("/dev/null", 4);
	CHECK_EQ(x509_trust__load(t, err, sizeof(err)), -1);
	x509_trust__free(t);
	CHECK(x509_trust__new(NULL, 0) == NULL);
	/* No chain, or an unparsable leaf: not judged. */
	t = x509_trust__new(store_path, 4);
	verify(t, d, info, 0, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_UNCHECKED);
	x509_trust__free(t);
}

/* SIGHUP: the store read again. The chain its root vouched for fails once the bundle holds only
 * another root, judged anew (not from the cache); the counters go on; a store that cannot be
 * read then keeps the one in use and is counted. */
static void test_reload(void)
{
	const struct der *d[] = { &d_leaf, &d_inter, &d_root };
	const struct x509_info *info[] = { i_leaf, i_inter, i_root };
	struct x509_trust_result r;
	struct x509_trust *t;
	char path[80], err[256] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s.reload", store_path);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	PEM_write_X509(f, root);
	fclose(f);
	t = x509_trust__new(path, 8);
	CHECK(t != NULL);
	if (!t)
		return;
	verify(t, d, info, 3, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_OK);
	f = fopen(path, "w"); /* the operator's new bundle */
	CHECK(f != NULL);
	if (f) {
		PEM_write_X509(f, other_root);
		fclose(f);
	}
	verify(t, d, info, 3, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_OK); /* not read again until asked */
	CHECK_EQ(x509_trust__reload(&t, err, sizeof(err)), 0);
	CHECK_EQ(x509_trust__stats(t)->entries, 0);
	CHECK_EQ(x509_trust__stats(t)->lookups, 2);
	verify(t, d, info, 3, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_FAILED);
	CHECK_STR(x509_trust__label(r.error), "unknown_root");
	CHECK_EQ(x509_trust__stats(t)->load_failures, 0);
	/* a bundle that does not load: the one in use stays */
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("not a certificate\n", f);
		fclose(f);
	}
	CHECK_EQ(x509_trust__reload(&t, err, sizeof(err)), -1);
	CHECK(err[0] != '\0');
	CHECK_EQ(x509_trust__stats(t)->load_failures, 1);
	verify(t, d, info, 3, NOW, &r);
	CHECK_EQ(r.status, X509_TRUST_FAILED);
	CHECK_EQ(x509_trust__stats(t)->hits, 2); /* the other root's answer, kept (one hit before) */
	x509_trust__free(t);
	unlink(path);
}

int main(void)
{
	if (keys_init() || fixtures_init()) {
		fixtures_free();
		return 1;
	}
	RUN_TEST(test_verified_and_cached);
	RUN_TEST(test_missing_intermediate);
	RUN_TEST(test_unknown_root);
	RUN_TEST(test_bad_signature);
	RUN_TEST(test_out_of_order);
	RUN_TEST(test_time_and_security_level_passed_over);
	RUN_TEST(test_eviction);
	RUN_TEST(test_new_leaf_of_known_issuers);
	RUN_TEST(test_store_errors);
	RUN_TEST(test_reload);
	fixtures_free();
	keys_free();
	return CHECK_DONE();
}
