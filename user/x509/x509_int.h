/* Shared by x509.c (the analysis) and x509_cache.c (the cache), not by other modules. */
#ifndef TLSMON_X509_INT_H
#define TLSMON_X509_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "x509/x509.h"

/* The analysis of one DER certificate whose SHA-256 is digest; fast = try the DER reader first.
 * Returns a new info (refs 1), or NULL with errno ENOMEM. */
struct x509_info *x509__analyze_digest(const uint8_t *der, size_t len, const uint8_t digest[32],
				       bool fast);

/* SHA-256 of der; ctx is reused by the cache so that a miss allocates nothing for it, NULL for
 * one-shot use. */
bool x509__sha256(EVP_MD_CTX *ctx, const EVP_MD *md, const uint8_t *der, size_t len,
		  uint8_t out[32]);

#endif
