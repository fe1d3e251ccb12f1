// SPDX-License-Identifier: GPL-2.0
/* IP fragment reassembly: a TCP segment cut into IPv4 and IPv6 fragments comes back whole in any
 * order; overlaps, timeouts and the bounds drop datagrams and are counted. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "capture/frame.h"
#include "capture/ipfrag.h"

#define SEC 1000000000ull

/* The datagram's data: a TCP header (443 -> 50000 reversed: client 50000 -> 443) and payload. */
static uint8_t tcp_seg[20 + 1200];

static void make_segment(void)
{
	memset(tcp_seg, 0, sizeof(tcp_seg));
	tcp_seg[0] = 50000 >> 8;
	tcp_seg[1] = 50000 & 0xff;
	tcp_seg[2] = 443 >> 8;
	tcp_seg[3] = 443 & 0xff;
	tcp_seg[7] = 1; /* seq 1 */
	tcp_seg[12] = 5 << 4;
	tcp_seg[13] = 0x18; /* PSH ACK */
	for (size_t i = 20; i < sizeof(tcp_seg); i++)
		tcp_seg[i] = (uint8_t)(i * 7);
	tcp_seg[20] = 0x16; /* looks like a handshake record */
	tcp_seg[21] = 0x03;
	tcp_seg[22] = 0x01;
}

/* The datagram's bytes at [off, off + len); zeros past its end (fragments that lie about it). */
static void seg_bytes(uint8_t *to, uint32_t off, uint32_t len)
{
	memset(to, 0, len);
	if (off < sizeof(tcp_seg))
		memcpy(to, tcp_seg + off, len < sizeof(tcp_seg) - off ? len : sizeof(tcp_seg) - off);
}

struct fragbuf {
	uint8_t b[2048];
	struct frame fr;
};

/* An IPv4 fragment (LINKTYPE_RAW) of tcp_seg: data [off, off + len), MF as given. */
static struct frame *v4_frag(struct fragbuf *f, uint16_t id, uint32_t off, uint32_t len, int mf,
			     uint64_t ts)
{
	uint8_t *ip = f->b;
	uint16_t fo = (uint16_t)(off / 8) | (mf ? 0x2000 : 0);

	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + len) >> 8);
	ip[3] = (uint8_t)(20 + len);
	ip[4] = (uint8_t)(id >> 8);
	ip[5] = (uint8_t)id;
	ip[6] = (uint8_t)(fo >> 8);
	ip[7] = (uint8_t)fo;
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = 10, ip[15] = 1;
	ip[16] = 10, ip[19] = 2;
	seg_bytes(ip + 20, off, len);
	memset(&f->fr, 0, sizeof(f->fr));
	f->fr.data = f->b;
	f->fr.caplen = f->fr.wirelen = 20 + len;
	f->fr.linktype = LINKTYPE_RAW;
	f->fr.ts_ns = ts;
	return &f->fr;
}

/* An IPv6 fragment with a destination options header before the fragment header. */
static struct frame *v6_frag(struct fragbuf *f, uint32_t id, uint32_t off, uint32_t len, int mf,
			     uint64_t ts)
{
	uint8_t *ip = f->b, *dst = ip + 40, *fh = dst + 8;
	uint32_t plen = 8 + 8 + len;

	memset(ip, 0, 56);
	ip[0] = 0x60;
	ip[4] = (uint8_t)(plen >> 8);
	ip[5] = (uint8_t)plen;
	ip[6] = 60; /* destination options */
	ip[7] = 64;
	ip[8] = 0xfd, ip[23] = 1;
	ip[24] = 0xfd, ip[39] = 2;
	dst[0] = 44;
	dst[1] = 0;
	dst[2] = 1; /* PadN over the rest */
	dst[3] = 4;
	fh[0] = 6;
	fh[2] = (uint8_t)(off >> 8);
	fh[3] = (uint8_t)(off & 0xf8) | (mf ? 1 : 0);
	fh[4] = (uint8_t)(id >> 24);
	fh[5] = (uint8_t)(id >> 16);
	fh[6] = (uint8_t)(id >> 8);
	fh[7] = (uint8_t)id;
	seg_bytes(fh + 8, off, len);
	memset(&f->fr, 0, sizeof(f->fr));
	f->fr.data = f->b;
	f->fr.caplen = f->fr.wirelen = 56 + len;
	f->fr.linktype = LINKTYPE_RAW;
	f->fr.ts_ns = ts;
	return &f->fr;
}

/* Feed a frame the way the engine does: decode first, reassemble fragments. */
static int feed(struct ipfrag *r, const struct frame *fr, struct frame *out)
{
	struct pkt p;
	int rc = decode__frame(fr->linktype, fr->data, fr->caplen, &p);

	CHECK_EQ(rc, DECODE_FRAGMENT);
	if (rc != DECODE_FRAGMENT)
		return -1;
	return ipfrag__feed(r, fr, p.l3_off, p.family, out);
}

static void check_whole(const struct frame *out, int family)
{
	struct pkt p;

	CHECK_EQ(decode__frame(out->linktype, out->data, out->caplen, &p), DECODE_TCP);
	CHECK_EQ(p.family, family);
	CHECK_EQ(p.sport, 50000);
	CHECK_EQ(p.dport, 443);
	CHECK_EQ(p.payload_len, sizeof(tcp_seg) - 20);
	CHECK_EQ(p.payload_missing, 0);
	CHECK(p.payload_len == sizeof(tcp_seg) - 20 &&
	      !memcmp(p.payload, tcp_seg + 20, sizeof(tcp_seg) - 20));
}

static void test_v4_in_order(void)
{
	struct ipfrag_stats st = { 0 };
	struct ipfrag *r = ipfrag__new(NULL, &st);
	struct fragbuf f;
	struct frame out;

	CHECK_EQ(feed(r, v4_frag(&f, 7, 0, 512, 1, 1), &out), 0);
	CHECK_EQ(feed(r, v4_frag(&f, 7, 512, 512, 1, 2), &out), 0);
	CHECK_EQ(feed(r, v4_frag(&f, 7, 1024, 196, 0, 3), &out), 1);
	check_whole(&out, 4);
	CHECK_EQ(out.ts_ns, 3);
	CHECK_EQ(st.reassembled, 1);
	CHECK_EQ(ipfrag__held(r, NULL), 0);
	ipfrag__free(r);
}

static void test_v4_reverse_and_duplicate(void)
{
	struct ipfrag_stats st = { 0 };
	struct ipfrag *r = ipfrag__new(NULL, &st);
	struct fragbuf f;
	struct frame out;
	uint64_t bytes;

	CHECK_EQ(feed(r, v4_frag(&f, 8, 1024, 196, 0, 1), &out), 0);
	CHECK_EQ(feed(r, v4_frag(&f, 8, 512, 512, 1, 2), &out), 0);
	CHECK_EQ(feed(r, v4_frag(&f, 8, 512, 512, 1, 3), &out), 0); /* exact duplicate */
	CHECK_EQ(ipfrag__held(r, &bytes), 1);
	CHECK_EQ(bytes, 708);
	CHECK_EQ(feed(r, v4_frag(&f, 8, 0, 512, 1, 4), &out), 1);
	check_whole(&out, 4);
	CHECK_EQ(st.duplicates, 1);
	CHECK_EQ(st.reassembled, 1);
	ipfrag__free(r);
}

/* Linux (and RFC 5722 for IPv6): an overlap drops the whole datagram, so the later pieces start
 * a new one that never completes. */
static void test_v4_overlap_refused(void)
{
	struct ipfrag_stats st = { 0 };
	struct ipfrag *r = ipfrag__new(NULL, &st);
	struct fragbuf f;
	struct frame out;

	CHECK_EQ(feed(r, v4_frag(&f, 9, 0, 512, 1, 1), &out), 0);
	CHECK_EQ(feed(r, v4_frag(&f, 9, 504, 520, 1, 2), &out), -EINVAL);
	CHECK_EQ(st.overlaps, 1);
	CHECK_EQ(ipfrag__held(r, NULL), 0);
	CHECK_EQ(feed(r, v4_frag(&f, 9, 1024, 196, 0, 3), &out), 0);
	CHECK_EQ(st.reassembled, 0);
	ipfrag__free(r);
}

static void test_v6_with_options(void)
{
	struct ipfrag_stats st = { 0 };
	struct ipfrag *r = ipfrag__new(NULL, &st);
	struct fragbuf f;
	struct frame out;

	CHECK_EQ(feed(r, v6_frag(&f, 0xabcdef, 600, 620, 0, 1), &out), 0);
	CHECK_EQ(feed(r, v6_frag(&f, 0xabcdef, 0, 600, 1, 2), &out), 1);
	check_whole(&out, 6);
	CHECK_EQ(st.reassembled, 1);
	ipfrag__free(r);
}

static void test_v6_overlap_and_odd_length(void)
{
	struct ipfrag_stats st = { 0 };
	struct ipfrag *r = ipfrag__new(NULL, &st);
	struct fragbuf f;
	struct frame out;

	CHECK_EQ(feed(r, v6_frag(&f, 1, 0, 600, 1, 1), &out), 0);
	CHECK_EQ(feed(r, v6_frag(&f, 1, 592, 628, 0, 2), &out), -EINVAL);
	CHECK_EQ(st.overlaps, 1);
	/* RFC 8200 4.5: a non-last fragment whose length is not a multiple of 8 */
	CHECK_EQ(feed(r, v6_frag(&f, 2, 0, 601, 1, 3), &out), -EINVAL);
	CHECK_EQ(st.malformed, 1);
	CHECK_EQ(st.reassembled, 0);
	ipfrag__free(r);
}

static void test_timeout(void)
{
	struct ipfrag_stats st = { 0 };
	struct ipfrag_limits lim = { .timeout_ns = 30 * SEC };
	struct ipfrag *r = ipfrag__new(&lim, &st);
	struct fragbuf f;
	struct frame out;

	CHECK_EQ(feed(r, v4_frag(&f, 10, 0, 512, 1, 1 * SEC), &out), 0);
	CHECK_EQ(feed(r, v4_frag(&f, 10, 512, 708, 0, 32 * SEC), &out), 0);
	CHECK_EQ(st.timeouts, 1);
	CHECK_EQ(st.reassembled, 0);
	ipfrag__expire(r, 63 * SEC);
	CHECK_EQ(st.timeouts, 2);
	CHECK_EQ(ipfrag__held(r, NULL), 0);
	ipfrag__free(r);
}

static void test_bounds(void)
{
	struct ipfrag_stats st = { 0 };
	struct ipfrag_limits lim = { .max_datagrams = 2, .max_bytes = 1225, .max_pieces = 3 };
	struct ipfrag *r = ipfrag__new(&lim, &st);
	struct fragbuf f;
	struct frame out;
	uint64_t bytes;

	/* a third datagram pushes out the oldest */
	CHECK_EQ(feed(r, v4_frag(&f, 1, 512, 8, 1, 1), &out), 0);
	CHECK_EQ(feed(r, v4_frag(&f, 2, 512, 8, 1, 2), &out), 0);
	CHECK_EQ(feed(r, v4_frag(&f, 3, 512, 8, 1, 3), &out), 0);
	CHECK_EQ(st.evicted, 1);
	CHECK_EQ(ipfrag__held(r, NULL), 2);
	/* bytes: 1,200 more do not fit beside the 16 held, so both others go */
	CHECK_EQ(feed(r, v4_frag(&f, 4, 0, 1200, 1, 4), &out), 0);
	CHECK_EQ(ipfrag__held(r, &bytes), 1);
	CHECK(bytes <= 1225);
	CHECK_EQ(st.evicted, 3);
	/* pieces per datagram */
	CHECK_EQ(feed(r, v4_frag(&f, 5, 0, 8, 1, 5), &out), 0);
	CHECK_EQ(feed(r, v4_frag(&f, 5, 16, 8, 1, 6), &out), 0);
	CHECK_EQ(feed(r, v4_frag(&f, 5, 32, 8, 1, 7), &out), 0);
	CHECK_EQ(feed(r, v4_frag(&f, 5, 48, 8, 1, 8), &out), -E2BIG);
	ipfrag__free(r);
}

/* Every cut of a fragment shorter than its IP length is refused without reading past it (the
 * SAN=1 build checks the reads); so are inconsistent ends. */
static void test_malformed(void)
{
	struct ipfrag_stats st = { 0 };
	struct ipfrag *r = ipfrag__new(NULL, &st);
	struct fragbuf f;
	struct frame out, *fr;

	fr = v4_frag(&f, 11, 0, 512, 1, 1);
	for (uint32_t n = 0; n < fr->caplen; n++) {
		struct frame cut = *fr;

		cut.caplen = n;
		CHECK_EQ(ipfrag__feed(r, &cut, 0, 4, &out), -EINVAL);
	}
	fr = v6_frag(&f, 11, 0, 512, 1, 1);
	for (uint32_t n = 0; n < fr->caplen; n++) {
		struct frame cut = *fr;

		cut.caplen = n;
		CHECK_EQ(ipfrag__feed(r, &cut, 0, 6, &out), -EINVAL);
	}
	CHECK_EQ(st.malformed, 20 + 512 + 56 + 512); /* every cut, counted */
	CHECK_EQ(ipfrag__held(r, NULL), 0);
	/* two different last fragments */
	CHECK_EQ(feed(r, v4_frag(&f, 12, 512, 100, 0, 2), &out), 0);
	CHECK_EQ(feed(r, v4_frag(&f, 12, 512, 200, 0, 3), &out), -EINVAL);
	CHECK_EQ(st.invalid, 1);
	/* past 64 KiB */
	CHECK_EQ(feed(r, v4_frag(&f, 13, 65528, 16, 0, 4), &out), -EINVAL);
	CHECK_EQ(st.invalid, 2);
	CHECK_EQ(st.reassembled, 0);
	ipfrag__free(r);
}

int main(void)
{
	make_segment();
	RUN_TEST(test_v4_in_order);
	RUN_TEST(test_v4_reverse_and_duplicate);
	RUN_TEST(test_v4_overlap_refused);
	RUN_TEST(test_v6_with_options);
	RUN_TEST(test_v6_overlap_and_odd_length);
	RUN_TEST(test_timeout);
	RUN_TEST(test_bounds);
	RUN_TEST(test_malformed);
	return check_total_failed ? 1 : 0;
}
