/* The first look at every packet: fast_look() tells, in a few loads from fixed offsets, that a
 * packet is of no interest to classify() either, so that the traffic most links carry (TCP on other
 * ports, UDP, non-IP) costs the hook no more than the "seen" count. It decides only the plain cases
 * (Ethernet + IPv4 without options, or IPv6 without extension headers); everything else (VLAN
 * tags, encapsulations, fragments, IPv4 options, extension headers, headers beyond the linear
 * data) goes to classify(), which decides it the same way, so a packet counts the same either way.
 * Plain IPv4 TCP on a monitored port skips classify()'s walk to its IPv4 header. */
#ifndef TLSMON_BPF_FAST_H
#define TLSMON_BPF_FAST_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>

#include "maps.h"
#include "parse.h"

#define FAST_ETH_LEN 14
#define FAST_IPV4_LEN 20 /* IPv4 without options: the first byte is 0x45 */
#define FAST_IPV6_LEN 40
#define FAST_TCP_LEN 20 /* classify() wants the whole TCP header before it looks at the ports */
#define FAST_UDP_PORTS 4 /* classify() looks at the UDP ports only */

enum fast_verdict {
	FAST_CLASSIFY = 0, /* classify() decides */
	FAST_SKIP, /* CLS_NOT_IP, CLS_NOT_TCP or CLS_UNWATCHED, as classify() would say */
	FAST_TCP4, /* TCP on a monitored port in IPv4 without options at FAST_ETH_LEN, no fragment */
	FAST_IPV4, /* an IPv4 header at FAST_ETH_LEN that carries a tunnel or is a fragment */
};

/* Neither port monitored, as parse_tcp() decides it: the range test rejects most pairs (a well-known
 * port to an ephemeral one) without the bitmap; the bitmap decides the rest. */
static __always_inline int fast_ports_unwatched(const __be16 *ports)
{
	__u16 s = bpf_ntohs(ports[0]), d = bpf_ntohs(ports[1]);
	__u16 lo = tlsmon_port_lo, span = tlsmon_port_span; /* one load each, not two */

	if ((__u16)(s - lo) > span && (__u16)(d - lo) > span)
		return 1;
	return !port_watched(s) && !port_watched(d);
}

/* UDP that parse_udp_tunnel() does not follow: not to the VXLAN or GENEVE port. */
static __always_inline int fast_udp_plain(const __be16 *ports)
{
	return ports[1] != bpf_htons(TLSMON_VXLAN_PORT) && ports[1] != bpf_htons(TLSMON_GENEVE_PORT);
}

/* IPv4 without options at data + FAST_ETH_LEN. parse_ipv4() tests the protocol before the fragment
 * bits: a fragment of a protocol that is neither TCP nor a tunnel is CLS_NOT_TCP there too. */
static __always_inline int fast_look_ipv4(const __u8 *ip, const void *data_end)
{
	__u8 proto;

	if ((const void *)(ip + FAST_IPV4_LEN + FAST_UDP_PORTS) > data_end || ip[0] != 0x45)
		return FAST_CLASSIFY;
	proto = ip[9];
	if (proto != IPPROTO_TCP && !ip_carries_encap(proto))
		return FAST_SKIP;
	if (*(const __be16 *)(ip + 6) & bpf_htons(TLSMON_IP_MF | TLSMON_IP_OFFMASK))
		return FAST_IPV4;
	if (proto == IPPROTO_UDP)
		return fast_udp_plain((const __be16 *)(ip + FAST_IPV4_LEN)) ? FAST_SKIP : FAST_IPV4;
	if (proto != IPPROTO_TCP)
		return FAST_IPV4;
	if ((const void *)(ip + FAST_IPV4_LEN + FAST_TCP_LEN) > data_end)
		return FAST_CLASSIFY;
	return fast_ports_unwatched((const __be16 *)(ip + FAST_IPV4_LEN)) ? FAST_SKIP : FAST_TCP4;
}

/* IPv6 whose next header is the upper layer (no extension header). */
static __always_inline int fast_look_ipv6(const __u8 *ip6, const void *data_end)
{
	__u8 next;

	if ((const void *)(ip6 + FAST_IPV6_LEN + FAST_UDP_PORTS) > data_end || ip6[0] >> 4 != 6)
		return FAST_CLASSIFY;
	next = ip6[6];
	if (next == IPPROTO_UDP)
		return fast_udp_plain((const __be16 *)(ip6 + FAST_IPV6_LEN)) ? FAST_SKIP
									      : FAST_CLASSIFY;
	if (next != IPPROTO_TCP || (const void *)(ip6 + FAST_IPV6_LEN + FAST_TCP_LEN) > data_end)
		return FAST_CLASSIFY;
	return fast_ports_unwatched((const __be16 *)(ip6 + FAST_IPV6_LEN)) ? FAST_SKIP
									   : FAST_CLASSIFY;
}

static __always_inline int fast_look(const void *data, const void *data_end)
{
	const __u8 *eth = data;
	__be16 proto;

	if ((const void *)(eth + FAST_ETH_LEN) > data_end)
		return FAST_CLASSIFY;
	proto = *(const __be16 *)(eth + 12);
	if (proto == bpf_htons(ETH_P_IP))
		return fast_look_ipv4(eth + FAST_ETH_LEN, data_end);
	if (proto == bpf_htons(ETH_P_IPV6))
		return fast_look_ipv6(eth + FAST_ETH_LEN, data_end);
	/* what parse_eth() and parse_layer() follow; any other ethertype is CLS_NOT_IP */
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD) ||
	    proto == bpf_htons(TLSMON_ETH_P_PPP_SES) || proto == bpf_htons(TLSMON_ETH_P_MPLS_UC))
		return FAST_CLASSIFY;
	return FAST_SKIP;
}

#endif
