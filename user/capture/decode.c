// SPDX-License-Identifier: MIT
/* L2 -> L3 -> L4 decoder for one captured frame. Every read is bounds-checked against the
 * captured length; the IP length fields only shrink what we look at (Ethernet padding), never
 * extend it. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "capture/frame.h"
#include "util/sbuf.h"

#define ETH_HLEN 14
#define SLL_HLEN 16
#define SLL2_HLEN 20
#define NULL_HLEN 4
#define VLAN_HLEN 4

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ1 0x9100
#define ETH_P_PPP_SES 0x8864
#define ETH_P_MPLS_UC 0x8847
#define ETH_P_TEB 0x6558 /* transparent Ethernet bridging: an Ethernet frame follows */

#define PPP_IP 0x0021
#define PPP_IPV6 0x0057
#define PPPOE_HLEN 6
#define MPLS_LSE_LEN 4
#define GRE_MIN_HLEN 4
#define UDP_HLEN 8
#define VXLAN_HLEN 8
#define GENEVE_MIN_HLEN 8
#define VXLAN_PORT 4789 /* RFC 7348 5 (IANA) */
#define GENEVE_PORT 6081 /* RFC 8926 3.3 (IANA) */

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_IPIP_ 4
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_IPV6_ 41
#define IPPROTO_GRE_ 47
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_NONE_ 59
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_MH_ 135
#define IPPROTO_HIP_ 139
#define IPPROTO_SHIM6_ 140

#define IPV4_MIN_HLEN 20
#define IPV6_HLEN 40
#define TCP_MIN_HLEN 20
/* More extension headers than this is not traffic we need to see; give up instead of walking.
 * As many as the kernel programs follow (TLSMON_MAX_IPV6_EXT, bpf/parse.h). */
#define IPV6_MAX_EXT 16
/* BIG TCP / GSO frames captured on egress can exceed 64 KiB; then the IP length field is 0 and
 * the frame length is the packet length. */
#define IP_MAX_LEN 65535

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int decode_ipv4(const uint8_t *p, size_t off, size_t len, struct pkt *out);
static int decode_ipv6(const uint8_t *p, size_t off, size_t len, struct pkt *out);
static int decode_ethertype(uint16_t type, const uint8_t *p, size_t off, size_t len,
			    struct pkt *out);
static int decode_ethernet(const uint8_t *p, size_t off, size_t len, struct pkt *out);

/* One more layer around the packet; false past TLSMON_MAX_ENCAP, the bound on nesting (and on
 * the recursion through the decoders below). */
static bool encap_push(struct pkt *out, uint8_t kind, uint32_t id)
{
	struct encap_chain *c = &out->encap;

	if (c->n >= TLSMON_MAX_ENCAP)
		return false;
	/* the inner IP header fills them again; an inner IPv4 must not leave outer IPv6 bytes */
	memset(out->saddr, 0, sizeof(out->saddr));
	memset(out->daddr, 0, sizeof(out->daddr));
	c->kind[c->n] = kind;
	c->id[c->n] = id;
	c->n++;
	return true;
}

/* What GRE and GENEVE carry, named by an ethertype: an Ethernet frame (0x6558) or a network
 * layer directly. */
static int decode_tunnel_payload(uint16_t proto, const uint8_t *p, size_t off, size_t end,
				 struct pkt *out)
{
	if (proto == ETH_P_TEB)
		return decode_ethernet(p, off, end, out);
	return decode_ethertype(proto, p, off, end, out);
}

static void tunnel_set(struct pkt *out, uint8_t tunnel, uint32_t id)
{
	out->tunnel = tunnel;
	out->tunnel_id = id;
}

/* TCP header at p[off..end): end is where the IP packet ends within the capture, ip_end where
 * the IP length says it ends. */
static int decode_tcp(const uint8_t *p, size_t off, size_t end, size_t ip_end, struct pkt *out)
{
	const uint8_t *th = p + off;
	size_t doff;

	/* RFC 9293 3.1: Data Offset counts 32-bit words and is at least 5. */
	if (end - off < TCP_MIN_HLEN)
		return -EINVAL;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < TCP_MIN_HLEN || doff > end - off)
		return -EINVAL;
	out->sport = be16(th);
	out->dport = be16(th + 2);
	out->seq = be32(th + 4);
	out->ack = be32(th + 8);
	out->tcp_flags = th[13];
	out->window = be16(th + 14);
	out->payload = th + doff;
	out->payload_len = (uint32_t)(end - off - doff);
	out->payload_missing = (uint32_t)(ip_end - end);
	return DECODE_TCP;
}

/* Returns the end of the IP packet as the length field says (ip_end) and as captured (*end). */
static int ip_bounds(size_t l3, size_t hdr_end, size_t claimed, size_t len, size_t *end,
		     size_t *ip_end)
{
	if (claimed < hdr_end - l3)
		return -EINVAL;
	*ip_end = l3 + claimed;
	*end = *ip_end < len ? *ip_end : len;
	return 0;
}

/* An IP packet in IP (RFC 2003 protocol 4; RFC 4213 3.5 protocol 41; RFC 2473 next header 4
 * and 41 in IPv6), p[off..end). */
static int decode_ip_in_ip(uint8_t outer, uint8_t proto, const uint8_t *p, size_t off, size_t end,
			   struct pkt *out)
{
	uint8_t inner = proto == IPPROTO_IPIP_ ? 4 : 6;

	if (!encap_push(out, ENCAP_IPIP, (uint32_t)outer * 10 + inner))
		return DECODE_TOO_DEEP;
	return inner == 4 ? decode_ipv4(p, off, end, out) : decode_ipv6(p, off, end, out);
}

/* GRE (RFC 2784 2.1, key and sequence number RFC 2890 2) at p[off..end): version 0 only (1 is
 * PPTP's enhanced GRE), no RFC 1701 routing; the protocol type is an ethertype. */
static int decode_gre(const uint8_t *p, size_t off, size_t end, struct pkt *out)
{
	const uint8_t *g = p + off;
	uint16_t flags, proto;
	size_t hlen = GRE_MIN_HLEN;
	uint32_t key = 0;
	bool has_key;

	if (end - off < GRE_MIN_HLEN)
		return -EINVAL;
	flags = be16(g);
	proto = be16(g + 2);
	if ((flags & 0x0007) || (flags & 0x4000))
		return DECODE_NOT_TCP;
	has_key = flags & 0x2000;
	hlen += (flags & 0x8000) ? 4 : 0; /* checksum + reserved1 */
	if (has_key) {
		if (end - off < hlen + 4)
			return -EINVAL;
		key = be32(g + hlen);
		hlen += 4;
	}
	hlen += (flags & 0x1000) ? 4 : 0; /* sequence number */
	if (end - off < hlen)
		return -EINVAL;
	if (!encap_push(out, has_key ? ENCAP_GRE_KEY : ENCAP_GRE, key))
		return DECODE_TOO_DEEP;
	if (has_key)
		tunnel_set(out, TLSMON_TUNNEL_GRE_KEY, key);
	return decode_tunnel_payload(proto, p, off + hlen, end, out);
}

/* VXLAN (RFC 7348 5) after its UDP header, p[off..end): the I flag says the VNI is valid. */
static int decode_vxlan(const uint8_t *p, size_t off, size_t end, struct pkt *out)
{
	const uint8_t *v = p + off;
	uint32_t vni;

	if (end - off < VXLAN_HLEN)
		return -EINVAL;
	if (!(v[0] & 0x08))
		return DECODE_NOT_TCP;
	vni = be32(v + 4) >> 8;
	if (!encap_push(out, ENCAP_VXLAN, vni))
		return DECODE_TOO_DEEP;
	tunnel_set(out, TLSMON_TUNNEL_VXLAN, vni);
	return decode_ethernet(p, off + VXLAN_HLEN, end, out);
}

/* GENEVE (RFC 8926 3.4) after its UDP header: version 0; Opt Len counts 4-byte words of
 * options; the protocol type is an ethertype (0x6558: an Ethernet frame). */
static int decode_geneve(const uint8_t *p, size_t off, size_t end, struct pkt *out)
{
	const uint8_t *g = p + off;
	size_t hlen;
	uint32_t vni;
	uint16_t proto;

	if (end - off < GENEVE_MIN_HLEN)
		return -EINVAL;
	if (g[0] >> 6)
		return DECODE_NOT_TCP;
	hlen = GENEVE_MIN_HLEN + (size_t)(g[0] & 0x3f) * 4;
	if (end - off < hlen)
		return -EINVAL;
	proto = be16(g + 2);
	vni = be32(g + 4) >> 8;
	if (!encap_push(out, ENCAP_GENEVE, vni))
		return DECODE_TOO_DEEP;
	tunnel_set(out, TLSMON_TUNNEL_GENEVE, vni);
	return decode_tunnel_payload(proto, p, off + hlen, end, out);
}

/* UDP (RFC 768) carrying VXLAN or GENEVE, told by the destination port; other UDP is not ours.
 * The UDP length bounds the tunnel's payload. */
static int decode_udp_tunnel(const uint8_t *p, size_t off, size_t end, struct pkt *out)
{
	const uint8_t *u = p + off;
	size_t ulen;
	uint16_t dport;

	if (end - off < UDP_HLEN)
		return -EINVAL;
	dport = be16(u + 2);
	if (dport != VXLAN_PORT && dport != GENEVE_PORT)
		return DECODE_NOT_TCP;
	ulen = be16(u + 4);
	if (ulen < UDP_HLEN)
		return -EINVAL;
	if (ulen < end - off)
		end = off + ulen;
	if (dport == VXLAN_PORT)
		return decode_vxlan(p, off + UDP_HLEN, end, out);
	return decode_geneve(p, off + UDP_HLEN, end, out);
}

/* What an IP header of family `outer` carries when it is not TCP: another IP packet, GRE, or
 * UDP to a tunnel port; p[off..end) is the IP payload as captured. */
static int decode_ip_payload(uint8_t outer, uint8_t proto, const uint8_t *p, size_t off,
			     size_t end, struct pkt *out)
{
	switch (proto) {
	case IPPROTO_IPIP_:
	case IPPROTO_IPV6_:
		return decode_ip_in_ip(outer, proto, p, off, end, out);
	case IPPROTO_GRE_:
		return decode_gre(p, off, end, out);
	case IPPROTO_UDP_:
		return decode_udp_tunnel(p, off, end, out);
	default:
		return DECODE_NOT_TCP;
	}
}

static int decode_ipv4(const uint8_t *p, size_t off, size_t len, struct pkt *out)
{
	const uint8_t *ih = p + off;
	size_t ihl, end, ip_end, claimed;
	uint16_t frag;

	/* RFC 791 3.1: IHL in 32-bit words, minimum 5; Total Length includes the header. */
	if (len - off < IPV4_MIN_HLEN || (ih[0] >> 4) != 4)
		return -EINVAL;
	ihl = (size_t)(ih[0] & 0x0f) * 4;
	if (ihl < IPV4_MIN_HLEN || ihl > len - off)
		return -EINVAL;
	claimed = be16(ih + 2);
	if (claimed == 0 && len - off > IP_MAX_LEN)
		claimed = len - off;
	if (ip_bounds(off, off + ihl, claimed, len, &end, &ip_end))
		return -EINVAL;
	out->family = 4;
	out->l3_off = (uint32_t)off;
	memcpy(out->saddr, ih + 12, 4);
	memcpy(out->daddr, ih + 16, 4);
	/* MF set or a non-zero offset: a piece of a datagram we do not reassemble. */
	frag = be16(ih + 6);
	if (frag & 0x3fff)
		return DECODE_FRAGMENT;
	if (ih[9] != IPPROTO_TCP_)
		return decode_ip_payload(4, ih[9], p, off + ihl, end, out);
	return decode_tcp(p, off + ihl, end, ip_end, out);
}

static int decode_ipv6(const uint8_t *p, size_t off, size_t len, struct pkt *out)
{
	const uint8_t *ih = p + off;
	size_t end, ip_end, cur, hlen, claimed;
	uint8_t nh;
	int i;

	if (len - off < IPV6_HLEN || (ih[0] >> 4) != 6)
		return -EINVAL;
	/* RFC 8200 3: Payload Length excludes the fixed header; 0 with more than 64 KiB captured is
	 * a jumbo / BIG TCP frame whose real length is the capture. */
	claimed = (size_t)be16(ih + 4) + IPV6_HLEN;
	if (claimed == IPV6_HLEN && len - off > IP_MAX_LEN + IPV6_HLEN)
		claimed = len - off;
	if (ip_bounds(off, off + IPV6_HLEN, claimed, len, &end, &ip_end))
		return -EINVAL;
	out->family = 6;
	out->l3_off = (uint32_t)off;
	memcpy(out->saddr, ih + 8, 16);
	memcpy(out->daddr, ih + 24, 16);
	nh = ih[6];
	cur = off + IPV6_HLEN;
	for (i = 0; i <= IPV6_MAX_EXT; i++) {
		const uint8_t *eh = p + cur;

		switch (nh) {
		case IPPROTO_TCP_:
			return decode_tcp(p, cur, end, ip_end, out);
		case IPPROTO_IPIP_:
		case IPPROTO_IPV6_:
		case IPPROTO_GRE_:
		case IPPROTO_UDP_:
			return decode_ip_payload(6, nh, p, cur, end, out);
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_MH_:
		case IPPROTO_HIP_:
		case IPPROTO_SHIM6_:
			/* RFC 8200 4.3-4.6: Hdr Ext Len counts 8 octets, not the first 8. */
			if (end - cur < 2)
				return -EINVAL;
			hlen = ((size_t)eh[1] + 1) * 8;
			break;
		case IPPROTO_AH_:
			/* RFC 4302 2.2: Payload Len in 32-bit words, minus 2. */
			if (end - cur < 2)
				return -EINVAL;
			hlen = ((size_t)eh[1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT_:
			/* RFC 8200 4.5: offset 0 and M = 0 is an atomic fragment (RFC 6946), a
			 * whole packet; anything else is part of a datagram. */
			if (end - cur < 8)
				return -EINVAL;
			if (be16(eh + 2) & 0xfff9)
				return DECODE_FRAGMENT;
			hlen = 8;
			break;
		default:
			return DECODE_NOT_TCP; /* includes No Next Header (59) and ESP (50) */
		}
		if (hlen > end - cur)
			return -EINVAL;
		nh = eh[0];
		cur += hlen;
	}
	return DECODE_NOT_TCP;
}

/* PPPoE session stage (RFC 2516 4, ethertype 0x8864): version 1, type 1, code 0; the length
 * covers the PPP payload including its protocol field (RFC 1661 2), IPv4 0x0021 or IPv6
 * 0x0057. */
static int decode_pppoe(const uint8_t *p, size_t off, size_t len, struct pkt *out)
{
	const uint8_t *h = p + off;
	size_t plen, end;
	uint16_t proto;

	if (len - off < PPPOE_HLEN + 2)
		return -EINVAL;
	if (h[0] != 0x11 || h[1] != 0)
		return DECODE_NOT_TCP;
	plen = be16(h + 4);
	if (plen < 2)
		return -EINVAL;
	end = off + PPPOE_HLEN + plen < len ? off + PPPOE_HLEN + plen : len;
	proto = be16(h + PPPOE_HLEN);
	if (proto != PPP_IP && proto != PPP_IPV6)
		return DECODE_NOT_TCP;
	if (!encap_push(out, ENCAP_PPPOE, be16(h + 2)))
		return DECODE_TOO_DEEP;
	if (proto == PPP_IP)
		return decode_ipv4(p, off + PPPOE_HLEN + 2, end, out);
	return decode_ipv6(p, off + PPPOE_HLEN + 2, end, out);
}

/* IP with no type before it (raw IP, MPLS): IPv4 or IPv6 by its first nibble. */
static int decode_by_version(const uint8_t *p, size_t off, size_t len, struct pkt *out)
{
	if (len - off < 1)
		return -EINVAL;
	switch (p[off] >> 4) {
	case 4:
		return decode_ipv4(p, off, len, out);
	case 6:
		return decode_ipv6(p, off, len, out);
	default:
		return DECODE_NOT_TCP;
	}
}

/* MPLS unicast (RFC 3032 2.1): label stack entries up to the one with the S bit; what follows
 * carries no type, so it is IPv4 or IPv6 by its first nibble, as Wireshark guesses (a pseudowire
 * control word starts with 0 and is not followed). */
static int decode_mpls(const uint8_t *p, size_t off, size_t len, struct pkt *out)
{
	uint32_t lse = 0;
	int i;

	for (i = 0; i < TLSMON_MAX_MPLS_LABELS; i++) {
		if (len - off < MPLS_LSE_LEN)
			return -EINVAL;
		lse = be32(p + off);
		off += MPLS_LSE_LEN;
		if (lse & 0x100)
			break;
	}
	if (!(lse & 0x100))
		return DECODE_TOO_DEEP;
	if (!encap_push(out, ENCAP_MPLS, lse >> 12))
		return DECODE_TOO_DEEP;
	return decode_by_version(p, off, len, out);
}

static int decode_l3(uint16_t ethertype, const uint8_t *p, size_t off, size_t len, struct pkt *out)
{
	switch (ethertype) {
	case ETH_P_IP:
		return decode_ipv4(p, off, len, out);
	case ETH_P_IPV6:
		return decode_ipv6(p, off, len, out);
	case ETH_P_PPP_SES:
		return decode_pppoe(p, off, len, out);
	case ETH_P_MPLS_UC:
		return decode_mpls(p, off, len, out);
	default:
		return DECODE_NOT_TCP;
	}
}

/* L3 starts at p[off] with the given ethertype; skips any number of 802.1Q / 802.1ad / 0x9100
 * tags (each consumes 4 bytes, so the loop is bounded by len). */
static int decode_ethertype(uint16_t type, const uint8_t *p, size_t off, size_t len,
			    struct pkt *out)
{
	while (type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ1) {
		if (len - off < VLAN_HLEN)
			return -EINVAL;
		/* IEEE 802.1Q 9.6: VID is the low 12 bits of the TCI. */
		if (out->nvlan < PKT_MAX_VLANS)
			out->vlan[out->nvlan++] = be16(p + off) & 0x0fff;
		type = be16(p + off + 2);
		off += VLAN_HLEN;
	}
	return decode_l3(type, p, off, len, out);
}

/* An Ethernet header at p[off] (an inner frame of VXLAN, GENEVE or GRE bridging). */
static int decode_ethernet(const uint8_t *p, size_t off, size_t len, struct pkt *out)
{
	if (len - off < ETH_HLEN)
		return -EINVAL;
	return decode_ethertype(be16(p + off + 12), p, off + ETH_HLEN, len, out);
}

int decode__frame(uint16_t linktype, const uint8_t *p, size_t len, struct pkt *out)
{
	uint32_t af;

	memset(out, 0, sizeof(*out));
	switch (linktype) {
	case LINKTYPE_ETHERNET:
		return decode_ethernet(p, 0, len, out);
	case LINKTYPE_LINUX_SLL:
		/* protocol type is the last field of the 16-byte cooked header */
		if (len < SLL_HLEN)
			return -EINVAL;
		return decode_ethertype(be16(p + 14), p, SLL_HLEN, len, out);
	case LINKTYPE_LINUX_SLL2:
		/* protocol type is the first field of the 20-byte header */
		if (len < SLL2_HLEN)
			return -EINVAL;
		return decode_ethertype(be16(p), p, SLL2_HLEN, len, out);
	case LINKTYPE_RAW:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		return decode_by_version(p, 0, len, out);
	case LINKTYPE_NULL:
	case LINKTYPE_LOOP:
		/* AF_ value in the writer's byte order (NULL) or network order (LOOP); the value is
		 * small, so whichever reading fits in 16 bits is the right one. */
		if (len < NULL_HLEN)
			return -EINVAL;
		af = le32(p);
		if (af > 0xffff)
			af = be32(p);
		if (af == 2)
			return decode_ipv4(p, NULL_HLEN, len, out);
		/* AF_INET6 differs by OS: 24 (BSDs), 28 (FreeBSD), 30 (macOS) */
		if (af == 24 || af == 28 || af == 30)
			return decode_ipv6(p, NULL_HLEN, len, out);
		return DECODE_NOT_TCP;
	default:
		return -EPROTONOSUPPORT;
	}
}

char *encap__format(uint8_t kind, uint32_t id, char *buf, size_t size)
{
	switch (kind) {
	case ENCAP_PPPOE:
		snprintf(buf, size, "pppoe:session=%u", id);
		break;
	case ENCAP_MPLS:
		snprintf(buf, size, "mpls:label=%u", id);
		break;
	case ENCAP_GRE:
		snprintf(buf, size, "gre");
		break;
	case ENCAP_GRE_KEY:
		snprintf(buf, size, "gre:key=%u", id);
		break;
	case ENCAP_VXLAN:
		snprintf(buf, size, "vxlan:vni=%u", id);
		break;
	case ENCAP_GENEVE:
		snprintf(buf, size, "geneve:vni=%u", id);
		break;
	case ENCAP_IPIP:
		snprintf(buf, size, "ipip:%uin%u", id % 10, id / 10);
		break;
	default:
		snprintf(buf, size, "unknown");
		break;
	}
	return buf;
}

/* Decimal v at p, returns the end. */
static char *put_dec(char *p, unsigned v)
{
	char tmp[SBUF_DEC_MAX], *d = sbuf__dec(tmp, v);
	size_t n = (size_t)(tmp + sizeof(tmp) - d);

	memcpy(p, d, n);
	return p + n;
}

/* Two endpoints on every output line: IPv4 is written by hand (inet_ntop's dotted quad), without
 * printf. The result is cut to size like snprintf's. */
char *pkt__format_endpoint(uint8_t family, const uint8_t *addr, uint16_t port, char *buf,
			   size_t size)
{
	char tmp[INET6_ADDRSTRLEN + 8], *p = tmp;
	size_t n;

	if (!size)
		return buf;
	if (family == 4) {
		for (int i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = put_dec(p, addr[i]);
		}
	} else if (family == 6 && inet_ntop(AF_INET6, addr, tmp + 1, INET6_ADDRSTRLEN)) {
		tmp[0] = '[';
		p = tmp + 1 + strlen(tmp + 1);
		*p++ = ']';
	} else {
		*p++ = '?';
	}
	*p++ = ':';
	p = put_dec(p, port);
	n = (size_t)(p - tmp);
	if (n >= size)
		n = size - 1;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return buf;
}
