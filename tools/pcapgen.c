// SPDX-License-Identifier: MIT
/* pcapgen: write a classic pcap (Ethernet, microseconds) of one TCP connection carrying given
 * byte streams, with optional reordering, retransmission, overlap and loss, to test TCP
 * reassembly on the hard cases. Deterministic for a given --seed. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/frame.h"

#include "encap_build.h"
#include "pcap_write.h"
#include "pkt_build.h"

#define ETH_HLEN 14
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN 20
#define MSS_OPT_LEN 4
#define MAX_MSS 65495 /* 65535 - IPv4 header - TCP header */
#define SNAPLEN 262144
#define ENCAP_ROOM 1024 /* bytes the encapsulation headers may add */
#define CLIENT 0
#define SERVER 1

struct endpoint {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint16_t port;
};

struct turn {
	int side;
	const char *path;
	uint8_t *data;
	size_t len;
};

enum ending { END_FIN, END_RST_CLIENT, END_RST_SERVER };

struct opts {
	const char *out;
	struct endpoint ep[2];
	uint32_t mss;
	bool no_syn;
	enum ending ending;
	uint32_t reorder;
	uint32_t retransmit_pct;
	uint32_t drop_pct;
	bool overlap;
	uint64_t seed;
	uint64_t start_time;
	uint64_t gap_us;
	uint32_t isn[2];
	struct encap_layer encap[ENCAP_BUILD_MAX]; /* outermost first */
	int nencap;
};

struct seg {
	uint32_t off;
	uint32_t len;
};

struct gen {
	const struct opts *o;
	FILE *f;
	uint8_t *frame;
	uint8_t *wrapped, *wrap_tmp; /* with --encap */
	size_t frame_room;
	uint64_t rng;
	uint64_t frames;
	uint32_t snd_nxt[2]; /* next sequence number each side sends */
	uint32_t rcv_ack[2]; /* what each side acknowledges: stops at the first lost byte */
	bool hole[2];	     /* data from this side was lost; the peer's ACK no longer advances */
	uint16_t ip_id[2];
	uint64_t segs[2], dropped, retransmitted;
	uint64_t bytes[2];
};

static uint64_t rng_next(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool chance(struct gen *g, uint32_t pct)
{
	return pct && rng_next(g) % 100 < pct;
}

/* One frame from side `from`: Ethernet + IPv4/IPv6 + TCP (+ MSS option on SYNs) + payload. */
static int emit(struct gen *g, int from, uint8_t flags, uint32_t seq, uint32_t ack,
		const uint8_t *payload, uint32_t len)
{
	const struct endpoint *src = &g->o->ep[from], *dst = &g->o->ep[!from];
	uint8_t *p = g->frame, *ip = p + ETH_HLEN, *th;
	uint32_t thl = TCP_HLEN + (flags & TCPF_SYN ? MSS_OPT_LEN : 0), sum;
	uint64_t ts_us = g->o->start_time * 1000000u + g->frames * g->o->gap_us;
	size_t l3len;
	uint8_t pseudo[40];

	/* locally administered MACs ending in the side number */
	memcpy(p, (const uint8_t[6]){ 2, 0, 0, 0, 0, (uint8_t)(!from + 1) }, 6);
	memcpy(p + 6, (const uint8_t[6]){ 2, 0, 0, 0, 0, (uint8_t)(from + 1) }, 6);
	if (src->family == AF_INET) {
		put16(p + 12, 0x0800);
		th = ip + IPV4_HLEN;
		l3len = IPV4_HLEN + thl + len;
		memset(ip, 0, IPV4_HLEN);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)l3len);
		put16(ip + 4, g->ip_id[from]++);
		put16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, src->addr, 4);
		memcpy(ip + 16, dst->addr, 4);
		put16(ip + 10, csum_fold(csum_add(0, ip, IPV4_HLEN)));
		/* RFC 9293 3.1: IPv4 pseudo-header */
		memcpy(pseudo, src->addr, 4);
		memcpy(pseudo + 4, dst->addr, 4);
		put16(pseudo + 8, 6);
		put16(pseudo + 10, (uint16_t)(thl + len));
		sum = csum_add(0, pseudo, 12);
	} else {
		put16(p + 12, 0x86dd);
		th = ip + IPV6_HLEN;
		l3len = IPV6_HLEN + thl + len;
		put32(ip, 0x60000000);
		put16(ip + 4, (uint16_t)(thl + len));
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, src->addr, 16);
		memcpy(ip + 24, dst->addr, 16);
		/* RFC 8200 8.1: IPv6 pseudo-header */
		memcpy(pseudo, src->addr, 16);
		memcpy(pseudo + 16, dst->addr, 16);
		put32(pseudo + 32, thl + len);
		put32(pseudo + 36, 6);
		sum = csum_add(0, pseudo, 40);
	}
	put16(th, src->port);
	put16(th + 2, dst->port);
	put32(th + 4, seq);
	put32(th + 8, flags & TCPF_ACK ? ack : 0);
	th[12] = (uint8_t)(thl / 4) << 4;
	th[13] = flags;
	put16(th + 14, 65535);
	put16(th + 16, 0);
	put16(th + 18, 0);
	if (flags & TCPF_SYN) {
		th[20] = 2; /* MSS, RFC 9293 3.2 */
		th[21] = 4;
		put16(th + 22, (uint16_t)g->o->mss);
	}
	if (len)
		memcpy(th + thl, payload, len);
	put16(th + 16, csum_fold(csum_add(sum, th, thl + len)));

	g->frames++;
	if (g->o->nencap) {
		size_t n = encap_wrap_all(g->wrapped, g->wrap_tmp, g->frame_room, p, ETH_HLEN + l3len,
					  g->o->encap, g->o->nencap, from);

		if (!n)
			return -EINVAL;
		return pcap_write_frame(g->f, ts_us, g->wrapped, (uint32_t)n);
	}
	return pcap_write_frame(g->f, ts_us, p, (uint32_t)(ETH_HLEN + l3len));
}

/* Shuffle within consecutive blocks of `window` entries, so a segment moves fewer than
 * `window` places. */
static void reorder(struct gen *g, struct seg *s, size_t n, uint32_t window)
{
	size_t start, i, j, end;
	struct seg t;

	if (window < 2)
		return;
	for (start = 0; start < n; start += window) {
		end = start + window < n ? start + window : n;
		for (i = end - 1; i > start; i--) {
			j = start + rng_next(g) % (i - start + 1);
			t = s[i];
			s[i] = s[j];
			s[j] = t;
		}
	}
}

static int send_turn(struct gen *g, const struct turn *t)
{
	const struct opts *o = g->o;
	int from = t->side, to = !t->side;
	size_t nseg = (t->len + o->mss - 1) / o->mss, i, n = 0;
	uint32_t base = g->snd_nxt[from], hole_off = UINT32_MAX;
	struct seg *out;
	bool *lost;
	int ret = 0;

	if (!t->len)
		return 0;
	out = calloc(nseg * 2, sizeof(*out));
	lost = calloc(nseg, sizeof(*lost));
	if (!out || !lost) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < nseg; i++) {
		lost[i] = chance(g, o->drop_pct);
		if (lost[i] && hole_off == UINT32_MAX)
			hole_off = (uint32_t)(i * o->mss);
	}
	for (i = 0; i < nseg; i++) {
		uint32_t off = (uint32_t)(i * o->mss);
		uint32_t len = (uint32_t)(t->len - off < o->mss ? t->len - off : o->mss);

		if (lost[i]) {
			g->dropped++;
			continue;
		}
		out[n++] = (struct seg){ off, len };
		if (!chance(g, o->retransmit_pct))
			continue;
		g->retransmitted++;
		if (o->overlap) {
			/* Resent with new boundaries: the second half of this segment and the first
			 * half of the next one (unless that one is lost: we never fill holes). */
			uint32_t start = off + len / 2, end = off + len;

			if (i + 1 < nseg && !lost[i + 1]) {
				uint32_t nlen =
					(uint32_t)(t->len - end < o->mss ? t->len - end : o->mss);

				end += nlen / 2 ? nlen / 2 : 1;
			}
			out[n++] = (struct seg){ start, end - start };
		} else {
			out[n++] = (struct seg){ off, len };
		}
	}
	reorder(g, out, n, o->reorder);
	for (i = 0; i < n && !ret; i++) {
		uint8_t flags = TCPF_ACK | (out[i].off + out[i].len == t->len ? TCPF_PSH : 0);

		ret = emit(g, from, flags, base + out[i].off, g->rcv_ack[from],
			   t->data + out[i].off, out[i].len);
		g->segs[from]++;
	}
	g->snd_nxt[from] = base + (uint32_t)t->len;
	g->bytes[from] += t->len;
	if (hole_off != UINT32_MAX && !g->hole[from]) {
		g->hole[from] = true;
		g->rcv_ack[to] = base + hole_off;
	} else if (!g->hole[from]) {
		g->rcv_ack[to] = g->snd_nxt[from];
	}
	if (!ret)
		ret = emit(g, to, TCPF_ACK, g->snd_nxt[to], g->rcv_ack[to], NULL, 0);
cleanup:
	free(out);
	free(lost);
	return ret;
}

/* A FIN takes one sequence number; the peer acknowledges it unless data before it was lost. */
static int send_fin(struct gen *g, int from)
{
	int ret = emit(g, from, TCPF_FIN | TCPF_ACK, g->snd_nxt[from], g->rcv_ack[from], NULL, 0);

	g->snd_nxt[from]++;
	if (!g->hole[from])
		g->rcv_ack[!from] = g->snd_nxt[from];
	return ret;
}

static int generate(struct gen *g, const struct turn *turns, size_t nturns)
{
	const struct opts *o = g->o;
	size_t i;
	int ret;

	ret = pcap_write_header(g->f, SNAPLEN, LINKTYPE_ETHERNET);
	g->snd_nxt[CLIENT] = o->isn[CLIENT] + 1;
	g->snd_nxt[SERVER] = o->isn[SERVER] + 1;
	g->rcv_ack[CLIENT] = g->snd_nxt[SERVER];
	g->rcv_ack[SERVER] = g->snd_nxt[CLIENT];
	if (!o->no_syn && !ret) {
		ret = emit(g, CLIENT, TCPF_SYN, o->isn[CLIENT], 0, NULL, 0);
		if (!ret)
			ret = emit(g, SERVER, TCPF_SYN | TCPF_ACK, o->isn[SERVER],
				   g->snd_nxt[CLIENT], NULL, 0);
		if (!ret)
			ret = emit(g, CLIENT, TCPF_ACK, g->snd_nxt[CLIENT], g->snd_nxt[SERVER],
				   NULL, 0);
	}
	for (i = 0; i < nturns && !ret; i++)
		ret = send_turn(g, &turns[i]);
	if (ret)
		return ret;
	switch (o->ending) {
	case END_RST_CLIENT:
		return emit(g, CLIENT, TCPF_RST | TCPF_ACK, g->snd_nxt[CLIENT], g->rcv_ack[CLIENT],
			    NULL, 0);
	case END_RST_SERVER:
		return emit(g, SERVER, TCPF_RST | TCPF_ACK, g->snd_nxt[SERVER], g->rcv_ack[SERVER],
			    NULL, 0);
	case END_FIN:
	default:
		ret = send_fin(g, CLIENT);
		if (!ret)
			ret = send_fin(g, SERVER);
		if (!ret)
			ret = emit(g, CLIENT, TCPF_ACK, g->snd_nxt[CLIENT], g->rcv_ack[CLIENT],
				   NULL, 0);
		return ret;
	}
}

static int parse_endpoint(const char *s, struct endpoint *ep)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	char *end;
	unsigned long port;
	size_t hl;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		hl = (size_t)(rb - s - 1);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		colon = rb + 1;
		ep->family = AF_INET6;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hl);
		host[hl] = '\0';
		ep->family = AF_INET;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port > 65535)
		return -EINVAL;
	ep->port = (uint16_t)port;
	memset(ep->addr, 0, sizeof(ep->addr));
	return inet_pton(ep->family, host, ep->addr) == 1 ? 0 : -EINVAL;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	if (*s == '-')
		return -EINVAL;
	*v = strtoull(s, &end, 0);
	return errno || *end || end == s || *v > max ? -EINVAL : 0;
}

static int read_file(struct turn *t)
{
	FILE *f = fopen(t->path, "rb");
	size_t cap = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t n;

		if (t->len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(t->data, cap);
			if (!nb) {
				fclose(f);
				return -ENOMEM;
			}
			t->data = nb;
		}
		n = fread(t->data + t->len, 1, cap - t->len, f);
		t->len += n;
		if (n == 0)
			break;
		if (t->len > UINT32_MAX / 2) {
			fclose(f);
			return -E2BIG;
		}
	}
	if (ferror(f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pcapgen -o OUT.pcap [options] c:FILE | s:FILE ...\n"
		"Writes one TCP connection (Ethernet, classic pcap, microseconds) whose\n"
		"turns carry the given files: c: = bytes the client sends, s: = bytes the\n"
		"server sends.\n"
		"  --client IP:PORT|[IP6]:PORT   default 10.0.0.1:40000\n"
		"  --server IP:PORT|[IP6]:PORT   default 10.0.0.2:443\n"
		"  --mss N              segment size (default 1460, max %d)\n"
		"  --no-syn             no 3-way handshake (start mid-stream)\n"
		"  --fin | --rst-client | --rst-server   how it ends (default FIN both ways)\n"
		"  --reorder N          shuffle each turn's segments within windows of N\n"
		"  --retransmit P       P%% of segments are sent twice\n"
		"  --drop P             P%% of segments are lost (never sent)\n"
		"  --overlap            retransmissions also cover half of the next segment\n"
		"  --seed S             random seed (default 1)\n"
		"  --start-time SECS    time of the first frame (default 1700000000)\n"
		"  --gap-us N           time between frames (default 1000)\n"
		"  --isn-client N, --isn-server N   initial sequence numbers\n"
		"  --encap L[/L...]     wrap every frame, outermost layer first; L is\n"
		"                       pppoe:SESSION, mpls:LABEL (under label 16), gre, gre:KEY,\n"
		"                       gre-all:KEY (checksum, key, sequence), gre-eth:KEY\n"
		"                       (Ethernet bridging), vxlan:VNI, geneve:VNI (one option),\n"
		"                       ipip (outer IPv4), ipip6 (outer IPv6); gre6, gre6:KEY and\n"
		"                       vxlan6:VNI over IPv6\n",
		MAX_MSS);
}

static int parse_args(int argc, char **argv, struct opts *o, struct turn **turns, size_t *nturns)
{
	static const struct option lopts[] = {
		{ "client", required_argument, NULL, 'C' },
		{ "server", required_argument, NULL, 'S' },
		{ "mss", required_argument, NULL, 'm' },
		{ "no-syn", no_argument, NULL, 'n' },
		{ "fin", no_argument, NULL, 'F' },
		{ "rst-client", no_argument, NULL, 'R' },
		{ "rst-server", no_argument, NULL, 'T' },
		{ "reorder", required_argument, NULL, 'r' },
		{ "retransmit", required_argument, NULL, 't' },
		{ "drop", required_argument, NULL, 'd' },
		{ "overlap", no_argument, NULL, 'O' },
		{ "seed", required_argument, NULL, 's' },
		{ "start-time", required_argument, NULL, 'b' },
		{ "gap-us", required_argument, NULL, 'g' },
		{ "isn-client", required_argument, NULL, 'i' },
		{ "isn-server", required_argument, NULL, 'j' },
		{ "encap", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t v;
	int c, i;

	while ((c = getopt_long(argc, argv, "o:h", lopts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'C':
			bad = parse_endpoint(optarg, &o->ep[CLIENT]);
			break;
		case 'S':
			bad = parse_endpoint(optarg, &o->ep[SERVER]);
			break;
		case 'm':
			bad = parse_u64(optarg, MAX_MSS, &v) || !v;
			o->mss = (uint32_t)v;
			break;
		case 'n':
			o->no_syn = true;
			break;
		case 'F':
			o->ending = END_FIN;
			break;
		case 'R':
			o->ending = END_RST_CLIENT;
			break;
		case 'T':
			o->ending = END_RST_SERVER;
			break;
		case 'r':
			bad = parse_u64(optarg, 1u << 20, &v);
			o->reorder = (uint32_t)v;
			break;
		case 't':
			bad = parse_u64(optarg, 100, &v);
			o->retransmit_pct = (uint32_t)v;
			break;
		case 'd':
			bad = parse_u64(optarg, 100, &v);
			o->drop_pct = (uint32_t)v;
			break;
		case 'O':
			o->overlap = true;
			break;
		case 's':
			bad = parse_u64(optarg, UINT64_MAX, &o->seed);
			break;
		case 'b':
			bad = parse_u64(optarg, UINT32_MAX, &o->start_time);
			break;
		case 'g':
			bad = parse_u64(optarg, 3600000000ull, &o->gap_us);
			break;
		case 'i':
			bad = parse_u64(optarg, UINT32_MAX, &v);
			o->isn[CLIENT] = (uint32_t)v;
			break;
		case 'j':
			bad = parse_u64(optarg, UINT32_MAX, &v);
			o->isn[SERVER] = (uint32_t)v;
			break;
		case 'e':
			o->nencap = encap_parse_spec(optarg, o->encap, ENCAP_BUILD_MAX);
			bad = o->nencap < 0;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
		if (bad) {
			fprintf(stderr, "pcapgen: bad option value: %s\n", optarg);
			return -EINVAL;
		}
	}
	if (!o->out) {
		fprintf(stderr, "pcapgen: -o OUT.pcap is required\n");
		return -EINVAL;
	}
	if (o->ep[CLIENT].family != o->ep[SERVER].family) {
		fprintf(stderr, "pcapgen: client and server must both be IPv4 or both IPv6\n");
		return -EINVAL;
	}
	*nturns = (size_t)(argc - optind);
	*turns = calloc(*nturns ? *nturns : 1, sizeof(**turns));
	if (!*turns)
		return -ENOMEM;
	for (i = optind; i < argc; i++) {
		struct turn *t = &(*turns)[i - optind];

		if ((argv[i][0] != 'c' && argv[i][0] != 's') || argv[i][1] != ':' || !argv[i][2]) {
			fprintf(stderr, "pcapgen: turn must be c:FILE or s:FILE, got '%s'\n",
				argv[i]);
			return -EINVAL;
		}
		t->side = argv[i][0] == 'c' ? CLIENT : SERVER;
		t->path = argv[i] + 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.mss = 1460,
		.seed = 1,
		.start_time = 1700000000,
		.gap_us = 1000,
		.isn = { 1000000, 2000000 },
	};
	struct gen g = { .o = &o };
	struct turn *turns = NULL;
	size_t nturns = 0, i;
	int ret;

	parse_endpoint("10.0.0.1:40000", &o.ep[CLIENT]);
	parse_endpoint("10.0.0.2:443", &o.ep[SERVER]);
	ret = parse_args(argc, argv, &o, &turns, &nturns);
	if (ret) {
		usage(stderr);
		ret = 2;
		goto cleanup;
	}
	for (i = 0; i < nturns; i++) {
		int err = read_file(&turns[i]);

		if (err) {
			fprintf(stderr, "pcapgen: %s: %s\n", turns[i].path, strerror(-err));
			ret = 1;
			goto cleanup;
		}
	}
	g.rng = o.seed;
	g.frame_room = ETH_HLEN + IPV6_HLEN + TCP_HLEN + MSS_OPT_LEN + MAX_MSS + ENCAP_ROOM;
	g.frame = malloc(g.frame_room);
	g.wrapped = malloc(g.frame_room);
	g.wrap_tmp = malloc(g.frame_room);
	g.f = fopen(o.out, "wb");
	if (!g.frame || !g.wrapped || !g.wrap_tmp || !g.f) {
		fprintf(stderr, "pcapgen: %s: %s\n", o.out, strerror(errno));
		ret = 1;
		goto cleanup;
	}
	ret = generate(&g, turns, nturns);
	if (fclose(g.f) && !ret)
		ret = -EIO;
	g.f = NULL;
	if (ret) {
		fprintf(stderr, "pcapgen: %s: %s\n", o.out, strerror(-ret));
		ret = 1;
		goto cleanup;
	}
	fprintf(stderr,
		"pcapgen: %s: %llu frames, client %llu bytes in %llu segments, "
		"server %llu bytes in %llu segments, %llu dropped, %llu retransmitted\n",
		o.out, (unsigned long long)g.frames, (unsigned long long)g.bytes[CLIENT],
		(unsigned long long)g.segs[CLIENT], (unsigned long long)g.bytes[SERVER],
		(unsigned long long)g.segs[SERVER], (unsigned long long)g.dropped,
		(unsigned long long)g.retransmitted);
cleanup:
	if (g.f)
		fclose(g.f);
	free(g.frame);
	free(g.wrapped);
	free(g.wrap_tmp);
	for (i = 0; i < nturns && turns; i++)
		free(turns[i].data);
	free(turns);
	return ret;
}
