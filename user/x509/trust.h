/* Chain validation against a trust store (the untrusted_chain check): OpenSSL's X509_verify_cert
 * at the time of the packet, the result cached by chain hash because a busy host sees the same
 * few chains again and again. Only trust is judged here: expiry, weak keys and weak hashes are
 * the policy's other checks, so OpenSSL's own time, security level and purpose errors are passed
 * over (and, with time passed over, a chain's result does not depend on the time: it is cached by
 * the chain alone). */
#ifndef TLSMON_X509_TRUST_H
#define TLSMON_X509_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x509/x509.h"

#define X509_TRUST_DEFAULT_STORE "/etc/ssl/certs/ca-certificates.crt"
#define X509_TRUST_MAX_CHAIN 32

enum x509_trust_status {
	X509_TRUST_UNCHECKED = 0, /* not verified (no chain, leaf unparsable, check off) */
	X509_TRUST_OK, /* verifies; out_of_order may still be set */
	X509_TRUST_FAILED, /* error says why */
	X509_TRUST_NO_STORE, /* the trust store could not be loaded */
};

struct x509_trust_result {
	uint8_t status; /* enum x509_trust_status */
	/* RFC 5246 7.4.2 (and RFC 8446 4.4.2 for compatibility): each certificate must be followed
	 * by its issuer. Set when a certificate's issuer is in the chain, but not next to it;
	 * OpenSSL builds the path in any order, so this is found here. */
	bool out_of_order;
	int8_t misordered; /* position of that certificate, -1 when in order */
	int8_t position; /* position in the chain as sent of the certificate the error is about;
			  * -1 when it is not one of them (a store certificate) or unknown */
	int32_t error; /* X509_V_ERR_*, 0 when verified */
};

struct x509_trust_stats {
	uint64_t lookups; /* chains asked about */
	uint64_t hits; /* answered from the cache */
	uint64_t verifications; /* chains verified by OpenSSL (misses) */
	uint64_t leaf_only; /* misses judged by their issuer chain's cached result and the leaf's
			     * signature (a new leaf of a known CA) */
	uint64_t leaf_signatures; /* of those, the leaf's signature checked (the issuer chain's
				   * result was OK; under a failed one the signature changes nothing) */
	uint64_t evictions; /* results dropped, least recently used first, at max_entries */
	uint64_t entries; /* whole chains' and issuer chains' results */
	uint64_t load_failures; /* the store could not be loaded (tried once) */
};

struct x509_trust;

/* store: a PEM bundle or a directory of hashed certificates (c_rehash), NULL for
 * X509_TRUST_DEFAULT_STORE. Loaded on first use, or by x509_trust__load(). NULL on -ENOMEM or
 * max_entries out of 1..2^24 (errno). */
struct x509_trust *x509_trust__new(const char *store, uint32_t max_entries);
void x509_trust__free(struct x509_trust *t);

/* Load the store now (the subcommands check --trust-store before they start). Returns 0, or -1
 * with OpenSSL's reason in err. Tried once: a failure stays (status X509_TRUST_NO_STORE). */
int x509_trust__load(struct x509_trust *t, char *err, size_t err_size);

/* Read the store again (SIGHUP, after the CA bundle was updated): a fresh *tp with the same
 * path and cache size, whose counters go on from the old one's, its cache empty (a result may
 * have changed); the old one freed. On failure *tp stays as it was, its load_failures counts
 * it, and err says why (-1). */
int x509_trust__reload(struct x509_trust **tp, char *err, size_t err_size);

/* Verify the chain as sent (der[i], len[i], its analysis info[i]; 0 = leaf) at Unix time when.
 * Never fails: out says what was found. */
void x509_trust__verify(struct x509_trust *t, const uint8_t *const der[], const uint32_t len[],
			const struct x509_info *const info[], unsigned n, int64_t when,
			struct x509_trust_result *out);

/* OpenSSL's sentence for error ("unable to get local issuer certificate"). */
const char *x509_trust__reason(int32_t error);
/* One word from a fixed set, usable as a metric label: "missing_issuer", "unknown_root",
 * "self_signed_leaf", "bad_signature", "not_ca", "path_length", "name_constraints",
 * "unhandled_critical_extension", "other". */
const char *x509_trust__label(int32_t error);

/* Names equal as the chain's order needs them (issuer of one == subject of the next). */
bool x509_trust__issued_by(const struct x509_info *cert, const struct x509_info *issuer);

const struct x509_trust_stats *x509_trust__stats(const struct x509_trust *t);

#endif
