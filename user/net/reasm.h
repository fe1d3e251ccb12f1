/* TCP reassembly for one direction of a flow: turns segments (any order, retransmitted,
 * overlapping) into the in-order byte stream the Linux receiver would have accepted, reporting
 * gaps instead of papering over them and noting where copies of the same bytes disagreed. */
#ifndef TLSMON_REASM_H
#define TLSMON_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/keyed_hash.h"

struct reasm_limits {
	uint32_t max_held_bytes; /* out-of-order bytes held per direction */
	uint32_t max_held_segments; /* out-of-order segments held per direction */
};

struct reasm_stats {
	uint64_t segments;
	uint64_t in_order;
	uint64_t out_of_order; /* held for later */
	uint64_t retransmitted; /* entirely old data */
	uint64_t overlaps; /* partly old data */
	uint64_t gaps; /* holes given up on */
	uint64_t gap_bytes;
	uint64_t refused_bytes; /* not held: over the limits */
	uint64_t conflicts; /* overlapping copies whose bytes differed (ambiguity "overlap") */
	/* bad-checksum copies taken because the receiver's ACK proved it had their bytes
	 * (ambiguity "checksum") */
	uint64_t suspect_used;
	uint64_t urgent; /* urgent bytes taken out of the stream (ambiguity "urgent") */
	uint64_t shed_flows; /* flows whose held bytes gave way to the global budget */
	uint64_t shed_bytes; /* held bytes they gave up (delivered after a gap) */
	uint64_t held_bytes; /* gauge: held now, allocation overhead included, all flows */
	/* What the receiver would not have accepted (net/tcp_seg.h, net/tcp_rcv.h), and what
	 * could not be checked. */
	uint64_t csum_bad; /* segments dropped: bad TCP checksum */
	uint64_t csum_partial; /* offloaded checksums (unverifiable, taken as data) */
	uint64_t csum_unknown; /* not captured whole (unverifiable, taken as data) */
	uint64_t rst_ignored; /* RSTs not at the sequence number the receiver expects */
	uint64_t syn_ignored; /* SYNs with a new ISN during a handshake, not answered */
	/* struct reasm_rare not allocated (no memory): an ambiguity left out of its handshake, an
	 * urgent byte left in the stream, a bad-checksum copy not kept */
	uint64_t rare_alloc_failures;
};

/* Called for each run of in-order bytes. A gap is reported first as data == NULL, len = bytes
 * lost; the consumer must resynchronise. */
typedef void (*reasm_deliver_fn)(void *ctx, const uint8_t *data, size_t len);

struct reasm_seg;

/* What every stream of a table shares; passed in, so a direction of a flow stays small. */
struct reasm_cfg {
	struct reasm_limits lim; /* max_held_segments is clipped to 65535 */
	struct reasm_stats *stats; /* shared counters, may be NULL; held_bytes is the budget */
	/* of the remembered segments' hashes: keys made once from a seed (util/hash_seed.h) */
	struct keyed_hash_key seg_key;
	/* Input whose bytes stay readable and unchanged while any stream lives (a capture file
	 * read whole: reasm__keep_input()), or NULL. A segment delivered from inside it is
	 * remembered by its offset there, and a retransmission compared with its bytes, instead
	 * of hashing every in-order segment for the rare retransmission. */
	const uint8_t *kept;
	size_t kept_size;
};

/* The bytes [base, base + size) stay readable and unchanged until every stream that cfg serves
 * is reset or flushed for good: remembered segments from inside them are compared byte for
 * byte. Set once, before the first segment (a stream remembers offsets into this range). */
void reasm__keep_input(struct reasm_cfg *cfg, const uint8_t *base, size_t size);

/* What a direction needs only once the receiver's reading is in question: urgent data, copies
 * that differed, bad-checksum copies. Allocated at the first (reasm__rare()), so the two
 * directions of a flood's flows carry a pointer each instead. */
struct reasm_rare {
	struct reasm_seg *suspect; /* bad-checksum copies, sorted by seq (reasm__suspect()) */
	uint32_t urg_seq; /* the urgent byte still to be taken out (urg_pending) */
	uint32_t conflict_seq; /* the first byte where copies disagreed (conflicts > 0) */
	uint32_t urgent_seq; /* the first urgent byte taken out (urgents > 0) */
	uint32_t suspect_seq; /* the first byte taken from a bad-checksum copy (suspects > 0) */
	uint16_t conflicts; /* saturating */
	uint8_t urgents; /* saturating */
	uint8_t suspects; /* saturating: bad-checksum copies the receiver's ACK proved taken */
	uint8_t n_suspect; /* segments in suspect */
	bool urg_pending;
};

/* Segments delivered in order, remembered so that a later copy of one with other bytes shows:
 * slot i is (recent_seq[i], recent_mark[i], recent_len[i]; 0 = empty), where recent_mark[i] is
 * the keyed_hash() of its bytes, folded, or with bit i of recent_kept their offset in the
 * kept input (reasm_cfg.kept). */
#define REASM_RECENT 2

/* One direction, in every flow: 48 bytes. */
struct reasm {
	struct reasm_seg *held; /* sorted by seq (wrap-aware), never overlapping */
	struct reasm_rare *rare; /* NULL until needed (see struct reasm_rare) */
	uint32_t next_seq; /* sequence number of the next in-order byte */
	uint32_t base_seq; /* the stream's first byte: reported offsets are relative to it */
	uint32_t recent_seq[REASM_RECENT];
	uint32_t recent_mark[REASM_RECENT];
	uint16_t recent_len[REASM_RECENT];
	uint16_t held_segments; /* out-of-order segments held */
	bool started : 1; /* next_seq is valid */
	bool csum_verified : 1; /* the sender's checksums were seen right or offloaded: bad is bad */
	uint8_t recent_next : 1; /* slot of recent_*[] written next */
	uint8_t recent_kept : REASM_RECENT; /* bit i: recent_mark[i] is an offset in the kept input */
};

_Static_assert(REASM_RECENT == 2, "recent_next is one bit");

void reasm__init(struct reasm *r);

/* The direction's ambiguities so far (all zero when it had none). */
const struct reasm_rare *reasm__ambiguities(const struct reasm *r);

/* Holds bad-checksum copies (reasm__acked() may still take them)? */
static inline bool reasm__has_suspects(const struct reasm *r)
{
	return r->rare && r->rare->suspect;
}

/* Release held segments. */
void reasm__reset(struct reasm *r, const struct reasm_cfg *cfg);

/* Start the stream at seq: the ISN + 1 when the SYN was seen, else the first payload's seq. */
void reasm__start(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq);

/* Feed one segment's payload (seq = its first byte). Overlaps are resolved as Linux's
 * tcp_data_queue() / tcp_data_queue_ofo() do: bytes already delivered stay; of the copies not
 * yet delivered, the segment that starts lowest wins, then the longer one, then the first
 * received. In-order bytes are delivered at once through cb; later bytes are held (copied)
 * within the limits. When the held data is over the limits, the oldest hole is given up on
 * (gap reported) so the stream keeps moving. Returns 0 or -ENOMEM. */
int reasm__feed(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq, const uint8_t *data,
		size_t len, reasm_deliver_fn cb, void *ctx);

/* The byte at seq is urgent data (RFC 9293 3.8.5, Linux's urgent pointer semantics): with
 * SO_OOBINLINE off, as by default, the socket takes it out of the stream, and so does the
 * delivery here. A later urgent byte replaces one not yet delivered. Ignored when seq was
 * delivered already. */
void reasm__urgent(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq);

/* A segment whose checksum is bad: the receiver drops it, so it is not stream data. A copy is
 * kept aside (a few per direction) in case the receiver's ACK later shows that it has bytes no
 * good copy brought: captures are edited, and a frame can be corrupted between the wire and
 * the capture. */
void reasm__suspect(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq,
		    const uint8_t *data, size_t len);

/* The receiver acknowledged up to ack: bytes it has that only bad-checksum copies carried are
 * taken from them (counted in suspects / suspect_seq) and delivered. */
void reasm__acked(struct reasm *r, const struct reasm_cfg *cfg, uint32_t ack, reasm_deliver_fn cb,
		  void *ctx);

/* Give up on every hole (end of capture, FIN/RST, idle): report gaps and deliver what is held. */
void reasm__flush(struct reasm *r, const struct reasm_cfg *cfg, reasm_deliver_fn cb, void *ctx);

/* The sequence number after the last byte held out of order into *end; -ENOENT when none. */
int reasm__held_end(const struct reasm *r, uint32_t *end);

/* Out-of-order bytes held (walks the held list). */
uint32_t reasm__held_bytes(const struct reasm *r);

#endif
