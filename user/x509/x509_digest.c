// SPDX-License-Identifier: GPL-2.0-only
/* A certificate's SHA-256 and SHA-1, which every new certificate costs (both are reported).
 *
 * OpenSSL's SHA256_Init/Update/Final and SHA1_*, deprecated since 3.0 in favour of EVP, on
 * purpose: OpenSSL 3.0's EVP_DigestInit_ex() looks up an ENGINE for the digest (a lock),
 * allocates the provider's context and frees the previous one on every call, even with the
 * digest already fetched and the context reused. Around the two hashes that was a third of
 * their cost on a capture where every handshake brings a new certificate. The low-level calls
 * run the same code for the hash itself, on a context on the stack, and cannot fail. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "x509/x509_int.h"

#include <openssl/sha.h>

void x509__digests(const uint8_t *der, size_t len, uint8_t sha256[32], uint8_t sha1[20])
{
	SHA256_CTX s256;
	SHA_CTX s1;

	SHA256_Init(&s256);
	SHA256_Update(&s256, der, len);
	SHA256_Final(sha256, &s256);
	SHA1_Init(&s1);
	SHA1_Update(&s1, der, len);
	SHA1_Final(sha1, &s1);
}
