// SPDX-License-Identifier: GPL-2.0
/* `tlsmon endpoints`: ask the running daemon for its endpoint tables over the control socket and
 * print them (JSON as on /endpoints, or a text table). */
#include "cmd/cmd.h"
#include "cmd/ctl_fetch.h"

#include <stdio.h>


#define ENDPOINTS_TIMEOUT_MS 10000

static void endpoints_usage(FILE *out)
{
	fprintf(out,
		"usage: tlsmon endpoints [--socket PATH] [--format json|text]\n"
		"Print the running `tlsmon run`'s endpoint tables: every server endpoint seen\n"
		"(address:port and SNI: last seen, versions, cipher suites and key exchange groups\n"
		"negotiated, leaf subject, issuer, serial and notAfter, chain signature algorithms,\n"
		"worst finding) and every client class (JA4: versions and key exchange offered).\n"
		"Each table holds at most --max-endpoints entries (default 1000) and evicts the least\n"
		"recently seen.\n\n"
		"  --socket PATH      control socket (default %s)\n"
		"  --format FMT       json (default; as served on /endpoints) or text\n"
		"  -h, --help         this text\n",
		CTL_DEFAULT_PATH);
}

int cmd_endpoints(int argc, char **argv)
{
	struct ctl_request req = { .cmd = CTL_CMD_ENDPOINTS };
	const struct ctl_fetch c = {
		.name = "endpoints",
		.formats = { "json", "text" },
		.second_format = &req.text,
		.timeout_ms = ENDPOINTS_TIMEOUT_MS,
		.usage = endpoints_usage,
	};

	return ctl_fetch__run(&c, &req, argc, argv);
}
