// SPDX-License-Identifier: GPL-2.0-only
#include "x509/der_pq.h"

#define PQ_OID(n) DER_OID(0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, n)

static const struct der_pq_alg algs[] = {
	{ PQ_OID(17), "2.16.840.1.101.3.4.3.17", "ML-DSA-44", 1312, 2 },
	{ PQ_OID(18), "2.16.840.1.101.3.4.3.18", "ML-DSA-65", 1952, 3 },
	{ PQ_OID(19), "2.16.840.1.101.3.4.3.19", "ML-DSA-87", 2592, 5 },
	{ PQ_OID(20), "2.16.840.1.101.3.4.3.20", "SLH-DSA-SHA2-128s", 32, 1 },
	{ PQ_OID(21), "2.16.840.1.101.3.4.3.21", "SLH-DSA-SHA2-128f", 32, 1 },
	{ PQ_OID(22), "2.16.840.1.101.3.4.3.22", "SLH-DSA-SHA2-192s", 48, 3 },
	{ PQ_OID(23), "2.16.840.1.101.3.4.3.23", "SLH-DSA-SHA2-192f", 48, 3 },
	{ PQ_OID(24), "2.16.840.1.101.3.4.3.24", "SLH-DSA-SHA2-256s", 64, 5 },
	{ PQ_OID(25), "2.16.840.1.101.3.4.3.25", "SLH-DSA-SHA2-256f", 64, 5 },
	{ PQ_OID(26), "2.16.840.1.101.3.4.3.26", "SLH-DSA-SHAKE-128s", 32, 1 },
	{ PQ_OID(27), "2.16.840.1.101.3.4.3.27", "SLH-DSA-SHAKE-128f", 32, 1 },
	{ PQ_OID(28), "2.16.840.1.101.3.4.3.28", "SLH-DSA-SHAKE-192s", 48, 3 },
	{ PQ_OID(29), "2.16.840.1.101.3.4.3.29", "SLH-DSA-SHAKE-192f", 48, 3 },
	{ PQ_OID(30), "2.16.840.1.101.3.4.3.30", "SLH-DSA-SHAKE-256s", 64, 5 },
	{ PQ_OID(31), "2.16.840.1.101.3.4.3.31", "SLH-DSA-SHAKE-256f", 64, 5 },
};

const struct der_pq_alg *der_pq__alg(struct der_span oid)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (der_oid_eq(&algs[i].oid, oid))
			return &algs[i];
	return NULL;
}

/* AlgorithmIdentifier: FIPS 204/205 algorithms take no parameters (RFC 9881 2, RFC 9909 3). */
static const struct der_pq_alg *alg_of(struct der_span alg_id)
{
	struct der_span oid;

	if (der_get(&alg_id, TAG_OID, &oid) || alg_id.len)
		return NULL;
	return der_pq__alg(oid);
}

/* RFC 5280 4.1: the fields before subjectPublicKeyInfo are skipped, not checked: OpenSSL has
 * already taken the certificate, this only names what it could not. */
int der_pq__read(const uint8_t *der, size_t len, const struct der_pq_alg **sig,
		 const struct der_pq_alg **key)
{
	struct der_span c = { der, len }, cert, tbs, alg, v, spki, key_alg, bits;

	*sig = *key = NULL;
	if (der_get(&c, TAG_SEQ, &cert) || der_get(&cert, TAG_SEQ, &tbs) ||
	    der_get(&cert, TAG_SEQ, &alg))
		return -EINVAL;
	*sig = alg_of(alg);
	if (der_peek(&tbs, 0xa0) && der_get(&tbs, 0xa0, &v))
		return -EINVAL;
	/* serial, signature, issuer, validity, subject */
	if (der_get(&tbs, TAG_INTEGER, &v) || der_get(&tbs, TAG_SEQ, &v) ||
	    der_get(&tbs, TAG_SEQ, &v) || der_get(&tbs, TAG_SEQ, &v) || der_get(&tbs, TAG_SEQ, &v) ||
	    der_get(&tbs, TAG_SEQ, &spki))
		return -EINVAL;
	if (der_get(&spki, TAG_SEQ, &key_alg) || der_get(&spki, TAG_BIT_STRING, &bits) || spki.len)
		return -EINVAL;
	*key = alg_of(key_alg);
	/* A BIT STRING of whole octets holding the raw public key (FIPS 204 7.2 pkEncode). */
	if (*key && (bits.len != 1u + (*key)->pub_len || bits.p[0] != 0)) {
		*key = NULL;
		return -EINVAL;
	}
	return 0;
}
