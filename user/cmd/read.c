// SPDX-License-Identifier: GPL-2.0
/* `tlsmon read`: run capture files through the engine and print one JSON line per handshake. */
#include "cmd/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "daemon/ctl.h"
#include "verdict/engine.h"
#include "out/metrics.h"
#include "out/cbom.h"
#include "out/endpoints_out.h"
#include "verdict/endpoints.h"
#include "capture/pcap_in.h"
#include "cmd/not_local.h"
#include "cmd/read_parallel.h"
#include "out/report.h"
#include "out/summary.h"
#include "out/store.h"
#include "util/parse.h"
#include "util/sbuf_splice.h"

/* JSON lines are collected in rc->line and written about this much at a time: one writev(2) per
 * block rather than one stdio call per ~4 KB line. The line references its certificates' cached
 * JSON instead of copying it (util/sbuf_splice.h). */
#define OUT_BLOCK (64 * 1024)

/* --serve-dump (a test hook): how long the control socket is served before exiting. */
#define SERVE_DUMP_MS 120000
#define SERVE_RETAIN_BYTES (256 * 1024)

struct read_ctx {
	bool flagged_only;
	bool explain;
	struct sbuf line;
	struct summary *summary;
	struct store *store; /* --serve-dump */
	struct metrics *metrics; /* --metrics: the registry instead of JSON lines */
	struct endpoints *endpoints; /* --metrics and --endpoints */
	bool endpoints_only; /* --endpoints: the table instead of JSON lines */
	struct not_local *not_local; /* --local-net: others are marked "not_local": true */
	FILE *out;
};

static void flush_lines(struct read_ctx *rc);

static void on_handshake(void *ctx, struct handshake *hs, const struct tlsmon_flow_key *key,
			 const struct engine_frames *frames)
{
	struct read_ctx *rc = ctx;

	not_local__judge(rc->not_local, hs);
	if (rc->summary)
		summary__add(rc->summary, hs);
	if (rc->store)
		store__add(rc->store, hs, frames);
	/* Like the daemon's mark: a not-local one stays out of the endpoint table and the handshake
	 * metrics, which a spoofed flood in the capture must not fill. */
	if (rc->endpoints && !hs->not_local)
		endpoints__add(rc->endpoints, hs);
	if (rc->endpoints_only)
		return;
	if (rc->metrics) {
		if (!hs->not_local)
			metrics__on_handshake(rc->metrics, hs);
		return;
	}
	if (rc->flagged_only && !hs__flagged(hs))
		return;
	if (rc->explain && !store__wants(hs))
		return;
	if (rc->explain) {
		sbuf__reset(&rc->line);
		report__json(&rc->line, hs);
		cmd__explain_json(rc->out, rc->line.buf, rc->line.len, true);
		return;
	}
	report__json(&rc->line, hs);
	sbuf__putc(&rc->line, '\n');
	if (sbuf_splice__len(&rc->line) >= OUT_BLOCK || rc->line.oom)
		flush_lines(rc);
}

/* Every line collected is written out here, not left in a buffer: whatever is written to stderr
 * next (a corrupt file, --stats) comes after the lines before it. */
static void flush_lines(struct read_ctx *rc)
{
	if (!rc->explain && sbuf_splice__len(&rc->line)) {
		fflush(rc->out);
		sbuf_splice__write(&rc->line, fileno(rc->out));
	}
	sbuf__reset(&rc->line);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Test hook for the dump path without a daemon: serve the store of the files just read on a
 * control socket for SERVE_DUMP_MS (or until killed). */
static int serve_dump(const char *path, struct store *st, const struct endpoints *ep)
{
	struct ctl_opts co = { .path = path, .store = st, .endpoints = ep };
	struct pollfd fds[CTL_MAX_CONNS + 1];
	struct ctl_server *ctl;
	uint64_t end = mono_ms() + SERVE_DUMP_MS;
	int err = 0;

	ctl = ctl__listen(&co, &err);
	if (!ctl) {
		fprintf(stderr, "tlsmon: --serve-dump %s: %s\n", path, strerror(-err));
		return 1;
	}
	fprintf(stderr, "tlsmon: serving dumps on %s (%llu stored)\n", path,
		(unsigned long long)store__stats(st)->entries);
	while (mono_ms() < end) {
		int n = ctl__pollfds(ctl, fds, CTL_MAX_CONNS + 1);

		if (poll(fds, (nfds_t)n, 200) < 0 && errno != EINTR)
			break;
		ctl__handle(ctl, fds, n, mono_ms());
	}
	ctl__close(ctl);
	return 0;
}

static void write_inventory(struct sbuf *out, const struct endpoints *ep)
{
	uint8_t serial[16] = { 1 };
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (getrandom(serial, sizeof(serial), GRND_NONBLOCK) != sizeof(serial))
		serial[0] = 1; /* still a valid serial number, only not a random one */
	cbom__write(out, ep, (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec, serial);
}

static void read_usage(FILE *out)
{
	fprintf(out,
		"usage: tlsmon read [OPTIONS] FILE...\n"
		"Read pcap/pcapng files, plain or gzip-compressed (- is stdin), and print one JSON\n"
		"object per TLS handshake (JSON Lines).\n\n"
		"  --flagged             only handshakes with findings above severity info\n"
		"  --summary             end with a table: handshakes by outcome and version, findings\n"
		"                        by check\n"
		"  --policy KEY=VALUE    override a policy setting (repeatable; see `tlsmon policy`)\n"
		"  --policy-file FILE    policy settings, one KEY = VALUE per line\n"
		"  --max-flows N         concurrent flows tracked (default 65536)\n"
		"  --reasm-bytes SIZE    memory holding out-of-order TCP data, all flows together\n"
		"                        (default 64 MiB; least recently active flows give way)\n"
		"  --metrics             print the Prometheus metrics registry of the files read\n"
		"                        (the exposition `tlsmon run` serves) instead of JSON\n"
		"  --explain             print each flagged or failed handshake as a readable tree\n"
		"                        (see `tlsmon explain`) instead of JSON\n"
		"  --stats               print pipeline counters on stderr at the end\n"
		"  --endpoints[=FORMAT]  print the endpoint tables of the files read (json or text;\n"
		"                        see `tlsmon endpoints`) instead of JSON Lines\n"
		"  --inventory           print the cryptographic inventory of the files read as a\n"
		"                        CycloneDX 1.6 CBOM (see `tlsmon inventory`) instead of JSON\n"
		"  --max-endpoints N     entries of each endpoint table, least recently seen evicted,\n"
		"                        and of the last chains resumed handshakes name (default 1000)\n"
		"  --local-net CIDR[,..] networks that are local (repeatable); a handshake with\n"
		"                        neither end in one gets \"not_local\": true and stays out\n"
		"                        of --metrics and --endpoints (default: all local)\n"
		"  --trust-store FILE|DIR\n"
		"                        CA certificates that untrusted_chain verifies chains\n"
		"                        against: a PEM bundle or a hashed directory (default\n"
		"                        " X509_TRUST_DEFAULT_STORE ")\n"
		"  -j, --jobs N          analyse on N worker threads (1..%d, default 1), flows\n"
		"                        sharded by 4-tuple; each flow's lines keep their\n"
		"                        order, lines of different flows interleave (JSON Lines\n"
		"                        output only, with --flagged, --local-net, --stats)\n"
		"  --sort KEY            hold every line and write them in KEY order at the end;\n"
		"                        KEY is ts: handshake start time, then bytes (the same\n"
		"                        bytes for any -j)\n"
		"  -h, --help            this text\n", READ_MAX_WORKERS);
}

/* Read one file into a fresh engine, or into shared (kept open across files) when given. */
static int read_file(const char *path, const struct engine_opts *eo, struct engine *shared,
		     bool print_stats)
{
	struct pcap_in *in;
	struct engine *e = shared;
	struct frame fr;
	int err = 0, rc;

	/* "-": stdin, a pipe from tcpdump -w - or zcat; ./- names a file called "-" */
	in = strcmp(path, "-") ? pcap_in__open(path, &err) : pcap_in__open_fd(0, &err);
	if (!in) {
		fprintf(stderr, "tlsmon: %s: %s\n", path,
			err == -EINVAL	  ? "not a pcap or pcapng file" :
			err == -EBADMSG ? "corrupt or truncated gzip data" :
					  strerror(-err));
		return err ? err : -EINVAL;
	}
	if (!e)
		e = engine__new(eo);
	if (!e) {
		pcap_in__close(in);
		fprintf(stderr, "tlsmon: out of memory\n");
		return -ENOMEM;
	}
	if (!shared) {
		/* This engine's flows end before the file is closed: its segments can be
		 * remembered by where they lie in it. */
		size_t size;
		const uint8_t *bytes = pcap_in__bytes(in, &size);

		if (bytes)
			engine__keep_input(e, bytes, size);
	}
	while ((rc = pcap_in__next(in, &fr)) > 0)
		engine__feed(e, &fr);
	flush_lines(eo->ctx);
	if (rc < 0)
		fprintf(stderr, "tlsmon: %s: corrupt capture after frame %llu; the rest is skipped\n",
			path, (unsigned long long)fr.number);
	if (shared) {
		pcap_in__close(in);
		return rc < 0 ? rc : 0;
	}
	engine__finish(e);
	pcap_in__close(in);
	flush_lines(eo->ctx);
	if (print_stats) {
		struct pipeline_stats ps = cmd__pipeline_stats(e);

		cmd__print_engine_stats(stderr, path, &ps);
	}
	engine__free(e);
	return rc < 0 ? rc : 0;
}

/* -j N or --sort ts: the JSON lines from read_parallel(). The other outputs sum or merge state
 * across handshakes, which the workers do not share; they are refused (usage error). */
static int read_jobs(const struct read_ctx *rc, const struct engine_opts *eo, uint32_t jobs, bool sort_ts, bool other_output, bool stats,
		     const char *const *local_nets, int n_local_nets, char *const *files, int n_files)
{
	struct read_parallel_opts po = {
		.engine = eo,
		.workers = jobs,
		.sort_ts = sort_ts,
		.flagged_only = rc->flagged_only,
		.stats = stats,
		.local_nets = local_nets,
		.n_local_nets = n_local_nets,
		.out = rc->out,
	};

	if (other_output || rc->explain || rc->endpoints_only) {
		fprintf(stderr, "tlsmon: -j and --sort apply to JSON Lines output only (not with "
				"--summary, --metrics, --explain, --endpoints, --inventory)\n");
		return 2;
	}
	return read_parallel(&po, files, n_files);
}

int cmd_read(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "flagged", no_argument, NULL, 'f' },	   { "summary", no_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'p' }, { "policy-file", required_argument, NULL, 'P' },
		{ "max-flows", required_argument, NULL, 'm' }, { "stats", no_argument, NULL, 'S' },
		{ "reasm-bytes", required_argument, NULL, 'R' },
		{ "explain", no_argument, NULL, 'e' },
		{ "metrics", no_argument, NULL, 'M' },
		{ "endpoints", optional_argument, NULL, 'E' },
		{ "max-endpoints", required_argument, NULL, 'X' },
		{ "inventory", no_argument, NULL, 'V' },
		{ "local-net", required_argument, NULL, 'L' },
		{ "trust-store", required_argument, NULL, 'T' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "sort", required_argument, NULL, 'O' },
		/* test hooks, not in --help: keep flagged handshakes and serve them as the daemon does */
		{ "serve-dump", required_argument, NULL, 'D' },
		{ "keep-flagged", required_argument, NULL, 'K' },
		{ "keep-bytes", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_opts so = { 0 };
	const char *serve = NULL;
	struct read_ctx rc = { .out = stdout };
	struct engine_opts eo = { 0 };
	struct engine *shared = NULL;
	const char *trust_store = NULL;
	char err[256] = "";
	bool metrics = false, ep_text = false, inventory = false;
	uint32_t max_endpoints = EP_DEFAULT_MAX;
	struct policy *policy = policy__new();
	bool summary = false, stats = false;
	const char *local_nets[16];
	int opt, status = 0, n_local_nets = 0;
	uint32_t jobs = 1;
	bool sort_ts = false;

	if (!policy) {
		fprintf(stderr, "tlsmon: out of memory\n");
		return 1;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hj:", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			rc.flagged_only = true;
			break;
		case 's':
			summary = true;
			break;
		case 'S':
			stats = true;
			break;
		case 'e':
			rc.explain = true;
			break;
		case 'M':
			metrics = true;
			break;
		case 'E':
			rc.endpoints_only = true;
			if (optarg && (!strcmp(optarg, "text") || !strcmp(optarg, "json"))) {
				ep_text = !strcmp(optarg, "text");
			} else if (optarg) {
				fprintf(stderr, "tlsmon: --endpoints: expected json or text\n");
				status = 2;
				goto cleanup;
			}
			break;
		case 'V':
			rc.endpoints_only = true;
			inventory = true;
			break;
		case 'X':
			if (parse__u32(optarg, 1, EP_MAX_MAX, &max_endpoints)) {
				fprintf(stderr, "tlsmon: --max-endpoints: expected 1..%u\n", EP_MAX_MAX);
				status = 2;
				goto cleanup;
			}
			break;
		case 'j':
			if (parse__u32(optarg, 1, READ_MAX_WORKERS, &jobs)) {
				fprintf(stderr, "tlsmon: -j: expected 1..%d\n", READ_MAX_WORKERS);
				status = 2;
				goto cleanup;
			}
			break;
		case 'O':
			if (strcmp(optarg, "ts")) {
				fprintf(stderr, "tlsmon: --sort: expected ts\n");
				status = 2;
				goto cleanup;
			}
			sort_ts = true;
			break;
		case 'D':
			serve = optarg;
			break;
		case 'L':
			if (n_local_nets >= 16 || localaddr__add_list(NULL, optarg)) {
				fprintf(stderr, "tlsmon: --local-net: expected CIDRs such as "
						"10.0.0.0/8,fd00::/8 (at most 16 options)\n");
				status = 2;
				goto cleanup;
			}
			local_nets[n_local_nets++] = optarg;
			break;
		case 'T':
			trust_store = optarg;
			break;
		case 'K':
			if (parse__u32(optarg, 1, 1u << 24, &so.max_entries)) {
				fprintf(stderr, "tlsmon: --keep-flagged: expected 1..16777216\n");
				status = 2;
				goto cleanup;
			}
			break;
		case 'B':
			if (parse__size(optarg, &so.max_bytes) || !so.max_bytes) {
				fprintf(stderr, "tlsmon: --keep-bytes: expected a size, e.g. 64M\n");
				status = 2;
				goto cleanup;
			}
			break;
		case 'p':
		case 'P':
			if (cmd__apply_policy_arg(policy, opt == 'P', optarg)) {
				status = 2;
				goto cleanup;
			}
			break;
		case 'm':
			if (parse__u32(optarg, 1, 1u << 24, &eo.max_flows)) {
				fprintf(stderr, "tlsmon: --max-flows: expected 1..16777216\n");
				status = 2;
				goto cleanup;
			}
			break;
		case 'R':
			if (parse__size(optarg, &eo.max_reasm_bytes) || eo.max_reasm_bytes < 65536) {
				fprintf(stderr, "tlsmon: --reasm-bytes: expected a size of at least "
						"64K (e.g. 64M)\n");
				status = 2;
				goto cleanup;
			}
			break;
		case 'h':
			read_usage(stdout);
			goto cleanup;
		default:
			read_usage(stderr);
			status = 2;
			goto cleanup;
		}
	}
	if (optind >= argc) {
		read_usage(stderr);
		status = 2;
		goto cleanup;
	}
	if (jobs > 1 || sort_ts) {
		eo.policy = policy;
		eo.resume_memo_entries = max_endpoints;
		status = read_jobs(&rc, &eo, jobs, sort_ts, summary || metrics || serve, stats,
				   local_nets, n_local_nets, argv + optind, argc - optind);
		goto cleanup;
	}
	if (n_local_nets) {
		rc.not_local = not_local__new(NOT_LOCAL_MARK, false, local_nets, n_local_nets, err,
					      sizeof(err));
		if (!rc.not_local) {
			fprintf(stderr, "tlsmon: %s\n", err);
			status = 1;
			goto cleanup;
		}
	}
	sbuf__init(&rc.line);
	/* JSON Lines only: the other outputs read rc.line's bytes */
	if (!rc.explain && !metrics && !rc.endpoints_only && sbuf_splice__enable(&rc.line)) {
		fprintf(stderr, "tlsmon: out of memory\n");
		status = 1;
		goto cleanup;
	}
	if (summary)
		rc.summary = summary__new();
	if (serve) {
		rc.store = store__new(&so);
		if (!rc.store) {
			fprintf(stderr, "tlsmon: out of memory\n");
			status = 1;
			goto cleanup;
		}
		eo.retain_bytes = SERVE_RETAIN_BYTES;
	}
	/* One store and cache for every file: loading the system bundle costs more than reading a
	 * small capture. */
	eo.trust = x509_trust__new(trust_store, 4096);
	eo.trust_store = trust_store; /* read -j: each worker's engine loads its own */
	if (!eo.trust) {
		fprintf(stderr, "tlsmon: out of memory\n");
		status = 1;
		goto cleanup;
	}
	if (trust_store && x509_trust__load(eo.trust, err, sizeof(err))) {
		fprintf(stderr, "tlsmon: --trust-store %s\n", err);
		status = 2;
		goto cleanup;
	}
	eo.policy = policy;
	eo.resume_memo_entries = max_endpoints;
	eo.on_handshake = on_handshake;
	eo.ctx = &rc;
	if (metrics || rc.endpoints_only || serve) {
		rc.endpoints = endpoints__new(max_endpoints);
		if (!rc.endpoints) {
			fprintf(stderr, "tlsmon: out of memory\n");
			status = 1;
			goto cleanup;
		}
	}
	if (metrics) {
		/* One engine across the files, so the pipeline counters cover them all. */
		rc.metrics = metrics__new();
		shared = rc.metrics ? engine__new(&eo) : NULL;
		if (!shared) {
			fprintf(stderr, "tlsmon: out of memory\n");
			status = 1;
			goto cleanup;
		}
	}
	for (int i = optind; i < argc; i++)
		if (read_file(argv[i], &eo, shared, stats))
			status = 1;
	flush_lines(&rc);
	if (shared) {
		struct metrics_sources src = { 0 };

		engine__finish(shared);
		/* After finish: it moves the counters out of the tables it frees. */
		src.pipeline = cmd__pipeline_stats(shared);
		if (stats)
			cmd__print_engine_stats(stderr, "all files", &src.pipeline);
		sbuf__reset(&rc.line);
		metrics__render(rc.metrics, &src, &rc.line);
		endpoints_out__metrics(&rc.line, rc.endpoints);
		fwrite(rc.line.buf, 1, rc.line.len, stdout);
	} else if (rc.endpoints_only) {
		sbuf__reset(&rc.line);
		if (inventory)
			write_inventory(&rc.line, rc.endpoints);
		else if (ep_text)
			endpoints_out__text(&rc.line, rc.endpoints);
		else
			endpoints_out__json(&rc.line, rc.endpoints);
		fwrite(rc.line.buf, 1, rc.line.len, stdout);
	}
	fflush(stdout);
	if (rc.summary)
		summary__print(rc.summary, stdout);
	summary__free(rc.summary);
	if (serve && serve_dump(serve, rc.store, rc.endpoints))
		status = 1;
cleanup:
	sbuf__free(&rc.line);
	engine__free(shared);
	x509_trust__free(eo.trust);
	metrics__free(rc.metrics);
	endpoints__free(rc.endpoints);
	store__free(rc.store);
	not_local__free(rc.not_local);
	policy__free(policy);
	return status;
}
