/* The one-sentence diagnosis of a handshake: which side ended it, how, and the most likely cause
 * among the findings. */
#ifndef TLSMON_EXPLAIN_H
#define TLSMON_EXPLAIN_H

#include "verdict/hs.h"

/* Fill hs->explain from outcome, alert, events and findings (call after policy__evaluate). */
void explain__handshake(struct handshake *hs);

#endif
