/* Every map and every piece of global data the programs use, declared once. Userspace sizes the
 * maps and fills the configuration between open and load (user/capture/live_bpf.c). */
#ifndef TLSMON_BPF_MAPS_H
#define TLSMON_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "tlsmon_shared.h"

/* Tracked connections, both directions under one normalised key. LRU so that flows whose FIN/RST
 * we never see (or that userspace never marks done) age out instead of filling the map; userspace
 * sets max_entries from --max-flows. Userspace writes state = TLSMON_FLOW_DONE when it has what it
 * needs; the programs delete the entry after the last FIN or an RST. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TLSMON_DEFAULT_MAX_FLOWS);
	__type(key, struct tlsmon_flow_key);
	__type(value, struct tlsmon_flow);
} tlsmon_flows SEC(".maps");

/* Flows that have not carried a payload byte yet (a SYN, its SYN-ACK, the ACK): same key and
 * value as tlsmon_flows, which an entry moves to at its first payload. A flood of SYNs (spoofed,
 * or to addresses that never answer) only turns this map's LRU over; the flows in tlsmon_flows,
 * handshakes under way, are not pushed out by it. userspace sizes it like tlsmon_flows. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TLSMON_DEFAULT_MAX_FLOWS);
	__type(key, struct tlsmon_flow_key);
	__type(value, struct tlsmon_flow);
} tlsmon_halfopen SEC(".maps");

/* IP datagrams whose first fragment (the one with the TCP header) was on a monitored port: their
 * later fragments carry only the IP ID, and are copied when it is here. The value is the time
 * the first fragment was seen; the LRU ages entries out. */
struct tlsmon_frag_key {
	__u8 family;
	__u8 pad[3];
	__u32 id; /* IPv4: 16 bits; IPv6: the fragment header's 32 */
	__u8 saddr[16];
	__u8 daddr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tlsmon_frag_key);
	__type(value, __u64);
} tlsmon_frags SEC(".maps");

/* The flow hint: for each slot of a symmetric hash of the 4-tuple, how many TRACKING entries of
 * tlsmon_flows hash there. A packet whose slot is 0 belongs to no tracked flow, so the common case
 * (application data of untracked or finished connections) costs one array load instead of an LRU
 * lookup (~30 ns against a ~6 ns empty program). A count only errs high: an entry the LRU evicts
 * keeps its count, which costs lookups for the flows sharing its slot, never a missed packet,
 * until userspace repairs it (user/capture/live_hint.c). Beside it, how many DONE entries hash
 * there: a packet with payload whose slot counts no tracking entry but a done one is looked up
 * instead of having its first payload bytes read, as it most likely belongs to the done flow.
 * Layout in tlsmon_shared.h. In .bss: a global array is a plain memory access for the programs. */
__u64 tlsmon_flow_hint[TLSMON_HINT_SLOTS];

/* Copied frames: struct tlsmon_rec_hdr + bytes. Userspace sets the size (a power of two of pages)
 * before load; when it is full, records are dropped and TLSMON_CTR_RINGBUF_FULL counts them. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TLSMON_DEFAULT_RINGBUF_BYTES);
} tlsmon_events SEC(".maps");

/* The counters of tlsmon_counters.h: one entry holding them all, so a packet costs one lookup. */
struct tlsmon_counter_vals {
	__u64 c[TLSMON_CTR__COUNT];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tlsmon_counter_vals);
} tlsmon_counters SEC(".maps");

/* The seen and matched counts by hook (TLSMON_HOOK_COUNT_CPUS in tlsmon_shared.h): the only
 * counting most packets pay for, so it is the cheapest exact count there is. Indexed by
 * bpf_get_smp_processor_id(), which the verifier inlines to three instructions, where a lookup in
 * tlsmon_counters costs a key on the stack, the per-CPU pointer table and a null test: about
 * twice the instructions and a longer chain of dependent loads. One cache line per CPU, so no
 * two CPUs write the same line; a plain increment is exact because the hooks do not nest on a
 * CPU (see tlsmon_scratch). */
__u64 tlsmon_hook_counts[TLSMON_HOOK_COUNT_CPUS * TLSMON_HOOK_COUNT_STRIDE]
	__attribute__((aligned(64)));

_Static_assert(TLSMON_CTR_MATCHED_TC_OUT < TLSMON_HOOK_COUNT_STRIDE,
	       "the seen and matched triples index a CPU's line of tlsmon_hook_counts");

/* The key of tlsmon_counters' only entry, in .rodata rather than on the stack: the entry points
 * then need no stack frame of their own, which the copy functions' stack needs. */
static const __u32 tlsmon_counters_key = 0;

static __always_inline struct tlsmon_counter_vals *counters(void)
{
	return bpf_map_lookup_elem(&tlsmon_counters, &tlsmon_counters_key);
}

static __always_inline void counter_add(__u32 id, __u64 n)
{
	struct tlsmon_counter_vals *ctr = counters();

	if (ctr && id < TLSMON_CTR__COUNT)
		ctr->c[id] += n;
}

/* Count one packet in a seen or matched counter (TLSMON_CTR_SEEN_* or TLSMON_CTR_MATCHED_*). The
 * verifier knows the CPU numbers there are and drops the test when they all have a line. */
static __always_inline void count_hook_packet(__u32 id)
{
	__u64 cpu = bpf_get_smp_processor_id();
	struct tlsmon_counter_vals *ctr;
	__u64 line;

	if (cpu < TLSMON_HOOK_COUNT_CPUS) {
		/* the mask changes nothing but stands for the zero extension of the helper's
		 * 32-bit result: one instruction instead of two on the path every packet takes */
		line = (cpu & (TLSMON_HOOK_COUNT_CPUS - 1)) * TLSMON_HOOK_COUNT_STRIDE;
		tlsmon_hook_counts[line + id]++;
		return;
	}
	/* an atomic add (a plain one would do) keeps clang from sharing the increment above with
	 * this one, which puts an addition on the common path */
	ctr = counters();
	if (ctr && id < TLSMON_CTR__COUNT)
		__sync_fetch_and_add(&ctr->c[id], 1);
}

/* Where a record is assembled before bpf_ringbuf_output(): the ring buffer only reserves constant
 * sizes, and copying through here lets each record be exactly as long as the frame. Per-CPU, and
 * the hooks do not nest on one CPU (XDP and TC ingress run in softirq, TC egress with BHs off). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tlsmon_scratch);
} tlsmon_scratch SEC(".maps");

/* Monitored TCP ports, one bit each; a packet matches when its source or destination bit is set.
 * In .bss so userspace can set it before load; a port set later through the mmap must lie inside
 * the range below, which is fixed at load. */
__u64 tlsmon_ports[TLSMON_PORT_WORDS];

static __always_inline int port_watched(__u16 port)
{
	return (tlsmon_ports[port >> 6] >> (port & 63)) & 1;
}

/* The smallest monitored port and the distance to the largest: a port outside that range is not
 * monitored, which a subtraction and a compare tell without the bitmap (bpf/fast.h). The default
 * covers every port. */
const volatile __u16 tlsmon_port_lo = 0;
const volatile __u16 tlsmon_port_span = 0xffff;

/* Read-only after load, so the verifier sees constants. */
const volatile __u32 tlsmon_budget = TLSMON_DEFAULT_BUDGET; /* bytes copied per direction */
const volatile __u32 tlsmon_snaplen = TLSMON_DEFAULT_SNAPLEN; /* bytes copied per frame */
/* Unread bytes in tlsmon_events past which a record wakes the reader at once. */
const volatile __u32 tlsmon_ring_wake_bytes = TLSMON_DEFAULT_RINGBUF_BYTES / 4;

#endif
