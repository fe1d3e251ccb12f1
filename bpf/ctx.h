/* One view of the packet for both hooks, so that classify() and the copy code are written once:
 * the XDP and TC entry points fill a struct tctx and everything below works on it. tctx.xdp is a
 * compile-time constant wherever a tctx is built, so the branches on it fold away after inlining
 * (the verifier would refuse an XDP helper call even in a TC program's dead branch). */
#ifndef TLSMON_BPF_CTX_H
#define TLSMON_BPF_CTX_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "tlsmon_shared.h"

struct tctx {
	void *ctx; /* struct xdp_md * or struct __sk_buff * */
	void *data; /* linear part only: headers are read directly, payload through load_bytes */
	void *data_end;
	__u8 hook; /* enum tlsmon_hook */
	__u8 xdp; /* picks the helpers; a constant wherever a tctx is built */
};

static __always_inline void tctx_from_xdp(struct tctx *t, struct xdp_md *ctx)
{
	t->ctx = ctx;
	t->data = (void *)(long)ctx->data;
	t->data_end = (void *)(long)ctx->data_end;
	t->hook = TLSMON_HOOK_XDP;
	t->xdp = 1;
}

static __always_inline void tctx_from_skb(struct tctx *t, struct __sk_buff *skb, __u8 hook)
{
	t->ctx = skb;
	t->data = (void *)(long)skb->data;
	t->data_end = (void *)(long)skb->data_end;
	t->hook = hook;
	t->xdp = 0;
}

/* Read only for a copied frame: both contexts rewrite it into loads through the device. */
static __always_inline __u32 tctx_ifindex(const struct tctx *t)
{
	if (t->xdp)
		return ((struct xdp_md *)t->ctx)->ingress_ifindex;
	return ((struct __sk_buff *)t->ctx)->ifindex;
}

/* Whole frame length, including XDP fragments and the non-linear part of an skb (GSO). */
static __always_inline __u32 tctx_len(const struct tctx *t)
{
	if (t->xdp)
		return bpf_xdp_get_buff_len(t->ctx);
	return ((struct __sk_buff *)t->ctx)->len;
}

/* Copy len bytes at off, across fragments: the only way to reach bytes past data_end. */
static __always_inline long tctx_load_bytes(const struct tctx *t, __u32 off, void *to, __u32 len)
{
	if (t->xdp)
		return bpf_xdp_load_bytes(t->ctx, off, to, len);
	return bpf_skb_load_bytes(t->ctx, off, to, len);
}

/* TC only: make the first len bytes linear when a driver left headers in fragments. It moves
 * bytes into the skb head; the packet's contents are unchanged. XDP has no equivalent. */
static __always_inline int tctx_pull(struct tctx *t, __u32 len)
{
	struct __sk_buff *skb = t->ctx;

	if (t->xdp)
		return -1;
	if (bpf_skb_pull_data(skb, len))
		return -1;
	t->data = (void *)(long)skb->data;
	t->data_end = (void *)(long)skb->data_end;
	return 0;
}

#endif
