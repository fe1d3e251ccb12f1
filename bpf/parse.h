/* classify(): Ethernet -> up to two VLAN tags -> IPv4 / IPv6 (+ extension headers) -> TCP, over
 * the linear packet data, through up to TLSMON_MAX_ENCAP encapsulations (PPPoE session, MPLS,
 * GRE, VXLAN, GENEVE, IP-in-IP): one loop turn per layer, one function per header. Cheap
 * rejections come first: most traffic is not on a monitored port, and the first turn of a plain
 * TCP packet is the whole walk. For IPv4 the last 12 bytes of each key address and the key's
 * padding are left unset: classify_key_finish() zeroes them once the packet is known to need its
 * key (most do not). */
#ifndef TLSMON_BPF_PARSE_H
#define TLSMON_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "tlsmon_shared.h"
#include "maps.h"

#define TLSMON_MAX_VLANS 2
/* Extension headers before TCP (or a fragment header) we follow. Linux sets no limit of its own
 * (each header only has to fit in the packet), so this is what the verifier's loop bound allows
 * at a cost we accept; a packet with more is counted (CLS_EXT_LIMIT). */
#define TLSMON_MAX_IPV6_EXT 16

#define TLSMON_TCP_FIN 0x01
#define TLSMON_TCP_SYN 0x02
#define TLSMON_TCP_RST 0x04
#define TLSMON_TCP_PSH 0x08
#define TLSMON_TCP_ACK 0x10
#define TLSMON_TCP_CWR 0x80

#define TLSMON_IP_MF 0x2000
#define TLSMON_IP_OFFMASK 0x1fff

#define TLSMON_ETH_P_PPP_SES 0x8864
#define TLSMON_ETH_P_MPLS_UC 0x8847
#define TLSMON_ETH_P_TEB 0x6558 /* transparent Ethernet bridging: an Ethernet frame follows */
#define TLSMON_PPP_IP 0x0021
#define TLSMON_PPP_IPV6 0x0057
#define TLSMON_VXLAN_PORT 4789
#define TLSMON_GENEVE_PORT 6081
#define TLSMON_IPPROTO_GRE 47
/* Headers past this offset are not followed: it bounds every packet offset for the verifier. */
#define TLSMON_ENCAP_OFF_MAX 512

/* IEEE 802.1Q tag after the MAC addresses; the UAPI has no struct for it. */
struct tlsmon_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

enum cls_result {
	CLS_TCP = 0, /* struct cls filled */
	CLS_NOT_IP,
	CLS_NOT_TCP,
	CLS_FRAGMENT,
	CLS_SHORT, /* headers run past the linear data */
	CLS_UNWATCHED, /* TCP, but neither port is monitored */
	CLS_TOO_DEEP, /* more than TLSMON_MAX_ENCAP encapsulations */
	CLS_NEXT, /* internal: another layer follows, at cls.next_off with ethertype next_proto */
	CLS_EXT_LIMIT, /* more IPv6 extension headers than TLSMON_MAX_IPV6_EXT */
};

struct cls {
	/* sender in [0], receiver in [1] until tlsmon_flow_key_normalize() (tlsmon_shared.h)
	 * orders them; filled here so the key needs no second copy on the stack */
	struct tlsmon_flow_key key;
	__u16 l3_off; /* IP header */
	__u16 l4_off; /* TCP header; for CLS_FRAGMENT the IPv6 fragment header (bpf/frag.h) */
	__u16 hdr_len; /* through the end of the TCP header (options included) */
	__u8 family; /* 4 or 6 */
	__u8 tcp_flags;
	__u32 ip_payload; /* TCP payload length the IP header claims; 0 = not stated (BIG TCP) */
	/* the walk through encapsulations: the next layer, as an ethertype (TLSMON_ETH_P_TEB for
	 * an Ethernet header), and where it starts */
	__u16 next_proto; /* host order */
	__u16 next_off;
	__u32 seq; /* TCP sequence number, host order */
};

static __always_inline int cls_next(struct cls *c, __u16 proto, __u32 off)
{
	c->next_proto = proto;
	c->next_off = off;
	return CLS_NEXT;
}

/* IP protocols (IPv6 next headers) that carry another layer we follow. */
static __always_inline int ip_carries_encap(__u8 proto)
{
	return proto == IPPROTO_IPIP || proto == IPPROTO_IPV6 || proto == TLSMON_IPPROTO_GRE ||
	       proto == IPPROTO_UDP;
}

/* GRE (RFC 2784 2.1; key and sequence number RFC 2890 2): version 0 only (1 is PPTP's), no RFC
 * 1701 routing; the protocol type is an ethertype. */
static __always_inline int parse_gre(void *data, void *data_end, __u32 off, struct cls *c)
{
	__u8 *g = data + off;
	__u32 hlen = 4;
	__u16 flags;

	if ((void *)(g + 8) > data_end)
		return CLS_SHORT;
	flags = (g[0] << 8) | g[1];
	if (flags & 0x4007)
		return CLS_NOT_IP;
	if (flags & 0x8000) /* checksum + reserved1 */
		hlen += 4;
	if (flags & 0x2000) {
		__u32 *key = data + off + hlen;

		if ((void *)(key + 1) > data_end)
			return CLS_SHORT;
		c->key.tunnel = TLSMON_TUNNEL_GRE_KEY;
		c->key.tunnel_id = bpf_ntohl(*key);
		hlen += 4;
	}
	if (flags & 0x1000) /* sequence number */
		hlen += 4;
	return cls_next(c, (g[2] << 8) | g[3], off + hlen);
}

/* UDP to the VXLAN port (RFC 7348 5: I flag, 24-bit VNI, an Ethernet frame) or the GENEVE port
 * (RFC 8926 3.4: version 0, options in 4-byte words, an ethertype); other UDP is not ours. */
static __always_inline int parse_udp_tunnel(void *data, void *data_end, __u32 off, struct cls *c)
{
	__u8 *u = data + off, *t = data + off + 8;
	__u16 dport;

	if ((void *)(u + 4) > data_end)
		return CLS_SHORT;
	dport = (u[2] << 8) | u[3];
	if (dport != TLSMON_VXLAN_PORT && dport != TLSMON_GENEVE_PORT)
		return CLS_NOT_TCP;
	if ((void *)(t + 8) > data_end)
		return CLS_SHORT;
	if (dport == TLSMON_VXLAN_PORT) {
		if (!(t[0] & 0x08))
			return CLS_NOT_TCP;
		c->key.tunnel = TLSMON_TUNNEL_VXLAN;
		c->key.tunnel_id = (t[4] << 16) | (t[5] << 8) | t[6];
		return cls_next(c, TLSMON_ETH_P_TEB, off + 16);
	}
	if (t[0] >> 6)
		return CLS_NOT_TCP;
	c->key.tunnel = TLSMON_TUNNEL_GENEVE;
	c->key.tunnel_id = (t[4] << 16) | (t[5] << 8) | t[6];
	return cls_next(c, (t[2] << 8) | t[3], off + 16 + (t[0] & 0x3f) * 4);
}

/* What an IP header carries when it is not TCP: an IP packet (RFC 2003, RFC 4213 3.5, RFC 2473),
 * GRE, or UDP to a tunnel port. */
static __always_inline int ip_encap(void *data, void *data_end, __u8 proto, __u32 off,
				    struct cls *c)
{
	if (proto == IPPROTO_IPIP)
		return cls_next(c, ETH_P_IP, off);
	if (proto == IPPROTO_IPV6)
		return cls_next(c, ETH_P_IPV6, off);
	if (proto == TLSMON_IPPROTO_GRE)
		return parse_gre(data, data_end, off, c);
	return parse_udp_tunnel(data, data_end, off, c);
}

/* watched: a constant at each call, 1 when the caller has already found a port monitored
 * (bpf/fast.h) */
static __always_inline int parse_tcp(void *data, void *data_end, __u32 off, struct cls *c,
				     int watched)
{
	struct tcphdr *th = data + off;
	__u32 doff;

	if ((void *)(th + 1) > data_end)
		return CLS_SHORT;
	c->key.port[0] = bpf_ntohs(th->source);
	c->key.port[1] = bpf_ntohs(th->dest);
	/* before anything else: most TCP traffic is on other ports */
	if (!watched && !port_watched(c->key.port[0]) && !port_watched(c->key.port[1]))
		return CLS_UNWATCHED;
	doff = th->doff * 4;
	if (doff < sizeof(*th))
		return CLS_NOT_TCP;
	c->tcp_flags = ((__u8 *)th)[13];
	c->seq = bpf_ntohl(th->seq);
	c->l4_off = off;
	c->hdr_len = off + doff;
	if (c->ip_payload) {
		/* the IP length covers the TCP header too */
		if (c->ip_payload < doff)
			return CLS_NOT_TCP;
		c->ip_payload -= doff;
	}
	return CLS_TCP;
}

/* parse_ipv4() past its checks: a TCP packet that is not a fragment, in an IPv4 header of ihl
 * bytes at off; watched as for parse_tcp(). */
static __always_inline int parse_ipv4_tcp(void *data, void *data_end, __u32 off, __u32 ihl,
					  struct cls *c, int watched)
{
	struct iphdr *ip = data + off;
	__u32 tot;
	int r;

	if ((void *)(ip + 1) > data_end)
		return CLS_SHORT;
	tot = bpf_ntohs(ip->tot_len);
	/* tot_len 0 is a BIG TCP GSO frame: the length is the frame's */
	c->ip_payload = tot >= ihl ? tot - ihl : 0;
	r = parse_tcp(data, data_end, off + ihl, c, watched);
	if (r != CLS_TCP)
		return r;
	c->family = 4;
	c->key.family = 4;
	__builtin_memcpy(c->key.addr[0], &ip->saddr, 4);
	__builtin_memcpy(c->key.addr[1], &ip->daddr, 4);
	c->l3_off = off;
	return CLS_TCP;
}

static __always_inline int parse_ipv4(void *data, void *data_end, __u32 off, struct cls *c)
{
	struct iphdr *ip = data + off;
	__u32 ihl;

	if ((void *)(ip + 1) > data_end)
		return CLS_SHORT;
	ihl = ip->ihl * 4;
	if (ip->version != 4 || ihl < sizeof(*ip))
		return CLS_NOT_IP;
	if (ip->protocol != IPPROTO_TCP && !ip_carries_encap(ip->protocol))
		return CLS_NOT_TCP;
	/* RFC 791 3.1: MF set or a non-zero offset means a fragment; TCP is only in the first and
	 * reassembly is not our job, so fragments are never tracked. */
	if (ip->frag_off & bpf_htons(TLSMON_IP_MF | TLSMON_IP_OFFMASK)) {
		c->l3_off = off;
		c->family = 4;
		return CLS_FRAGMENT;
	}
	if (ip->protocol != IPPROTO_TCP)
		return ip_encap(data, data_end, ip->protocol, off + ihl, c);
	return parse_ipv4_tcp(data, data_end, off, ihl, c, 0);
}

static __always_inline int parse_ipv6(void *data, void *data_end, __u32 off, struct cls *c)
{
	struct ipv6hdr *ip6 = data + off;
	struct ipv6_opt_hdr *ext;
	__u32 l4 = off + sizeof(*ip6);
	__u32 ext_len = 0;
	__u8 nexthdr;
	int i, r;

	if ((void *)(ip6 + 1) > data_end)
		return CLS_SHORT;
	if (ip6->version != 6)
		return CLS_NOT_IP;
	nexthdr = ip6->nexthdr;
	/* RFC 8200 4.1: hop-by-hop, routing and destination options precede the upper layer; each
	 * has an 8-octet length field not counting the first 8 octets. A bounded loop, left to the
	 * verifier: clang does not unroll it. */
	for (i = 0; i < TLSMON_MAX_IPV6_EXT; i++) {
		if (nexthdr == IPPROTO_TCP)
			break;
		if (nexthdr == IPPROTO_FRAGMENT) {
			c->l3_off = off;
			c->l4_off = l4;
			c->family = 6;
			return CLS_FRAGMENT;
		}
		if (nexthdr != IPPROTO_HOPOPTS && nexthdr != IPPROTO_ROUTING &&
		    nexthdr != IPPROTO_DSTOPTS)
			break;
		ext = data + l4;
		if ((void *)(ext + 1) > data_end)
			return CLS_SHORT;
		nexthdr = ext->nexthdr;
		l4 += (ext->hdrlen + 1) * 8;
		ext_len += (ext->hdrlen + 1) * 8;
	}
	if (i == TLSMON_MAX_IPV6_EXT && nexthdr != IPPROTO_TCP)
		return CLS_EXT_LIMIT;
	if (nexthdr != IPPROTO_TCP)
		return ip_carries_encap(nexthdr) ? ip_encap(data, data_end, nexthdr, l4, c) :
						   CLS_NOT_TCP;
	c->ip_payload = bpf_ntohs(ip6->payload_len);
	if (c->ip_payload) {
		if (c->ip_payload < ext_len)
			return CLS_NOT_TCP;
		c->ip_payload -= ext_len;
	}
	r = parse_tcp(data, data_end, l4, c, 0);
	if (r != CLS_TCP)
		return r;
	c->family = 6;
	c->key.family = 6;
	__builtin_memcpy(c->key.addr[0], &ip6->saddr, 16);
	__builtin_memcpy(c->key.addr[1], &ip6->daddr, 16);
	c->l3_off = off;
	return CLS_TCP;
}

static __always_inline void classify_key_finish(struct cls *c)
{
	int i;

	c->key.pad[0] = c->key.pad[1] = 0;
	c->key.pad2 = 0;
	if (c->family != 4)
		return;
#pragma unroll
	for (i = 1; i < 4; i++) {
		((__u32 *)c->key.addr[0])[i] = 0;
		((__u32 *)c->key.addr[1])[i] = 0;
	}
}

/* PPPoE session stage (RFC 2516 4): version 1, type 1, code 0, then the PPP protocol (RFC 1661
 * 2): IPv4 or IPv6. */
static __always_inline int parse_pppoe(void *data, void *data_end, __u32 off, struct cls *c)
{
	__u8 *h = data + off;
	__u16 proto;

	if ((void *)(h + 8) > data_end)
		return CLS_SHORT;
	if (h[0] != 0x11 || h[1] != 0)
		return CLS_NOT_IP;
	proto = (h[6] << 8) | h[7];
	if (proto == TLSMON_PPP_IP)
		return cls_next(c, ETH_P_IP, off + 8);
	if (proto == TLSMON_PPP_IPV6)
		return cls_next(c, ETH_P_IPV6, off + 8);
	return CLS_NOT_IP;
}

/* MPLS (RFC 3032 2.1): label stack entries up to the bottom of stack (S bit); the payload has no
 * type, so its first nibble says IPv4 or IPv6, as Wireshark guesses. */
static __always_inline int parse_mpls(void *data, void *data_end, __u32 off, struct cls *c)
{
	__u8 *e;
	int i;

#pragma unroll
	for (i = 0; i < TLSMON_MAX_MPLS_LABELS; i++) {
		e = data + off + i * 4;
		if ((void *)(e + 5) > data_end)
			return CLS_SHORT;
		if (e[2] & 0x01) {
			if (e[4] >> 4 == 4)
				return cls_next(c, ETH_P_IP, off + i * 4 + 4);
			if (e[4] >> 4 == 6)
				return cls_next(c, ETH_P_IPV6, off + i * 4 + 4);
			return CLS_NOT_IP;
		}
	}
	return CLS_TOO_DEEP;
}

/* An Ethernet header and up to two VLAN tags (802.1ad outer, then 802.1Q) at off: the ethertype
 * after them, in network order, and its offset in *off. 0 when the headers run past the data. */
static __always_inline __be16 parse_eth(void *data, void *data_end, __u32 *off)
{
	struct ethhdr *eth = data + *off;
	struct tlsmon_vlan_hdr *vh;
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return 0;
	proto = eth->h_proto;
	*off += sizeof(*eth);
	/* more than two tags is not something we follow */
#pragma unroll
	for (i = 0; i < TLSMON_MAX_VLANS; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		vh = data + *off;
		if ((void *)(vh + 1) > data_end)
			return 0;
		proto = vh->encap_proto;
		*off += sizeof(*vh);
	}
	return proto;
}

/* One layer, given its ethertype: CLS_TCP at the end of the walk, CLS_NEXT when another layer
 * follows. */
static __always_inline int parse_layer(void *data, void *data_end, __be16 proto, __u32 off,
				       struct cls *c)
{
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(data, data_end, off, c);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(data, data_end, off, c);
	if (proto == bpf_htons(TLSMON_ETH_P_PPP_SES))
		return parse_pppoe(data, data_end, off, c);
	if (proto == bpf_htons(TLSMON_ETH_P_MPLS_UC))
		return parse_mpls(data, data_end, off, c);
	return CLS_NOT_IP;
}

/* The packet's own headers: CLS_NEXT when they carry an encapsulation, for classify_encap(). */
static __always_inline int classify(void *data, void *data_end, struct cls *c)
{
	__u32 off = 0;
	__be16 proto;

	proto = parse_eth(data, data_end, &off);
	if (!proto)
		return CLS_SHORT;
	c->key.tunnel = TLSMON_TUNNEL_NONE;
	c->key.tunnel_id = 0;
	return parse_layer(data, data_end, proto, off, c);
}

/* After classify() said CLS_NEXT: one loop turn per encapsulation, TLSMON_MAX_ENCAP at most. A
 * bounded loop the verifier walks (clang does not unroll it); called from a global function
 * (bpf/tlsmon.bpf.c), so it is verified once and not once per path of its caller. */
static __always_inline int classify_encap(void *data, void *data_end, struct cls *c)
{
	__u32 off;
	__be16 proto;
	int i, r;

	for (i = 1; i <= TLSMON_MAX_ENCAP; i++) {
		off = c->next_off;
		if (off > TLSMON_ENCAP_OFF_MAX)
			return CLS_TOO_DEEP;
		if (c->next_proto == TLSMON_ETH_P_TEB) {
			proto = parse_eth(data, data_end, &off);
			if (!proto)
				return CLS_SHORT;
		} else {
			proto = bpf_htons(c->next_proto);
		}
		r = parse_layer(data, data_end, proto, off, c);
		if (r != CLS_NEXT)
			return r;
	}
	return CLS_TOO_DEEP;
}

#endif
