/* Shared by x509.c (the analysis) and x509_cache.c (the cache), not by other modules. */
#ifndef TLSMON_X509_INT_H
#define TLSMON_X509_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x509/x509.h"

/* The analysis of one DER certificate whose SHA-256 and SHA-1 are given; fast = try the DER
 * reader first; keep_der = keep a copy of the DER in the info's block (info->der), for the
 * cache. Returns a new info (refs 1), or NULL with errno ENOMEM. */
struct x509_info *x509__analyze_digest(const uint8_t *der, size_t len, const uint8_t sha256[32],
				       const uint8_t sha1[20], bool fast, bool keep_der);

/* The SHA-256 and SHA-1 of der, as every analysis reports them (x509_digest.c). */
void x509__digests(const uint8_t *der, size_t len, uint8_t sha256[32], uint8_t sha1[20]);

#endif
