/* Names and properties of TLS code points: versions, cipher suites (IANA names, key exchange and
 * weakness), alerts, named groups, signature schemes. Pure lookup tables, no state. */
#ifndef TLSMON_TLS_NAMES_H
#define TLSMON_TLS_NAMES_H

#include <stdint.h>

#include "tls/tls_msg.h"

#define TLS_VERSION_SSL2 0x0002
#define TLS_VERSION_SSL3 0x0300
#define TLS_VERSION_TLS10 0x0301
#define TLS_VERSION_TLS11 0x0302
#define TLS_VERSION_TLS12 0x0303
#define TLS_VERSION_TLS13 0x0304

/* Weakness flags of a cipher suite (policy check weak_cipher). */
#define TLS_CS_NULL 0x01 /* no encryption */
#define TLS_CS_EXPORT 0x02
#define TLS_CS_ANON 0x04 /* no server authentication */
#define TLS_CS_RC4 0x08
#define TLS_CS_DES 0x10 /* single DES */
#define TLS_CS_3DES 0x20
#define TLS_CS_MD5 0x40 /* HMAC-MD5 record MAC */

struct tls_cipher_info {
	uint16_t id;
	const char *name; /* IANA name, e.g. "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" */
	enum tls_kx kx;
	uint8_t weak; /* TLS_CS_* */
};

/* NULL for an unknown suite. */
const struct tls_cipher_info *tls__cipher_info(uint16_t id);

/* The key exchanges of the n suites at ids, known ones only: bit (1 << enum tls_kx) for each.
 * One call for a ClientHello's whole list (a hundred suites in some), not one per suite. */
uint32_t tls__ciphers_kx(const uint16_t *ids, size_t n);

/* IANA name of a suite; an unknown one is formatted as "0xC0FF" into buf (>= 8 bytes). */
const char *tls__cipher_name(uint16_t id, char *buf, size_t size);

/* "SSLv2", "SSLv3", "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3", "DTLS1.2", else "0x%04x" into buf. */
const char *tls__version_name(uint16_t version, char *buf, size_t size);

/* RFC 8446 6 / RFC 5246 7.2 names, e.g. 42 -> "bad_certificate"; NULL if unassigned. */
const char *tls__alert_name(uint8_t desc);
const char *tls__alert_level_name(uint8_t level); /* "warning", "fatal", NULL otherwise */

/* Named groups (RFC 8446 4.2.7 / IANA): 23 -> "secp256r1", 29 -> "x25519"; NULL if unknown. */
const char *tls__group_name(uint16_t group);

/* Post-quantum properties of a named group (TLS_GROUP_*; 0 for classical or unknown groups). */
#define TLS_GROUP_PQ 0x01 /* the shared secret holds if an attacker has a quantum computer */
#define TLS_GROUP_HYBRID 0x02 /* ML-KEM or Kyber combined with a classical ECDH */
#define TLS_GROUP_DRAFT 0x04 /* pre-standard code point (Kyber drafts), being phased out */
unsigned tls__group_flags(uint16_t group);

/* A group as a bounded metric label: its IANA name, "other" when unassigned or GREASE, "none"
 * for 0 (no named group: RSA or finite-field DHE key exchange, PSK-only resumption). */
const char *tls__group_label(uint16_t group);

/* Signature schemes (RFC 8446 4.2.3): 0x0804 -> "rsa_pss_rsae_sha256"; NULL if unknown.
 * TLS 1.2 pairs (hash, sig) not in the list are reported by the caller as hex. */
const char *tls__sigscheme_name(uint16_t scheme);

/* Handshake message type names, e.g. 11 -> "Certificate"; NULL if unknown. */
const char *tls__handshake_name(uint8_t type);

/* CertificateRequest's ClientCertificateType: 1 -> "rsa_sign"; NULL if unknown. */
const char *tls__client_cert_type_name(uint8_t type);

#endif
