/* Prometheus metrics registry: counters fed by finished handshakes plus the pipeline's and the
 * kernel's own counters, rendered in text exposition format 0.0.4. Label values come from bounded
 * sets; past a cap they become "other". */
#ifndef TLSMON_METRICS_H
#define TLSMON_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "capture/live_bpf.h"
#include "capture/localaddr.h"
#include "verdict/engine_stats.h"
#include "verdict/hs.h"
#include "util/sbuf.h"

struct metrics;

struct metrics *metrics__new(void);
void metrics__free(struct metrics *m);

/* Count one finished handshake: by version and outcome, its findings (each (check, detail) once
 * per handshake), its alert, and the certificates not seen before. */
void metrics__on_handshake(struct metrics *m, const struct handshake *hs);

/* Everything else the exposition shows, read at scrape time. Pointers may be NULL. */
struct metrics_sources {
	struct pipeline_stats pipeline; /* the engine's counters; .engine NULL = none */
	const uint64_t *kernel_counters; /* indexed by enum tlsmon_counter (live capture only) */
	uint64_t flagged_stored; /* handshakes held in the flagged store */
	uint64_t flagged_evicted;
	uint64_t flagged_not_local_stored, flagged_not_local_refused;
	const struct not_local_stats *not_local; /* the daemon only */
	uint64_t flows_active_kernel;
	uint64_t kernel_hint_repaired; /* flow hint slots lowered (live capture only) */
	uint64_t start_time_s; /* process start, Unix seconds */
	const uint64_t *log_errors; /* --log write failures by enum log_error_reason, or NULL */
};

void metrics__render(const struct metrics *m, const struct metrics_sources *src, struct sbuf *out);

/* tlsmon_interface_attached{interface,hook}: 1 per hook attached, 0 once the kernel dropped it
 * (the series stays, so that `== 0` can be alerted on). The daemon only. */
void metrics__render_interfaces(const struct live_bpf_hook *hooks, int n, struct sbuf *out);

#endif
