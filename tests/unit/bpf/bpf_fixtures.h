/* Fixture frames and helpers the BPF_PROG_TEST_RUN tests share: a frame builder, the ring-buffer
 * records the programs emitted, and runs through one hook that check the verdict. */
#ifndef TLSMON_TEST_BPF_FIXTURES_H
#define TLSMON_TEST_BPF_FIXTURES_H

#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>

#include "check.h"
#include "capture/live_bpf.h"

#define MAX_RECS 16
#define REC_BYTES (TLSMON_REC_DATA_MAX + 64)

struct rec {
	struct frame f;
	uint8_t data[REC_BYTES];
};

static struct rec recs[MAX_RECS];
static int nrecs;
static int recs_overflow;

static inline void on_frame(void *ctx, const struct frame *f)
{
	(void)ctx;
	if (nrecs >= MAX_RECS || f->caplen > REC_BYTES) {
		recs_overflow = 1;
		return;
	}
	recs[nrecs].f = *f;
	memcpy(recs[nrecs].data, f->data, f->caplen);
	recs[nrecs].f.data = recs[nrecs].data;
	nrecs++;
}

static const uint16_t port443[] = { 443 };

/* The programs loaded (not attached) watching ports; no records yet. */
static inline struct live_bpf *open_lb_ports(const uint16_t *ports, size_t nports, uint32_t budget,
					     uint32_t snaplen, uint32_t ringbuf)
{
	struct live_bpf_opts o = {
		.ports = ports,
		.nports = nports,
		.max_flows = 1024,
		.budget = budget,
		.snaplen = snaplen,
		.ringbuf_bytes = ringbuf,
		.on_frame = on_frame,
		.verbose = getenv("TLSMON_TEST_VERBOSE") != NULL,
	};
	char err[256] = "";
	struct live_bpf *lb = live_bpf__open(&o, err, sizeof(err));

	if (!lb)
		fprintf(stderr, "  live_bpf__open: %s\n", err);
	nrecs = 0;
	recs_overflow = 0;
	return lb;
}

static inline struct live_bpf *open_lb_rb(uint32_t budget, uint32_t snaplen, uint32_t ringbuf)
{
	return open_lb_ports(port443, 1, budget, snaplen, ringbuf);
}

static inline struct live_bpf *open_lb(uint32_t budget, uint32_t snaplen)
{
	return open_lb_rb(budget, snaplen, 1 << 20);
}

/* Fixture frame description. */
struct fx {
	int nvlan;
	uint16_t tpid[2];
	int family; /* 4, 6, or 0 for ARP */
	int ip6_ext; /* hop-by-hop + destination options headers before TCP */
	int ip6_frag; /* a fragment header before TCP */
	int ip6_dst_n; /* that many more 8-byte destination options headers, after ip6_ext's */
	uint16_t frag6; /* the fragment header's offset+M field; 0 = M only (the first fragment) */
	uint32_t ip_id; /* IPv4 ID, or the IPv6 fragment header's */
	uint16_t frag; /* IPv4 flags+offset field */
	uint8_t proto; /* 6 or 17 */
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t tcp_flags;
	const uint8_t *payload;
	size_t plen;
};

static inline uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
	return p + 2;
}

static inline uint8_t *put32(uint8_t *p, uint32_t v)
{
	return put16(put16(p, v >> 16), v);
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static inline uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline size_t build(const struct fx *f, uint8_t *buf)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	uint8_t *p = buf;
	size_t l4 = f->proto == 17 ? 8 : 20;
	int i;

	memcpy(p, mac, 12);
	p += 12;
	for (i = 0; i < f->nvlan; i++) {
		p = put16(p, f->tpid[i]);
		p = put16(p, 100 + i);
	}
	if (f->family == 0) { /* ARP request */
		p = put16(p, 0x0806);
		memset(p, 0x11, 28);
		return (size_t)(p + 28 - buf);
	}
	p = put16(p, f->family == 4 ? 0x0800 : 0x86dd);
	if (f->family == 4) {
		memset(p, 0, 20);
		p[0] = 0x45;
		put16(p + 2, (uint16_t)(20 + l4 + f->plen));
		put16(p + 4, (uint16_t)f->ip_id);
		put16(p + 6, f->frag);
		p[8] = 64;
		p[9] = f->proto;
		memcpy(p + 12, f->saddr, 4);
		memcpy(p + 16, f->daddr, 4);
		put16(p + 10, ip_csum(p, 20));
		p += 20;
	} else {
		uint8_t after_ext = f->ip6_dst_n ? 60 : f->ip6_frag ? 44 : f->proto;
		uint8_t next = f->ip6_ext ? 0 : after_ext;
		size_t ext = (f->ip6_ext ? 24 : 0) + (f->ip6_frag ? 8 : 0) + 8 * (size_t)f->ip6_dst_n;

		memset(p, 0, 40);
		p[0] = 0x60;
		put16(p + 4, (uint16_t)(ext + l4 + f->plen));
		p[6] = next;
		p[7] = 64;
		memcpy(p + 8, f->saddr, 16);
		memcpy(p + 24, f->daddr, 16);
		p += 40;
		if (f->ip6_ext) { /* hop-by-hop (8 bytes) then destination options (16 bytes) */
			memset(p, 0, 24);
			p[0] = 60;
			p[1] = 0;
			p[8] = after_ext;
			p[9] = 1;
			p += 24;
		}
		for (i = 0; i < f->ip6_dst_n; i++) { /* each 8 bytes: Pad1 x 6 */
			memset(p, 0, 8);
			p[0] = i + 1 < f->ip6_dst_n ? 60 : f->ip6_frag ? 44 : f->proto;
			p += 8;
		}
		if (f->ip6_frag) {
			memset(p, 0, 8);
			p[0] = f->proto;
			put16(p + 2, f->frag6 ? f->frag6 : 1); /* M flag */
			put32(p + 4, f->ip_id);
			p += 8;
		}
	}
	p = put16(p, f->sport);
	p = put16(p, f->dport);
	if (f->proto == 17) {
		p = put16(p, (uint16_t)(8 + f->plen));
		p = put16(p, 0);
	} else {
		p = put32(p, f->seq);
		p = put32(p, 1000);
		*p++ = 5 << 4;
		*p++ = f->tcp_flags;
		p = put16(p, 65535);
		p = put32(p, 0);
	}
	if (f->plen)
		memcpy(p, f->payload, f->plen);
	return (size_t)(p + f->plen - buf);
}

static inline void fx_tcp4(struct fx *f, uint16_t sport, uint16_t dport, uint8_t flags)
{
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };

	memset(f, 0, sizeof(*f));
	f->family = 4;
	f->proto = 6;
	memcpy(f->saddr, sport == 443 ? b : a, 4);
	memcpy(f->daddr, sport == 443 ? a : b, 4);
	f->sport = sport;
	f->dport = dport;
	f->seq = 0x10000000;
	f->tcp_flags = flags;
}

static inline void fx_tcp6(struct fx *f, uint16_t sport, uint16_t dport, uint8_t flags)
{
	memset(f, 0, sizeof(*f));
	f->family = 6;
	f->proto = 6;
	f->saddr[0] = 0xfd;
	f->saddr[15] = 1;
	f->daddr[0] = 0xfd;
	f->daddr[15] = 2;
	f->sport = sport;
	f->dport = dport;
	f->seq = 7;
	f->tcp_flags = flags;
}

static const int hooks[] = { TLSMON_HOOK_XDP, TLSMON_HOOK_TC_INGRESS, TLSMON_HOOK_TC_EGRESS };

/* Run one frame through a hook; checks the verdict is "pass" and drains the ring buffer. */
static inline int run(struct live_bpf *lb, int hook, const uint8_t *pkt, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (uint32_t)len,
		    .repeat = 1);
	int e;

	e = bpf_prog_test_run_opts(live_bpf__prog_fd(lb, hook), &o);
	CHECK_EQ(e, 0);
	if (e)
		fprintf(stderr, "  test_run: %s\n", strerror(errno));
	if (hook == TLSMON_HOOK_XDP)
		CHECK_EQ(o.retval, XDP_PASS);
	else
		CHECK(o.retval == (uint32_t)TC_ACT_UNSPEC || o.retval == TC_ACT_OK);
	return live_bpf__consume(lb);
}

/* Build f into pkt (its length into *len) and run it through a hook: run()'s result. */
static inline int send_fx(struct live_bpf *lb, int hook, const struct fx *f, uint8_t *pkt,
			  size_t *len)
{
	*len = build(f, pkt);
	return run(lb, hook, pkt, *len);
}

static inline uint64_t ctr(struct live_bpf *lb, int id)
{
	uint64_t c[TLSMON_CTR__COUNT];

	if (live_bpf__read_counters(lb, c))
		return UINT64_MAX;
	return c[id];
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The last record is exactly pkt, from hook, stamped about now. */
static inline void check_rec(int idx, int hook, const uint8_t *pkt, size_t len)
{
	const struct frame *f;
	uint64_t now = now_ns();

	CHECK(idx < nrecs);
	if (idx >= nrecs)
		return;
	f = &recs[idx].f;
	CHECK_EQ(f->caplen, len);
	CHECK_EQ(f->wirelen, len);
	CHECK_EQ(f->linktype, LINKTYPE_ETHERNET);
	CHECK_EQ(f->ifindex, 1); /* test runs happen on lo */
	CHECK_EQ(f->direction, hook == TLSMON_HOOK_TC_EGRESS ? FRAME_DIR_EGRESS : FRAME_DIR_INGRESS);
	CHECK(f->ts_ns <= now && f->ts_ns > now - 5000000000ull);
	CHECK(f->caplen == len && memcmp(f->data, pkt, len) == 0);
}

static inline void key_of(const struct fx *f, struct tlsmon_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)f->family;
	k->port[0] = f->sport;
	k->port[1] = f->dport;
	memcpy(k->addr[0], f->saddr, f->family == 4 ? 4 : 16);
	memcpy(k->addr[1], f->daddr, f->family == 4 ? 4 : 16);
}

static const uint8_t client_hello[] = { 0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b,
					0x03, 0x03, 0xaa, 0xbb, 0xcc };

#endif
