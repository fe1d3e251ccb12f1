// SPDX-License-Identifier: GPL-2.0
/* The engine on frames built here: TLS 1.3 handshakes whose server direction is seen first (a
 * capture that starts after the ClientHello, or a ServerHello frame captured before the
 * ClientHello's), where a TLS 1.3 ServerHello must turn the client's direction encrypted before
 * that direction has started TLS at all. */
#include "engine_script.h"

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
