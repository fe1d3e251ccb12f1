// SPDX-License-Identifier: GPL-2.0
/* tlsmon: passive TLS handshake monitor. Entry point: dispatch to a subcommand. */
#include <bpf/libbpf.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

/* Set by signal handlers, polled by the daemon's loop. */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t dump_requested;
static volatile sig_atomic_t reload_requested;

static void on_dump_signal(int sig)
{
	dump_requested = sig;
}

static void on_reload_signal(int sig)
{
	reload_requested = sig;
}

static void on_stop_signal(int sig)
{
	stop_requested = sig;
}

/* SIGINT/SIGTERM end the daemon's loop; it then detaches. SIGHUP reopens the log and reads the
 * policy again (logrotate's postrotate). No SA_RESTART: poll() must wake. */
static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_reload_signal;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_dump_signal;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Past RLIMIT_FSIZE a write must fail with EFBIG (counted, the log cut back to whole
	 * lines), not kill the daemon. */
	signal(SIGXFSZ, SIG_IGN);
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
		"  version         print the version (also -V, --version)\n"
		"  help [COMMAND]  this text, or COMMAND's (as `tlsmon COMMAND --help`)\n\n"
		"`tlsmon COMMAND --help` describes each command. Usage errors exit 2.\n");
}

/* The libraries are named too: a static binary carries its own, a bug report needs them. */
static int version(void)
{
	const char *lb = libbpf_version_string();

	printf("tlsmon %s\nlibbpf %s\n%s\n", TLSMON_VERSION, lb + (lb[0] == 'v'),
	       OpenSSL_version(OPENSSL_VERSION));
	return 0;
}

static int run_command(int argc, char **argv)
{
	if (!strcmp(argv[0], "run")) {
		install_signal_handlers();
		return cmd_run(argc, argv, &stop_requested, &dump_requested, &reload_requested);
	}
	if (!strcmp(argv[0], "read"))
		return cmd_read(argc, argv);
	if (!strcmp(argv[0], "dump"))
		return cmd_dump(argc, argv);
	if (!strcmp(argv[0], "endpoints"))
		return cmd_endpoints(argc, argv);
	if (!strcmp(argv[0], "inventory"))
		return cmd_inventory(argc, argv);
	if (!strcmp(argv[0], "explain"))
		return cmd_explain(argc, argv);
	if (!strcmp(argv[0], "policy"))
		return cmd_policy(argc, argv);
	if (!strcmp(argv[0], "version") || !strcmp(argv[0], "-V") || !strcmp(argv[0], "--version")) {
		if (argc > 1 && strcmp(argv[1], "-h") && strcmp(argv[1], "--help")) {
			fprintf(stderr, "tlsmon version: unexpected argument '%s'\n", argv[1]);
			return 2;
		}
		if (argc > 1) {
			printf("usage: tlsmon version (or -V, --version)\n"
			       "Print tlsmon's version and those of libbpf and OpenSSL it runs with.\n");
			return 0;
		}
		return version();
	}
	fprintf(stderr, "tlsmon: unknown command '%s'\n", argv[0]);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    (!strcmp(argv[1], "help") && argc == 2)) {
		usage(stdout);
		return 0;
	}
	/* `tlsmon help COMMAND` is `tlsmon COMMAND --help` */
	if (!strcmp(argv[1], "help")) {
		char *help_argv[] = { argv[2], "--help", NULL };

		if (argc > 3) {
			fprintf(stderr, "tlsmon help: unexpected argument '%s'\n", argv[3]);
			return 2;
		}
		return run_command(2, help_argv);
	}
	return run_command(argc - 1, argv + 1);
}
