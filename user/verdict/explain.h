/* The one-sentence diagnosis of a handshake: which side ended it, how, and the most likely cause
 * among the findings. */
#ifndef TLSMON_EXPLAIN_H
#define TLSMON_EXPLAIN_H

#include "verdict/hs.h"

/* Fill hs->explain from outcome, alert, events and findings (call after policy__evaluate). */
void explain__handshake(struct handshake *hs);

struct sbuf;
/* Append what the TLS libraries said (hs->lib_verdict; explain_lib.c). */
void explain__lib_verdicts(struct sbuf *o, const struct handshake *hs);

#endif
