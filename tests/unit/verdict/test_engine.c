// SPDX-License-Identifier: GPL-2.0
/* The engine on frames built here: TLS 1.3 handshakes whose server direction is seen first (a
 * capture that starts after the ClientHello, or a ServerHello frame captured before the
 * ClientHello's), where a TLS 1.3 ServerHello must turn the client's direction encrypted before
 * that direction has started TLS at all. */
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

static void put(struct buf *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put8(struct buf *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static void put_16(struct buf *m, uint16_t v)
{
	put16(m->b + m->n, v);
	m->n += 2;
}

static void fill(struct buf *m, uint8_t v, size_t n)
{
	memset(m->b + m->n, v, n);
	m->n += n;
}

/* One record of type ct carrying body. */
static void record(struct buf *out, uint8_t ct, uint16_t ver, const void *body, size_t n)
{
	put8(out, ct);
	put_16(out, ver);
	put_16(out, (uint16_t)n);
	put(out, body, n);
}

/* A handshake record holding one message: RFC 8446 4 header (type, uint24 length). */
static void hs_record(struct buf *out, uint16_t ver, uint8_t type, const struct buf *body)
{
	struct buf m = { .n = 0 };

	put8(&m, type);
	put8(&m, 0);
	put_16(&m, (uint16_t)body->n);
	put(&m, body->b, body->n);
	record(out, 22, ver, m.b, m.n);
}

/* RFC 8446 4.1.2: a ClientHello offering only TLS 1.3, with a server_name. */
static void client_hello(struct buf *out)
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
static void server_hello(struct buf *out)
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
static void ccs(struct buf *out)
{
	record(out, 20, 0x0303, "\x01", 1);
}

/* Protected records (RFC 8446 5.2) are opaque application_data; their bytes here spell out a
 * plaintext Certificate message, which must never be read as one. */
static void app_data(struct buf *out, size_t n)
{
	static const uint8_t fake_cert[] = { 11, 0, 0, 10, 0, 0, 7, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef };
	uint8_t body[1500];

	for (size_t i = 0; i < n; i++)
		body[i] = fake_cert[i % sizeof(fake_cert)];
	record(out, 23, 0x0303, body, n);
}

/* A handshake record the client sends after the server's TLS 1.3 ServerHello: only an
 * encrypted one can come then, though a plaintext reading would find a client Certificate. */
static void client_hs_record_after_sh(struct buf *out)
{
	static const uint8_t cert[] = { 11, 0, 0, 10, 0, 0, 7, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef };

	record(out, 22, 0x0303, cert, sizeof(cert));
}

/* The server's first flight: its TLS 1.3 ServerHello, a CCS if ccs_too, then n bytes of
 * protected handshake (EncryptedExtensions .. Finished). */
static void server_flight(struct buf *out, bool ccs_too, size_t n)
{
	server_hello(out);
	if (ccs_too)
		ccs(out);
	app_data(out, n);
}

/* The client's answer to it: a CCS if ccs_too, a protected handshake record, its Finished. */
static void client_flight(struct buf *out, bool ccs_too)
{
	if (ccs_too)
		ccs(out);
	client_hs_record_after_sh(out);
	app_data(out, 53); /* Finished */
}

struct run {
	struct engine *e;
	struct policy *pol;
	uint64_t frame;
	uint32_t seq[2]; /* next sequence number sent by client (0) and server (1) */
	int calls;
	struct handshake hs; /* the facts of the last handshake reported */
	uint64_t msg_parse_errors;
};

static void on_hs(void *ctx, const struct handshake *hs, const struct flow_key *key,
		  const struct engine_frames *frames)
{
	struct run *r = ctx;

	r->calls++;
	memcpy(&r->hs, hs, HS_FACTS_SIZE);
}

static void run_start(struct run *r)
{
	struct engine_opts eo = { .on_handshake = on_hs };

	memset(r, 0, sizeof(*r));
	r->pol = policy__new();
	eo.policy = r->pol;
	eo.ctx = r;
	r->e = engine__new(&eo);
	r->seq[0] = 1000;
	r->seq[1] = 50000;
	CHECK(r->pol && r->e);
}

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* One IPv4/TCP frame (LINKTYPE_RAW) from the client (from_server false) or the server, its
 * sequence number the sender's next one unless seq_at says otherwise. */
static void send_at(struct run *r, bool from_server, uint8_t flags, const struct buf *payload,
		    const uint32_t *seq_at)
{
	uint8_t pkt[20 + 20 + sizeof(((struct buf *)0)->b)];
	size_t plen = payload ? payload->n : 0;
	int s = from_server;
	uint32_t seq = seq_at ? *seq_at : r->seq[s];
	struct frame f = { 0 };

	memset(pkt, 0, 40);
	pkt[0] = 0x45;
	put16(pkt + 2, (uint16_t)(40 + plen));
	pkt[8] = 64;
	pkt[9] = 6;
	put32(pkt + 12, from_server ? 0x0a000002 : 0x0a000001);
	put32(pkt + 16, from_server ? 0x0a000001 : 0x0a000002);
	put16(pkt + 10, csum_fold(csum_add(0, pkt, 20)));
	put16(pkt + 20, from_server ? SERVER_PORT : CLIENT_PORT);
	put16(pkt + 22, from_server ? CLIENT_PORT : SERVER_PORT);
	put32(pkt + 24, seq);
	put32(pkt + 28, r->seq[!s]);
	pkt[32] = 5 << 4;
	pkt[33] = flags;
	put16(pkt + 34, 65535);
	if (plen)
		memcpy(pkt + 40, payload->b, plen);
	if (!seq_at)
		r->seq[s] += (uint32_t)plen + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
	f.number = ++r->frame;
	f.ts_ns = 1700000000000000000ull + r->frame * 1000000ull;
	f.data = pkt;
	f.caplen = f.wirelen = (uint32_t)(40 + plen);
	f.linktype = LINKTYPE_RAW;
	engine__feed(r->e, &f);
}

static void run_finish(struct run *r)
{
	engine__finish(r->e);
	r->msg_parse_errors = engine__stats(r->e)->msg_parse_errors;
	engine__free(r->e);
	policy__free(r->pol);
}

/* One data segment of a scripted connection: who sends it, and what. */
struct step {
	bool from_server;
	const struct buf *payload;
};

/* Feed a fresh engine the first n_syn segments of a TCP 3-way handshake (0: the capture starts
 * mid-flow), then the steps in order, then finish it. */
static void play(struct run *r, int n_syn, const struct step *steps, size_t n_steps)
{
	static const uint8_t syn_flags[3] = { TH_SYN, TH_SYN | TH_ACK, TH_ACK };

	run_start(r);
	for (int i = 0; i < n_syn && i < 3; i++)
		send_at(r, i == 1, syn_flags[i], NULL, NULL);
	for (size_t i = 0; i < n_steps; i++)
		send_at(r, steps[i].from_server, TH_ACK | TH_PSH, steps[i].payload, NULL);
	run_finish(r);
}

/* How many events of this kind (and, for messages, this type) the handshake recorded. */
static int events(const struct handshake *hs, enum hs_event_kind kind, int hs_type, int client)
{
	int n = 0;

	for (int i = 0; i < hs->n_events; i++)
		if (hs->events[i].kind == kind && (hs_type < 0 || hs->events[i].hs_type == hs_type) &&
		    (client < 0 || hs->events[i].from_client == client))
			n++;
	return n;
}

/* What any of these orderings must give: one TLS 1.3 handshake, established, oriented by the
 * ServerHello, nothing read from the protected records, the client's handshake record after the
 * ServerHello known to be protected. */
static void check_tls13_established(const struct run *r)
{
	const struct handshake *hs = &r->hs;

	CHECK_EQ(r->calls, 1);
	CHECK_EQ(hs->outcome, HS_OUTCOME_ESTABLISHED);
	CHECK(hs->has_server_hello);
	CHECK_EQ(hs->version, 0x0304);
	CHECK_EQ(hs->sh.cipher, 0x1301);
	CHECK_EQ(hs->client_port, CLIENT_PORT);
	CHECK_EQ(hs->server_port, SERVER_PORT);
	CHECK(!hs->has_certificate);
	CHECK(!hs->client_sent_certificate);
	CHECK_EQ(hs->parse_errors, 0);
	CHECK_EQ(r->msg_parse_errors, 0);
	CHECK_EQ(events(hs, HS_EV_MESSAGE, 2, 0), 1); /* the ServerHello, from the server */
	CHECK_EQ(events(hs, HS_EV_MESSAGE, 11, -1), 0); /* no Certificate read in plaintext */
	CHECK_EQ(events(hs, HS_EV_ENCRYPTED_HANDSHAKE, -1, 1), 1);
	CHECK(hs->ja3s[0]);
}

/* The capture starts after the ClientHello: the flow starts at the server's ServerHello (no
 * SYN), so the client's direction has no TLS yet when the ServerHello makes both encrypted. The
 * client's first record is then a protected handshake record. */
static void test_pickup_at_server_hello(void)
{
	struct buf s1 = { .n = 0 }, c1 = { .n = 0 }, c2 = { .n = 0 }, s2 = { .n = 0 };
	const struct step steps[] = { { true, &s1 }, { false, &c1 }, { false, &c2 }, { true, &s2 } };
	struct run r;

	server_flight(&s1, true, 1200);
	client_flight(&c1, true);
	app_data(&c2, 120); /* the request */
	app_data(&s2, 300); /* tickets, the response */
	play(&r, 0, steps, ARRAY_SIZE(steps));

	check_tls13_established(&r);
	CHECK(!r.hs.roles_from_syn);
	CHECK(!r.hs.has_client_hello);
	CHECK_STR(r.hs.ja3, "");
	CHECK(r.hs.ccs_client && r.hs.ccs_server);
	CHECK(r.hs.app_data_client && r.hs.app_data_server);
}

/* Same, with the client's first TLS bytes a record header cut over two segments: the head the
 * probe collected goes into an already-encrypted stream. */
static void test_pickup_client_header_split(void)
{
	struct buf s1 = { .n = 0 }, c1 = { .n = 0 }, a = { .n = 0 }, b = { .n = 0 };
	struct buf c2 = { .n = 0 }, s2 = { .n = 0 };
	const struct step steps[] = { { true, &s1 },  { false, &a }, { false, &b },
				      { false, &c2 }, { true, &s2 } };
	struct run r;

	server_flight(&s1, false, 900);
	client_flight(&c1, false);
	put(&a, c1.b, 3);
	put(&b, c1.b + 3, c1.n - 3);
	app_data(&c2, 80);
	app_data(&s2, 300);
	play(&r, 0, steps, ARRAY_SIZE(steps));

	check_tls13_established(&r);
}

/* A ServerHello frame captured before the ClientHello frame it answers (frames merged from two
 * taps, or reordered on the way to the capture), after a full 3-way handshake: the client's
 * direction starts TLS only after the ServerHello made it encrypted. Its ClientHello is still
 * plaintext and must be read; what follows it in the same segment is protected. */
static void test_server_hello_before_client_hello(void)
{
	struct buf s1 = { .n = 0 }, c1 = { .n = 0 }, c2 = { .n = 0 }, c3 = { .n = 0 };
	struct buf s2 = { .n = 0 };
	const struct step steps[] = { { true, &s1 },  { false, &c1 }, { false, &c2 },
				      { false, &c3 }, { true, &s2 } };
	struct run r;

	server_flight(&s1, true, 1200);
	client_hello(&c1);
	client_flight(&c2, true);
	app_data(&c3, 120);
	app_data(&s2, 300);
	play(&r, 3, steps, ARRAY_SIZE(steps));

	check_tls13_established(&r);
	CHECK(r.hs.roles_from_syn);
	CHECK(r.hs.has_client_hello);
	CHECK(r.hs.ch.offered_tls13);
	CHECK_STR((const char *)r.hs.ch.sni, SNI);
	CHECK(r.hs.ja3[0] && r.hs.ja4[0]);
	CHECK_EQ(events(&r.hs, HS_EV_MESSAGE, 1, 1), 1);
}

/* The same, with the ClientHello and the protected record in one segment (and no final ACK of
 * the 3-way handshake). */
static void test_server_hello_before_client_hello_one_segment(void)
{
	struct buf s1 = { .n = 0 }, c1 = { .n = 0 }, c2 = { .n = 0 }, s2 = { .n = 0 };
	const struct step steps[] = { { true, &s1 }, { false, &c1 }, { false, &c2 }, { true, &s2 } };
	struct run r;

	server_flight(&s1, false, 1200);
	client_hello(&c1);
	client_flight(&c1, false);
	app_data(&c2, 120);
	app_data(&s2, 300);
	play(&r, 2, steps, ARRAY_SIZE(steps));

	check_tls13_established(&r);
	CHECK(r.hs.has_client_hello);
	CHECK_STR((const char *)r.hs.ch.sni, SNI);
}

int main(void)
{
	RUN_TEST(test_pickup_at_server_hello);
	RUN_TEST(test_pickup_client_header_split);
	RUN_TEST(test_server_hello_before_client_hello);
	RUN_TEST(test_server_hello_before_client_hello_one_segment);
	return CHECK_DONE();
}
