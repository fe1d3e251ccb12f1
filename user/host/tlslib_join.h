/* Joins the TLS libraries' verdicts (struct tlslib_event, by the verifying socket's 4-tuple) to
 * the wire handshakes of the same connections: a bounded table of verdicts waiting for their
 * handshake; the oldest is evicted when it is full, and one that waits too long expires (both
 * counted). The wire does not say which network namespace a connection lives in, and
 * namespaces may reuse the same addresses (containers on bridges of their own): the verdict of
 * an end is taken from the namespace of the process attributed to that end; with no process
 * known, only when every verdict of that 4-tuple comes from one namespace (else counted as
 * ambiguous and left to expire). */
#ifndef TLSMON_TLSLIB_JOIN_H
#define TLSMON_TLSLIB_JOIN_H

#include <stdint.h>

#include "tlslib_event.h"
#include "verdict/hs.h"
#include "verdict/policy.h"

#define TLSLIB_JOIN_MAX 1024
#define TLSLIB_JOIN_TTL_NS (120ull * 1000000000ull) /* a handshake is decided well within */

struct tlslib_join_stats {
	uint64_t joined[4]; /* by enum hs_lib_result */
	uint64_t evicted; /* the table was full */
	uint64_t expired; /* no handshake came for it within TLSLIB_JOIN_TTL_NS */
	uint64_t ambiguous; /* handshake ends with verdicts of several namespaces, none taken */
};

struct tlslib_join;

struct tlslib_join *tlslib_join__new(void);
void tlslib_join__free(struct tlslib_join *j);

/* Keep a verdict until its handshake is decided. now_ns: CLOCK_MONOTONIC, as e->ts_ns. */
void tlslib_join__add(struct tlslib_join *j, const struct tlslib_event *e);

/* hs itself when no verdict waits for its connection; else a copy (valid until the next call)
 * with lib_verdict filled, unverified_peer judged by p, and the explain sentence redone. The
 * verdicts joined are removed. */
const struct handshake *tlslib_join__judge(struct tlslib_join *j, const struct policy *p,
					   const struct handshake *hs);

/* Drop verdicts older than TLSLIB_JOIN_TTL_NS. */
void tlslib_join__expire(struct tlslib_join *j, uint64_t now_ns);

const struct tlslib_join_stats *tlslib_join__stats(const struct tlslib_join *j);

#endif
