/* The flagged store: handshakes with findings, or that ended in an alert, abort or reset, kept
 * with copies of their frames, their JSON line and the pcapng comments for their frames, bounded
 * in count and bytes, for `tlsmon dump` and SIGUSR1.
 * Who gives way when it is full: one flood must not evict every real finding. Entries are kept in
 * classes: not-local handshakes (hs->not_local) in one, held to a quarter of the bounds and always
 * evicted first, never making room by evicting a local one (refused instead); local ones by their
 * first finding's check, or by outcome when they have none. A local handshake makes room by
 * evicting the oldest entry of the class that holds the most, so a flood of one kind (resets, say)
 * evicts its own kind while the others keep theirs. */
#ifndef TLSMON_STORE_H
#define TLSMON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/retain.h"
#include "verdict/hs.h"
#include "out/pcap_out.h"
#include "util/sbuf.h"

#define STORE_DEFAULT_ENTRIES 1000
#define STORE_DEFAULT_BYTES (64ull << 20)

struct store_opts {
	uint32_t max_entries; /* --keep-flagged; 0 = default */
	uint64_t max_bytes; /* --keep-bytes; 0 = default */
};

struct store_stats {
	uint64_t added;
	uint64_t evicted; /* tlsmon_flagged_evicted_total */
	uint64_t refused; /* one entry larger than max_bytes, or no memory */
	uint64_t entries; /* stored now */
	uint64_t bytes; /* stored now: frames, JSON, comments and bookkeeping */
	uint64_t not_local_entries; /* of entries: not-local handshakes */
	uint64_t not_local_refused; /* of refused: not local, and only local ones could give way */
};

struct store_dump_info {
	uint64_t handshakes;
	uint64_t frames;
	enum pcap_format format; /* pcapng when pcap was asked but the frames mix linktypes */
};

struct store;

struct store *store__new(const struct store_opts *opts);
void store__free(struct store *s);

/* Would the store keep this handshake? Findings, or outcome alert / aborted / reset. */
bool store__wants(const struct handshake *hs);

/* Keep hs (when wanted) with a copy of frames, its report__json() line and the comments for
 * the frames that completed its flagged messages; the decision time is hs->end_ts_ns. Evicts
 * entries (see above) to stay within bounds. Returns 1 stored, 0 not wanted, -E2BIG / -ENOMEM /
 * -ENOSPC (not local, no not-local entry left to evict) refused (counted).
 * store__take(s, store__entry(...)) in one call, with the store's own writer. */
int store__add(struct store *s, const struct handshake *hs, const struct engine_frames *frames);

/* store__add() in two steps, for the daemon's workers: store__entry() is the work (the JSON
 * line, the comments, the copy) and touches no store, so each worker makes its entries at once
 * with a writer of its own (its scratch buffers); store__take() is what the store's lock must
 * cover. Memory the bounds do not count: between the two, an entry per writer; and evicted
 * entries waiting for their writer to free them, at most 1 MiB a writer (store.c says why). */
struct store_writer;
struct store_entry;

struct store_writer *store_writer__new(void);
/* After the store that holds w's entries is freed, or with no entry of w's in one: an entry
 * remembers its writer, which frees it when it is evicted (see store.c). */
void store_writer__free(struct store_writer *w);
/* Free w's entries that were evicted (store__entry() does it first): on w's thread when it runs
 * out of work. NULL is ignored. */
void store_writer__collect(struct store_writer *w);
/* The bytes of w's evicted entries that wait for store_writer__collect(). */
size_t store_writer__returned_bytes(struct store_writer *w);
/* hs's entry, or NULL with *rc 0 (not wanted) or -ENOMEM. The writer's buffers are reused by
 * its next call. */
struct store_entry *store__entry(struct store_writer *w, const struct handshake *hs,
				 const struct engine_frames *frames, int *rc);
/* The entry's JSON line (report__json(), without a newline): the daemon's log line, too. */
const char *store_entry__json(const struct store_entry *e, size_t *len);
/* Link e into s, or count the refusal (freeing e): store__add()'s return values. rc is
 * store__entry()'s, for a NULL e. */
int store__take(struct store *s, struct store_entry *e, int rc);

/* Every entry decided at or after min_decided_ns (0 = all), oldest first: their frames as one
 * capture file into pcap, their JSON lines into json. Empty store: a valid empty capture.
 * Returns 0 or -ENOMEM. */
int store__dump(const struct store *s, uint64_t min_decided_ns, enum pcap_format fmt,
		struct sbuf *pcap, struct sbuf *json, struct store_dump_info *info);

/* Write a dump as dir/tlsmon-dump-YYYYmmddTHHMMSSZ.pcap[ng][.gz] and the same name .jsonl, mode
 * 0600, never over existing files (a "-N" suffix is added instead). stamp_ns names the files.
 * Paths written into pcap_path / json_path (size bytes each). Returns 0 or -errno. */
int store__save_files(const char *dir, uint64_t stamp_ns, const struct sbuf *pcap,
		      enum pcap_format fmt, bool gzip, const struct sbuf *json, char *pcap_path,
		      char *json_path, size_t size);

/* The daemon's SIGUSR1 dump: entries of the last since_s seconds of wall clock (0 = all) written
 * into dir by the process itself. (`tlsmon dump` gets store__dump() bytes over the control
 * socket instead and writes them with store__save_files() as the invoking user.) */
int store__dump_to_dir(const struct store *s, const char *dir, enum pcap_format fmt, bool gzip,
		       uint64_t since_s, char *pcap_path, char *json_path, size_t size,
		       struct store_dump_info *info);

const struct store_stats *store__stats(const struct store *s);

#endif
