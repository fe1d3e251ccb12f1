// SPDX-License-Identifier: GPL-2.0
/* `tlsmon inventory`: the running daemon's cryptographic inventory over the control socket, as a
 * CycloneDX 1.6 CBOM or as tlsmon's own JSON (the endpoint tables). */
#include "cmd/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "daemon/ctl.h"

#define INVENTORY_TIMEOUT_MS 10000

static void inventory_usage(FILE *out)
{
	fprintf(out,
		"usage: tlsmon inventory [--socket PATH] [--format json|cyclonedx]\n"
		"Print the running `tlsmon run`'s cryptographic inventory: every server endpoint in\n"
		"its endpoint table with the protocol versions, cipher suites and key exchange groups\n"
		"it negotiated and its certificate chain (algorithms, key sizes, validity).\n"
		"Offline: `tlsmon read --inventory FILE...`.\n\n"
		"  --socket PATH      control socket (default %s)\n"
		"  --format FMT       cyclonedx (default: a CycloneDX 1.6 CBOM, cryptographic-asset\n"
		"                     components for protocols, certificates and algorithms, with\n"
		"                     nistQuantumSecurityLevel) or json (the endpoint tables)\n"
		"  -h, --help         this text\n",
		CTL_DEFAULT_PATH);
}

int cmd_inventory(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_request req = { .cmd = CTL_CMD_ENDPOINTS, .cyclonedx = true };
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
			if (strcmp(optarg, "json") && strcmp(optarg, "cyclonedx")) {
				fprintf(stderr,
					"tlsmon inventory: --format: expected json or cyclonedx\n");
				return 2;
			}
			req.cyclonedx = !strcmp(optarg, "cyclonedx");
			break;
		case 'h':
			inventory_usage(stdout);
			return 0;
		default:
			inventory_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tlsmon inventory: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	sbuf__init(&none);
	sbuf__init(&body);
	rc = ctl__client_dump(sock, &req, INVENTORY_TIMEOUT_MS, &none, &body, &reply, err,
			      sizeof(err));
	if (rc)
		fprintf(stderr, "tlsmon inventory: %s\n", err);
	else if (fwrite(body.buf, 1, body.len, stdout) != body.len || fflush(stdout))
		rc = -1;
	sbuf__free(&none);
	sbuf__free(&body);
	return rc ? 1 : 0;
}
