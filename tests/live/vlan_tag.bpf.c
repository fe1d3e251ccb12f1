// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* For tests/live/vlan.sh, where the kernel has no 802.1Q devices: tag every frame with VLAN 100
 * on one side's egress and take the tag off again on the other side's ingress, after tlsmon's
 * TCX program has seen it. bpf_skb_vlan_push() puts the tag in skb->vlan_tci, not in the bytes,
 * as a NIC with VLAN offload does. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc/push")
int vlan_push100(struct __sk_buff *skb)
{
	bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), 100);
	return TC_ACT_OK;
}

SEC("tc/pop")
int vlan_pop(struct __sk_buff *skb)
{
	bpf_skb_vlan_pop(skb);
	return TC_ACT_OK;
}
