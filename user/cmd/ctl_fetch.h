/* `tlsmon endpoints` and `tlsmon inventory`: [--socket PATH] [--format A|B], one request to the
 * running daemon, the reply's body on stdout. */
#ifndef TLSMON_CTL_FETCH_H
#define TLSMON_CTL_FETCH_H

#include <stdbool.h>
#include <stdio.h>

#include "daemon/ctl.h"

struct ctl_fetch {
	const char *name; /* the subcommand, for messages */
	const char *formats[2]; /* the --format values */
	bool *second_format; /* set when --format is formats[1], cleared for formats[0] */
	int timeout_ms;
	void (*usage)(FILE *out);
};

/* Returns the subcommand's exit status: 0, 1 (the daemon or stdout failed), 2 (usage). */
int ctl_fetch__run(const struct ctl_fetch *c, struct ctl_request *req, int argc, char **argv);

#endif
