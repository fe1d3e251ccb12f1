/* Repair of the kernel's flow hint. A slot's count errs high only after the LRU evicted a
 * tracking entry (the programs hear nothing of it); after a flood of half-open handshakes that can
 * be a quarter of the slots, and each of those costs every packet that hashes there a lookup.
 *
 * Each slot holds two counts (tlsmon_shared.h): of tracking entries, which decides whether a
 * packet is looked up at all, and of done entries, which only saves work; both err high the same
 * way and are repaired together. The repair reads the slots, then the flow map, then lowers each
 * slot whose counts exceed the entries that hold one with a compare-and-swap from the value first
 * read. Every take and put of a tracking count moves the slot's generation, so the swap fails for
 * any slot the programs touched meanwhile: such a slot is left as it is until the next repair. A
 * count is never lowered below what the map showed, and the map read can only see an evicted
 * entry too many, never a live one too few, so no tracking flow loses its count.
 *
 * The scratch is per slot, so it is kept small (it stays allocated, and a flood is when it is
 * first needed): the generation alone stands for the value read first, since every change
 * moves it (the counts are read again with it at the swap), and shares its 32 bits with the done
 * entries counted; the entries counted per slot stop at 255, where that count is left as it is.
 * Slots hold one or two entries at the most flows the maps allow (131,072 a map over 65,536
 * slots); only flows aimed at one slot reach 255, and then that slot keeps a count too high,
 * which costs lookups, never a flow. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "capture/live_hint.h"
#include "tlsmon_shared.h"

#define BATCH 1024

#define HELD_MAX UINT8_MAX /* the counts of entries stop here: that count is not repaired */

/* A slot as first read, and its done entries in the map: 32 bits a slot, as before there was a
 * done count */
struct slot_seen {
	uint32_t gen : 24; /* the slot's generation, read before the map */
	uint32_t done_held : 8; /* entries holding a done count, as the map shows */
};

struct live_hint {
	struct slot_seen seen[TLSMON_HINT_SLOTS];
	uint8_t held[TLSMON_HINT_SLOTS]; /* entries holding a tracking count, as the map shows */
	struct tlsmon_flow_key keys[BATCH];
	struct tlsmon_flow vals[BATCH];
};

struct live_hint *live_hint__new(void)
{
	return calloc(1, sizeof(struct live_hint));
}

void live_hint__free(struct live_hint *h)
{
	free(h);
}

static int count_held(struct live_hint *h, int fd)
{
	uint64_t token = 0; /* opaque to userspace; a bucket index for hash maps */
	void *in = NULL;
	uint32_t n, i;
	int err;

	for (;;) {
		n = BATCH;
		err = bpf_map_lookup_batch(fd, in, &token, h->keys, h->vals, &n, NULL);
		if (err && errno != ENOENT)
			return -errno; /* ENOSPC: one bucket holds more than BATCH entries */
		for (i = 0; i < n; i++) {
			uint32_t s = tlsmon_flow_hint_slot(&h->keys[i]);

			if (h->vals[i].hinted == TLSMON_HINT_HELD_TRACKING && h->held[s] < HELD_MAX)
				h->held[s]++;
			else if (h->vals[i].hinted == TLSMON_HINT_HELD_DONE &&
				 h->seen[s].done_held < HELD_MAX)
				h->seen[s].done_held++;
		}
		if (err)
			return 0; /* ENOENT: no more buckets */
		in = &token;
	}
}

/* The count to set: the entries the map showed, where that is lower and was counted in full. */
static uint32_t repaired(uint32_t count, uint32_t held)
{
	return held < HELD_MAX && count > held ? held : count;
}

int live_hint__repair(struct live_hint *h, uint64_t *hint, int halfopen_map_fd, int flow_map_fd)
{
	uint64_t was, want;
	uint32_t s, tracking, done;
	int err, lowered = 0;

	for (s = 0; s < TLSMON_HINT_SLOTS; s++) {
		h->seen[s].gen = tlsmon_hint_gen(__atomic_load_n(&hint[s], __ATOMIC_ACQUIRE));
		h->seen[s].done_held = 0;
	}
	memset(h->held, 0, sizeof(h->held));
	/* Half-open first: an entry the programs move to the flow map meanwhile is then counted
	 * in both (too high, harmless) or in the flow map alone, never in neither. */
	err = count_held(h, halfopen_map_fd);
	if (!err)
		err = count_held(h, flow_map_fd);
	if (err)
		return err;
	for (s = 0; s < TLSMON_HINT_SLOTS; s++) {
		was = __atomic_load_n(&hint[s], __ATOMIC_ACQUIRE);
		/* Moved since the first read: the map read may have missed its change. The same
		 * generation means the same count (the swap below fails if it moves now). */
		if (tlsmon_hint_gen(was) != h->seen[s].gen)
			continue;
		/* an underflow (a bug) shows as a huge count and is repaired the same way */
		tracking = repaired(tlsmon_hint_tracking(was), h->held[s]);
		done = repaired(tlsmon_hint_done(was), h->seen[s].done_held);
		if (tracking == tlsmon_hint_tracking(was) && done == tlsmon_hint_done(was))
			continue;
		want = ((was >> TLSMON_HINT_GEN_SHIFT) + 1) << TLSMON_HINT_GEN_SHIFT |
		       (uint64_t)done << TLSMON_HINT_DONE_SHIFT | tracking;
		if (__atomic_compare_exchange_n(&hint[s], &was, want, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			lowered++;
	}
	return lowered;
}
