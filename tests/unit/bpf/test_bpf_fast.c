/* The programs' first look (bpf/fast.h) through BPF_PROG_TEST_RUN: with several monitored ports,
 * a port outside their range, one inside it but not monitored, and each monitored one, in IPv4 and
 * IPv6, through each hook; and the frames at the edges of the fast path (IPv4 options, fragments of
 * UDP and ICMP, UDP to a tunnel port), which classify() must still decide, with the counters they
 * moved before the fast path existed. Needs root; skips (exit 0) otherwise. */
#include "bpf_fixtures.h"

/* range 993..8443: 80 and 40000 lie outside it, 1000 and 5000 inside it */
static const uint16_t ports3[] = { 8443, 993, 4433 };

/* A SYN between the two ports is copied exactly when either is monitored. */
static void test_port_range_and_bitmap(void)
{
	static const struct {
		uint16_t sport, dport;
		int watched;
	} pairs[] = {
		{ 40000, 80, 0 }, /* both outside the range */
		{ 40000, 1000, 0 }, /* inside, not monitored */
		{ 5000, 1000, 0 }, /* both inside, neither monitored */
		{ 40000, 8443, 1 }, /* the largest */
		{ 993, 40001, 1 }, /* the smallest, as source */
		{ 5000, 4433, 1 }, /* both inside, one monitored */
		{ 992, 8444, 0 }, /* just outside on both sides */
	};
	uint8_t pkt[256];
	struct fx f;
	size_t h, i, len;

	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb_ports(ports3, 3, 0, 0, 1 << 20);
		int hook = hooks[h], fam, n = 0, want = 0;

		CHECK(lb);
		if (!lb)
			return;
		for (fam = 4; fam <= 6; fam += 2) {
			for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
				if (fam == 4)
					fx_tcp4(&f, pairs[i].sport, pairs[i].dport, TCPF_SYN);
				else
					fx_tcp6(&f, pairs[i].sport, pairs[i].dport, TCPF_SYN);
				CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), pairs[i].watched);
				if (pairs[i].watched)
					check_rec(n++, hook, pkt, len);
				want += pairs[i].watched;
			}
		}
		CHECK_EQ(nrecs, want);
		CHECK_EQ(ctr(lb, TLSMON_CTR_SEEN_XDP + hook), 2 * sizeof(pairs) / sizeof(pairs[0]));
		CHECK_EQ(ctr(lb, TLSMON_CTR_MATCHED_XDP + hook), want);
		CHECK_EQ(ctr(lb, TLSMON_CTR_COPIED_XDP + hook), want);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_STARTED), want);
		live_bpf__close(lb);
	}
}

/* f with 4 bytes of IPv4 options (NOPs) after the fixed header. */
static size_t build_ipv4_options(const struct fx *f, uint8_t *pkt)
{
	uint8_t tmp[256];
	size_t len = build(f, tmp);

	memcpy(pkt, tmp, 34);
	memset(pkt + 34, 1, 4);
	memcpy(pkt + 38, tmp + 34, len - 34);
	pkt[14] = 0x46;
	put16(pkt + 16, (uint16_t)(get16(tmp + 16) + 4));
	put16(pkt + 24, 0);
	put16(pkt + 24, ip_csum(pkt + 14, 24));
	return len + 4;
}

/* The frames the fast path hands to classify(): what each counted before it existed. */
static void test_edges_go_to_classify(void)
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
		/* IPv4 options: tracked like any SYN to 443; to 80, not matched */
		fx_tcp4(&f, 40000, 443, TCPF_SYN);
		len = build_ipv4_options(&f, pkt);
		CHECK_EQ(run(lb, hook, pkt, len), 1);
		check_rec(n++, hook, pkt, len);
		fx_tcp4(&f, 40000, 80, TCPF_SYN);
		len = build_ipv4_options(&f, pkt);
		CHECK_EQ(run(lb, hook, pkt, len), 0);

		/* a UDP fragment is counted as an uncopied fragment; an ICMP one is not IP we
		 * follow at all (parse_ipv4() tests the protocol first) */
		fx_tcp4(&f, 40000, 443, 0);
		f.proto = 17;
		f.frag = 0x2000; /* MF */
		f.ip_id = 77;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		f.proto = 1;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FRAGMENTS), 1);

		/* UDP to the VXLAN port with no VXLAN header behind it (I flag clear): classify()
		 * looks and drops it; to another port the fast path does */
		fx_tcp4(&f, 40000, 4789, 0);
		f.proto = 17;
		f.payload = (const uint8_t *)"\0\0\0\0\0\0\0\0";
		f.plen = 8;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		fx_tcp6(&f, 40000, 6081, 0);
		f.proto = 17;
		f.payload = (const uint8_t *)"\xc0\0\0\0\0\0\0\0";
		f.plen = 8;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);

		CHECK_EQ(nrecs, 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_SEEN_XDP + hook), 6);
		CHECK_EQ(ctr(lb, TLSMON_CTR_MATCHED_XDP + hook), 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_STARTED), 1);
		live_bpf__close(lb);
	}
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP test_bpf_fast: needs root (CAP_BPF)\n");
		return 0;
	}
	RUN_TEST(test_port_range_and_bitmap);
	RUN_TEST(test_edges_go_to_classify);
	return CHECK_DONE();
}
