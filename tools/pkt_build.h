/* Byte-order stores, the Internet checksum (RFC 1071) and an Ethernet + IPv4 + TCP frame for the
 * tools that build test frames (tools/pcapgen.c, bench/hsgen.c, bench/hsflood.c): one copy
 * instead of one per tool. */
#ifndef TLSMON_PKT_BUILD_H
#define TLSMON_PKT_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Add 16-bit big-endian words to a one's-complement sum; an odd last byte is padded with 0. */
static inline uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

static inline uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The header fields of one Ethernet + IPv4 + TCP frame without IP or TCP options. */
struct eth_tcp4 {
	const uint8_t *dmac, *smac;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack; /* ack is written only with the ACK flag (0x10) */
	uint8_t flags;
	uint16_t win;
};

/* Write the frame, payload included, to f (room for 54 + plen bytes): IP ID 0, DF, TTL 64, both
 * checksums (TCP over the RFC 9293 3.1 pseudo-header). Returns its length. */
static inline size_t eth_tcp4_frame(uint8_t *f, const struct eth_tcp4 *h, const uint8_t *pl,
				    size_t plen)
{
	uint8_t *ip = f + 14, *tcp = ip + 20, ph[12];

	memcpy(f, h->dmac, 6);
	memcpy(f + 6, h->smac, 6);
	put16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + plen));
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, h->saddr);
	put32(ip + 16, h->daddr);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	put16(tcp, h->sport);
	put16(tcp + 2, h->dport);
	put32(tcp + 4, h->seq);
	put32(tcp + 8, h->flags & 0x10 ? h->ack : 0);
	memset(tcp + 12, 0, 8);
	tcp[12] = 5 << 4;
	tcp[13] = h->flags;
	put16(tcp + 14, h->win);
	if (plen)
		memcpy(tcp + 20, pl, plen);
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, (uint16_t)(20 + plen));
	put16(tcp + 16, csum_fold(csum_add(csum_add(0, ph, 12), tcp, 20 + plen)));
	return 54 + plen;
}

#endif
