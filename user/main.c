// SPDX-License-Identifier: GPL-2.0
/* tlsmon: passive TLS handshake monitor. Entry point: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tlsmon COMMAND [OPTIONS]\n\n"
		"Watches TLS handshakes and reports weak cryptography and why handshakes fail.\n\n"
		"commands:\n"
		"  read FILE...    analyse pcap/pcapng files, one JSON line per handshake\n"
		"  policy          print the weak-crypto policy settings\n"
		"  version         print the version\n\n"
		"`tlsmon COMMAND --help` describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "read"))
		return cmd_read(argc - 1, argv + 1);
	if (!strcmp(argv[1], "policy"))
		return cmd_policy(argc - 1, argv + 1);
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("tlsmon %s\n", TLSMON_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "tlsmon: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
