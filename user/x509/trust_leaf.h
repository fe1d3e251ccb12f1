/* A leaf certificate's signature checked from its DER against its issuer's key, without
 * decoding the certificate (d2i_X509 costs more than the rest of a handshake's analysis): the
 * chain cache's fast path for a new leaf under an issuer chain already verified (trust.c). */
#ifndef TLSMON_X509_TRUST_LEAF_H
#define TLSMON_X509_TRUST_LEAF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* The digests the signatures below use, fetched once. */
struct trust_digests {
	EVP_MD *md5, *sha1, *sha256, *sha384, *sha512;
	EVP_MD_CTX *ctx;
};

int trust_digests__init(struct trust_digests *d);
void trust_digests__fini(struct trust_digests *d);

/* 1: the signature of der verifies with key; 0: it does not; -1: not decided here (an
 * algorithm this fast path does not take, a key of another type, malformed DER): the caller
 * verifies the whole chain with OpenSSL instead. */
int trust_leaf__verify(struct trust_digests *d, const uint8_t *der, size_t len, EVP_PKEY *key);

/* Would trust_leaf__verify() decide (return 0 or 1) rather than return -1? Reads the DER only;
 * for a caller whose answer does not depend on the signature's value. */
bool trust_leaf__takes(const struct trust_digests *d, const uint8_t *der, size_t len,
		       EVP_PKEY *key);

#endif
