/* --not-local and --local-net: which handshakes are not local (neither end is an address of this
 * host, nor in a --local-net), and what becomes of them: dropped before analysis, or marked
 * "not_local": true (kept apart in the flagged store and out of the handshake metrics and
 * endpoint tables, which a spoofed flood must not fill), or analysed like any other. */
#ifndef TLSMON_CMD_NOT_LOCAL_H
#define TLSMON_CMD_NOT_LOCAL_H

#include <stdbool.h>
#include <stdio.h>

#include "capture/frame.h"
#include "capture/localaddr.h"
#include "verdict/hs.h"

struct not_local;

/* host: load the host's addresses and watch them for changes (the daemon); else only the CIDR
 * lists count (`read --local-net`). Returns NULL with a reason in err. */
struct not_local *not_local__new(enum not_local_action action, bool host, const char *const *nets,
				 int n_nets, char *err, size_t err_size);
void not_local__free(struct not_local *nl);

/* --not-local drop: true when f is TCP and neither address is local (counted). */
bool not_local__drop_frame(struct not_local *nl, const struct frame *f);

/* Mark hs not_local when neither end is local and the action is not analyse (counted when
 * neither end is local, whatever the action). NULL nl: nothing. */
void not_local__judge(struct not_local *nl, struct handshake *hs);

/* -1 when not watching the host's addresses; else poll it and call not_local__handle(). */
int not_local__fd(const struct not_local *nl);
void not_local__handle(struct not_local *nl, FILE *log);

const struct not_local_stats *not_local__stats(const struct not_local *nl);

#endif
