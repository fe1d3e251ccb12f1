/* The process_* metrics the Prometheus client libraries export (client_golang's process
 * collector: same names, types, units and HELP), read from /proc/self at scrape time. The daemon
 * only: `tlsmon read --metrics` must print the same bytes for the same files. */
#ifndef TLSMON_PROC_SELF_H
#define TLSMON_PROC_SELF_H

#include <stddef.h>
#include <stdint.h>

#include "util/sbuf.h"

/* The fields of /proc/PID/stat used here (proc(5)), in their own units. */
struct proc_stat {
	uint64_t utime, stime; /* clock ticks */
	uint64_t starttime; /* clock ticks after boot */
	uint64_t vsize; /* bytes */
	uint64_t rss; /* pages */
};

/* Parse the text of /proc/PID/stat. The command name (field 2) may hold spaces and parentheses:
 * the fields after it are counted from its last ')'. 0, or -EINVAL. */
int proc_self__parse_stat(const char *s, size_t len, struct proc_stat *out);

/* Append process_cpu_seconds_total, process_resident_memory_bytes,
 * process_virtual_memory_bytes, process_start_time_seconds, process_open_fds and
 * process_max_fds. A source that cannot be read leaves its metrics out, as client_golang does. */
void proc_self__render(struct sbuf *b);

#endif
