/* Wrap an Ethernet frame in one encapsulation layer (PPPoE session, MPLS, GRE, VXLAN, GENEVE,
 * IP-in-IP): the frames pcapgen --encap writes and the BPF tests and benchmarks send, built once.
 * Specs are "kind[:id]"; a list "a/b/c" is outermost first, as tlsmon reports it in "encap". */
#ifndef TLSMON_ENCAP_BUILD_H
#define TLSMON_ENCAP_BUILD_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


/* Own helpers, not tools/pkt_build.h's: the BPF test fixtures define put16() too. */
static inline void eb_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void eb_put32(uint8_t *p, uint32_t v)
{
	eb_put16(p, (uint16_t)(v >> 16));
	eb_put16(p + 2, (uint16_t)v);
}

/* RFC 1071 Internet checksum of p[0..len) */
static inline uint16_t eb_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

enum encap_build_kind {
	EB_PPPOE, /* id: session */
	EB_MPLS, /* two labels: 16 (transport), then id with bottom of stack */
	EB_GRE, /* IPv4 / GRE; id: key (none without one) */
	EB_GRE_ALL, /* GRE with checksum, key (id) and sequence number */
	EB_GRE_ETH, /* GRE transparent Ethernet bridging (0x6558) with key id */
	EB_VXLAN, /* IPv4 / UDP 4789 / VXLAN; id: VNI */
	EB_GENEVE, /* IPv4 / UDP 6081 / GENEVE with one 8-byte option; id: VNI */
	EB_IPIP, /* outer IPv4, protocol 4 or 41 */
	EB_IPIP6, /* outer IPv6, next header 4 or 41 */
	EB_GRE6, /* EB_GRE over IPv6 */
	EB_VXLAN6, /* EB_VXLAN over IPv6 (UDP checksum 0, as RFC 6935 allows tunnels) */
};

struct encap_layer {
	uint8_t kind; /* enum encap_build_kind */
	uint8_t has_id;
	uint32_t id;
};

#define ENCAP_BUILD_MAX 8

/* "kind[:id]"; returns 0 or -EINVAL. */
static inline int encap_parse_one(const char *s, size_t n, struct encap_layer *l)
{
	static const char *const names[] = { "pppoe", "mpls",	"gre",	 "gre-all", "gre-eth",
					     "vxlan", "geneve", "ipip", "ipip6", "gre6", "vxlan6" };
	const char *colon = memchr(s, ':', n);
	size_t nl = colon ? (size_t)(colon - s) : n;
	char num[16];
	char *end;
	unsigned long v;
	size_t i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == nl && !memcmp(names[i], s, nl))
			break;
	if (i == sizeof(names) / sizeof(names[0]))
		return -EINVAL;
	l->kind = (uint8_t)i;
	if (!colon)
		return l->kind == EB_GRE || l->kind == EB_GRE6 || l->kind == EB_IPIP ||
		       l->kind == EB_IPIP6 ? 0 : -EINVAL;
	if (n - nl - 1 == 0 || n - nl - 1 >= sizeof(num))
		return -EINVAL;
	memcpy(num, colon + 1, n - nl - 1);
	num[n - nl - 1] = '\0';
	v = strtoul(num, &end, 0);
	if (*end || (l->kind == EB_PPPOE && v > 0xffff) || (l->kind == EB_MPLS && v > 0xfffff) ||
	    ((l->kind == EB_VXLAN || l->kind == EB_VXLAN6 || l->kind == EB_GENEVE) && v > 0xffffff) ||
	    v > 0xffffffffu)
		return -EINVAL;
	l->has_id = 1;
	l->id = (uint32_t)v;
	return 0;
}

/* "a/b/c", outermost first; returns the number of layers or -EINVAL. */
static inline int encap_parse_spec(const char *s, struct encap_layer *out, int max)
{
	int n = 0;

	while (*s) {
		const char *slash = strchr(s, '/');
		size_t len = slash ? (size_t)(slash - s) : strlen(s);

		if (n == max || encap_parse_one(s, len, &out[n]))
			return -EINVAL;
		n++;
		s += len + (slash ? 1 : 0);
	}
	return n ? n : -EINVAL;
}

static inline size_t eb_ipv4(uint8_t *p, uint8_t proto, size_t payload, int dir)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	eb_put16(p + 2, (uint16_t)(20 + payload));
	p[8] = 64;
	p[9] = proto;
	eb_put32(p + 12, 0xc0000201 + (uint32_t)dir); /* 192.0.2.1 / .2: TEST-NET-1 */
	eb_put32(p + 16, 0xc0000202 - (uint32_t)dir);
	eb_put16(p + 10, eb_csum(p, 20));
	return 20;
}

static inline size_t eb_ipv6(uint8_t *p, uint8_t next, size_t payload, int dir)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	eb_put16(p + 4, (uint16_t)payload);
	p[6] = next;
	p[7] = 64;
	eb_put16(p + 8, 0x2001); /* 2001:db8::1 / ::2, the documentation prefix */
	eb_put16(p + 10, 0x0db8);
	p[23] = (uint8_t)(1 + dir);
	eb_put16(p + 24, 0x2001);
	eb_put16(p + 26, 0x0db8);
	p[39] = (uint8_t)(2 - dir);
	return 40;
}

/* Wrap in[0..len), an Ethernet frame whose ethertype (bytes 12-13) is IPv4, IPv6, PPPoE or MPLS,
 * into out (room bytes) as one layer l; dir (0, 1) orders the outer addresses, so both
 * directions of a connection use one outer pair. Returns the new length, 0 when it does not fit
 * or l cannot carry this frame. */
static inline size_t encap_wrap(uint8_t *out, size_t room, const uint8_t *in, size_t len,
				const struct encap_layer *l, int dir)
{
	uint16_t type = len >= 14 ? (uint16_t)(in[12] << 8 | in[13]) : 0;
	int inner6 = type == 0x86dd, ip = type == 0x0800 || inner6;
	const uint8_t *l3 = in + 14;
	size_t l3len = len - 14, hdr = 14, n;
	uint8_t *p;

	if (len < 14 || room < len + 128)
		return 0;
	memcpy(out, in, 12); /* the same MACs outside */
	p = out + 14;
	switch (l->kind) {
	case EB_PPPOE:
		/* RFC 2516 4: ver 1, type 1, code 0 (session data), length includes the PPP
		 * protocol field (RFC 1661 2) */
		if (!ip)
			return 0;
		eb_put16(out + 12, 0x8864);
		p[0] = 0x11;
		p[1] = 0;
		eb_put16(p + 2, (uint16_t)l->id);
		eb_put16(p + 4, (uint16_t)(l3len + 2));
		eb_put16(p + 6, inner6 ? 0x0057 : 0x0021);
		hdr += 8;
		break;
	case EB_MPLS:
		/* RFC 3032 2.1: label 20 bits, TC 3, S 1, TTL 8 */
		if (!ip)
			return 0;
		eb_put16(out + 12, 0x8847);
		eb_put32(p, 16u << 12 | 64);
		eb_put32(p + 4, l->id << 12 | 1u << 8 | 64);
		hdr += 8;
		break;
	case EB_GRE:
	case EB_GRE6:
	case EB_GRE_ALL:
	case EB_GRE_ETH: {
		/* RFC 2784 2.1 and RFC 2890 2: C, K, S flags, then checksum+reserved, key, seq */
		int c = l->kind == EB_GRE_ALL, k = l->has_id, s = l->kind == EB_GRE_ALL;
		size_t gl = 4 + 4 * (size_t)(c + k + s), o = 4;
		uint8_t *g;

		if (l->kind == EB_GRE_ETH) {
			l3 = in;
			l3len = len;
		} else if (!ip) {
			return 0;
		}
		if (l->kind == EB_GRE6) {
			eb_put16(out + 12, 0x86dd);
			p += eb_ipv6(p, 47, gl + l3len, dir);
		} else {
			eb_put16(out + 12, 0x0800);
			p += eb_ipv4(p, 47, gl + l3len, dir);
		}
		g = p;
		eb_put16(g, (uint16_t)((c ? 0x8000 : 0) | (k ? 0x2000 : 0) | (s ? 0x1000 : 0)));
		eb_put16(g + 2, l->kind == EB_GRE_ETH ? 0x6558 : inner6 ? 0x86dd : 0x0800);
		if (c) {
			eb_put32(g + o, 0);
			o += 4;
		}
		if (k) {
			eb_put32(g + o, l->id);
			o += 4;
		}
		if (s)
			eb_put32(g + o, 7);
		memcpy(g + gl, l3, l3len);
		if (c)
			eb_put16(g + 4, eb_csum(g, gl + l3len));
		return (size_t)(g - out) + gl + l3len;
	}
	case EB_VXLAN:
	case EB_VXLAN6:
	case EB_GENEVE: {
		int vx = l->kind != EB_GENEVE;
		size_t tl = vx ? 8 : 16; /* GENEVE: 8 + one option of 4 + 4 bytes */

		if (l->kind == EB_VXLAN6) {
			eb_put16(out + 12, 0x86dd);
			p += eb_ipv6(p, 17, 8 + tl + len, dir);
		} else {
			eb_put16(out + 12, 0x0800);
			p += eb_ipv4(p, 17, 8 + tl + len, dir);
		}
		eb_put16(p, (uint16_t)(49152 + (in[13] ^ in[5]))); /* a source port from the inner flow */
		eb_put16(p + 2, vx ? 4789 : 6081);
		eb_put16(p + 4, (uint16_t)(8 + tl + len));
		eb_put16(p + 6, 0);
		p += 8;
		memset(p, 0, tl);
		if (vx) {
			p[0] = 0x08; /* RFC 7348 5: I flag, VNI valid */
			eb_put32(p + 4, l->id << 8);
		} else {
			p[0] = 2; /* RFC 8926 3.4: version 0, option length 2 words */
			eb_put16(p + 2, 0x6558);
			eb_put32(p + 4, l->id << 8);
			eb_put16(p + 8, 0x0104); /* option class, type 1, length 1 word */
			p[10] = 0x01;
			p[11] = 1;
			eb_put32(p + 12, 0xdeadbeef);
		}
		memcpy(p + tl, in, len);
		return (size_t)(p - out) + tl + len;
	}
	case EB_IPIP:
	case EB_IPIP6:
		if (!ip)
			return 0;
		if (l->kind == EB_IPIP) {
			eb_put16(out + 12, 0x0800);
			n = eb_ipv4(p, inner6 ? 41 : 4, l3len, dir);
		} else {
			eb_put16(out + 12, 0x86dd);
			n = eb_ipv6(p, inner6 ? 41 : 4, l3len, dir);
		}
		memcpy(p + n, l3, l3len);
		return 14 + n + l3len;
	default:
		return 0;
	}
	memcpy(out + hdr, l3, l3len);
	return hdr + l3len;
}

/* Wrap in every layer of a spec list (outermost first) into out; tmp is scratch of the same
 * room. Returns the length, 0 when a layer did not fit or could not carry its inner frame. */
static inline size_t encap_wrap_all(uint8_t *out, uint8_t *tmp, size_t room, const uint8_t *in,
				    size_t len, const struct encap_layer *l, int n, int dir)
{
	int i;

	if (len > room)
		return 0;
	memcpy(out, in, len);
	for (i = n - 1; i >= 0; i--) {
		memcpy(tmp, out, len);
		len = encap_wrap(out, room, tmp, len, &l[i], dir);
		if (!len)
			return 0;
	}
	return len;
}

#endif
