// SPDX-License-Identifier: GPL-2.0
/* TCP checksum verdicts (good, bad, offloaded, not captured whole; IPv4 with options and IPv6),
 * the urgent pointer as Linux reads it, and the receiver's RST acceptance (net/tcp_rcv.h). */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "net/tcp_rcv.h"
#include "net/tcp_seg.h"
#include "pkt_build.h"

static uint8_t fr[9200];
static size_t payload_len = 12; /* of "hello, world, and the rest", or of long_payload */
static const uint8_t *long_payload; /* when set, the payload's bytes */

/* IPv4 (ihl words) or IPv6 + TCP with payload_len bytes of payload; returns the frame length.
 * The checksum is right, then adjusted by how. */
enum how { RIGHT, WRONG, PARTIAL, PARTIAL_NOLEN };

static size_t build(bool v6, int ihl, uint8_t flags, uint16_t urg, enum how how)
{
	static const char pl[] = "hello, world, and the rest";
	size_t ip = v6 ? 40 : (size_t)ihl * 4, tl = 20 + payload_len;
	uint8_t *t = fr + ip;
	uint32_t ps;

	memset(fr, 0, sizeof(fr));
	if (v6) {
		fr[0] = 0x60;
		put16(fr + 4, (uint16_t)tl);
		fr[6] = 6;
		fr[7] = 64;
		fr[8] = 0xfd, fr[23] = 1, fr[24] = 0xfd, fr[39] = 2;
		ps = csum_add(0, fr + 8, 32);
	} else {
		fr[0] = (uint8_t)(0x40 | ihl);
		put16(fr + 2, (uint16_t)(ip + tl));
		fr[8] = 64;
		fr[9] = 6;
		put32(fr + 12, 0x0a000001);
		put32(fr + 16, 0x0a000002);
		ps = csum_add(0, fr + 12, 8);
	}
	put16(t, 40000);
	put16(t + 2, 443);
	put32(t + 4, 1000);
	put32(t + 8, 2000);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	put16(t + 18, urg);
	memcpy(t + 20, long_payload ? long_payload : (const uint8_t *)pl, payload_len);
	ps += 6;
	if (how == PARTIAL_NOLEN) {
		put16(t + 16, (uint16_t)~csum_fold(ps));
		return ip + tl;
	}
	ps += (uint32_t)tl;
	if (how == PARTIAL) {
		put16(t + 16, (uint16_t)~csum_fold(ps));
		return ip + tl;
	}
	put16(t + 16, (uint16_t)(csum_fold(csum_add(ps, t, tl)) + (how == WRONG ? 1 : 0)));
	return ip + tl;
}

static enum tcp_csum_result verdict(size_t len, size_t cap)
{
	struct pkt p;

	CHECK_EQ(decode__frame(LINKTYPE_RAW, fr, cap < len ? cap : len, &p), DECODE_TCP);
	return tcp_seg__csum(fr, cap < len ? cap : len, &p);
}

static void test_checksums(void)
{
	size_t n;

	for (int v6 = 0; v6 < 2; v6++) {
		CHECK_EQ(verdict(build(v6, 5, 0x18, 0, RIGHT), 999), TCP_CSUM_GOOD);
		CHECK_EQ(verdict(build(v6, 5, 0x18, 0, WRONG), 999), TCP_CSUM_BAD);
		CHECK_EQ(verdict(build(v6, 5, 0x18, 0, PARTIAL), 999), TCP_CSUM_PARTIAL);
		CHECK_EQ(verdict(build(v6, 5, 0x18, 0, PARTIAL_NOLEN), 999), TCP_CSUM_PARTIAL);
		/* cut by the snaplen: the sum cannot be checked */
		n = build(v6, 5, 0x18, 0, WRONG);
		CHECK_EQ(verdict(n, n - 3), TCP_CSUM_UNKNOWN);
	}
	/* IPv4 options between the headers: the TCP header is still found */
	CHECK_EQ(verdict(build(false, 8, 0x18, 0, RIGHT), 999), TCP_CSUM_GOOD);
	CHECK_EQ(verdict(build(false, 15, 0x18, 0, WRONG), 999), TCP_CSUM_BAD);
}

/* Every length modulo 4 (the sum is taken a word at a time), an odd last byte included: a
 * change in any byte, the last one too, makes the sum bad. */
static void test_checksum_lengths(void)
{
	for (int v6 = 0; v6 < 2; v6++) {
		for (payload_len = 0; payload_len <= 26; payload_len++) {
			size_t n = build(v6, 5, 0x18, 0, RIGHT);

			CHECK_EQ(verdict(n, 999), TCP_CSUM_GOOD);
			if (payload_len) {
				fr[n - 1] ^= 0x01;
				CHECK_EQ(verdict(n, 999), TCP_CSUM_BAD);
				fr[n - 1] ^= 0x81;
				CHECK_EQ(verdict(n, 999), TCP_CSUM_BAD);
			}
			CHECK_EQ(verdict(build(v6, 6, 0x18, 0, WRONG), 999), TCP_CSUM_BAD);
			CHECK_EQ(verdict(build(v6, 5, 0x18, 0, PARTIAL), 999), TCP_CSUM_PARTIAL);
		}
	}
	payload_len = 12;
}

/* The sum is taken 32 bytes a step (SSE2) or 16 (portable) with the rest a word at a time:
 * long payloads of every length around those steps, bytes near 0xff so that every lane carries,
 * are good as built, and a change at a step's edges, in the middle or at the end makes them bad. */
static void test_checksum_long_payloads(void)
{
	static uint8_t bytes[9000];
	static const size_t lens[] = { 27, 31, 32, 33, 47, 48, 63, 64, 65, 95, 96, 97, 127,
				       128, 129, 200, 1448, 1460, 4095, 9000 };
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(bytes); i++) {
		x = x * 1103515245u + 12345u;
		bytes[i] = (uint8_t)(i % 7 ? 0xf0 | (x >> 28) : x >> 24);
	}
	long_payload = bytes;
	for (int v6 = 0; v6 < 2; v6++) {
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			size_t at[] = { 0, 15, 16, 31, 32, lens[k] / 2, lens[k] - 1 };
			size_t n;

			payload_len = lens[k];
			n = build(v6, 5, 0x18, 0, RIGHT);
			CHECK_EQ(verdict(n, sizeof(fr)), TCP_CSUM_GOOD);
			for (size_t a = 0; a < sizeof(at) / sizeof(at[0]); a++) {
				uint8_t *b = fr + n - payload_len + (at[a] < payload_len ? at[a] : 0);

				*b ^= 0x10;
				CHECK_EQ(verdict(n, sizeof(fr)), TCP_CSUM_BAD);
				*b ^= 0x10;
			}
			CHECK_EQ(verdict(build(v6, 5, 0x18, 0, PARTIAL), sizeof(fr)), TCP_CSUM_PARTIAL);
		}
	}
	long_payload = NULL;
	payload_len = 12;
}

/* Every length up to 300 (each tail after the 64-byte AVX2, 32-byte SSE2 and 8-byte steps),
 * with payloads of all 0xff (every addition carries) and of bytes near it: good as built, bad
 * with one bit changed anywhere in the last step, partial as offloaded. */
static void test_checksum_every_length(void)
{
	static uint8_t ff[300], mixed[300];
	uint32_t x = 777;

	memset(ff, 0xff, sizeof(ff));
	for (size_t i = 0; i < sizeof(mixed); i++) {
		x = x * 1103515245u + 12345u;
		mixed[i] = (uint8_t)(0xf8 | (x >> 29));
	}
	for (int kind = 0; kind < 2; kind++) {
		long_payload = kind ? mixed : ff;
		for (int v6 = 0; v6 < 2; v6++) {
			for (payload_len = 0; payload_len <= sizeof(ff); payload_len++) {
				size_t n = build(v6, 5, 0x18, 0, RIGHT);

				CHECK_EQ(verdict(n, sizeof(fr)), TCP_CSUM_GOOD);
				for (size_t back = 1; back <= 9 && back <= payload_len; back++) {
					fr[n - back] ^= 0x04;
					CHECK_EQ(verdict(n, sizeof(fr)), TCP_CSUM_BAD);
					fr[n - back] ^= 0x04;
				}
				CHECK_EQ(verdict(build(v6, 5, 0x18, 0, WRONG), sizeof(fr)), TCP_CSUM_BAD);
				CHECK_EQ(verdict(build(v6, 5, 0x18, 0, PARTIAL), sizeof(fr)),
					 TCP_CSUM_PARTIAL);
			}
		}
	}
	long_payload = NULL;
	payload_len = 12;
}

static void test_urgent(void)
{
	struct pkt p;
	uint32_t u = 0;
	size_t n;

	n = build(false, 5, 0x38, 5, RIGHT); /* URG, pointer 5: the byte at seq + 4 */
	CHECK_EQ(decode__frame(LINKTYPE_RAW, fr, n, &p), DECODE_TCP);
	CHECK_EQ(tcp_seg__urgent(fr, &p, &u), 0);
	CHECK_EQ(u, 1004);
	n = build(false, 5, 0x38, 0, RIGHT); /* pointer 0: Linux takes seq itself */
	CHECK_EQ(decode__frame(LINKTYPE_RAW, fr, n, &p), DECODE_TCP);
	CHECK_EQ(tcp_seg__urgent(fr, &p, &u), 0);
	CHECK_EQ(u, 1000);
	n = build(false, 5, 0x18, 5, RIGHT); /* no URG flag */
	CHECK_EQ(decode__frame(LINKTYPE_RAW, fr, n, &p), DECODE_TCP);
	CHECK_EQ(tcp_seg__urgent(fr, &p, &u), -ENOENT);
}

static void ignore(void *ctx, const uint8_t *d, size_t n)
{
	(void)ctx, (void)d, (void)n;
}

static void test_rst_acceptable(void)
{
	struct reasm_cfg cfg = { .lim = { 4096, 16 } };
	struct flow f;
	struct reasm r; /* side 0's direction of f */
	struct pkt p = { .tcp_flags = TCPF_RST };

	memset(&f, 0, sizeof(f));
	reasm__init(&r);
	p.seq = 12345;
	CHECK(tcp_rcv__rst_acceptable(&f, &r, 0, false, &p)); /* nothing known of side 0 yet */
	reasm__start(&r, &cfg, 1001);
	reasm__feed(&r, &cfg, 1001, (const uint8_t *)"abcdefghij", 10, ignore, NULL);
	p.seq = 1011;
	CHECK(tcp_rcv__rst_acceptable(&f, &r, 0, false, &p)); /* the next byte expected */
	p.seq = 1012;
	CHECK(!tcp_rcv__rst_acceptable(&f, &r, 0, false, &p)); /* in the window, not exact */
	CHECK(tcp_rcv__rst_acceptable(&f, &r, 0, true, &p)); /* ... unless after side 0's FIN */
	p.seq = 1011 - 100000;
	CHECK(!tcp_rcv__rst_acceptable(&f, &r, 0, false, &p));
	/* the right edge of what is held out of order */
	reasm__feed(&r, &cfg, 1100, (const uint8_t *)"xyz", 3, ignore, NULL);
	p.seq = 1103;
	CHECK(tcp_rcv__rst_acceptable(&f, &r, 0, false, &p));
	/* what the receiver (side 1) acknowledged, when the capture missed bytes */
	p.seq = 1500;
	CHECK(!tcp_rcv__rst_acceptable(&f, &r, 0, false, &p));
	tcp_rcv__note_ack(&f, 1, &(struct pkt){ .tcp_flags = TCPF_ACK, .ack = 1500 });
	CHECK(tcp_rcv__rst_acceptable(&f, &r, 0, false, &p));
	reasm__reset(&r, &cfg);
}

int main(void)
{
	RUN_TEST(test_checksums);
	RUN_TEST(test_checksum_lengths);
	RUN_TEST(test_checksum_long_payloads);
	RUN_TEST(test_checksum_every_length);
	RUN_TEST(test_urgent);
	RUN_TEST(test_rst_acceptable);
	return CHECK_DONE();
}
