/* What the engine keeps of a handshake until its outcome is decided. A flood of half-open
 * handshakes is the worst case for memory, so a handshake that has only seen its ClientHello
 * costs the hello's fingerprints and names plus a short timeline, not the parsed hello; the
 * server's side is allocated when the server speaks. At decision time the pending state is
 * expanded into one full struct handshake, which is what the policy and the sinks read. */
#ifndef TLSMON_HS_PENDING_H
#define TLSMON_HS_PENDING_H

#include <stdbool.h>
#include <stdint.h>

#include "tls/fingerprint.h"
#include "verdict/hs.h"
#include "tls/tls_msg.h"
#include "util/block_pool.h"
#include "x509/x509.h"

/* Allocated on a CertificateRequest or a client's Certificate: what only mutual TLS needs. */
struct hs_client_auth {
	bool has_certificate_request;
	struct hs_cert_request cr;
	uint16_t n_certs;
	uint32_t n_certs_total;
	uint64_t cert_ts_ns, cert_frame;
	const struct x509_info *certs[TLS_MAX_CHAIN]; /* references held from the x509 cache */
};

/* Allocated on the first server message that is kept, or on the first alert, reassembly gap,
 * parse error or second event: what a handshake that only sent its ClientHello never needs. */
struct hs_server_side {
	struct tls_server_hello sh;
	struct tls_server_key_exchange ske;
	char ja3s[JA3_HEX_LEN + 1];
	uint16_t n_certs;
	uint32_t n_certs_total;
	uint64_t cert_ts_ns, cert_frame;
	const struct x509_info *certs[TLS_MAX_CHAIN]; /* references held from the x509 cache */
	struct hs_alert alert;
	bool hrr;
	uint16_t hrr_group;
	uint32_t gaps;
	uint32_t parse_errors;
	uint64_t gap_bytes;
	/* TLS 1.0-1.2: the server's ChangeCipherSpec came before the client's, without a server
	 * Certificate: the abbreviated handshake of a resumed session (RFC 5246 7.3) */
	bool abbreviated;
	uint8_t cap_events; /* of events[]: <= HS_MAX_EVENTS (48) */
	uint16_t version; /* the ServerHello's (struct handshake's version): hs_pending__version() */
	struct hs_event *events; /* the whole timeline from its second event on, grown */
	struct hs_client_auth *auth; /* NULL until needed (see struct hs_client_auth) */
	struct x509_trust_result trust;
	struct hs_heartbeats heartbeats;
};

/* JA4 (fingerprint.c) is 10 characters, '_', 12 lowercase hex digits, '_', 12 more. Packed
 * when it reads "t", a version of fp_ja4_versions[] (tls/fingerprint.h), 'd' or 'i', two
 * 2-digit counts and two ALPN characters: the head is one byte, the counts a byte each, the
 * digits 6 bytes each. Any other string goes verbatim into names[]. */
#define HS_JA4_PREFIX 10
#define HS_JA4_HASH 6

/* Fields mean what they mean in struct handshake; ch_* are struct hs_client_hello's. 80 bytes
 * plus the names, so a flood's ClientHello-only handshake with up to 24 bytes of names fits
 * one HS_PENDING_BLOCK (104 bytes) of the engine's pool, or a 112-byte heap chunk without one. */
struct hs_pending {
	struct hs_event event0; /* the first event: most floods never see a second */
	struct hs_server_side *srv; /* NULL until needed (see struct hs_server_side) */
	bool has_client_hello : 1, has_server_hello : 1, has_certificate : 1;
	bool has_server_key_exchange : 1, client_sent_certificate : 1, closed_by_client : 1;
	bool ccs_client : 1, ccs_server : 1, app_data_client : 1, app_data_server : 1;
	bool events_truncated : 1, has_ja3 : 1, ja4_packed : 1;
	bool ch_sslv2 : 1, ch_fallback_scsv : 1, ch_offered_tls13 : 1, ch_has_sni : 1;
	/* in the 7 bits left before n_events: HS_KX_* of the suites offered, and the lowest
	 * version offered as an index (hs_pending.c: min_versions[]) */
	uint8_t ch_offered_kx : 4, ch_min_version : 3;
	uint8_t n_events : 7, ch_ticket_offered : 1; /* n_events <= HS_MAX_EVENTS (48) */
	/* bytes of names[] after the ALPN list, when not packed (<= JA4_LEN, 36) */
	uint8_t ja4_raw_len : 6, ch_groups_truncated : 1;
	uint8_t ja4_head; /* packed JA4: fp_ja4_versions[] index, 0x10 = 'i' (no SNI) */
	uint16_t vlan;
	uint16_t ch_legacy_version, ch_max_version;
	uint16_t sni_len, alpn_len; /* bytes of names[] */
	uint8_t ja3_md5[16];
	uint8_t ja4_counts[2]; /* packed JA4: suites and extensions, 0..99 */
	char ja4_alpn[2];
	uint8_t ja4_hash[2][HS_JA4_HASH];
	/* the SNI's bytes, then the offered ALPN list's, then a JA4 not packed, then (with a
	 * ClientHello) the group counts and lists: n_groups, n_key_shares, u16 each, host order */
	uint8_t names[];
};

/* A new one's bytes: the fixed part and room for short names (hs_pending.c: NAMES_SLACK). */
#define HS_PENDING_BLOCK 104

/* From pool (blocks of HS_PENDING_BLOCK bytes) while it has one, else from the heap; pool may
 * be NULL. NULL without memory. */
struct hs_pending *hs_pending__new(struct block_pool *pool);
/* Releases the certificate references into cache, and p into pool if it came from there. NULL
 * is fine. */
void hs_pending__free(struct hs_pending *p, struct block_pool *pool, struct x509_cache *cache);

/* Keep the ClientHello's summary, fingerprints and names. *pp may move (its names grow: out
 * of pool's block onto the heap). */
int hs_pending__set_client_hello(struct hs_pending **pp, struct block_pool *pool,
				 const struct tls_client_hello *ch,
				 const char ja3_hex[JA3_HEX_LEN + 1], const char ja4[JA4_LEN + 1]);

/* The server side, allocated on first use; NULL without memory. */
struct hs_server_side *hs_pending__server(struct hs_pending *p);

/* The client-authentication side, allocated (with the server side) on first use; NULL without
 * memory. */
struct hs_client_auth *hs_pending__client_auth(struct hs_pending *p);

/* The version the ServerHello chose, 0 before one was read. */
static inline uint16_t hs_pending__version(const struct hs_pending *p)
{
	return p->srv ? p->srv->version : 0;
}

/* The alert kept so far, or NULL. */
static inline const struct hs_alert *hs_pending__alert(const struct hs_pending *p)
{
	return p->srv && p->srv->alert.present ? &p->srv->alert : NULL;
}

/* As hs__add_event(): when the timeline is full the last slot is overwritten and
 * events_truncated set; without memory to grow, the same. */
void hs_pending__add_event(struct hs_pending *p, const struct hs_event *ev);

/* Fill every field of out before the verdict (the first HS_FACTS_SIZE bytes) from p, except
 * the endpoints, outcome and end time, which the engine sets. */
void hs_pending__expand(const struct hs_pending *p, struct handshake *out);

/* Heap bytes p holds (for tests and accounting). */
size_t hs_pending__bytes(const struct hs_pending *p);

#endif
