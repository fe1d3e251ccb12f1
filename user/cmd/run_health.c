// SPDX-License-Identifier: GPL-2.0
/* The daemon's checks once a second: overload and bad input said on first sight, and the
 * kernel's flow hint repaired after the LRU evicted what it counted. */
#include "cmd/run_daemon.h"

#include <stdio.h>

#include "cmd/cmd.h"
#include "cmd/run_workers.h"
#include "verdict/engine_stats.h"

/* Every HINT_REPAIR_MS while flows start: the kernel's LRU evicts tracking entries silently when
 * flows outnumber --max-flows, and the counts they leave make other packets take the slow path.
 * A repair reads the whole flow map: a few ms for 65,536 entries. */
#define HINT_REPAIR_MS 10000

/* Bad input and overload are counted always and logged once, on first sight, so the log points
 * at the counter without flooding. */
static void warn_first(struct daemon *d)
{
	struct pipeline_stats ps = d->workers ? run_workers__stats(d->workers) :
						cmd__pipeline_stats(d->engine);
	const struct engine_stats *es = ps.engine;
	const struct tls_stats *ts = ps.tls;
	const uint64_t *k = d->kernel_counters;
	const struct {
		uint64_t value;
		const char *what;
	} rows[] = {
		{ k[TLSMON_CTR_RINGBUF_FULL], "the ring buffer was full: frames were dropped "
					      "(tlsmon_ringbuf_dropped_total)" },
		{ k[TLSMON_CTR_BUDGET_EXHAUSTED], "a flow spent its copy budget before its "
						  "handshake was decided (tlsmon_flow_budget_exhausted_total)" },
		{ k[TLSMON_CTR_FLOW_INSERT_FAILED], "the kernel flow map refused a flow "
						    "(tlsmon_kernel_flows_total{result=\"insert_failed\"})" },
		{ ps.flows->evicted, "the flow table was full: the oldest flow "
							  "was evicted (tlsmon_flows_evicted_total)" },
		{ es->decode_errors, "a malformed frame (tlsmon_parse_errors_total{stage=\"frame\"})" },
		{ ts->malformed, "a malformed TLS record "
				 "(tlsmon_parse_errors_total{stage=\"tls_record\"})" },
		{ ts->oversized, "a handshake message over the size limit "
				 "(tlsmon_parse_errors_total{stage=\"tls_oversized\"})" },
		{ es->msg_parse_errors, "a handshake message that did not parse "
					"(tlsmon_parse_errors_total{stage=\"handshake\"})" },
		{ es->cert_parse_errors, "a certificate OpenSSL could not parse "
					 "(tlsmon_parse_errors_total{stage=\"certificate\"})" },
	};

	live_bpf__read_counters(d->lb, d->kernel_counters);
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!rows[i].value || (d->warned & (1u << i)))
			continue;
		d->warned |= 1u << i;
		fprintf(stderr, "tlsmon: first time: %s; further ones are only counted\n",
			rows[i].what);
	}
}

static void repair_hint(struct daemon *d)
{
	uint64_t now = run__now_ms(CLOCK_MONOTONIC), started;
	int rc;

	if (now - d->hint_repair_ms < HINT_REPAIR_MS)
		return;
	started = d->kernel_counters[TLSMON_CTR_FLOWS_STARTED]; /* as warn_first() just read them */
	if (started == d->hint_repair_started)
		return;
	d->hint_repair_ms = now;
	d->hint_repair_started = started;
	rc = live_bpf__hint_repair(d->lb);
	if (rc > 0)
		d->hint_repaired += (uint64_t)rc;
	/* a failure only leaves the counts high, as they were */
}

void run_health__tick(struct daemon *d)
{
	warn_first(d);
	repair_hint(d);
}
