// SPDX-License-Identifier: GPL-2.0
/* Record layer on streams that are not clean TLS: SSLv2 hellos, garbage and gaps followed by
 * resynchronisation, record header limits, the looks-like-a-record probe, and random streams.
 * Every stream is also fed byte by byte and in random chunk sizes, and must give the same events
 * and counters as when fed whole. */
#include "tls_record_streams.h"

static void test_sslv2_hello(void)
{
	struct sb msgs = { 0 }, st = { 0 }, st2 = { 0 };
	struct tls_client_hello ch;
	struct tls_stats stats;

	build_sslv2(&st, 0x0301);
	hs_msg(&msgs, TLS_HS_CLIENT_KEY_EXCHANGE, 130);
	record(&st, TLS_CT_HANDSHAKE, 0x0301, msgs.b, msgs.n);
	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 2);
	CHECK_EQ(ref_log.ev[0].type, TLS_EV_SSLV2_CLIENT_HELLO);
	CHECK_EQ(ref_log.ev[0].len, 9 + 9 + 16);
	CHECK_EQ(ref_log.ev[0].hash, fnv(st.b + 2, 34));
	CHECK_EQ(ref_log.ev[1].type, TLS_EV_HANDSHAKE);
	CHECK_EQ(ref_log.ev[1].hs_type, TLS_HS_CLIENT_KEY_EXCHANGE);
	CHECK_EQ(stats.sslv2_hellos, 1);
	CHECK_EQ(stats.records, 2);
	CHECK(ref_log.sslv2_body != NULL);
	CHECK_EQ(ref_log.sslv2_copy[0], 1);
	CHECK_EQ(tls__parse_sslv2_client_hello(ref_log.sslv2_copy, 34, &ch), 0);
	CHECK_EQ(ch.legacy_version, 0x0301);
	CHECK_EQ(ch.n_ciphers, 2);
	CHECK(tls__looks_like_record(st.b, st.n));

	/* Only as the first record of a stream: later it is garbage to resync over. */
	record(&st2, TLS_CT_HANDSHAKE, 0x0301, msgs.b, msgs.n);
	build_sslv2(&st2, 0x0301);
	record(&st2, TLS_CT_HANDSHAKE, 0x0301, msgs.b, msgs.n);
	CHECK_EQ(run_all(st2.b, st2.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 3);
	CHECK_EQ(ref_log.ev[1].type, TLS_EV_ERROR);
	CHECK_EQ(ref_log.ev[1].err, -EINVAL);
	CHECK_EQ(ref_log.ev[2].type, TLS_EV_HANDSHAKE);
	CHECK_EQ(stats.sslv2_hellos, 0);
	CHECK_EQ(stats.skipped_bytes, 36);
	CHECK_EQ(stats.resyncs, 1);

	/* An SSLv2-looking start with an impossible version is just garbage. */
	st2.n = 0;
	build_sslv2(&st2, 0x0400);
	record(&st2, TLS_CT_HANDSHAKE, 0x0301, msgs.b, msgs.n);
	CHECK_EQ(run_all(st2.b, st2.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 2);
	CHECK_EQ(ref_log.ev[0].type, TLS_EV_ERROR);
	CHECK_EQ(ref_log.ev[1].hs_type, TLS_HS_CLIENT_KEY_EXCHANGE);
	CHECK_EQ(stats.sslv2_hellos, 0);
	free(msgs.b);
	free(st.b);
	free(st2.b);
}

static void test_garbage_then_resync(void)
{
	/* Near misses: a handshake header with length 0, a bad handshake type, a record that is
	 * too long, a ChangeCipherSpec of 2 bytes, and an alert of 1 byte. */
	static const uint8_t near[] = {
		0x16, 0x03, 0x01, 0x00, 0x00, 0x01, 0x16, 0x03, 0x03, 0x00, 0x10, 0x63,
		0x17, 0x03, 0x03, 0x50, 0x00, 0x14, 0x03, 0x03, 0x00, 0x02, 0x01, 0x01,
		0x15, 0x03, 0x03, 0x00, 0x01, 0x02, 0x16, 0x03, 0x05, 0x00, 0x10, 0x01,
	};
	const char *http = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
	struct sb msgs = { 0 }, st = { 0 };
	struct tls_stats stats;
	size_t garbage;

	sb_put(&st, http, strlen(http));
	sb_put(&st, near, sizeof(near));
	garbage = st.n;
	hs_msg(&msgs, TLS_HS_CLIENT_HELLO, 300);
	record(&st, TLS_CT_HANDSHAKE, 0x0301, msgs.b, msgs.n);
	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 2);
	CHECK_EQ(ref_log.ev[0].type, TLS_EV_ERROR);
	CHECK_EQ(ref_log.ev[0].err, -EINVAL);
	CHECK_EQ(ref_log.ev[1].type, TLS_EV_HANDSHAKE);
	CHECK_EQ(ref_log.ev[1].len, 300);
	CHECK_EQ(stats.malformed, 1);
	CHECK_EQ(stats.resyncs, 1);
	CHECK_EQ(stats.skipped_bytes, garbage);
	CHECK_EQ(stats.records, 1);

	/* A bad header in the middle of a good stream: one error, then the next record. */
	st.n = 0;
	record(&st, TLS_CT_HANDSHAKE, 0x0301, msgs.b, msgs.n);
	sb_put(&st, "\x16\x02\x05\x00\x0a", 5);
	sb_fill(&st, 0xaa, 10);
	record(&st, TLS_CT_HANDSHAKE, 0x0301, msgs.b, msgs.n);
	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 3);
	CHECK_EQ(ref_log.ev[1].type, TLS_EV_ERROR);
	CHECK_EQ(ref_log.ev[2].type, TLS_EV_HANDSHAKE);
	CHECK_EQ(stats.skipped_bytes, 15);
	CHECK_EQ(stats.malformed, 1);
	CHECK_EQ(stats.resyncs, 1);
	free(msgs.b);
	free(st.b);
}

static void test_gap_then_resync(void)
{
	static const uint8_t fatal[2] = { 2, 80 };
	struct sb msgs = { 0 }, st1 = { 0 }, st2 = { 0 };
	struct tls_stats stats = { 0 };
	struct tls_stream s;
	struct evlog *log = calloc(1, sizeof(*log));
	size_t half;

	hs_msg(&msgs, TLS_HS_SERVER_HELLO, 60);
	record(&st1, TLS_CT_HANDSHAKE, 0x0303, msgs.b, msgs.n);
	msgs.n = 0;
	hs_msg(&msgs, TLS_HS_CERTIFICATE, 1000);
	half = st1.n + 400;
	record(&st1, TLS_CT_HANDSHAKE, 0x0303, msgs.b, msgs.n);
	/* After the gap: the tail of a record (no plausible header in it), then good records. */
	sb_fill(&st2, 0xaa, 300);
	msgs.n = 0;
	hs_msg(&msgs, TLS_HS_SERVER_HELLO_DONE, 0);
	record(&st2, TLS_CT_HANDSHAKE, 0x0303, msgs.b, msgs.n);
	record(&st2, TLS_CT_ALERT, 0x0303, fatal, 2);

	const struct tls_env *senv = &(struct tls_env){ .stats = &stats };
	tls_stream__init(&s);
	log->s = &s;
	tls_stream__feed(&s, senv, st1.b, half, on_event, log);
	CHECK_EQ(log->n, 1);
	tls_stream__gap(&s, 500);
	CHECK(!s.in_sync);
	tls_stream__feed(&s, senv, st2.b, 150, on_event, log);
	tls_stream__feed(&s, senv, st2.b + 150, 153, on_event, log); /* ends inside the next header */
	CHECK_EQ(log->n, 1);
	tls_stream__feed(&s, senv, st2.b + 303, st2.n - 303, on_event, log);
	CHECK(s.in_sync);
	CHECK_EQ(log->n, 3);
	CHECK_EQ(log->ev[1].type, TLS_EV_HANDSHAKE);
	CHECK_EQ(log->ev[1].hs_type, TLS_HS_SERVER_HELLO_DONE);
	CHECK_EQ(log->ev[2].type, TLS_EV_ALERT);
	CHECK_EQ(log->ev[2].desc, 80);
	CHECK_EQ(stats.resyncs, 1);
	CHECK_EQ(stats.skipped_bytes, 300);
	CHECK_EQ(stats.malformed, 0);

	/* A gap also forgets a message half reassembled: no stale bytes leak into the next. */
	tls_stream__feed(&s, senv, st1.b + st1.n - 1009, 500, on_event, log);
	tls_stream__gap(&s, 10);
	tls_stream__feed(&s, senv, st2.b + 300, st2.n - 300, on_event, log);
	CHECK_EQ(log->n, 5);
	CHECK_EQ(log->ev[3].hs_type, TLS_HS_SERVER_HELLO_DONE);
	CHECK_EQ(log->ev[3].len, 0);
	tls_stream__free(&s, senv);
	free(msgs.b);
	free(st1.b);
	free(st2.b);
	free(log);
}

static void test_record_header_limits(void)
{
	struct sb st = { 0 };
	struct tls_stats stats;
	uint8_t *big = calloc(1, TLS_MAX_RECORD_LEN + 1);

	record(&st, TLS_CT_APPLICATION_DATA, 0x0303, big, TLS_MAX_RECORD_LEN);
	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 1);
	CHECK_EQ(ref_log.ev[0].type, TLS_EV_APPLICATION_DATA);
	CHECK_EQ(ref_log.ev[0].len, TLS_MAX_RECORD_LEN);

	/* One byte too long, zero length, content type 25, major version 2: all malformed. */
	st.n = 0;
	record(&st, TLS_CT_HANDSHAKE, 0x0303, big, TLS_MAX_RECORD_LEN + 1);
	CHECK_EQ(run_all(st.b, 5, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 1);
	CHECK_EQ(ref_log.ev[0].err, -EINVAL);
	st.n = 0;
	record(&st, TLS_CT_HANDSHAKE, 0x0303, big, 0);
	record(&st, 25, 0x0303, big, 10);
	record(&st, TLS_CT_HANDSHAKE, 0x0203, big, 10);
	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 1); /* one error, then out of sync until a plausible header */
	CHECK_EQ(stats.malformed, 1);
	CHECK_EQ(stats.skipped_bytes, st.n);

	/* A record at the maximum that straddles feeds: the buffer is capped. */
	st.n = 0;
	big[0] = TLS_HS_CERTIFICATE;
	big[2] = (TLS_MAX_RECORD_LEN - 4) >> 8;
	big[3] = (TLS_MAX_RECORD_LEN - 4) & 0xff;
	record(&st, TLS_CT_HANDSHAKE, 0x0303, big, TLS_MAX_RECORD_LEN);
	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 1);
	CHECK_EQ(ref_log.ev[0].len, TLS_MAX_RECORD_LEN - 4);
	free(big);
	free(st.b);
}

static void test_looks_like_record(void)
{
	struct sb st = { 0 };

	CHECK(tls__looks_like_record((const uint8_t *)"\x16\x03\x01\x02\x00\x01", 6));
	CHECK(tls__looks_like_record((const uint8_t *)"\x16\x03\x01\x02\x00", 5));
	CHECK(tls__looks_like_record((const uint8_t *)"\x17\x03\x03\x40\x00", 5));
	CHECK(tls__looks_like_record((const uint8_t *)"\x15\x03\x03\x00\x02\x02\x28", 7));
	CHECK(tls__looks_like_record((const uint8_t *)"\x14\x03\x03\x00\x01\x01", 6));
	CHECK(tls__looks_like_record((const uint8_t *)"\x16\x03\x00\x00\x30\x02", 6));
	CHECK(tls__looks_like_record((const uint8_t *)"\x16\x03\x04\x00\x30\x02", 6));
	CHECK(!tls__looks_like_record((const uint8_t *)"\x16\x03\x01\x02", 4));
	CHECK(!tls__looks_like_record((const uint8_t *)"\x16\x03\x01\x02\x00\x63", 6));
	CHECK(!tls__looks_like_record((const uint8_t *)"\x16\x03\x05\x02\x00\x01", 6));
	CHECK(!tls__looks_like_record((const uint8_t *)"\x16\x02\x00\x02\x00\x01", 6));
	CHECK(!tls__looks_like_record((const uint8_t *)"\x16\x03\x01\x00\x00\x01", 6));
	CHECK(!tls__looks_like_record((const uint8_t *)"\x16\x03\x01\x48\x01\x01", 6));
	CHECK(!tls__looks_like_record((const uint8_t *)"\x18\x03\x03\x00\x10\x01", 6));
	CHECK(!tls__looks_like_record((const uint8_t *)"\x13\x03\x03\x00\x10\x01", 6));
	CHECK(!tls__looks_like_record((const uint8_t *)"GET / HTTP/1.1", 14));
	CHECK(!tls__looks_like_record((const uint8_t *)"\x80\x2e\x02\x03\x01", 5));
	build_sslv2(&st, 0x0002);
	CHECK(tls__looks_like_record(st.b, st.n));
	st.b[3] = 0x02; /* version 0x0202 */
	CHECK(!tls__looks_like_record(st.b, st.n));
	free(st.b);
}

/* Mutated and random streams with gaps: no crash, bounded buffers, and the same events whatever
 * the chunking (checked for the gap-free ones). */
static void test_random_streams(void)
{
	struct tls_limits lim = { .max_handshake_msg = 3000 };
	struct sb base = { 0 };
	struct tls_stats stats;
	uint32_t seed = 777;
	uint8_t *c;
	size_t i, pos;
	int round, bad = 0;

	build_full_stream(&base);
	c = malloc(base.n);
	for (round = 0; round < 150; round++) {
		memcpy(c, base.b, base.n);
		for (i = 0; i < (size_t)(1 + round % 8); i++) {
			seed = seed * 1103515245 + 12345;
			pos = (seed >> 4) % base.n;
			/* Favour the first bytes, where the headers and lengths are. */
			if (round % 2)
				pos %= 2100;
			c[pos] = (uint8_t)(seed >> 24);
		}
		bad += run_all(c, base.n, &lim, round % 3 == 0, &stats);
	}
	CHECK_EQ(bad, 0);

	for (round = 0; round < 50; round++) {
		struct tls_stream s;
		size_t off = 0, k;

		for (i = 0; i < base.n; i++) {
			seed = seed * 1103515245 + 12345;
			c[i] = round % 2 ? (uint8_t)(seed >> 24) : (uint8_t)(20 + (seed >> 24) % 5);
		}
		memset(&stats, 0, sizeof(stats));
		const struct tls_env *senv = &(struct tls_env){ .limits = &lim, .stats = &stats };
		tls_stream__init(&s);
		while (off < base.n) {
			seed = seed * 1103515245 + 12345;
			k = 1 + (seed >> 8) % 3000;
			if (k > base.n - off)
				k = base.n - off;
			tls_stream__feed(&s, senv, c + off, k, NULL, NULL);
			if ((seed >> 4) % 5 == 0)
				tls_stream__gap(&s, k);
			off += k;
			CHECK(rec_cap(&s) <= TLS_MAX_RECORD_LEN);
			CHECK(msg_cap(&s) <= lim.max_handshake_msg + 4);
			CHECK(s.hdr_len <= 5);
		}
		tls_stream__free(&s, senv);
	}
	free(c);
	free(base.b);
}

int main(void)
{
	RUN_TEST(test_sslv2_hello);
	RUN_TEST(test_garbage_then_resync);
	RUN_TEST(test_gap_then_resync);
	RUN_TEST(test_record_header_limits);
	RUN_TEST(test_looks_like_record);
	RUN_TEST(test_random_streams);
	tls_spare__fini(&run_spare);
	return CHECK_DONE();
}
