/* The capture filter's encapsulation paths through BPF_PROG_TEST_RUN: a SYN and its SYN-ACK
 * inside PPPoE, MPLS, GRE (plain, key, checksum + key + sequence, Ethernet bridging), VXLAN,
 * GENEVE, IP-in-IP and nestings, through each hook: tracked under the key the tunnel names,
 * copied whole (outer headers included); what is not ours (other UDP, GRE version 1, an
 * unwatched inner port, five layers) is not, and five layers are counted. Also the verifier's
 * cost of the programs. Needs root; skips (exit 0) otherwise. */
#include "bpf_fixtures.h"
#include "encap_build.h"

#define ROOM 2048

struct encap_case {
	const char *spec;
	uint8_t tunnel; /* enum tlsmon_tunnel the key carries */
	uint32_t tunnel_id;
	int family; /* of the inner packet */
};

static const struct encap_case cases[] = {
	{ "pppoe:7", 0, 0, 4 },
	{ "pppoe:7", 0, 0, 6 },
	{ "mpls:100", 0, 0, 4 },
	{ "mpls:100", 0, 0, 6 },
	{ "gre", 0, 0, 4 },
	{ "gre:7", TLSMON_TUNNEL_GRE_KEY, 7, 4 },
	{ "gre-all:9", TLSMON_TUNNEL_GRE_KEY, 9, 6 },
	{ "gre-eth:11", TLSMON_TUNNEL_GRE_KEY, 11, 4 },
	{ "vxlan:42", TLSMON_TUNNEL_VXLAN, 42, 4 },
	{ "vxlan:42", TLSMON_TUNNEL_VXLAN, 42, 6 },
	{ "geneve:16777215", TLSMON_TUNNEL_GENEVE, 16777215, 4 },
	{ "ipip", 0, 0, 4 },
	{ "ipip", 0, 0, 6 },
	{ "ipip6", 0, 0, 4 },
	{ "ipip6", 0, 0, 6 },
	{ "mpls:5/vxlan:9", TLSMON_TUNNEL_VXLAN, 9, 4 },
	{ "pppoe:3/ipip6/gre:4/geneve:8", TLSMON_TUNNEL_GENEVE, 8, 4 },
	{ "vxlan:1/gre:2", TLSMON_TUNNEL_GRE_KEY, 2, 6 }, /* the innermost names the network */
	{ "vxlan6:77", TLSMON_TUNNEL_VXLAN, 77, 4 }, /* UDP and GRE over IPv6 */
	{ "gre6:5", TLSMON_TUNNEL_GRE_KEY, 5, 6 },
	{ "gre6", 0, 0, 4 },
};

/* f (a plain frame) wrapped in spec into out; its length, 0 on failure. */
static size_t wrap(const struct fx *f, const char *spec, int dir, uint8_t *out)
{
	struct encap_layer l[ENCAP_BUILD_MAX];
	uint8_t plain[ROOM], tmp[ROOM];
	size_t len = build(f, plain);
	int n = encap_parse_spec(spec, l, ENCAP_BUILD_MAX);

	CHECK(n > 0);
	if (n <= 0)
		return 0;
	len = encap_wrap_all(out, tmp, ROOM, plain, len, l, n, dir);
	CHECK(len > 0);
	return len;
}

/* The client is fd00::1 / 10.0.0.1 on sport, the server ::2 / .2 on 443, either way round. */
static void fx_inner(struct fx *f, int family, uint16_t sport, uint16_t dport, uint8_t flags)
{
	if (family == 4) {
		fx_tcp4(f, sport, dport, flags);
		return;
	}
	fx_tcp6(f, sport, dport, flags);
	if (sport == 443) {
		f->saddr[15] = 2;
		f->daddr[15] = 1;
	}
}

static void test_encap_tracked(void)
{
	struct tlsmon_flow_key k;
	struct tlsmon_flow fl;
	uint8_t pkt[ROOM];
	struct fx f;
	size_t h, i, len, synlen;

	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(0, 0);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const struct encap_case *c = &cases[i];
			uint16_t port = (uint16_t)(41000 + i);
			int failed_before = check_failed_in_test;

			nrecs = 0; /* room for this case's records */

			fx_inner(&f, c->family, port, 443, TCPF_SYN);
			synlen = wrap(&f, c->spec, 0, pkt);
			CHECK_EQ(run(lb, hook, pkt, synlen), 1);
			/* the whole frame, outer headers included: what a dump shows */
			check_rec(nrecs - 1, hook, pkt, synlen);
			key_of(&f, &k);
			k.tunnel = c->tunnel;
			k.tunnel_id = c->tunnel_id;
			CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
			if (c->tunnel) {
				struct tlsmon_flow_key bare = k;

				bare.tunnel = 0;
				bare.tunnel_id = 0;
				CHECK_EQ(live_bpf__lookup_flow(lb, &bare, &fl), -ENOENT);
			}
			/* the answer, outer addresses swapped, finds the same flow */
			fx_inner(&f, c->family, 443, port, TCPF_SYN | TCPF_ACK);
			len = wrap(&f, c->spec, 1, pkt);
			CHECK_EQ(run(lb, hook, pkt, len), 1);
			check_rec(nrecs - 1, hook, pkt, len);
			CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
			CHECK_EQ(fl.bytes[0] + fl.bytes[1], synlen + len);
			if (check_failed_in_test && !failed_before)
				fprintf(stderr, "  case %s (IPv%d), hook %d\n", c->spec, c->family,
					hook);
		}
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_STARTED), sizeof(cases) / sizeof(cases[0]));
		CHECK_EQ(ctr(lb, TLSMON_CTR_ENCAP_TOO_DEEP), 0);
		live_bpf__close(lb);
	}
}

/* Same inner 4-tuple in two VXLAN networks: two flows, marked done one by one. */
static void test_encap_tenants(void)
{
	struct tlsmon_flow_key k;
	struct tlsmon_flow fl;
	uint8_t pkt[ROOM];
	struct fx f;
	size_t len;
	uint32_t vni;

	struct live_bpf *lb = open_lb(0, 0);

	CHECK(lb);
	if (!lb)
		return;
	fx_tcp4(&f, 40000, 443, TCPF_SYN);
	for (vni = 42; vni <= 43; vni++) {
		char spec[32];

		snprintf(spec, sizeof(spec), "vxlan:%u", vni);
		len = wrap(&f, spec, 0, pkt);
		CHECK_EQ(run(lb, TLSMON_HOOK_TC_INGRESS, pkt, len), 1);
	}
	CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_STARTED), 2);
	key_of(&f, &k);
	k.tunnel = TLSMON_TUNNEL_VXLAN;
	for (vni = 42; vni <= 43; vni++) {
		k.tunnel_id = vni;
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
		CHECK_EQ(fl.bytes[0], len);
	}
	/* userspace marks one tenant's flow done: the other keeps copying */
	k.tunnel_id = 42;
	CHECK_EQ(live_bpf__mark_done(lb, &k), 0);
	fx_tcp4(&f, 443, 40000, TCPF_ACK);
	f.payload = client_hello;
	f.plen = sizeof(client_hello);
	len = wrap(&f, "vxlan:42", 1, pkt);
	CHECK_EQ(run(lb, TLSMON_HOOK_TC_INGRESS, pkt, len), 0);
	len = wrap(&f, "vxlan:43", 1, pkt);
	CHECK_EQ(run(lb, TLSMON_HOOK_TC_INGRESS, pkt, len), 1);
	CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
	CHECK_EQ(fl.state, TLSMON_FLOW_DONE);
	k.tunnel_id = 43;
	CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
	CHECK_EQ(fl.state, TLSMON_FLOW_TRACKING);
	CHECK_EQ(fl.bytes[1], len);
	live_bpf__close(lb);
}

static void test_encap_not_ours(void)
{
	uint8_t pkt[ROOM];
	struct fx f;
	size_t h, len;

	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(0, 0);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		/* an inner port nobody watches */
		fx_tcp4(&f, 40000, 80, TCPF_SYN);
		len = wrap(&f, "vxlan:42", 0, pkt);
		CHECK_EQ(run(lb, hook, pkt, len), 0);
		CHECK_EQ(ctr(lb, TLSMON_CTR_MATCHED_XDP + hook), 0);
		/* VXLAN's frame to another UDP port */
		fx_tcp4(&f, 40000, 443, TCPF_SYN);
		len = wrap(&f, "vxlan:42", 0, pkt);
		pkt[14 + 20 + 3] ^= 1;
		CHECK_EQ(run(lb, hook, pkt, len), 0);
		/* VXLAN without the I flag */
		len = wrap(&f, "vxlan:42", 0, pkt);
		pkt[14 + 20 + 8] = 0;
		CHECK_EQ(run(lb, hook, pkt, len), 0);
		/* GRE version 1 (PPTP) and GRE with routing */
		len = wrap(&f, "gre", 0, pkt);
		pkt[14 + 20 + 1] = 1;
		CHECK_EQ(run(lb, hook, pkt, len), 0);
		pkt[14 + 20 + 1] = 0;
		pkt[14 + 20] = 0x40;
		CHECK_EQ(run(lb, hook, pkt, len), 0);
		/* PPPoE discovery code, MPLS without a bottom of stack in 4 entries */
		len = wrap(&f, "pppoe:1", 0, pkt);
		pkt[15] = 0x09;
		CHECK_EQ(run(lb, hook, pkt, len), 0);
		len = wrap(&f, "mpls:7", 0, pkt);
		memmove(pkt + 14 + 4 * 4, pkt + 14, len - 14); /* 2 entries become 6, no S bit */
		for (int j = 0; j < 4; j++)
			put32(pkt + 14 + 4 * j, (uint32_t)(20 + j) << 12 | 64);
		CHECK_EQ(run(lb, hook, pkt, len + 4 * 4), 0);
		/* a GENEVE header cut short */
		len = wrap(&f, "geneve:3", 0, pkt);
		CHECK_EQ(run(lb, hook, pkt, 14 + 20 + 8 + 6), 0);
		/* five layers: one too many, counted; four are followed */
		len = wrap(&f, "pppoe:1/ipip/ipip/ipip/ipip", 0, pkt);
		CHECK_EQ(run(lb, hook, pkt, len), 0);
		CHECK_EQ(ctr(lb, TLSMON_CTR_ENCAP_TOO_DEEP), 1 + 1); /* and the MPLS stack */
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_STARTED), 0);
		len = wrap(&f, "ipip/ipip/ipip/ipip", 0, pkt);
		CHECK_EQ(run(lb, hook, pkt, len), 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_STARTED), 1);
		live_bpf__close(lb);
	}
}

/* A frame larger than one record (multi-buffer XDP, GSO at TC) inside VXLAN is split like a plain one: each record
 * carries the outer headers and the inner ones patched for its slice, so userspace decodes
 * every record as a segment of the inner connection, in its network. */
static void test_encap_split_large_frame(void)
{
	static uint8_t payload[60000], plain[60200], pkt[60400], tmp[60400];
	struct live_bpf *lb = open_lb(0, 0);
	struct encap_layer l;
	struct pkt k;
	size_t len, got = 0;
	struct fx f;
	int i;

	CHECK(lb);
	if (!lb)
		return;
	for (i = 0; i < (int)sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + (i >> 8));
	memcpy(payload, client_hello, sizeof(client_hello));
	fx_tcp4(&f, 443, 40060, TCPF_ACK | TCPF_PSH);
	f.payload = payload;
	f.plen = sizeof(payload);
	len = build(&f, plain);
	CHECK_EQ(encap_parse_spec("vxlan:42", &l, 1), 1);
	len = encap_wrap_all(pkt, tmp, sizeof(pkt), plain, len, &l, 1, 1);
	CHECK(len > 0);
	CHECK_EQ(run(lb, TLSMON_HOOK_XDP, pkt, len), 2); /* multi-buffer XDP: TC test runs take one page */
	CHECK_EQ(ctr(lb, TLSMON_CTR_SPLIT), 1);
	for (i = 0; i < nrecs; i++) {
		/* outer headers as they were: their lengths still state the whole frame's, which
		 * userspace clips to the record (only the inner IP and TCP describe the slice) */
		CHECK(memcmp(recs[i].data, pkt, 14 + 20 + 8 + 8 + 14) == 0);
		CHECK_EQ(decode__frame(LINKTYPE_ETHERNET, recs[i].data, recs[i].f.caplen, &k),
			 DECODE_TCP);
		CHECK_EQ(k.tunnel, TLSMON_TUNNEL_VXLAN);
		CHECK_EQ(k.tunnel_id, 42);
		CHECK_EQ(k.seq, f.seq + got);
		CHECK_EQ(k.payload_missing, 0);
		CHECK(got + k.payload_len <= sizeof(payload) &&
		      memcmp(k.payload, payload + got, k.payload_len) == 0);
		got += k.payload_len;
	}
	CHECK_EQ(got, sizeof(payload));
	live_bpf__close(lb);
}

/* What the verifier walked to load each program: the encapsulation walk must leave room under
 * the kernel's 1,000,000-instruction limit (printed, so a change shows its cost). */
static void test_verifier_cost(void)
{
	static const char *const names[3] = { "xdp", "tc_ingress", "tc_egress" };
	struct live_bpf *lb = open_lb(0, 0);
	size_t h;

	CHECK(lb);
	if (!lb)
		return;
	for (h = 0; h < 3; h++) {
		struct bpf_prog_info info;
		uint32_t n = sizeof(info);

		memset(&info, 0, sizeof(info));
		CHECK_EQ(bpf_obj_get_info_by_fd(live_bpf__prog_fd(lb, hooks[h]), &info, &n), 0);
		printf("  verified_insns %s %u\n", names[h], info.verified_insns);
		CHECK(info.verified_insns > 0 && info.verified_insns < 500000);
	}
	live_bpf__close(lb);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP test_bpf_encap: needs root (CAP_BPF)\n");
		return 0;
	}
	RUN_TEST(test_encap_tracked);
	RUN_TEST(test_encap_tenants);
	RUN_TEST(test_encap_not_ours);
	RUN_TEST(test_encap_split_large_frame);
	RUN_TEST(test_verifier_cost);
	return CHECK_DONE();
}
