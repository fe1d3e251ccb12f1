/* The last full certificate chain seen per server endpoint (address:port and SNI), so that a
 * resumed handshake, which sends no chain, can say which chain its session came from (TLS 1.3
 * hides every chain: there, only when the full handshake was). Bounded:
 * the least recently used endpoint is forgotten first, counted. */
#ifndef TLSMON_RESUME_MEMO_H
#define TLSMON_RESUME_MEMO_H

#include <stdbool.h>
#include <stdint.h>

#include "tls/tls_names.h"
#include "verdict/hs.h"

#define RESUME_MEMO_DEFAULT_MAX 1000

struct resume_memo;

struct resume_memo_stats {
	uint64_t entries;
	uint64_t evicted; /* endpoints forgotten to make room */
};

struct resume_memo *resume_memo__new(uint32_t max_entries); /* NULL without memory */
void resume_memo__free(struct resume_memo *m);

/* A full handshake: remember its start time and, when the chain was seen (not TLS 1.3), its
 * leaf's SHA-256. Resumed handshakes and those without a chain seen are ignored. */
void resume_memo__note_chain(struct resume_memo *m, const struct handshake *hs);

/* What a full handshake leaves in the memo, copied out of it (resume_memo_shared.c queues
 * these). resume_note__from() returns false when it leaves nothing (resumed, no chain seen). */
struct resume_note {
	uint64_t ts_ns;
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;
	uint16_t sni_len;
	uint8_t sni[TLS_MAX_SNI_LEN];
	char leaf_sha256[65];
};

bool resume_note__from(const struct handshake *hs, struct resume_note *n);
void resume_memo__note(struct resume_memo *m, const struct resume_note *n);

/* A resumed handshake: fill has_chain_from, chain_from_ts_ns and chain_from_leaf_sha256 from
 * its endpoint's last full chain, when one is remembered. */
void resume_memo__lookup(struct resume_memo *m, struct handshake *hs);

const struct resume_memo_stats *resume_memo__stats(const struct resume_memo *m);

#endif
