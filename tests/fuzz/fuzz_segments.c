// SPDX-License-Identifier: GPL-2.0
/* The whole pipeline, driven at the TCP level: the input describes segments of up to two
 * connections to port 443, which get wrapped in fixed IPv4 or IPv6 and TCP headers, so the fuzzer
 * spends its time on reassembly (order, overlap, wrap-around, flags) and TLS rather than on
 * building valid IP headers.
 *
 * Input: byte 0 (bit 0: IPv6, bit 1: retain frames), 4-byte client and server ISNs, then
 * segments: ctl, 2-byte signed offset, 2-byte length, payload. ctl bit 0: sent by the server;
 * 1 SYN, 2 FIN, 3 RST, 4 ACK; 5: the second connection; 6: the clock jumps 3 s; 7: the TCP
 * checksum is wrong (else it is right: the receiver's normalisation runs on both). FIN and RST
 * together mean URG instead, the urgent pointer at the middle of the payload. The segment's
 * sequence number is the sender's next expected one (its ISN for a SYN) plus the offset. */
#include <arpa/inet.h>

#include "capture/frame.h"
#include "fuzz_engine.h"

#define HDR 9
#define SEG_HDR 5
#define IP4_LEN 20
#define IP6_LEN 40
#define TCP_LEN 20

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* RFC 1071 sum of the TCP segment t[0..n) with its IPv4/IPv6 pseudo-header. */
static uint16_t tcp_csum(const uint8_t *ip, bool v6, const uint8_t *t, size_t n)
{
	uint64_t acc = 6 + n;
	const uint8_t *a = v6 ? ip + 8 : ip + 12;
	size_t alen = v6 ? 32 : 8, i;

	for (i = 0; i < alen; i += 2)
		acc += (uint32_t)a[i] << 8 | a[i + 1];
	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)t[i] << 8 | t[i + 1];
	if (n & 1)
		acc += (uint32_t)t[n - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Returns the frame length. */
static size_t build(uint8_t *buf, bool v6, bool from_server, uint16_t cport, uint32_t seq,
		    uint32_t ack, uint8_t flags, bool bad_csum, const uint8_t *payload, size_t len)
{
	static const uint8_t a4[2][4] = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } };
	static const uint8_t a6[2][16] = { { 0xfd, 0, [15] = 1 }, { 0xfd, 0, [15] = 2 } };
	uint16_t sport = from_server ? 443 : cport, dport = from_server ? cport : 443;
	size_t ip = v6 ? IP6_LEN : IP4_LEN;
	uint8_t *t = buf + ip;

	memset(buf, 0, ip + TCP_LEN);
	if (v6) {
		buf[0] = 0x60;
		put16(buf + 4, (uint16_t)(TCP_LEN + len));
		buf[6] = 6;
		buf[7] = 64;
		memcpy(buf + 8, a6[from_server], 16);
		memcpy(buf + 24, a6[!from_server], 16);
	} else {
		buf[0] = 0x45;
		put16(buf + 2, (uint16_t)(IP4_LEN + TCP_LEN + len));
		buf[6] = 0x40; /* DF */
		buf[8] = 64;
		buf[9] = 6;
		memcpy(buf + 12, a4[from_server], 4);
		memcpy(buf + 16, a4[!from_server], 4);
	}
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (TCP_LEN / 4) << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	if (flags & 0x20)
		put16(t + 18, (uint16_t)(len / 2 + 1));
	memcpy(t + TCP_LEN, payload, len);
	put16(t + 16, (uint16_t)(tcp_csum(buf, v6, t, TCP_LEN + len) + (bad_csum ? 0x1234 : 0)));
	return ip + TCP_LEN + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[IP6_LEN + TCP_LEN + 65535];
	uint32_t isn[2], next[2][2]; /* [connection][sender] */
	struct engine *e;
	struct sbuf b;
	struct frame f = { .linktype = LINKTYPE_RAW };
	uint64_t ts = 1700000000ull * 1000000000ull;
	size_t off = HDR, len;
	bool v6;

	if (size < HDR)
		return 0;
	v6 = data[0] & 1;
	isn[0] = get32(data + 1);
	isn[1] = get32(data + 5);
	for (int c = 0; c < 2; c++)
		for (int s = 0; s < 2; s++)
			next[c][s] = isn[s] + 1;
	sbuf__init(&b);
	e = fuzz_engine_new(&b, data[0] >> 1 & 1);
	while (off + SEG_HDR <= size) {
		uint8_t ctl = data[off], flags = 0;
		int16_t delta = (int16_t)(data[off + 1] << 8 | data[off + 2]);
		int dir = ctl & 1, conn = ctl >> 5 & 1;
		uint32_t seq, end;

		len = (size_t)data[off + 3] << 8 | data[off + 4];
		off += SEG_HDR;
		if (len > size - off)
			len = size - off;
		flags |= ctl & 2 ? TCPF_SYN : 0;
		flags |= ctl & 4 ? TCPF_FIN : 0;
		flags |= ctl & 8 ? TCPF_RST : 0;
		flags |= ctl & 16 ? TCPF_ACK : 0;
		if ((flags & (TCPF_FIN | TCPF_RST)) == (TCPF_FIN | TCPF_RST))
			flags = (uint8_t)((flags & ~(TCPF_FIN | TCPF_RST)) | 0x20); /* URG */
		seq = (flags & TCPF_SYN ? isn[dir] : next[conn][dir]) + (uint32_t)(int32_t)delta;
		end = seq + (uint32_t)len + (flags & (TCPF_SYN | TCPF_FIN) ? 1 : 0);
		if ((int32_t)(end - next[conn][dir]) > 0)
			next[conn][dir] = end;
		if (ctl & 64)
			ts += 3000000000ull;
		ts += 1000000;
		f.caplen = f.wirelen = (uint32_t)build(buf, v6, dir, (uint16_t)(40000 + conn), seq,
						       next[conn][!dir], flags, ctl & 128, data + off,
						       len);
		f.data = buf;
		f.number++;
		f.ts_ns = ts;
		f.direction = dir ? FRAME_DIR_INGRESS : FRAME_DIR_EGRESS;
		engine__feed(e, &f);
		off += len;
	}
	engine__finish(e);
	engine__free(e);
	sbuf__free(&b);
	return 0;
}
