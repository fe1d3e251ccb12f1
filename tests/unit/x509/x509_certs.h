// SPDX-License-Identifier: GPL-2.0-only
/* Certificates for the x509 tests, made with the OpenSSL API from a spec (key, issuer, digest,
 * names, validity, extensions) and, where OpenSSL would refuse to make them, byte-patched. */
#ifndef TLSMON_TEST_X509_CERTS_H
#define TLSMON_TEST_X509_CERTS_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "x509/x509.h"

struct spec {
	EVP_PKEY *key; /* subject key */
	EVP_PKEY *sign_key; /* NULL: self-signed */
	X509 *issuer; /* NULL: self-issued */
	const EVP_MD *md;
	const char *cn, *org;
	int cn_len; /* 0: strlen */
	const char *serial_hex;
	bool serial_negative;
	const char *not_before, *not_after; /* ASN1_TIME_set_string forms */
	const char *san;
	int ca; /* -1: no basicConstraints */
	bool key_ids;
	X509 *akid_from; /* AKID taken from this certificate instead of the issuer */
};

struct der {
	uint8_t *p;
	size_t len;
};

static inline X509 *build(const struct spec *s)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	BIGNUM *bn = NULL;
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	BN_hex2bn(&bn, s->serial_hex ? s->serial_hex : "01");
	BN_set_negative(bn, s->serial_negative);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	if (s->cn)
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					   (const unsigned char *)s->cn, s->cn_len ? s->cn_len : -1,
					   -1, 0);
	if (s->org)
		X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					   (const unsigned char *)s->org, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, s->issuer ? X509_get_subject_name(s->issuer) : name);
	X509_NAME_free(name);
	ASN1_TIME_set_string(X509_getm_notBefore(x), s->not_before ? s->not_before
								   : "20200101000000Z");
	ASN1_TIME_set_string(X509_getm_notAfter(x), s->not_after ? s->not_after
								 : "20300101000000Z");
	X509_set_pubkey(x, s->key);

	X509V3_set_ctx(&ctx, s->akid_from ? s->akid_from : s->issuer ? s->issuer : x, x, NULL,
		       NULL, 0);
	if (s->ca >= 0) {
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
					  s->ca ? "critical,CA:TRUE" : "CA:FALSE");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (s->san) {
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, s->san);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (s->key_ids) {
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier, "hash");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier,
					  "keyid:always");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (!X509_sign(x, s->sign_key ? s->sign_key : s->key, s->md)) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static inline struct der to_der(X509 *x)
{
	struct der d = { NULL, 0 };
	unsigned char *p = NULL;
	int n = x ? i2d_X509(x, &p) : -1;

	if (n > 0) {
		d.p = malloc((size_t)n);
		memcpy(d.p, p, (size_t)n);
		d.len = (size_t)n;
	}
	OPENSSL_free(p);
	return d;
}

static inline struct der make(const struct spec *s)
{
	X509 *x = build(s);
	struct der d = to_der(x);

	X509_free(x);
	return d;
}

static inline struct x509_info *analyze_spec(const struct spec *s)
{
	struct der d = make(s);
	struct x509_info *i = d.p ? x509__analyze(d.p, d.len) : NULL;

	free(d.p);
	return i;
}

/* Rewrites the last byte of every md5WithRSAEncryption OID (tbs signature and outer
 * signatureAlgorithm); same length, so no DER length changes. */
static inline int patch_md5_oid(struct der *d, uint8_t last)
{
	static const uint8_t oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
				       0x0d, 0x01, 0x01, 0x04 };
	size_t i;
	int n = 0;

	for (i = 0; i + sizeof(oid) <= d->len; i++) {
		if (!memcmp(d->p + i, oid, sizeof(oid))) {
			d->p[i + sizeof(oid) - 1] = last;
			n++;
		}
	}
	return n;
}

static inline void sha256_hex(const uint8_t *p, size_t len, char out[65])
{
	uint8_t md[32];
	unsigned int n = 0;
	int i;

	EVP_Digest(len ? p : (const uint8_t *)"", len, md, &n, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static EVP_PKEY *rsa1024, *rsa2048, *ec256, *ed25519;

static inline int keys_init(void)
{
	rsa1024 = EVP_RSA_gen(1024);
	rsa2048 = EVP_RSA_gen(2048);
	ec256 = EVP_EC_gen("P-256");
	ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (rsa1024 && rsa2048 && ec256 && ed25519)
		return 0;
	fprintf(stderr, "key generation failed\n");
	return -1;
}

static inline void keys_free(void)
{
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(rsa2048);
	EVP_PKEY_free(ec256);
	EVP_PKEY_free(ed25519);
}

#endif
