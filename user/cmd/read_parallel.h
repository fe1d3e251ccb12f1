/* `tlsmon read -j N` and `--sort ts`: the files' frames analysed on N worker threads (flows
 * sharded by net/shard.h), their JSON lines merged by the main thread. */
#ifndef TLSMON_READ_PARALLEL_H
#define TLSMON_READ_PARALLEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "verdict/engine.h"

#define READ_MAX_WORKERS 64

struct read_parallel_opts {
	const struct engine_opts *engine; /* template; max_flows is shared out between workers */
	uint32_t workers; /* 1..READ_MAX_WORKERS */
	bool sort_ts; /* all lines held, written by start time (then bytes) at the end */
	bool flagged_only;
	bool stats; /* each worker's counters on stderr, per file */
	const char *const *local_nets; /* --local-net, each worker judges with its own copy */
	int n_local_nets;
	FILE *out;
};

/* Returns the exit status: 0, or 1 when a file could not be read (or memory ran out). */
int read_parallel(const struct read_parallel_opts *o, char *const *files, int n_files);

#endif
