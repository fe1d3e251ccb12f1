/* The counters of one engine (what /metrics and `tlsmon read --stats` show), apart from the engine
 * itself, so that the sinks and the subcommands that print them need not depend on the engine. */
#ifndef TLSMON_ENGINE_STATS_H
#define TLSMON_ENGINE_STATS_H

#include <stdint.h>

#include "net/flowtab.h"
#include "net/reasm.h"
#include "tls/tls_record.h"
#include "x509/x509.h"

struct engine_stats {
	uint64_t frames;
	uint64_t bytes;
	uint64_t not_tcp;
	uint64_t fragments;
	uint64_t decode_errors;
	uint64_t unsupported_linktype;
	uint64_t truncated_frames; /* payload clipped by the snaplen */
	uint64_t non_tls_flows; /* flows dropped: no TLS seen within the probe budget */
	uint64_t handshakes; /* emitted */
	uint64_t handshakes_by_outcome[5];
	uint64_t sslv2_hellos;
	uint64_t cert_parse_errors; /* certificates OpenSSL could not parse */
	uint64_t msg_parse_errors; /* hello / certificate / key exchange messages that did not parse */
	uint64_t handshake_alloc_failures;
	uint64_t retained_frames; /* frames copied for the flagged store (retain_bytes > 0) */
	uint64_t retain_dropped_frames; /* not copied: over retain_bytes, or no memory */
	/* Undecided connections whose kept frames were dropped, oldest first, to stay within
	 * retain_total_bytes; their dumps lack those frames. */
	uint64_t retain_evicted_flows;
};

/* Every counter of one engine, by stage; the engine owns them (see engine__stats() and the
 * other getters). */
struct pipeline_stats {
	const struct engine_stats *engine;
	const struct flowtab_stats *flows;
	const struct reasm_stats *reasm;
	const struct tls_stats *tls;
	const struct x509_cache_stats *x509;
};

#endif
