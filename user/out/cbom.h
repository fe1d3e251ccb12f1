/* The cryptographic inventory: the endpoint tables (verdict/endpoints.h) as a CycloneDX 1.6
 * Cryptography Bill of Materials. Every server endpoint becomes one protocol asset per TLS version
 * it negotiated (its cipher suites, the key exchange groups they used, its chain); certificates,
 * their public keys, signature algorithms and key exchange groups become certificate,
 * related-crypto-material and algorithm assets, each once, referenced by bom-ref. */
#ifndef TLSMON_CBOM_H
#define TLSMON_CBOM_H

#include <stdint.h>

#include "util/sbuf.h"
#include "verdict/endpoints.h"

/* now_ns: metadata.timestamp; serial: 16 random bytes for serialNumber (RFC 4122 version 4).
 * Returns 0, or -ENOMEM (out holds a cut document then). */
int cbom__write(struct sbuf *out, const struct endpoints *ep, uint64_t now_ns,
		const uint8_t serial[16]);

#endif
