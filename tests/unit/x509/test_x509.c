// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for user/x509/x509.c. Certificates are made here with the OpenSSL API and then, where
 * OpenSSL would refuse to make them (md2 signatures, unknown OIDs), byte-patched. */
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

static X509 *build(const struct spec *s)
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

static struct der to_der(X509 *x)
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

static struct der make(const struct spec *s)
{
	X509 *x = build(s);
	struct der d = to_der(x);

	X509_free(x);
	return d;
}

static struct x509_info *analyze_spec(const struct spec *s)
{
	struct der d = make(s);
	struct x509_info *i = d.p ? x509__analyze(d.p, d.len) : NULL;

	free(d.p);
	return i;
}

/* Rewrites the last byte of every md5WithRSAEncryption OID (tbs signature and outer
 * signatureAlgorithm); same length, so no DER length changes. */
static int patch_md5_oid(struct der *d, uint8_t last)
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

static void sha256_hex(const uint8_t *p, size_t len, char out[65])
{
	uint8_t md[32];
	unsigned int n = 0;
	int i;

	EVP_Digest(len ? p : (const uint8_t *)"", len, md, &n, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static EVP_PKEY *rsa1024, *rsa2048, *ec256, *ed25519;

static int keys_init(void)
{
	rsa1024 = EVP_RSA_gen(1024);
	rsa2048 = EVP_RSA_gen(2048);
	ec256 = EVP_EC_gen("P-256");
	ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return rsa1024 && rsa2048 && ec256 && ed25519 ? 0 : -1;
}

static void keys_free(void)
{
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(rsa2048);
	EVP_PKEY_free(ec256);
	EVP_PKEY_free(ed25519);
}

/* The weak chain a monitor exists to flag: md2 root -> md5 intermediate -> sha1 leaf. */
static void test_weak_chain(void)
{
	struct spec rs = { .key = rsa2048, .md = EVP_md5(), .cn = "Old Root", .org = "Example",
			   .ca = 1, .key_ids = true, .serial_hex = "00" };
	X509 *root = build(&rs);
	struct spec is = { .key = rsa1024, .sign_key = rsa2048, .issuer = root, .md = EVP_md5(),
			   .cn = "Md5 Intermediate", .ca = 1, .serial_hex = "1000" };
	X509 *inter = build(&is);
	struct spec ls = { .key = ec256, .sign_key = rsa1024, .issuer = inter, .md = EVP_sha1(),
			   .cn = "www.example.com", .org = "Example", .ca = 0,
			   .san = "DNS:www.example.com,email:a@example.com,DNS:*.example.org,"
				  "IP:192.0.2.1,IP:2001:db8::1",
			   .serial_hex = "ff01" };
	struct der r = to_der(root), i = to_der(inter), l = make(&ls);
	struct x509_info *ri, *ii, *li;

	CHECK(root && inter && l.p);
	CHECK_EQ(patch_md5_oid(&r, 0x02), 2);
	ri = x509__analyze(r.p, r.len);
	ii = x509__analyze(i.p, i.len);
	li = x509__analyze(l.p, l.len);
	CHECK(ri && ii && li);
	if (!ri || !ii || !li)
		goto out;

	CHECK(ri->parsed);
	CHECK_STR(ri->sig_oid, "1.2.840.113549.1.1.2");
	CHECK_STR(ri->sig_name, "md2WithRSAEncryption");
	CHECK_STR(ri->sig_hash, "md2");
	CHECK_STR(ri->key_type, "RSA");
	CHECK_EQ(ri->key_bits, 2048);
	CHECK_STR(ri->curve, "");
	CHECK(ri->self_issued);
	CHECK(ri->self_signed); /* md2 cannot be verified: names plus AKID == SKID */
	CHECK(ri->is_ca);
	CHECK_STR(ri->serial, "00");
	CHECK_STR(ri->subject, "O=Example,CN=Old Root");
	CHECK_STR(ri->subject_cn, "Old Root");
	CHECK_EQ(ri->refs, 1);
	CHECK_STR(ri->error, "");

	CHECK(ii->parsed);
	CHECK_STR(ii->sig_oid, "1.2.840.113549.1.1.4");
	CHECK_STR(ii->sig_name, "md5WithRSAEncryption");
	CHECK_STR(ii->sig_hash, "md5");
	CHECK_EQ(ii->key_bits, 1024);
	CHECK(ii->is_ca);
	CHECK(!ii->self_issued && !ii->self_signed);
	CHECK_STR(ii->issuer, "O=Example,CN=Old Root");
	CHECK_STR(ii->subject, "CN=Md5 Intermediate");
	CHECK_STR(ii->serial, "1000");
	CHECK_EQ(ii->n_san, 0);

	CHECK(li->parsed);
	CHECK_STR(li->sig_oid, "1.2.840.113549.1.1.5");
	CHECK_STR(li->sig_name, "sha1WithRSAEncryption");
	CHECK_STR(li->sig_hash, "sha1");
	CHECK_STR(li->key_type, "EC");
	CHECK_EQ(li->key_bits, 256);
	CHECK_STR(li->curve, "prime256v1");
	CHECK(!li->is_ca && !li->self_issued && !li->self_signed);
	CHECK_STR(li->subject, "O=Example,CN=www.example.com");
	CHECK_STR(li->issuer, "CN=Md5 Intermediate");
	CHECK_STR(li->serial, "00ff01"); /* DER keeps the sign octet */
	CHECK_EQ(li->n_san, 4); /* the email entry is neither DNS nor IP */
	CHECK_STR(li->san[0], "DNS:www.example.com");
	CHECK_STR(li->san[1], "DNS:*.example.org");
	CHECK_STR(li->san[2], "IP:192.0.2.1");
	CHECK_STR(li->san[3], "IP:2001:db8::1");
	CHECK(li->san[4] == NULL);
	CHECK_EQ(li->der_len, l.len);
	CHECK(li->validity_ok);
	CHECK_STR(li->not_before_str, "2020-01-01T00:00:00Z");
	CHECK_EQ(li->not_before, 1577836800);
	CHECK_EQ(li->not_after, 1893456000);
	CHECK_EQ(ERR_peek_error(), 0);
out:
	x509_info__free(ri);
	x509_info__free(ii);
	x509_info__free(li);
	free(r.p);
	free(i.p);
	free(l.p);
	X509_free(root);
	X509_free(inter);
}

/* md2 self-issued roots: without key identifiers the names decide; a contradicting AKID wins. */
static void test_md2_self_signed_fallback(void)
{
	struct spec other = { .key = rsa1024, .md = EVP_sha256(), .cn = "Other", .ca = 1,
			      .key_ids = true };
	X509 *ox = build(&other);
	struct spec bare = { .key = rsa2048, .md = EVP_md5(), .cn = "Bare", .ca = 1 };
	struct spec wrong = { .key = rsa2048, .md = EVP_md5(), .cn = "Wrong", .ca = 1,
			      .key_ids = true, .akid_from = ox };
	struct der b = make(&bare), w = make(&wrong);
	struct x509_info *bi, *wi;

	CHECK_EQ(patch_md5_oid(&b, 0x02), 2);
	CHECK_EQ(patch_md5_oid(&w, 0x02), 2);
	bi = x509__analyze(b.p, b.len);
	wi = x509__analyze(w.p, w.len);
	CHECK(bi && wi);
	if (bi && wi) {
		CHECK_STR(bi->sig_hash, "md2");
		CHECK(bi->self_issued && bi->self_signed);
		CHECK_STR(wi->sig_hash, "md2");
		CHECK(wi->self_issued && !wi->self_signed);
	}
	x509_info__free(bi);
	x509_info__free(wi);
	free(b.p);
	free(w.p);
	X509_free(ox);
}

static void test_key_and_sig_types(void)
{
	struct spec ed = { .key = ed25519, .md = NULL, .cn = "ed", .ca = -1 };
	struct spec ec = { .key = ec256, .md = EVP_sha256(), .cn = "ec", .ca = -1 };
	struct spec rsa = { .key = rsa2048, .md = EVP_sha256(), .cn = "rsa", .ca = 0 };
	struct x509_info *ei = analyze_spec(&ed), *ci = analyze_spec(&ec), *ri = analyze_spec(&rsa);
	EVP_PKEY *ec192 = EVP_EC_gen("prime192v1");

	CHECK(ei && ci && ri);
	if (ei && ci && ri) {
		CHECK_STR(ei->sig_oid, "1.3.101.112");
		CHECK_STR(ei->sig_name, "ED25519");
		CHECK_STR(ei->sig_hash, "");
		CHECK_STR(ei->key_type, "Ed25519");
		CHECK_EQ(ei->key_bits, 256);
		CHECK(ei->self_signed && !ei->is_ca);

		CHECK_STR(ci->sig_oid, "1.2.840.10045.4.3.2");
		CHECK_STR(ci->sig_name, "ecdsa-with-SHA256");
		CHECK_STR(ci->sig_hash, "sha256");
		CHECK(ci->self_signed);

		CHECK_STR(ri->sig_oid, "1.2.840.113549.1.1.11");
		CHECK_STR(ri->sig_name, "sha256WithRSAEncryption");
		CHECK_STR(ri->sig_hash, "sha256");
		CHECK_STR(ri->key_type, "RSA");
		CHECK_EQ(ri->key_bits, 2048);
		CHECK(ri->self_signed && !ri->is_ca);
		CHECK(ri->subject_cn && !strcmp(ri->subject_cn, "rsa"));
	}
	x509_info__free(ei);
	x509_info__free(ci);
	x509_info__free(ri);

	/* P-192 is still in OpenSSL 3.0's default provider; tolerate builds without it. */
	if (ec192) {
		struct spec s = { .key = ec192, .md = EVP_sha1(), .cn = "p192", .ca = -1 };
		struct x509_info *i = analyze_spec(&s);

		CHECK(i && i->parsed);
		if (i) {
			CHECK_STR(i->curve, "prime192v1");
			CHECK_EQ(i->key_bits, 192);
			CHECK_STR(i->sig_name, "ecdsa-with-SHA1");
			CHECK_STR(i->sig_hash, "sha1");
		}
		x509_info__free(i);
		EVP_PKEY_free(ec192);
	} else {
		fprintf(stderr, "  note: prime192v1 not available, skipped\n");
		ERR_clear_error();
	}
}

static struct der make_pss(EVP_PKEY *key, const EVP_MD *md)
{
	struct spec s = { .key = key, .md = EVP_sha256(), .cn = "pss", .ca = -1 };
	X509 *x = build(&s);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	struct der d = { NULL, 0 };

	if (x && ctx && EVP_DigestSignInit(ctx, &pctx, md, NULL, key) == 1 &&
	    (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA_PSS ||
	     EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1) &&
	    X509_sign_ctx(x, ctx) > 0)
		d = to_der(x);
	ERR_clear_error(); /* the test's own failures are caught by d.p == NULL */
	EVP_MD_CTX_free(ctx);
	X509_free(x);
	return d;
}

static EVP_PKEY *gen_rsa_pss(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	EVP_PKEY *key = NULL;

	if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) != 1 || EVP_PKEY_generate(ctx, &key) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* RSASSA-PSS carries its hash in the parameters (RFC 4055 3.1); SHA-1 is the default. */
static void test_rsa_pss(void)
{
	EVP_PKEY *pss_key = gen_rsa_pss();
	struct der a = make_pss(rsa2048, EVP_sha384()), b = make_pss(rsa2048, EVP_sha1());
	struct der c = make_pss(pss_key, EVP_sha256());
	struct x509_info *ia = x509__analyze(a.p, a.len), *ib = x509__analyze(b.p, b.len);
	struct x509_info *ic = x509__analyze(c.p, c.len);

	CHECK(pss_key && a.p && b.p && c.p);
	CHECK(ia && ib && ic);
	if (ia && ib && ic) {
		CHECK_STR(ia->sig_oid, "1.2.840.113549.1.1.10");
		CHECK_STR(ia->sig_name, "rsassaPss");
		CHECK_STR(ia->sig_hash, "sha384");
		CHECK_STR(ia->key_type, "RSA");
		CHECK(ia->self_signed);
		CHECK_STR(ib->sig_hash, "sha1");
		CHECK(ib->self_signed);
		CHECK_STR(ic->key_type, "RSA-PSS");
		CHECK_EQ(ic->key_bits, 2048);
		CHECK_STR(ic->sig_hash, "sha256");
		CHECK(ic->self_signed);
	}
	CHECK_EQ(ERR_peek_error(), 0);
	x509_info__free(ia);
	x509_info__free(ib);
	x509_info__free(ic);
	free(a.p);
	free(b.p);
	free(c.p);
	EVP_PKEY_free(pss_key);
}

/* Same names, other signer: self-issued only. A broken signature is not self-signed either. */
static void test_self_issued_not_signed(void)
{
	struct spec s = { .key = rsa1024, .sign_key = rsa2048, .md = EVP_sha256(), .cn = "same",
			  .ca = 1 };
	struct spec t = { .key = rsa1024, .md = EVP_sha256(), .cn = "tampered", .ca = 1 };
	struct der d = make(&s), e = make(&t);
	struct x509_info *i, *j;

	e.p[e.len - 1] ^= 0x55;
	i = x509__analyze(d.p, d.len);
	j = x509__analyze(e.p, e.len);
	CHECK(i && j);
	if (i && j) {
		CHECK(i->self_issued && !i->self_signed);
		CHECK(j->parsed && j->self_issued && !j->self_signed);
	}
	CHECK_EQ(ERR_peek_error(), 0);
	x509_info__free(i);
	x509_info__free(j);
	free(d.p);
	free(e.p);
}

/* Non-ASCII stays raw UTF-8 (the JSON writer escapes); a NUL inside a CN must not cut it short. */
static void test_names(void)
{
	static const char nul_cn[] = "bank.example\0.evil.example";
	struct spec u = { .key = ec256, .md = EVP_sha256(), .cn = "d\xc3\xa9j\xc3\xa0 vu, \"q\"",
			  .org = "Z\xc3\xbcrich", .ca = -1 };
	struct spec z = { .key = ec256, .md = EVP_sha256(), .cn = nul_cn,
			  .cn_len = (int)sizeof(nul_cn) - 1, .ca = -1 };
	struct spec none = { .key = ec256, .md = EVP_sha256(), .org = "No CN Inc", .ca = -1 };
	struct spec bmp = { .key = ec256, .md = EVP_sha256(), .cn = "b", .org = "odd", .ca = -1 };
	struct x509_info *iu = analyze_spec(&u), *iz = analyze_spec(&z), *in = analyze_spec(&none);
	struct der db = make(&bmp);
	struct x509_info *ib;
	size_t k;

	/* OpenSSL will not make a 3-octet BMPString: retag the UTF8String "odd" (same length). */
	for (k = 0; db.p && k + 5 <= db.len; k++)
		if (!memcmp(db.p + k, "\x0c\x03odd", 5))
			db.p[k] = 0x1e;
	ib = x509__analyze(db.p, db.len);

	CHECK(iu && iz && in);
	if (iu && iz && in) {
		CHECK_STR(iu->subject, "O=Z\xc3\xbcrich,CN=d\xc3\xa9j\xc3\xa0 vu\\, \\\"q\\\"");
		CHECK_STR(iu->subject_cn, "d\xc3\xa9j\xc3\xa0 vu, \"q\"");
		CHECK_STR(iz->subject_cn, "bank.example\\00.evil.example");
		CHECK_STR(iz->subject, "CN=bank.example\\00.evil.example");
		CHECK(in->subject_cn == NULL);
		CHECK_STR(in->subject, "O=No CN Inc");
		CHECK(in->self_issued && in->self_signed);
	}
	/* d2i_X509 canonicalises names, so an undecodable string fails the whole certificate. */
	CHECK(ib && !ib->parsed && ib->error[0]);
	CHECK_EQ(ERR_peek_error(), 0);
	x509_info__free(ib);
	free(db.p);
	x509_info__free(iu);
	x509_info__free(iz);
	x509_info__free(in);
}

static void check_times(const char *nb, const char *na, int64_t want_nb, int64_t want_na,
			const char *nb_str, const char *na_str)
{
	struct spec s = { .key = ec256, .md = EVP_sha256(), .cn = "t", .ca = -1,
			  .not_before = nb, .not_after = na };
	struct x509_info *i = analyze_spec(&s);

	CHECK(i && i->parsed && i->validity_ok);
	if (i) {
		CHECK_EQ(i->not_before, want_nb);
		CHECK_EQ(i->not_after, want_na);
		CHECK_STR(i->not_before_str, nb_str);
		CHECK_STR(i->not_after_str, na_str);
	}
	x509_info__free(i);
}

static void test_validity(void)
{
	/* RFC 5280 4.1.2.5.1: UTCTime 69 is 1969; 2050 on needs GeneralizedTime. */
	check_times("691231235959Z", "700101000000Z", -1, 0, "1969-12-31T23:59:59Z",
		    "1970-01-01T00:00:00Z");
	check_times("500101000000Z", "20510101000000Z", -631152000, 2556144000LL,
		    "1950-01-01T00:00:00Z", "2051-01-01T00:00:00Z");
	check_times("20000229120000Z", "99991231235959Z", 951825600, 253402300799LL,
		    "2000-02-29T12:00:00Z", "9999-12-31T23:59:59Z");
	check_times("19000301000000Z", "21000228235959Z", -2203891200LL, 4107542399LL,
		    "1900-03-01T00:00:00Z", "2100-02-28T23:59:59Z");
}

static void check_serial(const char *hex, bool neg, const char *want)
{
	struct spec s = { .key = ec256, .md = EVP_sha256(), .cn = "s", .ca = -1,
			  .serial_hex = hex, .serial_negative = neg };
	struct x509_info *i = analyze_spec(&s);

	CHECK(i && i->parsed);
	if (i)
		CHECK_STR(i->serial, want);
	x509_info__free(i);
}

static void test_serial(void)
{
	char big[200], want[84];

	check_serial("0", false, "00");
	check_serial("7f", false, "7f");
	check_serial("80", false, "0080");
	check_serial("1", true, "ff");
	check_serial("0102030405060708090a0b0c0d0e0f1011121314", false,
		     "0102030405060708090a0b0c0d0e0f1011121314");
	/* 50 octets: far over RFC 5280's 20; the head is kept and marked. */
	memset(big, '7', 100);
	big[100] = '\0';
	memset(want, '7', 80);
	strcpy(want + 80, "...");
	check_serial(big, false, want);
}

static void test_unknown_sig_oid(void)
{
	struct spec s = { .key = rsa1024, .md = EVP_md5(), .cn = "future", .ca = -1,
			  .key_ids = true };
	struct der d = make(&s);
	struct x509_info *i;

	CHECK_EQ(patch_md5_oid(&d, 99), 2); /* 1.2.840.113549.1.1.99 */
	i = x509__analyze(d.p, d.len);
	CHECK(i && i->parsed);
	if (i) {
		CHECK_STR(i->sig_oid, "1.2.840.113549.1.1.99");
		CHECK_STR(i->sig_name, "1.2.840.113549.1.1.99");
		CHECK_STR(i->sig_hash, "");
		CHECK_STR(i->key_type, "RSA");
		CHECK(i->self_issued && i->self_signed); /* unverifiable: AKID == SKID */
	}
	CHECK_EQ(ERR_peek_error(), 0);
	x509_info__free(i);
	free(d.p);
}

/* A key algorithm OpenSSL does not know (as ML-DSA on 3.0) is named by its OID. */
static void test_unknown_key(void)
{
	static const uint8_t ec_oid[] = { 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
	struct spec s = { .key = ec256, .md = EVP_sha256(), .cn = "pq", .ca = 1, .key_ids = true };
	struct der d = make(&s);
	struct x509_info *i;
	size_t k;
	int n = 0;

	for (k = 0; d.p && k + sizeof(ec_oid) <= d.len; k++) {
		if (!memcmp(d.p + k, ec_oid, sizeof(ec_oid))) {
			d.p[k + sizeof(ec_oid) - 1] = 99; /* 1.2.840.10045.2.99 */
			n++;
		}
	}
	CHECK_EQ(n, 1);
	i = x509__analyze(d.p, d.len);
	CHECK(i && i->parsed);
	if (i) {
		CHECK_STR(i->key_type, "1.2.840.10045.2.99");
		CHECK_EQ(i->key_bits, 0);
		CHECK_STR(i->curve, "");
		CHECK_STR(i->sig_name, "ecdsa-with-SHA256");
		CHECK(i->is_ca && i->self_issued && i->self_signed); /* no key: AKID == SKID */
	}
	CHECK_EQ(ERR_peek_error(), 0);
	x509_info__free(i);
	free(d.p);
}

static int check_unparsed(const uint8_t *p, size_t len)
{
	struct x509_info *i = x509__analyze(p, len);
	char hex[65];
	int bad = 0;

	if (!i)
		return 1;
	sha256_hex(p, len, hex);
	bad |= i->parsed;
	bad |= strcmp(i->sha256_hex, hex) != 0;
	bad |= i->der_len != len;
	bad |= i->error[0] == '\0';
	bad |= i->subject || i->issuer || i->subject_cn || i->n_san;
	bad |= ERR_peek_error() != 0;
	x509_info__free(i);
	return bad;
}

static void test_malformed(void)
{
	struct spec s = { .key = ec256, .md = EVP_sha256(), .cn = "m", .ca = 1,
			  .san = "DNS:a.example,IP:10.0.0.1", .key_ids = true };
	struct der d = make(&s);
	uint8_t buf[4096], one;
	uint32_t rng = 12345;
	size_t n, k;
	int bad = 0;
	struct x509_info *i;

	CHECK(d.p && d.len > 200 && d.len < sizeof(buf));
	if (!d.p)
		return;
	for (n = 0; n < d.len; n++)
		bad += check_unparsed(d.p, n);
	CHECK_EQ(bad, 0);
	for (bad = 0, n = 0; n < 256; n++) {
		one = (uint8_t)n;
		bad += check_unparsed(&one, 1);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(check_unparsed(NULL, 0), 0);
	for (bad = 0, k = 0; k < 500; k++) {
		size_t len = 1 + k * 7 % sizeof(buf);

		for (n = 0; n < len; n++) {
			rng = rng * 1103515245 + 12345;
			buf[n] = (uint8_t)(rng >> 16);
		}
		if (k & 1)
			buf[0] = 0x30; /* a SEQUENCE tag gets the decoder further */
		bad += check_unparsed(buf, len);
	}
	CHECK_EQ(bad, 0);

	/* The error names the cause, not OpenSSL's "nested asn1 error" wrapper. */
	i = x509__analyze(d.p, d.len / 2);
	CHECK(i && !i->parsed);
	if (i) {
		CHECK(strncmp(i->error, "d2i_X509: ", 10) == 0);
		CHECK(strstr(i->error, "nested") == NULL);
	}
	x509_info__free(i);

	/* The outer length lying high and low (30 82 HH LL). */
	memcpy(buf, d.p, d.len);
	CHECK_EQ(buf[0], 0x30);
	CHECK_EQ(buf[1], 0x82);
	buf[3]++;
	CHECK_EQ(check_unparsed(buf, d.len), 0);
	buf[3] -= 2;
	CHECK_EQ(check_unparsed(buf, d.len), 0);

	/* Every byte flipped in turn: whatever OpenSSL makes of it, no crash and a clean queue. */
	for (bad = 0, n = 0; n < d.len; n++) {
		memcpy(buf, d.p, d.len);
		buf[n] ^= 0xff;
		i = x509__analyze(buf, d.len);
		bad += !i || ERR_peek_error() != 0 || (!i->parsed && !i->error[0]);
		x509_info__free(i);
	}
	CHECK_EQ(bad, 0);

	/* Trailing bytes: parsed, noted, and hashed as received. */
	memcpy(buf, d.p, d.len);
	memcpy(buf + d.len, "xyz", 3);
	i = x509__analyze(buf, d.len + 3);
	CHECK(i && i->parsed);
	if (i) {
		char hex[65];

		sha256_hex(buf, d.len + 3, hex);
		CHECK_STR(i->sha256_hex, hex);
		CHECK(strstr(i->error, "3 trailing bytes") != NULL);
		CHECK_STR(i->subject_cn, "m");
	}
	x509_info__free(i);
	free(d.p);
}

/* Errors the caller had queued survive; ours do not. */
static void test_error_queue_preserved(void)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01 };
	unsigned long mine;
	struct x509_info *i;

	ERR_raise(ERR_LIB_USER, 42);
	mine = ERR_peek_error();
	i = x509__analyze(junk, sizeof(junk));
	CHECK(i && !i->parsed);
	CHECK_EQ(ERR_peek_error(), mine);
	CHECK_EQ(ERR_peek_last_error(), mine);
	if (i)
		CHECK(strncmp(i->error, "d2i_X509: ", 10) == 0);
	x509_info__free(i);
	ERR_clear_error();
}

static void test_cache_hits(void)
{
	struct spec s = { .key = ec256, .md = EVP_sha256(), .cn = "c", .ca = -1 };
	struct der d = make(&s);
	struct x509_cache *c = x509_cache__new(4);
	const struct x509_info *a, *b, *g1, *g2;
	const struct x509_cache_stats *st;
	static const uint8_t junk[] = { 1, 2, 3 };

	CHECK(c != NULL);
	if (!c)
		return;
	st = x509_cache__stats(c);
	a = x509_cache__get(c, d.p, d.len);
	b = x509_cache__get(c, d.p, d.len);
	CHECK(a && a == b);
	CHECK(a && a->parsed && a->refs == 2);
	CHECK_EQ(st->lookups, 2);
	CHECK_EQ(st->hits, 1);
	CHECK_EQ(st->entries, 1);
	CHECK_EQ(st->parse_failures, 0);
	x509_info__put(c, b);
	CHECK_EQ(a->refs, 1);
	x509_info__put(c, a);

	g1 = x509_cache__get(c, junk, sizeof(junk));
	x509_info__put(c, g1);
	g2 = x509_cache__get(c, junk, sizeof(junk));
	CHECK(g1 && g1 == g2 && !g2->parsed);
	CHECK_EQ(st->parse_failures, 1); /* analysed once, then served from the cache */
	CHECK_EQ(st->hits, 2);
	CHECK_EQ(st->entries, 2);
	x509_info__put(c, g2);
	x509_info__put(c, NULL);
	CHECK_EQ(st->evictions, 0);
	x509_cache__free(c);
	free(d.p);
	CHECK(x509_cache__new(0) == NULL && errno == EINVAL);
}

/* The cache finds entries by the length and the first and last 512 bytes, and confirms every
 * hit byte for byte: inputs that differ only in between are told apart, and at most four of
 * them are cached, so no lookup compares more than four. */
static void test_cache_same_ends(void)
{
	enum { N = 6, LEN = 4000 };
	struct x509_cache *c = x509_cache__new(16);
	const struct x509_info *got[N], *again;
	const struct x509_cache_stats *st;
	static uint8_t in[N][LEN];
	int i, j;

	CHECK(c != NULL);
	if (!c)
		return;
	st = x509_cache__stats(c);
	for (i = 0; i < N; i++) {
		memset(in[i], 0x30, LEN);
		in[i][LEN / 2] = (uint8_t)i;
		got[i] = x509_cache__get(c, in[i], LEN);
		CHECK(got[i] != NULL);
		for (j = 0; j < i; j++)
			CHECK(got[i] != got[j]);
	}
	CHECK_EQ(st->hits, 0);
	CHECK_EQ(st->entries, 4);
	CHECK_EQ(st->uncached, 2);
	for (i = 0; i < N; i++) {
		again = x509_cache__get(c, in[i], LEN);
		CHECK(i < 4 ? again == got[i] : again != got[i]);
		CHECK(again && !memcmp(again->sha256_hex, got[i]->sha256_hex,
				       sizeof(again->sha256_hex)));
		x509_info__put(c, again);
	}
	CHECK_EQ(st->hits, 4);
	for (i = 0; i < N; i++)
		x509_info__put(c, got[i]);
	x509_cache__free(c);
}

static void test_cache_eviction(void)
{
	struct spec s = { .key = ec256, .md = EVP_sha256(), .ca = -1 };
	const char *names[4] = { "a", "b", "c", "d" };
	struct der d[4];
	const struct x509_info *i[4], *again;
	struct x509_cache *c = x509_cache__new(2);
	const struct x509_cache_stats *st;
	int k;

	CHECK(c != NULL);
	if (!c)
		return;
	st = x509_cache__stats(c);
	for (k = 0; k < 4; k++) {
		s.cn = names[k];
		d[k] = make(&s);
	}
	i[0] = x509_cache__get(c, d[0].p, d[0].len);
	x509_info__put(c, i[0]);
	i[1] = x509_cache__get(c, d[1].p, d[1].len);
	x509_info__put(c, i[1]);
	/* Touch a so that b is the least recently released. */
	again = x509_cache__get(c, d[0].p, d[0].len);
	CHECK(again == i[0]);
	x509_info__put(c, again);
	i[2] = x509_cache__get(c, d[2].p, d[2].len);
	CHECK_EQ(st->evictions, 1);
	CHECK_EQ(st->entries, 2);
	again = x509_cache__get(c, d[0].p, d[0].len);
	CHECK(again == i[0]); /* a survived, b went */
	CHECK_EQ(st->hits, 2);

	/* a and c are now both held: d cannot evict them and is served uncached. */
	i[3] = x509_cache__get(c, d[3].p, d[3].len);
	CHECK(i[3] && i[3]->parsed && i[3]->refs == 1);
	CHECK_STR(i[3]->subject_cn, "d");
	CHECK_EQ(st->uncached, 1);
	CHECK_EQ(st->evictions, 1);
	CHECK_EQ(st->entries, 2);
	x509_info__put(c, i[3]); /* frees it: ASan would see a leak otherwise */
	CHECK_STR(i[2]->subject_cn, "c");
	CHECK_STR(again->subject_cn, "a");

	x509_info__put(c, i[2]);
	i[1] = x509_cache__get(c, d[1].p, d[1].len); /* evicts c, the only free entry */
	CHECK_EQ(st->evictions, 2);
	CHECK_STR(i[1]->subject_cn, "b");
	CHECK_EQ(st->lookups, 7);
	/* Freed with references still out: the cache owns the memory. */
	x509_cache__free(c);
	for (k = 0; k < 4; k++)
		free(d[k].p);
}

static void test_analyze_put_without_cache(void)
{
	static const uint8_t junk[] = { 0x30 };
	struct x509_info *i = x509__analyze(junk, sizeof(junk));

	CHECK(i && i->refs == 1);
	CHECK(i && i->sha256_hex[64] == '\0' && strlen(i->sha256_hex) == 64);
	x509_info__put(NULL, i); /* refs 1 -> 0 frees */
}

int main(void)
{
	if (keys_init()) {
		fprintf(stderr, "key generation failed\n");
		return 1;
	}
	RUN_TEST(test_weak_chain);
	RUN_TEST(test_md2_self_signed_fallback);
	RUN_TEST(test_key_and_sig_types);
	RUN_TEST(test_self_issued_not_signed);
	RUN_TEST(test_rsa_pss);
	RUN_TEST(test_names);
	RUN_TEST(test_validity);
	RUN_TEST(test_serial);
	RUN_TEST(test_unknown_sig_oid);
	RUN_TEST(test_unknown_key);
	RUN_TEST(test_malformed);
	RUN_TEST(test_error_queue_preserved);
	RUN_TEST(test_cache_hits);
	RUN_TEST(test_cache_same_ends);
	RUN_TEST(test_cache_eviction);
	RUN_TEST(test_analyze_put_without_cache);
	keys_free();
	return CHECK_DONE();
}
