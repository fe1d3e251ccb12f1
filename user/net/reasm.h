/* TCP reassembly for one direction of a flow: turns segments (any order, retransmitted,
 * overlapping) into an in-order byte stream, reporting gaps instead of papering over them. */
#ifndef TLSMON_REASM_H
#define TLSMON_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
};

/* Called for each run of in-order bytes. A gap is reported first as data == NULL, len = bytes
 * lost; the consumer must resynchronise. */
typedef void (*reasm_deliver_fn)(void *ctx, const uint8_t *data, size_t len);

struct reasm_seg;

/* What every stream of a table shares; passed in, so each direction of a flow costs 16 bytes. */
struct reasm_cfg {
	struct reasm_limits lim; /* max_held_segments is clipped to 65535 */
	struct reasm_stats *stats; /* shared counters, may be NULL */
};

struct reasm {
	struct reasm_seg *held; /* sorted by seq (wrap-aware) */
	uint32_t next_seq; /* sequence number of the next in-order byte */
	uint16_t held_segments; /* out-of-order segments held */
	bool started; /* next_seq is valid */
};

void reasm__init(struct reasm *r);

/* Release held segments. */
void reasm__reset(struct reasm *r);

/* Start the stream at seq: the ISN + 1 when the SYN was seen, else the first payload's seq. */
void reasm__start(struct reasm *r, uint32_t seq);

/* Feed one segment's payload (seq = its first byte). In-order bytes (and any held bytes they make
 * contiguous) are delivered at once through cb; later bytes are held (copied) within the limits;
 * older bytes are dropped as retransmissions. When the held data is over the limits, the oldest
 * hole is given up on (gap reported) so the stream keeps moving. Returns 0 or -ENOMEM. */
int reasm__feed(struct reasm *r, const struct reasm_cfg *cfg, uint32_t seq, const uint8_t *data,
		size_t len, reasm_deliver_fn cb, void *ctx);

/* Give up on every hole (end of capture, FIN/RST, idle): report gaps and deliver what is held. */
void reasm__flush(struct reasm *r, const struct reasm_cfg *cfg, reasm_deliver_fn cb, void *ctx);

/* Out-of-order bytes held (walks the held list). */
uint32_t reasm__held_bytes(const struct reasm *r);

#endif
