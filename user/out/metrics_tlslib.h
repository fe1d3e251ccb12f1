/* The metrics of the TLS libraries' verdicts (uprobes, user/host/): verdicts joined by result,
 * those lost or never joined, and the library files attached. Rendered only when uprobes run. */
#ifndef TLSMON_METRICS_TLSLIB_H
#define TLSMON_METRICS_TLSLIB_H

#include "host/tlslib_hooks.h"
#include "host/tlslib_join.h"
#include "util/sbuf.h"

void metrics_tlslib__render(struct sbuf *b, const struct tlslib_stats *s,
			    const struct tlslib_join_stats *j);

#endif
