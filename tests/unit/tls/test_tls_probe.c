// SPDX-License-Identifier: GPL-2.0
/* The TLS-start probe on real stream prefixes: record headers, SSLv2 hellos, plaintext protocols,
 * headers cut into tiny segments, gaps, and the byte budget after which a direction is given up. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "tls/tls_probe.h"

/* The first bytes of a TLS 1.2 ClientHello record as curl sends it (record, then the handshake
 * header and client_version). */
static const uint8_t client_hello[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00,
					0x01, 0xfc, 0x03, 0x03, 0x5e, 0x11 };
/* An SSLv2-compatible CLIENT-HELLO (RFC 6101 E.2): length 0x2e, msg_type 1, version 3.1. */
static const uint8_t sslv2_hello[] = { 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00 };
static const char http[] = "GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";

static enum tls_probe_verdict feed(struct tls_probe *pr, const void *p, size_t n, size_t *left,
				   const uint8_t **rest)
{
	const uint8_t *d = p;
	size_t len = n;
	enum tls_probe_verdict v = tls_probe__feed(pr, &d, &len, 16 * 1024);

	if (left)
		*left = len;
	if (rest)
		*rest = d;
	return v;
}

static void test_tls_record_at_start(void)
{
	struct tls_probe pr = { 0 };
	const uint8_t *rest;
	size_t left;

	CHECK_EQ(feed(&pr, client_hello, sizeof(client_hello), &left, &rest), TLS_PROBE_FOUND);
	/* Found in place: nothing consumed, nothing held. */
	CHECK_EQ(left, sizeof(client_hello));
	CHECK(rest == client_hello);
	CHECK_EQ(pr.head_len, 0);
	CHECK_EQ(pr.probed, 0);
}

static void test_mid_stream_records(void)
{
	/* A pickup after the handshake: ChangeCipherSpec, application data, an alert. */
	static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
	static const uint8_t app[] = { 0x17, 0x03, 0x03, 0x00, 0x35, 0xa1, 0xb2, 0xc3 };
	static const uint8_t alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };
	/* Wrong by RFC 5246 7.1: a two-byte ChangeCipherSpec, an empty record, a bad version. */
	static const uint8_t bad_ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x02, 0x01, 0x01 };
	static const uint8_t empty[] = { 0x17, 0x03, 0x03, 0x00, 0x00, 0x00 };
	static const uint8_t v35[] = { 0x17, 0x03, 0x05, 0x00, 0x10, 0x00 };
	struct tls_probe pr = { 0 };

	CHECK_EQ(feed(&pr, ccs, sizeof(ccs), NULL, NULL), TLS_PROBE_FOUND);
	CHECK_EQ(feed(&pr, app, sizeof(app), NULL, NULL), TLS_PROBE_FOUND);
	CHECK_EQ(feed(&pr, alert, sizeof(alert), NULL, NULL), TLS_PROBE_FOUND);
	CHECK_EQ(pr.probed, 0);
	CHECK_EQ(feed(&pr, bad_ccs, sizeof(bad_ccs), NULL, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(feed(&pr, empty, sizeof(empty), NULL, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(feed(&pr, v35, sizeof(v35), NULL, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(pr.probed, sizeof(bad_ccs) + sizeof(empty) + sizeof(v35));
}

static void test_handshake_type_checked(void)
{
	/* A handshake record whose message type is none (0x63): plaintext that happens to look
	 * like a header. */
	static const uint8_t bogus[] = { 0x16, 0x03, 0x01, 0x00, 0x40, 0x63, 0x00 };
	struct tls_probe pr = { 0 };

	CHECK_EQ(feed(&pr, bogus, sizeof(bogus), NULL, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(pr.probed, sizeof(bogus));
}

static void test_sslv2_client_hello(void)
{
	/* A version 2.0 hello as well; version 3.5 or msg_type 2 are not. */
	static const uint8_t v2[] = { 0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15 };
	static const uint8_t v35[] = { 0x80, 0x2e, 0x01, 0x03, 0x05, 0x00, 0x15 };
	static const uint8_t type2[] = { 0x80, 0x2e, 0x02, 0x03, 0x01, 0x00, 0x15 };
	struct tls_probe pr = { 0 };

	CHECK_EQ(feed(&pr, sslv2_hello, sizeof(sslv2_hello), NULL, NULL), TLS_PROBE_FOUND);
	CHECK_EQ(feed(&pr, v2, sizeof(v2), NULL, NULL), TLS_PROBE_FOUND);
	CHECK_EQ(pr.probed, 0);
	CHECK_EQ(feed(&pr, v35, sizeof(v35), NULL, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(feed(&pr, type2, sizeof(type2), NULL, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(pr.probed, sizeof(v35) + sizeof(type2));
}

static void test_plaintext_and_garbage(void)
{
	static const uint8_t smtp[] = "220 mail.example.com ESMTP Postfix\r\n";
	static const uint8_t zeros[64] = { 0 };
	static const uint8_t two[] = { 0x00, 0x01 };
	struct tls_probe pr = { 0 };
	size_t left;

	CHECK_EQ(feed(&pr, http, strlen(http), &left, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(left, strlen(http)); /* judged, not consumed */
	CHECK_EQ(feed(&pr, smtp, sizeof(smtp) - 1, NULL, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(feed(&pr, zeros, sizeof(zeros), NULL, NULL), TLS_PROBE_WAIT);
	/* Shorter than a header and impossible from its first byte: judged at once. */
	CHECK_EQ(feed(&pr, two, sizeof(two), NULL, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(pr.head_len, 0);
	CHECK_EQ(pr.probed, strlen(http) + sizeof(smtp) - 1 + sizeof(zeros) + sizeof(two));
	/* Nothing to judge. */
	CHECK_EQ(feed(&pr, http, 0, NULL, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(pr.probed, strlen(http) + sizeof(smtp) - 1 + sizeof(zeros) + sizeof(two));
	/* STARTTLS: after the plaintext, a segment that starts a record is TLS. */
	CHECK_EQ(feed(&pr, client_hello, sizeof(client_hello), NULL, NULL), TLS_PROBE_FOUND);
}

/* The ClientHello's header in segments of 1, 1, 2 and then the rest: collected in head, and TLS
 * found when the fifth byte arrives, with that segment's remainder left to feed. */
static void test_split_header(void)
{
	static const size_t cuts[] = { 1, 1, 2 };
	struct tls_probe pr = { 0 };
	const uint8_t *rest;
	size_t off = 0, left;

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		CHECK_EQ(feed(&pr, client_hello + off, cuts[i], &left, NULL), TLS_PROBE_WAIT);
		CHECK_EQ(left, 0);
		off += cuts[i];
		CHECK_EQ(pr.head_len, off);
	}
	CHECK_EQ(feed(&pr, client_hello + off, sizeof(client_hello) - off, &left, &rest),
		 TLS_PROBE_FOUND);
	CHECK_EQ(pr.head_len, TLS_PROBE_HEAD);
	CHECK(!memcmp(pr.head, client_hello, TLS_PROBE_HEAD));
	CHECK(rest == client_hello + TLS_PROBE_HEAD);
	CHECK_EQ(left, sizeof(client_hello) - TLS_PROBE_HEAD);
	CHECK_EQ(pr.probed, 0);
}

static void test_split_byte_by_byte(void)
{
	struct tls_probe pr = { 0 };
	size_t left = 1;
	int found_at = -1;

	for (size_t i = 0; i < sizeof(sslv2_hello) && found_at < 0; i++)
		if (feed(&pr, sslv2_hello + i, 1, &left, NULL) == TLS_PROBE_FOUND)
			found_at = (int)i;
	CHECK_EQ(found_at, TLS_PROBE_HEAD - 1);
	CHECK_EQ(left, 0);
	CHECK(!memcmp(pr.head, sslv2_hello, TLS_PROBE_HEAD));
}

/* A prefix that looked like TLS until its fifth byte: the whole segment counts as probed. */
static void test_split_header_turns_out_plaintext(void)
{
	static const uint8_t a[] = { 0x16, 0x03 };
	static const uint8_t b[] = { 0x01, 0x00, 0x00, 'x', 'y', 'z' }; /* record length 0 */
	struct tls_probe pr = { 0 };
	size_t left;

	CHECK_EQ(feed(&pr, a, sizeof(a), NULL, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(pr.probed, 0);
	CHECK_EQ(feed(&pr, b, sizeof(b), &left, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(pr.head_len, 0);
	CHECK_EQ(pr.probed, TLS_PROBE_HEAD + 3);
	CHECK_EQ(left, 3);
	/* "\x16\x04": impossible at its second byte, so it is judged without being collected. */
	CHECK_EQ(feed(&pr, "\x16\x04", 2, NULL, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(pr.head_len, 0);
	CHECK_EQ(pr.probed, TLS_PROBE_HEAD + 3 + 2);
}

/* A header being collected does not continue across a hole in the stream. */
static void test_gap_drops_partial_header(void)
{
	struct tls_probe pr = { 0 };

	CHECK_EQ(feed(&pr, client_hello, 2, NULL, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(pr.head_len, 2);
	tls_probe__gap(&pr);
	CHECK_EQ(pr.head_len, 0);
	/* The header's tail alone starts with 0x01: not a record start. */
	CHECK_EQ(feed(&pr, client_hello + 2, 3, NULL, NULL), TLS_PROBE_WAIT);
	CHECK_EQ(pr.head_len, 0);
	CHECK_EQ(pr.probed, 3);
	CHECK_EQ(feed(&pr, client_hello, sizeof(client_hello), NULL, NULL), TLS_PROBE_FOUND);
}

/* 16 KiB (the engine's default budget) of HTTP: spent once more than the budget was judged, not
 * at exactly the budget. A record start afterwards is still reported: the caller decides. */
/* A probe holding no header bytes packs into its count (3 bytes), and comes back the same;
 * one holding part of a header, or a count past 2^24, does not pack. */
static void test_pack(void)
{
	struct tls_probe pr = { 0 }, back;
	uint8_t b[TLS_PROBE_PACKED];
	const uint8_t *d;
	size_t len;

	CHECK(tls_probe__pack(&pr, b));
	d = (const uint8_t *)http;
	len = strlen(http);
	CHECK_EQ(tls_probe__feed(&pr, &d, &len, 1 << 20), TLS_PROBE_WAIT);
	CHECK(tls_probe__pack(&pr, b));
	memset(&back, 0x5a, sizeof(back));
	tls_probe__unpack(&back, b);
	CHECK_EQ(back.probed, strlen(http));
	CHECK_EQ(back.head_len, 0);
	d = client_hello; /* its first two bytes, in a segment of their own */
	len = 2;
	CHECK_EQ(tls_probe__feed(&pr, &d, &len, 1 << 20), TLS_PROBE_WAIT);
	CHECK(pr.head_len > 0 && !tls_probe__pack(&pr, b));
	memset(&pr, 0, sizeof(pr));
	pr.probed = (1u << 24) - 1;
	CHECK(tls_probe__pack(&pr, b));
	tls_probe__unpack(&back, b);
	CHECK_EQ(back.probed, (1u << 24) - 1);
	pr.probed = 1u << 24;
	CHECK(!tls_probe__pack(&pr, b));
}

static void test_budget(void)
{
	const uint32_t budget = 16 * 1024;
	uint8_t body[1024];
	struct tls_probe pr = { 0 };
	const uint8_t *d;
	size_t len;
	int spent_at = -1;

	memset(body, 'a', sizeof(body));
	memcpy(body, http, strlen(http));
	for (int i = 0; i < 32 && spent_at < 0; i++) {
		d = body;
		len = sizeof(body);
		if (tls_probe__feed(&pr, &d, &len, budget) == TLS_PROBE_SPENT)
			spent_at = i;
	}
	CHECK_EQ(spent_at, 16); /* the 17th KiB */
	CHECK_EQ(pr.probed, 17 * 1024);
	d = body;
	len = 1;
	CHECK_EQ(tls_probe__feed(&pr, &d, &len, budget), TLS_PROBE_SPENT);
	d = client_hello;
	len = sizeof(client_hello);
	CHECK_EQ(tls_probe__feed(&pr, &d, &len, budget), TLS_PROBE_FOUND);

	/* Exactly the budget is not over it. */
	memset(&pr, 0, sizeof(pr));
	for (int i = 0; i < 16; i++) {
		d = body;
		len = sizeof(body);
		CHECK_EQ(tls_probe__feed(&pr, &d, &len, budget), TLS_PROBE_WAIT);
	}
	d = body;
	len = 1;
	CHECK_EQ(tls_probe__feed(&pr, &d, &len, budget), TLS_PROBE_SPENT);

	/* Bytes of a header collected and then rejected count too. */
	memset(&pr, 0, sizeof(pr));
	d = client_hello;
	len = 3;
	CHECK_EQ(tls_probe__feed(&pr, &d, &len, 4), TLS_PROBE_WAIT);
	d = (const uint8_t *)"\x00\x00";
	len = 2;
	CHECK_EQ(tls_probe__feed(&pr, &d, &len, 4), TLS_PROBE_SPENT);
	CHECK_EQ(pr.probed, TLS_PROBE_HEAD);
}

/* Which records open with a ClientHello, whole or after a header collected in pieces. */
static void test_opens_client_hello(void)
{
	static const uint8_t server_hello[] = { 0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00 };
	static const uint8_t app[] = { 0x17, 0x03, 0x03, 0x00, 0x20, 0x01, 0x00 };
	struct tls_probe pr = { 0 };
	const uint8_t *d = client_hello;
	size_t len = sizeof(client_hello);

	CHECK(tls_probe__opens_client_hello(&pr, client_hello, sizeof(client_hello)));
	CHECK(!tls_probe__opens_client_hello(&pr, server_hello, sizeof(server_hello)));
	CHECK(!tls_probe__opens_client_hello(&pr, app, sizeof(app)));
	/* The message type has not arrived: unknown, so not. */
	CHECK(!tls_probe__opens_client_hello(&pr, client_hello, TLS_PROBE_HEAD));
	CHECK(!tls_probe__opens_client_hello(&pr, sslv2_hello, sizeof(sslv2_hello)));

	/* Header in the head, the message type in the next segment's data. */
	len = 2;
	CHECK_EQ(tls_probe__feed(&pr, &d, &len, 16384), TLS_PROBE_WAIT);
	d = client_hello + 2;
	len = sizeof(client_hello) - 2;
	CHECK_EQ(tls_probe__feed(&pr, &d, &len, 16384), TLS_PROBE_FOUND);
	CHECK(tls_probe__opens_client_hello(&pr, d, len));
	CHECK(!tls_probe__opens_client_hello(&pr, d, 0));
}

static void test_starts_handshake(void)
{
	static const uint8_t app[] = { 0x17, 0x03, 0x03, 0x00, 0x20 };
	static const uint8_t tls13_sh[] = { 0x16, 0x03, 0x03, 0x00, 0x7a, 0x02 };
	static const uint8_t v35[] = { 0x16, 0x03, 0x05, 0x00, 0x7a, 0x02 };

	CHECK(tls_probe__starts_handshake(client_hello, sizeof(client_hello)));
	CHECK(tls_probe__starts_handshake(tls13_sh, sizeof(tls13_sh)));
	CHECK(tls_probe__starts_handshake(client_hello, 3));
	CHECK(!tls_probe__starts_handshake(client_hello, 2));
	CHECK(tls_probe__starts_handshake(sslv2_hello, sizeof(sslv2_hello)));
	/* Mid-connection records and plaintext start no flow. */
	CHECK(!tls_probe__starts_handshake(app, sizeof(app)));
	CHECK(!tls_probe__starts_handshake(v35, sizeof(v35)));
	CHECK(!tls_probe__starts_handshake((const uint8_t *)http, strlen(http)));
	CHECK(!tls_probe__starts_handshake(NULL, 0));
}

int main(void)
{
	RUN_TEST(test_tls_record_at_start);
	RUN_TEST(test_mid_stream_records);
	RUN_TEST(test_handshake_type_checked);
	RUN_TEST(test_sslv2_client_hello);
	RUN_TEST(test_plaintext_and_garbage);
	RUN_TEST(test_split_header);
	RUN_TEST(test_split_byte_by_byte);
	RUN_TEST(test_split_header_turns_out_plaintext);
	RUN_TEST(test_gap_drops_partial_header);
	RUN_TEST(test_budget);
	RUN_TEST(test_opens_client_hello);
	RUN_TEST(test_starts_handshake);
	RUN_TEST(test_pack);
	return CHECK_DONE();
}
