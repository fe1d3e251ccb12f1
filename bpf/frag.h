/* Which IP fragments the programs copy: those of TCP datagrams on a monitored port. Only the
 * first fragment (offset 0) holds the TCP header; it records the datagram's IP ID in
 * tlsmon_frags, and later fragments, which carry nothing else to go by, are copied when their ID
 * is there. Userspace reassembles them (user/capture/ipfrag.c). A later fragment that comes
 * before the first one is not copied (counted in TLSMON_CTR_FRAGMENTS). */
#ifndef TLSMON_BPF_FRAG_H
#define TLSMON_BPF_FRAG_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "maps.h"
#include "parse.h"

/* RFC 8200 4.5; the UAPI's struct frag_hdr is kernel-internal. */
struct tlsmon_ip6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset in 8-octet units << 3, M in bit 0 */
	__be32 id;
};

/* c: what classify() left for CLS_FRAGMENT (family, l3_off, and for IPv6 the fragment header in
 * l4_off). Returns 1 when the fragment is to be copied. */
static __always_inline int frag_wanted(void *data, void *data_end, const struct cls *c)
{
	struct tlsmon_frag_key fk = {};
	/* Offsets bounded well below the verifier's 64 KiB packet-offset limit, or it refuses the
	 * checks against data_end (headers that deep are not in a frame we handle anyway). */
	__u32 l3_off = c->l3_off & 0x3fff, frag_off = c->l4_off & 0x3fff;
	struct tcphdr *th;
	__u32 l4, off;
	__u64 now;

	if (c->family == 4) {
		struct iphdr *ip = data + l3_off;

		if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_TCP)
			return 0;
		fk.family = 4;
		fk.id = ip->id;
		__builtin_memcpy(fk.saddr, &ip->saddr, 4);
		__builtin_memcpy(fk.daddr, &ip->daddr, 4);
		off = bpf_ntohs(ip->frag_off) & TLSMON_IP_OFFMASK;
		l4 = l3_off + ip->ihl * 4;
	} else {
		struct ipv6hdr *ip6 = data + l3_off;
		struct tlsmon_ip6_frag *fh = data + frag_off;

		if ((void *)(ip6 + 1) > data_end || (void *)(fh + 1) > data_end ||
		    fh->nexthdr != IPPROTO_TCP)
			return 0;
		fk.family = 6;
		fk.id = fh->id;
		__builtin_memcpy(fk.saddr, &ip6->saddr, 16);
		__builtin_memcpy(fk.daddr, &ip6->daddr, 16);
		off = bpf_ntohs(fh->frag_off) & 0xfff8;
		l4 = frag_off + sizeof(*fh);
	}
	if (off)
		return bpf_map_lookup_elem(&tlsmon_frags, &fk) != NULL;
	l4 &= 0x7fff; /* a bound the verifier keeps for the packet pointer below */
	th = data + l4;
	if ((void *)(th + 1) > data_end)
		return 0;
	if (!port_watched(bpf_ntohs(th->source)) && !port_watched(bpf_ntohs(th->dest)))
		return 0;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&tlsmon_frags, &fk, &now, BPF_ANY);
	return 1;
}

#endif
