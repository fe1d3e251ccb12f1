// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The capture filter: XDP on ingress (or TC ingress), TC on egress. Each frame of a TCP flow on a
 * monitored port is copied to the ring buffer while the flow is tracked, i.e. from its SYN or
 * first TLS handshake record until userspace marks it done or its byte budget is spent; FIN and
 * RST are always copied because a handshake's outcome lives there. Never drops, redirects or
 * modifies a packet. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "tlsmon_shared.h"
#include "ctx.h"
#include "maps.h"
#include "parse.h"
#include "frag.h"
#include "fast.h"

/* Payload bytes per split record: leaves room for the longest headers we split (TLSMON_HDR_MAX),
 * so the verifier can bound headers + payload by the scratch size without relating the two. */
#define SEG_PAYLOAD_MAX (TLSMON_REC_DATA_MAX - TLSMON_HDR_MAX)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The first payload bytes of a flow we have not seen start: a TLS handshake record (RFC 8446 5.1:
 * ContentType 22, legacy_record_version 0x0300..0x0304) or an SSLv2-format ClientHello (2-byte
 * record header with the high bit set, MSG-CLIENT-HELLO = 1, version 0x0002 or 0x03xx). */
static __always_inline int handshake_bytes(const __u8 *b)
{
	if (b[0] == 0x16 && b[1] == 0x03 && b[2] <= 0x04)
		return 1;
	return (b[0] & 0x80) && b[2] == 0x01 &&
	       ((b[3] == 0x03 && b[4] <= 0x04) || (b[3] == 0x00 && b[4] == 0x02));
}

/* The 5 bytes at off are in the linear part of the packet, readable in place. */
static __always_inline int linear_at(const struct tctx *t, __u32 off)
{
	return off < 1024 && t->data + off + 5 <= t->data_end;
}

static __always_inline int starts_handshake(const struct tctx *t, __u32 off)
{
	__u32 lin = off & 1023; /* a small bound lets the verifier accept the direct read */
	__u8 buf[5], *b = t->data + lin;

	/* Read in place when the bytes are linear: the helper call costs more than the rest of the
	 * untracked path together. Two separate tests, so the verifier never has to merge a packet
	 * pointer with a stack pointer (that multiplies the states it explores). */
	if (lin == off && (void *)(b + sizeof(buf)) <= t->data_end)
		return handshake_bytes(b);
	if (tctx_load_bytes(t, off, buf, sizeof(buf)))
		return 0;
	return handshake_bytes(buf);
}

/* The payload length from the IP header, which XDP reads without the helper call the frame
 * length needs; a BIG TCP frame states none. */
static __always_inline __u32 payload_len(const struct tctx *t, const struct cls *c)
{
	__u32 n = c->ip_payload, len;

	if (!n) {
		len = tctx_len(t);
		n = len > c->hdr_len ? len - c->hdr_len : 0;
	}
	return n;
}

/* The packet's payload starts a handshake record. A frame shorter than its header claims fails
 * the read, as the bytes are not there. */
static __always_inline int opens_handshake(const struct tctx *t, const struct cls *c)
{
	return payload_len(t, c) >= 5 && starts_handshake(t, c->hdr_len);
}

/* r0 = xchg32(*(u32 *)(r1 + 0), r0) (BPF_STX | BPF_W | BPF_ATOMIC, imm BPF_XCHG), written as
 * bytes. Clang emits an exchange only with -mcpu=v3, whose 32-bit jumps make the split loop of
 * copy_split() too much for the verifier (over 10^6 instructions), and clang 14's BPF assembler
 * has no syntax for it. The kernel has had the instruction since 5.12. */
static __always_inline __u32 xchg32(__u32 *p, __u32 v)
{
	register __u64 r0 asm("r0") = v;
	register __u32 *r1 asm("r1") = p;

	asm volatile(".8byte 0x000000e1000001c3" : "+r"(r0) : "r"(r1) : "memory");
	return (__u32)r0;
}

static __always_inline void hint_add(__u32 slot, __u64 v)
{
	__sync_fetch_and_add(&tlsmon_flow_hint[slot & (TLSMON_HINT_SLOTS - 1)], v);
}

static __always_inline __u64 hint_load(__u32 slot)
{
	return tlsmon_flow_hint[slot & (TLSMON_HINT_SLOTS - 1)];
}

/* Give back the entry's count in the hint, exactly once: the exchange decides who does it when
 * two CPUs race (say TC ingress and egress on the last FIN). */
static __always_inline void flow_hint_put(struct tlsmon_flow *fl, __u32 slot)
{
	__u32 held;

	if (!fl->hinted)
		return;
	held = xchg32(&fl->hinted, TLSMON_HINT_HELD_NONE);
	if (held == TLSMON_HINT_HELD_TRACKING)
		hint_add(slot, TLSMON_HINT_PUT);
	else if (held == TLSMON_HINT_HELD_DONE)
		hint_add(slot, TLSMON_HINT_PUT_DONE);
}

/* A done entry's count moves from the tracking field of its slot to the done field, once: the
 * exchange decides who moves it when two CPUs race (say TC ingress and egress on the first
 * packets after userspace marked it done). An entry that held nothing (it lost a race with the
 * close that is deleting it) takes a done count, which at worst stays too high until the repair:
 * a done count only saves work. */
static __always_inline void flow_hint_done(struct tlsmon_flow *fl, __u32 slot)
{
	__u32 held;

	if (fl->hinted == TLSMON_HINT_HELD_DONE)
		return;
	held = xchg32(&fl->hinted, TLSMON_HINT_HELD_DONE);
	if (held == TLSMON_HINT_HELD_TRACKING)
		hint_add(slot, TLSMON_HINT_TO_DONE);
	else if (held == TLSMON_HINT_HELD_NONE)
		hint_add(slot, TLSMON_HINT_TAKE_DONE);
}

/* The first packet that finds the entry done counts it and moves its hint count (above). */
static __always_inline void flow_done_seen(struct tlsmon_flow *fl, __u32 slot,
					   struct tlsmon_counter_vals *ctr)
{
	if (!(fl->flags & TLSMON_FLOW_F_DONE_COUNTED)) {
		fl->flags |= TLSMON_FLOW_F_DONE_COUNTED;
		ctr->c[TLSMON_CTR_FLOWS_DONE]++;
	}
	flow_hint_done(fl, slot);
}

static __always_inline void rec_hdr_fill(struct tlsmon_rec_hdr *h, const struct tctx *t,
					 __u32 frame_len, __u8 flags)
{
	h->ktime_ns = bpf_ktime_get_ns();
	h->ifindex = tctx_ifindex(t);
	h->frame_len = frame_len;
	h->wire_len = frame_len;
	h->seg_off = 0;
	h->hook = t->hook;
	h->flags = flags;
	h->vlan_tci = 0;
	if (!t->xdp) {
		struct __sk_buff *skb = t->ctx;

		if (skb->vlan_present) {
			h->vlan_tci = skb->vlan_tci;
			h->flags |= TLSMON_REC_F_VLAN;
			if (skb->vlan_proto == bpf_htons(0x88a8)) /* ETH_P_8021AD */
				h->flags |= TLSMON_REC_F_VLAN_AD;
		}
	}
}

/* When a record last woke the reader (bpf_ktime_get_ns()); written only when one does, so the
 * CPUs share a line that changes at most once per TLSMON_RING_WAKE_NS. */
__u64 tlsmon_ring_woken_ns;

/* A wake-up per record (flags 0 wakes the reader whenever it has caught up) costs an irq_work,
 * a self-IPI on VMs, and a reader turn for a few records. Instead: the first record after a quiet
 * spell wakes it at once (an idle host reports promptly), then at most one per
 * TLSMON_RING_WAKE_NS, and the record that takes the unread bytes past tlsmon_ring_wake_bytes;
 * the reader picks up the records in between on its own short timeout (live_bpf__wait_ms()).
 * Only the crossing wakes: every record above the level would cost ~3.5 us of IPI each on this
 * VM (bench/bpf_cost hs_copy_*) just when the reader is behind. */
static __always_inline __u64 ring_wake_flags(__u64 now, __u32 size)
{
	__u64 unread = bpf_ringbuf_query(&tlsmon_events, BPF_RB_AVAIL_DATA);

	if (now - tlsmon_ring_woken_ns < TLSMON_RING_WAKE_NS &&
	    (unread >= tlsmon_ring_wake_bytes || unread + size < tlsmon_ring_wake_bytes))
		return BPF_RB_NO_WAKEUP;
	tlsmon_ring_woken_ns = now;
	return BPF_RB_FORCE_WAKEUP;
}

static __always_inline int emit(struct tlsmon_scratch *s, __u32 cap,
				struct tlsmon_counter_vals *ctr)
{
	if (cap > TLSMON_REC_DATA_MAX)
		return -1;
	s->hdr.cap_len = cap;
	if (bpf_ringbuf_output(&tlsmon_events, s, sizeof(s->hdr) + cap,
			       ring_wake_flags(s->hdr.ktime_ns, sizeof(s->hdr) + cap))) {
		ctr->c[TLSMON_CTR_RINGBUF_FULL]++;
		return -1;
	}
	return 0;
}

/* What the copy needs from classify(), small because the copy functions' stack adds to the
 * caller's (512 bytes for both), and packed into one __u64 argument by geom_pack(). */
struct geom {
	__u32 hdr_len;
	__u32 l3_off;
	__u32 l4_off;
	__u32 family;
};

static __always_inline void put_be16(__u8 *p, __u32 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* Make the copied headers describe one segment: IP length (and the IPv4 header checksum,
 * RFC 1624 eqn. 3), TCP sequence number, and the flags TSO gives only to the first (CWR) or
 * last (FIN, PSH) segment. */
static __always_inline void seg_patch(__u8 *d, const struct geom *c, __u32 off, __u32 claim,
				      int first, int last)
{
	__u32 l3 = c->l3_off, l4 = c->l4_off, hl = c->hdr_len;
	__u32 len, old, sum, seq;

	if (l3 > TLSMON_HDR_MAX - 40 || l4 > TLSMON_HDR_MAX - 20 || hl < l3 + 20)
		return;
	if (c->family == 4) {
		len = hl - l3 + claim;
		if (len > 0xffff)
			len = 0xffff;
		old = (d[l3 + 2] << 8) | d[l3 + 3];
		put_be16(d + l3 + 2, len);
		sum = (~((d[l3 + 10] << 8) | d[l3 + 11]) & 0xffff) + (~old & 0xffff) + len;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		put_be16(d + l3 + 10, ~sum & 0xffff);
	} else {
		len = hl - l3 - 40 + claim;
		if (len > 0xffff)
			len = 0xffff;
		put_be16(d + l3 + 4, len);
	}
	seq = ((__u32)d[l4 + 4] << 24) | (d[l4 + 5] << 16) | (d[l4 + 6] << 8) | d[l4 + 7];
	seq += off;
	put_be16(d + l4 + 4, seq >> 16);
	put_be16(d + l4 + 6, seq & 0xffff);
	if (!first)
		d[l4 + 13] &= ~TLSMON_TCP_CWR;
	if (!last)
		d[l4 + 13] &= ~(TLSMON_TCP_FIN | TLSMON_TCP_PSH);
}

/* A frame larger than one record (GSO on TC egress, multi-buffer XDP): one record per slice of
 * payload, each carrying the frame's headers, so no handshake byte is lost. The last record the
 * snap length allows claims the rest of the frame, so userspace sees the cut as truncation. */
static __always_inline __u32 copy_split(const struct tctx *t, const struct geom *c,
					struct tlsmon_scratch *s, __u32 frame_len, __u8 flags,
					struct tlsmon_counter_vals *ctr)
{
	__u32 hl = c->hdr_len, payload = frame_len - hl, snap = tlsmon_snaplen;
	__u32 off = 0, total = 0, chunk, room, claim;
	__u64 take, h;
	int i;

	if (hl == 0 || hl > TLSMON_HDR_MAX)
		return 0;
	for (i = 0; i < TLSMON_MAX_SEGS; i++) {
		if (off >= payload || snap <= hl + off)
			break;
		room = snap - hl - off;
		chunk = payload - off;
		if (chunk > SEG_PAYLOAD_MAX)
			chunk = SEG_PAYLOAD_MAX;
		claim = room <= chunk ? payload - off : chunk;
		take = chunk < room ? chunk : room;
		/* libbpf's barrier_var(): the bound check below is then made on the register the
		 * helper receives; clang otherwise tests one copy and passes another. */
		barrier_var(take);
		if (take == 0 || take > SEG_PAYLOAD_MAX)
			break;
		h = hl;
		barrier_var(h);
		if (h == 0 || h > TLSMON_HDR_MAX)
			break;
		if (tctx_load_bytes(t, 0, s->data, h))
			break;
		if (tctx_load_bytes(t, h + off, s->data + h, take))
			break;
		seg_patch(s->data, c, off, claim, i == 0, off + claim >= payload);
		rec_hdr_fill(&s->hdr, t, frame_len, flags | TLSMON_REC_F_SEGMENT);
		s->hdr.wire_len = hl + claim;
		s->hdr.seg_off = off;
		if (take < claim) {
			s->hdr.flags |= TLSMON_REC_F_TRUNCATED;
			ctr->c[TLSMON_CTR_TRUNCATED]++;
		}
		if (emit(s, hl + take, ctr))
			break;
		total += hl + take;
		if (room <= chunk)
			break;
		off += chunk;
	}
	return total;
}

/* TLSMON_REC_F_HEADERS_ONLY: the headers, patched to carry no payload (seg_patch() moves the
 * sequence number past the payload, where the FIN sits). frame_len excludes Ethernet padding. */
static __always_inline __u32 copy_headers(const struct tctx *t, const struct geom *c,
					  struct tlsmon_scratch *s, __u32 frame_len, __u8 flags,
					  struct tlsmon_counter_vals *ctr)
{
	__u64 h = c->hdr_len;

	barrier_var(h); /* as in copy_split() */
	if (h == 0 || h > TLSMON_HDR_MAX || frame_len < h)
		return 0;
	if (tctx_load_bytes(t, 0, s->data, h))
		return 0;
	seg_patch(s->data, c, frame_len - c->hdr_len, 0, 1, 1);
	rec_hdr_fill(&s->hdr, t, frame_len, flags);
	s->hdr.wire_len = h;
	if (emit(s, h, ctr))
		return 0;
	return h;
}

static __always_inline __u64 geom_pack(const struct cls *c, __u8 rflags)
{
	return (__u64)c->hdr_len | (__u64)c->l3_off << 16 | (__u64)c->l4_off << 32 |
	       (__u64)c->family << 48 | (__u64)rflags << 56;
}

/* Returns the bytes copied (0 if nothing was). */
static __always_inline int copy_frame(const struct tctx *t, __u32 frame_len, __u64 geom)
{
	struct tlsmon_counter_vals *ctr;
	struct tlsmon_scratch *s;
	__u8 flags = geom >> 56;
	struct geom c;
	__u32 zero = 0;
	__u64 cap;

	c.hdr_len = geom & 0xffff;
	c.l3_off = (geom >> 16) & 0xffff;
	c.l4_off = (geom >> 32) & 0xffff;
	c.family = (geom >> 48) & 0xff;
	ctr = counters();
	s = bpf_map_lookup_elem(&tlsmon_scratch, &zero);
	if (!ctr || !s)
		return 0;
	if (flags & TLSMON_REC_F_HEADERS_ONLY)
		return copy_headers(t, &c, s, frame_len, flags, ctr);
	if (frame_len > TLSMON_REC_DATA_MAX && c.hdr_len <= TLSMON_HDR_MAX &&
	    frame_len > c.hdr_len && tlsmon_snaplen > c.hdr_len) {
		ctr->c[TLSMON_CTR_SPLIT]++;
		return copy_split(t, &c, s, frame_len, flags, ctr);
	}
	cap = frame_len;
	if (cap > tlsmon_snaplen)
		cap = tlsmon_snaplen;
	if (cap > TLSMON_REC_DATA_MAX)
		cap = TLSMON_REC_DATA_MAX;
	barrier_var(cap); /* as in copy_split() */
	if (cap == 0 || cap > TLSMON_REC_DATA_MAX)
		return 0;
	if (tctx_load_bytes(t, 0, s->data, cap))
		return 0;
	rec_hdr_fill(&s->hdr, t, frame_len, flags);
	if (cap < frame_len) {
		s->hdr.flags |= TLSMON_REC_F_TRUNCATED;
		ctr->c[TLSMON_CTR_TRUNCATED]++;
	}
	if (emit(s, cap, ctr))
		return 0;
	return cap;
}

/* Global (not static) functions are verified once, with unknown arguments, instead of once per
 * path through classify() into the split loop (hundreds of thousands of verifier steps when
 * inlined); so the copy checks its own bounds. One per context type, because the helpers
 * differ. */
__noinline int tlsmon_copy_xdp(struct xdp_md *ctx, __u32 frame_len, __u64 geom)
{
	struct tctx t;

	if (!ctx)
		return 0;
	tctx_from_xdp(&t, ctx);
	return copy_frame(&t, frame_len, geom);
}

__noinline int tlsmon_copy_tc(struct __sk_buff *skb, __u32 frame_len, __u64 geom, __u32 egress)
{
	struct tctx t;

	if (!skb)
		return 0;
	tctx_from_skb(&t, skb, egress ? TLSMON_HOOK_TC_EGRESS : TLSMON_HOOK_TC_INGRESS);
	return copy_frame(&t, frame_len, geom);
}

/* The walk through encapsulations, global for the reason the copy functions are: verified once
 * with unknown arguments. Plain TCP never calls them. */
__noinline int tlsmon_encap_xdp(struct xdp_md *ctx, struct cls *c)
{
	if (!ctx || !c)
		return CLS_NOT_IP;
	return classify_encap((void *)(long)ctx->data, (void *)(long)ctx->data_end, c);
}

__noinline int tlsmon_encap_tc(struct __sk_buff *skb, struct cls *c)
{
	if (!skb || !c)
		return CLS_NOT_IP;
	return classify_encap((void *)(long)skb->data, (void *)(long)skb->data_end, c);
}

static __always_inline int classify_frame(const struct tctx *t, struct cls *c, int fast)
{
	int r;

	if (fast == FAST_TCP4) {
		c->key.tunnel = TLSMON_TUNNEL_NONE;
		c->key.tunnel_id = 0;
		return parse_ipv4_tcp(t->data, t->data_end, FAST_ETH_LEN, FAST_IPV4_LEN, c, 1);
	}
	if (fast == FAST_IPV4) {
		c->key.tunnel = TLSMON_TUNNEL_NONE;
		c->key.tunnel_id = 0;
		r = parse_ipv4(t->data, t->data_end, FAST_ETH_LEN, c);
	} else {
		r = classify(t->data, t->data_end, c);
	}

	if (r != CLS_NEXT)
		return r;
	if (t->xdp)
		return tlsmon_encap_xdp(t->ctx, c);
	return tlsmon_encap_tc(t->ctx, c);
}

/* Serial-number arithmetic (RFC 1982): a is after b. */
static __always_inline int seq_after(__u32 a, __u32 b)
{
	return (__s32)(a - b) > 0;
}

/* Whether a segment carries sequence space this side has not had copied: one that ends at or
 * shortly before seq_next (a duplicate, a retransmission of copied data) does not. "Shortly":
 * within what the budget lets a side copy, so that a forged segment far ahead of the real stream
 * (its ISN is a guess) cannot make the real data look old; that data is then copied as it was
 * before this check. Segments without payload are decided elsewhere (SYN, FIN, RST, ACKs). */
static __always_inline int seq_new(const struct tlsmon_flow *fl, int side, __u32 seq, __u32 len)
{
	__u8 known = side ? TLSMON_FLOW_F_SEQ1 : TLSMON_FLOW_F_SEQ0;
	__u32 end = seq + len, next = fl->seq_next[side & 1];

	if (!len || !(fl->flags & known))
		return 1;
	return seq_after(end, next) || next - end > tlsmon_budget + 65536;
}

/* After a copy: move seq_next over a segment that starts at or before it (in order); one that
 * starts beyond it leaves a hole, and the segment that fills the hole must still be copied. A SYN
 * takes one sequence number (RFC 9293 3.4). */
static __always_inline void seq_advance(struct tlsmon_flow *fl, int side, __u32 seq, __u32 len,
					__u8 tf)
{
	__u8 known = side ? TLSMON_FLOW_F_SEQ1 : TLSMON_FLOW_F_SEQ0;
	__u32 end;

	if (tf & TLSMON_TCP_SYN)
		len++;
	if (!len)
		return;
	end = seq + len;
	/* a SYN states the side's ISN: whatever came before it (a forged segment on the 4-tuple,
	 * an earlier connection) says nothing about this stream */
	if (!(fl->flags & known) || (tf & TLSMON_TCP_SYN)) {
		fl->seq_next[side & 1] = end;
		fl->flags |= known;
	} else if (!seq_after(seq, fl->seq_next[side & 1]) &&
		   seq_after(end, fl->seq_next[side & 1])) {
		fl->seq_next[side & 1] = end;
	}
}

/* Copy one IP fragment whole (frag.h decides which): no TCP header to split at, and fragments
 * are MTU-sized. A header length over TLSMON_HDR_MAX keeps copy_frame() from splitting. */
static __always_inline void copy_fragment(struct tctx *t)
{
	__u64 geom = 0xffff;
	__u32 frame_len = tctx_len(t);
	int n;

	if (t->xdp)
		n = tlsmon_copy_xdp(t->ctx, frame_len, geom);
	else
		n = tlsmon_copy_tc(t->ctx, frame_len, geom, t->hook == TLSMON_HOOK_TC_EGRESS);
	if (n > 0) {
		counter_add(TLSMON_CTR_FRAGMENTS_COPIED, 1);
		counter_add(TLSMON_CTR_BYTES_COPIED, n);
	} else {
		counter_add(TLSMON_CTR_FRAGMENTS, 1);
	}
}

/* A packet fast_look() did not turn away. */
static __always_inline void handle(struct tctx *t, int fast)
{
	struct tlsmon_counter_vals *ctr;
	struct tlsmon_flow *fl;
	struct cls c;
	__u32 frame_len, payload, slot;
	__u64 hint;
	__u8 tf, rflags = 0;
	int side, r, copy, n, opens = 0, half = 0, uncharged = 0, done_hinted = 0;

	r = classify_frame(t, &c, fast);
	if (r == CLS_SHORT && !t->xdp) {
		frame_len = tctx_len(t);
		if (tctx_pull(t, frame_len < TLSMON_HDR_MAX ? frame_len : TLSMON_HDR_MAX) == 0)
			r = classify_frame(t, &c, FAST_CLASSIFY);
	}
	if (r == CLS_FRAGMENT) {
		if (frag_wanted(t->data, t->data_end, &c))
			copy_fragment(t);
		else
			counter_add(TLSMON_CTR_FRAGMENTS, 1);
		return;
	}
	if (r == CLS_EXT_LIMIT)
		counter_add(TLSMON_CTR_IPV6_EXT_LIMIT, 1);
	else if (r == CLS_TOO_DEEP)
		counter_add(TLSMON_CTR_ENCAP_TOO_DEEP, 1);
	if (r != CLS_TCP)
		return;
	count_hook_packet(TLSMON_CTR_MATCHED_XDP + t->hook);

	tf = c.tcp_flags;
	/* Without a tracking count in its hint slot the packet belongs to no tracking flow: unless
	 * it could start one (SYN, a handshake record) or end one (FIN, RST), the lookup below would
	 * find nothing or a done flow, and nothing would be copied. Whether its payload starts a
	 * record is read from the packet, unless the bytes are not linear and done flows hash here:
	 * then the packet is most likely one of theirs (a bulk flow's super-frame), and the lookup
	 * costs less than a helper call into a fragment just written on another CPU
	 * (bench/README.md, "the flow hint's done count"). A linear read stays cheaper than the
	 * lookup. */
	slot = tlsmon_flow_hint_slot(&c.key);
	if (!(tf & (TLSMON_TCP_SYN | TLSMON_TCP_FIN | TLSMON_TCP_RST))) {
		hint = hint_load(slot);
		if (!tlsmon_hint_tracking(hint)) {
			if (payload_len(t, &c) < 5)
				return; /* too short for a record header: an ACK, a keep-alive */
			if (tlsmon_hint_done(hint) && !linear_at(t, c.hdr_len))
				done_hinted = 1;
			else if (!starts_handshake(t, c.hdr_len))
				return;
			else
				opens = 1;
		}
	}
	/* the rest counts in tlsmon_counters; the packets that leave above cost no lookup there */
	ctr = counters();
	if (!ctr)
		return;

	frame_len = tctx_len(t);
	if (frame_len < c.hdr_len)
		return;
	payload = frame_len - c.hdr_len;
	if (c.ip_payload && c.ip_payload < payload)
		payload = c.ip_payload; /* Ethernet padding is not payload */
	classify_key_finish(&c);
	side = tlsmon_flow_key_normalize(&c.key);

	fl = bpf_map_lookup_elem(&tlsmon_flows, &c.key);
	if (!fl) {
		fl = bpf_map_lookup_elem(&tlsmon_halfopen, &c.key);
		half = fl != NULL;
	}
	if (fl && fl->state == TLSMON_FLOW_DONE) {
		flow_done_seen(fl, slot, ctr);
		/* neither SYN, FIN nor RST (see above): nothing to copy */
		if (done_hinted)
			return;
	}
	/* a pure SYN on a finished flow is a new connection reusing the 4-tuple */
	if (!fl || (fl->state == TLSMON_FLOW_DONE && (tf & (TLSMON_TCP_SYN | TLSMON_TCP_ACK)) ==
							      TLSMON_TCP_SYN)) {
		struct tlsmon_flow nf = {};

		if (!(tf & TLSMON_TCP_SYN) && !opens && !opens_handshake(t, &c))
			return;
		/* the finished entry gives its count back and must not shadow the new one from the
		 * other map */
		if (fl)
			flow_hint_put(fl, slot);
		if (fl && half)
			bpf_map_delete_elem(&tlsmon_halfopen, &c.key);
		else if (fl)
			bpf_map_delete_elem(&tlsmon_flows, &c.key);
		nf.start_ns = bpf_ktime_get_ns();
		nf.state = TLSMON_FLOW_TRACKING;
		nf.hinted = TLSMON_HINT_HELD_TRACKING;
		/* counted before the entry exists, so no packet of it can find its slot empty */
		hint_add(slot, TLSMON_HINT_TAKE);
		half = !payload;
		if (bpf_map_update_elem(half ? (void *)&tlsmon_halfopen : (void *)&tlsmon_flows,
					&c.key, &nf, BPF_ANY)) {
			hint_add(slot, TLSMON_HINT_PUT);
			ctr->c[TLSMON_CTR_FLOW_INSERT_FAILED]++;
			return;
		}
		if (half)
			fl = bpf_map_lookup_elem(&tlsmon_halfopen, &c.key);
		else
			fl = bpf_map_lookup_elem(&tlsmon_flows, &c.key);
		if (!fl)
			return;
		ctr->c[TLSMON_CTR_FLOWS_STARTED]++;
		rflags |= TLSMON_REC_F_FLOW_START;
	} else if (half && payload && fl->state == TLSMON_FLOW_TRACKING) {
		/* The first payload byte: the flow is a connection, no longer a SYN anyone could
		 * have sent, and leaves the half-open map for the one SYN floods cannot reach. */
		struct tlsmon_flow nf = *fl;

		if (!bpf_map_update_elem(&tlsmon_flows, &c.key, &nf, BPF_NOEXIST)) {
			bpf_map_delete_elem(&tlsmon_halfopen, &c.key);
			ctr->c[TLSMON_CTR_FLOWS_ESTABLISHED]++;
		}
		fl = bpf_map_lookup_elem(&tlsmon_flows, &c.key);
		if (!fl)
			return;
		half = 0;
	}

	if (tf & (TLSMON_TCP_FIN | TLSMON_TCP_RST)) {
		copy = 1;
		rflags |= TLSMON_REC_F_CLOSE;
		if (payload && !(fl->state == TLSMON_FLOW_TRACKING &&
				 fl->bytes[side & 1] < tlsmon_budget)) {
			rflags |= TLSMON_REC_F_HEADERS_ONLY;
			frame_len = c.hdr_len + payload;
		}
	} else if (fl->state != TLSMON_FLOW_TRACKING) {
		copy = 0;
	} else if (!seq_new(fl, side, c.seq, payload)) {
		/* Nothing past what was copied: the earlier copy may have had a bad checksum (the
		 * host dropped it, userspace will too), so this one is copied, free of budget, a
		 * bounded number of times. */
		if (fl->dup_copies[side & 1] < TLSMON_MAX_DUP_COPIES) {
			fl->dup_copies[side & 1]++;
			copy = 1;
			uncharged = 1;
		} else {
			copy = 0;
			ctr->c[TLSMON_CTR_RETRANS_SKIPPED]++;
		}
	} else if (fl->bytes[side & 1] < tlsmon_budget) {
		copy = 1;
	} else {
		copy = 0;
		if (!(fl->flags & TLSMON_FLOW_F_BUDGET_COUNTED)) {
			fl->flags |= TLSMON_FLOW_F_BUDGET_COUNTED;
			ctr->c[TLSMON_CTR_BUDGET_EXHAUSTED]++;
		}
	}

	if (copy) {
		if (t->xdp)
			n = tlsmon_copy_xdp(t->ctx, frame_len, geom_pack(&c, rflags));
		else
			n = tlsmon_copy_tc(t->ctx, frame_len, geom_pack(&c, rflags),
					   t->hook == TLSMON_HOOK_TC_EGRESS);
		if (n > 0) {
			seq_advance(fl, side, c.seq, payload, tf);
			if (!uncharged)
				__sync_fetch_and_add(&fl->bytes[side & 1], n);
			ctr->c[TLSMON_CTR_COPIED_XDP + t->hook]++;
			ctr->c[TLSMON_CTR_BYTES_COPIED] += n;
		}
	}

	/* The entry goes after an RST or once both sides sent a FIN; a FIN retransmitted later finds
	 * no entry and is not copied, which costs nothing the handshake needs. */
	if (tf & (TLSMON_TCP_FIN | TLSMON_TCP_RST)) {
		if (!(tf & TLSMON_TCP_RST)) {
			fl->flags |= side ? TLSMON_FLOW_F_FIN1 : TLSMON_FLOW_F_FIN0;
			if ((fl->flags & (TLSMON_FLOW_F_FIN0 | TLSMON_FLOW_F_FIN1)) !=
			    (TLSMON_FLOW_F_FIN0 | TLSMON_FLOW_F_FIN1))
				return;
		}
		flow_hint_put(fl, slot);
		if (bpf_map_delete_elem(half ? (void *)&tlsmon_halfopen : (void *)&tlsmon_flows,
					&c.key) == 0)
			ctr->c[TLSMON_CTR_FLOWS_CLOSED]++;
	}
}

/* handle() as a function of its own (static: verified with the caller's arguments, unlike the
 * global copy functions), so that the entry points below are small: the JIT saves only the
 * registers a function uses, and a packet fast_look() turns away then pays for one saved register
 * and no stack frame instead of four and handle()'s frame. The call costs the packets that go on
 * 0-2 ns (bench/README.md, kernel filter, issue 16 item 6). One per context type, as the helpers
 * differ. */
static __noinline int handle_xdp(struct xdp_md *ctx, int fast)
{
	struct tctx t;

	tctx_from_xdp(&t, ctx);
	handle(&t, fast);
	return 0;
}

static __noinline int handle_tc(struct __sk_buff *skb, int fast, int egress)
{
	struct tctx t;

	tctx_from_skb(&t, skb, egress ? TLSMON_HOOK_TC_EGRESS : TLSMON_HOOK_TC_INGRESS);
	handle(&t, fast);
	return 0;
}

/* Each entry point counts the packet, then fast_look() turns most packets away: those end here,
 * having cost the count and a few loads. Counting first leaves only the context live across the
 * counter's helper call. */
SEC("xdp.frags")
int tlsmon_xdp(struct xdp_md *ctx)
{
	int fast;

	count_hook_packet(TLSMON_CTR_SEEN_XDP);
	fast = fast_look((void *)(long)ctx->data, (void *)(long)ctx->data_end);
	if (fast != FAST_SKIP)
		handle_xdp(ctx, fast);
	return XDP_PASS;
}

/* TC_ACT_UNSPEC is TCX_NEXT: programs attached after ours still run. */
SEC("tc")
int tlsmon_tc_in(struct __sk_buff *skb)
{
	int fast;

	count_hook_packet(TLSMON_CTR_SEEN_TC_IN);
	fast = fast_look((void *)(long)skb->data, (void *)(long)skb->data_end);
	if (fast != FAST_SKIP)
		handle_tc(skb, fast, 0);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int tlsmon_tc_out(struct __sk_buff *skb)
{
	int fast;

	count_hook_packet(TLSMON_CTR_SEEN_TC_OUT);
	fast = fast_look((void *)(long)skb->data, (void *)(long)skb->data_end);
	if (fast != FAST_SKIP)
		handle_tc(skb, fast, 1);
	return TC_ACT_UNSPEC;
}
