/* classify(): Ethernet -> up to two VLAN tags -> IPv4 / IPv6 (+ extension headers) -> TCP, over
 * the linear packet data. Cheap rejections come first: most traffic is not on a monitored port.
 * For IPv4 the last 12 bytes of each key address and key.pad are left unset: classify_key_finish()
 * zeroes them once the packet is known to need its key (most do not). */
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
	__u32 seq; /* TCP sequence number, host order */
};

static __always_inline int parse_tcp(void *data, void *data_end, __u32 off, struct cls *c)
{
	struct tcphdr *th = data + off;
	__u32 doff;

	if ((void *)(th + 1) > data_end)
		return CLS_SHORT;
	c->key.port[0] = bpf_ntohs(th->source);
	c->key.port[1] = bpf_ntohs(th->dest);
	/* before anything else: most TCP traffic is on other ports */
	if (!port_watched(c->key.port[0]) && !port_watched(c->key.port[1]))
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

static __always_inline int parse_ipv4(void *data, void *data_end, __u32 off, struct cls *c)
{
	struct iphdr *ip = data + off;
	__u32 ihl, tot;
	int r;

	if ((void *)(ip + 1) > data_end)
		return CLS_SHORT;
	ihl = ip->ihl * 4;
	if (ip->version != 4 || ihl < sizeof(*ip))
		return CLS_NOT_IP;
	if (ip->protocol != IPPROTO_TCP)
		return CLS_NOT_TCP;
	/* RFC 791 3.1: MF set or a non-zero offset means a fragment; TCP is only in the first and
	 * reassembly is not our job, so fragments are never tracked. */
	if (ip->frag_off & bpf_htons(TLSMON_IP_MF | TLSMON_IP_OFFMASK)) {
		c->l3_off = off;
		c->family = 4;
		return CLS_FRAGMENT;
	}
	tot = bpf_ntohs(ip->tot_len);
	/* tot_len 0 is a BIG TCP GSO frame: the length is the frame's */
	c->ip_payload = tot >= ihl ? tot - ihl : 0;
	r = parse_tcp(data, data_end, off + ihl, c);
	if (r != CLS_TCP)
		return r;
	c->family = 4;
	c->key.family = 4;
	__builtin_memcpy(c->key.addr[0], &ip->saddr, 4);
	__builtin_memcpy(c->key.addr[1], &ip->daddr, 4);
	c->l3_off = off;
	return CLS_TCP;
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
			return CLS_NOT_TCP;
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
		return CLS_NOT_TCP;
	c->ip_payload = bpf_ntohs(ip6->payload_len);
	if (c->ip_payload) {
		if (c->ip_payload < ext_len)
			return CLS_NOT_TCP;
		c->ip_payload -= ext_len;
	}
	r = parse_tcp(data, data_end, l4, c);
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

	c->key.pad[0] = c->key.pad[1] = c->key.pad[2] = 0;
	if (c->family != 4)
		return;
#pragma unroll
	for (i = 1; i < 4; i++) {
		((__u32 *)c->key.addr[0])[i] = 0;
		((__u32 *)c->key.addr[1])[i] = 0;
	}
}

static __always_inline int classify(void *data, void *data_end, struct cls *c)
{
	struct ethhdr *eth = data;
	struct tlsmon_vlan_hdr *vh;
	__u32 off = sizeof(*eth);
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return CLS_SHORT;
	proto = eth->h_proto;
	/* 802.1ad outer tag, then 802.1Q; more than two tags is not something we follow */
#pragma unroll
	for (i = 0; i < TLSMON_MAX_VLANS; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		vh = data + off;
		if ((void *)(vh + 1) > data_end)
			return CLS_SHORT;
		proto = vh->encap_proto;
		off += sizeof(*vh);
	}
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(data, data_end, off, c);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(data, data_end, off, c);
	return CLS_NOT_IP;
}

#endif
