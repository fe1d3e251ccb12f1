// SPDX-License-Identifier: GPL-2.0
/* inject: recorded TCP flows (pcap files: real captures, bench/hsgen output) replayed as raw
 * frames, each instance of a flow rewritten to its own 4-tuple and sequence numbers with both
 * checksums fixed. Frames go straight into a network device through an AF_PACKET socket with
 * PACKET_QDISC_BYPASS and sendmmsg(), with no TCP stack on either end, so that what watches the
 * device (tlsmon with XDP on the veth peer), not the generator, is what saturates. -w writes the
 * same frames to a pcap instead, to check them with tshark and `tlsmon read`.
 *
 *   inject (-i IFACE --dst-mac MAC | -w OUT.pcap) [-n FLOWS] [-d SECONDS] [-r FLOWS_PER_S]
 *          [-c CONCURRENCY] [-p SERVER_PORT] [-k KEEP_FILE] [-f FIRST] [--list] PCAP...
 *
 * Every TCP flow of every input becomes a template (index in input order; --list prints them);
 * flow k of the run (FIRST, FIRST + 1, ...) replays template k % T (T = templates kept, -k: a
 * file of template indices, one a line). Flow k's client is 10.128.0.0 + k / 50000 (fd00:128::/64 for IPv6) port
 * 10000 + k % 50000, the server 10.64.0.1 (fd00:64::1) port SERVER_PORT (443): addresses nobody
 * on a test veth owns, so the receiving stack drops them after the capture hooks, without a RST.
 * Up to CONCURRENCY flows are in flight at once, their frames interleaved, each flow's in order.
 * A full device queue is waited out (counted as tx_busy), never dropped; the run ends at FLOWS
 * flows or SECONDS seconds, whichever comes first, then finishes the flows in flight.
 * Prints "inject: flows=N frames=N bytes=N seconds=S rate=R flows/s pps=P tx_busy=N unsent=N". */
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

#include "pcap_write.h"
#include "pkt_build.h"

#define MAX_TEMPLATES 65536
#define MAX_FILE_BYTES (512u << 20)
#define MAX_FLOWS 100000000ul
#define MAX_SECONDS 600.0
#define MAX_CONCURRENCY 4096
#define BATCH 64
#define PORTS_PER_ADDR 50000u
#define FLOW_BUCKETS 16384
#define HDR_MAX (14 + 60 + 60)
#define GRACE_S 5.0
/* An Ethernet MTU: larger frames (TSO/GRO super-frames in a capture) do not fit a device. */
#define MAX_L3 1500

/* One recorded frame: its IP header onwards in the arena, and what a rewrite needs. */
struct tframe {
	uint32_t tmpl;
	uint32_t off; /* IP header in the arena */
	uint16_t len; /* IP header + TCP header + payload */
	uint8_t iphl, tcphl;
	bool from_first; /* sent by the side that sent the flow's first frame */
	uint32_t ip_part; /* IPv4 header sum without addresses and checksum */
	uint32_t tcp_part; /* TCP sum (pseudo-header protocol and length included) without
			    * addresses, ports, seq, ack and checksum */
};

struct tmpl {
	uint32_t first, nframes; /* frames[first .. first + nframes) after grouping */
	uint64_t bytes;
	bool v6, first_is_server, truncated; /* truncated: a frame cut short or over the MTU */
	uint8_t addr[2][16]; /* [0] = first sender */
	uint16_t port[2];
	const char *file;
};

struct inj {
	uint8_t *arena;
	size_t arena_len, arena_cap, max_bytes;
	struct tframe *frames;
	size_t nframes, frames_cap;
	struct tmpl *tmpls;
	uint32_t ntmpls;
	uint32_t *keep; /* template indices replayed, in order */
	uint32_t nkeep;
	uint64_t skipped_frames, refused_frames;
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

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* The IP packet inside one link-layer frame, or NULL (not IP, or a link type we do not read). */
static const uint8_t *l3_of(const uint8_t *p, size_t len, uint32_t linktype, size_t *l3len)
{
	size_t off;
	uint16_t type;

	switch (linktype) {
	case 1: /* Ethernet, up to two VLAN tags */
		if (len < 14)
			return NULL;
		off = 12;
		type = get16(p + off);
		for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8); i++) {
			off += 4;
			if (off + 2 > len)
				return NULL;
			type = get16(p + off);
		}
		if (type != 0x0800 && type != 0x86dd)
			return NULL;
		off += 2;
		break;
	case 0: /* BSD loopback: a 4-byte address family in the writer's byte order */
		off = 4;
		break;
	case 113: /* Linux cooked capture v1 */
		off = 16;
		break;
	case 101: /* raw IP */
	case 228:
	case 229:
		off = 0;
		break;
	default:
		return NULL;
	}
	if (off >= len)
		return NULL;
	*l3len = len - off;
	return p + off;
}

/* Fields of one IP + TCP packet that a template needs; 0, or -EINVAL for anything else
 * (fragments, IPv6 extension headers, bad lengths). */
struct seg {
	bool v6;
	const uint8_t *saddr, *daddr;
	size_t iphl, tcphl, len;
};

static int seg_parse(const uint8_t *p, size_t len, struct seg *s)
{
	size_t tot;

	if (len < 1)
		return -EINVAL;
	if (p[0] >> 4 == 4) {
		if (len < 20 || (p[0] & 15) < 5 || p[9] != 6 || (get16(p + 6) & 0x3fff))
			return -EINVAL;
		s->v6 = false;
		s->iphl = (size_t)(p[0] & 15) * 4;
		tot = get16(p + 2);
		s->saddr = p + 12;
		s->daddr = p + 16;
	} else if (p[0] >> 4 == 6) {
		if (len < 40 || p[6] != 6)
			return -EINVAL;
		s->v6 = true;
		s->iphl = 40;
		tot = 40 + (size_t)get16(p + 4);
		s->saddr = p + 8;
		s->daddr = p + 24;
	} else {
		return -EINVAL;
	}
	/* tot > len (cut short by the snap length) is the caller's to judge. */
	if (tot < s->iphl + 20 || tot > 65535 || s->iphl + 20 > len)
		return -EINVAL;
	s->tcphl = (size_t)(p[s->iphl + 12] >> 4) * 4;
	if (s->tcphl < 20 || s->iphl + s->tcphl > tot || s->iphl + s->tcphl > len ||
	    s->iphl + s->tcphl > HDR_MAX - 14)
		return -EINVAL;
	s->len = tot;
	return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 1024;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * elem);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

static uint32_t flow_hash(const struct seg *s, const uint8_t *tcp)
{
	size_t alen = s->v6 ? 16 : 4;
	uint32_t h = 2166136261u, x = 0;

	/* Both directions hash alike: sum the two endpoints' bytes in an order-free way. */
	for (size_t i = 0; i < alen; i++)
		x += (uint32_t)(s->saddr[i] ^ s->daddr[i]) * 16777619u + s->saddr[i] + s->daddr[i];
	h ^= x + get16(tcp) + get16(tcp + 2);
	return (h * 2654435761u) >> 18;
}

static bool same_flow(const struct tmpl *t, const struct seg *s, const uint8_t *tcp, bool *first)
{
	size_t alen = s->v6 ? 16 : 4;
	uint16_t sp = get16(tcp), dp = get16(tcp + 2);

	if (t->v6 != s->v6)
		return false;
	if (!memcmp(t->addr[0], s->saddr, alen) && !memcmp(t->addr[1], s->daddr, alen) &&
	    t->port[0] == sp && t->port[1] == dp) {
		*first = true;
		return true;
	}
	if (!memcmp(t->addr[1], s->saddr, alen) && !memcmp(t->addr[0], s->daddr, alen) &&
	    t->port[1] == sp && t->port[0] == dp) {
		*first = false;
		return true;
	}
	return false;
}

/* Template sums with the rewritten fields zeroed, so each instance costs a few additions. */
static void frame_sums(struct tframe *f, const uint8_t *ip, bool v6)
{
	uint8_t hdr[60], ph[4] = { 0, 6, 0, 0 };
	const uint8_t *tcp = ip + f->iphl;
	size_t tlen = (size_t)f->len - f->iphl;
	uint32_t sum;

	f->ip_part = 0;
	if (!v6) {
		memcpy(hdr, ip, f->iphl);
		memset(hdr + 10, 0, 10); /* checksum, saddr, daddr */
		f->ip_part = csum_add(0, hdr, f->iphl);
	}
	memcpy(hdr, tcp, f->tcphl);
	memset(hdr, 0, 12); /* ports, seq, ack */
	memset(hdr + 16, 0, 2);
	sum = csum_add(0, hdr, f->tcphl);
	/* The payload starts at an even offset (the TCP header is a multiple of 4 bytes). */
	sum = csum_add(sum, tcp + f->tcphl, tlen - f->tcphl);
	put16(ph + 2, (uint16_t)tlen);
	f->tcp_part = csum_add(sum, ph, 4);
}

static int load_pcap(struct inj *in, const char *path)
{
	uint32_t *bucket = NULL, *chain = NULL, linktype, base = in->ntmpls;
	size_t flen, pos = 24, chain_cap = 0;
	uint8_t *buf = NULL;
	bool swap;
	FILE *f;
	int rc = -EINVAL;
	long sz;

	f = fopen(path, "rb");
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 24 || (size_t)sz > MAX_FILE_BYTES ||
	    fseek(f, 0, SEEK_SET))
		goto cleanup;
	flen = (size_t)sz;
	buf = malloc(flen);
	bucket = malloc(FLOW_BUCKETS * sizeof(*bucket));
	rc = -ENOMEM;
	if (!buf || !bucket)
		goto cleanup;
	memset(bucket, 0xff, FLOW_BUCKETS * sizeof(*bucket));
	rc = -EIO;
	if (fread(buf, 1, flen, f) != flen)
		goto cleanup;
	rc = -EINVAL;
	/* pcap-savefile(5): micro- or nanosecond magic, either byte order; pcapng is not read. */
	if (rd32(buf, false) == 0xa1b2c3d4u || rd32(buf, false) == 0xa1b23c4du)
		swap = false;
	else if (rd32(buf, true) == 0xa1b2c3d4u || rd32(buf, true) == 0xa1b23c4du)
		swap = true;
	else
		goto cleanup;
	linktype = rd32(buf + 20, swap) & 0xffff;
	while (pos + 16 <= flen) {
		uint32_t caplen = rd32(buf + pos + 8, swap);
		const uint8_t *l3, *tcp;
		struct tframe *fr;
		struct tmpl *t = NULL;
		size_t l3len;
		struct seg s;
		uint32_t h, ti;
		bool first = true;

		if (caplen > flen - pos - 16)
			break;
		l3 = l3_of(buf + pos + 16, caplen, linktype, &l3len);
		pos += 16 + caplen;
		if (!l3 || seg_parse(l3, l3len, &s)) {
			in->skipped_frames++;
			continue;
		}
		tcp = l3 + s.iphl;
		h = flow_hash(&s, tcp);
		for (ti = bucket[h]; ti != UINT32_MAX; ti = chain[ti - base]) {
			if (same_flow(&in->tmpls[ti], &s, tcp, &first)) {
				t = &in->tmpls[ti];
				break;
			}
		}
		if (!t) {
			if (in->ntmpls >= MAX_TEMPLATES) {
				in->refused_frames++;
				continue;
			}
			ti = in->ntmpls;
			if (grow((void **)&chain, &chain_cap, ti - base + 1, sizeof(*chain)))
				goto nomem;
			chain[ti - base] = bucket[h];
			bucket[h] = ti;
			t = &in->tmpls[in->ntmpls++];
			memset(t, 0, sizeof(*t));
			t->v6 = s.v6;
			memcpy(t->addr[0], s.saddr, s.v6 ? 16 : 4);
			memcpy(t->addr[1], s.daddr, s.v6 ? 16 : 4);
			t->port[0] = get16(tcp);
			t->port[1] = get16(tcp + 2);
			t->file = path;
			first = true;
		}
		/* A frame cut short by the snap length would be replayed with other bytes; one over
		 * the MTU (a TSO/GRO super-frame) does not fit the device: the flow is not used. */
		if (s.len > l3len || s.len > MAX_L3) {
			t->truncated = true;
			continue;
		}
		if (in->arena_len + s.len > in->max_bytes) {
			in->refused_frames++;
			continue;
		}
		if (grow((void **)&in->arena, &in->arena_cap, in->arena_len + s.len, 1) ||
		    grow((void **)&in->frames, &in->frames_cap, in->nframes + 1, sizeof(*fr)))
			goto nomem;
		fr = &in->frames[in->nframes++];
		fr->tmpl = ti;
		fr->off = (uint32_t)in->arena_len;
		fr->len = (uint16_t)s.len;
		fr->iphl = (uint8_t)s.iphl;
		fr->tcphl = (uint8_t)s.tcphl;
		fr->from_first = first;
		memcpy(in->arena + in->arena_len, l3, s.len);
		in->arena_len += s.len;
		frame_sums(fr, l3, s.v6);
		t->nframes++;
		t->bytes += s.len;
		/* The client is whoever sends a SYN without ACK; else the lower port serves. */
		if ((tcp[13] & 0x12) == 0x02)
			t->first_is_server = !first;
		else if (t->nframes == 1)
			t->first_is_server = t->port[0] < t->port[1];
	}
	rc = 0;
	goto cleanup;
nomem:
	rc = -ENOMEM;
cleanup:
	free(chain);
	free(bucket);
	free(buf);
	fclose(f);
	return rc;
}

/* Frames grouped by template, in capture order within each (a stable counting sort). */
static int group_frames(struct inj *in)
{
	uint32_t *start = calloc(in->ntmpls + 1, sizeof(*start));
	struct tframe *sorted = malloc((in->nframes ? in->nframes : 1) * sizeof(*sorted));

	if (!start || !sorted) {
		free(start);
		free(sorted);
		return -ENOMEM;
	}
	for (size_t i = 0; i < in->nframes; i++)
		start[in->frames[i].tmpl + 1]++;
	for (uint32_t t = 0; t < in->ntmpls; t++) {
		start[t + 1] += start[t];
		in->tmpls[t].first = start[t];
	}
	for (size_t i = 0; i < in->nframes; i++)
		sorted[start[in->frames[i].tmpl]++] = in->frames[i];
	free(in->frames);
	in->frames = sorted;
	free(start);
	return 0;
}

static int load_keep(struct inj *in, const char *path)
{
	unsigned long v;
	FILE *f = path ? fopen(path, "r") : NULL;

	in->keep = malloc((in->ntmpls ? in->ntmpls : 1) * sizeof(*in->keep));
	if (!in->keep) {
		if (f)
			fclose(f);
		return -ENOMEM;
	}
	if (!path) {
		for (uint32_t t = 0; t < in->ntmpls; t++)
			if (!in->tmpls[t].truncated && in->tmpls[t].nframes)
				in->keep[in->nkeep++] = t;
		return 0;
	}
	if (!f)
		return -errno;
	while (in->nkeep < in->ntmpls && fscanf(f, "%lu", &v) == 1)
		if (v < in->ntmpls && !in->tmpls[v].truncated && in->tmpls[v].nframes)
			in->keep[in->nkeep++] = (uint32_t)v;
	fclose(f);
	return 0;
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

/* Ethernet + rewritten IP and TCP headers of frame fi of template t as flow k into hdr; the
 * payload stays in the arena. Returns the header length. */
static size_t build_hdr(const struct inj *in, uint64_t k, const struct tmpl *t, const struct tframe *f,
			uint8_t *hdr)
{
	const uint8_t *src = in->arena + f->off;
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
	uint64_t first; /* flow number of the first flow: runs that follow each other pass the
			 * previous run's end, so no 4-tuple is seen twice by one watcher */
	double rate, seconds;
	uint32_t conc;
};

/* Next frame for the batch from the round-robin slots; false when none is due now. */
static bool next_frame(const struct inj *in, struct run *r, struct slot *slots, uint32_t *rr,
		       bool may_start, double elapsed, const struct tframe **f, uint64_t *k, bool *last,
		       const struct tmpl **tp)
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
			s->tmpl = in->keep[s->k % in->nkeep];
			s->next = 0;
		}
		*tp = &in->tmpls[s->tmpl];
		*f = &in->frames[(*tp)->first + s->next++];
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

			if (!next_frame(in, r, slots, &rr, may_start, now - t0, &f, &k, &last[nb], &t))
				break;
			hl = build_hdr(in, k, t, f, hdrs[nb]);
			iov[nb][0] = (struct iovec){ hdrs[nb], hl };
			iov[nb][1] = (struct iovec){ in->arena + f->off + hl - 14, f->len - (hl - 14) };
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
		memcpy(frame + hl, in->arena + f->off + hl - 14, f->len - (hl - 14));
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
	struct inj in = { .server_port = 443, .max_bytes = 256u << 20,
			  .dmac = { 0x02, 0, 0, 0, 0, 2 }, .smac = { 0x02, 0, 0, 0, 0, 1 } };
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
			in.max_bytes = strtoul(optarg, NULL, 10) << 20;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc || (!list && !ifname == !wpath) || (ifname && !dmac) || n > MAX_FLOWS ||
	    !(r.seconds > 0 && r.seconds <= MAX_SECONDS) || r.rate < 0 || !r.conc ||
	    r.conc > MAX_CONCURRENCY || (dmac && parse_mac(dmac, in.dmac)))
		goto usage;
	in.tmpls = calloc(MAX_TEMPLATES, sizeof(*in.tmpls));
	if (!in.tmpls)
		return 1;
	for (int i = optind; i < argc; i++) {
		rc = load_pcap(&in, argv[i]);
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
	if (group_frames(&in) || (rc = load_keep(&in, keep))) {
		fprintf(stderr, "inject: %s\n", keep ? keep : "out of memory");
		return 1;
	}
	fprintf(stderr,
		"inject: %u templates kept of %u (%zu frames, %zu bytes) from %d files; skipped: "
		"%lu frames not TCP over IP, %lu over limits, %d files not read\n",
		in.nkeep, in.ntmpls, in.nframes, in.arena_len, argc - optind - in.bad_files,
		(unsigned long)in.skipped_frames, (unsigned long)in.refused_frames, in.bad_files);
	if (list) {
		for (uint32_t t = 0; t < in.ntmpls; t++)
			printf("%u %u %lu %s %s\n", t, in.tmpls[t].nframes,
			       (unsigned long)in.tmpls[t].bytes,
			       in.tmpls[t].truncated ? "truncated" : "ok", in.tmpls[t].file);
		return 0;
	}
	if (!in.nkeep) {
		fprintf(stderr, "inject: no flow to replay\n");
		return 1;
	}
	r.limit = n ? n : (wpath ? in.nkeep : MAX_FLOWS);
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
	printf("inject: flows=%lu frames=%lu bytes=%lu seconds=%.3f rate=%.1f flows/s pps=%.0f "
	       "tx_busy=%lu unsent=%lu\n",
	       (unsigned long)r.flows, (unsigned long)r.frames, (unsigned long)r.bytes,
	       wpath ? 0.0 : r.seconds, wpath ? 0.0 : (double)r.flows / r.seconds,
	       wpath ? 0.0 : (double)r.frames / r.seconds, (unsigned long)r.tx_busy,
	       (unsigned long)r.unsent);
	free(in.keep);
	free(in.frames);
	free(in.arena);
	free(in.tmpls);
	return r.unsent ? 1 : 0;
usage:
	fprintf(stderr, "usage: inject (-i IFACE --dst-mac MAC | -w OUT.pcap) [-n FLOWS] [-d SECONDS] "
			"[-r FLOWS_PER_S] [-c CONCURRENCY] [-p SERVER_PORT] [-k KEEP_FILE] [-f FIRST] [--list] "
			"[--max-bytes MIB] PCAP...\n");
	return 2;
}
