/* X.509 certificate analysis, cached by SHA-256 fingerprint: a busy host sees the same few chains
 * again and again. A miss is read by tlsmon's own DER reader when it can give OpenSSL's exact
 * answer, else by OpenSSL, whose d2i_X509 costs 100+ us per certificate. */
#ifndef TLSMON_X509_H
#define TLSMON_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/shared_text.h"

/* subjectAltName entries kept per certificate: at most X509_MAX_SAN names and X509_MAX_SAN_BYTES
 * of their text, whichever comes first (a certificate may carry 10,000 names; what is past the
 * cap is counted in san_count and flagged by san_truncated, never kept). */
#define X509_MAX_SAN 4096
#define X509_MAX_SAN_BYTES (64u * 1024)

struct x509_info {
	uint8_t sha256[32];
	char sha256_hex[65];
	char sha1_hex[41]; /* SHA-1 of the DER: what Suricata (tls.cert_fingerprint) and nDPI key on */
	uint32_t der_len;
	bool parsed; /* false: not a certificate; only sha256/der_len/error are set */
	char error[96];
	char *subject; /* RFC 2253 one-line form, e.g. "CN=www.example.com,O=Example" */
	char *issuer;
	char *subject_cn; /* CN only, or NULL when the subject has none */
	char serial[84]; /* hex, lower case, as in the certificate (up to 20 bytes + sign) */
	int64_t not_before, not_after; /* Unix seconds (may be negative: pre-1970) */
	bool validity_ok; /* both times parsed */
	char not_before_str[32], not_after_str[32]; /* RFC 3339 UTC "2007-05-05T00:00:00Z" */
	char sig_name[64]; /* OpenSSL long name, e.g. "md5WithRSAEncryption"; the OID when unknown */
	char sig_oid[64]; /* dotted, always set when parsed, e.g. "1.2.840.113549.1.1.4" */
	char sig_hash[16]; /* "md2", "md4", "md5", "sha1", "sha256", ...; "" when not known */
	char key_type[32]; /* "RSA", "EC", "DSA", "Ed25519", "Ed448", else the key OID */
	int key_bits; /* 0 when unknown */
	char curve[32]; /* EC curve, TLS group name (e.g. "secp256r1"), "" otherwise */
	/* Post-quantum (ML-DSA, SLH-DSA: x509/der_pq.h): key_type and sig_name are then the
	 * parameter set, key_bits 8 * the public key's bytes (as OpenSSL 3.5 reports them) */
	bool pq_sig;
	uint16_t pq_pub_len; /* public key bytes of a post-quantum key, 0 otherwise */
	uint8_t pq_level; /* its NIST security category */
	/* Every GeneralName (RFC 5280 4.2.1.6) as one string, in certificate order:
	 * "DNS:example.com", "IP:192.0.2.1" / "IP:2001:db8::1", "email:a@example.com",
	 * "URI:https://example.com/", "DirName:CN=x,O=y" (RFC 2253, as subject),
	 * "othername:1.3.6.1.4.1.311.20.2.3" (the type OID only), "RID:1.2.3.4",
	 * "X400Name", "EdiPartyName". san points into the info's own allocation. */
	uint32_t n_san; /* kept in san[] */
	uint32_t san_count; /* in the certificate; > n_san when san_truncated */
	bool san_truncated;
	char **san;
	bool self_signed; /* subject == issuer (names) and, where possible, signature verifies */
	bool self_issued; /* subject == issuer (names) */
	bool is_ca; /* basicConstraints CA:TRUE */
	bool reused; /* a cache hit served it: more handshakes than the first carry it */
	uint32_t refs; /* private: cache reference count */
	void *cache_slot; /* private: the cache entry holding this info, NULL when uncached */
	const uint8_t *der; /* private: a copy of the DER behind the strings, for the cache to
			     * confirm a hit with (der_len bytes); NULL when not kept */
	/* The certificate's JSON object body (after "position"), rendered once by report.c for
	 * every handshake that carries it; the info holds one reference, an output line waiting
	 * to be written may hold others (util/sbuf_splice.h). */
	struct shared_text *json;
	/* The policy's findings about this certificate and its label in messages, kept by
	 * verdict/policy_memo.c for cached infos (their fields never change); one malloc'd block
	 * without pointers inside, freed with the info. */
	void *policy_memo;
};

struct x509_cache_stats {
	uint64_t lookups;
	uint64_t hits;
	uint64_t parse_failures;
	uint64_t evictions;
	uint64_t entries;
	uint64_t uncached; /* misses served uncached: every entry referenced, or too many
			    * cached certificates share the lookup key (see der_locator()) */
};

struct x509_cache;

struct x509_cache *x509_cache__new(uint32_t max_entries);
void x509_cache__free(struct x509_cache *c);

/* Analyse one DER certificate, from the cache when its SHA-256 is known. Never NULL except on
 * -ENOMEM; the caller holds a reference until x509_info__put(). */
const struct x509_info *x509_cache__get(struct x509_cache *c, const uint8_t *der, size_t len);
void x509_info__put(struct x509_cache *c, const struct x509_info *info);

const struct x509_cache_stats *x509_cache__stats(const struct x509_cache *c);

/* Uncached analysis (the cache's miss path; also used by the fuzz target and benchmark).
 * Returns a new info with refs = 1, or NULL on -ENOMEM; free with x509_info__free(). */
struct x509_info *x509__analyze(const uint8_t *der, size_t len);
void x509_info__free(struct x509_info *info);

/* For the tests that compare the two analysers: OpenSSL alone (x509__analyze tries the DER
 * reader, user/x509/der_cert.c, first), and whether the DER reader takes this input. */
struct x509_info *x509__analyze_openssl(const uint8_t *der, size_t len);
bool x509__der_reader_takes(const uint8_t *der, size_t len);

#endif
