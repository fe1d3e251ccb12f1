// SPDX-License-Identifier: GPL-2.0
/* inject: recorded TCP flows (pcap files: real captures, bench/hsgen output)
 * replayed as raw frames, each instance of a flow rewritten to its own 4-tuple
 * and sequence numbers with both checksums fixed. Frames go straight into a
 * network device through an AF_PACKET socket with PACKET_QDISC_BYPASS and
 * sendmmsg(), with no TCP stack on either end, so that what watches the device
 * (tlsmon with XDP on the veth peer), not the generator, is what saturates. -w
 * writes the same frames to a pcap instead, to check them with tshark and
 * `tlsmon read`.
 *
 *   inject (-i IFACE --dst-mac MAC | -w OUT.pcap) [-n FLOWS] [-d SECONDS]
 *          [-r FLOWS_PER_S] [-c CONCURRENCY] [-p SERVER_PORT] [-k KEEP_FILE]
 *          [-f FIRST] [--list] [--max-bytes MIB] PCAP...
 *
 * Every TCP flow of every input becomes a template (index in input order;
 * --list prints them); flow k of the run (FIRST, FIRST + 1, ...) replays
 * template k % T (T = templates kept, -k: a file of template indices, one a
 * line). Flow k's client is 10.128.0.0 + k / 50000 (fd00:128::/64 for IPv6)
 * port 10000 + k % 50000, the server 10.64.0.1 (fd00:64::1) port SERVER_PORT
 * (443): addresses nobody on a test veth owns, so the receiving stack drops
 * them after the capture hooks, without a RST. Up to CONCURRENCY flows are in
 * flight at once, their frames interleaved, each flow's in order. A full device
 * queue is waited out (counted as tx_busy), never dropped; the run ends at
 * FLOWS flows or SECONDS seconds, whichever comes first, then finishes the
 * flows in flight. Prints "inject: flows=N frames=N bytes=N seconds=S rate=R
 * flows/s pps=P tx_busy=N unsent=N". */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "flow_templates.h"
#include "pcap_write.h"
#include "pkt_build.h"

#define MAX_FLOWS 100000000ul
#define MAX_SECONDS 600.0
#define MAX_CONCURRENCY 4096
#define BATCH 64
#define PORTS_PER_ADDR 50000u
#define GRACE_S 5.0

struct inj {
	struct templates ts;
	int bad_files;
	uint16_t server_port;
	uint8_t dmac[6], smac[6];
};

struct slot {
	bool active;
	uint64_t k;
	uint32_t tmpl, next;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void isn_pair(uint64_t k, uint32_t isn[2])
{
	uint64_t x = (k + 1) * 0x9e3779b97f4a7c15ull;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	isn[0] = (uint32_t)x;
	isn[1] = (uint32_t)(x >> 32);
}

/* Ethernet + rewritten IP and TCP headers of frame f of template t as flow k
 * into hdr; the payload stays in the arena. Returns the header length. */
static size_t build_hdr(const struct inj *in, uint64_t k, const struct tmpl *t,
			const struct tframe *f, uint8_t *hdr)
{
	const uint8_t *src = in->ts.arena + f->off;
	uint8_t *ip = hdr + 14, *tcp = ip + f->iphl, cli[16] = { 0 }, srv[16] = { 0 };
	bool from_client = f->from_first != t->first_is_server;
	uint32_t sum, isn[2], seq, ack, hi = (uint32_t)(k / PORTS_PER_ADDR);
	uint16_t cport = (uint16_t)(10000 + k % PORTS_PER_ADDR);
	size_t alen = t->v6 ? 16 : 4;
	const uint8_t *sa, *da;

	memcpy(hdr, in->dmac, 6);
	memcpy(hdr + 6, in->smac, 6);
	put16(hdr + 12, t->v6 ? 0x86dd : 0x0800);
	memcpy(ip, src, (size_t)f->iphl + f->tcphl);
	if (t->v6) {
		put32(cli, 0xfd000128u);
		put32(cli + 12, hi);
		put32(srv, 0xfd000064u);
		srv[15] = 1;
	} else {
		put32(cli, 0x0a800000u + hi);
		put32(srv, 0x0a400001u);
	}
	sa = from_client ? cli : srv;
	da = from_client ? srv : cli;
	isn_pair(k, isn);
	seq = get32(src + f->iphl + 4) + isn[!from_client];
	ack = get32(src + f->iphl + 8);
	if (src[f->iphl + 13] & 0x10)
		ack += isn[from_client];
	if (t->v6) {
		memcpy(ip + 8, sa, 16);
		memcpy(ip + 24, da, 16);
	} else {
		memcpy(ip + 12, sa, 4);
		memcpy(ip + 16, da, 4);
		sum = csum_add(csum_add(f->ip_part, sa, 4), da, 4);
		put16(ip + 10, csum_fold(sum));
	}
	put16(tcp, from_client ? cport : in->server_port);
	put16(tcp + 2, from_client ? in->server_port : cport);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	sum = csum_add(csum_add(f->tcp_part, sa, alen), da, alen);
	sum = csum_add(sum, tcp, 12);
	put16(tcp + 16, csum_fold(sum));
	return 14 + (size_t)f->iphl + f->tcphl;
}

struct run {
	uint64_t flows, frames, bytes, tx_busy, unsent, started, limit; /* started from -f FIRST */
	uint64_t first; /* flow number of the first flow: runs that follow each other
                   * pass the previous run's end, so no 4-tuple is seen twice by
                   * one watcher */
	double rate, seconds;
	uint32_t conc;
};

/* Next frame for the batch from the round-robin slots; false when none is due
 * now. */
static bool next_frame(const struct inj *in, struct run *r, struct slot *slots, uint32_t *rr,
		       bool may_start, double elapsed, const struct tframe **f, uint64_t *k,
		       bool *last, const struct tmpl **tp)
{
	for (uint32_t scan = 0; scan < r->conc; scan++) {
		struct slot *s = &slots[*rr];

		*rr = (*rr + 1) % r->conc;
		if (!s->active) {
			if (!may_start || r->started - r->first >= r->limit ||
			    (r->rate > 0 && (double)(r->started - r->first) >= r->rate * elapsed))
				continue;
			s->active = true;
			s->k = r->started++;
			s->tmpl = in->ts.keep[s->k % in->ts.nkeep];
			s->next = 0;
		}
		*tp = &in->ts.tmpls[s->tmpl];
		*f = &in->ts.frames[(*tp)->first + s->next++];
		*k = s->k;
		*last = s->next == (*tp)->nframes;
		if (*last)
			s->active = false;
		return true;
	}
	return false;
}

static int run_send(const struct inj *in, struct run *r, int fd)
{
	static uint8_t hdrs[BATCH][HDR_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH][2];
	bool last[BATCH];
	struct slot *slots = calloc(r->conc, sizeof(*slots));
	double t0 = now_s(), now = t0;
	uint32_t rr = 0;

	if (!slots)
		return -ENOMEM;
	while (!stop) {
		bool may_start = now - t0 < r->seconds;
		int nb = 0, done = 0;

		for (; nb < BATCH; nb++) {
			const struct tframe *f;
			const struct tmpl *t;
			uint64_t k;
			size_t hl;

			if (!next_frame(in, r, slots, &rr, may_start, now - t0, &f, &k, &last[nb],
					&t))
				break;
			hl = build_hdr(in, k, t, f, hdrs[nb]);
			iov[nb][0] = (struct iovec){ hdrs[nb], hl };
			iov[nb][1] = (struct iovec){ in->ts.arena + f->off + hl - 14,
						     f->len - (hl - 14) };
			msgs[nb].msg_hdr = (struct msghdr){ .msg_iov = iov[nb], .msg_iovlen = 2 };
		}
		if (!nb) {
			bool any = false;

			for (uint32_t i = 0; i < r->conc; i++)
				any |= slots[i].active;
			if (!any && (!may_start || r->started - r->first >= r->limit))
				break;
			usleep(50);
			now = now_s();
			continue;
		}
		while (done < nb) {
			int sent = sendmmsg(fd, msgs + done, (unsigned)(nb - done), 0);

			if (sent > 0) {
				for (int i = done; i < done + sent; i++) {
					r->frames++;
					r->bytes += iov[i][0].iov_len + iov[i][1].iov_len;
					r->flows += last[i];
				}
				done += sent;
				continue;
			}
			if (sent < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
				perror("inject: sendmmsg");
				r->unsent += (uint64_t)(nb - done);
				free(slots);
				return -EIO;
			}
			/* The device queue is full: what is behind it is slower than us. */
			r->tx_busy++;
			if (stop || now_s() - t0 > r->seconds + GRACE_S) {
				r->unsent += (uint64_t)(nb - done);
				stop = 1;
				break;
			}
			sched_yield();
		}
		now = now_s();
	}
	r->seconds = now_s() - t0;
	free(slots);
	return 0;
}

static int run_write(const struct inj *in, struct run *r, const char *path)
{
	uint8_t frame[HDR_MAX + 65536];
	struct slot *slots = calloc(r->conc, sizeof(*slots));
	uint64_t ts = 1700000000ull * 1000000;
	FILE *out = fopen(path, "wb");
	uint32_t rr = 0;
	int rc = 0;

	if (!slots || !out) {
		rc = -errno;
		goto cleanup;
	}
	rc = pcap_write_header(out, 262144, 1);
	r->rate = 0;
	for (;;) {
		const struct tframe *f;
		const struct tmpl *t;
		uint64_t k;
		bool last;
		size_t hl;

		if (rc || !next_frame(in, r, slots, &rr, true, 0, &f, &k, &last, &t))
			break;
		hl = build_hdr(in, k, t, f, frame);
		memcpy(frame + hl, in->ts.arena + f->off + hl - 14, f->len - (hl - 14));
		rc = pcap_write_frame(out, ts += 10, frame, (uint32_t)(14 + f->len));
		r->frames++;
		r->bytes += 14 + f->len;
		r->flows += last;
	}
cleanup:
	if (out && fclose(out) && !rc)
		rc = -EIO;
	free(slots);
	return rc;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static int open_dev(struct inj *in, const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int one = 1, sndbuf = 4 << 20, fd;
	struct ifreq ifr = { 0 };

	/* Protocol 0: this socket only sends, it never sees a received frame. */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex || ioctl(fd, SIOCGIFHWADDR, &ifr) ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		int e = -errno;

		close(fd);
		return e;
	}
	memcpy(in->smac, ifr.ifr_hwaddr.sa_data, 6);
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "dst-mac", required_argument, NULL, 'm' },
					      { "list", no_argument, NULL, 'L' },
					      { "max-bytes", required_argument, NULL, 'B' },
					      { NULL, 0, NULL, 0 } };
	struct inj in = { .ts = { .max_bytes = 256u << 20 },
			  .server_port = 443,
			  .dmac = { 0x02, 0, 0, 0, 0, 2 },
			  .smac = { 0x02, 0, 0, 0, 0, 1 } };
	struct run r = { .seconds = 10, .conc = 32 };
	const char *ifname = NULL, *wpath = NULL, *keep = NULL, *dmac = NULL;
	unsigned long n = 0, port;
	bool list = false;
	int opt, rc, fd = -1;

	while ((opt = getopt_long(argc, argv, "i:w:n:d:r:c:p:k:f:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'w':
			wpath = optarg;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			r.seconds = strtod(optarg, NULL);
			break;
		case 'r':
			r.rate = strtod(optarg, NULL);
			break;
		case 'c':
			r.conc = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			port = strtoul(optarg, NULL, 10);
			if (!port || port > 65535)
				goto usage;
			in.server_port = (uint16_t)port;
			break;
		case 'f':
			r.first = strtoull(optarg, NULL, 10);
			break;
		case 'k':
			keep = optarg;
			break;
		case 'm':
			dmac = optarg;
			break;
		case 'L':
			list = true;
			break;
		case 'B':
			in.ts.max_bytes = strtoul(optarg, NULL, 10) << 20;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc || (!list && !ifname == !wpath) || (ifname && !dmac) || n > MAX_FLOWS ||
	    !(r.seconds > 0 && r.seconds <= MAX_SECONDS) || r.rate < 0 || !r.conc ||
	    r.conc > MAX_CONCURRENCY || (dmac && parse_mac(dmac, in.dmac)))
		goto usage;
	in.ts.tmpls = calloc(MAX_TEMPLATES, sizeof(*in.ts.tmpls));
	if (!in.ts.tmpls)
		return 1;
	for (int i = optind; i < argc; i++) {
		rc = templates__load_pcap(&in.ts, argv[i]);
		if (rc == -ENOMEM) {
			fprintf(stderr, "inject: out of memory reading %s\n", argv[i]);
			return 1;
		}
		if (rc) {
			fprintf(stderr, "inject: %s: not a pcap file we read (%s)\n", argv[i],
				strerror(-rc));
			in.bad_files++;
		}
	}
	if (templates__group(&in.ts) || (rc = templates__keep(&in.ts, keep))) {
		fprintf(stderr, "inject: %s\n", keep ? keep : "out of memory");
		return 1;
	}
	fprintf(stderr,
		"inject: %u templates kept of %u (%zu frames, %zu bytes) from %d "
		"files; skipped: "
		"%lu frames not TCP over IP, %lu over limits, %d files not read\n",
		in.ts.nkeep, in.ts.ntmpls, in.ts.nframes, in.ts.arena_len,
		argc - optind - in.bad_files, (unsigned long)in.ts.skipped_frames,
		(unsigned long)in.ts.refused_frames, in.bad_files);
	if (list) {
		for (uint32_t t = 0; t < in.ts.ntmpls; t++)
			printf("%u %u %lu %s %s\n", t, in.ts.tmpls[t].nframes,
			       (unsigned long)in.ts.tmpls[t].bytes,
			       in.ts.tmpls[t].truncated ? "truncated" : "ok", in.ts.tmpls[t].file);
		/* freed, not left to exit: a sanitizer build's leak report would end the
		 * process before stdout is flushed */
		templates_free(&in.ts);
		return 0;
	}
	if (!in.ts.nkeep) {
		fprintf(stderr, "inject: no flow to replay\n");
		return 1;
	}
	r.limit = n ? n : (wpath ? in.ts.nkeep : MAX_FLOWS);
	r.started = r.first;
	if (r.first > MAX_FLOWS * 8) /* client addresses run out past 2^23 * 50,000 flows */
		goto usage;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (wpath) {
		rc = run_write(&in, &r, wpath);
	} else {
		fd = open_dev(&in, ifname);
		if (fd < 0) {
			fprintf(stderr, "inject: %s: %s\n", ifname, strerror(-fd));
			return 1;
		}
		rc = run_send(&in, &r, fd);
		close(fd);
	}
	if (rc) {
		fprintf(stderr, "inject: %s\n", strerror(-rc));
		return 1;
	}
	printf("inject: flows=%lu frames=%lu bytes=%lu seconds=%.3f rate=%.1f "
	       "flows/s pps=%.0f "
	       "tx_busy=%lu unsent=%lu\n",
	       (unsigned long)r.flows, (unsigned long)r.frames, (unsigned long)r.bytes,
	       wpath ? 0.0 : r.seconds, wpath ? 0.0 : (double)r.flows / r.seconds,
	       wpath ? 0.0 : (double)r.frames / r.seconds, (unsigned long)r.tx_busy,
	       (unsigned long)r.unsent);
	templates_free(&in.ts);
	return r.unsent ? 1 : 0;
usage:
	fprintf(stderr, "usage: inject (-i IFACE --dst-mac MAC | -w OUT.pcap) [-n "
			"FLOWS] [-d SECONDS] "
			"[-r FLOWS_PER_S] [-c CONCURRENCY] [-p SERVER_PORT] [-k "
			"KEEP_FILE] [-f FIRST] [--list] "
			"[--max-bytes MIB] PCAP...\n");
	return 2;
}
