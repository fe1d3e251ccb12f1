/* The engine's private types, shared by engine.c (frames, delivery, the connection lifecycle),
 * engine_stream.c (the bytes read as TLS records), engine_msg.c (what each handshake message
 * tells the pending handshake) and engine_tcp.c (what the receiving host took). Only those four
 * include it. */
#ifndef TLSMON_ENGINE_CONN_H
#define TLSMON_ENGINE_CONN_H

#include <stddef.h>

#include "net/tcp_seg.h"
#include "verdict/engine.h"
#include "tls/fingerprint.h"
#include "verdict/hs_pending.h"
#include "verdict/resume_memo.h"
#include "tls/tls_probe.h"

/* Per key side, after the flow table's state of that direction (conn_dir()): probed for a TLS
 * start until found (bit in conn.found), then parsed. Zeroed until the side first sends. */
union conn_dir {
	struct tls_stream tls;
	struct tls_probe probe;
};

/* Per-connection state, in the flow table's entry right after struct flow (flow__app()): one
 * allocation per flow. Small until TLS is seen: the pending handshake is only allocated for
 * flows that carry TLS. A flood of half-open handshakes costs this per flow, so fields are
 * packed, and the engine is not kept here but handed to every function (8 bytes a flow); the
 * reassembly's and the TLS streams' callbacks get both in a struct conn_call. set_up is false
 * until the flow's first frame set it up, and again once it is released. */
struct conn {
	uint64_t cur_frame; /* the last frame of this flow processed, for event frame numbers */
	struct hs_pending *hs; /* from CONN_HELLO until CONN_DONE */
	struct frame_arena arena; /* live when retain_bytes is set, until CONN_DONE */
	uint32_t syn_seq;
	uint8_t state : 3; /* enum conn_state: changed by conn_set() only */
	uint8_t outcome : 3; /* enum hs_outcome, from CONN_DECIDED on */
	uint8_t decided_side : 1; /* key side whose delivery found the outcome */
	bool superseded : 1; /* a new connection took over the 4-tuple: keep the kernel copying */
	bool roles_from_syn : 1;
	bool syn_seen : 1; /* the client's SYN, with its ISN in syn_seq */
	bool client_known : 1;
	uint8_t client : 1; /* key side of the client, once client_known */
	uint8_t cur_side : 1; /* key side that sent the last frame processed */
	uint8_t client_app_records : 2; /* TLS 1.3: encrypted records the client sent, up to 2 */
	/* bit per key side */
	uint8_t found : 2; /* TLS found: conn_dir() holds a TLS stream */
	uint8_t fin : 2; /* sent FIN */
	uint8_t enc_pending : 2; /* made encrypted (TLS 1.3) before TLS was found there */
	bool set_up : 1; /* conn_init() ran and the flow was not released since */
};

/* The lifecycle and the flags share the word after syn_seq: a new bit must not grow every flow. */
_Static_assert(sizeof(struct conn) == offsetof(struct conn, syn_seq) + 8,
	       "struct conn grew: a flood of half-open handshakes costs it per flow");

/* The callbacks' context: reasm__feed() and the others take conn__stream() with one, and
 * conn__stream() hands it on to tls_stream__feed(). */
struct conn_call {
	struct engine *e;
	struct conn *c;
};

static inline bool tls_found(const struct conn *c, int side)
{
	return c->found >> side & 1;
}

struct engine {
	struct engine_opts opts;
	struct flowtab *flows;
	struct ipfrag *frags; /* IP fragments until their datagram is whole */
	struct x509_cache *x509;
	struct x509_trust *trust; /* untrusted_chain: loaded at the first chain */
	bool own_trust; /* made here, else borrowed from engine_opts */
	struct tls_limits tls_limits;
	struct tls_stats tls_stats;
	struct tls_env tls_env; /* the two above and the spare buffers, for every stream */
	struct tls_spare tls_spare;
	const struct reasm_cfg *reasm; /* the flow table's */
	/* Packet time of the frame being processed (or of a flow being released): event times. */
	uint64_t cur_ts;
	uint64_t feed_seq; /* frame.number of the frame fed; UINT64_MAX in engine__finish() */
	struct engine_stats stats;
	struct flowtab_stats final_flow_stats;
	struct reasm_stats final_reasm_stats;
	struct handshake *decided; /* where a decided handshake is expanded and judged */
	struct resume_memo *resume; /* last full chain per server endpoint */
	struct tls_client_hello ch; /* scratch: a ClientHello is parsed here and summarised */
	struct retain_pool retain;
	/* the pending handshakes' blocks (util/block_pool.h): a flow has one at most */
	struct block_pool hs_blocks;
	struct fp_digests digests; /* fetched once: see fingerprint.h */
	uint64_t last_expire_ns;
};

static inline struct flow *conn_flow(struct conn *c)
{
	return flow__from_app(c);
}

/* side's direction, made when first asked for (flowtab__dir()): ask only to write, or once
 * side has sent something. */
static inline struct reasm *conn_reasm(struct engine *e, struct conn *c, int side)
{
	return flowtab__dir(e->flows, conn_flow(c), side);
}

static inline const struct reasm *conn_reasm_peek(struct engine *e, const struct conn *c, int side)
{
	return flowtab__dir_peek(e->flows, flow__from_app((void *)c), side);
}

static inline union conn_dir *conn_dir(struct engine *e, struct conn *c, int side)
{
	return flow_dir__app(conn_reasm(e, c, side));
}

/* Without a SYN or a hello to tell, the side on the lower port is taken for the server. */
static inline int guess_client_side(const struct flow *f)
{
	return f->key.port[0] < f->key.port[1] ? 1 : 0;
}

static inline void set_client_side(struct conn *c, int side)
{
	c->client = side & 1;
	c->client_known = true;
}

static inline int client_side(struct conn *c)
{
	if (!c->client_known)
		set_client_side(c, guess_client_side(conn_flow(c)));
	return c->client;
}

static inline bool from_client(struct conn *c)
{
	return c->cur_side == client_side(c);
}

/* Counters most handshakes never need live with the server's side (hs_pending.h). */
static inline struct hs_server_side *rare(struct engine *e, struct conn *c)
{
	struct hs_server_side *srv = hs_pending__server(c->hs);

	if (!srv)
		e->stats.handshake_alloc_failures++;
	return srv;
}

static inline void parse_error(struct engine *e, struct conn *c)
{
	struct hs_server_side *srv = rare(e, c);

	if (srv)
		srv->parse_errors++;
}

/* engine.c: the lifecycle. The one place a connection changes state; false when refused. */
bool conn_set(struct engine *e, struct conn *c, enum conn_state to);
/* An outcome found during a delivery, applied once that delivery has returned; the first one
 * stands. */
void conn_request(struct engine *e, struct conn *c, enum hs_outcome outcome);
/* An event of direction c->cur_side into the pending handshake's story. */
void add_event(struct engine *e, struct conn *c, enum hs_event_kind kind, uint8_t hs_type,
	       uint32_t len);

/* Are the bytes (and TLS events) of direction c->cur_side still wanted? Until the outcome is
 * found; then only the other direction's, which the exit path flushes before judging: the rest
 * of the delivery that found the outcome is not part of the handshake. */
static inline bool conn_wants(const struct conn *c)
{
	if (c->state == CONN_DECIDED)
		return c->cur_side != c->decided_side;
	return c->state != CONN_DONE;
}

/* engine_stream.c: in-order stream bytes (or a gap: data NULL) of direction c->cur_side, the
 * reassembly's callback (ctx: a struct conn_call). */
void conn__stream(void *ctx, const uint8_t *data, size_t len);

/* engine_msg.c: a handshake message (or an SSLv2 ClientHello) of direction c->cur_side, read
 * into c->hs. */
void conn__client_hello(struct engine *e, struct conn *c, const struct tls_event *ev, bool sslv2);
void conn__server_hello(struct engine *e, struct conn *c, const struct tls_event *ev);
void conn__certificate(struct engine *e, struct conn *c, const struct tls_event *ev);
void conn__server_key_exchange(struct engine *e, struct conn *c, const struct tls_event *ev);
void conn__certificate_request(struct engine *e, struct conn *c, const struct tls_event *ev);
/* An RFC 6520 heartbeat record of direction c->cur_side: an event, and what it says. */
void conn__heartbeat(struct engine *e, struct conn *c, const struct tls_event *ev);

/* engine_tcp.c: fill hs->ambiguous from the flow's streams (net/reasm.h). */
void engine__fill_ambiguities(struct engine *e, struct conn *c, struct handshake *hs);

/* engine_tcp.c: would the receiver take p, as far as its TCP checksum tells? Counts it; a bad
 * one's bytes are kept aside (reasm__suspect()). */
bool engine__checksum_passes(struct engine *e, struct flow *f, int side,
			     enum tcp_csum_result csum, const struct pkt *p);

/* engine_tcp.c: is the connection synchronised (a SYN with a new ISN is then not taken)? */
bool engine__synchronised(struct engine *e, const struct conn *c, struct flow *f);

#endif
