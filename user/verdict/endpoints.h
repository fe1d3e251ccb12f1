/* The endpoint tables: what each server endpoint (address:port, SNI) negotiated and presented,
 * and what each client class (JA4 fingerprint) offered, fed with finished handshakes. Both are
 * bounded (max_entries each) and evict the least recently seen entry, counted; the bound is also
 * the cardinality bound of the per-endpoint metric series (out/endpoints_out.c). Also kept here:
 * the earliest certificate notAfter seen in the last EP_EXPIRY_WINDOW_S of packet time. */
#ifndef TLSMON_ENDPOINTS_H
#define TLSMON_ENDPOINTS_H

#include <stdbool.h>
#include <stdint.h>

#include "verdict/hs.h"

#define EP_DEFAULT_MAX 1000
#define EP_MAX_MAX (1u << 20)
#define EP_MAX_CODES 8 /* distinct versions, suites or groups kept per entry; more: *_more */
#define EP_MAX_SIGALGS 4 /* chain signature algorithms kept per entry */
#define EP_NAME_LEN 192 /* leaf subject and issuer, cut beyond */
#define EP_ALG_LEN 48
#define EP_MAX_CHAIN 4 /* certificates of the last chain kept in full (the inventory) */
/* A day, in hours of packet time: a job that connects once a day keeps its chain in the gauge,
 * and a renewed certificate leaves it a day after its last use. */
#define EP_EXPIRY_HOURS 24
#define EP_EXPIRY_WINDOW_S (EP_EXPIRY_HOURS * 3600)

enum ep_kind {
	EP_SERVER = 0,
	EP_CLIENT,
	EP__KINDS,
};

/* A small set of 16-bit code points (versions, suites, groups), in order of first use. */
struct ep_codes {
	uint8_t n;
	bool more; /* a code did not fit */
	uint16_t v[EP_MAX_CODES];
};

/* The worst finding seen on the entry: highest severity, first one wins a tie. */
struct ep_worst {
	bool present;
	uint8_t check; /* enum check_id */
	uint8_t severity; /* enum severity */
	char detail[FINDING_DETAIL_LEN];
};

/* One certificate of an endpoint's last chain, as the inventory (CBOM) lists it. */
struct ep_cert {
	char sha256_hex[65];
	bool parsed;
	char subject[EP_NAME_LEN], issuer[EP_NAME_LEN];
	int64_t not_before, not_after;
	bool validity_ok;
	char sig_name[EP_ALG_LEN];
	char sig_oid[64];
	char key_type[32];
	int key_bits;
	char curve[32];
};

struct ep_chain {
	uint16_t n; /* stored, at most EP_MAX_CHAIN */
	struct ep_cert c[EP_MAX_CHAIN];
};

/* Bits of offered key exchange (a client's cipher suites, by enum tls_kx) */
#define EP_KX_BIT(kx) (1u << (kx))

struct ep_entry {
	/* key: EP_SERVER: family, addr, port, sni; EP_CLIENT: ja4 */
	uint8_t family;
	uint8_t addr[16]; /* EP_SERVER: server; EP_CLIENT: the last client address */
	uint16_t port;
	char sni[TLS_MAX_SNI_LEN + 1]; /* printable ASCII, other bytes as '?' */
	char ja4[37];

	uint64_t first_seen_ns, last_seen_ns; /* packet time */
	uint64_t handshakes;
	struct ep_codes versions, ciphers, groups; /* negotiated (ServerHello, ServerKeyExchange) */
	uint16_t version, cipher, group; /* of the last handshake with a ServerHello; 0: none */
	bool group_pq;
	struct ep_worst worst;

	/* EP_SERVER: the last certificate chain seen (TLS 1.3 hides it) */
	bool has_chain;
	uint16_t chain_len;
	char leaf_subject[EP_NAME_LEN], leaf_issuer[EP_NAME_LEN];
	char leaf_serial[84];
	int64_t leaf_not_after;
	int64_t chain_not_after; /* earliest notAfter of the chain */
	uint8_t n_sigalgs;
	char sigalgs[EP_MAX_SIGALGS][EP_ALG_LEN];
	struct ep_chain *chain; /* the first EP_MAX_CHAIN certificates; NULL: none or no memory */

	/* EP_CLIENT: what the ClientHello offered */
	uint16_t offered_min_version, offered_max_version;
	uint16_t offered_kx; /* EP_KX_BIT(enum tls_kx) of the suites offered */

	/* The local process at this end (EP_SERVER: the accepting one, EP_CLIENT: the connecting
	 * one) of the last handshake that had one (user/host/); present false when none did. */
	struct hs_process process;

	/* private: hash chain and recency list, as indices (UINT32_MAX = none) */
	uint32_t hnext, newer, older;
	uint32_t hash;
};

struct ep_stats {
	uint64_t entries[EP__KINDS];
	uint64_t evicted[EP__KINDS];
	uint64_t max_entries; /* per kind */
};

struct endpoints;

struct endpoints *endpoints__new(uint32_t max_entries); /* NULL without memory */
void endpoints__free(struct endpoints *ep);

/* Account one finished handshake to its server entry and, when a ClientHello was seen, to its
 * client class. Returns 0 or -ENOMEM (the handshake is then not counted). */
int endpoints__add(struct endpoints *ep, const struct handshake *hs);

/* Entries of a kind, most recently seen first; NULL after the last. */
const struct ep_entry *endpoints__first(const struct endpoints *ep, enum ep_kind kind);
const struct ep_entry *endpoints__next(const struct endpoints *ep, const struct ep_entry *e);

const struct ep_stats *endpoints__stats(const struct endpoints *ep);

/* Earliest notAfter (Unix seconds) of any certificate of any chain seen in the last
 * EP_EXPIRY_WINDOW_S of packet time before the latest handshake; false when none. */
bool endpoints__earliest_not_after(const struct endpoints *ep, int64_t *out);

/* The negotiated group of a handshake (0: none) and whether it is post-quantum. */
uint16_t endpoints__group_of(const struct handshake *hs, bool *pq);

#endif
