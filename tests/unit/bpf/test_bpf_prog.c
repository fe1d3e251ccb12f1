/* The capture filter through BPF_PROG_TEST_RUN: fixture frames into the XDP and both TC programs,
 * checking verdict (always pass), ring-buffer records (header and bytes), the flow lifecycle and
 * counters. Also the loader's attach/detach on lo. Needs root; skips (exit 0) otherwise. Budgets,
 * snaplen, frame splitting and a full ring buffer are in test_bpf_limits.c. */
#include <sched.h>

#include "bpf_fixtures.h"

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

		/* the first IPv6 fragment of a datagram on the port: copied whole, for userspace
		 * to reassemble; it starts no flow */
		fx_tcp6(&f, 40005, 443, TCPF_SYN);
		f.ip6_ext = 1;
		f.ip6_frag = 1;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(n++, hook, pkt, len);

		/* five extension headers (hop-by-hop, six destination options): followed */
		fx_tcp6(&f, 40006, 443, TCPF_SYN);
		f.ip6_ext = 1;
		f.ip6_dst_n = 5;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(n++, hook, pkt, len);

		CHECK_EQ(nrecs, 6);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_STARTED), 5);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FRAGMENTS), 0);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FRAGMENTS_COPIED), 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_COPIED_XDP + hook), 5);
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
		f.ip_id = 77;
		f.frag = 0x0010; /* a later fragment before the first: nothing to go by */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		f.frag = 0x2000; /* MF, offset 0: the first fragment has the TCP header */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(0, hook, pkt, len);
		f.frag = 0x0010; /* a later fragment of the same datagram (IP ID) */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(1, hook, pkt, len);
		f.ip_id = 78; /* another datagram */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		fx_tcp4(&f, 40011, 80, TCPF_SYN); /* a first fragment on an unwatched port */
		f.frag = 0x2000;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		/* a UDP fragment (UDP may carry VXLAN, so it reaches the fragment check): counted
		 * as a fragment not copied */
		fx_tcp4(&f, 40012, 443, 0);
		f.proto = 17;
		f.frag = 0x2000;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		fx_tcp4(&f, 40010, 443, TCPF_SYN);
		f.frag = 0x4000; /* DF only: not a fragment */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FRAGMENTS), 4);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FRAGMENTS_COPIED), 2);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_STARTED), 1);
		live_bpf__close(lb);
	}
}
/* Later IPv6 fragments go by the fragment header's 32-bit ID; more extension headers than the
 * program follows are counted, not silently passed. */
static void test_ipv6_fragment_and_ext_limit(void)
{
	uint8_t pkt[512];
	struct fx f;
	size_t h, len;

	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(0, 0);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		fx_tcp6(&f, 40020, 443, TCPF_ACK);
		f.ip6_frag = 1;
		f.ip_id = 0x12345678;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		f.frag6 = 0x0100; /* offset 32, last */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(1, hook, pkt, len);
		f.ip_id = 0x12345679;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FRAGMENTS_COPIED), 2);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FRAGMENTS), 1);

		fx_tcp6(&f, 40021, 443, TCPF_SYN);
		f.ip6_ext = 1;
		f.ip6_dst_n = 14; /* 16 headers: the last the program follows */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		f.ip6_dst_n = 15;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		CHECK_EQ(ctr(lb, TLSMON_CTR_IPV6_EXT_LIMIT), 1);
		live_bpf__close(lb);
	}
}

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
 * flow sharing the slot keeps it. A done flow's count moves to the slot's done count, which makes
 * payload packets be looked up instead of read: a handshake starting on another 4-tuple of the
 * slot must still be picked up, and the done flow's own packets still not copied. */
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

		/* done: the first packet after the mark moves the count to the done count, once */
		CHECK_EQ(live_bpf__mark_done(lb, &k), 0);
		CHECK_EQ(live_bpf__flow_hint_done(lb, &k), 0);
		fx_tcp4(&f, 443, 40041, TCPF_ACK);
		f.payload = midrec;
		f.plen = sizeof(midrec);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), 1);
		CHECK_EQ(live_bpf__flow_hint_done(lb, &k), 1);
		CHECK_EQ(run(lb, hook, pkt, len), 0);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), 1);
		CHECK_EQ(live_bpf__flow_hint_done(lb, &k), 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_DONE), 1);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
		CHECK_EQ(fl.state, TLSMON_FLOW_DONE);
		CHECK_EQ(fl.hinted, TLSMON_HINT_HELD_DONE);
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
		CHECK_EQ(live_bpf__flow_hint_done(lb, &k), 1);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k2, &fl), -ENOENT);

		/* the slot now counts only the done flow: its data, a handshake record in it and
		 * its ACKs are still not copied, and stay done */
		fx_tcp4(&f, 40041, 443, TCPF_ACK | TCPF_PSH);
		f.payload = midrec;
		f.plen = sizeof(midrec);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		f.payload = hsrec;
		f.plen = sizeof(hsrec);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		fx_tcp4(&f, 443, 40041, TCPF_ACK);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
		CHECK_EQ(fl.state, TLSMON_FLOW_DONE);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_DONE), 1);
		/* Payload bytes that are not in the linear data make such a packet be looked up
		 * instead of read. Test frames are linear, so a frame cut short of what its IP
		 * header claims stands in: the done flow's is not copied, another 4-tuple's starts
		 * nothing (its bytes cannot be read). */
		fx_tcp4(&f, 40041, 443, TCPF_ACK | TCPF_PSH);
		f.payload = hsrec;
		f.plen = sizeof(hsrec);
		len = build(&f, pkt);
		CHECK_EQ(run(lb, hook, pkt, len - 6), 0);
		fx_tcp4(&f, twin, 443, TCPF_ACK | TCPF_PSH);
		f.payload = hsrec;
		f.plen = sizeof(hsrec);
		len = build(&f, pkt);
		CHECK_EQ(run(lb, hook, pkt, len - 6), 0);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k2, &fl), -ENOENT);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
		CHECK_EQ(fl.state, TLSMON_FLOW_DONE);
		/* another 4-tuple of the slot: data from inside a record is not copied and starts
		 * nothing; a handshake record is picked up mid-stream */
		fx_tcp4(&f, twin, 443, TCPF_ACK | TCPF_PSH);
		f.payload = midrec;
		f.plen = sizeof(midrec);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k2, &fl), -ENOENT);
		f.payload = hsrec;
		f.plen = sizeof(hsrec);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k2, &fl), 0);
		CHECK_EQ(fl.state, TLSMON_FLOW_TRACKING);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), 1);
		CHECK_EQ(live_bpf__flow_hint_done(lb, &k), 1);
		/* its ACKs are copied (a tracking flow's are), and its RST gives its count back */
		fx_tcp4(&f, 443, twin, TCPF_ACK);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		fx_tcp4(&f, twin, 443, TCPF_RST);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), 0);
		CHECK_EQ(live_bpf__flow_hint_done(lb, &k), 1);

		/* a SYN reusing the done 4-tuple is a new flow, counted again; the done count goes */
		fx_tcp4(&f, 40041, 443, TCPF_SYN);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), 1);
		CHECK_EQ(live_bpf__flow_hint_done(lb, &k), 0);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
		CHECK_EQ(fl.state, TLSMON_FLOW_TRACKING);
		CHECK_EQ(fl.hinted, TLSMON_HINT_HELD_TRACKING);
		/* done again, then closed by both FINs: both counts go */
		CHECK_EQ(live_bpf__mark_done(lb, &k), 0);
		fx_tcp4(&f, 40041, 443, TCPF_FIN | TCPF_ACK);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), 0);
		CHECK_EQ(live_bpf__flow_hint_done(lb, &k), 1);
		fx_tcp4(&f, 443, 40041, TCPF_FIN | TCPF_ACK);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), 0);
		CHECK_EQ(live_bpf__flow_hint_done(lb, &k), 0);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), -ENOENT);
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

static struct live_bpf_ingress_plan plan(const char *ifname, enum live_bpf_ingress mode)
{
	return live_bpf__plan_ingress(ifname, mode);
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
	CHECK_EQ(live_bpf__attach(a, "no-such-if0", plan("no-such-if0", LIVE_BPF_INGRESS_AUTO), err,
				  sizeof(err)),
		 -ENODEV);
	CHECK_STR(err, "no such interface: no-such-if0");
	CHECK_EQ(live_bpf__attach(a, "lo", plan("lo", LIVE_BPF_INGRESS_AUTO), err, sizeof(err)), 0);
	CHECK_EQ(live_bpf__ingress_of(a, "lo"), LIVE_BPF_INGRESS_NONE); /* egress sees it all */
	CHECK_EQ(tlsmon_progs_on(lo), 1);
	CHECK_EQ(live_bpf__attach(b, "lo", plan("lo", LIVE_BPF_INGRESS_TC), err, sizeof(err)), -EEXIST);
	CHECK(strncmp(err, "tlsmon is already attached to lo (program id ", 45) == 0);
	live_bpf__close(a);
	a = NULL;
	CHECK_EQ(tlsmon_progs_on(lo), 0);
	/* after the first is gone the second can attach */
	CHECK_EQ(live_bpf__attach(b, "lo", plan("lo", LIVE_BPF_INGRESS_TC), err, sizeof(err)), 0);
	CHECK_EQ(live_bpf__attach(b, "lo", plan("lo", LIVE_BPF_INGRESS_TC), err, sizeof(err)), -EEXIST);
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

static unsigned hooks_of(const char *ifname, enum live_bpf_ingress mode)
{
	struct live_bpf_ingress_plan p = live_bpf__plan_ingress(ifname, mode);

	return live_bpf__hooks_needed(&p, 1);
}

/* A daemon loads the programs its interfaces use, no more: each is verified at every start. */
static void test_hooks_needed(void)
{
	const unsigned egress = 1u << TLSMON_HOOK_TC_EGRESS;
	const unsigned tc = egress | 1u << TLSMON_HOOK_TC_INGRESS;
	struct live_bpf_opts o = { .ports = port443, .nports = 1, .max_flows = 64,
				   .ringbuf_bytes = 1 << 16, .on_frame = on_frame };
	struct live_bpf *lb;
	char err[256] = "";

	CHECK_EQ(hooks_of("lo", LIVE_BPF_INGRESS_AUTO), egress);
	CHECK_EQ(hooks_of("lo", LIVE_BPF_INGRESS_XDP), egress);
	/* AUTO's choice for an interface it cannot see is TC */
	CHECK_EQ(hooks_of("no-such-if0", LIVE_BPF_INGRESS_AUTO), tc);
	CHECK_EQ(hooks_of("no-such-if0", LIVE_BPF_INGRESS_XDP_GENERIC),
		 egress | 1u << TLSMON_HOOK_XDP);
	/* AUTO that chose XDP loads TC ingress too, as its fallback */
	CHECK_EQ(live_bpf__hooks_needed(&(struct live_bpf_ingress_plan){ LIVE_BPF_INGRESS_XDP, true },
					1),
		 tc | 1u << TLSMON_HOOK_XDP);
	o.hooks = egress;
	lb = live_bpf__open(&o, err, sizeof(err));
	CHECK(lb != NULL);
	if (!lb)
		return;
	CHECK(live_bpf__prog_fd(lb, TLSMON_HOOK_XDP) < 0);
	CHECK(live_bpf__prog_fd(lb, TLSMON_HOOK_TC_INGRESS) < 0);
	CHECK(live_bpf__prog_fd(lb, TLSMON_HOOK_TC_EGRESS) >= 0);
	CHECK_EQ(live_bpf__attach(lb, "lo", plan("lo", LIVE_BPF_INGRESS_AUTO), err, sizeof(err)), 0);
	CHECK_EQ(tlsmon_progs_on((int)if_nametoindex("lo")), 1);
	live_bpf__close(lb);
	CHECK_EQ(tlsmon_progs_on((int)if_nametoindex("lo")), 0);
}

/* The ingress is decided once: attach follows the plan the programs were loaded for, not a
 * second look at the interface. A plan of TC ingress on lo (where a look says none) loads and
 * attaches TC ingress; a plan whose program was not loaded is refused, nothing attached. */
static void test_attach_follows_plan(void)
{
	const struct live_bpf_ingress_plan tc = { LIVE_BPF_INGRESS_TC, false };
	const struct live_bpf_ingress_plan xdp = { LIVE_BPF_INGRESS_XDP_GENERIC, false };
	struct live_bpf_opts o = { .ports = port443, .nports = 1, .max_flows = 64,
				   .ringbuf_bytes = 1 << 16, .on_frame = on_frame };
	int lo = (int)if_nametoindex("lo");
	struct live_bpf *lb;
	char err[256] = "";

	o.hooks = live_bpf__hooks_needed(&tc, 1);
	lb = live_bpf__open(&o, err, sizeof(err));
	CHECK(lb != NULL);
	if (!lb)
		return;
	CHECK_EQ(live_bpf__attach(lb, "lo", xdp, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "lo: XDP planned but its program was not loaded");
	CHECK_EQ(tlsmon_progs_on(lo), 0);
	CHECK_EQ(live_bpf__attach(lb, "lo", tc, err, sizeof(err)), 0);
	CHECK_EQ(live_bpf__ingress_of(lb, "lo"), LIVE_BPF_INGRESS_TC);
	CHECK_EQ(tlsmon_progs_on(lo), 2);
	live_bpf__close(lb);
	CHECK_EQ(tlsmon_progs_on(lo), 0);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP test_bpf_prog: needs root (CAP_BPF)\n");
		return 0;
	}
	/* The attach tests use lo: this process's own, so that runs at the same time (a test loop,
	 * other checkouts) do not see each other's programs there. */
	if (unshare(CLONE_NEWNET)) {
		printf("FAIL test_bpf_prog: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 1;
	}
	RUN_TEST(test_not_matched);
	RUN_TEST(test_vlan_and_ipv6_ext);
	RUN_TEST(test_ipv4_fragment);
	RUN_TEST(test_ipv6_fragment_and_ext_limit);
	RUN_TEST(test_track_start);
	RUN_TEST(test_done_and_close);
	RUN_TEST(test_flow_hint);
	RUN_TEST(test_fin_with_data);
	RUN_TEST(test_attach);
	RUN_TEST(test_hooks_needed);
	RUN_TEST(test_attach_follows_plan);
	return CHECK_DONE();
}
