/* The human-readable summary table of `tlsmon read --summary`. */
#ifndef TLSMON_SUMMARY_H
#define TLSMON_SUMMARY_H

#include <stdio.h>

#include "verdict/hs.h"

struct summary;
struct summary *summary__new(void);
void summary__add(struct summary *s, const struct handshake *hs);
void summary__print(const struct summary *s, FILE *out);
void summary__free(struct summary *s);

#endif
