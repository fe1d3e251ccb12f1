/* The JSON Lines schema of a handshake: one schema for `read`, `--log` and dumps. */
#ifndef TLSMON_REPORT_H
#define TLSMON_REPORT_H

#include <stdio.h>

#include "verdict/hs.h"
#include "util/sbuf.h"

/* Append one JSON object (no trailing newline) describing hs. */
void report__json(struct sbuf *b, const struct handshake *hs);

/* RFC 3339 UTC with microseconds: "2024-01-02T03:04:05.123456Z". buf >= 32 bytes. */
char *report__rfc3339(uint64_t ts_ns, char *buf, size_t size);

#endif
