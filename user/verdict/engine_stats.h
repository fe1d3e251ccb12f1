/* The counters of one engine (what /metrics and `tlsmon read --stats` show), apart from the engine
 * itself, so that the sinks and the subcommands that print them need not depend on the engine. */
#ifndef TLSMON_ENGINE_STATS_H
#define TLSMON_ENGINE_STATS_H

#include <stdint.h>

#include "capture/ipfrag.h"
#include "net/flowtab.h"
#include "net/reasm.h"
#include "tls/tls_record.h"
#include "x509/trust.h"
#include "x509/x509.h"

struct engine_stats {
	uint64_t frames;
	uint64_t bytes;
	uint64_t not_tcp;
	uint64_t fragments;
	uint64_t encap_too_deep; /* DECODE_TOO_DEEP: nested beyond TLSMON_MAX_ENCAP */
	struct ipfrag_stats frag; /* what became of the fragments' datagrams */
	uint64_t decode_errors;
	uint64_t unsupported_linktype;
	uint64_t truncated_frames; /* payload clipped by the snaplen */
	uint64_t non_tls_flows; /* flows dropped: no TLS seen within the probe budget */
	uint64_t handshakes; /* emitted */
	uint64_t handshakes_by_outcome[5];
	uint64_t sslv2_hellos;
	uint64_t cert_parse_errors; /* certificates OpenSSL could not parse */
	uint64_t msg_parse_errors; /* hello / certificate / key exchange messages that did not parse */
	/* a handshake's parsing state (hs_pending.h) that found no memory: the handshake not
	 * followed, or reported without that part */
	uint64_t handshake_alloc_failures;
	uint64_t retained_frames; /* frames retained for dumps (retain_bytes > 0) */
	uint64_t retain_dropped_frames; /* not retained: over retain_bytes, or no memory */
	/* Undecided connections whose retained frames were dropped, oldest first, to stay within
	 * retain_total_bytes; their dumps lack those frames. */
	uint64_t retain_evicted_flows;
	/* Server endpoints forgotten by the table of last full chains (resumed handshakes). */
	uint64_t resumption_chains_evicted;
};

/* Every counter of one engine, by stage; the engine owns them (see engine__stats() and the
 * other getters). */
struct pipeline_stats {
	const struct engine_stats *engine;
	const struct flowtab_stats *flows;
	const struct reasm_stats *reasm;
	const struct tls_stats *tls;
	const struct x509_cache_stats *x509;
	const struct x509_trust_stats *trust;
};

/* Where a counter stands in `tlsmon read --stats`: one line per group, in this order. */
enum pipeline_stats_group {
	PIPELINE_STATS_NONE, /* not printed there */
	PIPELINE_STATS_FRAMES, /* "FILE: frames=..." */
	PIPELINE_STATS_FLOWS, /* "  flows: ..." */
	PIPELINE_STATS_FRAGS, /* "  ip_fragments: ..." */
	PIPELINE_STATS_REASM, /* "  reassembly: ..." */
	PIPELINE_STATS_TLS, /* "  tls: ..." */
	PIPELINE_STATS_X509, /* "  x509: ..." */
	PIPELINE_STATS_TOTAL, /* "  handshakes=N" */
	PIPELINE_STATS__COUNT,
};

/* Every pipeline counter, once. The metrics registry (out/metrics.c) and `tlsmon read --stats`
 * (cmd/common.c) both expand this list, so the two cannot drift apart.
 *
 * PIPELINE_COUNTER(SRC, FIELD, METRIC, TYPE, LABEL, HELP, GROUP, POS, STAT)
 *   SRC, FIELD  the value: p->SRC->FIELD of a struct pipeline_stats *p
 *   METRIC      metric name without the "tlsmon_" prefix, or "" when /metrics does not show it
 *   TYPE        "counter" or "gauge"
 *   LABEL       the sample's label ("kind=\"in_order\""), or ""
 *   HELP        one line for # HELP, given on the first row of each METRIC ("" on the others):
 *               one sentence saying what is counted, then the labels ("by stage") and, for
 *               bytes or seconds, the unit ("in bytes"), as every tlsmon metric
 *   GROUP, POS  line (PIPELINE_STATS_<GROUP>) and place on it (1, 2, ...) in --stats
 *   STAT        name in --stats ("" with GROUP NONE)
 *
 * /metrics prints the rows in list order (rows sharing a METRIC stay adjacent, under one
 * header); --stats by GROUP and POS. No blank lines or comments inside the list: it is a
 * macro. */
#define PIPELINE_COUNTERS(PIPELINE_COUNTER) \
	PIPELINE_COUNTER(engine, frames, "frames_total", "counter", "", \
			 "Frames handed to the analysis pipeline.", FRAMES, 1, "frames") \
	PIPELINE_COUNTER(engine, bytes, "frame_bytes_total", "counter", "", \
			 "Size of the frames handed to the analysis pipeline, in bytes.", FRAMES, 2, "bytes") \
	PIPELINE_COUNTER(engine, not_tcp, "", "", "", "", FRAMES, 3, "not_tcp") \
	PIPELINE_COUNTER(flows, active, "flows_active", "gauge", "", \
			 "TCP flows tracked by the collector now.", NONE, 0, "") \
	PIPELINE_COUNTER(flows, created, "flows_total", "counter", "", \
			 "TCP flows the collector started tracking.", FLOWS, 1, "created") \
	PIPELINE_COUNTER(flows, evicted, "flows_evicted_total", "counter", "", \
			 "Flows pushed out of the collector's table because it was full.", FLOWS, 2, \
			 "evicted") \
	PIPELINE_COUNTER(flows, evicted_half_open, "flows_half_open_evicted_total", "counter", "", \
			 "Flows without payload yet (half-open) pushed out of the collector's full " \
			 "table, which gives those up before any that carried data.", FLOWS, 5, \
			 "evicted_half_open") \
	PIPELINE_COUNTER(flows, half_open, "flows_half_open", "gauge", "", \
			 "TCP flows tracked by the collector now that carried no payload yet.", NONE, \
			 0, "") \
	PIPELINE_COUNTER(flows, expired, "flows_expired_total", "counter", "", \
			 "Flows ended by the idle timeout.", FLOWS, 3, "expired") \
	PIPELINE_COUNTER(engine, retain_evicted_flows, "retained_flows_evicted_total", "counter", "", \
			 "Undecided handshakes whose frames kept for dumps were dropped, oldest " \
			 "first, to stay within --retain-bytes.", NONE, 0, "") \
	PIPELINE_COUNTER(engine, non_tls_flows, "flows_not_tls_total", "counter", "", \
			 "Flows dropped because no TLS record appeared within the probe budget.", \
			 FLOWS, 4, "non_tls") \
	PIPELINE_COUNTER(reasm, segments, "", "", "", "", REASM, 1, "segments") \
	PIPELINE_COUNTER(reasm, gaps, "reassembly_gaps_total", "counter", "", \
			 "Holes in TCP streams given up on (bytes never seen).", REASM, 5, "gaps") \
	PIPELINE_COUNTER(reasm, gap_bytes, "reassembly_gap_bytes_total", "counter", "", \
			 "Size of the holes in TCP streams given up on, in bytes.", REASM, 6, "gap_bytes") \
	PIPELINE_COUNTER(reasm, in_order, "reassembly_segments_total", "counter", \
			 "kind=\"in_order\"", \
			 "TCP segments with payload, by how reassembly treated them (kind).", NONE, 0, "") \
	PIPELINE_COUNTER(reasm, out_of_order, "reassembly_segments_total", "counter", \
			 "kind=\"out_of_order\"", "", REASM, 2, "out_of_order") \
	PIPELINE_COUNTER(reasm, retransmitted, "reassembly_segments_total", "counter", \
			 "kind=\"retransmitted\"", "", REASM, 3, "retransmitted") \
	PIPELINE_COUNTER(reasm, overlaps, "reassembly_segments_total", "counter", \
			 "kind=\"overlap\"", "", REASM, 4, "overlaps") \
	PIPELINE_COUNTER(reasm, refused_bytes, "reassembly_refused_bytes_total", "counter", "", \
			 "Out-of-order data not held because the per-direction limit was reached, in " \
			 "bytes.", \
			 REASM, 7, "refused_bytes") \
	PIPELINE_COUNTER(reasm, held_bytes, "reassembly_held_bytes", "gauge", "", \
			 "Out-of-order TCP data held now, all flows, allocation overhead included, " \
			 "in bytes.", NONE, 0, "") \
	PIPELINE_COUNTER(reasm, shed_flows, "reassembly_shed_flows_total", "counter", "", \
			 "Flows that gave up their held TCP data to keep all flows within " \
			 "--reasm-bytes.", REASM, 8, "shed_flows") \
	PIPELINE_COUNTER(reasm, shed_bytes, "reassembly_shed_bytes_total", "counter", "", \
			 "Held TCP data given up to keep all flows within --reasm-bytes, allocation " \
			 "overhead included, in bytes.", REASM, 9, "shed_bytes") \
	PIPELINE_COUNTER(reasm, conflicts, "tcp_ambiguities_total", "counter", "kind=\"overlap\"", \
			 "Places where a TCP stream could be read two ways, by kind: overlapping " \
			 "copies that differed, urgent data taken out, bytes known only from a " \
			 "bad-checksum copy the receiver acknowledged.", REASM, 10, "ambiguous_overlaps") \
	PIPELINE_COUNTER(reasm, urgent, "tcp_ambiguities_total", "counter", "kind=\"urgent\"", "", \
			 REASM, 11, "urgent") \
	PIPELINE_COUNTER(reasm, suspect_used, "tcp_ambiguities_total", "counter", \
			 "kind=\"checksum\"", "", REASM, 12, "bad_checksum_copies_used") \
	PIPELINE_COUNTER(reasm, csum_bad, "tcp_segments_ignored_total", "counter", \
			 "reason=\"bad_checksum\"", \
			 "TCP segments the receiving host would not have taken, by reason.", REASM, 13, \
			 "bad_checksum") \
	PIPELINE_COUNTER(reasm, rst_ignored, "tcp_segments_ignored_total", "counter", \
			 "reason=\"rst_out_of_window\"", "", REASM, 14, "rst_ignored") \
	PIPELINE_COUNTER(reasm, syn_ignored, "tcp_segments_ignored_total", "counter", \
			 "reason=\"syn_in_window\"", "", REASM, 15, "syn_ignored") \
	PIPELINE_COUNTER(reasm, csum_partial, "tcp_checksums_unverified_total", "counter", \
			 "reason=\"offloaded\"", \
			 "TCP segments taken as data without a checksum check, by reason.", REASM, 16, \
			 "csum_offloaded") \
	PIPELINE_COUNTER(reasm, csum_unknown, "tcp_checksums_unverified_total", "counter", \
			 "reason=\"unknown\"", "", REASM, 17, "csum_unverified") \
	PIPELINE_COUNTER(reasm, rare_alloc_failures, "state_alloc_failures_total", "counter", \
			 "state=\"tcp_ambiguities\"", \
			 "State allocated on demand that found no memory, by state: a TCP " \
			 "direction's ambiguities (one left out of its handshake, an urgent byte left " \
			 "in the stream, or a bad-checksum copy not kept), a flow's encapsulations " \
			 "(its handshakes reported without them), a handshake's parsing state (the " \
			 "handshake not followed, or reported without the part that found none).", \
			 NONE, 0, "") \
	PIPELINE_COUNTER(flows, encap_alloc_failures, "state_alloc_failures_total", "counter", \
			 "state=\"flow_encapsulations\"", "", NONE, 0, "") \
	PIPELINE_COUNTER(engine, handshake_alloc_failures, "state_alloc_failures_total", "counter", \
			 "state=\"handshake\"", "", NONE, 0, "") \
	PIPELINE_COUNTER(engine, decode_errors, "parse_errors_total", "counter", "stage=\"frame\"", \
			 "Input that did not parse, by stage.", FRAMES, 5, "decode_errors") \
	PIPELINE_COUNTER(tls, malformed, "parse_errors_total", "counter", "stage=\"tls_record\"", \
			 "", TLS, 4, "malformed") \
	PIPELINE_COUNTER(tls, oversized, "parse_errors_total", "counter", \
			 "stage=\"tls_oversized\"", "", TLS, 5, "oversized") \
	PIPELINE_COUNTER(engine, msg_parse_errors, "parse_errors_total", "counter", \
			 "stage=\"handshake\"", "", TLS, 7, "msg_parse_errors") \
	PIPELINE_COUNTER(engine, cert_parse_errors, "parse_errors_total", "counter", \
			 "stage=\"certificate\"", "", NONE, 0, "") \
	PIPELINE_COUNTER(engine, fragments, "ip_fragments_total", "counter", "", \
			 "IP fragments handed to fragment reassembly.", FRAMES, 4, "fragments") \
	PIPELINE_COUNTER(engine, encap_too_deep, "encap_too_deep_frames_total", "counter", "", \
			 "Frames skipped because their encapsulations (PPPoE, MPLS, GRE, VXLAN, " \
			 "GENEVE, IP-in-IP) nest more than 4 deep.", NONE, 0, "") \
	PIPELINE_COUNTER(engine, frag.reassembled, "ip_fragment_datagrams_total", "counter", \
			 "result=\"reassembled\"", \
			 "IP datagrams whose fragments were reassembled, or dropped incomplete " \
			 "(overlap, invalid, timeout, evicted), by result.", FRAGS, 1, "reassembled") \
	PIPELINE_COUNTER(engine, frag.overlaps, "ip_fragment_datagrams_total", "counter", \
			 "result=\"overlap\"", "", FRAGS, 2, "overlaps") \
	PIPELINE_COUNTER(engine, frag.invalid, "ip_fragment_datagrams_total", "counter", \
			 "result=\"invalid\"", "", FRAGS, 3, "invalid") \
	PIPELINE_COUNTER(engine, frag.timeouts, "ip_fragment_datagrams_total", "counter", \
			 "result=\"timeout\"", "", FRAGS, 4, "timeouts") \
	PIPELINE_COUNTER(engine, frag.evicted, "ip_fragment_datagrams_total", "counter", \
			 "result=\"evicted\"", "", FRAGS, 5, "evicted") \
	PIPELINE_COUNTER(engine, frag.duplicates, "ip_fragment_duplicates_total", "counter", "", \
			 "IP fragments ignored as exact duplicates of one held.", FRAGS, 6, \
			 "duplicates") \
	PIPELINE_COUNTER(engine, frag.malformed, "ip_fragments_malformed_total", "counter", "", \
			 "IP fragments refused alone: headers that do not parse, or cut by the " \
			 "capture length.", FRAGS, 7, "malformed") \
	PIPELINE_COUNTER(engine, truncated_frames, "truncated_frames_total", "counter", "", \
			 "Frames whose payload was cut by the capture length.", FRAMES, 6, \
			 "truncated") \
	PIPELINE_COUNTER(tls, records, "", "", "", "", TLS, 1, "records") \
	PIPELINE_COUNTER(tls, handshake_msgs, "", "", "", "", TLS, 2, "handshake_msgs") \
	PIPELINE_COUNTER(tls, sslv2_hellos, "", "", "", "", TLS, 3, "sslv2_hellos") \
	PIPELINE_COUNTER(tls, resyncs, "tls_resyncs_total", "counter", "", \
			 "Times a TLS stream was re-synchronised after a gap or garbage.", TLS, 6, \
			 "resyncs") \
	PIPELINE_COUNTER(engine, sslv2_hellos, "sslv2_client_hellos_total", "counter", "", \
			 "SSLv2-compatible ClientHello messages seen.", NONE, 0, "") \
	PIPELINE_COUNTER(x509, lookups, "x509_cache_lookups_total", "counter", "", \
			 "Certificate analyses asked of the cache.", X509, 1, "lookups") \
	PIPELINE_COUNTER(x509, hits, "x509_cache_hits_total", "counter", "", \
			 "Certificate analyses answered from the cache.", X509, 2, "hits") \
	PIPELINE_COUNTER(x509, parse_failures, "", "", "", "", X509, 3, "parse_failures") \
	PIPELINE_COUNTER(engine, handshakes, "", "", "", "", TOTAL, 1, "handshakes") \
	PIPELINE_COUNTER(engine, resumption_chains_evicted, "resumption_chains_evicted_total", \
			 "counter", "", \
			 "Server endpoints whose last full certificate chain was forgotten, least " \
			 "recently used first, to bound the table resumed handshakes are matched " \
			 "against.", NONE, 0, "") \
	PIPELINE_COUNTER(trust, lookups, "chain_verify_cache_lookups_total", "counter", "", \
			 "Certificate chains judged against the trust store (untrusted_chain).", \
			 NONE, 0, "") \
	PIPELINE_COUNTER(trust, hits, "chain_verify_cache_hits_total", "counter", "", \
			 "Certificate chains whose trust was answered from the cache.", NONE, 0, "") \
	PIPELINE_COUNTER(trust, leaf_only, "chain_verify_leaf_only_total", "counter", "", \
			 "Certificate chains not in the cache judged by their cached issuer chain and " \
			 "the leaf's signature.", NONE, 0, "") \
	PIPELINE_COUNTER(trust, evictions, "chain_verify_cache_evictions_total", "counter", "", \
			 "Chain verification results dropped from the full cache, least recently " \
			 "used first.", NONE, 0, "") \
	PIPELINE_COUNTER(trust, entries, "chain_verify_cache_entries", "gauge", "", \
			 "Chain verification results held in the cache now.", NONE, 0, "") \
	PIPELINE_COUNTER(trust, load_failures, "trust_store_load_failures_total", "counter", "", \
			 "Times the trust store could not be loaded (untrusted_chain is then not " \
			 "judged).", NONE, 0, "")

#endif
