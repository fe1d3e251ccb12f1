// SPDX-License-Identifier: GPL-2.0
/* Certificates and handshakes for the policy tests, made field by field at a fixed packet time,
 * and lookups of the findings the policy gave. */
#ifndef TLSMON_TEST_POLICY_FIXTURES_H
#define TLSMON_TEST_POLICY_FIXTURES_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "verdict/policy.h"
#include "tls/tls_names.h"

#define T0 1400000000ll /* 2014-05-13, the "packet time" of the handshakes below */
#define NS 1000000000ull

static struct x509_info certs[TLS_MAX_CHAIN];

static inline struct x509_info *mk(int i, const char *cn, const char *sig, const char *oid,
			    const char *hash, const char *key, int bits)
{
	struct x509_info *x = &certs[i];

	memset(x, 0, sizeof(*x));
	x->parsed = true;
	x->subject_cn = (char *)cn;
	snprintf(x->sha256_hex, sizeof(x->sha256_hex), "%064x", i + 0xabc);
	snprintf(x->sig_name, sizeof(x->sig_name), "%s", sig);
	snprintf(x->sig_oid, sizeof(x->sig_oid), "%s", oid);
	snprintf(x->sig_hash, sizeof(x->sig_hash), "%s", hash);
	snprintf(x->key_type, sizeof(x->key_type), "%s", key);
	x->key_bits = bits;
	x->validity_ok = true;
	x->not_before = T0 - 86400 * 100;
	x->not_after = T0 + 86400 * 100;
	return x;
}

static inline struct x509_info *good(int i, const char *cn)
{
	return mk(i, cn, "sha256WithRSAEncryption", "1.2.840.113549.1.1.11", "sha256", "RSA", 2048);
}

static inline void chain(struct handshake *hs, int n)
{
	memset(hs, 0, sizeof(*hs));
	hs->has_certificate = n > 0;
	hs->n_certs = (uint16_t)n;
	hs->n_certs_total = (uint32_t)n;
	for (int i = 0; i < n; i++)
		hs->certs[i] = &certs[i];
	hs->cert_ts_ns = (uint64_t)T0 * NS;
}

static inline void hello(struct handshake *hs, uint16_t version, uint16_t cipher)
{
	hs->has_client_hello = hs->has_server_hello = true;
	hs->ch.legacy_version = hs->ch.max_version = TLS_VERSION_TLS12;
	hs->sh.version = hs->version = version;
	hs->sh.cipher = cipher;
}

static inline int count(const struct handshake *hs, enum check_id c)
{
	int n = 0;

	for (int i = 0; i < hs->n_findings; i++)
		n += hs->findings[i].check == c;
	return n;
}

static inline const struct finding *find(const struct handshake *hs, enum check_id c)
{
	for (int i = 0; i < hs->n_findings; i++)
		if (hs->findings[i].check == c)
			return &hs->findings[i];
	return NULL;
}

static inline int sev_of(const struct handshake *hs, enum check_id c)
{
	const struct finding *f = find(hs, c);

	return f ? f->severity : -1;
}

static inline bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Evaluate a one-certificate chain with a fresh default policy. */
static inline void eval1(struct handshake *hs, struct policy *p)
{
	chain(hs, 1);
	policy__evaluate(p, hs);
}


static inline void sni(struct handshake *hs, const char *name)
{
	size_t n = strlen(name);

	hs->has_client_hello = true;
	hs->ch.has_sni = true;
	hs->ch.sni_len = (uint16_t)n;
	memcpy(hs->ch.sni, name, n + 1);
}

static inline void sans(struct x509_info *x, const char *const *list, uint32_t n)
{
	x->san = (char **)list;
	x->n_san = x->san_count = n;
}

static const char *const other_test_sans[] = { "DNS:other.test", "IP:192.0.2.1", NULL };

/* One handshake that trips every check once, except those of everything_else(). */
static inline void everything(struct handshake *hs)
{
	mk(0, "leaf", "sha1WithRSAEncryption", "1.2.840.113549.1.1.5", "sha1", "RSA", 1024);
	certs[0].self_signed = true;
	certs[0].not_after = T0 - 10;
	good(1, "future")->not_before = T0 + 10;
	memset(&certs[2], 0, sizeof(certs[2]));
	good(3, "soon")->not_after = T0 + 86400; /* expires_soon */
	chain(hs, 4);
	hello(hs, TLS_VERSION_SSL3, 0x0004);
	hs->ch.fallback_scsv = true;
	hs->has_server_key_exchange = true;
	hs->ske.kx = TLS_KX_DHE;
	hs->ske.dh_p_bits = 512;
	hs->n_ambiguous = 1; /* tcp_ambiguity */
	hs->ambiguous[0] = (struct hs_ambiguity){ .kind = HS_AMBIGUITY_OVERLAP, .from_client = true,
						  .offset = 517, .count = 2 };
	hs->trust.status = X509_TRUST_FAILED;
	hs->trust.error = 20; /* X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY */
	hs->trust.position = 0;
	hs->trust.misordered = -1;
	hs->heartbeats.overlong_request = true;
	hs->heartbeats.overlong_from_client = true;
	hs->heartbeats.overlong_payload_length = 16384;
	hs->heartbeats.overlong_record_len = 3;
	sans(&certs[0], other_test_sans, 2);
	sni(hs, "leaf.test"); /* name_mismatch */
	/* unverified_peer: the client's library did not verify this flagged chain */
	hs->lib_verdict[HS_SIDE_CLIENT].present = true;
	hs->lib_verdict[HS_SIDE_CLIENT].verify_mode = 0;
}

/* The checks everything() cannot trip with it: missing_sni (everything has an SNI) and
 * long_validity (which passes over everything's self-signed leaf). */
#define T_2022 1650000000ll /* 2022-04-15 */
static inline bool in_everything_else(int check)
{
	return check == CHECK_MISSING_SNI || check == CHECK_LONG_VALIDITY;
}

static inline void everything_else(struct handshake *hs)
{
	struct x509_info *x = good(0, "long");

	x->not_before = T_2022 - 86400 * 100;
	x->not_after = x->not_before + 86400 * 800;
	sans(x, other_test_sans, 2);
	chain(hs, 1);
	hs->cert_ts_ns = (uint64_t)T_2022 * NS;
	hs->has_client_hello = true; /* no SNI; no ServerHello, so no non_pq_kx */
}

#endif
