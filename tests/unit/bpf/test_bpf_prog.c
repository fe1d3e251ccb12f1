/* The capture filter through BPF_PROG_TEST_RUN: fixture frames into the XDP and both TC programs,
 * checking verdict (always pass), ring-buffer records (header and bytes) and counters. Also the
 * loader's attach/detach on lo. Needs root; skips (exit 0) otherwise. */
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

static void on_frame(void *ctx, const struct frame *f)
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

static struct live_bpf *open_lb_rb(uint32_t budget, uint32_t snaplen, uint32_t ringbuf)
{
	struct live_bpf_opts o = {
		.ports = port443,
		.nports = 1,
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

static struct live_bpf *open_lb(uint32_t budget, uint32_t snaplen)
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
	uint16_t frag; /* IPv4 flags+offset field */
	uint8_t proto; /* 6 or 17 */
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t tcp_flags;
	const uint8_t *payload;
	size_t plen;
};

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	return put16(put16(p, v >> 16), v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t build(const struct fx *f, uint8_t *buf)
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
		put16(p + 6, f->frag);
		p[8] = 64;
		p[9] = f->proto;
		memcpy(p + 12, f->saddr, 4);
		memcpy(p + 16, f->daddr, 4);
		put16(p + 10, ip_csum(p, 20));
		p += 20;
	} else {
		uint8_t next = f->ip6_ext ? 0 : f->ip6_frag ? 44 : f->proto;
		size_t ext = (f->ip6_ext ? 24 : 0) + (f->ip6_frag ? 8 : 0);

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
			p[8] = f->ip6_frag ? 44 : f->proto;
			p[9] = 1;
			p += 24;
		}
		if (f->ip6_frag) {
			memset(p, 0, 8);
			p[0] = f->proto;
			p[3] = 1; /* M flag */
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

static void fx_tcp4(struct fx *f, uint16_t sport, uint16_t dport, uint8_t flags)
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

static void fx_tcp6(struct fx *f, uint16_t sport, uint16_t dport, uint8_t flags)
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
static int run(struct live_bpf *lb, int hook, const uint8_t *pkt, size_t len)
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
static int send_fx(struct live_bpf *lb, int hook, const struct fx *f, uint8_t *pkt, size_t *len)
{
	*len = build(f, pkt);
	return run(lb, hook, pkt, *len);
}

static uint64_t ctr(struct live_bpf *lb, int id)
{
	uint64_t c[TLSMON_CTR__COUNT];

	if (live_bpf__read_counters(lb, c))
		return UINT64_MAX;
	return c[id];
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The last record is exactly pkt, from hook, stamped about now. */
static void check_rec(int idx, int hook, const uint8_t *pkt, size_t len)
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

static void key_of(const struct fx *f, struct tlsmon_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)f->family;
	k->port[0] = f->sport;
	k->port[1] = f->dport;
	memcpy(k->addr[0], f->saddr, f->family == 4 ? 4 : 16);
	memcpy(k->addr[1], f->daddr, f->family == 4 ? 4 : 16);
}

static void test_not_matched(void)
{
	uint8_t pkt[256];
	struct fx f;
	size_t h, len;

	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(0, 0);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		memset(&f, 0, sizeof(f)); /* ARP */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		fx_tcp4(&f, 40000, 443, TCPF_SYN);
		f.proto = 17; /* UDP to 443 */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		fx_tcp4(&f, 40000, 80, TCPF_SYN); /* TCP, other port */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		fx_tcp4(&f, 40000, 443, TCPF_ACK); /* 443, no SYN, no handshake payload */
		f.payload = (const uint8_t *)"GET / HTTP/1.1\r\n";
		f.plen = 16;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		fx_tcp4(&f, 40000, 443, TCPF_SYN);
		len = build(&f, pkt);
		pkt[14] = 0x44; /* IPv4 with ihl 4: malformed */
		CHECK_EQ(run(lb, hook, pkt, len), 0);
		pkt[14] = 0x45;
		pkt[14 + 20 + 12] = 4 << 4; /* TCP data offset 4: malformed */
		CHECK_EQ(run(lb, hook, pkt, len), 0);
		pkt[14 + 20 + 12] = 5 << 4;
		CHECK_EQ(run(lb, hook, pkt, 14 + 20 + 10), 0); /* TCP header cut short */

		CHECK_EQ(nrecs, 0);
		CHECK_EQ(ctr(lb, TLSMON_CTR_SEEN_XDP + hook), 7);
		CHECK_EQ(ctr(lb, TLSMON_CTR_MATCHED_XDP + hook), 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_STARTED), 0);
		CHECK_EQ(ctr(lb, TLSMON_CTR_COPIED_XDP + hook), 0);
		live_bpf__close(lb);
	}
}

static void test_vlan_and_ipv6_ext(void)
{
	uint8_t pkt[256];
	struct fx f;
	size_t h, len;

	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(0, 0);
		int hook = hooks[h], n = 0;

		CHECK(lb);
		if (!lb)
			return;
		fx_tcp4(&f, 40001, 443, TCPF_SYN);
		f.nvlan = 1;
		f.tpid[0] = 0x8100;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(n++, hook, pkt, len);

		fx_tcp4(&f, 40002, 443, TCPF_SYN); /* QinQ */
		f.nvlan = 2;
		f.tpid[0] = 0x88a8;
		f.tpid[1] = 0x8100;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(n++, hook, pkt, len);

		fx_tcp6(&f, 40003, 443, TCPF_SYN);
		f.ip6_ext = 1;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(n++, hook, pkt, len);

		fx_tcp6(&f, 443, 40004, TCPF_SYN | TCPF_ACK); /* plain IPv6, server side */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(n++, hook, pkt, len);

		fx_tcp6(&f, 40005, 443, TCPF_SYN); /* IPv6 fragment: skipped */
		f.ip6_ext = 1;
		f.ip6_frag = 1;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);

		CHECK_EQ(nrecs, 4);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_STARTED), 4);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FRAGMENTS), 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_COPIED_XDP + hook), 4);
		live_bpf__close(lb);
	}
}

static void test_ipv4_fragment(void)
{
	uint8_t pkt[256];
	struct fx f;
	size_t h, len;

	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(0, 0);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		fx_tcp4(&f, 40010, 443, TCPF_SYN);
		f.frag = 0x2000; /* MF, offset 0: the first fragment has the TCP header */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		f.frag = 0x0010; /* a later fragment */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		f.frag = 0x4000; /* DF only: not a fragment */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FRAGMENTS), 2);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_STARTED), 1);
		live_bpf__close(lb);
	}
}

static const uint8_t client_hello[] = { 0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b,
					0x03, 0x03, 0xaa, 0xbb, 0xcc };

static void test_track_start(void)
{
	static const uint8_t sslv2[] = { 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15 };
	struct tlsmon_flow_key k;
	struct tlsmon_flow fl;
	uint8_t pkt[256];
	struct fx f;
	size_t h, len, synlen;

	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(0, 0);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		/* SYN starts tracking; the SYN-ACK counts against the other side */
		fx_tcp4(&f, 40020, 443, TCPF_SYN);
		synlen = build(&f, pkt);
		CHECK_EQ(run(lb, hook, pkt, synlen), 1);
		check_rec(0, hook, pkt, synlen);
		key_of(&f, &k);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
		CHECK_EQ(fl.state, TLSMON_FLOW_TRACKING);
		/* 10.0.0.1 < 10.0.0.2: the client is side 0 */
		CHECK_EQ(fl.bytes[0], synlen);
		CHECK_EQ(fl.bytes[1], 0);
		fx_tcp4(&f, 443, 40020, TCPF_SYN | TCPF_ACK);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(1, hook, pkt, len);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
		CHECK_EQ(fl.bytes[1], len);

		/* ClientHello without a SYN seen */
		fx_tcp4(&f, 40021, 443, TCPF_ACK | TCPF_PSH);
		f.payload = client_hello;
		f.plen = sizeof(client_hello);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(2, hook, pkt, len);

		/* SSLv2-format ClientHello */
		fx_tcp6(&f, 40022, 443, TCPF_ACK);
		f.payload = sslv2;
		f.plen = sizeof(sslv2);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(3, hook, pkt, len);

		/* a record header with a bad version does not start tracking */
		fx_tcp4(&f, 40023, 443, TCPF_ACK);
		f.payload = (const uint8_t *)"\x16\x03\x05\x00\x10";
		f.plen = 5;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		/* nor does a 4-byte payload */
		f.payload = client_hello;
		f.plen = 4;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);

		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_STARTED), 3);
		CHECK_EQ(ctr(lb, TLSMON_CTR_COPIED_XDP + hook), 4);
		CHECK_EQ(ctr(lb, TLSMON_CTR_BYTES_COPIED),
			 recs[0].f.caplen + recs[1].f.caplen + recs[2].f.caplen + recs[3].f.caplen);
		live_bpf__close(lb);
	}
}

static void test_done_and_close(void)
{
	static const uint8_t appdata[] = { 0x17, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5 };
	struct tlsmon_flow_key k;
	struct tlsmon_flow fl;
	uint8_t pkt[256];
	struct fx f;
	size_t h, len;

	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(0, 0);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		fx_tcp4(&f, 40030, 443, TCPF_SYN);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		/* userspace marks it done, with the key the other way round */
		fx_tcp4(&f, 443, 40030, TCPF_ACK);
		key_of(&f, &k);
		CHECK_EQ(live_bpf__mark_done(lb, &k), 0);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
		CHECK_EQ(fl.state, TLSMON_FLOW_DONE);
		f.payload = appdata;
		f.plen = sizeof(appdata);
		f.tcp_flags = TCPF_ACK | TCPF_PSH;
		len = build(&f, pkt);
		CHECK_EQ(run(lb, hook, pkt, len), 0); /* application data: not copied */
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_DONE), 1);
		f.plen = 0;
		f.tcp_flags = TCPF_FIN | TCPF_ACK;
		len = build(&f, pkt);
		CHECK_EQ(run(lb, hook, pkt, len), 1); /* FIN of a done flow: copied */
		check_rec(1, hook, pkt, len);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0); /* one FIN: still there */
		fx_tcp4(&f, 40030, 443, TCPF_FIN | TCPF_ACK);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(2, hook, pkt, len);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), -ENOENT); /* both FINs: removed */
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_CLOSED), 1);
		f.tcp_flags = TCPF_ACK; /* the last ACK finds nothing */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		CHECK_EQ(live_bpf__mark_done(lb, &k), -ENOENT);

		/* RST removes at once, and is copied */
		fx_tcp4(&f, 40031, 443, TCPF_SYN);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		f.tcp_flags = TCPF_RST;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		key_of(&f, &k);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), -ENOENT);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_CLOSED), 2);
		CHECK_EQ(nrecs, 5);
		live_bpf__close(lb);
	}
}

/* The flow hint lets packets of flows that are not tracking skip the flow-map lookup; check that
 * it never makes a tracking flow's packet skip: the count follows SYN, done, RST and reuse, and a
 * flow sharing the slot keeps it. */
static void test_flow_hint(void)
{
	/* bytes from inside a Certificate: no record header, only a tracking flow copies them */
	static const uint8_t midrec[] = { 0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00 };
	static const uint8_t hsrec[] = { 0x16, 0x03, 0x03, 0x00, 0x04, 0x14, 0x00, 0x00, 0x00 };
	struct tlsmon_flow_key k, k2;
	struct tlsmon_flow fl;
	uint8_t pkt[256];
	uint16_t twin = 0;
	struct fx f;
	size_t h, len;
	uint32_t p;

	/* a client port whose flow lands in the same slot as port 40041's */
	fx_tcp4(&f, 40041, 443, 0);
	key_of(&f, &k);
	for (p = 1024; p < 65536 && !twin; p++) {
		fx_tcp4(&f, (uint16_t)p, 443, 0);
		key_of(&f, &k2);
		if (p != 40041 && tlsmon_flow_hint_slot(&k2) == tlsmon_flow_hint_slot(&k))
			twin = (uint16_t)p;
	}
	CHECK(twin != 0);
	/* either key order gives the same slot */
	fx_tcp4(&f, 443, 40041, 0);
	key_of(&f, &k2);
	CHECK_EQ(tlsmon_flow_hint_slot(&k2), tlsmon_flow_hint_slot(&k));

	for (h = 0; h < 3 && twin; h++) {
		struct live_bpf *lb = open_lb(0, 0);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		/* untracked data: nothing counted, nothing copied */
		fx_tcp4(&f, 40040, 443, TCPF_ACK | TCPF_PSH);
		f.payload = midrec;
		f.plen = sizeof(midrec);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		key_of(&f, &k2);
		CHECK_EQ(live_bpf__flow_hint(lb, &k2), 0);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k2, &fl), -ENOENT);

		/* a SYN counts the flow; its data from inside a record is copied */
		fx_tcp4(&f, 40041, 443, TCPF_SYN);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), 1);
		fx_tcp4(&f, 443, 40041, TCPF_ACK);
		f.payload = midrec;
		f.plen = sizeof(midrec);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);

		/* a second flow in the same slot */
		fx_tcp4(&f, twin, 443, TCPF_SYN);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		key_of(&f, &k2);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), 2);

		/* done: the first packet after the mark gives the count back, once */
		CHECK_EQ(live_bpf__mark_done(lb, &k), 0);
		fx_tcp4(&f, 443, 40041, TCPF_ACK);
		f.payload = midrec;
		f.plen = sizeof(midrec);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), 1);
		CHECK_EQ(run(lb, hook, pkt, len), 0);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_DONE), 1);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
		CHECK_EQ(fl.state, TLSMON_FLOW_DONE);
		CHECK_EQ(fl.hinted, 0);
		/* a handshake record on the done flow is still not copied */
		f.payload = hsrec;
		f.plen = sizeof(hsrec);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);

		/* the other flow in the slot is still copied */
		fx_tcp4(&f, 443, twin, TCPF_ACK);
		f.payload = midrec;
		f.plen = sizeof(midrec);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);

		/* the done flow's FIN is still copied; the other flow's RST gives its count back */
		fx_tcp4(&f, 443, 40041, TCPF_FIN | TCPF_ACK);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		fx_tcp4(&f, twin, 443, TCPF_RST);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), 0);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k2, &fl), -ENOENT);

		/* a SYN reusing the done 4-tuple is a new flow, counted again */
		fx_tcp4(&f, 40041, 443, TCPF_SYN);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), 1);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
		CHECK_EQ(fl.state, TLSMON_FLOW_TRACKING);
		CHECK_EQ(fl.hinted, 1);
		live_bpf__close(lb);
	}
}

/* A FIN that carries data (GRO merges the last segments with it) on a done flow: only its headers
 * are copied, patched into a bare FIN at the sequence number after the data; on a tracking flow
 * the whole frame is. */
static void test_fin_with_data(void)
{
	static uint8_t data[1000];
	struct tlsmon_flow_key k;
	uint8_t pkt[1200];
	const struct frame *r;
	struct fx f;
	size_t h, len;

	memset(data, 0x17, sizeof(data));
	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(0, 0);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		fx_tcp4(&f, 40050, 443, TCPF_SYN);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		/* tracking: copied whole */
		fx_tcp4(&f, 443, 40050, TCPF_FIN | TCPF_ACK);
		f.payload = data;
		f.plen = sizeof(data);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(1, hook, pkt, len);
		/* done: headers only */
		key_of(&f, &k);
		CHECK_EQ(live_bpf__mark_done(lb, &k), 0);
		fx_tcp4(&f, 40050, 443, TCPF_FIN | TCPF_ACK | TCPF_PSH);
		f.payload = data;
		f.plen = sizeof(data);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(nrecs, 3);
		if (nrecs != 3) {
			live_bpf__close(lb);
			return;
		}
		r = &recs[2].f;
		CHECK_EQ(r->caplen, 14 + 20 + 20);
		CHECK_EQ(r->wirelen, 14 + 20 + 20);
		CHECK_EQ(get16(r->data + 14 + 2), 40); /* IP total length: no payload */
		CHECK_EQ(ip_csum(r->data + 14, 20), 0); /* header checksum still valid */
		CHECK_EQ(get32(r->data + 34 + 4), f.seq + sizeof(data)); /* where the FIN sits */
		CHECK_EQ(r->data[34 + 13], TCPF_FIN | TCPF_ACK | TCPF_PSH);
		/* the rest is the frame's: MACs, IP id/flags/TTL/protocol, addresses, ports */
		CHECK(memcmp(r->data, pkt, 16) == 0 && memcmp(r->data + 18, pkt + 18, 6) == 0 &&
		      memcmp(r->data + 26, pkt + 26, 12) == 0);
		CHECK_EQ(ctr(lb, TLSMON_CTR_BYTES_COPIED), recs[0].f.caplen + recs[1].f.caplen + 54);
		live_bpf__close(lb);
	}
}

/* More flows than the map holds: the LRU evicts tracking entries and their hint counts stay;
 * the repair brings every slot back to the entries the map holds, and a second finds nothing. */
static void test_hint_repair(void)
{
	enum { NFLOWS = 3000 };
	static uint32_t expect[TLSMON_HINT_SLOTS];
	static const uint8_t midrec[] = { 0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00 };
	struct live_bpf_opts o = {
		.ports = port443, .nports = 1, .max_flows = 256, .on_frame = on_frame,
	};
	struct tlsmon_flow_key k;
	struct tlsmon_flow fl;
	uint64_t before = 0, after = 0, held = 0;
	char err[256] = "";
	struct live_bpf *lb = live_bpf__open(&o, err, sizeof(err));
	uint8_t pkt[256];
	uint16_t live_port = 0;
	struct fx f;
	size_t len;
	int i, r;

	CHECK(lb);
	if (!lb) {
		fprintf(stderr, "  live_bpf__open: %s\n", err);
		return;
	}
	memset(expect, 0, sizeof(expect));
	for (i = 0; i < NFLOWS; i++) {
		fx_tcp4(&f, (uint16_t)(20000 + i), 443, TCPF_SYN);
		len = build(&f, pkt);
		run(lb, TLSMON_HOOK_XDP, pkt, len);
	}
	for (i = 0; i < NFLOWS; i++) {
		fx_tcp4(&f, (uint16_t)(20000 + i), 443, 0);
		key_of(&f, &k);
		/* each slot once, however many of our flows share it */
		if (!expect[tlsmon_flow_hint_slot(&k)]++)
			before += live_bpf__flow_hint(lb, &k);
	}
	memset(expect, 0, sizeof(expect));
	for (i = 0; i < NFLOWS; i++) {
		fx_tcp4(&f, (uint16_t)(20000 + i), 443, 0);
		key_of(&f, &k);
		if (live_bpf__lookup_flow(lb, &k, &fl) == 0 && fl.hinted) {
			expect[tlsmon_flow_hint_slot(&k)]++;
			held++;
			live_port = (uint16_t)(20000 + i);
		}
	}
	CHECK(held > 0 && held <= 256);
	CHECK_EQ(before, NFLOWS); /* every start counted, the evicted ones too */
	r = live_bpf__hint_repair(lb);
	CHECK_EQ(r > 0, 1);
	for (i = 0; i < NFLOWS; i++) {
		fx_tcp4(&f, (uint16_t)(20000 + i), 443, 0);
		key_of(&f, &k);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), expect[tlsmon_flow_hint_slot(&k)]);
		if (expect[tlsmon_flow_hint_slot(&k)] != (uint32_t)-1) {
			after += expect[tlsmon_flow_hint_slot(&k)];
			expect[tlsmon_flow_hint_slot(&k)] = (uint32_t)-1; /* each slot once */
		}
	}
	CHECK_EQ(after, held);
	CHECK_EQ(live_bpf__hint_repair(lb), 0);
	/* a flow the map still holds keeps being copied */
	fx_tcp4(&f, 443, live_port, TCPF_ACK);
	f.payload = midrec;
	f.plen = sizeof(midrec);
	CHECK_EQ(send_fx(lb, TLSMON_HOOK_XDP, &f, pkt, &len), 1);
	live_bpf__close(lb);
}

static void test_budget(void)
{
	static uint8_t payload[1000];
	struct tlsmon_flow_key k;
	struct tlsmon_flow fl;
	uint8_t pkt[2048];
	struct fx f;
	size_t h, len;
	int i;

	memset(payload, 0x5a, sizeof(payload));
	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(2500, 0);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		fx_tcp4(&f, 443, 40040, TCPF_ACK);
		f.payload = payload;
		f.plen = sizeof(payload);
		memcpy(payload, client_hello, sizeof(client_hello));
		len = build(&f, pkt); /* 1054 bytes per frame: 3 frames pass 2500 */
		for (i = 0; i < 3; i++)
			CHECK_EQ(run(lb, hook, pkt, len), 1);
		CHECK_EQ(run(lb, hook, pkt, len), 0); /* budget spent */
		CHECK_EQ(ctr(lb, TLSMON_CTR_BUDGET_EXHAUSTED), 1);
		CHECK_EQ(run(lb, hook, pkt, len), 0);
		CHECK_EQ(ctr(lb, TLSMON_CTR_BUDGET_EXHAUSTED), 1); /* once per flow */
		key_of(&f, &k);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
		CHECK_EQ(fl.bytes[1], 3 * len);
		/* the other direction has its own budget */
		fx_tcp4(&f, 40040, 443, TCPF_ACK);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		/* FIN after the budget: copied */
		fx_tcp4(&f, 443, 40040, TCPF_FIN | TCPF_ACK);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_COPIED_XDP + hook), 5);
		live_bpf__close(lb);
	}
}

static void test_snaplen(void)
{
	static uint8_t payload[500];
	uint8_t pkt[1024];
	struct fx f;
	size_t h, len;

	memcpy(payload, client_hello, sizeof(client_hello));
	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(0, 100);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		fx_tcp4(&f, 40050, 443, TCPF_ACK);
		f.payload = payload;
		f.plen = sizeof(payload);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(nrecs, 1);
		CHECK_EQ(recs[0].f.caplen, 100);
		CHECK_EQ(recs[0].f.wirelen, len);
		CHECK(memcmp(recs[0].data, pkt, 100) == 0);
		CHECK_EQ(ctr(lb, TLSMON_CTR_TRUNCATED), 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_BYTES_COPIED), 100);
		live_bpf__close(lb);
	}
}

/* A 60 KB multi-buffer XDP frame (GSO-sized) becomes several records that are each a valid TCP
 * segment; together they carry every payload byte. */
static void test_split_large_frame(void)
{
	static uint8_t payload[60000], pkt[60200];
	struct live_bpf *lb = open_lb(0, 0);
	size_t len, hl, got = 0;
	struct fx f;
	int i;

	CHECK(lb);
	if (!lb)
		return;
	for (i = 0; i < (int)sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + (i >> 8));
	memcpy(payload, client_hello, sizeof(client_hello));
	fx_tcp4(&f, 443, 40060, TCPF_ACK | TCPF_PSH | TCPF_FIN);
	f.payload = payload;
	f.plen = sizeof(payload);
	len = build(&f, pkt);
	hl = len - sizeof(payload);
	CHECK_EQ(run(lb, TLSMON_HOOK_XDP, pkt, len), 2);
	CHECK_EQ(nrecs, 2);
	CHECK_EQ(ctr(lb, TLSMON_CTR_SPLIT), 1);
	CHECK_EQ(ctr(lb, TLSMON_CTR_COPIED_XDP), 1);
	for (i = 0; i < nrecs; i++) {
		const uint8_t *d = recs[i].data;
		size_t seg = recs[i].f.caplen - hl;

		CHECK(recs[i].f.caplen > hl);
		CHECK_EQ(recs[i].f.wirelen, recs[i].f.caplen);
		CHECK(memcmp(d, pkt, 14) == 0);
		CHECK_EQ(get16(d + 14 + 2), recs[i].f.caplen - 14); /* IPv4 total length */
		CHECK_EQ(ip_csum(d + 14, 20), 0);
		CHECK_EQ(get32(d + 34 + 4), f.seq + got); /* sequence number of the slice */
		CHECK_EQ(d[34 + 13] & TCPF_FIN, i == nrecs - 1 ? TCPF_FIN : 0);
		CHECK(got + seg <= sizeof(payload) && memcmp(d + hl, payload + got, seg) == 0);
		got += seg;
	}
	CHECK_EQ(got, sizeof(payload));
	CHECK_EQ(ctr(lb, TLSMON_CTR_BYTES_COPIED), got + 2 * hl);
	live_bpf__close(lb);
}

/* A full ring buffer drops the record, counts it, and does not charge the flow's budget. */
static void test_ringbuf_full(void)
{
	static uint8_t payload[1000];
	struct live_bpf *lb = open_lb_rb(0, 0, 4096);
	struct tlsmon_flow_key k;
	struct tlsmon_flow fl;
	uint8_t pkt[2048];
	struct fx f;
	size_t len;
	int i;

	CHECK(lb);
	if (!lb)
		return;
	memcpy(payload, client_hello, sizeof(client_hello));
	fx_tcp4(&f, 40070, 443, TCPF_ACK);
	f.payload = payload;
	f.plen = sizeof(payload);
	len = build(&f, pkt);
	for (i = 0; i < 5; i++) { /* 5 x ~1.1 KB into one 4 KiB page, nobody reading */
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (uint32_t)len,
			    .repeat = 1);

		CHECK_EQ(bpf_prog_test_run_opts(live_bpf__prog_fd(lb, TLSMON_HOOK_XDP), &o), 0);
		CHECK_EQ(o.retval, XDP_PASS);
	}
	CHECK_EQ(live_bpf__consume(lb), 3);
	CHECK_EQ(ctr(lb, TLSMON_CTR_RINGBUF_FULL), 2);
	CHECK_EQ(ctr(lb, TLSMON_CTR_COPIED_XDP), 3);
	key_of(&f, &k);
	CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
	CHECK_EQ(fl.bytes[0], 3 * len);
	for (i = 0; i < nrecs; i++)
		check_rec(i, TLSMON_HOOK_XDP, pkt, len);
	live_bpf__close(lb);
}

static int tlsmon_progs_on(int ifindex)
{
	int types[] = { 46, 47 }, n = 0;
	size_t t;
	__u32 i;

	for (t = 0; t < 2; t++) {
		__u32 ids[16];
		LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .prog_cnt = 16);

		if (bpf_prog_query_opts(ifindex, (enum bpf_attach_type)types[t], &q))
			continue;
		for (i = 0; i < q.prog_cnt; i++) {
			struct bpf_prog_info info;
			__u32 l = sizeof(info);
			int fd = bpf_prog_get_fd_by_id(ids[i]);

			memset(&info, 0, sizeof(info));
			if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &l) &&
			    !strncmp(info.name, "tlsmon_", 7))
				n++;
			if (fd >= 0)
				close(fd);
		}
	}
	return n;
}

static void test_attach(void)
{
	struct live_bpf *a = open_lb(0, 0), *b = open_lb(0, 0);
	enum live_bpf_ingress m;
	char err[256] = "";
	int lo = (int)if_nametoindex("lo");

	CHECK(a && b);
	if (!a || !b)
		goto out;
	CHECK_EQ(tlsmon_progs_on(lo), 0);
	CHECK_EQ(live_bpf__attach(a, "no-such-if0", LIVE_BPF_INGRESS_AUTO, err, sizeof(err)),
		 -ENODEV);
	CHECK_STR(err, "no such interface: no-such-if0");
	CHECK_EQ(live_bpf__attach(a, "lo", LIVE_BPF_INGRESS_AUTO, err, sizeof(err)), 0);
	CHECK_EQ(live_bpf__ingress_of(a, "lo"), LIVE_BPF_INGRESS_NONE); /* egress sees it all */
	CHECK_EQ(tlsmon_progs_on(lo), 1);
	CHECK_EQ(live_bpf__attach(b, "lo", LIVE_BPF_INGRESS_TC, err, sizeof(err)), -EEXIST);
	CHECK(strncmp(err, "tlsmon is already attached to lo (program id ", 45) == 0);
	live_bpf__close(a);
	a = NULL;
	CHECK_EQ(tlsmon_progs_on(lo), 0);
	/* after the first is gone the second can attach */
	CHECK_EQ(live_bpf__attach(b, "lo", LIVE_BPF_INGRESS_TC, err, sizeof(err)), 0);
	CHECK_EQ(live_bpf__attach(b, "lo", LIVE_BPF_INGRESS_TC, err, sizeof(err)), -EEXIST);
	CHECK_EQ(tlsmon_progs_on(lo), 1);
	CHECK_EQ(live_bpf__parse_ingress("xdp-generic", &m), 0);
	CHECK_EQ(m, LIVE_BPF_INGRESS_XDP_GENERIC);
	CHECK_EQ(live_bpf__parse_ingress("xdp-native", &m), -EINVAL);
	CHECK_STR(live_bpf__ingress_name(LIVE_BPF_INGRESS_TC), "tc");
out:
	live_bpf__close(a);
	live_bpf__close(b);
	CHECK_EQ(tlsmon_progs_on(lo), 0);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP test_bpf_prog: needs root (CAP_BPF)\n");
		return 0;
	}
	RUN_TEST(test_not_matched);
	RUN_TEST(test_vlan_and_ipv6_ext);
	RUN_TEST(test_ipv4_fragment);
	RUN_TEST(test_track_start);
	RUN_TEST(test_done_and_close);
	RUN_TEST(test_flow_hint);
	RUN_TEST(test_fin_with_data);
	RUN_TEST(test_hint_repair);
	RUN_TEST(test_budget);
	RUN_TEST(test_snaplen);
	RUN_TEST(test_split_large_frame);
	RUN_TEST(test_ringbuf_full);
	RUN_TEST(test_attach);
	return CHECK_DONE();
}
