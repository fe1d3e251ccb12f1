/* The metrics of what was negotiated: key exchange group (with its post-quantum flag) and cipher
 * suite by version. Every label value is a pointer into a fixed table (the IANA registries of
 * tls/tls_names.c, or this module's own few words), so the series cannot outnumber those tables;
 * a code point no table names is counted as "other". */
#ifndef TLSMON_METRICS_KX_H
#define TLSMON_METRICS_KX_H

#include <stdbool.h>
#include <stdint.h>

#include "verdict/hs.h"
#include "util/sbuf.h"

/* Room for every (version, suite) pair real traffic shows; past it "other" (counted, never
 * dropped). Groups (labelled by hs__kx_label()): the registry's 56 names and its few words. */
#define METRICS_KX_GROUPS 72
#define METRICS_KX_CIPHERS 128

struct metrics_kx {
	struct {
		const char *group;
		bool pq; /* a function of the group: one series per group */
		uint64_t count;
	} groups[METRICS_KX_GROUPS];
	uint64_t groups_other;
	struct {
		const char *version, *cipher;
		uint64_t count;
	} ciphers[METRICS_KX_CIPHERS];
	uint64_t ciphers_other;
};

void metrics_kx__on_handshake(struct metrics_kx *m, const struct handshake *hs);
void metrics_kx__render(const struct metrics_kx *m, struct sbuf *b);

#endif
