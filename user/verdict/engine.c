// SPDX-License-Identifier: GPL-2.0
/* Frames in, handshakes out (engine.h): flows, the delivery of their in-order bytes, and each
 * connection's lifecycle (enum conn_state), whose every change goes through conn_set() and whose
 * one exit is conn_settle(). engine_stream.c reads the bytes as TLS records, engine_msg.c the
 * handshake messages. */
#include "verdict/engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/tcp_rcv.h"
#include "verdict/engine_conn.h"
#include "verdict/explain.h"
#include "verdict/resume_memo_shared.h"

static bool fin_seen(const struct conn *c, int side)
{
	return c->fin >> side & 1;
}

static void conn_release(void *ctx, struct flow *f, enum flow_end_reason why);
static void conn_shed(void *ctx, struct flow *f);

/* A direction's union conn_dir between frames, for the flow table's compact form: a TLS
 * stream between records holding nothing is its flags, a probe holding no header bytes its
 * count (tls_record.h, tls_probe.h). Which one the side has is c->found's. */
_Static_assert(FLOW_DIR_APP_PACKED == TLS_PROBE_PACKED, "a probe's count, or a stream's flags");

static bool dir_pack(const struct flow *f, int side, const void *app,
		     uint8_t out[FLOW_DIR_APP_PACKED])
{
	const struct conn *c = flow__app((struct flow *)f);
	const union conn_dir *d = app;

	if (!tls_found(c, side))
		return tls_probe__pack(&d->probe, out);
	out[1] = out[2] = 0;
	return tls_stream__pack(&d->tls, &out[0]);
}

static void dir_unpack(const struct flow *f, int side, void *app,
		       const uint8_t in[FLOW_DIR_APP_PACKED])
{
	const struct conn *c = flow__app((struct flow *)f);
	union conn_dir *d = app;

	memset(d, 0, sizeof(*d));
	if (tls_found(c, side))
		tls_stream__unpack(&d->tls, in[0]);
	else
		tls_probe__unpack(&d->probe, in);
}

struct engine *engine__new(const struct engine_opts *opts)
{
	struct engine *e = calloc(1, sizeof(*e));
	struct flowtab_opts fo = { 0 };

	if (!e)
		return NULL;
	e->opts = *opts;
	if (!e->opts.max_flows)
		e->opts.max_flows = 65536;
	if (!e->opts.idle_timeout_ns)
		e->opts.idle_timeout_ns = 120ull * 1000000000ull;
	if (!e->opts.max_held_bytes)
		e->opts.max_held_bytes = 256 * 1024;
	if (!e->opts.max_reasm_bytes)
		e->opts.max_reasm_bytes = ENGINE_DEFAULT_REASM_BYTES;
	if (!e->opts.max_handshake_msg)
		e->opts.max_handshake_msg = 512 * 1024; /* Zeek's fragment test carries a 332 KiB chain */
	if (!e->opts.probe_bytes)
		e->opts.probe_bytes = 16 * 1024;
	if (!e->opts.x509_cache_entries)
		e->opts.x509_cache_entries = 4096;
	if (e->opts.retain_bytes && !e->opts.retain_total_bytes)
		e->opts.retain_total_bytes = 64ull << 20;
	e->tls_limits.max_handshake_msg = e->opts.max_handshake_msg;
	e->tls_env.limits = &e->tls_limits;
	e->tls_env.stats = &e->tls_stats;
	e->tls_env.spare = &e->tls_spare;
	retain__init(&e->retain, e->opts.retain_bytes, e->opts.retain_total_bytes,
		     &e->stats.retained_frames, &e->stats.retain_dropped_frames,
		     &e->stats.retain_evicted_flows);

	/* Without the mapping every pending handshake comes from the heap, 8 bytes more each. */
	block_pool__init(&e->hs_blocks, HS_PENDING_BLOCK, e->opts.max_flows);
	fo.max_flows = e->opts.max_flows;
	fo.hash_key = e->opts.flow_hash_key;
	fo.app_size = sizeof(struct conn);
	fo.dir_app_size = sizeof(union conn_dir);
	fo.dir_pack = dir_pack;
	fo.dir_unpack = dir_unpack;
	fo.idle_timeout_ns = e->opts.idle_timeout_ns;
	fo.reasm.max_held_bytes = e->opts.max_held_bytes;
	fo.reasm.max_held_segments = 1024;
	fo.max_reasm_bytes = e->opts.max_reasm_bytes;
	fo.shed = conn_shed;
	fo.release = conn_release;
	fo.ctx = e;
	e->flows = flowtab__new(&fo);
	e->frags = ipfrag__new(NULL, &e->stats.frag);
	e->x509 = x509_cache__new(e->opts.x509_cache_entries);
	e->trust = e->opts.trust;
	if (!e->trust) {
		e->own_trust = true;
		e->trust = x509_trust__new(e->opts.trust_store, e->opts.trust_cache_entries ?
									e->opts.trust_cache_entries :
									4096);
	}
	e->decided = calloc(1, sizeof(*e->decided));
	e->resume = resume_memo__new(e->opts.resume_memo_entries);
	/* Without them fingerprints are still computed, fetching per call. */
	fp__digests_init(&e->digests);
	if (!e->flows || !e->frags || !e->x509 || !e->trust || !e->decided || !e->resume) {
		engine__free(e);
		return NULL;
	}
	e->reasm = flowtab__reasm_cfg(e->flows);
	return e;
}

/* The flow table zeroed c when it made the flow. */
static void conn_init(struct engine *e, struct conn *c)
{
	c->set_up = true;
	if (e->opts.retain_bytes)
		retain__start(&e->retain, &c->arena);
}

/* Release the parsing state; the flow entry stays (CONN_DONE) until its FIN/RST or idle timeout
 * so its remaining frames are skipped cheaply. Frames after the decision (the FIN, a late alert)
 * are not needed either. */
static void conn_strip(struct engine *e, struct conn *c)
{
	for (int side = 0; side < 2; side++)
		if (tls_found(c, side))
			tls_stream__free(&conn_dir(e, c, side)->tls, &e->tls_env);
	hs_pending__free(c->hs, &e->hs_blocks, e->x509);
	c->hs = NULL;
	retain__stop(&e->retain, &c->arena);
}

/* Where a connection may go from each state. A change not listed is refused, and that is the
 * rule, not an error: TLS found on the second side (already HELLO), an outcome or a Certificate
 * found while a decided connection's other side is flushed (the first outcome stands), a release
 * of a connection already DONE. */
static const uint8_t conn_next[] = {
	[CONN_OPEN] = 1u << CONN_HELLO | 1u << CONN_DONE,
	[CONN_HELLO] = 1u << CONN_CERTS | 1u << CONN_DECIDED,
	[CONN_CERTS] = 1u << CONN_DECIDED,
	[CONN_DECIDED] = 1u << CONN_DONE,
	[CONN_DONE] = 0,
};

/* The one place a connection changes state. Entering HELLO allocates the pending handshake
 * (without memory the connection goes to DONE instead); entering DECIDED notes whose delivery
 * found the outcome; entering DONE releases the parsing state. Returns false when refused. */
bool conn_set(struct engine *e, struct conn *c, enum conn_state to)
{
	if (!(conn_next[c->state] & 1u << to))
		return false;
	if (to == CONN_HELLO) {
		c->hs = hs_pending__new(&e->hs_blocks);
		if (!c->hs) {
			e->stats.handshake_alloc_failures++;
			to = CONN_DONE;
		}
	}
	if (to == CONN_DECIDED)
		c->decided_side = c->cur_side;
	if (to == CONN_DONE)
		conn_strip(e, c);
	c->state = to;
	return true;
}

/* A handshake is followed and no outcome was found yet. */
static bool conn_undecided(const struct conn *c)
{
	return c->state == CONN_HELLO || c->state == CONN_CERTS;
}

/* An outcome found during a delivery (a TLS event, the close, the release) is only recorded
 * here; conn_settle() applies it once that delivery has returned. The first one stands. */
void conn_request(struct engine *e, struct conn *c, enum hs_outcome outcome)
{
	if (conn_set(e, c, CONN_DECIDED))
		c->outcome = outcome;
}

void add_event(struct engine *e, struct conn *c, enum hs_event_kind kind, uint8_t hs_type,
	       uint32_t len)
{
	struct hs_event ev = {
		.ts_ns = e->cur_ts,
		.frame = c->cur_frame,
		.kind = kind,
		.from_client = from_client(c),
		.hs_type = hs_type,
		.len = len,
	};

	if (c->hs)
		hs_pending__add_event(c->hs, &ev);
}

static void fill_endpoints(struct conn *c, struct handshake *hs)
{
	const struct tlsmon_flow_key *k = &conn_flow(c)->key;
	int cs = client_side(c);

	hs->family = k->family;
	memcpy(hs->client_addr, k->addr[cs], 16);
	memcpy(hs->server_addr, k->addr[!cs], 16);
	hs->client_port = k->port[cs];
	hs->server_port = k->port[!cs];
	hs->roles_from_syn = c->roles_from_syn;
	hs->start_ts_ns = conn_flow(c)->first_ts_ns;
}

static void flush_dir(struct engine *e, struct conn *c, struct flow *f, int side);

/* The verdict is built in the engine's one full handshake, expanded from the compact pending
 * state, and handed to the sink with the frames kept so far. */
static void conn_judge(struct engine *e, struct conn *c)
{
	struct handshake *hs = e->decided;
	struct engine_frames frames = { 0 };
	struct flow *f = conn_flow(c);

	hs_pending__expand(c->hs, hs);
	flowtab__encap(e->flows, f, &hs->encap);
	engine__fill_ambiguities(e, c, hs);
	hs->outcome = c->outcome;
	hs->end_ts_ns = e->cur_ts ? e->cur_ts : f->last_ts_ns;
	fill_endpoints(c, hs);
	if (e->opts.on_facts)
		e->opts.on_facts(e->opts.ctx, hs);
	hs->n_findings = 0;
	hs->explain[0] = '\0';
	/* A resumed session sent no chain: say which one it came from, when it was seen. */
	if (e->opts.shared_resume_memo && hs->resumption)
		resume_memo_shared__lookup(e->opts.shared_resume_memo, hs, e->feed_seq);
	else if (e->opts.shared_resume_memo)
		resume_memo_shared__note_chain(e->opts.shared_resume_memo, e->opts.resume_memo_caller, hs,
					       e->feed_seq);
	else if (hs->resumption)
		resume_memo__lookup(e->resume, hs);
	else
		resume_memo__note_chain(e->resume, hs);
	e->stats.resumption_chains_evicted = resume_memo__stats(e->resume)->evicted;
	policy__evaluate(e->opts.policy, hs);
	explain__handshake(hs);
	e->stats.handshakes++;
	e->stats.handshakes_by_outcome[c->outcome]++;
	retain__view(&c->arena, &frames);
	if (e->opts.on_handshake)
		e->opts.on_handshake(e->opts.ctx, hs, &f->key, &frames);
}

/* The one exit of a decided connection: called after every delivery (reasm__feed(), each flush),
 * so it runs once the delivery that found the outcome has returned, never inside a TLS stream's
 * callback. */
static void conn_settle(struct engine *e, struct conn *c)
{
	struct flow *f = conn_flow(c);

	if (c->state != CONN_DECIDED)
		return;
	/* What the other side still holds out of order is part of the story (a Certificate with a
	 * hole when the client gives up): deliver it and count its holes first. */
	flush_dir(e, c, f, !c->decided_side);
	/* Stop the kernel copying first: the analysis and the sinks below take time, and bulk data
	 * may already be flowing. */
	if (e->opts.on_flow_done && !c->superseded)
		e->opts.on_flow_done(e->opts.ctx, &f->key);
	conn_judge(e, c);
	conn_set(e, c, CONN_DONE);
}

/* Deliver what side holds out of order (giving up on its holes), then apply an outcome found. */
static void conn_flush(struct engine *e, struct conn *c, struct flow *f, int side)
{
	flush_dir(e, c, f, side);
	conn_settle(e, c);
}

static void flush_dir(struct engine *e, struct conn *c, struct flow *f, int side)
{
	struct reasm *r = flowtab__dir_if(e->flows, f, side);
	int saved = c->cur_side;

	if (!r) /* the side sent nothing: nothing held */
		return;
	c->cur_side = side & 1;
	reasm__flush(r, e->reasm, conn__stream, &(struct conn_call){ e, c });
	c->cur_side = saved & 1;
}

/* The global reassembly budget wants f's held bytes: deliver them after their holes, as at the
 * end of a flow, and apply any outcome that brings. */
static void conn_shed(void *ctx, struct flow *f)
{
	struct engine *e = ctx;
	struct conn *c = flow__app(f);

	if (!c->set_up)
		return;
	conn_flush(e, c, f, 0);
	conn_flush(e, c, f, 1);
}

static void conn_release(void *ctx, struct flow *f, enum flow_end_reason why)
{
	struct engine *e = ctx;
	struct conn *c = flow__app(f);

	if (!c->set_up)
		return;
	if (conn_undecided(c)) {
		e->cur_ts = f->last_ts_ns;
		conn_flush(e, c, f, 0);
		conn_flush(e, c, f, 1);
		conn_request(e, c, HS_OUTCOME_INCOMPLETE);
		conn_settle(e, c);
	}
	conn_set(e, c, CONN_DONE); /* a flow that never saw TLS; refused when already DONE */
	c->set_up = false;
}

static void on_close(struct engine *e, struct conn *c, struct flow *f, const struct pkt *p)
{
	bool rst = p->tcp_flags & TCPF_RST;
	const struct hs_alert *al;

	if (!conn_undecided(c))
		return;
	/* Deliver what both sides hold before judging: the outcome may sit in a late segment, and
	 * the holes left behind must be counted. */
	conn_flush(e, c, f, c->cur_side);
	conn_flush(e, c, f, !c->cur_side);
	if (!conn_undecided(c))
		return;
	add_event(e, c, rst ? HS_EV_RST : HS_EV_FIN, 0, 0);
	c->hs->closed_by_client = from_client(c);
	al = hs_pending__alert(c->hs);
	if (al && !al->encrypted)
		conn_request(e, c, HS_OUTCOME_ALERT);
	else
		conn_request(e, c, rst ? HS_OUTCOME_RESET : HS_OUTCOME_ABORTED);
	conn_settle(e, c);
}

/* side acknowledged its peer's bytes: if only bad-checksum copies had them, they were taken. */
static void ack_suspects(struct engine *e, struct conn *c, struct flow *f, int side,
			 const struct pkt *p, const struct frame *fr)
{
	int peer = !side, saved = c->cur_side;

	/* the state first: a done connection's frames need not read the peer's direction */
	if (!(p->tcp_flags & TCPF_ACK) || c->state == CONN_DONE ||
	    !reasm__has_suspects(conn_reasm_peek(e, c, peer)))
		return;
	c->cur_side = peer & 1;
	/* the frame whose ACK proved the bytes taken completes what they carry */
	e->cur_ts = fr->ts_ns;
	c->cur_frame = fr->number;
	reasm__acked(conn_reasm(e, c, peer), e->reasm, p->ack, conn__stream,
		     &(struct conn_call){ e, c });
	c->cur_side = saved & 1;
	conn_settle(e, c);
}

/* Does a client SYN with this ISN start a new connection over the flow's current state? A
 * retransmitted SYN (same ISN) does not. */
static bool stale_for_syn(struct engine *e, const struct conn *c, struct flow *f, uint32_t isn)
{
	if (c->syn_seen)
		return c->syn_seq != isn;
	return c->state == CONN_DONE || c->found || flowtab__dir_peek(e->flows, f, 0)->started ||
	       flowtab__dir_peek(e->flows, f, 1)->started;
}

/* The analysis of a frame decoded (rc: decode__frame()'s result, into p) and, when TCP, of its
 * flow (ref; NULL: made here): one path for engine__feed() and engine__feed_ref(). */
static int feed(struct engine *e, const struct frame *fr, int rc, const struct pkt *p,
		const struct flow_ref *ref)
{
	struct flow_ref own_ref;
	struct pkt whole_p;
	struct frame whole;
	struct flow *f;
	struct conn *c;
	int side;
	uint32_t urg_seq = 0, isn, seq;
	enum tcp_csum_result csum;
	bool opens, has_urg;

	e->stats.frames++;
	e->feed_seq = fr->number;
	e->stats.bytes += fr->caplen;
	if (rc == DECODE_FRAGMENT) {
		/* The datagram goes on as one frame once its last missing piece came. */
		e->stats.fragments++;
		if (ipfrag__feed(e->frags, fr, p->l3_off, p->family, &whole) != 1)
			return 0;
		fr = &whole;
		rc = decode__frame(fr->linktype, fr->data, fr->caplen, &whole_p);
		p = &whole_p;
		ref = NULL;
	}
	if (rc != DECODE_TCP) {
		if (rc == DECODE_NOT_TCP)
			e->stats.not_tcp++;
		else if (rc == DECODE_TOO_DEEP)
			e->stats.encap_too_deep++;
		else if (rc == -EPROTONOSUPPORT)
			e->stats.unsupported_linktype++;
		else
			e->stats.decode_errors++;
		return 0;
	}
	if (!ref) {
		/* not hashed: a run of one flow's frames finds it without the hash (flowtab.c) */
		flow_ref__of_pkt(p, NULL, &own_ref);
		ref = &own_ref;
	}
	if (p->payload_missing)
		e->stats.truncated_frames++;
	csum = tcp_seg__csum(fr->data, fr->caplen, p);

	/* Idle expiry runs on packet time, at most once a second of it. */
	if (fr->ts_ns > e->last_expire_ns + 1000000000ull) {
		e->last_expire_ns = fr->ts_ns;
		flowtab__expire(e->flows, fr->ts_ns);
	}

	/* A flow starts at its SYN, or mid-way at a segment that opens a TLS handshake record:
	 * bare ACKs, FINs and application data of flows we do not know start nothing. */
	opens = (p->tcp_flags & TCPF_SYN) || tls_probe__starts_handshake(p->payload, p->payload_len);
	side = ref->side;
	f = flowtab__lookup_ref(e->flows, ref, p, fr->ts_ns, opens);
	if (!f)
		return 0;
	c = flow__app(f);
	if (!engine__checksum_passes(e, f, side, csum, p))
		return 0;
	if (c->set_up && (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN &&
	    stale_for_syn(e, c, f, p->seq) && engine__synchronised(e, c, f)) {
		flowtab__reasm_stats(e->flows)->syn_ignored++;
		flowtab__set_syn_pending(e->flows, f, p->seq);
		return 0;
	}
	if (c->set_up && (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN &&
	    stale_for_syn(e, c, f, p->seq)) {
		/* A new connection on a known 4-tuple (port reuse after a missed close, or a spoofed
		 * segment that came first): the old state must not swallow the new handshake. */
		c->superseded = true;
		flowtab__remove(e->flows, f);
		f = flowtab__lookup_ref(e->flows, ref, p, fr->ts_ns, true);
		if (!f)
			return 0;
		c = flow__app(f);
	} else if (c->set_up && (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK) &&
		   !flowtab__syn_pending(e->flows, f, &isn) && p->ack == isn + 1 &&
		   c->client_known && side != c->client &&
		   !(c->syn_seen && p->ack == c->syn_seq + 1)) {
		/* ... and the peer did: the SYN set aside was a new connection after all. */
		c->superseded = true;
		flowtab__remove(e->flows, f);
		f = flowtab__lookup_ref(e->flows, ref, p, fr->ts_ns, true);
		if (!f)
			return 0;
		c = flow__app(f);
		conn_init(e, c);
		c->syn_seen = true;
		c->syn_seq = isn;
		reasm__start(conn_reasm(e, c, !side), e->reasm, isn + 1);
	}
	if (!c->set_up)
		conn_init(e, c);
	/* A RST the receiver would not take is only a frame: the handshake goes on. (Once it is
	 * DONE, the data is no longer followed and a RST only ends the table entry.) */
	if ((p->tcp_flags & TCPF_RST) && c->state != CONN_DONE &&
	    !tcp_rcv__rst_acceptable(f, conn_reasm_peek(e, c, side), side, fin_seen(c, side), p)) {
		flowtab__reasm_stats(e->flows)->rst_ignored++;
		return 0;
	}
	tcp_rcv__note_ack(f, side, p);
	ack_suspects(e, c, f, side, p, fr);
	if (p->tcp_flags & TCPF_FIN)
		c->fin |= 1u << side;
	if (c->state == CONN_DONE) {
		/* Keep the entry until both sides closed: a trailing segment (an encrypted
		 * close_notify after the peer's FIN) must not look like a new flow. */
		if ((p->tcp_flags & TCPF_RST) || (fin_seen(c, 0) && fin_seen(c, 1)))
			flowtab__remove(e->flows, f);
		return 0;
	}
	c->cur_side = side & 1;
	e->cur_ts = fr->ts_ns;
	c->cur_frame = fr->number;
	if (c->arena.live)
		retain__append(&e->retain, &c->arena, fr);

	has_urg = !tcp_seg__urgent(fr->data, p, &urg_seq);
	seq = p->seq;
	if (p->tcp_flags & TCPF_SYN) {
		/* RFC 9293 3.4: the SYN takes one sequence number; data starts at ISN + 1. */
		if (!(p->tcp_flags & TCPF_ACK)) {
			set_client_side(c, side);
			c->syn_seen = true;
			c->syn_seq = p->seq;
		} else {
			set_client_side(c, !side);
		}
		c->roles_from_syn = true;
		if (!conn_reasm_peek(e, c, side)->started)
			reasm__start(conn_reasm(e, c, side), e->reasm, p->seq + 1);
		if (!p->payload_len)
			return 0;
		seq++;
	}
	if (has_urg)
		reasm__urgent(conn_reasm(e, c, side), e->reasm, urg_seq);
	if (p->payload_len) {
		reasm__feed(conn_reasm(e, c, side), e->reasm, seq, p->payload, p->payload_len,
			    conn__stream, &(struct conn_call){ e, c });
		conn_settle(e, c);
		flowtab__enforce_budget(e->flows, f);
	}
	if (c->hs && p->vlan[0] && !c->hs->vlan)
		c->hs->vlan = p->vlan[0];
	if (p->tcp_flags & (TCPF_FIN | TCPF_RST)) {
		on_close(e, c, f, p);
		if ((p->tcp_flags & TCPF_RST) || (fin_seen(c, 0) && fin_seen(c, 1)))
			flowtab__remove(e->flows, f);
	}
	return 0;
}

int engine__feed_ref(struct engine *e, const struct frame *fr, const struct flow_ref *ref)
{
	struct pkt p;
	int rc = decode__frame(fr->linktype, fr->data, fr->caplen, &p);

	rc = feed(e, fr, rc, &p, ref);

	/* The frame is done with its flow's directions: the first side may go compact. */
	if (e->flows)
		flowtab__settle(e->flows);
	return rc;
}

int engine__feed(struct engine *e, const struct frame *fr)
{
	return engine__feed_ref(e, fr, NULL);
}

void engine__keep_input(struct engine *e, const uint8_t *base, size_t size)
{
	if (e->flows)
		flowtab__keep_input(e->flows, base, size);
}

void engine__prefetch_flow(const struct engine *e, const struct flow_ref *ref)
{
	if (e->flows && ref->hashed)
		flowtab__prefetch(e->flows, ref->hash);
}

void engine__tick(struct engine *e, uint64_t now_ns)
{
	e->last_expire_ns = now_ns;
	flowtab__expire(e->flows, now_ns);
	ipfrag__expire(e->frags, now_ns);
}

static void save_final_stats(struct engine *e)
{
	e->final_flow_stats = *flowtab__stats(e->flows);
	e->final_reasm_stats = *flowtab__reasm_stats(e->flows);
}

void engine__finish(struct engine *e)
{
	uint64_t expired;

	if (!e->flows)
		return;
	/* Release (and so emit) every open flow, then keep the counters for the caller. The
	 * release goes through expiry, which must not count as idle timeouts. */
	e->feed_seq = UINT64_MAX; /* end of input: after every frame */
	expired = flowtab__stats(e->flows)->expired;
	flowtab__expire(e->flows, UINT64_MAX);
	save_final_stats(e);
	e->final_flow_stats.expired = expired;
	flowtab__free(e->flows);
	e->flows = NULL;
}

void engine__free(struct engine *e)
{
	if (!e)
		return;
	if (e->flows) {
		/* No emission on plain free: the callback's owner may already be gone. */
		e->opts.on_handshake = NULL;
		e->opts.on_flow_done = NULL;
		flowtab__free(e->flows);
	}
	ipfrag__free(e->frags);
	block_pool__fini(&e->hs_blocks); /* after the flows: their release gives the blocks back */
	retain__fini(&e->retain);
	tls_spare__fini(&e->tls_spare);
	x509_cache__free(e->x509);
	resume_memo__free(e->resume);
	if (e->own_trust)
		x509_trust__free(e->trust);
	free(e->decided);
	fp__digests_fini(&e->digests);
	free(e);
}

const struct engine_stats *engine__stats(const struct engine *e)
{
	return &e->stats;
}

const struct flowtab_stats *engine__flow_stats(const struct engine *e)
{
	return e->flows ? flowtab__stats(e->flows) : &e->final_flow_stats;
}

const struct reasm_stats *engine__reasm_stats(const struct engine *e)
{
	return e->flows ? flowtab__reasm_stats(e->flows) : &e->final_reasm_stats;
}

const struct tls_stats *engine__tls_stats(const struct engine *e)
{
	return &e->tls_stats;
}

const struct x509_cache_stats *engine__x509_stats(const struct engine *e)
{
	return x509_cache__stats(e->x509);
}

const struct x509_trust_stats *engine__trust_stats(const struct engine *e)
{
	return x509_trust__stats(e->trust);
}

int engine__load_trust(struct engine *e, char *err, size_t err_size)
{
	return x509_trust__load(e->trust, err, err_size);
}

int engine__reload_trust(struct engine *e, char *err, size_t err_size)
{
	if (!e->own_trust) {
		snprintf(err, err_size, "the trust store is shared: its owner reloads it");
		return -1;
	}
	return x509_trust__reload(&e->trust, err, err_size);
}

int engine__conn_state(struct engine *e, const struct tlsmon_flow_key *key)
{
	struct flow *f = e->flows ? flowtab__find(e->flows, key) : NULL;

	return f ? ((struct conn *)flow__app(f))->state : -ENOENT;
}
