// SPDX-License-Identifier: GPL-2.0
/* The policy checks on crafted chains and hellos: key, signature, validity, protocol, cipher,
 * DH and downgrade boundaries, what is reported where, and how findings are capped and named.
 * Settings, parsing and policy files are in test_policy_config.c. */
#include "policy_fixtures.h"
#include "verdict/policy_int.h"

static void test_names(void)
{
	CHECK_STR(policy__check_name(CHECK_WEAK_SIGNATURE), "weak_signature");
	CHECK_STR(policy__check_name(CHECK_UNPARSABLE_CERT), "unparsable_cert");
	CHECK_STR(policy__check_name(CHECK__COUNT), "unknown");
	CHECK_STR(policy__check_name((enum check_id)255), "unknown");
	CHECK_STR(policy__severity_name(SEV_INFO), "info");
	CHECK_STR(policy__severity_name(SEV_CRITICAL), "critical");
	CHECK_STR(policy__severity_name((enum severity)5), "unknown");
}

static void test_clean_handshake(void)
{
	struct policy *p = policy__new();
	struct handshake hs;

	good(0, "www.example.com");
	good(1, "Good CA");
	chain(&hs, 2);
	hello(&hs, TLS_VERSION_TLS12, 0xC02F);
	hs.has_server_key_exchange = true;
	hs.ske.kx = TLS_KX_ECDHE;
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	policy__free(p);
}

static void test_rsa_boundary(void)
{
	struct policy *p = policy__new();
	struct handshake hs;
	const struct finding *f;

	mk(0, "a", "sha256WithRSAEncryption", "1.2.840.113549.1.1.11", "sha256", "RSA", 2047);
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 1);
	f = find(&hs, CHECK_WEAK_KEY);
	CHECK(f);
	if (f) {
		CHECK_STR(f->detail, "RSA-2047");
		CHECK_EQ(f->severity, SEV_HIGH);
		CHECK_EQ(f->position, 0);
		CHECK_STR(f->message,
			  "certificate #1 (leaf, CN=a) has a 2047-bit RSA key (minimum 2048)");
	}
	certs[0].key_bits = 2048;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);
	certs[0].key_bits = 1023;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings > 0 ? hs.findings[0].severity : -1, SEV_CRITICAL);
	certs[0].key_bits = 1024;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings > 0 ? hs.findings[0].severity : -1, SEV_HIGH);
	certs[0].key_bits = 0; /* unknown size: not judged */
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);
	CHECK_EQ(policy__set(p, "min_rsa_bits", "3072", NULL, 0), 0);
	certs[0].key_bits = 2048;
	eval1(&hs, p);
	CHECK_EQ(count(&hs, CHECK_WEAK_KEY), 1);
	CHECK_EQ(hs.n_findings > 0 ? hs.findings[0].severity : -1, SEV_MEDIUM);
	certs[0].key_bits = 3072;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);
	policy__free(p);
}

static void test_ec_boundary(void)
{
	struct policy *p = policy__new();
	struct handshake hs;

	mk(0, "e", "ecdsa-with-SHA256", "1.2.840.10045.4.3.2", "sha256", "EC", 223);
	snprintf(certs[0].curve, sizeof(certs[0].curve), "testcurve");
	eval1(&hs, p);
	CHECK_EQ(count(&hs, CHECK_WEAK_KEY), 1);
	CHECK_STR(hs.findings[0].detail, "EC-223");
	CHECK_EQ(hs.findings[0].severity, SEV_HIGH);
	CHECK(strstr(hs.findings[0].message, "223-bit EC key on testcurve (minimum 224)"));
	certs[0].key_bits = 224;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);
	certs[0].key_bits = 159;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings > 0 ? hs.findings[0].severity : -1, SEV_CRITICAL);
	certs[0].key_bits = 192;
	eval1(&hs, p);
	CHECK_STR(hs.findings[0].detail, "EC-192");
	/* Ed25519 keys have no size threshold */
	mk(0, "ed", "ED25519", "1.3.101.112", "", "Ed25519", 256);
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);
	policy__free(p);
}

static void test_dsa_always_weak(void)
{
	struct policy *p = policy__new();
	struct handshake hs;

	mk(0, "d", "dsa_with_SHA256", "2.16.840.1.101.3.4.3.2", "sha256", "DSA", 1024);
	eval1(&hs, p);
	CHECK_EQ(count(&hs, CHECK_WEAK_KEY), 1);
	CHECK_STR(hs.findings[0].detail, "DSA-1024");
	CHECK_EQ(hs.findings[0].severity, SEV_HIGH);
	certs[0].key_bits = 3072;
	eval1(&hs, p);
	CHECK_STR(hs.findings[0].detail, "DSA-3072");
	certs[0].key_bits = 512;
	eval1(&hs, p);
	CHECK_EQ(hs.findings[0].severity, SEV_CRITICAL);
	certs[0].key_bits = 0;
	eval1(&hs, p);
	CHECK_STR(hs.findings[0].detail, "DSA");
	policy__free(p);
}

static void test_dh_boundary(void)
{
	struct policy *p = policy__new();
	struct handshake hs;

	memset(&hs, 0, sizeof(hs));
	hello(&hs, TLS_VERSION_TLS12, 0x0039);
	hs.has_server_key_exchange = true;
	hs.ske.kx = TLS_KX_DHE;
	hs.ske.dh_p_bits = 2047;
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 1);
	CHECK_EQ(hs.findings[0].check, CHECK_WEAK_DH);
	CHECK_STR(hs.findings[0].detail, "DH-2047");
	CHECK_EQ(hs.findings[0].severity, SEV_MEDIUM);
	CHECK_EQ(hs.findings[0].position, -1);
	hs.n_findings = 0;
	hs.ske.dh_p_bits = 2048;
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	hs.ske.dh_p_bits = 1023;
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 1);
	CHECK_EQ(hs.findings[0].severity, SEV_HIGH);
	CHECK_STR(hs.findings[0].message,
		  "the server's DHE group has a 1023-bit prime (minimum 2048)");
	hs.n_findings = 0;
	hs.has_server_key_exchange = false; /* no ServerKeyExchange seen: nothing to judge */
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	policy__free(p);
}

static void test_validity_boundaries(void)
{
	struct policy *p = policy__new();
	struct handshake hs;
	const struct finding *f;

	/* expired and not_yet_valid alone: a notAfter a second away is also "expires soon" */
	CHECK_EQ(policy__set(p, "expires_soon.enabled", "false", NULL, 0), 0);
	good(0, "leaf");
	certs[0].not_after = T0 - 1;
	snprintf(certs[0].not_after_str, sizeof(certs[0].not_after_str), "2014-05-13T16:53:19Z");
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 1);
	f = find(&hs, CHECK_EXPIRED);
	CHECK(f);
	if (f) {
		CHECK_STR(f->detail, "leaf");
		CHECK_EQ(f->severity, SEV_HIGH);
		CHECK_STR(f->message, "certificate #1 (leaf, CN=leaf) expired at "
				      "2014-05-13T16:53:19Z, 1 s before the handshake");
	}
	certs[0].not_after = T0 + 1;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);
	certs[0].not_after = T0; /* notAfter itself is inside the validity period */
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);
	chain(&hs, 1);
	hs.cert_ts_ns += 1; /* one nanosecond later it is not */
	policy__evaluate(p, &hs);
	CHECK_EQ(count(&hs, CHECK_EXPIRED), 1);

	good(0, "leaf");
	certs[0].not_before = T0 + 1;
	eval1(&hs, p);
	CHECK_EQ(count(&hs, CHECK_NOT_YET_VALID), 1);
	CHECK_EQ(hs.n_findings, 1);
	CHECK(strstr(hs.findings[0].message,
		     "is not valid before 2014-05-13T16:53:21Z, 1 s after"));
	certs[0].not_before = T0 - 1;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);
	certs[0].not_before = T0;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);

	/* judged at the packet time, not now: a 1970 packet sees a far-future notBefore */
	good(0, "leaf");
	certs[0].not_after = T0 - 86400 * 400;
	eval1(&hs, p);
	CHECK(strstr(hs.findings[0].message, "400 days before the handshake"));
	certs[0].validity_ok = false;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);
	/* pre-1970 notBefore (sv_tls-pre-1970) is fine */
	good(0, "leaf");
	certs[0].not_before = -86400;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);
	/* no packet time at all: not judged */
	good(0, "leaf");
	certs[0].not_after = 1;
	chain(&hs, 1);
	hs.cert_ts_ns = 0;
	hs.has_certificate = false;
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	/* without a Certificate time the end of the handshake is used */
	hs.end_ts_ns = 2 * NS;
	policy__evaluate(p, &hs);
	CHECK_EQ(count(&hs, CHECK_EXPIRED), 1);
	/* a Certificate stamped at the epoch is judged there, as tshark does */
	good(0, "leaf");
	chain(&hs, 1);
	hs.cert_ts_ns = 0;
	hs.end_ts_ns = (uint64_t)T0 * NS;
	policy__evaluate(p, &hs);
	CHECK_EQ(count(&hs, CHECK_NOT_YET_VALID), 1);
	CHECK_EQ(hs.n_findings, 1);
	policy__free(p);
}

static void test_expires_soon(void)
{
	struct policy *p = policy__new();
	struct handshake hs;
	const struct finding *f;

	good(0, "leaf")->not_after = T0 + 10 * 86400;
	CHECK_EQ(policy__set(p, "expires_soon.enabled", "false", NULL, 0), 0);
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0); /* switched off */
	CHECK_EQ(policy__set(p, "expires_soon.enabled", "true", NULL, 0), 0); /* the default */
	snprintf(certs[0].not_after_str, sizeof(certs[0].not_after_str), "2014-05-23T16:53:20Z");
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 1);
	f = find(&hs, CHECK_EXPIRES_SOON);
	CHECK(f);
	if (f) {
		CHECK_STR(f->detail, "leaf");
		CHECK_EQ(f->severity, SEV_LOW);
		CHECK_STR(f->message, "certificate #1 (leaf, CN=leaf) expires at "
				      "2014-05-23T16:53:20Z, 10 days after the handshake");
	}
	/* on every certificate of the chain, with its position class */
	good(0, "leaf");
	good(1, "Mid CA")->not_after = T0 + 86400;
	chain(&hs, 2);
	policy__evaluate(p, &hs);
	CHECK_EQ(count(&hs, CHECK_EXPIRES_SOON), 1);
	CHECK_EQ(hs.findings[0].position, 1);
	/* the threshold is exclusive, and notAfter itself is still "soon", not expired */
	CHECK_EQ(policy__set(p, "expires_soon_days", "10", NULL, 0), 0);
	good(0, "leaf")->not_after = T0 + 10 * 86400;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);
	certs[0].not_after = T0 + 10 * 86400 - 1;
	eval1(&hs, p);
	CHECK_EQ(count(&hs, CHECK_EXPIRES_SOON), 1);
	certs[0].not_after = T0;
	eval1(&hs, p);
	CHECK_EQ(count(&hs, CHECK_EXPIRES_SOON), 1);
	CHECK_EQ(count(&hs, CHECK_EXPIRED), 0);
	certs[0].not_after = T0 - 1; /* expired is not also expiring */
	eval1(&hs, p);
	CHECK_EQ(count(&hs, CHECK_EXPIRES_SOON), 0);
	CHECK_EQ(count(&hs, CHECK_EXPIRED), 1);
	CHECK_EQ(policy__set(p, "expires_soon_days", "0", NULL, 0), 0);
	certs[0].not_after = T0 + 1;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);
	policy__free(p);
}

static void test_validity_position_class(void)
{
	struct policy *p = policy__new();
	struct handshake hs;

	good(0, "leaf");
	good(1, "Mid CA")->not_after = T0 - 5;
	good(2, "Root CA")->not_after = T0 - 5;
	certs[2].self_signed = certs[2].self_issued = true;
	chain(&hs, 3);
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 2);
	CHECK_STR(hs.findings[0].detail, "intermediate");
	CHECK_EQ(hs.findings[0].position, 1);
	CHECK(starts_with(hs.findings[0].message, "certificate #2 (CN=Mid CA) expired at "));
	CHECK_STR(hs.findings[1].detail, "root");
	CHECK_EQ(hs.findings[1].position, 2);
	CHECK(starts_with(hs.findings[1].message, "certificate #3 (root, CN=Root CA) expired at "));
	policy__free(p);
}

static void test_signature_hashes(void)
{
	static const struct {
		const char *name, *oid, *hash;
		int sev;
	} cases[] = {
		{ "md2WithRSAEncryption", "1.2.840.113549.1.1.2", "md2", SEV_CRITICAL },
		{ "md4WithRSAEncryption", "1.2.840.113549.1.1.3", "md4", SEV_CRITICAL },
		{ "md5WithRSAEncryption", "1.2.840.113549.1.1.4", "md5", SEV_HIGH },
		{ "sha1WithRSAEncryption", "1.2.840.113549.1.1.5", "sha1", SEV_HIGH },
		{ "ecdsa-with-SHA1", "1.2.840.10045.4.1", "sha1", SEV_HIGH },
		{ "sha256WithRSAEncryption", "1.2.840.113549.1.1.11", "sha256", -1 },
		{ "ecdsa-with-SHA384", "1.2.840.10045.4.3.3", "sha384", -1 },
		/* hash not named by OpenSSL: the OID decides */
		{ "1.2.840.113549.1.1.4", "1.2.840.113549.1.1.4", "", SEV_HIGH },
		{ "sha1WithRSA", "1.3.14.3.2.29", "", SEV_HIGH },
		{ "2.16.840.1.101.3.4.3.17", "2.16.840.1.101.3.4.3.17", "", -1 },
	};
	struct policy *p = policy__new();
	struct handshake hs;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mk(0, "s", cases[i].name, cases[i].oid, cases[i].hash, "RSA", 2048);
		eval1(&hs, p);
		if (cases[i].sev < 0) {
			CHECK_EQ(hs.n_findings, 0);
			continue;
		}
		CHECK_EQ(hs.n_findings, 1);
		CHECK_EQ(hs.findings[0].check, CHECK_WEAK_SIGNATURE);
		CHECK_EQ(hs.findings[0].severity, cases[i].sev);
		CHECK_STR(hs.findings[0].detail, cases[i].name);
		if (!strcmp(cases[i].name, cases[i].oid))
			CHECK(!strstr(hs.findings[0].message, " (1."));
	}
	mk(0, "s", "md5WithRSAEncryption", "1.2.840.113549.1.1.4", "md5", "RSA", 2048);
	eval1(&hs, p);
	CHECK_STR(hs.findings[0].message, "certificate #1 (leaf, CN=s) is signed with "
					  "md5WithRSAEncryption (1.2.840.113549.1.1.4)");
	policy__free(p);
}

static void test_sha1_root_is_low(void)
{
	struct policy *p = policy__new();
	struct handshake hs;

	mk(0, "leaf", "sha256WithRSAEncryption", "1.2.840.113549.1.1.11", "sha256", "RSA", 2048);
	mk(1, "Mid", "sha1WithRSAEncryption", "1.2.840.113549.1.1.5", "sha1", "RSA", 2048);
	mk(2, "Root", "sha1WithRSAEncryption", "1.2.840.113549.1.1.5", "sha1", "RSA", 2048);
	certs[2].self_signed = certs[2].self_issued = true;
	chain(&hs, 3);
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 2);
	CHECK_EQ(hs.findings[0].position, 1);
	CHECK_EQ(hs.findings[0].severity, SEV_HIGH);
	CHECK_EQ(hs.findings[1].position, 2);
	CHECK_EQ(hs.findings[1].severity, SEV_LOW);
	CHECK(strstr(hs.findings[1].message, "certificate #3 (root, CN=Root)"));
	CHECK(strstr(hs.findings[1].message, "a root's own signature is not checked"));

	/* self-issued but not self-signed in the middle is not a root */
	certs[2].self_signed = false;
	certs[1].self_issued = true;
	chain(&hs, 3);
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.findings[0].severity, SEV_HIGH);
	CHECK_EQ(hs.findings[1].severity, SEV_LOW); /* last and self-issued: still the root */

	/* md5 anywhere, the root included, stays high */
	mk(2, "Root", "md5WithRSAEncryption", "1.2.840.113549.1.1.4", "md5", "RSA", 4096);
	certs[2].self_signed = true;
	chain(&hs, 3);
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.findings[1].severity, SEV_HIGH);

	/* a sha1 self-signed leaf is the leaf, not a root */
	mk(0, "self", "sha1WithRSAEncryption", "1.2.840.113549.1.1.5", "sha1", "RSA", 2048);
	certs[0].self_signed = true;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 2);
	CHECK_EQ(hs.findings[0].severity, SEV_HIGH);

	CHECK_EQ(policy__set(p, "sha1_root_severity", "info", NULL, 0), 0);
	mk(2, "Root", "sha1WithRSAEncryption", "1.2.840.113549.1.1.5", "sha1", "RSA", 2048);
	certs[2].self_signed = true;
	good(0, "leaf");
	good(1, "mid");
	chain(&hs, 3);
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 1);
	CHECK_EQ(hs.findings[0].severity, SEV_INFO);
	policy__free(p);
}

static void test_self_signed_leaf_only(void)
{
	struct policy *p = policy__new();
	struct handshake hs;

	good(0, "me")->self_signed = true;
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 1);
	CHECK_EQ(hs.findings[0].check, CHECK_SELF_SIGNED);
	CHECK_EQ(hs.findings[0].severity, SEV_MEDIUM);
	CHECK_STR(hs.findings[0].detail, "leaf");
	CHECK_STR(hs.findings[0].message, "certificate #1 (leaf, CN=me) is self-signed");
	good(0, "leaf");
	good(1, "root")->self_signed = true;
	chain(&hs, 2);
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	/* subject without CN, and none at all */
	good(0, NULL)->self_signed = true;
	certs[0].subject = (char *)"O=Example,C=DE";
	eval1(&hs, p);
	CHECK_STR(hs.findings[0].message, "certificate #1 (leaf, O=Example,C=DE) is self-signed");
	certs[0].subject = NULL;
	eval1(&hs, p);
	CHECK_STR(hs.findings[0].message, "certificate #1 (leaf) is self-signed");
	policy__free(p);
}

static void test_unparsable_and_null(void)
{
	struct policy *p = policy__new();
	struct handshake hs;

	good(0, "leaf");
	memset(&certs[1], 0, sizeof(certs[1]));
	snprintf(certs[1].sha256_hex, sizeof(certs[1].sha256_hex), "%s",
		 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	certs[1].der_len = 17;
	snprintf(certs[1].error, sizeof(certs[1].error), "asn1 \x01 error");
	chain(&hs, 3);
	hs.certs[2] = NULL;
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 1);
	CHECK_EQ(hs.findings[0].check, CHECK_UNPARSABLE_CERT);
	CHECK_EQ(hs.findings[0].position, 1);
	CHECK_EQ(hs.findings[0].severity, SEV_MEDIUM);
	CHECK_STR(hs.findings[0].detail, "unparsable");
	CHECK_STR(hs.findings[0].message, "certificate #2 could not be parsed (sha256 "
					  "0123456789abcdef, 17 bytes): asn1 ? error");
	/* an unparsed info must not be read beyond what it promises (CN pointer garbage) */
	certs[1].subject_cn = (char *)"bogus";
	chain(&hs, 2);
	policy__evaluate(p, &hs);
	CHECK(!strstr(hs.findings[0].message, "bogus"));
	/* n_certs beyond the array is clamped */
	chain(&hs, 0);
	hs.n_certs = 1000;
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	policy__free(p);
}

static void test_protocols(void)
{
	static const struct {
		uint16_t v;
		const char *detail;
		int sev;
	} cases[] = {
		{ TLS_VERSION_SSL2, "SSLv2", SEV_CRITICAL },
		{ TLS_VERSION_SSL3, "SSLv3", SEV_CRITICAL },
		{ TLS_VERSION_TLS10, "TLS1.0", SEV_MEDIUM },
		{ TLS_VERSION_TLS11, "TLS1.1", SEV_MEDIUM },
		{ TLS_VERSION_TLS12, NULL, -1 },
		{ TLS_VERSION_TLS13, NULL, -1 },
	};
	struct policy *p = policy__new();
	struct handshake hs;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&hs, 0, sizeof(hs));
		hello(&hs, cases[i].v, 0xC02F);
		policy__evaluate(p, &hs);
		if (!cases[i].detail) {
			CHECK_EQ(hs.n_findings, 0);
			continue;
		}
		CHECK_EQ(hs.n_findings, 1);
		CHECK_EQ(hs.findings[0].check, CHECK_WEAK_PROTOCOL);
		CHECK_STR(hs.findings[0].detail, cases[i].detail);
		CHECK_EQ(hs.findings[0].severity, cases[i].sev);
		CHECK_EQ(hs.findings[0].position, -1);
	}
	memset(&hs, 0, sizeof(hs));
	hello(&hs, TLS_VERSION_TLS10, 0xC02F);
	policy__evaluate(p, &hs);
	CHECK_STR(hs.findings[0].message, "the server negotiated TLS1.0 (deprecated by RFC 8996)");
	/* no ServerHello: no negotiated version to judge */
	memset(&hs, 0, sizeof(hs));
	hs.has_client_hello = true;
	hs.ch.max_version = TLS_VERSION_SSL3;
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	CHECK_EQ(policy__set(p, "weak_protocols", "SSLv2, tls1.2", NULL, 0), 0);
	memset(&hs, 0, sizeof(hs));
	hello(&hs, TLS_VERSION_SSL3, 0xC02F);
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	hello(&hs, TLS_VERSION_TLS12, 0xC02F);
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 1);
	CHECK_EQ(hs.findings[0].severity, SEV_LOW);
	policy__free(p);
}

static void test_ciphers(void)
{
	static const struct {
		uint16_t id;
		int sev;
	} cases[] = {
		{ 0x0003, SEV_CRITICAL }, /* EXPORT RC4 MD5 */
		{ 0x0004, SEV_HIGH },	  /* RC4 MD5 */
		{ 0x0005, SEV_HIGH },	  /* RC4 */
		{ 0x000A, SEV_MEDIUM },	  /* 3DES */
		{ 0x0002, SEV_CRITICAL }, /* NULL */
		{ 0x0034, SEV_CRITICAL }, /* anon */
		{ 0x0009, SEV_HIGH },	  /* DES */
		{ 0xC02F, -1 },		  { 0x1301, -1 }, { 0xFFFE, -1 },
	};
	struct policy *p = policy__new();
	struct handshake hs;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tls_cipher_info *ci = tls__cipher_info(cases[i].id);

		memset(&hs, 0, sizeof(hs));
		hello(&hs, TLS_VERSION_TLS12, cases[i].id);
		policy__evaluate(p, &hs);
		if (cases[i].sev < 0) {
			CHECK_EQ(hs.n_findings, 0);
			continue;
		}
		CHECK(ci != NULL);
		CHECK_EQ(hs.n_findings, 1);
		CHECK_EQ(hs.findings[0].check, CHECK_WEAK_CIPHER);
		CHECK_EQ(hs.findings[0].severity, cases[i].sev);
		if (ci)
			CHECK_STR(hs.findings[0].detail, ci->name);
	}
	memset(&hs, 0, sizeof(hs));
	hello(&hs, TLS_VERSION_TLS12, 0x0004);
	policy__evaluate(p, &hs);
	CHECK_STR(hs.findings[0].message,
		  "the server chose TLS_RSA_WITH_RC4_128_MD5 (0x0004): RC4, HMAC-MD5");
	CHECK_EQ(policy__set(p, "weak_cipher_flags", "3des,md5", NULL, 0), 0);
	memset(&hs, 0, sizeof(hs));
	hello(&hs, TLS_VERSION_TLS12, 0x0005);
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	hello(&hs, TLS_VERSION_TLS12, 0x0004);
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 1);
	CHECK_EQ(hs.findings[0].severity, SEV_MEDIUM); /* only MD5 left of RC4-MD5 */
	policy__free(p);
}

static void test_downgrade(void)
{
	struct policy *p = policy__new();
	struct handshake hs;

	memset(&hs, 0, sizeof(hs));
	hello(&hs, TLS_VERSION_TLS12, 0xC02F);
	hs.ch.fallback_scsv = true;
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 1);
	CHECK_EQ(hs.findings[0].check, CHECK_DOWNGRADE);
	CHECK_STR(hs.findings[0].detail, "fallback_scsv");
	CHECK_EQ(hs.findings[0].severity, SEV_LOW);

	memset(&hs, 0, sizeof(hs));
	hello(&hs, TLS_VERSION_TLS12, 0xC02F);
	hs.sh.downgrade_tls12 = true; /* the client did not offer 1.3: normal */
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	hs.ch.offered_tls13 = true; /* supported_versions listed it below a GREASE value */
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 1);
	CHECK_STR(hs.findings[0].detail, "tls13_downgrade_sentinel");
	CHECK_EQ(hs.findings[0].severity, SEV_HIGH);
	memset(&hs, 0, sizeof(hs));
	hello(&hs, TLS_VERSION_TLS11, 0xC02F);
	hs.ch.max_version = TLS_VERSION_TLS13;
	hs.sh.downgrade_tls11 = true;
	policy__evaluate(p, &hs);
	CHECK_EQ(count(&hs, CHECK_DOWNGRADE), 1);
	CHECK_EQ(count(&hs, CHECK_WEAK_PROTOCOL), 1);
	policy__free(p);
}
/* non_pq_kx: off by default; on, every negotiated key exchange without ML-KEM, medium when
 * the client had offered one. */
static void test_non_pq_kx(void)
{
	struct policy *p = policy__new();
	const struct finding *f;
	struct handshake hs;
	char err[128];

	memset(&hs, 0, sizeof(hs));
	hello(&hs, TLS_VERSION_TLS13, 0x1301);
	hs.sh.key_share_group = 0x001d;
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	CHECK_EQ(policy__set(p, "non_pq_kx.enabled", "true", err, sizeof(err)), 0);
	policy__evaluate(p, &hs);
	CHECK_EQ(count(&hs, CHECK_NON_PQ_KX), 1);
	f = find(&hs, CHECK_NON_PQ_KX);
	CHECK_STR(f ? f->detail : "", "x25519");
	CHECK_EQ(sev_of(&hs, CHECK_NON_PQ_KX), SEV_LOW);

	hs.n_findings = 0;
	hs.ch.groups[hs.ch.n_groups++] = 0x001d;
	hs.ch.groups[hs.ch.n_groups++] = 0x11ec;
	policy__evaluate(p, &hs);
	CHECK_EQ(sev_of(&hs, CHECK_NON_PQ_KX), SEV_MEDIUM);
	f = find(&hs, CHECK_NON_PQ_KX);
	CHECK(f && strstr(f->message, "offered X25519MLKEM768") != NULL);

	hs.n_findings = 0;
	hs.sh.key_share_group = 0x11ec;
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	hs.sh.key_share_group = 0x6399; /* a draft, but post-quantum all the same */
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	hs.sh.hello_retry_request = true; /* nothing negotiated yet */
	hs.sh.key_share_group = 0x0017;
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);

	memset(&hs, 0, sizeof(hs));
	hello(&hs, TLS_VERSION_TLS12, 0x009C); /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
	policy__evaluate(p, &hs);
	f = find(&hs, CHECK_NON_PQ_KX);
	CHECK_STR(f ? f->detail : "", "RSA");
	policy__free(p);
}

static void test_findings_cap(void)
{
	struct policy *p = policy__new();
	struct handshake hs;

	for (int i = 0; i < TLS_MAX_CHAIN; i++)
		mk(i, "x", "md5WithRSAEncryption", "1.2.840.113549.1.1.4", "md5", "RSA", 512);
	chain(&hs, TLS_MAX_CHAIN);
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, HS_MAX_FINDINGS);
	CHECK_EQ(hs.findings[HS_MAX_FINDINGS - 1].position, 15);
	policy__free(p);
}

/* Names are untrusted: long UTF-8 is cut on a character boundary, control bytes replaced. */
static void test_long_names(void)
{
	struct policy *p = policy__new();
	struct handshake hs;
	char cn[400], sig[64];

	for (int i = 0; i < 199; i++)
		memcpy(cn + 2 * i, "\xc3\xa9", 2);
	cn[398] = '\0';
	cn[5] = '\n';
	for (int i = 0; i < 31; i++)
		memcpy(sig + 2 * i, "\xc3\xa9", 2);
	sig[62] = '\0';
	mk(0, "leaf", "sha256WithRSAEncryption", "1.2.840.113549.1.1.11", "sha256", "RSA", 2048);
	mk(1, cn, sig, "1.2.840.113549.1.1.5.1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20",
	   "sha1", "RSA", 2048);
	certs[1].self_signed = true;
	chain(&hs, 2);
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 1);
	CHECK(strlen(hs.findings[0].message) <= FINDING_MESSAGE_LEN - 1);
	CHECK(strlen(hs.findings[0].message) >= FINDING_MESSAGE_LEN - 4);
	CHECK(utf8_valid(hs.findings[0].message));
	CHECK(utf8_valid(hs.findings[0].detail));
	CHECK(!strchr(hs.findings[0].message, '\n'));
	CHECK(strlen(hs.findings[0].detail) <= FINDING_DETAIL_LEN - 1);
	policy__free(p);
}

/* The md2 story: md2 root, md5 RSA-1024 intermediate, sha1 leaf. */
static void test_md2_chain(void)
{
	struct policy *p = policy__new();
	struct handshake hs;

	mk(0, "www.weak.test", "sha1WithRSAEncryption", "1.2.840.113549.1.1.5", "sha1", "RSA",
	   2048);
	mk(1, "Weak Intermediate", "md5WithRSAEncryption", "1.2.840.113549.1.1.4", "md5", "RSA",
	   1024);
	mk(2, "Weak Root", "md2WithRSAEncryption", "1.2.840.113549.1.1.2", "md2", "RSA", 2048);
	certs[2].self_signed = certs[2].self_issued = certs[2].is_ca = true;
	chain(&hs, 3);
	hello(&hs, TLS_VERSION_TLS12, 0xC02F);
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 4);
	CHECK_EQ(hs.findings[0].position, 0);
	CHECK_EQ(hs.findings[0].severity, SEV_HIGH);
	CHECK_STR(hs.findings[1].message, "certificate #2 (CN=Weak Intermediate) is signed with "
					  "md5WithRSAEncryption (1.2.840.113549.1.1.4)");
	CHECK_EQ(hs.findings[1].position, 1);
	CHECK_EQ(hs.findings[1].severity, SEV_HIGH);
	CHECK_EQ(hs.findings[2].check, CHECK_WEAK_KEY);
	CHECK_STR(hs.findings[2].detail, "RSA-1024");
	CHECK_EQ(hs.findings[3].position, 2);
	CHECK_EQ(hs.findings[3].severity, SEV_CRITICAL);
	CHECK_STR(hs.findings[3].detail, "md2WithRSAEncryption");
	CHECK(strstr(hs.findings[3].message, "certificate #3 (root, CN=Weak Root)"));
	policy__free(p);
}

/* policy__sanitize copies a leading printable ASCII run in one go, then goes byte by byte: the
 * run's end at each kind of byte and each bound gives what the byte loop gives. */
static void test_sanitize_runs(void)
{
	static const struct {
		const char *src;
		size_t size, max;
		const char *want;
	} cases[] = {
		{ "CN=example.com", 64, 64, "CN=example.com" },
		{ "abcdef", 4, 64, "abc" },
		{ "abcdef", 64, 2, "ab" },
		{ "ab\x01" "c\x7f", 64, 64, "ab?c?" },
		{ "ab\xc3\xa9z", 64, 64, "ab\xc3\xa9z" },
		{ "ab\xc3\xa9z", 64, 3, "ab" }, /* the two-byte character does not fit */
		{ "ab\xff\xc3", 64, 64, "ab??" },
		{ "\tab", 64, 64, "?ab" },
		{ "", 64, 64, "" },
		{ "abc", 1, 64, "" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'Z', sizeof(out));
		policy__sanitize(out, cases[i].size, cases[i].src, cases[i].max);
		CHECK(!strcmp(out, cases[i].want));
	}
	memset(out, 'Z', sizeof(out));
	policy__sanitize(out, sizeof(out), NULL, 64);
	CHECK(!strcmp(out, ""));
}

int main(void)
{
	RUN_TEST(test_names);
	RUN_TEST(test_clean_handshake);
	RUN_TEST(test_rsa_boundary);
	RUN_TEST(test_ec_boundary);
	RUN_TEST(test_dsa_always_weak);
	RUN_TEST(test_dh_boundary);
	RUN_TEST(test_validity_boundaries);
	RUN_TEST(test_expires_soon);
	RUN_TEST(test_validity_position_class);
	RUN_TEST(test_signature_hashes);
	RUN_TEST(test_sha1_root_is_low);
	RUN_TEST(test_self_signed_leaf_only);
	RUN_TEST(test_unparsable_and_null);
	RUN_TEST(test_protocols);
	RUN_TEST(test_ciphers);
	RUN_TEST(test_downgrade);
	RUN_TEST(test_non_pq_kx);
	RUN_TEST(test_findings_cap);
	RUN_TEST(test_long_names);
	RUN_TEST(test_md2_chain);
	RUN_TEST(test_sanitize_runs);
	return CHECK_DONE();
}
