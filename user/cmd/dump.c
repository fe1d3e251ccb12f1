// SPDX-License-Identifier: GPL-2.0
/* `tlsmon dump`: ask the running daemon for its flagged handshakes over the control socket and
 * write them, as the invoking user, into a capture file and a JSON Lines file. */
#include "cmd/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/ctl.h"
#include "out/store.h"
#include "util/parse.h"

#define DUMP_TIMEOUT_MS 30000

static void dump_usage(FILE *out)
{
	fprintf(out,
		"usage: tlsmon dump [--socket PATH] [--out DIR] [--since DURATION]\n"
		"                   [--format pcap|pcapng] [--gzip]\n"
		"Ask the running `tlsmon run` for the handshakes it keeps (flagged, or ended by an\n"
		"alert, abort or reset) and write their frames and analysis into two new files\n"
		"(mode 0600, never over an existing file); print their paths. When there are none\n"
		"it writes no file, prints nothing on stdout, says so on stderr and exits 0.\n\n"
		"  --socket PATH      control socket (default %s)\n"
		"  --out DIR          where to write (default .)\n"
		"  --since DURATION   only handshakes decided in the last DURATION: 90s, 15m, 2h, 1d\n"
		"  --format FMT       pcapng (default; carries comments on the flagged frames) or\n"
		"                     pcap (becomes pcapng when the frames mix link types)\n"
		"  --gzip             compress the capture file (.gz)\n"
		"  -h, --help         this text\n",
		CTL_DEFAULT_PATH);
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "out", required_argument, NULL, 'o' },
		{ "since", required_argument, NULL, 'S' },	{ "format", required_argument, NULL, 'f' },
		{ "gzip", no_argument, NULL, 'z' },		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_request req = { .since_s = 0, .format = PCAP_FMT_PCAPNG };
	const char *sock = CTL_DEFAULT_PATH, *dir = ".", *since = NULL;
	char err[256], pcap_path[PATH_MAX], json_path[PATH_MAX];
	struct sbuf pcap, json;
	struct ctl_reply reply;
	struct timespec now;
	bool gzip = false;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'o':
			dir = optarg;
			break;
		case 'S':
			if (parse__duration(optarg, &req.since_s) || req.since_s > CTL_MAX_SINCE) {
				fprintf(stderr, "tlsmon dump: --since: expected e.g. 90s, 15m, 2h, 1d\n");
				return 2;
			}
			since = optarg;
			break;
		case 'f':
			if (pcap_out__parse_format(optarg, &req.format)) {
				fprintf(stderr, "tlsmon dump: --format: expected pcap or pcapng\n");
				return 2;
			}
			break;
		case 'z':
			gzip = true;
			break;
		case 'h':
			dump_usage(stdout);
			return 0;
		default:
			dump_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tlsmon dump: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	sbuf__init(&pcap);
	sbuf__init(&json);
	rc = ctl__client_dump(sock, &req, DUMP_TIMEOUT_MS, &pcap, &json, &reply, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "tlsmon dump: %s\n", err);
		goto out;
	}
	/* Nothing to look at is not a failure (exit 0: a cron job that dumps every hour must not
	 * mail an error for a quiet hour); empty files would only be litter. Stdout stays empty, so
	 * a script sees there is no file to open. */
	if (!reply.handshakes) {
		if (since)
			fprintf(stderr, "tlsmon dump: no flagged handshakes in the last %s\n", since);
		else
			fprintf(stderr, "tlsmon dump: no flagged handshakes held\n");
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	rc = store__save_files(dir, (uint64_t)now.tv_sec * 1000000000ull, &pcap, reply.format, gzip,
			       &json, pcap_path, json_path, sizeof(pcap_path));
	if (rc) {
		fprintf(stderr, "tlsmon dump: writing into %s: %s\n", dir, strerror(-rc));
		goto out;
	}
	printf("%s\n%s\n", pcap_path, json_path);
	fprintf(stderr, "tlsmon dump: %llu handshakes, %llu frames\n",
		(unsigned long long)reply.handshakes, (unsigned long long)reply.frames);
out:
	sbuf__free(&pcap);
	sbuf__free(&json);
	return rc ? 1 : 0;
}
