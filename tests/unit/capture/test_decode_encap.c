// SPDX-License-Identifier: MIT
/* The decoder through encapsulations: each layer (tools/encap_build.h) around IPv4 and IPv6,
 * nestings, the depth bound, the flow key's tunnel, lying or cut headers (every prefix of every
 * wrapped frame, read from an exactly sized copy so that ASan sees any read past len). */
#include "decode_frames.h"
#include "encap_build.h"

#define ROOM 4096

struct want {
	const char *spec;
	int n;
	uint8_t kind[4];
	uint32_t id[4];
	uint8_t tunnel;
	uint32_t tunnel_id;
};

static const struct want wants[] = {
	{ "pppoe:7", 1, { ENCAP_PPPOE }, { 7 }, 0, 0 },
	{ "mpls:100", 1, { ENCAP_MPLS }, { 100 }, 0, 0 },
	{ "gre", 1, { ENCAP_GRE }, { 0 }, 0, 0 },
	{ "gre:7", 1, { ENCAP_GRE_KEY }, { 7 }, TLSMON_TUNNEL_GRE_KEY, 7 },
	{ "gre-all:4294967295", 1, { ENCAP_GRE_KEY }, { 0xffffffff }, TLSMON_TUNNEL_GRE_KEY,
	  0xffffffff },
	{ "gre-eth:11", 1, { ENCAP_GRE_KEY }, { 11 }, TLSMON_TUNNEL_GRE_KEY, 11 },
	{ "vxlan:42", 1, { ENCAP_VXLAN }, { 42 }, TLSMON_TUNNEL_VXLAN, 42 },
	{ "geneve:16777215", 1, { ENCAP_GENEVE }, { 16777215 }, TLSMON_TUNNEL_GENEVE, 16777215 },
	{ "ipip", 1, { ENCAP_IPIP }, { 0 /* 44 or 46 */ }, 0, 0 },
	{ "ipip6", 1, { ENCAP_IPIP }, { 0 /* 64 or 66 */ }, 0, 0 },
	{ "vxlan6:77", 1, { ENCAP_VXLAN }, { 77 }, TLSMON_TUNNEL_VXLAN, 77 },
	{ "gre6:5", 1, { ENCAP_GRE_KEY }, { 5 }, TLSMON_TUNNEL_GRE_KEY, 5 },
	{ "mpls:5/vxlan:9/gre:3", 3, { ENCAP_MPLS, ENCAP_VXLAN, ENCAP_GRE_KEY }, { 5, 9, 3 },
	  TLSMON_TUNNEL_GRE_KEY, 3 },
	{ "pppoe:3/ipip6/gre:4/geneve:8", 4, { ENCAP_PPPOE, ENCAP_IPIP, ENCAP_GRE_KEY, ENCAP_GENEVE },
	  { 3, 64, 4, 8 }, TLSMON_TUNNEL_GENEVE, 8 },
};

static void v6_tcp_frame(struct fb *f, size_t payload)
{
	memset(f, 0, sizeof(*f));
	eth(f, 0x86dd);
	ipv6(f, 6);
	tcp(f, 0, TCPF_ACK, payload);
	fin(f);
}

static size_t wrap(const struct fb *in, const char *spec, uint8_t *out)
{
	struct encap_layer l[ENCAP_BUILD_MAX];
	uint8_t tmp[ROOM];
	int n = encap_parse_spec(spec, l, ENCAP_BUILD_MAX);

	CHECK(n > 0);
	return n > 0 ? encap_wrap_all(out, tmp, ROOM, in->b, in->n, l, n, 0) : 0;
}

static void test_each_layer(void)
{
	uint8_t out[ROOM];
	struct fb f;
	struct pkt k, plain;
	size_t i, len;
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		if (fam == 4)
			v4_tcp_frame(&f, 30);
		else
			v6_tcp_frame(&f, 30);
		CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &plain), DECODE_TCP);
		for (i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
			const struct want *w = &wants[i];

			len = wrap(&f, w->spec, out);
			CHECK(len > f.n);
			CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len, &k), DECODE_TCP);
			CHECK_EQ(k.family, fam);
			CHECK(memcmp(k.saddr, plain.saddr, 16) == 0);
			CHECK(memcmp(k.daddr, plain.daddr, 16) == 0);
			CHECK_EQ(k.sport, 40000);
			CHECK_EQ(k.dport, 443);
			CHECK_EQ(k.seq, plain.seq);
			CHECK_EQ(k.payload_len, 30);
			CHECK_EQ(k.payload_missing, 0);
			CHECK(k.payload == out + len - 30);
			CHECK_EQ(k.l3_off, len - (f.n - 14));
			CHECK_EQ(k.encap.n, w->n);
			for (int j = 0; j < w->n && j < 4; j++) {
				CHECK_EQ(k.encap.kind[j], w->kind[j]);
				if (w->kind[j] == ENCAP_IPIP && !w->id[j])
					CHECK_EQ(k.encap.id[j],
						 (strcmp(w->spec, "ipip") ? 60 : 40) + fam);
				else
					CHECK_EQ(k.encap.id[j], w->id[j]);
			}
			CHECK_EQ(k.tunnel, w->tunnel);
			CHECK_EQ(k.tunnel_id, w->tunnel_id);
		}
	}
}

static void test_format(void)
{
	static const struct {
		uint8_t kind;
		uint32_t id;
		const char *s;
	} f[] = {
		{ ENCAP_PPPOE, 7, "pppoe:session=7" }, { ENCAP_MPLS, 1048575, "mpls:label=1048575" },
		{ ENCAP_GRE, 0, "gre" },		 { ENCAP_GRE_KEY, 4294967295u, "gre:key=4294967295" },
		{ ENCAP_VXLAN, 42, "vxlan:vni=42" },	 { ENCAP_GENEVE, 0, "geneve:vni=0" },
		{ ENCAP_IPIP, 46, "ipip:6in4" },	 { ENCAP_IPIP, 64, "ipip:4in6" },
		{ 0, 0, "unknown" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		CHECK_STR(encap__format(f[i].kind, f[i].id, buf, sizeof(buf)), f[i].s);
}

/* More than TLSMON_MAX_ENCAP layers, and MPLS stacks without a bottom within
 * TLSMON_MAX_MPLS_LABELS entries, are DECODE_TOO_DEEP; exactly the bound decodes. */
static void test_depth(void)
{
	uint8_t out[ROOM];
	struct fb f;
	struct pkt k;
	size_t len;

	v4_tcp_frame(&f, 5);
	len = wrap(&f, "ipip/ipip/ipip/ipip", out);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len, &k), DECODE_TCP);
	CHECK_EQ(k.encap.n, TLSMON_MAX_ENCAP);
	len = wrap(&f, "pppoe:1/ipip/ipip/ipip/ipip", out);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len, &k), DECODE_TOO_DEEP);
	len = wrap(&f, "vxlan:1/vxlan:2/vxlan:3/vxlan:4/vxlan:5", out);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len, &k), DECODE_TOO_DEEP);

	/* 2 MPLS entries become 6, none with the S bit until the last */
	len = wrap(&f, "mpls:7", out);
	memmove(out + 14 + 16, out + 14, len - 14);
	for (int j = 0; j < 4; j++) {
		out[14 + 4 * j] = 0;
		out[14 + 4 * j + 1] = (uint8_t)(0x10 + j);
		out[14 + 4 * j + 2] = 0; /* S = 0 */
		out[14 + 4 * j + 3] = 64;
	}
	CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len + 16, &k), DECODE_TOO_DEEP);
}

/* What is not followed: UDP to other ports, VXLAN without its I flag, GRE version 1 or with
 * routing, PPPoE discovery and non-IP PPP, GENEVE version 1, MPLS over a control word. */
static void test_not_followed(void)
{
	uint8_t out[ROOM];
	struct fb f;
	struct pkt k;
	size_t len;

	v4_tcp_frame(&f, 5);
	len = wrap(&f, "vxlan:42", out);
	out[14 + 20 + 3] ^= 1; /* UDP port 4788 */
	CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len, &k), DECODE_NOT_TCP);
	len = wrap(&f, "vxlan:42", out);
	out[14 + 28] = 0;
	CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len, &k), DECODE_NOT_TCP);
	len = wrap(&f, "gre", out);
	out[14 + 21] = 1;
	CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len, &k), DECODE_NOT_TCP);
	out[14 + 21] = 0;
	out[14 + 20] = 0x40;
	CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len, &k), DECODE_NOT_TCP);
	len = wrap(&f, "pppoe:1", out);
	out[15] = 0x09; /* PADI */
	CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len, &k), DECODE_NOT_TCP);
	len = wrap(&f, "pppoe:1", out);
	out[14 + 7] = 0x23; /* PPP protocol 0x0023: not IP */
	CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len, &k), DECODE_NOT_TCP);
	len = wrap(&f, "geneve:1", out);
	out[14 + 28] |= 0x40;
	CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len, &k), DECODE_NOT_TCP);
	len = wrap(&f, "mpls:3", out);
	out[14 + 8] = 0x00; /* a pseudowire control word, not an IP header */
	CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len, &k), DECODE_NOT_TCP);
}

/* Lengths that lie: a short UDP length or PPPoE length clips what the inner packet may use; a
 * GENEVE option length past the end is malformed; every prefix of every wrapped frame decodes
 * without reading past it. */
static void test_lengths_and_prefixes(void)
{
	uint8_t out[ROOM];
	struct fb f;
	struct pkt k;
	size_t i, len, cut;

	v4_tcp_frame(&f, 20);
	len = wrap(&f, "vxlan:42", out);
	out[14 + 20 + 4] = 0;
	out[14 + 20 + 5] = (uint8_t)(len - 14 - 20 - 10); /* UDP claims 10 bytes less */
	CHECK_EQ(dec(LINKTYPE_ETHERNET, out, len, &k), DECODE_TCP);
	CHECK_EQ(k.payload_len, 10);
	CHECK_EQ(k.payload_missing, 10);
	len = wrap(&f, "pppoe:2", out);
	out[14 + 4] = 0;
	out[14 + 5] = 8; /* PPPoE claims 6 bytes of IP */
	CHECK(dec(LINKTYPE_ETHERNET, out, len, &k) < 0);
	len = wrap(&f, "geneve:1", out);
	out[14 + 28] = 0x3f; /* 252 bytes of options: past the frame */
	CHECK(dec(LINKTYPE_ETHERNET, out, len, &k) < 0);

	for (i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		len = wrap(&f, wants[i].spec, out);
		for (cut = 0; cut < len; cut++) {
			int r = dec(LINKTYPE_ETHERNET, out, cut, &k);

			CHECK(r != DECODE_TCP || k.payload_len < 20);
		}
	}
}

int main(void)
{
	RUN_TEST(test_each_layer);
	RUN_TEST(test_format);
	RUN_TEST(test_depth);
	RUN_TEST(test_not_followed);
	RUN_TEST(test_lengths_and_prefixes);
	return CHECK_DONE();
}
