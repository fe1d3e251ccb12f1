// SPDX-License-Identifier: GPL-2.0
/* The connection lifecycle (enum conn_state) driven by real frames, its state read after each
 * one through engine__conn_state(): every allowed change (OPEN -> HELLO, OPEN -> DONE, HELLO ->
 * CERTS, HELLO/CERTS -> DECIDED -> DONE, the flow leaving the table), and the changes the table
 * refuses (an outcome or a Certificate found while a decided connection's other direction is
 * flushed). The handshake is emitted while DECIDED, after the kernel was told to stop copying. */
#include <errno.h>

#include "engine_script.h"

#define IDLE_NS (10ull * 1000000000ull)

static int state(struct run *r)
{
	return engine__conn_state(r->e, &r->key);
}

static void send(struct run *r, bool from_server, const struct buf *payload)
{
	send_at(r, from_server, TH_ACK | TH_PSH, payload, NULL);
}

static void three_way(struct run *r)
{
	send_at(r, false, TH_SYN, NULL, NULL);
	send_at(r, true, TH_SYN | TH_ACK, NULL, NULL);
	send_at(r, false, TH_ACK, NULL, NULL);
}

/* RFC 5246 7.4.1.3: a ServerHello choosing TLS 1.2 and ECDHE-RSA-AES128-GCM-SHA256. */
static void server_hello12(struct buf *out)
{
	struct buf b = { .n = 0 };

	put_16(&b, 0x0303);
	fill(&b, 0x44, 32);
	put8(&b, 32);
	fill(&b, 0x22, 32);
	put_16(&b, 0xc02f);
	put8(&b, 0);
	put_16(&b, 0); /* no extensions */
	hs_record(out, 0x0303, 2, &b);
}

/* RFC 5246 7.4.2: a chain of one entry; the DER is not a certificate (OpenSSL will not parse
 * it), which changes nothing for the lifecycle. */
static void certificate(struct buf *out)
{
	static const uint8_t der[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	struct buf b = { .n = 0 };

	put8(&b, 0);
	put_16(&b, sizeof(der) + 3);
	put8(&b, 0);
	put_16(&b, sizeof(der));
	put(&b, der, sizeof(der));
	hs_record(out, 0x0303, 11, &b);
}

static void server_hello_done(struct buf *out)
{
	struct buf b = { .n = 0 };

	hs_record(out, 0x0303, 14, &b);
}

/* RFC 5246 7.2: level 2 = fatal. */
static void alert(struct buf *out, uint8_t level, uint8_t desc)
{
	const uint8_t body[2] = { level, desc };

	record(out, 21, 0x0303, body, sizeof(body));
}

/* A protected handshake record (a Finished after ChangeCipherSpec). */
static void encrypted_finished(struct buf *out)
{
	uint8_t body[40];

	memset(body, 0x5a, sizeof(body));
	record(out, 22, 0x0303, body, sizeof(body));
}

/* OPEN -> HELLO -> CERTS -> DECIDED -> DONE -> out of the table after both FINs; the frames are
 * kept until the decision and no longer. */
static void test_tls12_certs_then_alert(void)
{
	struct engine_opts o = { .retain_bytes = 1 << 16 };
	struct buf ch = { .n = 0 }, sh = { .n = 0 }, crt = { .n = 0 }, al = { .n = 0 };
	struct buf late = { .n = 0 };
	struct run r;
	uint64_t kept;

	run_start_with(&r, &o);
	send_at(&r, false, TH_SYN, NULL, NULL);
	CHECK_EQ(state(&r), CONN_OPEN);
	send_at(&r, true, TH_SYN | TH_ACK, NULL, NULL);
	send_at(&r, false, TH_ACK, NULL, NULL);
	CHECK_EQ(state(&r), CONN_OPEN);
	client_hello(&ch);
	send(&r, false, &ch);
	CHECK_EQ(state(&r), CONN_HELLO);
	server_hello12(&sh);
	send(&r, true, &sh);
	CHECK_EQ(state(&r), CONN_HELLO);
	certificate(&crt);
	server_hello_done(&crt);
	send(&r, true, &crt);
	CHECK_EQ(state(&r), CONN_CERTS);
	CHECK_EQ(r.calls, 0);
	CHECK_EQ(r.flow_done, 0);

	alert(&al, 2, 42); /* bad_certificate: the client gives up */
	send(&r, false, &al);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.state_in_call, CONN_DECIDED);
	CHECK_EQ(r.flow_done_in_call, 1); /* the kernel stops copying before the analysis */
	CHECK_EQ(r.frames_in_call, 7); /* SYN .. the alert */
	CHECK_EQ(r.hs.outcome, HS_OUTCOME_ALERT);
	CHECK(r.hs.has_certificate);
	CHECK(r.hs.alert.present && r.hs.alert.from_client);
	CHECK_EQ(r.hs.alert.desc, 42);
	CHECK_EQ(state(&r), CONN_DONE);
	kept = engine__stats(r.e)->retained_frames;
	CHECK_EQ(kept, 7);

	/* Skipped once DONE: no second verdict, no frame kept. */
	alert(&late, 2, 40);
	send(&r, true, &late);
	send_at(&r, false, TH_FIN | TH_ACK, NULL, NULL);
	CHECK_EQ(state(&r), CONN_DONE); /* kept until both sides closed */
	send_at(&r, true, TH_FIN | TH_ACK, NULL, NULL);
	CHECK_EQ(state(&r), -ENOENT);
	CHECK_EQ(engine__stats(r.e)->retained_frames, kept);
	run_finish(&r);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.flow_done, 1);
}

/* TLS 1.3 hides the Certificate: HELLO -> DECIDED. The capture starts at the ServerHello (no
 * SYN), so the server's side leaves OPEN and the client's side finding TLS later changes
 * nothing (HELLO is refused past OPEN). */
static void test_tls13_hello_to_decided(void)
{
	struct buf s1 = { .n = 0 }, c1 = { .n = 0 }, s2 = { .n = 0 };
	struct run r;

	run_start(&r);
	server_hello(&s1);
	ccs(&s1);
	app_data(&s1, 900);
	send(&r, true, &s1);
	CHECK_EQ(state(&r), CONN_HELLO);
	ccs(&c1);
	app_data(&c1, 53); /* the client's Finished, or an alert: not known yet */
	send(&r, false, &c1);
	CHECK_EQ(state(&r), CONN_HELLO);
	CHECK_EQ(r.calls, 0);
	app_data(&s2, 300); /* the server answers: established */
	send(&r, true, &s2);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.state_in_call, CONN_DECIDED);
	CHECK_EQ(r.hs.outcome, HS_OUTCOME_ESTABLISHED);
	CHECK(!r.hs.has_certificate);
	CHECK_EQ(state(&r), CONN_DONE);
	run_finish(&r);
	CHECK_EQ(r.calls, 1);
}

/* OPEN -> DONE: no TLS start within the probe budget on either side. */
static void test_not_tls(void)
{
	struct engine_opts o = { .probe_bytes = 64 };
	struct buf text = { .n = 0 }, sh = { .n = 0 };
	struct run r;

	run_start_with(&r, &o);
	three_way(&r);
	fill(&text, 'A', 40);
	send(&r, false, &text);
	CHECK_EQ(state(&r), CONN_OPEN); /* within the budget */
	send(&r, false, &text);
	CHECK_EQ(state(&r), CONN_DONE);
	CHECK_EQ(engine__stats(r.e)->non_tls_flows, 1);
	CHECK_EQ(r.flow_done, 1);
	server_hello12(&sh); /* too late: DONE skips it */
	send(&r, true, &sh);
	CHECK_EQ(state(&r), CONN_DONE);
	send_at(&r, true, TH_RST, NULL, NULL);
	CHECK_EQ(state(&r), -ENOENT);
	run_finish(&r);
	CHECK_EQ(r.calls, 0);
}

/* Idle expiry: an OPEN flow leaves without a verdict; a HELLO one goes DECIDED (incomplete),
 * DONE, and out (the table unlinks a flow before releasing it). */
static void test_idle_release(void)
{
	struct engine_opts o = { .idle_timeout_ns = IDLE_NS };
	struct buf ch = { .n = 0 };
	struct run r;

	run_start_with(&r, &o);
	send_at(&r, false, TH_SYN, NULL, NULL);
	CHECK_EQ(state(&r), CONN_OPEN);
	engine__tick(r.e, 1700000000000000000ull + 2 * IDLE_NS);
	CHECK_EQ(state(&r), -ENOENT);
	CHECK_EQ(r.calls, 0);
	CHECK_EQ(r.flow_done, 0);

	r.frame = 4 * IDLE_NS / 1000000; /* send_at's clock: 1 ms a frame */
	three_way(&r);
	client_hello(&ch);
	send(&r, false, &ch);
	CHECK_EQ(state(&r), CONN_HELLO);
	engine__tick(r.e, 1700000000000000000ull + 6 * IDLE_NS);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.hs.outcome, HS_OUTCOME_INCOMPLETE);
	CHECK_EQ(r.state_in_call, -ENOENT);
	CHECK_EQ(r.flow_done_in_call, 1);
	CHECK_EQ(state(&r), -ENOENT);
	run_finish(&r);
	CHECK_EQ(r.calls, 1);
}

/* HELLO -> DECIDED at a FIN (aborted; the entry stays DONE until the other FIN) or a RST
 * (reset; the entry goes at once). */
static void test_close(void)
{
	struct buf ch = { .n = 0 }, sh = { .n = 0 };
	struct run r;

	run_start(&r);
	three_way(&r);
	client_hello(&ch);
	send(&r, false, &ch);
	send_at(&r, false, TH_FIN | TH_ACK, NULL, NULL);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.state_in_call, CONN_DECIDED);
	CHECK_EQ(r.hs.outcome, HS_OUTCOME_ABORTED);
	CHECK(r.hs.closed_by_client);
	CHECK_EQ(state(&r), CONN_DONE);
	send_at(&r, true, TH_FIN | TH_ACK, NULL, NULL);
	CHECK_EQ(state(&r), -ENOENT);
	run_finish(&r);
	CHECK_EQ(r.calls, 1);

	run_start(&r);
	three_way(&r);
	client_hello(&ch);
	send(&r, false, &ch);
	server_hello12(&sh);
	send(&r, true, &sh);
	send_at(&r, true, TH_RST | TH_ACK, NULL, NULL);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.state_in_call, CONN_DECIDED);
	CHECK_EQ(r.hs.outcome, HS_OUTCOME_RESET);
	CHECK(!r.hs.closed_by_client);
	CHECK_EQ(state(&r), -ENOENT);
	run_finish(&r);
	CHECK_EQ(r.calls, 1);
}

/* A SYN with a new ISN during a handshake is set aside, as the receiver answers it with a
 * challenge ACK (RFC 5961 4.2); once the server answers it with a SYN-ACK of its own, it
 * supersedes the HELLO connection: the old one is judged incomplete without telling the kernel
 * to stop copying (the new connection needs its frames), the new one starts OPEN; a
 * retransmitted SYN (same ISN) does not supersede. */
static void test_superseded(void)
{
	const uint32_t isn = 777777;
	struct buf ch = { .n = 0 };
	struct run r;

	run_start(&r);
	three_way(&r);
	client_hello(&ch);
	send(&r, false, &ch);
	CHECK_EQ(state(&r), CONN_HELLO);
	send_at(&r, false, TH_SYN, NULL, &isn);
	CHECK_EQ(r.calls, 0);
	CHECK_EQ(state(&r), CONN_HELLO);
	send_at(&r, false, TH_SYN, NULL, &isn);
	CHECK_EQ(state(&r), CONN_HELLO);
	CHECK_EQ(engine__reasm_stats(r.e)->syn_ignored, 2);
	r.seq[0] = isn + 1;
	send_at(&r, true, TH_SYN | TH_ACK, NULL, NULL);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.hs.outcome, HS_OUTCOME_INCOMPLETE);
	CHECK_EQ(r.flow_done, 0);
	CHECK_EQ(state(&r), CONN_OPEN);
	send(&r, false, &ch);
	CHECK_EQ(state(&r), CONN_HELLO);
	CHECK_EQ(r.calls, 1);
	run_finish(&r);
	CHECK_EQ(r.calls, 2);
	CHECK_EQ(r.flow_done, 1);
}

/* The client gives up while the server's Certificate waits behind a hole: the exit path
 * delivers it (and counts the hole) before judging, but the connection, DECIDED, does not go
 * to CERTS. */
static void test_certificate_behind_hole(void)
{
	struct buf ch = { .n = 0 }, sh = { .n = 0 }, crt = { .n = 0 }, al = { .n = 0 };
	struct run r;
	uint32_t after_hole;

	run_start(&r);
	three_way(&r);
	client_hello(&ch);
	send(&r, false, &ch);
	server_hello12(&sh);
	send(&r, true, &sh);
	certificate(&crt);
	server_hello_done(&crt);
	after_hole = r.seq[1] + 100;
	send_at(&r, true, TH_ACK | TH_PSH, &crt, &after_hole);
	CHECK_EQ(state(&r), CONN_HELLO); /* held out of order */
	alert(&al, 2, 48); /* unknown_ca */
	send(&r, false, &al);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.state_in_call, CONN_DECIDED);
	CHECK_EQ(r.hs.outcome, HS_OUTCOME_ALERT);
	CHECK(r.hs.has_certificate);
	CHECK_EQ(r.hs.gaps, 1);
	CHECK_EQ(r.hs.gap_bytes, 100);
	CHECK_EQ(events(&r.hs, HS_EV_MESSAGE, 11, 0), 1);
	CHECK_EQ(state(&r), CONN_DONE);
	run_finish(&r);
	CHECK_EQ(r.calls, 1);
}

/* An abbreviated (resumed) TLS 1.2 handshake: the server's ServerHello, ChangeCipherSpec and
 * Finished come first, then an alert of the server's waits behind a hole. The client's
 * ChangeCipherSpec establishes it: the rest of that segment (the client's Finished) is not read,
 * and the alert, delivered before judging, is recorded but its outcome refused. */
static void test_outcome_while_flushing_ignored(void)
{
	struct buf ch = { .n = 0 }, s1 = { .n = 0 }, s2 = { .n = 0 }, c1 = { .n = 0 };
	struct run r;
	uint32_t after_hole;

	run_start(&r);
	three_way(&r);
	client_hello(&ch);
	send(&r, false, &ch);
	server_hello12(&s1);
	ccs(&s1);
	encrypted_finished(&s1);
	send(&r, true, &s1);
	CHECK_EQ(state(&r), CONN_HELLO);
	alert(&s2, 2, 40);
	after_hole = r.seq[1] + 10;
	send_at(&r, true, TH_ACK | TH_PSH, &s2, &after_hole);
	CHECK_EQ(state(&r), CONN_HELLO);
	ccs(&c1);
	encrypted_finished(&c1);
	send(&r, false, &c1);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.state_in_call, CONN_DECIDED);
	CHECK_EQ(r.hs.outcome, HS_OUTCOME_ESTABLISHED);
	CHECK(r.hs.ccs_client && r.hs.ccs_server);
	CHECK(r.hs.alert.present && !r.hs.alert.from_client);
	CHECK_EQ(r.hs.gaps, 1);
	CHECK_EQ(events(&r.hs, HS_EV_ENCRYPTED_HANDSHAKE, -1, 0), 1);
	CHECK_EQ(events(&r.hs, HS_EV_ENCRYPTED_HANDSHAKE, -1, 1), 0);
	CHECK_EQ(events(&r.hs, HS_EV_ALERT, -1, 0), 1);
	CHECK_EQ(state(&r), CONN_DONE);
	run_finish(&r);
	CHECK_EQ(r.calls, 1);
}

int main(void)
{
	RUN_TEST(test_tls12_certs_then_alert);
	RUN_TEST(test_tls13_hello_to_decided);
	RUN_TEST(test_not_tls);
	RUN_TEST(test_idle_release);
	RUN_TEST(test_close);
	RUN_TEST(test_superseded);
	RUN_TEST(test_certificate_behind_hole);
	RUN_TEST(test_outcome_while_flushing_ignored);
	return CHECK_DONE();
}
