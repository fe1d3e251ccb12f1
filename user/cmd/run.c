// SPDX-License-Identifier: GPL-2.0
/* `tlsmon run`: the daemon. Attaches the kernel filter, feeds its frames to the engine, serves
 * /metrics, logs flagged handshakes, and detaches on every exit path. */
#include "cmd/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/ctl.h"
#include "daemon/http.h"
#include "capture/linkwatch.h"
#include "capture/live_bpf.h"
#include "out/metrics.h"
#include "out/endpoints_out.h"
#include "daemon/privs.h"
#include "verdict/engine.h"
#include "out/report.h"
#include "out/store.h"
#include "util/parse.h"

#define MAX_PORTS 64
#define DEFAULT_METRICS_ADDR "127.0.0.1:9879"
/* --retain-bytes (engine_opts.retain_total_bytes). Frames are retained from a connection's SYN
 * until its handshake is decided, tens to hundreds of ms: 4 MiB retains 400-700 full handshakes
 * in flight at once (6-10 KB of frames each), and keeps a flood of 100,000 half-open handshakes
 * within 64 MiB of RSS (bench/README). */
#define DEFAULT_RETAIN_BYTES (4ull << 20)

struct run_opts {
	const char *ifaces[LIVE_BPF_MAX_IFACES];
	int n_ifaces;
	uint16_t ports[MAX_PORTS];
	size_t n_ports;
	const char *metrics_addr;
	const char *log_path;
	const char *user;
	const char *socket_path;
	const char *socket_group;
	const char *dump_dir;
	uint32_t keep_flagged; /* the flagged store (decided handshakes, for dumps) */
	uint64_t keep_bytes;
	uint64_t retain_bytes; /* frames of undecided handshakes; 0 = DEFAULT_RETAIN_BYTES */
	uint64_t ring_bytes; /* the kernel's ring buffer, a power of two; 0 = the default */
	bool log_all;
	enum live_bpf_ingress ingress;
	uint32_t max_flows, budget, snaplen;
	uint32_t max_endpoints;
	int verbose;
};

struct daemon {
	struct run_opts o;
	struct engine *engine;
	struct live_bpf *lb;
	struct metrics *metrics;
	struct http_server *http;
	struct store *store;
	struct endpoints *endpoints;
	struct ctl_server *ctl;
	struct linkwatch *links;
	int log_fd;
	struct sbuf line;
	uint64_t kernel_counters[TLSMON_CTR__COUNT];
	uint64_t start_time_s;
	uint64_t log_errors;
	uint32_t warned; /* bit per first_warnings[] row already logged */
	uint64_t hint_repair_ms; /* last repair of the kernel's flow hint */
	uint64_t hint_repair_started; /* kernel flows started at that time */
	uint64_t hint_repaired; /* slots lowered, all repairs */
};

/* Every HINT_REPAIR_MS while flows start: the kernel's LRU evicts tracking entries silently when
 * flows outnumber --max-flows, and the counts they leave make other packets take the slow path.
 * A repair reads the whole flow map: a few ms for 65,536 entries. */
#define HINT_REPAIR_MS 10000

static uint64_t now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: tlsmon run [OPTIONS]\n"
		"Watch TLS handshakes on network interfaces with eBPF and serve Prometheus metrics.\n\n"
		"  -i, --interface IFACE   interface to watch (repeatable; default: the one carrying\n"
		"                          the default route)\n"
		"  --ports LIST            TCP ports carrying TLS, comma separated (default 443)\n"
		"  --ingress MODE          auto|xdp|xdp-generic|tc (default auto: TC on virtual\n"
		"                          devices such as veth, native XDP on NICs whose driver has it)\n"
		"  --metrics-addr H:P      where /metrics listens (default " DEFAULT_METRICS_ADDR ")\n"
		"  --log FILE              append flagged handshakes as JSON Lines (0600)\n"
		"  --log-all               log every handshake, not only flagged ones\n"
		"  --max-flows N           flows tracked in the kernel and in userspace (default 65536)\n"
		"  --flow-budget BYTES     bytes copied per flow direction before giving up (default 65536)\n"
		"  --snaplen BYTES         bytes copied per frame (default 65535)\n"
		"  --ring-bytes SIZE       ring buffer carrying frames from the kernel, 64K..1G,\n"
		"                          rounded up to a power of two (default %uM)\n"
		"  --socket PATH           control socket for `tlsmon dump` (default " CTL_DEFAULT_PATH ")\n"
		"  --socket-group GROUP    make the socket 0660 for GROUP (default 0600, root only)\n"
		"  --keep-flagged N        the flagged store: decided handshakes (flagged or failed)\n"
		"                          kept with their frames for dumps (default 1000)\n"
		"  --keep-bytes SIZE       memory of the flagged store, e.g. 64M (default 64 MiB)\n"
		"  --max-endpoints N       entries of each endpoint table (servers by address:port\n"
		"                          and SNI, clients by JA4), least recently seen evicted;\n"
		"                          also the bound on the series of each tlsmon_endpoint_*\n"
		"                          and tlsmon_client_class_info metric (default 1000)\n"
		"  --retain-bytes SIZE     memory retaining the frames of handshakes not yet decided,\n"
		"                          which dumps need (default 4 MiB; over it the oldest lose\n"
		"                          theirs); --hold-bytes is an alias (the former name)\n"
		"  --dump-dir DIR          where SIGUSR1 writes a dump (default /var/lib/tlsmon)\n"
		"  --user USER             run as USER once attached (only CAP_BPF is kept either way)\n"
		"  --policy KEY=VALUE      override a policy setting (see `tlsmon policy`)\n"
		"  --policy-file FILE      policy settings, one KEY = VALUE per line\n"
		"  -v, --verbose           libbpf and verifier messages\n"
		"  -h, --help              this text\n",
		TLSMON_DEFAULT_RINGBUF_BYTES >> 20);
}

static int parse_ports(const char *s, struct run_opts *o)
{
	const char *p = s;
	char tok[8];
	uint32_t v;

	o->n_ports = 0;
	for (;;) {
		size_t n = strcspn(p, ",");

		/* Every entry must be a port: "443,,444" and a trailing comma are mistakes. */
		if (!n || n >= sizeof(tok) || o->n_ports >= MAX_PORTS)
			return -1;
		memcpy(tok, p, n);
		tok[n] = '\0';
		if (parse__u32(tok, 1, 65535, &v))
			return -1;
		o->ports[o->n_ports++] = (uint16_t)v;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* The interface of the IPv4 (else IPv6) default route, from procfs. */
static int default_route_iface(char *name, size_t size)
{
	char line[512], ifn[IF_NAMESIZE + 1], dst[64];
	FILE *f = fopen("/proc/net/route", "r");
	int found = 0;

	if (f) {
		while (!found && fgets(line, sizeof(line), f))
			if (sscanf(line, "%16s %63s", ifn, dst) == 2 && !strcmp(dst, "00000000"))
				found = 1;
		fclose(f);
	}
	f = found ? NULL : fopen("/proc/net/ipv6_route", "r");
	if (f) {
		char plen[8], cols[8][64];

		while (!found && fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%63s %7s %63s %63s %63s %63s %63s %63s %63s %16s", dst, plen,
				   cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6],
				   ifn) == 10 &&
			    !strcmp(dst, "00000000000000000000000000000000") && !strcmp(plen, "00") &&
			    strcmp(ifn, "lo"))
				found = 1;
		}
		fclose(f);
	}
	if (!found)
		return -ENOENT;
	snprintf(name, size, "%s", ifn);
	return 0;
}

static void on_frame(void *ctx, const struct frame *f)
{
	struct daemon *d = ctx;

	engine__feed(d->engine, f);
}

static void on_flow_done(void *ctx, const struct tlsmon_flow_key *key)
{
	struct daemon *d = ctx;

	if (!d->lb)
		return; /* shutting down: the programs are already detached */
	/* -ENOENT is normal: the kernel may have evicted or closed the flow already. */
	live_bpf__mark_done(d->lb, key);
}

static void on_handshake(void *ctx, const struct handshake *hs, const struct tlsmon_flow_key *key,
			 const struct engine_frames *frames)
{
	struct daemon *d = ctx;

	metrics__on_handshake(d->metrics, hs);
	/* Refusals (an entry over --keep-bytes) are counted by the store. */
	store__add(d->store, hs, frames);
	endpoints__add(d->endpoints, hs);
	if (d->log_fd < 0 || (!d->o.log_all && !hs__flagged(hs)))
		return;
	sbuf__reset(&d->line);
	report__json(&d->line, hs);
	sbuf__putc(&d->line, '\n');
	/* One write per line with O_APPEND: concurrent readers never see half a line. */
	if (write(d->log_fd, d->line.buf, d->line.len) != (ssize_t)d->line.len && !d->log_errors++)
		fprintf(stderr, "tlsmon: writing %s: %s (further errors counted silently)\n",
			d->o.log_path, strerror(errno));
}

static void render_metrics(void *ctx, struct sbuf *out)
{
	struct daemon *d = ctx;
	const struct store_stats *st = store__stats(d->store);
	struct metrics_sources src = {
		.pipeline = cmd__pipeline_stats(d->engine),
		.kernel_counters = d->kernel_counters,
		.start_time_s = d->start_time_s,
		.flagged_stored = st->entries,
		.flagged_evicted = st->evicted,
		.kernel_hint_repaired = d->hint_repaired,
	};

	live_bpf__read_counters(d->lb, d->kernel_counters);
	metrics__render(d->metrics, &src, out);
	endpoints_out__metrics(out, d->endpoints);
}

static void render_endpoints(void *ctx, struct sbuf *out)
{
	struct daemon *d = ctx;

	endpoints_out__json(out, d->endpoints);
}

static int parse_run_args(int argc, char **argv, struct run_opts *o, struct policy *policy)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "ports", required_argument, NULL, 'P' },
		{ "ingress", required_argument, NULL, 'I' },
		{ "metrics-addr", required_argument, NULL, 'M' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-all", no_argument, NULL, 'A' },
		{ "user", required_argument, NULL, 'u' },
		{ "socket", required_argument, NULL, 'S' },
		{ "socket-group", required_argument, NULL, 'G' },
		{ "keep-flagged", required_argument, NULL, 'k' },
		{ "keep-bytes", required_argument, NULL, 'K' },
		{ "max-endpoints", required_argument, NULL, 'E' },
		{ "retain-bytes", required_argument, NULL, 'H' },
		{ "hold-bytes", required_argument, NULL, 'H' }, /* the former name of --retain-bytes */
		{ "dump-dir", required_argument, NULL, 'D' },
		{ "max-flows", required_argument, NULL, 'm' },
		{ "flow-budget", required_argument, NULL, 'b' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "ring-bytes", required_argument, NULL, 'R' },
		{ "policy", required_argument, NULL, 'p' },
		{ "policy-file", required_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, longidx = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:vh", opts, &longidx)) != -1) {
		switch (opt) {
		case 'i':
			if (o->n_ifaces >= LIVE_BPF_MAX_IFACES) {
				fprintf(stderr, "tlsmon: at most %d interfaces\n", LIVE_BPF_MAX_IFACES);
				return -1;
			}
			o->ifaces[o->n_ifaces++] = optarg;
			break;
		case 'P':
			if (parse_ports(optarg, o)) {
				fprintf(stderr, "tlsmon: --ports: expected a comma separated list of "
						"1..65535 (at most %d)\n", MAX_PORTS);
				return -1;
			}
			break;
		case 'I':
			if (live_bpf__parse_ingress(optarg, &o->ingress)) {
				fprintf(stderr, "tlsmon: --ingress: expected auto, xdp, xdp-generic or tc\n");
				return -1;
			}
			break;
		case 'M':
			o->metrics_addr = optarg;
			break;
		case 'l':
			o->log_path = optarg;
			break;
		case 'A':
			o->log_all = true;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'S':
			o->socket_path = optarg;
			break;
		case 'G':
			o->socket_group = optarg;
			break;
		case 'D':
			o->dump_dir = optarg;
			break;
		case 'k':
			if (parse__u32(optarg, 1, 1u << 24, &o->keep_flagged)) {
				fprintf(stderr, "tlsmon: --keep-flagged: expected 1..16777216\n");
				return -1;
			}
			break;
		case 'E':
			if (parse__u32(optarg, 1, EP_MAX_MAX, &o->max_endpoints)) {
				fprintf(stderr, "tlsmon: --max-endpoints: expected 1..%u\n",
					EP_MAX_MAX);
				return -1;
			}
			break;
		case 'K':
			if (parse__size(optarg, &o->keep_bytes) || o->keep_bytes < 65536) {
				fprintf(stderr, "tlsmon: --keep-bytes: expected a size of at least 64K "
						"(e.g. 64M, 1G)\n");
				return -1;
			}
			break;
		case 'H':
			if (parse__size(optarg, &o->retain_bytes) || o->retain_bytes < 65536) {
				/* Named as given: --retain-bytes or its alias --hold-bytes. */
				fprintf(stderr, "tlsmon: --%s: expected a size of at least 64K "
						"(e.g. 16M)\n", opts[longidx].name);
				return -1;
			}
			break;
		case 'm':
			if (parse__u32(optarg, 16, 1u << 24, &o->max_flows)) {
				fprintf(stderr, "tlsmon: --max-flows: expected 16..16777216\n");
				return -1;
			}
			break;
		case 'b':
			if (parse__u32(optarg, 1024, 1u << 30, &o->budget)) {
				fprintf(stderr, "tlsmon: --flow-budget: expected 1024..1073741824 bytes\n");
				return -1;
			}
			break;
		case 's':
			if (parse__u32(optarg, 128, 262144, &o->snaplen)) {
				fprintf(stderr, "tlsmon: --snaplen: expected 128..262144 bytes\n");
				return -1;
			}
			break;
		case 'R': {
			uint64_t asked = 0;

			if (parse__pow2_size(optarg, LIVE_BPF_RINGBUF_MIN, LIVE_BPF_RINGBUF_MAX,
						 &o->ring_bytes)) {
				fprintf(stderr, "tlsmon: --ring-bytes: expected a size from 64K to 1G "
						"(e.g. 16M)\n");
				return -1;
			}
			/* Say so rather than use more memory than asked for silently. */
			if (!parse__size(optarg, &asked) && asked != o->ring_bytes)
				fprintf(stderr, "tlsmon: --ring-bytes %s rounded up to %llu bytes "
						"(a power of two)\n", optarg,
					(unsigned long long)o->ring_bytes);
			break;
		}
		case 'p':
		case 'F':
			if (cmd__apply_policy_arg(policy, opt == 'F', optarg))
				return -1;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			run_usage(stdout);
			return 1;
		default:
			run_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tlsmon run: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int daemon_start(struct daemon *d, const struct policy *policy)
{
	struct live_bpf_opts lo = {
		.ports = d->o.ports,
		.nports = d->o.n_ports,
		.max_flows = d->o.max_flows,
		.budget = d->o.budget,
		.snaplen = d->o.snaplen,
		.ringbuf_bytes = (uint32_t)d->o.ring_bytes,
		.verbose = d->o.verbose,
		.on_frame = on_frame,
		.ctx = d,
	};
	struct engine_opts eo = {
		.max_flows = d->o.max_flows,
		.policy = policy,
		.on_handshake = on_handshake,
		.on_flow_done = on_flow_done,
		.retain_bytes = 256 * 1024,
		/* A flood of handshakes that never finish must not retain more than this. */
		.retain_total_bytes = d->o.retain_bytes ? d->o.retain_bytes : DEFAULT_RETAIN_BYTES,
		.ctx = d,
	};
	struct store_opts so = { .max_entries = d->o.keep_flagged, .max_bytes = d->o.keep_bytes };
	struct ctl_opts co = { .path = d->o.socket_path, .group = d->o.socket_group };
	char err[256] = "";
	int rc;

	d->endpoints = endpoints__new(d->o.max_endpoints ? d->o.max_endpoints : EP_DEFAULT_MAX);
	if (!d->endpoints) {
		fprintf(stderr, "tlsmon: out of memory\n");
		return -ENOMEM;
	}
	co.endpoints = d->endpoints;
	d->metrics = metrics__new();
	d->engine = engine__new(&eo);
	d->store = store__new(&so);
	if (!d->metrics || !d->engine || !d->store) {
		fprintf(stderr, "tlsmon: out of memory\n");
		return -ENOMEM;
	}
	if (d->o.log_path) {
		d->log_fd = open(d->o.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (d->log_fd < 0) {
			fprintf(stderr, "tlsmon: --log %s: %s\n", d->o.log_path, strerror(errno));
			return -errno;
		}
	}
	d->http = http__listen(d->o.metrics_addr, render_metrics, d, &rc);
	if (!d->http) {
		fprintf(stderr, "tlsmon: --metrics-addr %s: %s\n", d->o.metrics_addr,
			rc == -EINVAL ? "expected HOST:PORT" : strerror(-rc));
		return rc;
	}
	http__set_endpoints(d->http, render_endpoints, d);
	d->lb = live_bpf__open(&lo, err, sizeof(err));
	if (!d->lb) {
		fprintf(stderr, "tlsmon: %s\n", err);
		return -1;
	}
	for (int i = 0; i < d->o.n_ifaces; i++) {
		rc = live_bpf__attach(d->lb, d->o.ifaces[i], d->o.ingress, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "tlsmon: %s\n", err);
			return rc;
		}
		fprintf(stderr, "tlsmon: watching %s (ingress %s, egress tc)\n", d->o.ifaces[i],
			live_bpf__ingress_name(live_bpf__ingress_of(d->lb, d->o.ifaces[i])));
	}
	fprintf(stderr, "tlsmon: metrics on http://%s/metrics\n", d->o.metrics_addr);
	d->links = linkwatch__open(d->o.ifaces, d->o.n_ifaces, &rc);
	if (!d->links)
		fprintf(stderr, "tlsmon: interface changes will not be logged: %s\n", strerror(-rc));
	co.store = d->store;
	d->ctl = ctl__listen(&co, &rc);
	if (!d->ctl && (d->o.socket_path || rc != -EADDRINUSE)) {
		fprintf(stderr, "tlsmon: control socket %s: %s\n",
			d->o.socket_path ? d->o.socket_path : CTL_DEFAULT_PATH,
			rc == -EADDRINUSE ? "another tlsmon is serving it" : strerror(-rc));
		return rc;
	}
	/* A second instance (another interface set) keeps monitoring; only dumps need a socket. */
	if (!d->ctl)
		fprintf(stderr, "tlsmon: control socket %s is served by another tlsmon: dumps are "
				"off for this one (give it --socket PATH)\n", CTL_DEFAULT_PATH);
	else
		fprintf(stderr, "tlsmon: control socket %s\n",
			d->o.socket_path ? d->o.socket_path : CTL_DEFAULT_PATH);
	/* The default socket lives in tlsmon's own runtime directory: hand it to --user, so the
	 * daemon can still remove its socket when it exits. */
	if (d->ctl && d->o.user && !d->o.socket_path) {
		struct passwd *pw = getpwnam(d->o.user);

		if (pw && chown(CTL_RUNTIME_DIR, pw->pw_uid, (gid_t)-1))
			fprintf(stderr, "tlsmon: chown %s: %s\n", CTL_RUNTIME_DIR, strerror(errno));
	}
	/* Attached and bound: from here on only bpf(2) on our own maps is needed. */
	rc = privs__drop(d->o.user, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "tlsmon: %s\n", err);
		return rc;
	}
	return 0;
}

static void daemon_stop(struct daemon *d)
{
	/* Detach first: nothing may stay on the interfaces whatever else fails. */
	live_bpf__close(d->lb);
	d->lb = NULL;
	http__close(d->http);
	ctl__close(d->ctl);
	linkwatch__close(d->links);
	if (d->engine) {
		engine__finish(d->engine);
		engine__free(d->engine);
	}
	metrics__free(d->metrics);
	store__free(d->store);
	endpoints__free(d->endpoints);
	if (d->log_fd >= 0)
		close(d->log_fd);
	sbuf__free(&d->line);
}

/* SIGUSR1: the daemon writes a dump of everything it holds into --dump-dir itself. */
static void dump_on_signal(struct daemon *d)
{
	const char *dir = d->o.dump_dir ? d->o.dump_dir : "/var/lib/tlsmon";
	char pcap_path[PATH_MAX], json_path[PATH_MAX];
	struct store_dump_info info;
	int rc;

	rc = store__dump_to_dir(d->store, dir, PCAP_FMT_PCAPNG, false, 0, pcap_path, json_path,
				sizeof(pcap_path), &info);
	if (rc)
		fprintf(stderr, "tlsmon: SIGUSR1 dump into %s: %s\n", dir, strerror(-rc));
	else
		fprintf(stderr, "tlsmon: dumped %s and %s\n", pcap_path, json_path);
}

/* Bad input and overload are counted always and logged once, on first sight, so the log points
 * at the counter without flooding. */
static void warn_first(struct daemon *d)
{
	const struct engine_stats *es = engine__stats(d->engine);
	const struct tls_stats *ts = engine__tls_stats(d->engine);
	const uint64_t *k = d->kernel_counters;
	const struct {
		uint64_t value;
		const char *what;
	} rows[] = {
		{ k[TLSMON_CTR_RINGBUF_FULL], "the ring buffer was full: frames were dropped "
					      "(tlsmon_ringbuf_dropped_total)" },
		{ k[TLSMON_CTR_BUDGET_EXHAUSTED], "a flow spent its copy budget before its "
						  "handshake was decided (tlsmon_flow_budget_exhausted_total)" },
		{ k[TLSMON_CTR_FLOW_INSERT_FAILED], "the kernel flow map refused a flow "
						    "(tlsmon_kernel_flows_total{result=\"insert_failed\"})" },
		{ engine__flow_stats(d->engine)->evicted, "the flow table was full: the oldest flow "
							  "was evicted (tlsmon_flows_evicted_total)" },
		{ es->decode_errors, "a malformed frame (tlsmon_parse_errors_total{stage=\"frame\"})" },
		{ ts->malformed, "a malformed TLS record "
				 "(tlsmon_parse_errors_total{stage=\"tls_record\"})" },
		{ ts->oversized, "a handshake message over the size limit "
				 "(tlsmon_parse_errors_total{stage=\"tls_oversized\"})" },
		{ es->msg_parse_errors, "a handshake message that did not parse "
					"(tlsmon_parse_errors_total{stage=\"handshake\"})" },
		{ es->cert_parse_errors, "a certificate OpenSSL could not parse "
					 "(tlsmon_parse_errors_total{stage=\"certificate\"})" },
	};

	live_bpf__read_counters(d->lb, d->kernel_counters);
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!rows[i].value || (d->warned & (1u << i)))
			continue;
		d->warned |= 1u << i;
		fprintf(stderr, "tlsmon: first time: %s; further ones are only counted\n",
			rows[i].what);
	}
}

static void repair_hint(struct daemon *d)
{
	uint64_t now = now_ms(CLOCK_MONOTONIC), started;
	int rc;

	if (now - d->hint_repair_ms < HINT_REPAIR_MS)
		return;
	started = d->kernel_counters[TLSMON_CTR_FLOWS_STARTED]; /* as warn_first() just read them */
	if (started == d->hint_repair_started)
		return;
	d->hint_repair_ms = now;
	d->hint_repair_started = started;
	rc = live_bpf__hint_repair(d->lb);
	if (rc > 0)
		d->hint_repaired += (uint64_t)rc;
	/* a failure only leaves the counts high, as they were */
}

static int event_loop(struct daemon *d, volatile sig_atomic_t *stop, volatile sig_atomic_t *dump)
{
	struct pollfd fds[1 + 1 + HTTP_MAX_CONNS + 1 + CTL_MAX_CONNS + 1];
	const int max = (int)(sizeof(fds) / sizeof(fds[0]));
	uint64_t last_tick = now_ms(CLOCK_MONOTONIC);
	int n, n_http, n_ctl, rc;

	while (!*stop) {
		fds[0] = (struct pollfd){ .fd = live_bpf__fd(d->lb), .events = POLLIN };
		n_http = http__pollfds(d->http, fds + 1, max - 1);
		n_ctl = d->ctl ? ctl__pollfds(d->ctl, fds + 1 + n_http, max - 1 - n_http) : 0;
		n = 1 + n_http + n_ctl;
		if (d->links)
			fds[n++] = (struct pollfd){ .fd = linkwatch__fd(d->links), .events = POLLIN };
		rc = poll(fds, (nfds_t)n, 1000);
		if (rc < 0 && errno != EINTR) {
			fprintf(stderr, "tlsmon: poll: %s\n", strerror(errno));
			return -errno;
		}
		/* Drain the ring buffer first: it is what can overflow. */
		rc = live_bpf__consume(d->lb);
		if (rc < 0 && rc != -EINTR) {
			fprintf(stderr, "tlsmon: ring buffer: %s\n", strerror(-rc));
			return rc;
		}
		http__handle(d->http, fds + 1, n_http, now_ms(CLOCK_MONOTONIC));
		if (d->ctl)
			ctl__handle(d->ctl, fds + 1 + n_http, n_ctl, now_ms(CLOCK_MONOTONIC));
		if (d->links && fds[n - 1].revents && !linkwatch__handle(d->links, stderr)) {
			fprintf(stderr, "tlsmon: every watched interface is gone; exiting\n");
			return -ENODEV;
		}
		if (*dump) {
			*dump = 0;
			dump_on_signal(d);
		}
		if (now_ms(CLOCK_MONOTONIC) - last_tick >= 1000) {
			last_tick = now_ms(CLOCK_MONOTONIC);
			engine__tick(d->engine, now_ms(CLOCK_REALTIME) * 1000000ull);
			warn_first(d);
			repair_hint(d);
		}
	}
	return 0;
}

int cmd_run(int argc, char **argv, volatile sig_atomic_t *stop, volatile sig_atomic_t *dump)
{
	struct daemon d = { .log_fd = -1 };
	struct policy *policy = policy__new();
	char ifname[IF_NAMESIZE + 1];
	int rc;

	if (!policy)
		return 1;
	d.o.ports[0] = 443;
	d.o.n_ports = 1;
	d.o.metrics_addr = DEFAULT_METRICS_ADDR;
	d.o.ingress = LIVE_BPF_INGRESS_AUTO;
	sbuf__init(&d.line);
	rc = parse_run_args(argc, argv, &d.o, policy);
	if (rc) {
		policy__free(policy);
		return rc > 0 ? 0 : 2;
	}
	if (!d.o.n_ifaces) {
		if (default_route_iface(ifname, sizeof(ifname))) {
			fprintf(stderr, "tlsmon: no default route to pick an interface from; use -i IFACE\n");
			policy__free(policy);
			return 1;
		}
		d.o.ifaces[d.o.n_ifaces++] = ifname;
	}
	d.start_time_s = now_ms(CLOCK_REALTIME) / 1000;
	rc = daemon_start(&d, policy);
	if (!rc)
		rc = event_loop(&d, stop, dump);
	daemon_stop(&d);
	policy__free(policy);
	if (!rc)
		fprintf(stderr, "tlsmon: stopped; programs detached\n");
	return rc ? 1 : 0;
}
