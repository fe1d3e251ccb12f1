/* The last full certificate chain seen per server endpoint (address:port and SNI), so that a
 * resumed handshake, which sends no chain, can say which chain its session came from (TLS 1.3
 * hides every chain: there, only when the full handshake was). Bounded:
 * the least recently used endpoint is forgotten first, counted. */
#ifndef TLSMON_RESUME_MEMO_H
#define TLSMON_RESUME_MEMO_H

#include <stdbool.h>
#include <stdint.h>

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

/* A resumed handshake: fill has_chain_from, chain_from_ts_ns and chain_from_leaf_sha256 from
 * its endpoint's last full chain, when one is remembered. */
void resume_memo__lookup(struct resume_memo *m, struct handshake *hs);

const struct resume_memo_stats *resume_memo__stats(const struct resume_memo *m);

#endif
