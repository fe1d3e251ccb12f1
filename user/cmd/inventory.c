// SPDX-License-Identifier: GPL-2.0
/* `tlsmon inventory`: the running daemon's cryptographic inventory over the control socket, as a
 * CycloneDX 1.6 CBOM or as tlsmon's own JSON (the endpoint tables). */
#include "cmd/cmd.h"
#include "cmd/ctl_fetch.h"

#include <stdio.h>


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
	struct ctl_request req = { .cmd = CTL_CMD_ENDPOINTS, .cyclonedx = true };
	const struct ctl_fetch c = {
		.name = "inventory",
		.formats = { "json", "cyclonedx" },
		.second_format = &req.cyclonedx,
		.timeout_ms = INVENTORY_TIMEOUT_MS,
		.usage = inventory_usage,
	};

	return ctl_fetch__run(&c, &req, argc, argv);
}
