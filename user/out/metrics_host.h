/* The process attribution's metrics (user/host/): what it found per handshake and what its
 * bounded tables gave up, with labels from fixed sets only (never a pid, name or container). */
#ifndef TLSMON_METRICS_HOST_H
#define TLSMON_METRICS_HOST_H

#include <stdint.h>

#include "host/attrib.h"
#include "util/sbuf.h"

void metrics_host__render(struct sbuf *b, const struct attrib_stats *a,
			  const struct owner_stats *owners, const struct proc_cache_stats *procs,
			  uint64_t kernel_dropped);

#endif
