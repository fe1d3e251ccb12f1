/* The analysis pipeline shared by `tlsmon read` and `tlsmon run`: frames in, finished handshakes
 * out. decode -> flow table -> TCP reassembly -> TLS records -> handshake messages -> X.509 ->
 * policy -> outcome + explain. Does no I/O; sinks get the handshake through a callback. */
#ifndef TLSMON_ENGINE_H
#define TLSMON_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "net/flowtab.h"
#include "capture/frame.h"
#include "verdict/hs.h"
#include "verdict/engine_stats.h"
#include "verdict/policy.h"
#include "capture/retain.h"
#include "tls/tls_record.h"
#include "x509/trust.h"
#include "x509/x509.h"

struct resume_memo_shared;

struct engine;

/* Called once per handshake when its outcome is decided (or the flow ends). The handshake, the
 * certificate infos and the frames are valid only during the call. frames is never NULL; it is
 * empty when engine_opts.retain_bytes is 0. hs is the engine's own, built again for every
 * handshake: the callback may set what the engine leaves to its caller (not_local) in place
 * instead of copying 15 KB. */
typedef void (*engine_handshake_fn)(void *ctx, struct handshake *hs,
				    const struct tlsmon_flow_key *key,
				    const struct engine_frames *frames);

#define ENGINE_DEFAULT_REASM_BYTES (64ull << 20)

struct engine_opts {
	uint32_t max_flows; /* default 65536 */
	/* The key the flow table hashes flow keys with (copied), or NULL for one of its own. A
	 * caller that finds frames' flows for the engine (engine__feed_ref()) gives the key it
	 * hashes with. */
	const struct flow_hash_key *flow_hash_key;
	uint64_t idle_timeout_ns; /* default 120 s (of packet time) */
	uint32_t max_held_bytes; /* reassembly, per direction; default 256 KiB */
	/* reassembly, all flows together (held bytes plus allocation overhead); over it the
	 * least recently active flows give theirs up first. Default ENGINE_DEFAULT_REASM_BYTES */
	uint64_t max_reasm_bytes;
	uint32_t max_handshake_msg; /* default 512 KiB */
	uint32_t probe_bytes; /* bytes per direction searched for a TLS start (STARTTLS); default 16 KiB */
	uint32_t x509_cache_entries; /* default 4096 */
	/* untrusted_chain: a PEM bundle or hashed directory (NULL: X509_TRUST_DEFAULT_STORE), and
	 * how many chains' results are cached (default 4096) */
	const char *trust_store;
	uint32_t trust_cache_entries;
	/* Or a store and cache shared by several engines (`tlsmon read` makes one engine per file
	 * and loads the store once): borrowed, not freed; trust_store is then not used. */
	struct x509_trust *trust;
	/* Copy each connection's frames, from its first (the SYN) until its handshake is decided,
	 * up to this many bytes per connection (frame bytes plus 32 bytes each); later frames are
	 * counted, not retained. 0 = off. The daemon sets it so the flagged store can dump frames. */
	uint32_t retain_bytes;
	/* All connections together (buffers retained until their handshakes are decided); over it,
	 * the oldest undecided connection loses its frames (counted in retain_evicted_flows).
	 * Default 64 MiB when retain_bytes is set. */
	uint64_t retain_total_bytes;
	/* Server endpoints whose last full chain is remembered for resumed handshakes
	 * (chain_from); default RESUME_MEMO_DEFAULT_MAX. */
	uint32_t resume_memo_entries;
	/* Optional: a memo shared with the engines of other threads (resume_memo_shared.h), owned
	 * by the caller, outliving the engine; frames are then ordered by frame.number.
	 * resume_memo_entries is unused then. */
	struct resume_memo_shared *shared_resume_memo;
	/* Which of the shared memo's callers this engine's thread is (its own queue of notes). */
	uint32_t resume_memo_caller;
	const struct policy *policy; /* required */
	engine_handshake_fn on_handshake;
	/* Optional: the flow's handshake is decided; later frames of it are not needed (live capture
	 * tells the kernel to stop copying them). */
	void (*on_flow_done)(void *ctx, const struct tlsmon_flow_key *key);
	/* Optional: the handshake's facts are complete and the policy is about to judge it; a later
	 * stage may add facts of its own (the daemon: the local processes owning its ends, from
	 * user/host/), which the explain sentence then names. */
	void (*on_facts)(void *ctx, struct handshake *hs);
	void *ctx;
};

struct engine *engine__new(const struct engine_opts *opts);
void engine__free(struct engine *e); /* does not emit */

/* Feed one frame (in capture order). Returns 0; bad input is counted, never fatal. */
int engine__feed(struct engine *e, const struct frame *f);

/* engine__feed() of a TCP frame whose flow the caller found (the dealing thread of `read -j`,
 * net/shard.h): ref's key, side and hash (under engine_opts.flow_hash_key) are the ones
 * engine__feed() would make of f's decode, taken instead of made again. A NULL ref is
 * engine__feed(): the engine finds the flow itself. */
int engine__feed_ref(struct engine *e, const struct frame *f, const struct flow_ref *ref);

/* Every frame fed from now on lies in [base, base + size), and those bytes stay readable and
 * unchanged until engine__finish() (a capture read whole, pcap_in__bytes()): a TCP segment is
 * remembered by where it lies there, not by a hash of its bytes (net/reasm.h). Call before the
 * first frame, once. */
void engine__keep_input(struct engine *e, const uint8_t *base, size_t size);

/* A frame with this flow comes soon (engine__feed_ref()): start loading where its flow is. */
void engine__prefetch_flow(const struct engine *e, const struct flow_ref *ref);

/* Expire idle flows at now_ns (packet time for files, wall clock live); emits them as incomplete. */
void engine__tick(struct engine *e, uint64_t now_ns);

/* End of input: emit every open flow that saw TLS (reassembly flushed first). */
void engine__finish(struct engine *e);

const struct engine_stats *engine__stats(const struct engine *e);
const struct flowtab_stats *engine__flow_stats(const struct engine *e);
const struct reasm_stats *engine__reasm_stats(const struct engine *e);
const struct tls_stats *engine__tls_stats(const struct engine *e);
const struct x509_cache_stats *engine__x509_stats(const struct engine *e);
const struct x509_trust_stats *engine__trust_stats(const struct engine *e);

/* Load the trust store now (a subcommand checks --trust-store before it starts): 0, or -1 with
 * the reason in err. Without it, chains are loaded on first use, and a store that cannot be
 * loaded leaves untrusted_chain unjudged. */
int engine__load_trust(struct engine *e, char *err, size_t err_size);
/* Read the trust store again (x509_trust__reload()), between frames: 0, or -1 with the reason in
 * err and the store in use kept. A borrowed store (engine_opts.trust) is its owner's to reload. */
int engine__reload_trust(struct engine *e, char *err, size_t err_size);

/* A connection's lifecycle; engine.c says which changes are allowed. */
enum conn_state {
	CONN_OPEN, /* probing both directions for a TLS start (STARTTLS, a capture picked up late) */
	CONN_HELLO, /* TLS seen: the pending handshake is built from its messages */
	CONN_CERTS, /* the server's Certificate was kept (TLS 1.3 hides it: HELLO goes to DECIDED) */
	CONN_DECIDED, /* an outcome was found: judged and emitted once the delivery that found it
		       * returned (on_handshake runs in this state) */
	CONN_DONE, /* decided, not TLS, or no memory: parsing state released, frames skipped until
		    * the flow closes */
};

/* For tests: the state of the connection with this key, or -ENOENT when no flow has it (never
 * seen, closed, expired, or after engine__finish()). */
int engine__conn_state(struct engine *e, const struct tlsmon_flow_key *key);

#endif
