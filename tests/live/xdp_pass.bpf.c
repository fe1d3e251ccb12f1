// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* For tests/live/nonroot.sh: a program that is not tlsmon's on the interface's XDP hook, whose
 * name a tlsmon without CAP_SYS_ADMIN cannot read. It passes every frame. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}
