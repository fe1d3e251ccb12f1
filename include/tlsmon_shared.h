/* Types and constants shared by the BPF programs (bpf/) and userspace (the loader in
 * user/capture/live_bpf.c; the flow key also the flow table in user/net/).
 * Fixed-width types, explicit padding: the layout is an ABI between the two compilers. */
#ifndef TLSMON_SHARED_H
#define TLSMON_SHARED_H

#include <linux/types.h>

#include "tlsmon_counters.h"

/* Which hook produced a record. Ordered like the per-hook counter triples in tlsmon_counters.h. */
enum tlsmon_hook {
	TLSMON_HOOK_XDP = 0,
	TLSMON_HOOK_TC_INGRESS = 1,
	TLSMON_HOOK_TC_EGRESS = 2,
};

/* Which tunnel identifier a flow key carries (struct tlsmon_flow_key.tunnel). */
enum tlsmon_tunnel {
	TLSMON_TUNNEL_NONE = 0,
	TLSMON_TUNNEL_VXLAN = 1, /* tunnel_id: the VNI */
	TLSMON_TUNNEL_GENEVE = 2, /* tunnel_id: the VNI */
	TLSMON_TUNNEL_GRE_KEY = 3, /* tunnel_id: the GRE key */
};

/* Encapsulation layers (PPPoE, MPLS stack, GRE, VXLAN, GENEVE, IP-in-IP) the parsers follow
 * around the TCP/IP packet; a frame nested deeper is counted and not tracked. */
#define TLSMON_MAX_ENCAP 4
/* MPLS label stack entries read before the bottom of stack; a deeper stack is not followed. */
#define TLSMON_MAX_MPLS_LABELS 4

/* Flow key: both directions of a connection share it, in the programs' flow map and in the
 * userspace flow table alike (one type, one order: tlsmon_flow_key_normalize()). Aligned to 4 so
 * that the addresses can be read as 32-bit words. The innermost tunnel that names a virtual
 * network (VXLAN or GENEVE VNI, GRE key) is part of it, so that two tenants' connections with
 * the same inner 4-tuple stay apart; identifiers that differ by direction (MPLS labels) and
 * outer addresses are not. */
struct tlsmon_flow_key {
	__u8 family; /* 4 or 6 */
	__u8 tunnel; /* enum tlsmon_tunnel */
	__u8 pad[2]; /* zero */
	__u16 port[2]; /* host order */
	__u8 addr[2][16]; /* IPv4 in the first 4 bytes, rest zero */
	__u32 tunnel_id; /* 0 with TLSMON_TUNNEL_NONE */
	__u32 pad2; /* zero: the key is hashed as 64-bit words */
} __attribute__((aligned(4)));

static inline __attribute__((always_inline)) __u32 tlsmon_be32_to_cpu(__u32 x)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap32(x);
#else
	return x;
#endif
}

/* The one order of a key, for the programs and userspace: side 0 is the endpoint whose address
 * compares lower as bytes (memcmp over 16 bytes), on equal addresses the lower port; a
 * connection to itself has only side 0. Call it with the sender in [0] and the receiver in [1],
 * pad and unused address bytes already zero; returns the side the sender ends up on. Four
 * big-endian word compares: no memcmp() call (there is none in BPF, and it costs a call per
 * packet in userspace). */
static inline __attribute__((always_inline)) int
tlsmon_flow_key_normalize(struct tlsmon_flow_key *k)
{
	__u32 *a = (__u32 *)k->addr[0], *b = (__u32 *)k->addr[1];
	__u32 x, y;
	__u16 p;
	int i, cmp = 0;

#ifdef __clang__
#pragma unroll
#endif
	for (i = 0; i < 4; i++) {
		x = tlsmon_be32_to_cpu(a[i]);
		y = tlsmon_be32_to_cpu(b[i]);
		if (x != y) {
			cmp = x < y ? -1 : 1;
			break;
		}
	}
	if (cmp == 0)
		cmp = k->port[0] < k->port[1] ? -1 : k->port[0] > k->port[1];
	if (cmp <= 0)
		return 0;
#ifdef __clang__
#pragma unroll
#endif
	for (i = 0; i < 4; i++) {
		x = a[i];
		a[i] = b[i];
		b[i] = x;
	}
	p = k->port[0];
	k->port[0] = k->port[1];
	k->port[1] = p;
	return 1;
}

enum tlsmon_flow_state {
	TLSMON_FLOW_TRACKING = 1, /* copying frames */
	TLSMON_FLOW_DONE = 2, /* set by userspace: handshake analysed, copy only FIN/RST */
};

/* struct tlsmon_flow.flags */
#define TLSMON_FLOW_F_FIN0 0x01 /* side 0 sent a FIN */
#define TLSMON_FLOW_F_FIN1 0x02
#define TLSMON_FLOW_F_BUDGET_COUNTED 0x04 /* budget exhaustion already counted */
#define TLSMON_FLOW_F_DONE_COUNTED 0x08 /* the kernel saw the done mark */
#define TLSMON_FLOW_F_SEQ0 0x10 /* seq_next[0] is set */
#define TLSMON_FLOW_F_SEQ1 0x20
/* Segments without new sequence space copied per flow side (uncharged) before they are skipped:
 * enough for the copies an on-path inserter sends beside the real ones (insertion.sh), bounded
 * so a flood of duplicates cannot fill the ring buffer. */
#define TLSMON_MAX_DUP_COPIES 64

struct tlsmon_flow {
	__u64 start_ns; /* bpf_ktime_get_ns() when tracking started */
	__u32 bytes[2]; /* bytes copied, indexed by the key side that sent them */
	__u8 state; /* enum tlsmon_flow_state */
	__u8 flags; /* TLSMON_FLOW_F_* */
	/* Per key side: segments copied that carried nothing past seq_next (uncharged, at most
	 * TLSMON_MAX_DUP_COPIES): a copy with a bad checksum may have come first, and the real
	 * one the host accepts must still reach userspace (bpf/tlsmon.bpf.c, seq_new()). */
	__u8 dup_copies[2];
	/* Which count this entry holds in tlsmon_flow_hint (bpf/maps.h): TLSMON_HINT_HELD_*. A
	 * __u32 of its own so the programs can exchange it atomically: whoever changes it moves the
	 * count, once. */
	__u32 hinted;
	/* Per key side: the sequence number after the last byte copied in order. A segment that
	 * ends at or before it carries nothing new and spends no budget (a flood of duplicate
	 * retransmissions must not use up the budget before the hello); past
	 * TLSMON_MAX_DUP_COPIES such segments it is not copied at all. */
	__u32 seq_next[2];
};

/* Slots of the flow hint (bpf/maps.h): a power of two. Each slot is a __u64 of three fields: the
 * count of TRACKING entries in the low 32 bits, the count of DONE entries in the next 8, and a
 * generation in the high 24 that every change moves on, so that userspace can repair the counts
 * without racing the programs (user/capture/live_hint.c). Each change is one atomic add: a take
 * adds 1 to the tracking count and to the generation; a put adds 0xffffffff to the tracking
 * count, i.e. count - 1 with a carry that moves the generation; a done flow's count moves from
 * the tracking field to the done field the same way. 24 bits of generation still take 16 million
 * changes of one slot to come round, far more than a repair's read of the maps lets through.
 * The done count may wrap (256 done entries in a slot): it only saves work, never decides a
 * copy, and a put on a wrapped count leaves the generation as it was, never moves it back. */
#define TLSMON_HINT_BITS 16
#define TLSMON_HINT_SLOTS (1u << TLSMON_HINT_BITS)
#define TLSMON_HINT_DONE_SHIFT 32
#define TLSMON_HINT_DONE_MASK 0xffu
#define TLSMON_HINT_GEN_SHIFT 40
#define TLSMON_HINT_GEN_ONE (1ULL << TLSMON_HINT_GEN_SHIFT)
#define TLSMON_HINT_DONE_ONE (1ULL << TLSMON_HINT_DONE_SHIFT)
#define TLSMON_HINT_TAKE (TLSMON_HINT_GEN_ONE + 1)
#define TLSMON_HINT_PUT (TLSMON_HINT_GEN_ONE - 1)
#define TLSMON_HINT_TO_DONE (TLSMON_HINT_GEN_ONE + TLSMON_HINT_DONE_ONE - 1)
#define TLSMON_HINT_TAKE_DONE (TLSMON_HINT_GEN_ONE + TLSMON_HINT_DONE_ONE)
#define TLSMON_HINT_PUT_DONE (TLSMON_HINT_GEN_ONE - TLSMON_HINT_DONE_ONE)

/* struct tlsmon_flow.hinted: the count an entry holds in its hint slot */
#define TLSMON_HINT_HELD_NONE 0
#define TLSMON_HINT_HELD_TRACKING 1
#define TLSMON_HINT_HELD_DONE 2

static inline __u32 tlsmon_hint_tracking(__u64 slot_value)
{
	return (__u32)slot_value;
}

static inline __u32 tlsmon_hint_done(__u64 slot_value)
{
	return (__u32)(slot_value >> TLSMON_HINT_DONE_SHIFT) & TLSMON_HINT_DONE_MASK;
}

static inline __u32 tlsmon_hint_gen(__u64 slot_value)
{
	return (__u32)(slot_value >> TLSMON_HINT_GEN_SHIFT);
}

/* The hint slot of a key in either order: the XOR of the two endpoints is the same from both
 * sides, so the programs need not normalise the key first. Multiplicative hashing (Knuth), top
 * bits. Here so that userspace (tests, the loader) computes the same slot. */
static inline __u32 tlsmon_flow_hint_slot(const struct tlsmon_flow_key *k)
{
	const __u32 *a = (const __u32 *)k->addr[0], *b = (const __u32 *)k->addr[1];
	__u32 h = a[0] ^ b[0];

	if (k->family == 6)
		h ^= a[1] ^ b[1] ^ a[2] ^ b[2] ^ a[3] ^ b[3];
	h = (h * 0x9e3779b1u) ^ (__u32)(k->port[0] ^ k->port[1]);
	return (h * 0x85ebca6bu) >> (32 - TLSMON_HINT_BITS);
}

/* struct tlsmon_rec_hdr.flags */
#define TLSMON_REC_F_TRUNCATED 0x01 /* cut at the snap length: cap_len < wire_len */
#define TLSMON_REC_F_SEGMENT 0x02 /* one of several records cut from a larger (GSO) frame */
#define TLSMON_REC_F_CLOSE 0x04 /* FIN or RST */
#define TLSMON_REC_F_FLOW_START 0x08 /* this packet started tracking */
/* A FIN/RST of a flow no longer copied (done, or this side's budget spent): only its headers, made
 * to describe the bare FIN/RST at its sequence number. Its data is not needed, and a GRO frame
 * that ends in a FIN can carry 64 KiB of it. */
#define TLSMON_REC_F_HEADERS_ONLY 0x10
/* TC only: the frame carried an 802.1Q (VLAN) or, with VLAN_AD, an 802.1ad tag that the stack
 * had already moved out of the bytes (skb->vlan_tci); vlan_tci holds it, and userspace puts the
 * tag back so that dumps and decoding see the frame as it was on the wire. */
#define TLSMON_REC_F_VLAN 0x20
#define TLSMON_REC_F_VLAN_AD 0x40

/* A ring-buffer record: this header, then cap_len bytes of the frame starting at its Ethernet
 * header. A frame larger than TLSMON_REC_DATA_MAX is copied as several records, each a valid
 * TCP segment: the frame's L2-L4 headers (IP length and TCP sequence number rewritten in the
 * copy, never in the packet) followed by the next slice of payload, so no handshake byte is lost
 * and userspace sees ordinary segments. */
struct tlsmon_rec_hdr {
	__u64 ktime_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 ifindex;
	__u32 frame_len; /* length of the frame the hook saw (GSO frames exceed the MTU) */
	__u32 wire_len; /* length of the packet this record stands for (frame_len unless SEGMENT) */
	__u32 cap_len; /* bytes that follow */
	__u32 seg_off; /* SEGMENT: offset of this record's payload within the frame's TCP payload */
	__u8 hook; /* enum tlsmon_hook */
	__u8 flags; /* TLSMON_REC_F_* */
	__u16 vlan_tci; /* with TLSMON_REC_F_VLAN */
};

/* One record's bytes live in a per-CPU scratch value before bpf_ringbuf_output(); per-CPU values
 * are limited to 32 KiB (PCPU_MIN_UNIT_SIZE). */
#define TLSMON_SCRATCH_SIZE 32768
#define TLSMON_REC_DATA_MAX (TLSMON_SCRATCH_SIZE - 32)
/* Headers (L2 + VLANs + IP + extension headers + TCP) longer than this are not split. */
#define TLSMON_HDR_MAX 256
/* Records per frame: bounds the split loop (16 * ~32 KiB covers BIG TCP frames of 512 KiB). */
#define TLSMON_MAX_SEGS 16

struct tlsmon_scratch {
	struct tlsmon_rec_hdr hdr;
	__u8 data[TLSMON_REC_DATA_MAX];
};

/* The counts every packet costs (seen) or every packet on a monitored port (matched), by hook:
 * CPU n adds to tlsmon_hook_counts[n * TLSMON_HOOK_COUNT_STRIDE + TLSMON_CTR_<X>_<HOOK>]
 * (bpf/maps.h), one cache line per CPU; a CPU numbered TLSMON_HOOK_COUNT_CPUS or more adds to
 * the same counter in tlsmon_counters instead. Userspace adds the two. */
#define TLSMON_HOOK_COUNT_CPUS 1024
#define TLSMON_HOOK_COUNT_STRIDE 8 /* __u64s: 64 bytes */

/* The monitored ports: one bit per TCP port. */
#define TLSMON_PORT_WORDS (65536 / 64)

/* Defaults (userspace may change them before load). */
#define TLSMON_DEFAULT_MAX_FLOWS 65536
#define TLSMON_DEFAULT_BUDGET (64 * 1024) /* bytes per direction */
#define TLSMON_DEFAULT_SNAPLEN (65535 + 64) /* a maximal IP datagram plus link-layer headers */
#define TLSMON_DEFAULT_RINGBUF_BYTES (8u << 20) /* tlsmon_events; `tlsmon run --ring-bytes` */
/* Wake-ups of the reader of tlsmon_events (bpf/tlsmon.bpf.c emit()): a record wakes it when none
 * did for this long, or when the unread bytes pass a quarter of the ring; the others are left for
 * the reader's next turn, which live_bpf__wait_ms() keeps short while records flow. */
#define TLSMON_RING_WAKE_NS 1000000ull
#define TLSMON_MAX_SNAPLEN (TLSMON_MAX_SEGS * (TLSMON_REC_DATA_MAX - TLSMON_HDR_MAX))

/* Program names start with this: a second tlsmon recognises an attached one by name. */
#define TLSMON_PROG_PREFIX "tlsmon_"

_Static_assert(sizeof(struct tlsmon_flow_key) == 48, "tlsmon_flow_key layout");
_Static_assert(sizeof(struct tlsmon_flow) == 32, "tlsmon_flow layout");
_Static_assert(sizeof(struct tlsmon_rec_hdr) == 32, "tlsmon_rec_hdr layout");
_Static_assert(sizeof(struct tlsmon_scratch) == TLSMON_SCRATCH_SIZE,
	       "scratch is one per-CPU value");

#endif
