// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Baselines for bench/bpf_cost.c. empty_*: return at once, so their BPF_PROG_TEST_RUN time is the
 * cost of the hook and the test harness alone. count_*: one per-CPU counter increment, what
 * tlsmon's "seen" count costs every packet (the floor of any class). lookup_xdp: one per-CPU counter increment and one
 * LRU hash lookup of a tlsmon-sized key in a tlsmon-sized map, the two map operations every
 * port-443 packet costs tlsmon, to tell the maps' share from the parser's. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct key40 {
	__u8 b[40];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct key40);
	__type(value, __u64[3]);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ctr SEC(".maps");

SEC("xdp")
int empty_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int empty_tc(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

SEC("xdp")
int count_xdp(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&ctr, &zero);

	if (c)
		(*c)++;
	return XDP_PASS;
}

SEC("tc")
int count_tc(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&ctr, &zero);

	if (c)
		(*c)++;
	return TC_ACT_UNSPEC;
}

SEC("xdp")
int lookup_xdp(struct xdp_md *ctx)
{
	struct key40 k = {};
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&ctr, &zero);

	if (c)
		(*c)++;
	k.b[0] = 4;
	k.b[4] = (__u8)ctx->rx_queue_index;
	if (bpf_map_lookup_elem(&lru, &k) && c)
		(*c)++;
	return XDP_PASS;
}
