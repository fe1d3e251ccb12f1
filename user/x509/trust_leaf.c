// SPDX-License-Identifier: GPL-2.0-only
/* A leaf's signature from its DER (RFC 5280 4.1.1): tbsCertificate, signatureAlgorithm, and the
 * signatureValue over the tbsCertificate's DER, checked as OpenSSL's X509_verify() does. */
#include "x509/trust_leaf.h"
#include "x509/der.h"

#include <string.h>

#include <openssl/err.h>

int trust_digests__init(struct trust_digests *d)
{
	memset(d, 0, sizeof(*d));
	ERR_set_mark();
	d->md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	d->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	d->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	d->sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
	d->sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
	d->ctx = EVP_MD_CTX_new();
	ERR_pop_to_mark();
	return d->ctx ? 0 : -1;
}

void trust_digests__fini(struct trust_digests *d)
{
	EVP_MD_free(d->md5);
	EVP_MD_free(d->sha1);
	EVP_MD_free(d->sha256);
	EVP_MD_free(d->sha384);
	EVP_MD_free(d->sha512);
	EVP_MD_CTX_free(d->ctx);
	memset(d, 0, sizeof(*d));
}

enum sig_kind { SIG_RSA, SIG_ECDSA, SIG_ED25519 };

/* RFC 8017 A.2.4 (PKCS #1 v1.5; RSASSA-PSS has parameters and is left to OpenSSL), RFC 5758
 * 3.2 (ECDSA), RFC 8410 3 (Ed25519). */
static const struct {
	struct der_oid oid;
	enum sig_kind kind;
	int md; /* 0 md5, 1 sha1, 2 sha256, 3 sha384, 4 sha512, -1 none */
} sig_algs[] = {
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04), SIG_RSA, 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05), SIG_RSA, 1 },
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b), SIG_RSA, 2 },
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c), SIG_RSA, 3 },
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d), SIG_RSA, 4 },
	{ DER_OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01), SIG_ECDSA, 1 },
	{ DER_OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02), SIG_ECDSA, 2 },
	{ DER_OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03), SIG_ECDSA, 3 },
	{ DER_OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04), SIG_ECDSA, 4 },
	{ DER_OID(0x2b, 0x65, 0x70), SIG_ED25519, -1 },
};

static const EVP_MD *md_of(const struct trust_digests *d, int md)
{
	const EVP_MD *mds[] = { d->md5, d->sha1, d->sha256, d->sha384, d->sha512 };

	return md >= 0 && md < 5 ? mds[md] : NULL;
}

/* What a signature check needs, read from the DER. */
struct leaf_sig {
	struct der_span tbs_whole, sig;
	const EVP_MD *md;
};

/* 1: ls is ready to check; 0: the tbsCertificate's signature algorithm differs from the outer
 * one (the signature cannot be good); -1: not decided here (see trust_leaf__verify()). */
static int leaf_sig__read(const struct trust_digests *d, const uint8_t *der, size_t len,
			  EVP_PKEY *key, struct leaf_sig *ls)
{
	struct der_span c = { der, len }, cert, tbs_whole, tbs, alg, inner_alg, oid, sig;
	const EVP_MD *md = NULL;
	int kind = -1;
	size_t i;

	if (!d->ctx || !key || der_get(&c, TAG_SEQ, &cert))
		return -1;
	tbs_whole = cert;
	if (der_get(&cert, TAG_SEQ, &tbs))
		return -1;
	tbs_whole.len = (size_t)(cert.p - tbs_whole.p); /* the tbsCertificate with its header */
	if (der_get(&cert, TAG_SEQ, &alg) || der_get(&cert, TAG_BIT_STRING, &sig) || cert.len ||
	    !sig.len || sig.p[0] != 0)
		return -1;
	/* RFC 5280 4.1.1.2: the signature field inside must be the same algorithm */
	if (der_peek(&tbs, 0xa0) && der_get(&tbs, 0xa0, &inner_alg))
		return -1;
	if (der_get(&tbs, TAG_INTEGER, &inner_alg) || der_get(&tbs, TAG_SEQ, &inner_alg))
		return -1;
	if (inner_alg.len != alg.len || memcmp(inner_alg.p, alg.p, alg.len))
		return 0;
	if (der_get(&alg, TAG_OID, &oid))
		return -1;
	for (i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++) {
		if (!der_oid_eq(&sig_algs[i].oid, oid))
			continue;
		kind = (int)sig_algs[i].kind;
		md = md_of(d, sig_algs[i].md);
		break;
	}
	/* PKCS #1 takes NULL or absent parameters; ECDSA and Ed25519 none */
	if (kind < 0 || (kind != SIG_ED25519 && !md) ||
	    (alg.len && !(kind == SIG_RSA && alg.len == 2 && alg.p[0] == TAG_NULL && !alg.p[1])))
		return -1;
	if ((kind == SIG_RSA && EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) ||
	    (kind == SIG_ECDSA && EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) ||
	    (kind == SIG_ED25519 && EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519))
		return -1;
	ls->tbs_whole = tbs_whole;
	ls->sig = sig;
	ls->md = md;
	return 1;
}

bool trust_leaf__takes(const struct trust_digests *d, const uint8_t *der, size_t len,
		       EVP_PKEY *key)
{
	struct leaf_sig ls;

	return leaf_sig__read(d, der, len, key, &ls) >= 0;
}

int trust_leaf__verify(struct trust_digests *d, const uint8_t *der, size_t len, EVP_PKEY *key)
{
	struct leaf_sig ls;
	int ok = leaf_sig__read(d, der, len, key, &ls);

	if (ok <= 0)
		return ok;
	ERR_set_mark();
	ok = EVP_DigestVerifyInit(d->ctx, NULL, ls.md, NULL, key) == 1 &&
	     EVP_DigestVerify(d->ctx, ls.sig.p + 1, ls.sig.len - 1, ls.tbs_whole.p,
			      ls.tbs_whole.len) == 1;
	EVP_MD_CTX_reset(d->ctx);
	ERR_pop_to_mark();
	return ok ? 1 : 0;
}
