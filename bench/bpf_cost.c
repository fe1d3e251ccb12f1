// SPDX-License-Identifier: GPL-2.0
/* Kernel filter cost per packet class through BPF_PROG_TEST_RUN, against empty XDP and TC programs
 * (bench/empty.bpf.c, loaded with plain libbpf) measured in the same run. The machine is shared, so
 * rounds of every class are interleaved and the fastest round counts for each.
 *
 * Usage: bpf_cost [-e EMPTY.bpf.o] [-n REPEATS] [-r ROUNDS] [-o CLASS]   (root)
 * Prints `bench: bpf_<hook>_<class> NS ns/pkt ratio=R vs empty_<hook>` lines and a table. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture/live_bpf.h"
#include "encap_build.h"

#define MAX_PKT 1600
/* Copying classes run in batches that fill at most 7/8 of the ring buffer, drained between calls.
 * Large batches matter for XDP: each call with repeat > 1 swaps the XDP dispatcher (milliseconds,
 * outside the kernel's timer but inside the wall clock). */
#define RINGBUF_BYTES (64u << 20)
#define REC_OVERHEAD 48 /* ring header 8 + tlsmon_rec_hdr 32, rounded up to 8 */

enum { H_XDP, H_TC_IN, H_TC_OUT, H__N };

static const char *const hook_name[H__N] = { "xdp", "tc_in", "tc_out" };
static const int hook_id[H__N] = { TLSMON_HOOK_XDP, TLSMON_HOOK_TC_INGRESS,
				   TLSMON_HOOK_TC_EGRESS };

struct pclass {
	const char *name;
	const char *what;
	double goal; /* ratio to the empty program, 0 = report only */
	int copies; /* every run copies the frame to the ring buffer */
	int done_flow; /* the flow is marked done before the run */
	uint16_t sport, dport;
	uint8_t proto; /* 0 = ARP */
	uint8_t tcp_flags;
	uint8_t rec_type; /* first payload byte: TLS content type */
	size_t plen;
	const char *encap; /* tools/encap_build.h spec the frame is wrapped in, or NULL */
	uint8_t pkt[MAX_PKT];
	size_t len;
	double best_ns[H__N], wall_ns[H__N];
};

#define CLS(n, w, g, cp, dn, sp, dp, pr, tf, rt, pl)                                              \
	{ .name = n, .what = w, .goal = g, .copies = cp, .done_flow = dn, .sport = sp, .dport = dp, \
	  .proto = pr, .tcp_flags = tf, .rec_type = rt, .plen = pl }

static struct pclass classes[] = {
	/* goals of issue 16 item 6 */
	CLS("non_ip", "ARP request", 1.1, 0, 0, 0, 0, 0, 0, 0, 0),
	CLS("udp", "UDP to port 443", 1.1, 0, 0, 40000, 443, 17, 0, 0, 100),
	CLS("tcp_other", "TCP data to port 80", 1.15, 0, 0, 40000, 80, 6, 0x18, 0x17, 100),
	CLS("untracked443", "443 app data, flow not tracked", 2.0, 0, 0, 40001, 443, 6, 0x18, 0x17,
	    100),
	CLS("done443", "443 app data, flow marked done", 2.0, 0, 1, 40002, 443, 6, 0x18, 0x17, 100),
	/* FIN set: the filter copies a repeat of sequence space it already copied only for FIN/RST
	 * (bpf/tlsmon.bpf.c seq_new()), and every repeat here is the same segment; the copy is the
	 * same code either way. */
	CLS("hs_copy_small", "ClientHello-sized handshake, copied", 0, 1, 0, 40003, 443, 6, 0x19, 0x16,
	    212),
	CLS("hs_copy_mtu", "MTU-sized handshake segment, copied", 0, 1, 0, 443, 40004, 6, 0x11,
	    0x16, 1448),
/* tcp_other inside each encapsulation: the walk through it, for a packet that is not TLS.
 * Reported, not held to a goal: the goals are for the plain classes above, which the walk must
 * not slow (it runs only for packets whose IP protocol or ethertype names a tunnel). */
#define ENC(n, w, spec)                                                                          \
	{ .name = n, .what = w, .goal = 0, .sport = 40000, .dport = 80, .proto = 6,             \
	  .tcp_flags = 0x18, .rec_type = 0x17, .plen = 100, .encap = spec }
	ENC("enc_pppoe", "TCP to 80 in a PPPoE session", "pppoe:7"),
	ENC("enc_mpls", "TCP to 80 under 2 MPLS labels", "mpls:100"),
	ENC("enc_gre", "TCP to 80 in GRE", "gre"),
	ENC("enc_gre_key", "TCP to 80 in GRE with csum, key, seq", "gre-all:7"),
	ENC("enc_gre_eth", "TCP to 80 in GRE Ethernet bridging", "gre-eth:7"),
	ENC("enc_vxlan", "TCP to 80 in VXLAN", "vxlan:42"),
	ENC("enc_geneve", "TCP to 80 in GENEVE with an option", "geneve:42"),
	ENC("enc_ipip", "TCP to 80 in IPv4-in-IPv4", "ipip"),
	ENC("enc_ipip6", "TCP to 80 in IPv4-in-IPv6", "ipip6"),
	ENC("enc_nested", "TCP to 80 in MPLS / VXLAN", "mpls:5/vxlan:9"),
	{ .name = "enc_vxlan443", .what = "443 app data in VXLAN, not tracked", .goal = 0,
	  .sport = 40005, .dport = 443, .proto = 6, .tcp_flags = 0x18, .rec_type = 0x17, .plen = 100,
	  .encap = "vxlan:42" },
};

#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

static uint64_t frames_seen;

static void on_frame(void *ctx, const struct frame *f)
{
	(void)ctx;
	(void)f;
	frames_seen++;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	return put16(put16(p, (uint16_t)(v >> 16)), (uint16_t)v);
}

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet + IPv4 + TCP/UDP, or an ARP request; the payload is a TLS record header of rec_type
 * followed by filler. The client (10.0.0.1) is the side not on port 443. */
static size_t build(const struct pclass *c, uint16_t sport, uint16_t dport, uint8_t tcp_flags,
		    size_t plen, uint8_t *buf)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	size_t l4 = c->proto == 17 ? 8 : 20;
	uint8_t *p = buf, *ip;

	memcpy(p, mac, 12);
	p += 12;
	if (!c->proto) {
		p = put16(p, 0x0806);
		memset(p, 0x11, 46);
		return 60;
	}
	p = put16(p, 0x0800);
	ip = p;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + l4 + plen));
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = c->proto;
	memcpy(ip + 12, sport == 443 ? "\x0a\x00\x00\x02" : "\x0a\x00\x00\x01", 4);
	memcpy(ip + 16, sport == 443 ? "\x0a\x00\x00\x01" : "\x0a\x00\x00\x02", 4);
	put16(ip + 10, ip_csum(ip, 20));
	p += 20;
	p = put16(p, sport);
	p = put16(p, dport);
	if (c->proto == 17) {
		p = put16(p, (uint16_t)(8 + plen));
		p = put16(p, 0);
	} else {
		p = put32(p, 0x10000001);
		p = put32(p, 0x20000001);
		*p++ = 5 << 4;
		*p++ = tcp_flags;
		p = put16(p, 512);
		p = put32(p, 0);
	}
	for (size_t i = 0; i < plen; i++)
		p[i] = (uint8_t)(i * 13 + 7);
	if (plen >= 5) {
		p[0] = c->rec_type;
		p[1] = 3;
		p[2] = c->rec_type == 0x16 && plen < 1000 ? 1 : 3;
		put16(p + 3, (uint16_t)(plen - 5));
		if (c->rec_type == 0x16)
			p[5] = plen < 1000 ? 1 : 11; /* ClientHello / Certificate */
	}
	return (size_t)(p + plen - buf);
}

/* build(), then wrapped in c->encap (outer addresses by direction). */
static size_t build_class(const struct pclass *c, uint16_t sport, uint16_t dport,
			  uint8_t tcp_flags, size_t plen, uint8_t *buf)
{
	struct encap_layer l[ENCAP_BUILD_MAX];
	uint8_t plain[MAX_PKT], tmp[MAX_PKT];
	size_t len;
	int n;

	if (!c->encap)
		return build(c, sport, dport, tcp_flags, plen, buf);
	len = build(c, sport, dport, tcp_flags, plen, plain);
	n = encap_parse_spec(c->encap, l, ENCAP_BUILD_MAX);
	if (n <= 0)
		return 0;
	return encap_wrap_all(buf, tmp, MAX_PKT, plain, len, l, n, sport == 443);
}

/* One BPF_PROG_TEST_RUN call: wall ns, and the kernel's own ns per repeat, which excludes the
 * harness's per-call work and any time the task was scheduled out, but is rounded down to 1 ns. */
static int test_run(int fd, const uint8_t *pkt, size_t len, uint32_t repeat, uint64_t *wall,
		    uint32_t *kern)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (uint32_t)len,
		    .repeat = repeat);
	uint64_t t0 = now_ns();
	int e = bpf_prog_test_run_opts(fd, &o);

	*wall = now_ns() - t0;
	*kern = o.duration;
	if (e) {
		fprintf(stderr, "bpf_cost: test_run: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int counter_sum(struct live_bpf *lb, int id, uint64_t *v)
{
	uint64_t c[TLSMON_CTR__COUNT];

	if (live_bpf__read_counters(lb, c))
		return -1;
	*v = c[id];
	return 0;
}

/* Time `repeats` runs of one class on one program. Copying classes use a fresh flow (a new
 * client port, so the per-direction byte counter never wraps) and drain the ring between
 * batches; the drain is not timed. Returns the kernel-timed ns per packet plus 0.5 (the middle of
 * the 1 ns the kernel rounds down), or -1; *wall_ns gets the wall-clock ns per packet. */
static double measure(struct live_bpf *lb, int fd, struct pclass *c, int hook, uint32_t repeats,
		      uint16_t port_salt, double *wall_ns, int *bad)
{
	uint8_t pkt[MAX_PKT];
	uint64_t wall, total = 0, kern_total = 0, copied0 = 0, copied1 = 0, seen0 = frames_seen;
	uint32_t kern, done = 0, batch;
	size_t len = c->len;

	memcpy(pkt, c->pkt, len);
	if (c->copies) {
		uint16_t cport = (uint16_t)(c->sport == 443 ? c->dport : c->sport) + port_salt;

		len = build_class(c, c->sport == 443 ? 443 : cport, c->sport == 443 ? cport : 443,
				  c->tcp_flags, c->plen, pkt);
		if (hook >= 0)
			counter_sum(lb, TLSMON_CTR_COPIED_XDP + hook_id[hook], &copied0);
	}
	while (done < repeats) {
		batch = c->copies ? RINGBUF_BYTES / 8 * 7 / (uint32_t)(len + REC_OVERHEAD) : repeats;
		if (batch > repeats - done)
			batch = repeats - done;
		if (test_run(fd, pkt, len, batch, &wall, &kern))
			return -1;
		total += wall;
		kern_total += (uint64_t)kern * batch;
		done += batch;
		if (lb && live_bpf__consume(lb) < 0)
			return -1;
	}
	if (lb && c->copies && hook >= 0) {
		counter_sum(lb, TLSMON_CTR_COPIED_XDP + hook_id[hook], &copied1);
		if (copied1 - copied0 != repeats || frames_seen - seen0 != repeats) {
			fprintf(stderr, "bpf_cost: %s/%s copied %llu of %u (records %llu)\n",
				hook_name[hook], c->name, (unsigned long long)(copied1 - copied0),
				repeats, (unsigned long long)(frames_seen - seen0));
			*bad = 1;
		}
	} else if (lb && frames_seen != seen0) {
		fprintf(stderr, "bpf_cost: %s/%s copied a frame that should pass\n",
			hook >= 0 ? hook_name[hook] : "?", c->name);
		*bad = 1;
	}
	*wall_ns = (double)total / repeats;
	return (double)kern_total / repeats + 0.5;
}

static int prog_fd_by_name(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	return p ? bpf_program__fd(p) : -1;
}

static struct bpf_object *load_baselines(const char *path, int fd[H__N], int count_fd[H__N],
					 int *lookup_fd)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);

	if (!obj) {
		fprintf(stderr, "bpf_cost: open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "bpf_cost: load %s: %s\n", path, strerror(errno));
		bpf_object__close(obj);
		return NULL;
	}
	fd[H_XDP] = prog_fd_by_name(obj, "empty_xdp");
	fd[H_TC_IN] = fd[H_TC_OUT] = prog_fd_by_name(obj, "empty_tc");
	count_fd[H_XDP] = prog_fd_by_name(obj, "count_xdp");
	count_fd[H_TC_IN] = count_fd[H_TC_OUT] = prog_fd_by_name(obj, "count_tc");
	*lookup_fd = prog_fd_by_name(obj, "lookup_xdp");
	if (fd[H_XDP] < 0 || fd[H_TC_IN] < 0 || count_fd[H_XDP] < 0 || count_fd[H_TC_IN] < 0 ||
	    *lookup_fd < 0) {
		fprintf(stderr, "bpf_cost: %s lacks the baseline programs\n", path);
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

/* Creates the flow of a done-flow class with a SYN and marks it done through the loader, as the
 * daemon does once a handshake is analysed. */
static int prepare_done_flow(struct live_bpf *lb, struct pclass *c)
{
	struct tlsmon_flow_key k = { .family = 4 };
	uint8_t syn[MAX_PKT];
	uint64_t wall;
	uint32_t kern;
	size_t len = build(c, c->sport, c->dport, 0x02, 0, syn);

	if (test_run(live_bpf__prog_fd(lb, TLSMON_HOOK_XDP), syn, len, 1, &wall, &kern))
		return -1;
	live_bpf__consume(lb);
	k.port[0] = c->sport;
	k.port[1] = c->dport;
	memcpy(k.addr[0], "\x0a\x00\x00\x01", 4);
	memcpy(k.addr[1], "\x0a\x00\x00\x02", 4);
	return live_bpf__mark_done(lb, &k);
}

static void default_empty_path(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0) {
		snprintf(buf, size, "empty.bpf.o");
		return;
	}
	exe[n] = 0;
	snprintf(buf, size, "%s/empty.bpf.o", dirname(exe));
}

static void keep_min(double ns, double wall, double *best, double *best_wall)
{
	if (ns < *best) {
		*best = ns;
		*best_wall = wall;
	}
}

static void report(uint32_t repeats, uint32_t rounds, const double empty[H__N],
		   const double empty_wall[H__N], const double count[H__N],
		   const double count_wall[H__N], double lookup, double lookup_wall)
{
	printf("bpf_cost: BPF_PROG_TEST_RUN, %u repeats, best of %u rounds; ns per packet as the "
	       "kernel times it (+0.5 for its rounding down), wall-clock ns in brackets\n",
	       repeats, rounds);
	printf("  %-14s %-38s %5s %17s %17s %17s\n", "class", "what", "bytes", "xdp", "tc_in",
	       "tc_out");
	printf("  %-14s %-38s %5s %6.1f [%8.2f] %6.1f [%8.2f] %6.1f [%8.2f]\n", "empty",
	       "empty program (the baseline)", "", empty[0], empty_wall[0], empty[1], empty_wall[1],
	       empty[2], empty_wall[2]);
	printf("  %-14s %-38s %5s %6.1f [%8.2f] %6.1f [%8.2f] %6.1f [%8.2f]\n", "count",
	       "one per-CPU counter (reference)", "", count[0], count_wall[0], count[1],
	       count_wall[1], count[2], count_wall[2]);
	printf("  %-14s %-38s %5s %6.1f [%8.2f]\n", "lookup", "counter + LRU lookup (reference)", "",
	       lookup, lookup_wall);
	for (size_t i = 0; i < NCLASSES; i++) {
		struct pclass *c = &classes[i];

		printf("  %-14s %-38s %5zu", c->name, c->what, c->len);
		for (int h = 0; h < H__N; h++)
			printf(" %6.1f [%8.2f]", c->best_ns[h], c->wall_ns[h]);
		printf("\n");
	}
	printf("  ratio to the empty program of the same hook:\n");
	for (size_t i = 0; i < NCLASSES; i++) {
		struct pclass *c = &classes[i];

		printf("  %-14s", c->name);
		for (int h = 0; h < H__N; h++) {
			double r = c->best_ns[h] / empty[h];

			printf("  %s %6.2fx", hook_name[h], r);
			if (c->goal > 0)
				printf(" %-4s", r <= c->goal ? "ok" : "MISS");
		}
		if (c->goal > 0)
			printf("  (goal <= %.2fx)", c->goal);
		printf("\n");
	}
	for (int h = 0; h < H__N; h++)
		printf("bench: bpf_empty_%s %.1f ns/pkt\n", hook_name[h], empty[h]);
	for (int h = 0; h < H__N; h++)
		printf("bench: bpf_%s_count_reference %.1f ns/pkt ratio=%.2f vs empty_%s\n",
		       hook_name[h], count[h], count[h] / empty[h], h == H_XDP ? "xdp" : "tc");
	printf("bench: bpf_xdp_lookup_reference %.1f ns/pkt ratio=%.2f vs empty_xdp\n", lookup,
	       lookup / empty[H_XDP]);
	for (size_t i = 0; i < NCLASSES; i++) {
		struct pclass *c = &classes[i];

		for (int h = 0; h < H__N; h++)
			printf("bench: bpf_%s_%s %.1f ns/pkt ratio=%.2f vs empty_%s\n", hook_name[h],
			       c->name, c->best_ns[h], c->best_ns[h] / empty[h],
			       h == H_XDP ? "xdp" : "tc");
		if (c->copies)
			printf("bench: bpf_%s_bytes %zu bytes\n", c->name, c->len);
	}
}

int main(int argc, char **argv)
{
	static const uint16_t port443[] = { 443 };
	struct live_bpf_opts lo = {
		.ports = port443,
		.nports = 1,
		.max_flows = 4096,
		.budget = 0xf0000000u, /* copying classes must keep copying for every repeat */
		.ringbuf_bytes = RINGBUF_BYTES,
		.on_frame = on_frame,
	};
	char empty_path[PATH_MAX], err[256] = "";
	uint32_t repeats = 1000000, rounds = 5;
	const char *only = NULL;
	double empty[H__N] = { 1e18, 1e18, 1e18 }, empty_wall[H__N] = { 0 };
	double count[H__N] = { 1e18, 1e18, 1e18 }, count_wall[H__N] = { 0 };
	double lookup = 1e18, lookup_wall = 0, ns, wall;
	struct bpf_object *base_obj = NULL;
	struct live_bpf *lb = NULL;
	int base_fd[H__N], count_fd[H__N], lookup_fd = -1, opt, bad = 0, rc = 1;
	uint16_t salt = 0;

	default_empty_path(empty_path, sizeof(empty_path));
	while ((opt = getopt(argc, argv, "e:n:r:o:h")) != -1) {
		switch (opt) {
		case 'e':
			snprintf(empty_path, sizeof(empty_path), "%s", optarg);
			break;
		case 'n':
			repeats = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'o': /* one class only, for profiling */
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: bpf_cost [-e EMPTY.bpf.o] [-n REPEATS] [-r ROUNDS] "
					"[-o CLASS]\n");
			return 2;
		}
	}
	if (!repeats || !rounds)
		return 2;
	libbpf_set_print(NULL);
	base_obj = load_baselines(empty_path, base_fd, count_fd, &lookup_fd);
	if (!base_obj)
		goto cleanup;
	lb = live_bpf__open(&lo, err, sizeof(err));
	if (!lb) {
		fprintf(stderr, "bpf_cost: %s\n", err);
		goto cleanup;
	}
	for (size_t i = 0; i < NCLASSES; i++) {
		struct pclass *c = &classes[i];

		c->len = build_class(c, c->sport, c->dport, c->tcp_flags, c->plen, c->pkt);
		if (!c->len) {
			fprintf(stderr, "bpf_cost: cannot build the %s frame\n", c->name);
			goto cleanup;
		}
		for (int h = 0; h < H__N; h++)
			c->best_ns[h] = 1e18;
		if (c->done_flow && prepare_done_flow(lb, c)) {
			fprintf(stderr, "bpf_cost: cannot mark the %s flow done\n", c->name);
			goto cleanup;
		}
	}

	/* Interleaved rounds: a burst of load from a neighbour hits every class alike. The
	 * baselines run the untracked-443 frame. */
	for (uint32_t r = 0; r < rounds; r++) {
		ns = measure(NULL, lookup_fd, &classes[3], -1, repeats, 0, &wall, &bad);
		if (ns < 0)
			goto cleanup;
		keep_min(ns, wall, &lookup, &lookup_wall);
		for (int h = 0; h < H__N; h++) {
			ns = measure(NULL, base_fd[h], &classes[3], -1, repeats, 0, &wall, &bad);
			if (ns < 0)
				goto cleanup;
			keep_min(ns, wall, &empty[h], &empty_wall[h]);
			ns = measure(NULL, count_fd[h], &classes[3], -1, repeats, 0, &wall, &bad);
			if (ns < 0)
				goto cleanup;
			keep_min(ns, wall, &count[h], &count_wall[h]);
			for (size_t i = 0; i < NCLASSES; i++) {
				struct pclass *c = &classes[i];

				if (only && strcmp(only, c->name))
					continue;
				ns = measure(lb, live_bpf__prog_fd(lb, hook_id[h]), c, h, repeats,
					     ++salt, &wall, &bad);
				if (ns < 0)
					goto cleanup;
				keep_min(ns, wall, &c->best_ns[h], &c->wall_ns[h]);
			}
		}
	}
	report(repeats, rounds, empty, empty_wall, count, count_wall, lookup, lookup_wall);
	if (bad)
		fprintf(stderr, "bpf_cost: some classes did not behave as designed (see above)\n");
	rc = bad;
cleanup:
	live_bpf__close(lb);
	bpf_object__close(base_obj);
	return rc;
}
