// SPDX-License-Identifier: GPL-2.0-only
/* Strict DER reading of the X.509 fields tlsmon reports (see der_cert.h for why and the
 * contract). Every rule below either mirrors what OpenSSL 3.0 does with the same bytes or makes
 * the reader give up; tests/unit/x509/test_der_cert.c and tests/fuzz/fuzz_x509.c compare the two. */
#include "x509/der_cert.h"

#include "x509/der_name.h"
#include "x509/ec_point.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* ---- the OID tables (each row checked against OpenSSL by the unit test) ---- */

/* Signature algorithms: OpenSSL's long name, and the hash OBJ_find_sigid_algs gives. */
#define SIG_PSS_NAME "rsassaPss"
static const struct der_oid_row sigs[] = {
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b), "1.2.840.113549.1.1.11",
	  "sha256WithRSAEncryption", "sha256", 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02), "1.2.840.10045.4.3.2",
	  "ecdsa-with-SHA256", "sha256", 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c), "1.2.840.113549.1.1.12",
	  "sha384WithRSAEncryption", "sha384", 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03), "1.2.840.10045.4.3.3",
	  "ecdsa-with-SHA384", "sha384", 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05), "1.2.840.113549.1.1.5",
	  "sha1WithRSAEncryption", "sha1", 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d), "1.2.840.113549.1.1.13",
	  "sha512WithRSAEncryption", "sha512", 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04), "1.2.840.10045.4.3.4",
	  "ecdsa-with-SHA512", "sha512", 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0e), "1.2.840.113549.1.1.14",
	  "sha224WithRSAEncryption", "sha224", 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04), "1.2.840.113549.1.1.4",
	  "md5WithRSAEncryption", "md5", 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x03), "1.2.840.113549.1.1.3",
	  "md4WithRSAEncryption", "md4", 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x02), "1.2.840.113549.1.1.2",
	  "md2WithRSAEncryption", "md2", 0 },
	{ DER_OID(0x2b, 0x0e, 0x03, 0x02, 0x1d), "1.3.14.3.2.29", "sha1WithRSA", "sha1", 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01), "1.2.840.10045.4.1", "ecdsa-with-SHA1",
	  "sha1", 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x01), "1.2.840.10045.4.3.1",
	  "ecdsa-with-SHA224", "sha224", 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03), "1.2.840.10040.4.3", "dsaWithSHA1",
	  "sha1", 0 },
	{ DER_OID(0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x01), "2.16.840.1.101.3.4.3.1",
	  "dsa_with_SHA224", "sha224", 0 },
	{ DER_OID(0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x02), "2.16.840.1.101.3.4.3.2",
	  "dsa_with_SHA256", "sha256", 0 },
	{ DER_OID(0x2b, 0x65, 0x70), "1.3.101.112", "ED25519", "", 0 },
	{ DER_OID(0x2b, 0x65, 0x71), "1.3.101.113", "ED448", "", 0 },
	/* RFC 4055 3.1: the hash is in the parameters. */
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a), "1.2.840.113549.1.1.10",
	  SIG_PSS_NAME, NULL, 0 },
};

/* Hashes an RSASSA-PSS hashAlgorithm may name (RFC 4055 2.1), with OpenSSL's short name. */
static const struct der_oid_row hashes[] = {
	{ DER_OID(0x2b, 0x0e, 0x03, 0x02, 0x1a), "1.3.14.3.2.26", "sha1", NULL, 0 },
	{ DER_OID(0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04), "2.16.840.1.101.3.4.2.4",
	  "sha224", NULL, 0 },
	{ DER_OID(0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01), "2.16.840.1.101.3.4.2.1",
	  "sha256", NULL, 0 },
	{ DER_OID(0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02), "2.16.840.1.101.3.4.2.2",
	  "sha384", NULL, 0 },
	{ DER_OID(0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03), "2.16.840.1.101.3.4.2.3",
	  "sha512", NULL, 0 },
};

static const struct der_oid oid_mgf1 =
	DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08);
static const struct der_oid oid_san = DER_OID(0x55, 0x1d, 0x11);
static const struct der_oid oid_bc = DER_OID(0x55, 0x1d, 0x13);

enum key_kind { KEY_RSA, KEY_EC, KEY_RAW };

/* Key types; bits is what EVP_PKEY_get_bits gives for the raw-key types (RFC 8410 3), whose
 * keys have a fixed size. */
struct key_row {
	struct der_oid_row r;
	enum key_kind kind;
	size_t raw_len;
};

static const struct key_row keys[] = {
	{ { DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01), "1.2.840.113549.1.1.1",
	    "RSA", NULL, 0 },
	  KEY_RSA, 0 },
	{ { DER_OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01), "1.2.840.10045.2.1", "EC", NULL, 0 },
	  KEY_EC, 0 },
	{ { DER_OID(0x2b, 0x65, 0x70), "1.3.101.112", "Ed25519", NULL, 256 }, KEY_RAW, 32 },
	{ { DER_OID(0x2b, 0x65, 0x71), "1.3.101.113", "Ed448", NULL, 456 }, KEY_RAW, 57 },
	{ { DER_OID(0x2b, 0x65, 0x6e), "1.3.101.110", "X25519", NULL, 253 }, KEY_RAW, 32 },
	{ { DER_OID(0x2b, 0x65, 0x6f), "1.3.101.111", "X448", NULL, 448 }, KEY_RAW, 56 },
};

/* Named prime curves with a = -3 (FIPS 186-4 D.1.2): name as OpenSSL's group name, order bits
 * (EVP_PKEY_get_bits), and p and b for the on-curve check OpenSSL makes when it decodes the
 * key: a point off the curve leaves X509_get0_pubkey NULL. p and b are flen big-endian bytes. */
struct curve {
	struct der_oid_row r;
	unsigned flen;
	const char *p, *b;
};

static const struct curve curves[] = {
	{ { DER_OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07), "1.2.840.10045.3.1.7",
	    "prime256v1", "", 256 },
	  32, "\xff\xff\xff\xff\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00"
	  "\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
	  "\x5a\xc6\x35\xd8\xaa\x3a\x93\xe7\xb3\xeb\xbd\x55\x76\x98\x86\xbc"
	  "\x65\x1d\x06\xb0\xcc\x53\xb0\xf6\x3b\xce\x3c\x3e\x27\xd2\x60\x4b" },
	{ { DER_OID(0x2b, 0x81, 0x04, 0x00, 0x22), "1.3.132.0.34", "secp384r1", "", 384 },
	  48,
	  "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	  "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe"
	  "\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff",
	  "\xb3\x31\x2f\xa7\xe2\x3e\xe7\xe4\x98\x8e\x05\x6b\xe3\xf8\x2d\x19"
	  "\x18\x1d\x9c\x6e\xfe\x81\x41\x12\x03\x14\x08\x8f\x50\x13\x87\x5a"
	  "\xc6\x56\x39\x8d\x8a\x2e\xd1\x9d\x2a\x85\xc8\xed\xd3\xec\x2a\xef" },
	{ { DER_OID(0x2b, 0x81, 0x04, 0x00, 0x23), "1.3.132.0.35", "secp521r1", "", 521 },
	  66,
	  "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	  "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	  "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	  "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	  "\xff\xff",
	  "\x00\x51\x95\x3e\xb9\x61\x8e\x1c\x9a\x1f\x92\x9a\x21\xa0\xb6\x85"
	  "\x40\xee\xa2\xda\x72\x5b\x99\xb3\x15\xf3\xb8\xb4\x89\x91\x8e\xf1"
	  "\x09\xe1\x56\x19\x39\x51\xec\x7e\x93\x7b\x16\x52\xc0\xbd\x3b\xb1"
	  "\xbf\x07\x35\x73\xdf\x88\x3d\x2c\x34\xf1\xef\x45\x1f\xd4\x6b\x50"
	  "\x3f\x00" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Rows may be the head of a bigger struct (key_row): stride is the array's element size. */
static const struct der_oid_row *find_row(const struct der_oid_row *tab, size_t stride, size_t n,
					  struct der_span oid)
{
	for (size_t i = 0; i < n; i++) {
		const struct der_oid_row *r =
			(const struct der_oid_row *)((const char *)tab + i * stride);

		if (der_oid_eq(&r->oid, oid))
			return r;
	}
	return NULL;
}

const struct der_oid_row *der_cert__table_row(enum der_table t, unsigned i)
{
	switch (t) {
	case DER_TAB_ATTR:
		return der_name__attr_row(i);
	case DER_TAB_SIG:
		return i < N(sigs) ? &sigs[i] : NULL;
	case DER_TAB_HASH:
		return i < N(hashes) ? &hashes[i] : NULL;
	case DER_TAB_KEY:
		return i < N(keys) ? &keys[i].r : NULL;
	case DER_TAB_CURVE:
		return i < N(curves) ? &curves[i].r : NULL;
	}
	return NULL;
}

/* A BIT STRING with no unused bits (keys and signatures are whole octets). */
static int bit_string_octets(struct der_span v, struct der_span *octets)
{
	if (!v.len || v.p[0] != 0)
		return -ENOTSUP;
	octets->p = v.p + 1;
	octets->len = v.len - 1;
	return 0;
}

/* issuerUniqueID / subjectUniqueID: OpenSSL wants 0..7 unused bits; an empty string with
 * unused bits is odd enough to leave to it. */
static bool unique_id_ok(struct der_span v)
{
	return v.len && v.p[0] <= 7 && (v.len > 1 || v.p[0] == 0);
}

/* X.690 11.1 wants ff for TRUE; OpenSSL takes any octet, but only 00 and ff are read here. */
static bool bool_ok(struct der_span v)
{
	return v.len == 1 && (v.p[0] == 0 || v.p[0] == 0xff);
}

/* AlgorithmIdentifier parameters: absent or NULL only (what the fast path reports does not
 * depend on them, and both decode the same everywhere). */
static bool params_absent_or_null(struct der_span c)
{
	return !c.len || (c.len == 2 && c.p[0] == TAG_NULL && c.p[1] == 0);
}

/* ---- validity ---- */

int64_t der_cert__days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	/* A March-based year puts the leap day last. */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits(const uint8_t *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static void put2(char *dst, int v)
{
	dst[0] = (char)('0' + v / 10);
	dst[1] = (char)('0' + v % 10);
}

/* RFC 5280 4.1.2.5.1/2: UTCTime YYMMDDHHMMSSZ (YY >= 50 is 19YY) or GeneralizedTime
 * YYYYMMDDHHMMSSZ. Other forms OpenSSL also reads (no seconds, offsets, fractions) are left to
 * it. */
static int read_time(struct der_span *c, int64_t *secs, char str[24])
{
	static const uint8_t mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct der_span v;
	uint8_t tag;
	int y, mo, d, h, mi, s, yl;

	if (der_any(c, &tag, &v))
		return -EINVAL;
	if (tag == TAG_UTCTIME && v.len == 13)
		yl = 2;
	else if (tag == TAG_GENTIME && v.len == 15)
		yl = 4;
	else
		return -ENOTSUP;
	if (v.p[v.len - 1] != 'Z')
		return -ENOTSUP;
	y = digits(v.p, yl);
	mo = digits(v.p + yl, 2);
	d = digits(v.p + yl + 2, 2);
	h = digits(v.p + yl + 4, 2);
	mi = digits(v.p + yl + 6, 2);
	s = digits(v.p + yl + 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 ||
	    s > 59)
		return -ENOTSUP;
	if (yl == 2)
		y += y < 50 ? 2000 : 1900;
	if (d > mdays[mo - 1] + (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -ENOTSUP;
	*secs = der_cert__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	put2(str, y / 100);
	put2(str + 2, y % 100);
	str[4] = '-';
	put2(str + 5, mo);
	str[7] = '-';
	put2(str + 8, d);
	str[10] = 'T';
	put2(str + 11, h);
	str[13] = ':';
	put2(str + 14, mi);
	str[16] = ':';
	put2(str + 17, s);
	memcpy(str + 19, "Z", 2);
	return 0;
}

/* ---- algorithms and keys ---- */

/* RFC 4055 3.1 RSASSA-PSS-params, each field optional; OpenSSL's hash is the first one's
 * (SHA-1 when absent). Only plain forms are taken: anything unusual may make OpenSSL's decode
 * of the parameters fail, which leaves its hash empty. */
static int read_pss_hash(struct der_span params, const char **hash)
{
	struct der_span seq, f, alg, oid, mgf, mgfp;
	const struct der_oid_row *h;

	*hash = "sha1";
	if (der_get(&params, TAG_SEQ, &seq) || params.len)
		return -ENOTSUP;
	if (der_peek(&seq, 0xa0)) {
		if (der_get(&seq, 0xa0, &f) || der_get(&f, TAG_SEQ, &alg) || f.len ||
		    der_get(&alg, TAG_OID, &oid) || !params_absent_or_null(alg))
			return -ENOTSUP;
		h = find_row(hashes, sizeof(hashes[0]), N(hashes), oid);
		if (!h)
			return -ENOTSUP;
		*hash = h->name;
	}
	if (der_peek(&seq, 0xa1)) {
		if (der_get(&seq, 0xa1, &f) || der_get(&f, TAG_SEQ, &mgf) || f.len ||
		    der_get(&mgf, TAG_OID, &oid) || !der_oid_eq(&oid_mgf1, oid) ||
		    der_get(&mgf, TAG_SEQ, &mgfp) || mgf.len || der_get(&mgfp, TAG_OID, &oid) ||
		    !oid_valid(oid) || !params_absent_or_null(mgfp))
			return -ENOTSUP;
	}
	for (uint8_t t = 0xa2; t <= 0xa3; t++) {
		if (der_peek(&seq, t) && (der_get(&seq, t, &f) || der_get(&f, TAG_INTEGER, &alg) ||
					  f.len || !int_minimal(alg)))
			return -ENOTSUP;
	}
	return seq.len ? -ENOTSUP : 0;
}

static int read_sig_alg(struct der_span alg, struct der_cert *dc)
{
	struct der_span oid;
	const struct der_oid_row *r;

	if (der_get(&alg, TAG_OID, &oid))
		return -EINVAL;
	r = find_row(sigs, sizeof(sigs[0]), N(sigs), oid);
	if (!r)
		return -ENOTSUP;
	dc->sig_oid = r->dotted;
	dc->sig_name = r->name;
	if (r->extra) {
		dc->sig_hash = r->extra;
		return params_absent_or_null(alg) ? 0 : -ENOTSUP;
	}
	return read_pss_hash(alg, &dc->sig_hash);
}

/* RFC 8017 A.1.1 RSAPublicKey: bits of the modulus (RSA_bits). Sizes outside what anyone
 * deploys are left to OpenSSL. */
static int read_rsa_key(struct der_span key, int *bits)
{
	struct der_span seq, n, e;
	int b;

	if (der_get(&key, TAG_SEQ, &seq) || key.len || der_get(&seq, TAG_INTEGER, &n) ||
	    der_get(&seq, TAG_INTEGER, &e) || seq.len || !int_positive(n) || !int_positive(e))
		return -ENOTSUP;
	if (n.p[0] == 0)
		n.p++, n.len--;
	if (n.len > 2048)
		return -ENOTSUP;
	b = (int)n.len * 8;
	for (uint8_t top = n.p[0]; !(top & 0x80); top <<= 1)
		b--;
	return b < 256 ? -ENOTSUP : (*bits = b, 0);
}

/* SEC 1 2.3.4: an uncompressed point 04 || X || Y, coordinates below p, on y^2 = x^3 - 3x + b. */
static int check_point(const struct curve *cv, struct der_span pt)
{
	if (pt.len != 1 + 2 * (size_t)cv->flen || pt.p[0] != 4)
		return -ENOTSUP;
	return ec_point__on_curve((const uint8_t *)cv->p, (const uint8_t *)cv->b, cv->flen,
				  pt.p + 1, pt.p + 1 + cv->flen) ?
		       -ENOTSUP :
		       0;
}

static int read_key(struct der_span spki, struct der_cert *dc)
{
	struct der_span alg, oid, bits, key, params;
	const struct key_row *k;

	if (der_get(&spki, TAG_SEQ, &alg) || der_get(&spki, TAG_BIT_STRING, &bits) || spki.len ||
	    der_get(&alg, TAG_OID, &oid))
		return -EINVAL;
	k = (const struct key_row *)find_row(&keys[0].r, sizeof(keys[0]), N(keys), oid);
	if (!k || bit_string_octets(bits, &key))
		return -ENOTSUP;
	dc->key_type = k->r.name;
	dc->curve = "";
	switch (k->kind) {
	case KEY_RSA:
		return params_absent_or_null(alg) ? read_rsa_key(key, &dc->key_bits) : -ENOTSUP;
	case KEY_EC:
		/* RFC 5480 2.1.1.1: namedCurve only; explicit parameters are left to OpenSSL. */
		if (der_get(&alg, TAG_OID, &params) || alg.len)
			return -ENOTSUP;
		for (size_t i = 0; i < N(curves); i++) {
			if (der_oid_eq(&curves[i].r.oid, params)) {
				dc->curve = curves[i].r.name;
				dc->key_bits = curves[i].r.bits;
				return check_point(&curves[i], key);
			}
		}
		return -ENOTSUP;
	case KEY_RAW:
		/* RFC 8410 3: parameters absent. */
		dc->key_bits = k->r.bits;
		return !alg.len && key.len == k->raw_len ? 0 : -ENOTSUP;
	}
	return -ENOTSUP;
}

/* ---- extensions ---- */

/* RFC 5280 4.2.1.6: every GeneralName must decode for OpenSSL to return any; only the string,
 * address and directoryName forms are taken here (registeredID is printed as a dotted OID,
 * which OpenSSL does). */
static int check_san(struct der_span v, struct der_span *list)
{
	struct der_name_ent ents[DER_NAME_MAX_ENTRIES];
	struct der_span seq, val, it, name;
	uint8_t tag;

	if (der_get(&v, TAG_SEQ, &seq) || v.len)
		return -ENOTSUP;
	for (it = seq; it.len;) {
		if (der_any(&it, &tag, &val))
			return -ENOTSUP;
		switch (tag) {
		case DER_GN_EMAIL:
		case DER_GN_DNS:
		case DER_GN_URI:
		case DER_GN_IP:
			break;
		case DER_GN_DIRNAME:
			/* [4] EXPLICIT Name, which OpenSSL decodes like the subject. */
			if (der_get(&val, TAG_SEQ, &name) || val.len ||
			    der_name__entries(name, ents) < 0)
				return -ENOTSUP;
			break;
		default:
			return -ENOTSUP;
		}
	}
	*list = seq;
	return 0;
}

/* RFC 5280 4.2.1.9 BasicConstraints: cA DEFAULT FALSE, then pathLenConstraint. */
static int check_bc(struct der_span v, bool *is_ca)
{
	struct der_span seq, b, n;

	if (der_get(&v, TAG_SEQ, &seq) || v.len)
		return -ENOTSUP;
	*is_ca = false;
	if (der_peek(&seq, TAG_BOOLEAN)) {
		/* An explicit FALSE is not DER but common (old GoDaddy leaves); OpenSSL reads
		 * it. */
		if (der_get(&seq, TAG_BOOLEAN, &b) || !bool_ok(b))
			return -ENOTSUP;
		*is_ca = b.p[0] != 0;
	}
	if (der_peek(&seq, TAG_INTEGER) && (der_get(&seq, TAG_INTEGER, &n) || !int_minimal(n)))
		return -ENOTSUP;
	return seq.len ? -ENOTSUP : 0;
}

/* X509_get_ext_d2i finds nothing when an extension occurs twice; it decodes the one found. */
static int read_extensions(struct der_span exts, struct der_cert *dc)
{
	struct der_span seq, ext, oid, crit, val, san = { 0 }, bc = { 0 };
	int n_san = 0, n_bc = 0;

	if (der_get(&exts, TAG_SEQ, &seq) || exts.len || !seq.len)
		return -ENOTSUP;
	while (seq.len) {
		if (der_get(&seq, TAG_SEQ, &ext) || der_get(&ext, TAG_OID, &oid) || !oid_valid(oid))
			return -EINVAL;
		if (der_peek(&ext, TAG_BOOLEAN) &&
		    (der_get(&ext, TAG_BOOLEAN, &crit) || !bool_ok(crit)))
			return -ENOTSUP;
		if (der_get(&ext, TAG_OCTET_STRING, &val) || ext.len)
			return -EINVAL;
		if (der_oid_eq(&oid_san, oid))
			san = val, n_san++;
		else if (der_oid_eq(&oid_bc, oid))
			bc = val, n_bc++;
	}
	if (n_san == 1 && check_san(san, &dc->san))
		return -ENOTSUP;
	if (n_bc == 1 && check_bc(bc, &dc->is_ca))
		return -ENOTSUP;
	return 0;
}

/* ---- the certificate ---- */

/* RFC 5280 4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }. */
int der_cert__read(const uint8_t *der, size_t len, struct der_cert *dc)
{
	struct der_span c = { der, len }, cert, tbs, alg, sig, v, val, oct;
	int rc;

	memset(dc, 0, offsetof(struct der_cert, n_issuer_ents));
	if (der_get(&c, TAG_SEQ, &cert) || c.len || der_get(&cert, TAG_SEQ, &tbs) ||
	    der_get(&cert, TAG_SEQ, &alg) || der_get(&cert, TAG_BIT_STRING, &sig) || cert.len ||
	    bit_string_octets(sig, &oct))
		return -EINVAL;
	rc = read_sig_alg(alg, dc);
	if (rc)
		return rc;

	/* version [0] EXPLICIT: v2 or v3 (v1 is the absent default, X.690 11.5). */
	if (der_peek(&tbs, 0xa0)) {
		if (der_get(&tbs, 0xa0, &v) || v.len != 3 || v.p[0] != TAG_INTEGER || v.p[1] != 1 ||
		    (v.p[2] != 1 && v.p[2] != 2))
			return -ENOTSUP;
	}
	if (der_get(&tbs, TAG_INTEGER, &dc->serial) || !int_minimal(dc->serial))
		return -EINVAL;
	if (dc->serial.p[0] & 0x80)
		return -ENOTSUP; /* negative */
	/* The inner signature algorithm: OpenSSL reports the outer one; both must agree here. */
	if (der_get(&tbs, TAG_SEQ, &v) || v.len != alg.len || memcmp(v.p, alg.p, alg.len))
		return -ENOTSUP;
	if (der_get(&tbs, TAG_SEQ, &dc->issuer))
		return -EINVAL;
	if (der_get(&tbs, TAG_SEQ, &v) ||
	    read_time(&v, &dc->not_before, dc->not_before_str) ||
	    read_time(&v, &dc->not_after, dc->not_after_str) || v.len)
		return -ENOTSUP;
	if (der_get(&tbs, TAG_SEQ, &dc->subject) || der_get(&tbs, TAG_SEQ, &v))
		return -EINVAL;
	rc = read_key(v, dc);
	if (rc)
		return rc;
	for (uint8_t t = 0x81; t <= 0x82; t++)
		if (der_peek(&tbs, t) && (der_get(&tbs, t, &val) || !unique_id_ok(val)))
			return -ENOTSUP;
	if (der_peek(&tbs, 0xa3)) {
		if (der_get(&tbs, 0xa3, &v))
			return -EINVAL;
		rc = read_extensions(v, dc);
		if (rc)
			return rc;
	}
	if (tbs.len)
		return -EINVAL;

	dc->n_issuer_ents = der_name__entries(dc->issuer, dc->issuer_ents);
	if (dc->n_issuer_ents < 0)
		return dc->n_issuer_ents;
	dc->n_subject_ents = der_name__entries(dc->subject, dc->subject_ents);
	if (dc->n_subject_ents < 0)
		return dc->n_subject_ents;
	/* A self-issued certificate needs its signature checked for self_signed: OpenSSL's job. */
	if (der_name__may_equal(dc->issuer_ents, dc->n_issuer_ents, dc->subject_ents,
				dc->n_subject_ents))
		return -ENOTSUP;
	return 0;
}

bool der_cert__next_san(struct der_span *cursor, uint8_t *tag, struct der_span *value)
{
	return cursor->len && !der_any(cursor, tag, value);
}
