/* TLS records and IPv4/TCP frames built for the engine's tests (test_engine.c,
 * test_engine_lifecycle.c), and a run: a fresh engine that records what it reports. */
#ifndef TLSMON_TEST_ENGINE_SCRIPT_H
#define TLSMON_TEST_ENGINE_SCRIPT_H

#include <stdint.h>
#include <string.h>

#include "check.h"
#include "verdict/engine.h"
#include "verdict/policy.h"
#include "pkt_build.h"

#define CLIENT_PORT 40000
#define SERVER_PORT 443
#define SNI "tls13.example"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A message or a run of records being built. */
struct buf {
	uint8_t b[4096];
	size_t n;
};

static inline void put(struct buf *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static inline void put8(struct buf *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static inline void put_16(struct buf *m, uint16_t v)
{
	put16(m->b + m->n, v);
	m->n += 2;
}

static inline void fill(struct buf *m, uint8_t v, size_t n)
{
	memset(m->b + m->n, v, n);
	m->n += n;
}

/* One record of type ct carrying body. */
static inline void record(struct buf *out, uint8_t ct, uint16_t ver, const void *body, size_t n)
{
	put8(out, ct);
	put_16(out, ver);
	put_16(out, (uint16_t)n);
	put(out, body, n);
}

/* A handshake record holding one message: RFC 8446 4 header (type, uint24 length). */
static inline void hs_record(struct buf *out, uint16_t ver, uint8_t type, const struct buf *body)
{
	struct buf m = { .n = 0 };

	put8(&m, type);
	put8(&m, 0);
	put_16(&m, (uint16_t)body->n);
	put(&m, body->b, body->n);
	record(out, 22, ver, m.b, m.n);
}

/* RFC 8446 4.1.2: a ClientHello offering only TLS 1.3, with a server_name. */
static inline void client_hello(struct buf *out)
{
	struct buf b = { .n = 0 };
	size_t ext_len_at, sni_len = strlen(SNI);

	put_16(&b, 0x0303);
	fill(&b, 0x11, 32); /* random */
	put8(&b, 32);
	fill(&b, 0x22, 32); /* legacy_session_id */
	put_16(&b, 2);
	put_16(&b, 0x1301); /* TLS_AES_128_GCM_SHA256 */
	put8(&b, 1);
	put8(&b, 0);
	ext_len_at = b.n;
	put_16(&b, 0);
	put_16(&b, 0x0000); /* server_name (RFC 6066 3) */
	put_16(&b, (uint16_t)(sni_len + 5));
	put_16(&b, (uint16_t)(sni_len + 3));
	put8(&b, 0);
	put_16(&b, (uint16_t)sni_len);
	put(&b, SNI, sni_len);
	put_16(&b, 0x000a); /* supported_groups: x25519 */
	put_16(&b, 4);
	put_16(&b, 2);
	put_16(&b, 0x001d);
	put_16(&b, 0x002b); /* supported_versions: TLS 1.3 */
	put_16(&b, 3);
	put8(&b, 2);
	put_16(&b, 0x0304);
	put_16(&b, 0x0033); /* key_share: one x25519 share */
	put_16(&b, 38);
	put_16(&b, 36);
	put_16(&b, 0x001d);
	put_16(&b, 32);
	fill(&b, 0x33, 32);
	put16(b.b + ext_len_at, (uint16_t)(b.n - ext_len_at - 2));
	hs_record(out, 0x0301, 1, &b);
}

/* RFC 8446 4.1.3: a ServerHello choosing TLS 1.3 through supported_versions. */
static inline void server_hello(struct buf *out)
{
	struct buf b = { .n = 0 };

	put_16(&b, 0x0303);
	fill(&b, 0x44, 32);
	put8(&b, 32);
	fill(&b, 0x22, 32);
	put_16(&b, 0x1301);
	put8(&b, 0);
	put_16(&b, 6 + 40);
	put_16(&b, 0x002b);
	put_16(&b, 2);
	put_16(&b, 0x0304);
	put_16(&b, 0x0033);
	put_16(&b, 36);
	put_16(&b, 0x001d);
	put_16(&b, 32);
	fill(&b, 0x55, 32);
	hs_record(out, 0x0303, 2, &b);
}

/* RFC 8446 D.4 middlebox compatibility ChangeCipherSpec. */
static inline void ccs(struct buf *out)
{
	record(out, 20, 0x0303, "\x01", 1);
}

/* Protected records (RFC 8446 5.2) are opaque application_data; their bytes here spell out a
 * plaintext Certificate message, which must never be read as one. */
static inline void app_data(struct buf *out, size_t n)
{
	static const uint8_t fake_cert[] = { 11, 0, 0, 10, 0, 0, 7, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef };
	uint8_t body[1500];

	for (size_t i = 0; i < n; i++)
		body[i] = fake_cert[i % sizeof(fake_cert)];
	record(out, 23, 0x0303, body, n);
}

struct run {
	struct engine *e;
	struct policy *pol;
	uint64_t frame;
	uint32_t seq[2]; /* next sequence number sent by client (0) and server (1) */
	struct tlsmon_flow_key key; /* the flow of the last frame sent */
	int calls;
	struct handshake hs; /* the facts of the last handshake reported */
	/* What the engine said from inside the last on_handshake: the connection's state, and
	 * how many on_flow_done calls had come before it. */
	int state_in_call;
	int flow_done_in_call;
	uint32_t frames_in_call; /* frames handed with the last handshake */
	int flow_done; /* on_flow_done calls */
	uint64_t msg_parse_errors;
};

static inline void on_hs(void *ctx, struct handshake *hs, const struct tlsmon_flow_key *key,
			 const struct engine_frames *frames)
{
	struct run *r = ctx;

	r->calls++;
	memcpy(&r->hs, hs, HS_FACTS_SIZE);
	r->state_in_call = engine__conn_state(r->e, key);
	r->flow_done_in_call = r->flow_done;
	r->frames_in_call = frames->count;
}

static inline void on_done(void *ctx, const struct tlsmon_flow_key *key)
{
	struct run *r = ctx;

	(void)key;
	r->flow_done++;
}

/* A fresh engine with the options in o (NULL: the defaults), reporting into r. */
static inline void run_start_with(struct run *r, const struct engine_opts *o)
{
	struct engine_opts eo = { 0 };

	if (o)
		eo = *o;
	eo.on_handshake = on_hs;
	eo.on_flow_done = on_done;
	memset(r, 0, sizeof(*r));
	r->pol = policy__new();
	eo.policy = r->pol;
	eo.ctx = r;
	r->e = engine__new(&eo);
	r->seq[0] = 1000;
	r->seq[1] = 50000;
	CHECK(r->pol && r->e);
}

static inline void run_start(struct run *r)
{
	run_start_with(r, NULL);
}

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* The 40 bytes of IPv4 and TCP headers of a frame between 10.0.0.1:cport (the client) and
 * 10.0.0.2:SERVER_PORT, from the server when from_server, carrying plen bytes of payload. */
static inline void tcp4_frame_hdr(uint8_t *pkt, bool from_server, uint16_t cport, uint32_t seq,
				  uint32_t ack, uint8_t flags, size_t plen)
{
	memset(pkt, 0, 40);
	pkt[0] = 0x45;
	put16(pkt + 2, (uint16_t)(40 + plen));
	pkt[8] = 64;
	pkt[9] = 6;
	put32(pkt + 12, from_server ? 0x0a000002 : 0x0a000001);
	put32(pkt + 16, from_server ? 0x0a000001 : 0x0a000002);
	put16(pkt + 10, csum_fold(csum_add(0, pkt, 20)));
	put16(pkt + 20, from_server ? SERVER_PORT : cport);
	put16(pkt + 22, from_server ? cport : SERVER_PORT);
	put32(pkt + 24, seq);
	put32(pkt + 28, ack);
	pkt[32] = 5 << 4;
	pkt[33] = flags;
	put16(pkt + 34, 65535);
}

/* The four payloads of a short handshake that ends established: the client's hello; the
 * server's hello, ChangeCipherSpec and first encrypted bytes; the client's ChangeCipherSpec and
 * bytes; the server's answer. */
static inline void established_flights(struct buf *c1, struct buf *s1, struct buf *c2,
				       struct buf *s2)
{
	client_hello(c1);
	server_hello(s1);
	ccs(s1);
	app_data(s1, 900);
	ccs(c2);
	app_data(c2, 53);
	app_data(s2, 300); /* the server answers: established */
}

/* f: one IPv4/TCP frame (LINKTYPE_RAW) of the flow from 10.0.0.1:cport, built in pkt (40 bytes
 * and the payload's), with PSH and ACK, numbered number, a microsecond apart. */
static inline void tcp4_frame(uint8_t *pkt, struct frame *f, uint16_t cport, bool from_server,
			      uint32_t seq, uint32_t ack, const struct buf *payload, uint64_t number)
{
	tcp4_frame_hdr(pkt, from_server, cport, seq, ack, TH_ACK | TH_PSH, payload->n);
	memcpy(pkt + 40, payload->b, payload->n);
	memset(f, 0, sizeof(*f));
	f->number = number;
	f->ts_ns = 1700000000000000000ull + number * 1000ull;
	f->data = pkt;
	f->caplen = f->wirelen = (uint32_t)(40 + payload->n);
	f->linktype = LINKTYPE_RAW;
}

/* One IPv4/TCP frame (LINKTYPE_RAW) from the client (from_server false) or the server, its
 * sequence number the sender's next one unless seq_at says otherwise. */
static inline void send_at(struct run *r, bool from_server, uint8_t flags,
			   const struct buf *payload, const uint32_t *seq_at)
{
	uint8_t pkt[20 + 20 + sizeof(((struct buf *)0)->b)];
	size_t plen = payload ? payload->n : 0;
	int s = from_server;
	uint32_t seq = seq_at ? *seq_at : r->seq[s];
	struct frame f = { 0 };
	struct pkt p;
	int side;

	tcp4_frame_hdr(pkt, from_server, CLIENT_PORT, seq, r->seq[!s], flags, plen);
	if (plen)
		memcpy(pkt + 40, payload->b, plen);
	if (!seq_at)
		r->seq[s] += (uint32_t)plen + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
	f.number = ++r->frame;
	f.ts_ns = 1700000000000000000ull + r->frame * 1000000ull;
	f.data = pkt;
	f.caplen = f.wirelen = (uint32_t)(40 + plen);
	f.linktype = LINKTYPE_RAW;
	if (decode__frame(LINKTYPE_RAW, pkt, f.caplen, &p) == DECODE_TCP)
		flow_key__from_pkt(&p, &r->key, &side);
	engine__feed(r->e, &f);
}

static inline void run_finish(struct run *r)
{
	engine__finish(r->e);
	r->msg_parse_errors = engine__stats(r->e)->msg_parse_errors;
	engine__free(r->e);
	policy__free(r->pol);
}

/* How many events of this kind (and, for messages, this type) the handshake recorded. */
static inline int events(const struct handshake *hs, enum hs_event_kind kind, int hs_type,
			 int client)
{
	int n = 0;

	for (int i = 0; i < hs->n_events; i++)
		if (hs->events[i].kind == kind && (hs_type < 0 || hs->events[i].hs_type == hs_type) &&
		    (client < 0 || hs->events[i].from_client == client))
			n++;
	return n;
}

#endif
