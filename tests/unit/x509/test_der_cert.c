// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for user/x509/der_cert.c: x509__analyze (DER reader first) must give exactly what
 * x509__analyze_openssl gives, field by field (der_cert_diff.h), on certificates made here with
 * the OpenSSL API in many shapes and byte-mutated; its OID tables must match OpenSSL's. Real
 * certificates are in test_der_cert_real.c. */
#include "der_cert_diff.h"

static void lower_copy(char dst[64], const char *src)
{
	int n;

	for (n = 0; src[n] && n < 63; n++)
		dst[n] = (char)(src[n] >= 'A' && src[n] <= 'Z' ? src[n] + 32 : src[n]);
	dst[n] = '\0';
}

static void test_tables(void)
{
	const struct der_oid_row *row;
	unsigned char *der;
	char lower[64];

	for (int t = DER_TAB_ATTR; t <= DER_TAB_CURVE; t++) {
		for (unsigned i = 0; (row = der_cert__table_row((enum der_table)t, i)); i++) {
			struct {
				const uint8_t *oid;
				size_t oid_len;
				const char *dotted, *name, *extra;
				int bits;
			} r = { row->oid.b, row->oid.len, row->dotted, row->name,
				row->extra ? row->extra : "", row->bits };
			ASN1_OBJECT *o = OBJ_txt2obj(r.dotted, 1);
			int nid = OBJ_obj2nid(o), md = NID_undef, pk, n;
			const char *want;

			der = NULL;
			n = i2d_ASN1_OBJECT(o, &der);
			CHECK(n == (int)r.oid_len + 2 && !memcmp(der + 2, r.oid, r.oid_len));
			OPENSSL_free(der);
			ASN1_OBJECT_free(o);
			CHECK(nid != NID_undef);
			if (t == DER_TAB_SIG) {
				CHECK_STR(r.name, OBJ_nid2ln(nid));
				if (OBJ_find_sigid_algs(nid, &md, &pk) && md != NID_undef)
					want = OBJ_nid2sn(md);
				else
					want = "";
				lower_copy(lower, want);
				if (nid != NID_rsassaPss)
					CHECK_STR(r.extra, lower);
			} else if (t == DER_TAB_HASH) {
				want = OBJ_nid2sn(nid);
				lower_copy(lower, want);
				CHECK_STR(r.name, lower);
			} else if (t == DER_TAB_CURVE) {
				EC_GROUP *g = EC_GROUP_new_by_curve_name(nid);

				CHECK_STR(r.name, OBJ_nid2sn(nid));
				CHECK(g && EC_GROUP_order_bits(g) == r.bits);
				EC_GROUP_free(g);
			} else if (t == DER_TAB_ATTR) {
				CHECK_STR(r.name, OBJ_nid2sn(nid));
			}
		}
	}
}

/* ---- certificates made here ---- */
static EVP_PKEY *k_rsa1024, *k_rsa2048, *k_rsa512, *k_rsa1023, *k_p256, *k_p384, *k_p521,
	*k_p224, *k_k256, *k_p256c, *k_ed25519, *k_ed448, *k_x25519, *k_x448, *k_dsa;
static X509_NAME *ca_name;

static EVP_PKEY *ec_key(const char *curve, bool compressed)
{
	EVP_PKEY *k = EVP_EC_gen(curve);

	if (k && compressed)
		EVP_PKEY_set_utf8_string_param(k, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
					       "compressed");
	return k;
}

static EVP_PKEY *dsa_key(void)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
	EVP_PKEY *params = NULL, *k = NULL;
	EVP_PKEY_CTX *kc;

	if (!pc || EVP_PKEY_paramgen_init(pc) <= 0 ||
	    EVP_PKEY_CTX_set_dsa_paramgen_bits(pc, 1024) <= 0 ||
	    EVP_PKEY_paramgen(pc, &params) <= 0) {
		EVP_PKEY_CTX_free(pc);
		return NULL;
	}
	kc = EVP_PKEY_CTX_new(params, NULL);
	if (kc && EVP_PKEY_keygen_init(kc) > 0)
		EVP_PKEY_keygen(kc, &k);
	EVP_PKEY_CTX_free(kc);
	EVP_PKEY_free(params);
	EVP_PKEY_CTX_free(pc);
	return k;
}

static int keys_init(void)
{
	k_rsa1024 = EVP_RSA_gen(1024);
	k_rsa2048 = EVP_RSA_gen(2048);
	k_rsa512 = EVP_RSA_gen(512);
	k_rsa1023 = EVP_RSA_gen(1023);
	k_p256 = ec_key("P-256", false);
	k_p384 = ec_key("P-384", false);
	k_p521 = ec_key("P-521", false);
	k_p224 = ec_key("P-224", false);
	k_k256 = ec_key("secp256k1", false);
	k_p256c = ec_key("P-256", true);
	k_ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	k_ed448 = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	k_x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	k_x448 = EVP_PKEY_Q_keygen(NULL, NULL, "X448");
	k_dsa = dsa_key();
	ca_name = X509_NAME_new();
	X509_NAME_add_entry_by_txt(ca_name, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1,
				   0);
	X509_NAME_add_entry_by_txt(ca_name, "O", MBSTRING_ASC,
				   (const unsigned char *)"Test CA, Inc.", -1, -1, 0);
	X509_NAME_add_entry_by_txt(ca_name, "CN", MBSTRING_UTF8,
				   (const unsigned char *)"Test Root", -1, -1, 0);
	return k_rsa1024 && k_rsa2048 && k_rsa512 && k_rsa1023 && k_p256 && k_p384 && k_p521 &&
			       k_p224 && k_k256 && k_p256c && k_ed25519 && k_ed448 && k_x25519 &&
			       k_x448 && k_dsa && ca_name
		       ? 0
		       : -1;
}

struct mk {
	EVP_PKEY *key; /* subject key; default P-256 */
	EVP_PKEY *signer; /* default P-256 */
	const EVP_MD *md; /* default SHA-256; NULL with pss: SHA-256 */
	int pss_salt; /* > 0: RSASSA-PSS with this salt length */
	X509_NAME *subject; /* default CN=leaf.test */
	X509_NAME *issuer; /* default ca_name */
	const char *serial_hex;
	bool serial_negative;
	long version; /* default 2 (v3) */
	const char *nb, *na; /* ASN1_TIME_set_string forms */
	const char *ext[6]; /* "NAME:VALUE" for X509V3_EXT_conf */
};

static X509 *mk(const struct mk *m)
{
	X509 *x = X509_new();
	X509_NAME *sub = m->subject;
	BIGNUM *bn = NULL;
	X509V3_CTX ctx;
	EVP_PKEY *signer = m->signer ? m->signer : k_p256;
	const EVP_MD *md = m->md ? m->md : EVP_sha256();
	bool ok;

	X509_set_version(x, m->version ? m->version - 1 : 2);
	BN_hex2bn(&bn, m->serial_hex ? m->serial_hex : "0a1b2c");
	BN_set_negative(bn, m->serial_negative);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	if (!sub) {
		sub = X509_NAME_new();
		X509_NAME_add_entry_by_txt(sub, "CN", MBSTRING_UTF8,
					   (const unsigned char *)"leaf.test", -1, -1, 0);
	}
	X509_set_subject_name(x, sub);
	X509_set_issuer_name(x, m->issuer ? m->issuer : ca_name);
	if (sub != m->subject)
		X509_NAME_free(sub);
	ASN1_TIME_set_string(X509_getm_notBefore(x), m->nb ? m->nb : "200101000000Z");
	ASN1_TIME_set_string(X509_getm_notAfter(x), m->na ? m->na : "20500101000000Z");
	X509_set_pubkey(x, m->key ? m->key : k_p256);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	for (int i = 0; i < 6 && m->ext[i]; i++) {
		char name[64];
		const char *colon = strchr(m->ext[i], ':');
		X509_EXTENSION *e;

		snprintf(name, sizeof(name), "%.*s", (int)(colon - m->ext[i]), m->ext[i]);
		e = X509V3_EXT_conf(NULL, &ctx, name, colon + 1);
		CHECK(e != NULL);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	if (m->pss_salt > 0) {
		EVP_MD_CTX *mc = EVP_MD_CTX_new();
		EVP_PKEY_CTX *pc = NULL;

		ok = EVP_DigestSignInit(mc, &pc, md, NULL, signer) > 0 &&
		     EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, m->pss_salt) > 0 && X509_sign_ctx(x, mc);
		EVP_MD_CTX_free(mc);
	} else {
		ok = X509_sign(x, signer, EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519 ||
						  EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED448
					  ? NULL
					  : md);
	}
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

#define ANY_PATH (-1)

/* Checks the two paths agree on m, and whether the fast path took it (want_fast 0 or 1). */
static void check_mk(const struct mk *m, int want_fast, const char *label, struct tally *t)
{
	X509 *x = mk(m);
	unsigned before = t->fast;

	if (!x) {
		fprintf(stderr, "  %s: could not make the certificate\n", label);
		CHECK(0);
		return;
	}
	diff_x509(x, label, t);
	if (want_fast != ANY_PATH && (t->fast > before) != want_fast) {
		fprintf(stderr, "  %s: fast path %s, expected %s\n", label,
			t->fast > before ? "taken" : "not taken", want_fast ? "taken" : "not");
		CHECK(0);
	}
	X509_free(x);
}

static X509_NAME *name_of(const char *const *kv, const int *types, int n)
{
	X509_NAME *nm = X509_NAME_new();

	for (int i = 0; i < n; i++) {
		int set = 0, len = -1;
		const char *k = kv[2 * i], *v = kv[2 * i + 1];

		if (*k == '+') { /* joins the previous RDN */
			k++;
			set = -1;
		}
		if (!strcmp(k, "CN") && v[0] == '\x01') /* length-prefixed, may hold NUL */
			len = v[1], v += 2;
		X509_NAME_add_entry_by_txt(nm, k, types ? types[i] : MBSTRING_UTF8,
					   (const unsigned char *)v, len, -1, set);
	}
	return nm;
}

static void test_keys_and_algorithms(void)
{
	struct tally t = { 0 };
	struct {
		EVP_PKEY **key, **signer;
		const EVP_MD *(*md)(void);
		bool fast;
		const char *label;
	} cases[] = {
		{ &k_rsa2048, &k_rsa2048, EVP_sha256, true, "rsa2048/sha256WithRSA" },
		{ &k_rsa1024, &k_rsa2048, EVP_sha1, true, "rsa1024/sha1WithRSA" },
		{ &k_rsa512, &k_rsa2048, EVP_md5, true, "rsa512/md5WithRSA" },
		{ &k_rsa1023, &k_rsa2048, EVP_sha224, true, "rsa1023/sha224WithRSA" },
		{ &k_rsa2048, &k_rsa2048, EVP_sha384, true, "sha384WithRSA" },
		{ &k_rsa2048, &k_rsa2048, EVP_sha512, true, "sha512WithRSA" },
		{ &k_p256, &k_p256, EVP_sha1, true, "ecdsa-with-SHA1" },
		{ &k_p384, &k_p256, EVP_sha224, true, "p384/ecdsa-with-SHA224" },
		{ &k_p521, &k_p384, EVP_sha384, true, "p521/ecdsa-with-SHA384" },
		{ &k_p256, &k_p521, EVP_sha512, true, "ecdsa-with-SHA512" },
		{ &k_ed25519, &k_ed25519, EVP_sha256, true, "ed25519" },
		{ &k_ed448, &k_ed448, EVP_sha256, true, "ed448" },
		{ &k_x25519, &k_p256, EVP_sha256, true, "x25519 key" },
		{ &k_x448, &k_p256, EVP_sha256, true, "x448 key" },
		{ &k_p224, &k_p256, EVP_sha256, false, "p224 key" },
		{ &k_k256, &k_p256, EVP_sha256, false, "secp256k1 key" },
		{ &k_p256c, &k_p256, EVP_sha256, false, "compressed point" },
		{ &k_dsa, &k_dsa, EVP_sha256, false, "dsa/dsa_with_SHA256" },
		{ &k_p256, &k_dsa, EVP_sha1, true, "dsaWithSHA1" },
		{ &k_p256, &k_dsa, EVP_sha224, true, "dsa_with_SHA224" },
		{ &k_rsa2048, &k_rsa2048, EVP_sha512_256, false, "sha512-256WithRSA" },
		{ &k_rsa2048, &k_rsa2048, EVP_sha3_256, false, "sha3-256WithRSA" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mk m = { .key = *cases[i].key, .signer = *cases[i].signer,
				.md = cases[i].md() };

		check_mk(&m, cases[i].fast, cases[i].label, &t);
	}
	/* RSASSA-PSS: the hash comes from the parameters. */
	for (int salt = 20; salt <= 64; salt += 44) {
		struct mk m = { .key = k_rsa2048, .signer = k_rsa2048, .pss_salt = salt };

		check_mk(&m, true, "pss sha256", &t);
		m.md = EVP_sha1();
		check_mk(&m, true, "pss sha1", &t);
		m.md = EVP_sha512();
		check_mk(&m, true, "pss sha512", &t);
	}
	report("keys and algorithms", &t);
}

/* A CN made as a PrintableString, then retagged in the DER (the signature no longer matters). */
static void retag_cn(const char *v, uint8_t tag, int want_fast, struct tally *t)
{
	struct mk m = { .subject = X509_NAME_new() };
	size_t vl = strlen(v);
	unsigned char *der = NULL;
	int n = 0, hits = 0;
	char label[32];
	X509 *x;

	X509_NAME_add_entry_by_txt(m.subject, "CN", V_ASN1_PRINTABLESTRING, (const unsigned char *)v,
				   -1, -1, 0);
	x = mk(&m);
	if (x)
		n = i2d_X509(x, &der);
	for (int k = 0; k + 7 + (int)vl <= n; k++) {
		if (!memcmp(der + k, "\x06\x03\x55\x04\x03\x13", 6) && der[k + 6] == vl &&
		    !memcmp(der + k + 7, v, vl)) {
			der[k + 5] = tag;
			hits++;
		}
	}
	snprintf(label, sizeof(label), "CN retagged %02x", tag);
	CHECK(hits == 1);
	CHECK(diff_one(der, (size_t)n, label, t));
	CHECK(x509__der_reader_takes(der, (size_t)n) == want_fast);
	OPENSSL_free(der);
	X509_free(x);
	X509_NAME_free(m.subject);
}

static void test_names(void)
{
	struct tally t = { 0 };
	static const char *const hard[] = {
		"CN", "a,b+c\"d\\e<f>g;h=i", "O", "#hash", "OU", " lead and trail ", "L", "#",
		"ST", " ", "C", "DE", "emailAddress", "ops@example.com", "DC", "example", "+DC",
		"com", "title", "x\x01y\x1fz\x7f", "serialNumber", "1234", "street",
		"M\xc3\xbcnchen",
		"CN", "\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x94\x92",
	};
	static const int latin1[] = { V_ASN1_PRINTABLESTRING, V_ASN1_T61STRING, V_ASN1_IA5STRING,
				      V_ASN1_UTF8STRING, V_ASN1_NUMERICSTRING };
	struct mk m = { 0 };

	m.subject = name_of(hard, NULL, sizeof(hard) / sizeof(hard[0]) / 2);
	check_mk(&m, true, "escaping", &t);
	X509_NAME_free(m.subject);

	m.subject = X509_NAME_new();
	check_mk(&m, true, "empty subject", &t);
	m.issuer = m.subject;
	check_mk(&m, false, "empty subject and issuer", &t);
	X509_NAME_free(m.subject);
	m.issuer = NULL;

	/* Every byte, first, inside, last and alone, in each one-byte string type. */
	for (int c = 0; c < 256; c++) {
		for (size_t ti = 0; ti < sizeof(latin1) / sizeof(latin1[0]); ti++) {
			char v[4][5] = { { (char)c }, { 'x', (char)c, 'y' }, { 'x', (char)c },
					 { (char)c, 'y' } };
			const char *kv[] = { "CN", v[0], "O", v[1], "OU", v[2], "L", v[3] };
			int types[4], lens[4] = { 1, 3, 2, 2 };
			char label[48];

			m.subject = X509_NAME_new();
			for (int i = 0; i < 4; i++) {
				types[i] = latin1[ti];
				CHECK(X509_NAME_add_entry_by_txt(m.subject, kv[2 * i], types[i],
								 (const unsigned char *)kv[2 * i + 1],
								 lens[i], -1, 0) == 1 ||
				      (types[i] == V_ASN1_UTF8STRING && c >= 0x80));
			}
			snprintf(label, sizeof(label), "byte %02x type %d", c, latin1[ti]);
			/* A lone UTF-8 continuation byte: OpenSSL will not even encode it. */
			check_mk(&m, latin1[ti] != V_ASN1_UTF8STRING || c < 0x80 ? 1 : ANY_PATH,
				 label, &t);
			X509_NAME_free(m.subject);
		}
	}

	/* UTF-8 OpenSSL must reject (overlong, surrogate, > U+10FFFF, cut) or accept, and string
	 * types it rejects in names or cannot print byte for byte. */
	{
		static const struct {
			const char *v;
			uint8_t tag;
			int fast;
		} forms[] = {
			{ "\xc0\xaf", 0x0c, 0 },	  { "\xed\xa0\x80", 0x0c, 0 },
			{ "\xf4\x90\x80\x80", 0x0c, 0 }, { "\xe2\x82", 0x0c, 0 },
			{ "\xf0\x9f\x98\x80", 0x0c, 1 }, { "\xdf\xbf", 0x0c, 1 },
			{ "visible", 0x1a, 0 },		  { "abc", 0x1e, 0 },
			{ "abcd", 0x1e, 0 },		  { "abcd", 0x1c, 0 },
			{ "video", 0x15, 0 },		  { "graphic", 0x19, 0 },
			{ "general", 0x1b, 0 },		  { "12 34", 0x12, 1 },
		};

		for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
			retag_cn(forms[i].v, forms[i].tag, forms[i].fast, &t);
	}
	m.subject = X509_NAME_new();
	X509_NAME_add_entry_by_txt(m.subject, "CN", V_ASN1_BMPSTRING,
				   (const unsigned char *)"\0a\0b", 4, -1, 0);
	check_mk(&m, false, "bmpstring", &t);
	X509_NAME_free(m.subject);
	m.subject = X509_NAME_new();
	X509_NAME_add_entry_by_txt(m.subject, "1.2.3.4", MBSTRING_UTF8,
				   (const unsigned char *)"unknown", -1, -1, 0);
	check_mk(&m, false, "unknown attribute", &t);
	X509_NAME_free(m.subject);

	/* Names equal to the issuer's in OpenSSL's canonical form are self-issued: OpenSSL's. */
	{
		static const char *const same[][2] = {
			{ "Test Root", "O" }, { "test  root", "O" }, { " TEST ROOT ", "O" },
			{ "Test Root", "OU" }, { "Test Rooty", "O" },
		};

		for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
			const char *kv[] = { "C", "US", same[i][1], "Test CA, Inc.", "CN",
					     same[i][0] };
			int types[] = { MBSTRING_ASC, V_ASN1_PRINTABLESTRING, MBSTRING_UTF8 };

			m.subject = name_of(kv, types, 3);
			check_mk(&m, i >= 3, "near the issuer", &t);
			X509_NAME_free(m.subject);
		}
	}
	report("names", &t);
}

static void test_fields(void)
{
	struct tally t = { 0 };
	static const struct {
		struct mk m;
		bool fast;
	} cases[] = {
		{ { .serial_hex = "0" }, true },
		{ { .serial_hex = "80" }, true },
		{ { .serial_hex = "0102030405060708090a0b0c0d0e0f1011121314" }, true },
		{ { .serial_hex = "f10203040506070809101112131415161718192021222324252627"
				  "28293031323334353637383940414243444546474849" },
		  true },
		{ { .serial_hex = "5", .serial_negative = true }, false },
		{ { .version = 1 }, true },
		{ { .version = 2 }, true },
		{ { .nb = "691231235959Z", .na = "700101000000Z" }, true },
		{ { .nb = "500101000000Z", .na = "20510101000000Z" }, true },
		{ { .nb = "20000229120000Z", .na = "99991231235959Z" }, true },
		{ { .nb = "19000301000000Z", .na = "21000228235959Z" }, true },
		{ { .ext = { "basicConstraints:critical,CA:TRUE" } }, true },
		{ { .ext = { "basicConstraints:CA:TRUE,pathlen:0" } }, true },
		{ { .ext = { "basicConstraints:CA:FALSE" } }, true },
		{ { .ext = { "basicConstraints:CA:TRUE", "basicConstraints:CA:TRUE" } }, true },
		{ { .ext = { "subjectAltName:DNS:a.test,IP:192.0.2.1,IP:2001:db8::1,email:a@b.c,"
			     "URI:https://x.test/" } },
		  true },
		/* registeredID is printed as a dotted OID: left to OpenSSL */
		{ { .ext = { "subjectAltName:DNS:a.test,RID:1.2.3.4" } }, false },
		{ { .ext = { "subjectAltName:DNS:a.test", "subjectAltName:DNS:b.test" } }, true },
		{ { .ext = { "subjectAltName:otherName:1.2.3.4;UTF8:x" } }, false },
		{ { .ext = { "subjectAltName:DNS:1,DNS:2,DNS:3,DNS:4,DNS:5,DNS:6,DNS:7,DNS:8,DNS:9,"
			     "DNS:10,DNS:11,DNS:12,DNS:13,DNS:14,DNS:15,DNS:16,DNS:17,"
			     "IP:10.0.0.1" } },
		  true },
		{ { .ext = { "keyUsage:critical,digitalSignature",
			     "extendedKeyUsage:serverAuth,clientAuth",
			     "subjectKeyIdentifier:hash", "authorityKeyIdentifier:keyid:always",
			     "authorityInfoAccess:OCSP;URI:http://ocsp.test/",
			     "crlDistributionPoints:URI:http://crl.test/a.crl" } },
		  true },
	};

	/* GeneralizedTime contents OpenSSL may read differently or not at all, patched in. */
	static const char *const times[] = {
		"00000101000000Z", "99991231235959Z", "19000229000000Z", "20240229000000Z",
		"20230431000000Z", "20230101240000Z", "20230101006000Z", "20230101000060Z",
		"20230001000000Z", "20230100000000Z", "2023010100000aZ", "20230101000000+",
	};
	struct mk tm = { .na = "20500101000000Z" };
	X509 *x = mk(&tm);
	unsigned char *der = NULL;
	int n = x ? i2d_X509(x, &der) : 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char label[32];

		snprintf(label, sizeof(label), "fields case %zu", i);
		check_mk(&cases[i].m, cases[i].fast, label, &t);
	}
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		int hits = 0;

		for (int k = 0; k + 17 <= n; k++) {
			if (der[k] == 0x18 && der[k + 1] == 15 &&
			    !memcmp(der + k + 2, "20500101000000Z", 15)) {
				memcpy(der + k + 2, times[i], 15);
				hits++;
				CHECK(diff_one(der, (size_t)n, times[i], &t));
				memcpy(der + k + 2, "20500101000000Z", 15);
			}
		}
		CHECK(hits == 1);
	}
	OPENSSL_free(der);
	X509_free(x);
	report("fields", &t);
}

/* ---- byte mutations of valid certificates: what the reader must reject too ---- */

static void mutate_all(X509 *x, const char *what, struct tally *t)
{
	static const uint8_t xors[] = { 0x01, 0x80, 0xff };
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	uint8_t *buf = malloc((size_t)n + 1);
	char label[64];

	for (int i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(xors); k++) {
			memcpy(buf, der, (size_t)n);
			buf[i] ^= xors[k];
			snprintf(label, sizeof(label), "%s byte %d ^ %02x", what, i, xors[k]);
			CHECK(diff_one(buf, (size_t)n, label, t));
		}
	}
	/* Truncated, and with a trailing byte. */
	for (int cut = 1; cut < n; cut += 1 + cut / 4)
		CHECK(diff_one(der, (size_t)(n - cut), "truncated", t));
	memcpy(buf, der, (size_t)n);
	buf[n] = 0;
	CHECK(diff_one(buf, (size_t)n + 1, "trailing byte", t));
	free(buf);
	OPENSSL_free(der);
}

static void test_mutations(void)
{
	struct tally t = { 0 };
	struct mk m = { .ext = { "basicConstraints:CA:TRUE,pathlen:1",
				 "subjectAltName:DNS:a.test,IP:192.0.2.1" } };
	static const char *const kv[] = { "C", "US", "O", "Org", "CN", "x.test" };
	struct {
		EVP_PKEY **key;
		const char *what;
	} ks[] = { { &k_rsa1024, "rsa" }, { &k_p256, "p256" }, { &k_p384, "p384" },
		   { &k_p521, "p521" }, { &k_ed25519, "ed25519" } };

	m.subject = name_of(kv, NULL, 3);
	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		X509 *x;

		m.key = *ks[i].key;
		x = mk(&m);
		CHECK(x != NULL);
		if (x)
			mutate_all(x, ks[i].what, &t);
		X509_free(x);
	}
	m.key = k_rsa1024;
	m.signer = k_rsa1024;
	m.pss_salt = 32;
	{
		X509 *x = mk(&m);

		CHECK(x != NULL);
		if (x)
			mutate_all(x, "pss", &t);
		X509_free(x);
	}
	X509_NAME_free(m.subject);
	report("mutations", &t);
	CHECK(t.fast > 0);
}

int main(void)
{
	if (keys_init()) {
		printf("FAIL keys_init\n");
		return 1;
	}
	RUN_TEST(test_tables);
	RUN_TEST(test_keys_and_algorithms);
	RUN_TEST(test_names);
	RUN_TEST(test_fields);
	RUN_TEST(test_mutations);
	return CHECK_DONE();
}
