// SPDX-License-Identifier: GPL-2.0
/* `tlsmon run`: the daemon. Attaches the kernel filter, feeds its frames to the engine, serves
 * /metrics, logs flagged handshakes, and detaches on every exit path. */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "live_bpf.h"
#include "metrics.h"
#include "report.h"

#define MAX_PORTS 64
#define DEFAULT_METRICS_ADDR "127.0.0.1:9879"

_Static_assert(sizeof(struct flow_key) == sizeof(struct tlsmon_flow_key),
	       "userspace and kernel flow keys must share one layout");

struct run_opts {
	const char *ifaces[LIVE_BPF_MAX_IFACES];
	int n_ifaces;
	uint16_t ports[MAX_PORTS];
	size_t n_ports;
	const char *metrics_addr;
	const char *log_path;
	bool log_all;
	enum live_bpf_ingress ingress;
	uint32_t max_flows, budget, snaplen;
	int verbose;
};

struct daemon {
	struct run_opts o;
	struct engine *engine;
	struct live_bpf *lb;
	struct metrics *metrics;
	struct http_server *http;
	int log_fd;
	struct sbuf line;
	uint64_t kernel_counters[TLSMON_CTR__COUNT];
	uint64_t start_time_s;
	uint64_t log_errors;
};

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
		"  --policy KEY=VALUE      override a policy setting (see `tlsmon policy`)\n"
		"  --policy-file FILE      policy settings, one KEY = VALUE per line\n"
		"  -v, --verbose           libbpf and verifier messages\n"
		"  -h, --help              this text\n");
}

static int parse_ports(const char *s, struct run_opts *o)
{
	char *copy = strdup(s), *save = NULL, *tok;
	uint32_t v;
	int rc = 0;

	if (!copy)
		return -1;
	o->n_ports = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->n_ports >= MAX_PORTS || cmd__parse_u32(tok, 1, 65535, &v)) {
			rc = -1;
			break;
		}
		o->ports[o->n_ports++] = (uint16_t)v;
	}
	free(copy);
	return o->n_ports ? rc : -1;
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

static void on_flow_done(void *ctx, const struct flow_key *key)
{
	struct daemon *d = ctx;
	struct tlsmon_flow_key k;

	memcpy(&k, key, sizeof(k));
	/* -ENOENT is normal: the kernel may have evicted or closed the flow already. */
	live_bpf__mark_done(d->lb, &k);
}

static void on_handshake(void *ctx, const struct handshake *hs, const struct flow_key *key)
{
	struct daemon *d = ctx;

	metrics__on_handshake(d->metrics, hs);
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
	struct metrics_sources src = {
		.engine = d->engine,
		.kernel_counters = d->kernel_counters,
		.start_time_s = d->start_time_s,
	};

	live_bpf__read_counters(d->lb, d->kernel_counters);
	metrics__render(d->metrics, &src, out);
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
		{ "max-flows", required_argument, NULL, 'm' },
		{ "flow-budget", required_argument, NULL, 'b' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'p' },
		{ "policy-file", required_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:vh", opts, NULL)) != -1) {
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
		case 'm':
			if (cmd__parse_u32(optarg, 16, 1u << 24, &o->max_flows)) {
				fprintf(stderr, "tlsmon: --max-flows: expected 16..16777216\n");
				return -1;
			}
			break;
		case 'b':
			if (cmd__parse_u32(optarg, 1024, 1u << 30, &o->budget)) {
				fprintf(stderr, "tlsmon: --flow-budget: expected 1024..1073741824 bytes\n");
				return -1;
			}
			break;
		case 's':
			if (cmd__parse_u32(optarg, 128, 262144, &o->snaplen)) {
				fprintf(stderr, "tlsmon: --snaplen: expected 128..262144 bytes\n");
				return -1;
			}
			break;
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
		.verbose = d->o.verbose,
		.on_frame = on_frame,
		.ctx = d,
	};
	struct engine_opts eo = {
		.max_flows = d->o.max_flows,
		.policy = policy,
		.on_handshake = on_handshake,
		.on_flow_done = on_flow_done,
		.ctx = d,
	};
	char err[256] = "";
	int rc;

	d->metrics = metrics__new();
	d->engine = engine__new(&eo);
	if (!d->metrics || !d->engine) {
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
	return 0;
}

static void daemon_stop(struct daemon *d)
{
	/* Detach first: nothing may stay on the interfaces whatever else fails. */
	live_bpf__close(d->lb);
	d->lb = NULL;
	http__close(d->http);
	if (d->engine) {
		engine__finish(d->engine);
		engine__free(d->engine);
	}
	metrics__free(d->metrics);
	if (d->log_fd >= 0)
		close(d->log_fd);
	sbuf__free(&d->line);
}

static int event_loop(struct daemon *d, volatile sig_atomic_t *stop)
{
	struct pollfd fds[1 + 1 + HTTP_MAX_CONNS];
	uint64_t last_tick = now_ms(CLOCK_MONOTONIC);
	int n, rc;

	while (!*stop) {
		fds[0] = (struct pollfd){ .fd = live_bpf__fd(d->lb), .events = POLLIN };
		n = 1 + http__pollfds(d->http, fds + 1, (int)(sizeof(fds) / sizeof(fds[0])) - 1);
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
		if (n > 1)
			http__handle(d->http, fds + 1, n - 1, now_ms(CLOCK_MONOTONIC));
		if (now_ms(CLOCK_MONOTONIC) - last_tick >= 1000) {
			last_tick = now_ms(CLOCK_MONOTONIC);
			engine__tick(d->engine, now_ms(CLOCK_REALTIME) * 1000000ull);
		}
	}
	return 0;
}

int cmd_run(int argc, char **argv, volatile sig_atomic_t *stop)
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
		rc = event_loop(&d, stop);
	daemon_stop(&d);
	policy__free(policy);
	if (!rc)
		fprintf(stderr, "tlsmon: stopped; programs detached\n");
	return rc ? 1 : 0;
}
