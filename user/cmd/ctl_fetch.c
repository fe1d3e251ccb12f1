// SPDX-License-Identifier: GPL-2.0
/* What `tlsmon endpoints` and `tlsmon inventory` share: their options, one request over the
 * control socket, and the reply's body on stdout. */
#include "cmd/ctl_fetch.h"

#include <getopt.h>
#include <string.h>

int ctl_fetch__run(const struct ctl_fetch *c, struct ctl_request *req, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
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
			if (strcmp(optarg, c->formats[0]) && strcmp(optarg, c->formats[1])) {
				fprintf(stderr, "tlsmon %s: --format: expected %s or %s\n", c->name,
					c->formats[0], c->formats[1]);
				return 2;
			}
			*c->second_format = !strcmp(optarg, c->formats[1]);
			break;
		case 'h':
			c->usage(stdout);
			return 0;
		default:
			c->usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tlsmon %s: unexpected argument '%s'\n", c->name, argv[optind]);
		return 2;
	}
	sbuf__init(&none);
	sbuf__init(&body);
	rc = ctl__client_dump(sock, req, c->timeout_ms, &none, &body, &reply, err, sizeof(err));
	if (rc)
		fprintf(stderr, "tlsmon %s: %s\n", c->name, err);
	else if (fwrite(body.buf, 1, body.len, stdout) != body.len || fflush(stdout))
		rc = -1;
	sbuf__free(&none);
	sbuf__free(&body);
	return rc ? 1 : 0;
}
