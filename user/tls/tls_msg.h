/* Parsers for plaintext TLS handshake messages and alerts. Cursor based: (p, len) in, struct out;
 * return 0, -EINVAL (malformed: a length field lies, or trailing bytes), -E2BIG (over a limit).
 * Lists longer than the arrays below are truncated and flagged, not rejected. */
#ifndef TLSMON_TLS_MSG_H
#define TLSMON_TLS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_MAX_CIPHERS 256
#define TLS_MAX_EXTS 64
#define TLS_MAX_GROUPS 64
#define TLS_MAX_SIGALGS 64
#define TLS_MAX_VERSIONS 16
#define TLS_MAX_POINT_FORMATS 16
#define TLS_MAX_ALPN_LEN 256 /* raw wire form of the protocol_name_list, truncated */
#define TLS_MAX_SNI_LEN 255

#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_SUPPORTED_GROUPS 10
#define TLS_EXT_EC_POINT_FORMATS 11
#define TLS_EXT_SIGNATURE_ALGORITHMS 13
#define TLS_EXT_ALPN 16
#define TLS_EXT_SESSION_TICKET 35
#define TLS_EXT_PRE_SHARED_KEY 41
#define TLS_EXT_SUPPORTED_VERSIONS 43
#define TLS_EXT_KEY_SHARE 51
#define TLS_EXT_RENEGOTIATION_INFO 0xff01

#define TLS_CIPHER_FALLBACK_SCSV 0x5600
#define TLS_CIPHER_EMPTY_RENEGOTIATION_INFO_SCSV 0x00ff

struct tls_client_hello {
	bool sslv2; /* SSLv2-compatible CLIENT-HELLO (RFC 5246 E.2) */
	uint16_t legacy_version;
	uint16_t max_version; /* highest non-GREASE of supported_versions, else legacy_version */
	uint8_t session_id_len;
	uint16_t n_ciphers, n_exts, n_groups, n_sigalgs, n_versions, n_point_formats, n_key_shares;
	uint16_t ciphers[TLS_MAX_CIPHERS]; /* wire order, GREASE included (SSLv2: 3-byte specs
					     with a zero first byte mapped to 16 bits) */
	uint16_t exts[TLS_MAX_EXTS]; /* extension types, wire order, GREASE included */
	uint16_t groups[TLS_MAX_GROUPS];
	uint16_t sigalgs[TLS_MAX_SIGALGS];
	uint16_t versions[TLS_MAX_VERSIONS];
	uint8_t point_formats[TLS_MAX_POINT_FORMATS];
	uint16_t key_shares[TLS_MAX_GROUPS]; /* key_share groups */
	bool truncated; /* a list did not fit */
	bool fallback_scsv;
	bool reneg_scsv;
	bool has_sni;
	uint16_t sni_len;
	uint8_t sni[TLS_MAX_SNI_LEN + 1]; /* raw host_name bytes, NUL-terminated; may hold any byte */
	uint16_t alpn_len;
	uint8_t alpn[TLS_MAX_ALPN_LEN]; /* raw protocol_name_list (each entry 1-byte length) */
	bool ticket_offered; /* RFC 5077 3.2: a non-empty SessionTicket extension (resumption) */
};

struct tls_server_hello {
	bool hello_retry_request; /* RFC 8446 4.1.3: the special random */
	uint16_t legacy_version;
	uint16_t version; /* supported_versions if present, else legacy_version */
	uint16_t cipher;
	uint8_t compression;
	uint8_t random[32];
	/* RFC 8446 4.1.3: last 8 bytes of the random "DOWNGRD\x01" (TLS 1.2) or "DOWNGRD\x00" */
	bool downgrade_tls12, downgrade_tls11;
	uint16_t n_exts;
	uint16_t exts[TLS_MAX_EXTS];
	bool truncated;
	uint16_t key_share_group; /* 0 if absent (HRR: the requested group) */
	uint16_t alpn_len;
	uint8_t alpn[TLS_MAX_ALPN_LEN]; /* the selected protocol, raw bytes */
	bool psk_selected; /* RFC 8446 4.2.11: pre_shared_key, the server accepted a PSK */
};

#define TLS_MAX_CHAIN 32

struct tls_cert_ref {
	uint32_t off; /* into the message body passed to the parser */
	uint32_t len;
};

struct tls_certificate_msg {
	uint16_t n_certs; /* at most TLS_MAX_CHAIN stored */
	uint32_t n_total; /* how many the message carried */
	struct tls_cert_ref certs[TLS_MAX_CHAIN];
};

enum tls_kx {
	TLS_KX_UNKNOWN = 0,
	TLS_KX_RSA,
	TLS_KX_DHE,
	TLS_KX_ECDHE,
	TLS_KX_DH_ANON,
	TLS_KX_ECDH_ANON,
	TLS_KX_PSK,
	TLS_KX_TLS13, /* RFC 8446: key exchange is not part of the suite */
};

struct tls_server_key_exchange {
	enum tls_kx kx;
	uint16_t curve; /* ECDHE named group */
	uint32_t dh_p_bits; /* DHE prime size in bits (leading zero bits not counted) */
	uint16_t sig_alg; /* TLS 1.2 SignatureScheme; 0 when the version has none */
	uint16_t sig_len;
};

#define TLS_CR_MAX_TYPES 16
#define TLS_CR_MAX_SIGALGS 32
#define TLS_CR_MAX_CAS 8

/* RFC 5246 7.4.4 CertificateRequest (TLS 1.0-1.2; TLS 1.3's is encrypted). CA names point into
 * the message body passed to the parser: each is a DER Name (a SEQUENCE), unchecked. */
struct tls_certificate_request {
	uint8_t n_types;
	uint8_t types[TLS_CR_MAX_TYPES]; /* ClientCertificateType, wire order */
	bool has_sigalgs; /* TLS 1.2 only */
	uint16_t n_sigalgs;
	uint16_t sigalgs[TLS_CR_MAX_SIGALGS]; /* SignatureAndHashAlgorithm as a 16-bit scheme */
	uint16_t n_cas; /* stored, at most TLS_CR_MAX_CAS */
	uint32_t n_cas_total; /* as carried by the message */
	struct tls_cert_ref cas[TLS_CR_MAX_CAS];
	bool truncated; /* a list did not fit */
};

/* body = handshake message body (after the 4-byte handshake header). */
int tls__parse_client_hello(const uint8_t *p, size_t len, struct tls_client_hello *out);
/* SSLv2 CLIENT-HELLO: p starts at its msg_type byte (1), after the 2- or 3-byte record header. */
int tls__parse_sslv2_client_hello(const uint8_t *p, size_t len, struct tls_client_hello *out);
int tls__parse_server_hello(const uint8_t *p, size_t len, struct tls_server_hello *out);
/* TLS 1.0-1.2 / SSLv3 Certificate: 3-byte list length, then 3-byte-length DER entries. */
int tls__parse_certificate(const uint8_t *p, size_t len, struct tls_certificate_msg *out);
/* version: the negotiated one; TLS 1.2 (0x0303) carries supported_signature_algorithms. */
int tls__parse_certificate_request(const uint8_t *p, size_t len, uint16_t version,
				   struct tls_certificate_request *out);
/* kx from the negotiated cipher suite; version decides whether a SignatureScheme is present. */
int tls__parse_server_key_exchange(const uint8_t *p, size_t len, uint16_t version, enum tls_kx kx,
				   struct tls_server_key_exchange *out);

/* RFC 6520 4: HeartbeatMessage { type, uint16 payload_length, payload, padding (>= 16) }. */
#define TLS_HEARTBEAT_REQUEST 1
#define TLS_HEARTBEAT_RESPONSE 2
#define TLS_HEARTBEAT_MIN_LEN (3 + 16)

struct tls_heartbeat {
	uint8_t type;
	uint16_t payload_length;
	/* payload_length larger than the record can hold with its padding: a peer that echoes
	 * payload_length bytes sends its own memory (CVE-2014-0160, Heartbleed). Zeek's rule: a
	 * record under 19 bytes may hold at most its length, others their length - 19. */
	bool overlong;
};

/* A plaintext heartbeat record's body. -EINVAL when under the 3-byte header. */
int tls__parse_heartbeat(const uint8_t *p, size_t len, struct tls_heartbeat *out);

/* RFC 8701: 0x?a?a with both bytes equal. */
static inline bool tls__is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

#endif
