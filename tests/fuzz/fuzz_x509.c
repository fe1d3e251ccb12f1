// SPDX-License-Identifier: GPL-2.0
/* X.509 analysis of arbitrary DER, uncached and through the cache (miss, then hit). Every string
 * of the result must be terminated and survive the JSON writer. Differential: whenever tlsmon's
 * DER reader takes the input, every field must equal what OpenSSL alone gives; whenever the
 * chain cache's leaf fast path (trust_leaf.c) decides a signature, OpenSSL's X509_verify() must
 * decide the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util/sbuf.h"
#include "x509/trust_leaf.h"
#include "x509/x509.h"

#include <openssl/err.h>
#include <openssl/x509.h>

static void check_str(const char *s, size_t size)
{
	FUZZ_ASSERT(memchr(s, '\0', size));
}

static void check_info(const struct x509_info *x, size_t len)
{
	struct sbuf b;

	FUZZ_ASSERT(x->der_len == len);
	check_str(x->sha256_hex, sizeof(x->sha256_hex));
	FUZZ_ASSERT(strlen(x->sha256_hex) == 64);
	check_str(x->error, sizeof(x->error));
	if (!x->parsed)
		return;
	check_str(x->serial, sizeof(x->serial));
	check_str(x->not_before_str, sizeof(x->not_before_str));
	check_str(x->not_after_str, sizeof(x->not_after_str));
	check_str(x->sig_name, sizeof(x->sig_name));
	check_str(x->sig_oid, sizeof(x->sig_oid));
	check_str(x->sig_hash, sizeof(x->sig_hash));
	check_str(x->key_type, sizeof(x->key_type));
	check_str(x->curve, sizeof(x->curve));
	FUZZ_ASSERT(x->n_san <= X509_MAX_SAN && x->n_san <= x->san_count);
	FUZZ_ASSERT(x->san_truncated == (x->n_san < x->san_count));
	FUZZ_ASSERT(x->san[x->n_san] == NULL);

	sbuf__init(&b);
	sbuf__putc(&b, '[');
	json__cstr_or_null(&b, x->subject);
	sbuf__putc(&b, ',');
	json__cstr_or_null(&b, x->issuer);
	sbuf__putc(&b, ',');
	json__cstr_or_null(&b, x->subject_cn);
	for (unsigned i = 0; i < x->n_san; i++) {
		sbuf__putc(&b, ',');
		json__cstr(&b, x->san[i]);
	}
	sbuf__putc(&b, ']');
	FUZZ_ASSERT(fuzz_json_valid(b.buf, b.len));
	sbuf__free(&b);
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

#define SAME(cond)                                                                               \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "DER reader and OpenSSL differ: %s\n", #cond);           \
			abort();                                                                 \
		}                                                                                \
	} while (0)

static void check_same(const struct x509_info *a, const struct x509_info *b)
{
	SAME(!memcmp(a->sha256, b->sha256, 32) && a->der_len == b->der_len);
	SAME(a->parsed == b->parsed && str_eq(a->error, b->error));
	SAME(str_eq(a->subject, b->subject));
	SAME(str_eq(a->issuer, b->issuer));
	SAME(str_eq(a->subject_cn, b->subject_cn));
	SAME(str_eq(a->serial, b->serial));
	SAME(a->validity_ok == b->validity_ok);
	SAME(a->not_before == b->not_before && a->not_after == b->not_after);
	SAME(str_eq(a->not_before_str, b->not_before_str));
	SAME(str_eq(a->not_after_str, b->not_after_str));
	SAME(str_eq(a->sig_name, b->sig_name) && str_eq(a->sig_oid, b->sig_oid));
	SAME(str_eq(a->sig_hash, b->sig_hash));
	SAME(str_eq(a->key_type, b->key_type) && a->key_bits == b->key_bits);
	SAME(str_eq(a->curve, b->curve));
	SAME(a->n_san == b->n_san && a->san_count == b->san_count);
	SAME(a->san_truncated == b->san_truncated && str_eq(a->sha1_hex, b->sha1_hex));
	for (unsigned i = 0; i < a->n_san; i++)
		SAME(str_eq(a->san[i], b->san[i]));
	SAME(a->self_signed == b->self_signed && a->self_issued == b->self_issued);
	SAME(a->is_ca == b->is_ca);
}

/* The leaf fast path against X509_verify(), with one EC and one RSA key (an input signed by
 * neither is still a fair test of the parsing and of "does not verify"). */
static void check_leaf_signature(const uint8_t *data, size_t size)
{
	static struct trust_digests d;
	static EVP_PKEY *keys[2];
	const unsigned char *p = data;
	X509 *x;

	if (!keys[0]) {
		FUZZ_ASSERT(!trust_digests__init(&d));
		keys[0] = EVP_EC_gen("P-256");
		keys[1] = EVP_RSA_gen(2048);
		FUZZ_ASSERT(keys[0] && keys[1]);
	}
	x = d2i_X509(NULL, &p, (long)size);
	for (int k = 0; k < 2; k++) {
		int v = trust_leaf__verify(&d, data, size, keys[k]);

		FUZZ_ASSERT(v >= -1 && v <= 1);
		if (v >= 0 && x && p == data + size)
			FUZZ_ASSERT(v == (X509_verify(x, keys[k]) == 1));
	}
	X509_free(x);
	ERR_clear_error();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x509_cache *cache;
	const struct x509_info *a, *b;
	struct x509_info *x;

	x = x509__analyze(data, size);
	FUZZ_ASSERT(x);
	check_info(x, size);
	if (x509__der_reader_takes(data, size)) {
		struct x509_info *o = x509__analyze_openssl(data, size);

		FUZZ_ASSERT(o);
		check_same(x, o);
		x509_info__free(o);
	}
	x509_info__free(x);

	/* A fresh small cache per input keeps runs independent of each other. */
	cache = x509_cache__new(2);
	FUZZ_ASSERT(cache);
	a = x509_cache__get(cache, data, size);
	b = x509_cache__get(cache, data, size);
	FUZZ_ASSERT(a && a == b);
	FUZZ_ASSERT(x509_cache__stats(cache)->hits == 1);
	check_info(a, size);
	x509_info__put(cache, b);
	x509_info__put(cache, a);
	x509_cache__free(cache);
	check_leaf_signature(data, size);
	return 0;
}
