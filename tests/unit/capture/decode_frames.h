// SPDX-License-Identifier: MIT
/* A frame builder for the decoder tests: Ethernet, VLAN, IPv4/IPv6 (with extension headers), TCP
 * and the BSD null/loop header, written field by field so each test can lie in one of them. */
#ifndef TLSMON_TEST_DECODE_FRAMES_H
#define TLSMON_TEST_DECODE_FRAMES_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "capture/frame.h"

/* A frame under construction; hdr_end is where the TCP payload starts. */
struct fb {
	uint8_t b[4096];
	size_t n;
	size_t l3;
	size_t ip_len_at; /* offset of the IP length field, 0 = none */
	int family;
	size_t tcp;
	size_t hdr_end;
};

static inline void put(struct fb *f, const void *p, size_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static inline void put8(struct fb *f, uint8_t v)
{
	f->b[f->n++] = v;
}

static inline void put16(struct fb *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static inline void put32(struct fb *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static inline void zeros(struct fb *f, size_t n)
{
	memset(f->b + f->n, 0, n);
	f->n += n;
}

static inline void set16(struct fb *f, size_t at, uint16_t v)
{
	f->b[at] = (uint8_t)(v >> 8);
	f->b[at + 1] = (uint8_t)v;
}

static inline void eth(struct fb *f, uint16_t type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	put(f, macs, 12);
	put16(f, type);
}

static inline void vlan_tag(struct fb *f, uint16_t tci, uint16_t next)
{
	put16(f, tci);
	put16(f, next);
}

static inline void ipv4(struct fb *f, int opt_words, uint16_t frag, uint8_t proto)
{
	int i;

	f->l3 = f->n;
	f->family = 4;
	put8(f, (uint8_t)(0x40 | (5 + opt_words)));
	put8(f, 0);
	f->ip_len_at = f->n;
	put16(f, 0);
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put32(f, 0xc0000201); /* 192.0.2.1 */
	put32(f, 0xc6336402); /* 198.51.100.2 */
	for (i = 0; i < opt_words; i++)
		put32(f, 0x01010101); /* NOPs */
}

static inline void ipv6(struct fb *f, uint8_t nh)
{
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0x12, [15] = 0x34 };

	f->l3 = f->n;
	f->family = 6;
	put32(f, 0x60000000);
	f->ip_len_at = f->n;
	put16(f, 0);
	put8(f, nh);
	put8(f, 64);
	put(f, src, 16);
	put(f, dst, 16);
}

/* Generic extension header of total length (hdrlen + 1) * 8. */
static inline void ext6(struct fb *f, uint8_t nh, uint8_t hdrlen)
{
	put8(f, nh);
	put8(f, hdrlen);
	zeros(f, (size_t)(hdrlen + 1) * 8 - 2);
}

static inline void tcp(struct fb *f, int opt_words, uint8_t flags, size_t payload)
{
	size_t i;
	int j;

	f->tcp = f->n;
	put16(f, 40000);
	put16(f, 443);
	put32(f, 0xfffffff0);
	put32(f, 0x01020304);
	put8(f, (uint8_t)((5 + opt_words) << 4));
	put8(f, flags);
	put16(f, 65535);
	put32(f, 0);
	for (j = 0; j < opt_words; j++)
		put32(f, 0x01010101);
	f->hdr_end = f->n;
	for (i = 0; i < payload; i++)
		put8(f, (uint8_t)(i * 7 + 1));
}

/* Sets the IP length to cover everything written so far. */
static inline void fin(struct fb *f)
{
	size_t ip = f->n - f->l3;

	if (f->family == 4)
		set16(f, f->ip_len_at, (uint16_t)ip);
	else
		set16(f, f->ip_len_at, (uint16_t)(ip - 40));
}

/* Decode from an exactly sized heap copy so that ASan sees any read past len. */
static inline int dec(uint16_t lt, const uint8_t *p, size_t len, struct pkt *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, p, len);
	ret = decode__frame(lt, copy, len, out);
	/* Pointers into the copy must not outlive it. */
	if (ret == DECODE_TCP) {
		CHECK(out->payload >= copy && out->payload + out->payload_len <= copy + len);
		out->payload = p + (out->payload - copy);
	}
	free(copy);
	return ret;
}

static inline void v4_tcp_frame(struct fb *f, size_t payload)
{
	memset(f, 0, sizeof(*f));
	eth(f, 0x0800);
	ipv4(f, 0, 0x4000, 6);
	tcp(f, 0, TCPF_SYN | TCPF_ACK, payload);
	fin(f);
}

static inline void null_frame(struct fb *f, uint32_t af, int big_endian, int v6)
{
	memset(f, 0, sizeof(*f));
	if (big_endian) {
		put32(f, af);
	} else {
		put8(f, (uint8_t)af);
		put8(f, (uint8_t)(af >> 8));
		put8(f, (uint8_t)(af >> 16));
		put8(f, (uint8_t)(af >> 24));
	}
	if (v6)
		ipv6(f, 6);
	else
		ipv4(f, 0, 0, 6);
	tcp(f, 0, TCPF_ACK, 2);
	fin(f);
}

#endif
