// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the analysis in user/x509/x509.c: chains, key and signature types, names,
 * validity, serials and unknown OIDs, on certificates made in x509_certs.h (md2 signatures and
 * unknown OIDs byte-patched). Malformed input is in test_x509_malformed.c, the cache in
 * test_x509_cache.c. */
#include "x509_certs.h"

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
	CHECK_STR(li->curve, "secp256r1");
	CHECK(!li->is_ca && !li->self_issued && !li->self_signed);
	CHECK_STR(li->subject, "O=Example,CN=www.example.com");
	CHECK_STR(li->issuer, "CN=Md5 Intermediate");
	CHECK_STR(li->serial, "00ff01"); /* DER keeps the sign octet */
	CHECK_EQ(li->n_san, 5);
	CHECK_EQ(li->san_count, 5);
	CHECK(!li->san_truncated);
	CHECK_STR(li->san[0], "DNS:www.example.com");
	CHECK_STR(li->san[1], "email:a@example.com");
	CHECK_STR(li->san[2], "DNS:*.example.org");
	CHECK_STR(li->san[3], "IP:192.0.2.1");
	CHECK_STR(li->san[4], "IP:2001:db8::1");
	CHECK(li->san[5] == NULL);
	CHECK_EQ(strlen(li->sha1_hex), 40);
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
			CHECK_STR(i->curve, "secp192r1");
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

/* Both fingerprints against EVP's, for a certificate (through the cache too) and for inputs
 * that are not one, at the lengths around SHA's 64-byte block where the padding changes. */
static void evp_hex(const EVP_MD *md, const uint8_t *p, size_t len, char *out)
{
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	CHECK(EVP_Digest(len ? p : (const uint8_t *)"", len, d, &n, md, NULL) == 1);
	for (unsigned int i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void check_fingerprints(const struct x509_info *x, const uint8_t *p, size_t len)
{
	char want[2 * EVP_MAX_MD_SIZE + 1];

	CHECK(x);
	if (!x)
		return;
	evp_hex(EVP_sha256(), p, len, want);
	CHECK_STR(x->sha256_hex, want);
	evp_hex(EVP_sha1(), p, len, want);
	CHECK_STR(x->sha1_hex, want);
}

static void test_fingerprints(void)
{
	struct spec ls = { .key = ec256, .sign_key = rsa2048, .md = EVP_sha256(),
			   .cn = "fp.example.com", .ca = 0, .serial_hex = "0a" };
	struct der l = make(&ls);
	static const size_t lens[] = { 0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 300 };
	uint8_t junk[300];
	struct x509_cache *c = x509_cache__new(4);
	const struct x509_info *ci;
	struct x509_info *x;

	CHECK(l.p && c);
	if (!l.p || !c)
		goto out;
	x = x509__analyze(l.p, l.len);
	CHECK(x && x->parsed);
	check_fingerprints(x, l.p, l.len);
	x509_info__free(x);
	ci = x509_cache__get(c, l.p, l.len);
	check_fingerprints(ci, l.p, l.len);
	x509_info__put(c, ci);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		x = x509__analyze(junk, lens[i]);
		CHECK(x && !x->parsed);
		check_fingerprints(x, junk, lens[i]);
		x509_info__free(x);
	}
out:
	x509_cache__free(c);
	free(l.p);
}

int main(void)
{
	if (keys_init())
		return 1;
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
	RUN_TEST(test_fingerprints);
	keys_free();
	return CHECK_DONE();
}
