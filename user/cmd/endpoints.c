// SPDX-License-Identifier: GPL-2.0
/* `tlsmon endpoints`: ask the running daemon for its endpoint tables over the control socket and
 * print them (JSON as on /endpoints, or a text table). */
#include "cmd/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "daemon/ctl.h"

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
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_request req = { .cmd = CTL_CMD_ENDPOINTS };
	const char *sock = CTL_DEFAULT_PATH;
	struct sbuf none, body;
	struct ctl_reply reply;
	char err[256];
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr, "tlsmon endpoints: --format: expected json or text\n");
				return 2;
			}
			req.text = !strcmp(optarg, "text");
			break;
		case 'h':
			endpoints_usage(stdout);
			return 0;
		default:
			endpoints_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tlsmon endpoints: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	sbuf__init(&none);
	sbuf__init(&body);
	rc = ctl__client_dump(sock, &req, ENDPOINTS_TIMEOUT_MS, &none, &body, &reply, err,
			      sizeof(err));
	if (rc)
		fprintf(stderr, "tlsmon endpoints: %s\n", err);
	else if (fwrite(body.buf, 1, body.len, stdout) != body.len || fflush(stdout))
		rc = -1;
	sbuf__free(&none);
	sbuf__free(&body);
	return rc ? 1 : 0;
}
