// SPDX-License-Identifier: MIT
/* L2-L4 decode, link type by link type and header by header. Prefixes and random flips of valid
 * frames are in test_decode_robust.c. */
#include "decode_frames.h"

static void test_eth_ipv4_basic(void)
{
	static const uint8_t sa[4] = { 192, 0, 2, 1 }, da[4] = { 198, 51, 100, 2 };
	struct fb f;
	struct pkt k;

	v4_tcp_frame(&f, 10);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_TCP);
	CHECK_EQ(k.family, 4);
	CHECK_EQ(k.sport, 40000);
	CHECK_EQ(k.dport, 443);
	CHECK_EQ(k.seq, 0xfffffff0u);
	CHECK_EQ(k.ack, 0x01020304);
	CHECK_EQ(k.window, 65535);
	CHECK_EQ(k.tcp_flags, TCPF_SYN | TCPF_ACK);
	CHECK_EQ(k.l3_off, 14);
	CHECK_EQ(k.nvlan, 0);
	CHECK(memcmp(k.saddr, sa, 4) == 0 && memcmp(k.daddr, da, 4) == 0);
	CHECK_EQ(k.saddr[4], 0);
	CHECK_EQ(k.payload_len, 10);
	CHECK_EQ(k.payload_missing, 0);
	CHECK(k.payload == f.b + 54);
	CHECK_EQ(k.payload[0], 1);
	CHECK_EQ(k.payload[9], 64);
}

static void test_eth_padding_ignored(void)
{
	struct fb f;
	struct pkt k;

	/* 54-byte SYN padded to the 60-byte Ethernet minimum plus a 4-byte trailer. */
	v4_tcp_frame(&f, 0);
	zeros(&f, 10);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_TCP);
	CHECK_EQ(k.payload_len, 0);
	CHECK_EQ(k.payload_missing, 0);

	v4_tcp_frame(&f, 3);
	memset(f.b + f.n, 0xee, 7);
	f.n += 7;
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_TCP);
	CHECK_EQ(k.payload_len, 3);
}

static void test_vlans(void)
{
	static const uint16_t tpids[3] = { 0x9100, 0x88a8, 0x8100 };
	struct fb f;
	struct pkt k;
	int n, i;

	for (n = 1; n <= 4; n++) {
		memset(&f, 0, sizeof(f));
		eth(&f, n == 1 ? 0x8100 : tpids[0]);
		for (i = 0; i < n; i++) {
			uint16_t next = i == n - 1 ? 0x0800 : tpids[(i + 1) % 3];

			/* PCP and DEI bits set to check they are masked off */
			vlan_tag(&f, (uint16_t)(0xf000 | (100 + i)), next);
		}
		ipv4(&f, 0, 0, 6);
		tcp(&f, 0, TCPF_ACK, 5);
		fin(&f);
		CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_TCP);
		CHECK_EQ(k.nvlan, n < PKT_MAX_VLANS ? n : PKT_MAX_VLANS);
		CHECK_EQ(k.vlan[0], 100);
		if (n >= 2)
			CHECK_EQ(k.vlan[1], 101);
		CHECK_EQ(k.l3_off, 14 + 4 * n);
		CHECK_EQ(k.payload_len, 5);
	}

	/* VLAN 4095 then a non-IP ethertype */
	memset(&f, 0, sizeof(f));
	eth(&f, 0x8100);
	vlan_tag(&f, 0x0fff, 0x0806);
	zeros(&f, 28);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_NOT_TCP);
	CHECK_EQ(k.nvlan, 1);
	CHECK_EQ(k.vlan[0], 4095);
}

static void test_sll_sll2(void)
{
	struct fb f;
	struct pkt k;

	memset(&f, 0, sizeof(f));
	put16(&f, 4); /* outgoing */
	put16(&f, 1);
	put16(&f, 6);
	zeros(&f, 8);
	put16(&f, 0x86dd);
	ipv6(&f, 6);
	tcp(&f, 3, TCPF_ACK, 20);
	fin(&f);
	CHECK_EQ(dec(LINKTYPE_LINUX_SLL, f.b, f.n, &k), DECODE_TCP);
	CHECK_EQ(k.family, 6);
	CHECK_EQ(k.l3_off, 16);
	CHECK_EQ(k.payload_len, 20);
	CHECK_EQ(k.daddr[15], 0x34);

	/* SLL with a VLAN tag left in the payload */
	memset(&f, 0, sizeof(f));
	zeros(&f, 14);
	put16(&f, 0x8100);
	vlan_tag(&f, 7, 0x0800);
	ipv4(&f, 0, 0, 6);
	tcp(&f, 0, TCPF_ACK, 1);
	fin(&f);
	CHECK_EQ(dec(LINKTYPE_LINUX_SLL, f.b, f.n, &k), DECODE_TCP);
	CHECK_EQ(k.nvlan, 1);
	CHECK_EQ(k.vlan[0], 7);

	memset(&f, 0, sizeof(f));
	put16(&f, 0x0800);
	put16(&f, 0);
	put32(&f, 3);
	put16(&f, 1);
	put8(&f, 0);
	put8(&f, 6);
	zeros(&f, 8);
	ipv4(&f, 0, 0, 6);
	tcp(&f, 0, TCPF_ACK, 7);
	fin(&f);
	CHECK_EQ(dec(LINKTYPE_LINUX_SLL2, f.b, f.n, &k), DECODE_TCP);
	CHECK_EQ(k.l3_off, 20);
	CHECK_EQ(k.payload_len, 7);
	/* The same bytes read as SLL (16-byte header) are not IP. */
	CHECK(dec(LINKTYPE_LINUX_SLL, f.b, f.n, &k) != DECODE_TCP);

	f.b[0] = 0x08;
	f.b[1] = 0x06; /* ARP */
	CHECK_EQ(dec(LINKTYPE_LINUX_SLL2, f.b, f.n, &k), DECODE_NOT_TCP);
}

static void test_raw_linktypes(void)
{
	static const uint16_t lts[3] = { LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6 };
	struct fb f4, f6;
	struct pkt k;
	int i;

	memset(&f4, 0, sizeof(f4));
	ipv4(&f4, 0, 0, 6);
	tcp(&f4, 0, TCPF_ACK, 4);
	fin(&f4);
	memset(&f6, 0, sizeof(f6));
	ipv6(&f6, 6);
	tcp(&f6, 0, TCPF_ACK, 4);
	fin(&f6);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(dec(lts[i], f4.b, f4.n, &k), DECODE_TCP);
		CHECK_EQ(k.family, 4);
		CHECK_EQ(k.l3_off, 0);
		CHECK_EQ(dec(lts[i], f6.b, f6.n, &k), DECODE_TCP);
		CHECK_EQ(k.family, 6);
		CHECK_EQ(k.payload_len, 4);
	}
	f4.b[0] = 0x55;
	CHECK_EQ(dec(LINKTYPE_RAW, f4.b, f4.n, &k), DECODE_NOT_TCP);
	CHECK_EQ(dec(LINKTYPE_RAW, f4.b, 0, &k), -EINVAL);
	CHECK_EQ(dec(147 /* USER0 */, f4.b, f4.n, &k), -EPROTONOSUPPORT);
}

static void test_null_loop(void)
{
	static const uint32_t v6af[3] = { 24, 28, 30 };
	struct fb f;
	struct pkt k;
	int be, i;

	for (be = 0; be <= 1; be++) {
		null_frame(&f, 2, be, 0);
		CHECK_EQ(dec(LINKTYPE_NULL, f.b, f.n, &k), DECODE_TCP);
		CHECK_EQ(k.family, 4);
		CHECK_EQ(k.l3_off, 4);
		CHECK_EQ(dec(LINKTYPE_LOOP, f.b, f.n, &k), DECODE_TCP);
		for (i = 0; i < 3; i++) {
			null_frame(&f, v6af[i], be, 1);
			CHECK_EQ(dec(LINKTYPE_NULL, f.b, f.n, &k), DECODE_TCP);
			CHECK_EQ(k.family, 6);
		}
		null_frame(&f, 7, be, 0);
		CHECK_EQ(dec(LINKTYPE_NULL, f.b, f.n, &k), DECODE_NOT_TCP);
	}
	/* AF_INET6 with an IPv4 packet behind it is malformed */
	null_frame(&f, 30, 0, 0);
	CHECK_EQ(dec(LINKTYPE_NULL, f.b, f.n, &k), -EINVAL);
}

static void test_ipv4_options_and_ihl(void)
{
	struct fb f;
	struct pkt k;
	int opts, ihl;

	for (opts = 0; opts <= 10; opts++) {
		memset(&f, 0, sizeof(f));
		eth(&f, 0x0800);
		ipv4(&f, opts, 0, 6);
		tcp(&f, opts, TCPF_ACK, 9);
		fin(&f);
		CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_TCP);
		CHECK_EQ(k.payload_len, 9);
		CHECK(k.payload == f.b + f.hdr_end);
	}
	/* Every IHL value: < 5 is malformed, larger ones move the TCP header. */
	v4_tcp_frame(&f, 40);
	for (ihl = 0; ihl < 16; ihl++) {
		f.b[14] = (uint8_t)(0x40 | ihl);
		if (ihl < 5)
			CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), -EINVAL);
		else if (ihl == 5)
			CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_TCP);
		else
			CHECK(dec(LINKTYPE_ETHERNET, f.b, f.n, &k) != DECODE_FRAGMENT);
	}
	/* Ethertype IPv4 carrying a version-6 header */
	v4_tcp_frame(&f, 1);
	f.b[14] = 0x65;
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), -EINVAL);
	/* Not TCP */
	v4_tcp_frame(&f, 8);
	f.b[14 + 9] = 17;
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_NOT_TCP);
}

static void test_ipv4_fragments(void)
{
	static const struct {
		uint16_t frag;
		int want;
	} cases[] = {
		{ 0x0000, DECODE_TCP },	     { 0x4000, DECODE_TCP },	  /* DF only */
		{ 0x2000, DECODE_FRAGMENT }, { 0x0001, DECODE_FRAGMENT }, /* MF / offset 8 */
		{ 0x1fff, DECODE_FRAGMENT }, { 0x6000, DECODE_FRAGMENT },
		{ 0x8000, DECODE_TCP }, /* reserved bit: not a fragment */
	};
	struct fb f;
	struct pkt k;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v4_tcp_frame(&f, 16);
		set16(&f, 14 + 6, cases[i].frag);
		CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), cases[i].want);
		CHECK_EQ(k.family, 4);
	}
	/* A non-first fragment need not start with a TCP header at all. */
	v4_tcp_frame(&f, 0);
	set16(&f, 14 + 6, 0x00b9);
	f.n = 14 + 20 + 4;
	set16(&f, 16, 24);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_FRAGMENT);
}

static void test_ipv4_lying_lengths(void)
{
	struct fb f;
	struct pkt k;
	unsigned int tl;
	int ret;

	v4_tcp_frame(&f, 100); /* IP length 140 */
	for (tl = 0; tl <= 400; tl++) {
		set16(&f, 16, (uint16_t)tl);
		ret = dec(LINKTYPE_ETHERNET, f.b, f.n, &k);
		if (tl < 40) {
			CHECK_EQ(ret, -EINVAL);
		} else {
			CHECK_EQ(ret, DECODE_TCP);
			CHECK_EQ(k.payload_len, (tl < 140 ? tl : 140) - 40);
			CHECK_EQ(k.payload_missing, tl > 140 ? tl - 140 : 0);
		}
	}
	set16(&f, 16, 0xffff);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_TCP);
	CHECK_EQ(k.payload_missing, 0xffff - 140);
}

static void test_bigtcp_zero_length(void)
{
	static uint8_t big[14 + 20 + 20 + 70000];
	struct pkt k;
	struct fb f;

	v4_tcp_frame(&f, 0);
	memcpy(big, f.b, 54);
	set16(&f, 16, 0);
	memcpy(big + 16, f.b + 16, 2);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, big, sizeof(big), &k), DECODE_TCP);
	CHECK_EQ(k.payload_len, 70000);
	/* a small frame with length 0 is just malformed */
	CHECK_EQ(dec(LINKTYPE_ETHERNET, big, 54 + 100, &k), -EINVAL);
}

static void test_ipv6_ext_headers(void)
{
	struct fb f;
	struct pkt k;

	/* HBH -> routing -> dest opts -> AH -> TCP */
	memset(&f, 0, sizeof(f));
	eth(&f, 0x86dd);
	ipv6(&f, 0);
	ext6(&f, 43, 0);
	ext6(&f, 60, 2);
	ext6(&f, 51, 1);
	/* AH: payload len 4 -> (4 + 2) * 4 = 24 bytes */
	put8(&f, 6);
	put8(&f, 4);
	zeros(&f, 22);
	tcp(&f, 2, TCPF_PSH | TCPF_ACK, 33);
	fin(&f);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_TCP);
	CHECK_EQ(k.payload_len, 33);
	CHECK(k.payload == f.b + f.hdr_end);
	CHECK_EQ(k.sport, 40000);

	/* Fragment header: atomic (offset 0, M 0) passes, anything else is a fragment. */
	memset(&f, 0, sizeof(f));
	eth(&f, 0x86dd);
	ipv6(&f, 44);
	put8(&f, 6);
	put8(&f, 0);
	put16(&f, 0x0006); /* reserved bits set: still atomic */
	put32(&f, 0xabcd);
	tcp(&f, 0, TCPF_ACK, 3);
	fin(&f);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_TCP);
	set16(&f, 14 + 40 + 2, 0x0001);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_FRAGMENT);
	set16(&f, 14 + 40 + 2, 0x0008);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_FRAGMENT);
	CHECK_EQ(k.family, 6);

	/* No Next Header, UDP, ESP */
	f.b[14 + 6] = 59;
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_NOT_TCP);
	f.b[14 + 6] = 17;
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_NOT_TCP);
	f.b[14 + 6] = 50;
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), DECODE_NOT_TCP);

	/* Ethertype IPv6 carrying a version-4 header */
	f.b[14] = 0x45;
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), -EINVAL);
}

static void test_ipv6_ext_bounds(void)
{
	struct fb f;
	struct pkt k;
	int n, hl, ret;

	/* A long chain of destination options headers is given up on, not walked forever: past 16,
	 * as many as the kernel programs follow. */
	for (n = 0; n <= 24; n++) {
		int i;

		memset(&f, 0, sizeof(f));
		ipv6(&f, n ? 60 : 6);
		for (i = 0; i < n; i++)
			ext6(&f, i == n - 1 ? 6 : 60, 0);
		tcp(&f, 0, TCPF_ACK, 1);
		fin(&f);
		ret = dec(LINKTYPE_RAW, f.b, f.n, &k);
		CHECK_EQ(ret, n <= 16 ? DECODE_TCP : DECODE_NOT_TCP);
	}
	/* Every Hdr Ext Len value: past the IP payload is malformed. */
	memset(&f, 0, sizeof(f));
	ipv6(&f, 0);
	ext6(&f, 6, 1);
	tcp(&f, 0, TCPF_ACK, 100); /* 16 + 20 + 100 = 136 bytes after the fixed header */
	fin(&f);
	for (hl = 0; hl < 256; hl++) {
		f.b[41] = (uint8_t)hl;
		ret = dec(LINKTYPE_RAW, f.b, f.n, &k);
		if ((hl + 1) * 8 + 20 > 136)
			CHECK_EQ(ret, -EINVAL);
		else
			CHECK(ret == DECODE_TCP || ret == -EINVAL);
		if (hl == 1) {
			CHECK_EQ(ret, DECODE_TCP);
			CHECK_EQ(k.payload_len, 100);
		}
	}
	/* AH length */
	f.b[6] = 51;
	f.b[41] = 2; /* (2 + 2) * 4 = 16 */
	CHECK_EQ(dec(LINKTYPE_RAW, f.b, f.n, &k), DECODE_TCP);
	f.b[41] = 255;
	CHECK_EQ(dec(LINKTYPE_RAW, f.b, f.n, &k), -EINVAL);
}

static void test_ipv6_lying_lengths(void)
{
	struct fb f;
	struct pkt k;
	unsigned int pl;
	int ret;

	memset(&f, 0, sizeof(f));
	eth(&f, 0x86dd);
	ipv6(&f, 6);
	tcp(&f, 0, TCPF_ACK, 50); /* payload length 70 */
	fin(&f);
	for (pl = 0; pl <= 300; pl++) {
		set16(&f, 14 + 4, (uint16_t)pl);
		ret = dec(LINKTYPE_ETHERNET, f.b, f.n, &k);
		if (pl < 20) {
			CHECK_EQ(ret, -EINVAL);
		} else {
			CHECK_EQ(ret, DECODE_TCP);
			CHECK_EQ(k.payload_len, (pl < 70 ? pl : 70) - 20);
			CHECK_EQ(k.payload_missing, pl > 70 ? pl - 70 : 0);
		}
	}
}

static void test_tcp_doff(void)
{
	struct fb f;
	struct pkt k;
	int doff, ret;

	v4_tcp_frame(&f, 12); /* 32 bytes after the IP header */
	for (doff = 0; doff < 16; doff++) {
		f.b[14 + 20 + 12] = (uint8_t)(doff << 4);
		ret = dec(LINKTYPE_ETHERNET, f.b, f.n, &k);
		if (doff < 5 || doff * 4 > 32) {
			CHECK_EQ(ret, -EINVAL);
		} else {
			CHECK_EQ(ret, DECODE_TCP);
			CHECK_EQ(k.payload_len, 32 - doff * 4);
		}
	}
	/* TCP header complete in the capture but beyond the IP length */
	v4_tcp_frame(&f, 12);
	f.b[14 + 20 + 12] = 0x80;
	set16(&f, 16, 20 + 24);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, f.n, &k), -EINVAL);
}

static void test_snaplen_missing(void)
{
	struct fb f;
	struct pkt k;

	v4_tcp_frame(&f, 1400);
	CHECK_EQ(dec(LINKTYPE_ETHERNET, f.b, 96, &k), DECODE_TCP);
	CHECK_EQ(k.payload_len, 96 - 54);
	CHECK_EQ(k.payload_missing, 1400 - (96 - 54));
}

static void test_format_endpoint(void)
{
	static const uint8_t v4[16] = { 1, 2, 3, 4 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 };
	static const uint8_t zero[16];
	char buf[64], small[8];

	CHECK_STR(pkt__format_endpoint(4, v4, 443, buf, sizeof(buf)), "1.2.3.4:443");
	CHECK_STR(pkt__format_endpoint(6, v6, 443, buf, sizeof(buf)), "[2001:db8::1]:443");
	CHECK_STR(pkt__format_endpoint(6, mapped, 8443, buf, sizeof(buf)),
		  "[::ffff:10.0.0.1]:8443");
	CHECK_STR(pkt__format_endpoint(6, zero, 0, buf, sizeof(buf)), "[::]:0");
	CHECK_STR(pkt__format_endpoint(4, zero, 65535, buf, sizeof(buf)), "0.0.0.0:65535");
	CHECK_STR(pkt__format_endpoint(0, zero, 1, buf, sizeof(buf)), "?:1");
	CHECK_STR(pkt__format_endpoint(4, (const uint8_t[16]){ 255, 255, 255, 255 }, 65535, buf,
				       sizeof(buf)),
		  "255.255.255.255:65535");
	CHECK_STR(pkt__format_endpoint(4, (const uint8_t[16]){ 10, 0, 200, 9 }, 0, buf, 12),
		  "10.0.200.9:");
	CHECK_STR(pkt__format_endpoint(4, v4, 443, small, sizeof(small)), "1.2.3.4");
}

int main(void)
{
	RUN_TEST(test_eth_ipv4_basic);
	RUN_TEST(test_eth_padding_ignored);
	RUN_TEST(test_vlans);
	RUN_TEST(test_sll_sll2);
	RUN_TEST(test_raw_linktypes);
	RUN_TEST(test_null_loop);
	RUN_TEST(test_ipv4_options_and_ihl);
	RUN_TEST(test_ipv4_fragments);
	RUN_TEST(test_ipv4_lying_lengths);
	RUN_TEST(test_bigtcp_zero_length);
	RUN_TEST(test_ipv6_ext_headers);
	RUN_TEST(test_ipv6_ext_bounds);
	RUN_TEST(test_ipv6_lying_lengths);
	RUN_TEST(test_tcp_doff);
	RUN_TEST(test_snaplen_missing);
	RUN_TEST(test_format_endpoint);
	return CHECK_DONE();
}
