// SPDX-License-Identifier: GPL-2.0
/* tlsmon: passive TLS handshake monitor. Entry point: dispatch to a subcommand. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

/* Set by signal handlers, polled by the daemon's loop. */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t dump_requested;

static void on_dump_signal(int sig)
{
	dump_requested = sig;
}

static void on_stop_signal(int sig)
{
	stop_requested = sig;
}

/* SIGINT/SIGTERM end the daemon's loop; it then detaches. No SA_RESTART: poll() must wake. */
static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_dump_signal;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tlsmon COMMAND [OPTIONS]\n\n"
		"Watches TLS handshakes and reports weak cryptography and why handshakes fail.\n\n"
		"commands:\n"
		"  run             watch interfaces live (eBPF) and serve Prometheus metrics\n"
		"  read FILE...    analyse pcap/pcapng files, one JSON line per handshake\n"
		"  dump            fetch the daemon's flagged handshakes (pcapng + JSON Lines)\n"
		"  endpoints       print the daemon's endpoint tables (servers, client classes)\n"
		"  inventory       print the daemon's cryptographic inventory (CycloneDX CBOM)\n"
		"  explain FILE    print flagged handshakes of a JSON Lines file as trees\n"
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
	if (!strcmp(argv[1], "run")) {
		install_signal_handlers();
		return cmd_run(argc - 1, argv + 1, &stop_requested, &dump_requested);
	}
	if (!strcmp(argv[1], "read"))
		return cmd_read(argc - 1, argv + 1);
	if (!strcmp(argv[1], "dump"))
		return cmd_dump(argc - 1, argv + 1);
	if (!strcmp(argv[1], "endpoints"))
		return cmd_endpoints(argc - 1, argv + 1);
	if (!strcmp(argv[1], "inventory"))
		return cmd_inventory(argc - 1, argv + 1);
	if (!strcmp(argv[1], "explain"))
		return cmd_explain(argc - 1, argv + 1);
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
