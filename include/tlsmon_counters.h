/* Every kernel-side counter, once. Both bpf/tlsmon.bpf.c (to index the per-CPU counter map) and the
 * userspace metrics (to name and describe them) expand this list, so the two cannot drift apart.
 *
 * TLSMON_COUNTER(ID, NAME, HOOK, RESULT, HELP)
 *   ID     enum suffix: TLSMON_CTR_<ID> is the index in the counter array
 *   NAME   metric name without the "tlsmon_" prefix (Prometheus conventions: _total, base units)
 *   HOOK   value of the "hook" label ("xdp", "tc_ingress", "tc_egress"), or "" for no label
 *   RESULT value of the "result" label, or "" for no label
 *   HELP   one line for # HELP, given on the first row of each NAME ("" on the others), in the
 *          style of every tlsmon metric: one sentence saying what is counted, then the labels
 *          ("by hook and result") and, for bytes or seconds, the unit ("in bytes")
 *
 * Per-hook counters come in triples ordered like enum tlsmon_hook, so the BPF program indexes
 * them as TLSMON_CTR_<X>_XDP + hook. No blank lines or comments inside the list: it is a macro. */
#ifndef TLSMON_COUNTERS_H
#define TLSMON_COUNTERS_H

#define TLSMON_COUNTERS(TLSMON_COUNTER) \
	TLSMON_COUNTER(SEEN_XDP, "kernel_packets_total", "xdp", "seen", "Packets the kernel hooks saw, matched (TCP on a monitored port) and copied to userspace, by hook and result.") \
	TLSMON_COUNTER(SEEN_TC_IN, "kernel_packets_total", "tc_ingress", "seen", "") \
	TLSMON_COUNTER(SEEN_TC_OUT, "kernel_packets_total", "tc_egress", "seen", "") \
	TLSMON_COUNTER(MATCHED_XDP, "kernel_packets_total", "xdp", "matched", "") \
	TLSMON_COUNTER(MATCHED_TC_IN, "kernel_packets_total", "tc_ingress", "matched", "") \
	TLSMON_COUNTER(MATCHED_TC_OUT, "kernel_packets_total", "tc_egress", "matched", "") \
	TLSMON_COUNTER(COPIED_XDP, "kernel_packets_total", "xdp", "copied", "") \
	TLSMON_COUNTER(COPIED_TC_IN, "kernel_packets_total", "tc_ingress", "copied", "") \
	TLSMON_COUNTER(COPIED_TC_OUT, "kernel_packets_total", "tc_egress", "copied", "") \
	TLSMON_COUNTER(BYTES_COPIED, "kernel_copied_bytes_total", "", "", "Size of the packets the kernel copied to userspace, record headers excluded, in bytes.") \
	TLSMON_COUNTER(RINGBUF_FULL, "ringbuf_dropped_total", "", "", "Frame records the kernel dropped because the ring buffer was full.") \
	TLSMON_COUNTER(BUDGET_EXHAUSTED, "flow_budget_exhausted_total", "", "", "Flows that spent their per-direction copy budget before userspace marked them done.") \
	TLSMON_COUNTER(TRUNCATED, "kernel_packets_truncated_total", "", "", "Packets the kernel copied cut at the snap length.") \
	TLSMON_COUNTER(SPLIT, "kernel_packets_split_total", "", "", "Packets larger than one record, copied as several TCP segments.") \
	TLSMON_COUNTER(FRAGMENTS, "kernel_ip_fragments_total", "", "", "IP fragments the kernel did not copy: not TCP, on no monitored port, or of a datagram whose first fragment it did not copy.") \
	TLSMON_COUNTER(ENCAP_TOO_DEEP, "kernel_encap_too_deep_packets_total", "", "", "Packets the kernel skipped (not tracked) because their encapsulations (PPPoE, MPLS, GRE, VXLAN, GENEVE, IP-in-IP) nest more than 4 deep.") \
	TLSMON_COUNTER(FRAGMENTS_COPIED, "kernel_ip_fragments_copied_total", "", "", "IP fragments of TCP on a monitored port the kernel copied for reassembly in userspace.") \
	TLSMON_COUNTER(IPV6_EXT_LIMIT, "kernel_ipv6_ext_limit_total", "", "", "IPv6 packets the kernel could not classify: more extension headers than it follows.") \
	TLSMON_COUNTER(RETRANS_SKIPPED, "kernel_retransmissions_skipped_total", "", "", "Segments of tracked flows not copied because they carried no sequence space beyond what was copied (duplicates and retransmissions).") \
	TLSMON_COUNTER(FLOWS_STARTED, "kernel_flows_total", "", "started", "Flows the kernel started tracking, saw marked done by userspace, removed after FIN/RST, failed to insert, or moved from the half-open to the established map at their first payload, by result.") \
	TLSMON_COUNTER(FLOWS_DONE, "kernel_flows_total", "", "done", "") \
	TLSMON_COUNTER(FLOWS_CLOSED, "kernel_flows_total", "", "closed", "") \
	TLSMON_COUNTER(FLOW_INSERT_FAILED, "kernel_flows_total", "", "insert_failed", "") \
	TLSMON_COUNTER(FLOWS_ESTABLISHED, "kernel_flows_total", "", "established", "")

/* Metrics renamed, each exposed under its former name too for one release, with a HELP that says
 * it is deprecated and names the new one (README, "Metrics"). Remove a row in the release after
 * the one that added it.
 *
 * TLSMON_COUNTER_RENAMED(OLD, NEW, RELEASE)   names without "tlsmon_"; RELEASE: the last one
 *                                             that exposes OLD */
#define TLSMON_COUNTERS_RENAMED(TLSMON_COUNTER_RENAMED) \
	TLSMON_COUNTER_RENAMED("kernel_bytes_copied_total", "kernel_copied_bytes_total", "0.2")

#define TLSMON_CTR_ENUM_ENTRY(id, name, hook, result, help) TLSMON_CTR_##id,
enum tlsmon_counter {
	TLSMON_COUNTERS(TLSMON_CTR_ENUM_ENTRY)
	TLSMON_CTR__COUNT
};
#undef TLSMON_CTR_ENUM_ENTRY

#endif
