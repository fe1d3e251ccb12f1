/* Post-quantum signature algorithms in certificates, which OpenSSL 3.0 does not know: ML-DSA
 * (FIPS 204, OIDs 2.16.840.1.101.3.4.3.17-19) and SLH-DSA (FIPS 205, 2.16.840.1.101.3.4.3.20-31).
 * Names are the parameter sets as FIPS 204/205 and OpenSSL 3.5 spell them ("ML-DSA-44",
 * "SLH-DSA-SHA2-128s"). */
#ifndef TLSMON_DER_PQ_H
#define TLSMON_DER_PQ_H

#include "x509/der.h"

struct der_pq_alg {
	struct der_oid oid;
	const char *dotted;
	const char *name; /* the parameter set */
	uint16_t pub_len; /* public key bytes (FIPS 204 table 2, FIPS 205 table 2) */
	uint8_t nist_level; /* NIST security category, 1..5 */
};

/* The algorithm an OID's content octets name, NULL when not one of them. */
const struct der_pq_alg *der_pq__alg(struct der_span oid);

/* From a DER Certificate: the post-quantum algorithms of its signature and of its
 * SubjectPublicKeyInfo (NULL each when not post-quantum), and the public key's bytes. 0, or
 * -EINVAL when the structure up to the key is not DER, or the key's length is not the one its
 * parameter set has (the key is then left NULL). */
int der_pq__read(const uint8_t *der, size_t len, const struct der_pq_alg **sig,
		 const struct der_pq_alg **key);

#endif
