// SPDX-License-Identifier: GPL-2.0
/* Record layer on crafted streams: messages in and over records, oversized messages, alerts and
 * encryption, records streamed into the message buffer, spare buffers. Every stream is also fed
 * byte by byte and in random chunk sizes, and must give exactly the same events and counters as
 * when fed whole. SSLv2, resynchronisation and random streams are in test_tls_record_resync.c. */
#include "tls_record_streams.h"

static void test_messages_in_one_record(void)
{
	struct sb msgs = { 0 }, st = { 0 };
	struct tls_stream s;
	struct tls_stats stats;
	struct evlog *log = calloc(1, sizeof(*log));
	uint32_t h[4];

	h[0] = hs_msg(&msgs, TLS_HS_SERVER_HELLO, 70);
	h[1] = hs_msg(&msgs, TLS_HS_CERTIFICATE, 3000);
	h[2] = hs_msg(&msgs, TLS_HS_SERVER_KEY_EXCHANGE, 300);
	h[3] = hs_msg(&msgs, TLS_HS_SERVER_HELLO_DONE, 0);
	record(&st, TLS_CT_HANDSHAKE, 0x0303, msgs.b, msgs.n);

	memset(&stats, 0, sizeof(stats));
	const struct tls_env *senv = &(struct tls_env){ .stats = &stats };
	tls_stream__init(&s);
	log->s = &s;
	tls_stream__feed(&s, senv, st.b, st.n, on_event, log);
	/* Whole records inside the fed buffer are handed out in place: nothing allocated. */
	CHECK(s.bufs == NULL);
	CHECK(s.in_sync);
	tls_stream__free(&s, senv);

	CHECK_EQ(log->n, 4);
	CHECK_EQ(log->ev[0].type, TLS_EV_HANDSHAKE);
	CHECK_EQ(log->ev[0].hs_type, TLS_HS_SERVER_HELLO);
	CHECK_EQ(log->ev[0].len, 70);
	CHECK_EQ(log->ev[0].hash, h[0]);
	CHECK_EQ(log->ev[0].ver, 0x0303);
	CHECK_EQ(log->ev[1].hs_type, TLS_HS_CERTIFICATE);
	CHECK_EQ(log->ev[1].hash, h[1]);
	CHECK_EQ(log->ev[2].hs_type, TLS_HS_SERVER_KEY_EXCHANGE);
	CHECK_EQ(log->ev[2].hash, h[2]);
	CHECK_EQ(log->ev[3].hs_type, TLS_HS_SERVER_HELLO_DONE);
	CHECK_EQ(log->ev[3].len, 0);
	CHECK_EQ(log->ev[3].hash, h[3]);
	CHECK_EQ(stats.records, 1);
	CHECK_EQ(stats.handshake_msgs, 4);
	CHECK_EQ(stats.malformed + stats.oversized + stats.resyncs + stats.skipped_bytes, 0);

	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 4);
	free(msgs.b);
	free(st.b);
	free(log);
}

static void test_message_over_many_records(void)
{
	static const size_t sizes[] = { 1, 2, 3, 100, 16384, 7, 4000 };
	struct tls_limits lim = { .max_handshake_msg = 65536 };
	struct sb msgs = { 0 }, st = { 0 };
	struct tls_stats stats;
	uint32_t h_cert, h_done;
	struct tls_stream s;
	struct evlog *log = calloc(1, sizeof(*log));

	h_cert = hs_msg(&msgs, TLS_HS_CERTIFICATE, 40000);
	h_done = hs_msg(&msgs, TLS_HS_SERVER_HELLO_DONE, 0);
	fragment(&st, &msgs, sizes, 7);

	CHECK_EQ(run_all(st.b, st.n, &lim, false, &stats), 0);
	CHECK_EQ(ref_log.n, 2);
	CHECK_EQ(ref_log.ev[0].hs_type, TLS_HS_CERTIFICATE);
	CHECK_EQ(ref_log.ev[0].len, 40000);
	CHECK_EQ(ref_log.ev[0].hash, h_cert);
	CHECK_EQ(ref_log.ev[1].hs_type, TLS_HS_SERVER_HELLO_DONE);
	CHECK_EQ(ref_log.ev[1].hash, h_done);
	CHECK(stats.records > 10);
	CHECK_EQ(stats.handshake_msgs, 2);

	/* The reassembly buffer grows to the message, never past the limit. */
	memset(&stats, 0, sizeof(stats));
	const struct tls_env *senv = &(struct tls_env){ .limits = &lim, .stats = &stats };
	tls_stream__init(&s);
	log->s = &s;
	tls_stream__feed(&s, senv, st.b, st.n, on_event, log);
	CHECK(msg_cap(&s) >= 40004);
	CHECK(msg_cap(&s) <= lim.max_handshake_msg + 4);
	tls_stream__free(&s, senv);
	free(msgs.b);
	free(st.b);
	free(log);
}

/* The 4-byte handshake header split at every point across two records. */
static void test_header_split_across_records(void)
{
	struct sb msgs = { 0 };
	struct tls_stats stats;
	size_t cut;

	hs_msg(&msgs, TLS_HS_SERVER_HELLO, 50);
	hs_msg(&msgs, TLS_HS_CERTIFICATE, 500);
	hs_msg(&msgs, TLS_HS_SERVER_HELLO_DONE, 0);
	for (cut = 1; cut < msgs.n; cut += (cut < 60 ? 1 : 37)) {
		struct sb st = { 0 };

		record(&st, TLS_CT_HANDSHAKE, 0x0301, msgs.b, cut);
		record(&st, TLS_CT_HANDSHAKE, 0x0303, msgs.b + cut, msgs.n - cut);
		CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
		CHECK_EQ(ref_log.n, 3);
		CHECK_EQ(ref_log.ev[1].len, 500);
		CHECK_EQ(ref_log.ev[2].hs_type, TLS_HS_SERVER_HELLO_DONE);
		/* A message carries the version of the record that completed it. */
		CHECK_EQ(ref_log.ev[0].ver, cut >= 54 ? 0x0301 : 0x0303);
		CHECK_EQ(stats.records, 2);
		free(st.b);
	}
	free(msgs.b);
}
static void test_full_stream_chunkings(void)
{
	static const int want[] = {
		TLS_EV_HANDSHAKE,	 TLS_EV_HANDSHAKE,	    TLS_EV_HANDSHAKE,
		TLS_EV_HANDSHAKE,	 TLS_EV_ALERT,		    TLS_EV_HEARTBEAT,
		TLS_EV_CHANGE_CIPHER_SPEC, TLS_EV_ENCRYPTED_HANDSHAKE, TLS_EV_APPLICATION_DATA,
		TLS_EV_APPLICATION_DATA, TLS_EV_ALERT,
	};
	struct sb st = { 0 };
	struct tls_stats stats;
	int i;

	build_full_stream(&st);
	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 11);
	for (i = 0; i < 11; i++)
		CHECK_EQ(ref_log.ev[i].type, want[i]);
	CHECK_EQ(ref_log.ev[4].lvl, 1);
	CHECK_EQ(ref_log.ev[4].desc, 90);
	CHECK(!ref_log.ev[4].enc);
	/* RFC 6520: a plaintext heartbeat before ChangeCipherSpec, its length reported */
	CHECK(!ref_log.ev[5].enc);
	CHECK_EQ(ref_log.ev[5].len, 20);
	CHECK_EQ(ref_log.ev[7].len, 40);
	CHECK_EQ(ref_log.ev[9].len, 16384 + 700);
	CHECK(ref_log.ev[10].enc);
	CHECK_EQ(ref_log.ev[10].len, 26);
	CHECK_EQ(stats.handshake_msgs, 4);
	CHECK_EQ(stats.malformed + stats.oversized + stats.resyncs + stats.skipped_bytes, 0);
	free(st.b);
}

/* A record completes in the first feed, the next one straddles into the second. */
static void test_record_straddles_feeds(void)
{
	struct sb msgs = { 0 }, st = { 0 };
	struct tls_stats stats = { 0 };
	struct tls_stream s;
	struct evlog *log = calloc(1, sizeof(*log));
	size_t first;

	hs_msg(&msgs, TLS_HS_CLIENT_HELLO, 200);
	record(&st, TLS_CT_HANDSHAKE, 0x0301, msgs.b, msgs.n);
	first = st.n;
	hs_msg(&msgs, TLS_HS_CLIENT_KEY_EXCHANGE, 66);
	record(&st, TLS_CT_HANDSHAKE, 0x0303, msgs.b + first - 5, msgs.n - (first - 5));

	const struct tls_env *senv = &(struct tls_env){ .stats = &stats };
	tls_stream__init(&s);
	log->s = &s;
	tls_stream__feed(&s, senv, st.b, first + 20, on_event, log);
	CHECK_EQ(log->n, 1);
	CHECK_EQ(log->ev[0].hs_type, TLS_HS_CLIENT_HELLO);
	CHECK_EQ(log->ev[0].ver, 0x0301);
	tls_stream__feed(&s, senv, st.b + first + 20, st.n - first - 20, on_event, log);
	CHECK_EQ(log->n, 2);
	CHECK_EQ(log->ev[1].hs_type, TLS_HS_CLIENT_KEY_EXCHANGE);
	CHECK_EQ(log->ev[1].len, 66);
	CHECK(rec_cap(&s) > 0 && rec_cap(&s) <= TLS_MAX_RECORD_LEN);
	tls_stream__free(&s, senv);
	free(msgs.b);
	free(st.b);
	free(log);
}

/* A stream packed into its flags wherever it can be between two feeds and made again from
 * them reads the same events as one fed whole (the flow table keeps quiet directions so). */
static void test_pack_between_feeds(void)
{
	static const uint8_t ccs = 1, warn_alert[2] = { 1, 90 };
	static struct evlog log;
	static uint8_t junk[17100];
	struct sb msgs = { 0 }, st = { 0 };
	struct tls_stats stats, st2;
	int packed = 0, refused = 0;

	hs_msg(&msgs, TLS_HS_CLIENT_HELLO, 300);
	record(&st, TLS_CT_HANDSHAKE, 0x0301, msgs.b, msgs.n);
	record(&st, TLS_CT_ALERT, 0x0303, warn_alert, 2);
	record(&st, TLS_CT_HEARTBEAT, 0x0303, junk, 20);
	record(&st, TLS_CT_CHANGE_CIPHER_SPEC, 0x0303, &ccs, 1);
	record(&st, TLS_CT_HANDSHAKE, 0x0303, junk, 40);
	record(&st, TLS_CT_APPLICATION_DATA, 0x0303, junk, 16384 + 700);
	record(&st, TLS_CT_ALERT, 0x0303, junk, 26);
	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 7);
	/* record by record (every boundary packs), byte by byte, in small chunks */
	for (int mode = 0; mode < 3; mode++) {
		const struct tls_env env = { .stats = &st2 };
		struct tls_stream s;
		uint32_t seed = 7;
		size_t off = 0, k;
		uint8_t fl, fl2;

		memset(&log, 0, sizeof(log));
		memset(&st2, 0, sizeof(st2));
		tls_stream__init(&s);
		log.s = &s;
		while (off < st.n) {
			seed = seed * 1103515245 + 12345;
			if (mode == 0)
				k = 5 + (size_t)(st.b[off + 3] << 8 | st.b[off + 4]);
			else
				k = mode == 1 ? 1 : 1 + (seed >> 16) % 64;
			if (k > st.n - off)
				k = st.n - off;
			tls_stream__feed(&s, &env, st.b + off, k, on_event, &log);
			off += k;
			if (!tls_stream__pack(&s, &fl)) {
				refused++;
				continue;
			}
			packed++;
			tls_stream__unpack(&s, fl);
			CHECK(tls_stream__pack(&s, &fl2) && fl2 == fl);
		}
		tls_stream__free(&s, &env);
		CHECK_EQ(log.n, ref_log.n);
		for (int i = 0; i < log.n && i < ref_log.n; i++)
			CHECK(!memcmp(&log.ev[i], &ref_log.ev[i], sizeof(log.ev[i])));
		CHECK_EQ(st2.handshake_msgs, stats.handshake_msgs);
		CHECK_EQ(st2.records, stats.records);
	}
	/* At every record's end when records come whole; not inside a record, nor once a
	 * record cut across feeds gave the stream its buffers (kept for the next one). */
	CHECK(packed >= 7);
	CHECK(refused > 0);
	free(msgs.b);
	free(st.b);
}

static void test_oversized_message(void)
{
	static const size_t sizes[] = { 700, 2 }, sizes_split[] = { 2, 700 };
	struct tls_limits lim = { .max_handshake_msg = 1000 };
	struct sb msgs = { 0 }, st = { 0 };
	struct tls_stats stats;
	uint32_t h_done;
	int variant;

	for (variant = 0; variant < 3; variant++) {
		msgs.n = st.n = 0;
		hs_msg(&msgs, TLS_HS_CERTIFICATE, variant == 2 ? 1001 : 2000);
		h_done = hs_msg(&msgs, TLS_HS_SERVER_HELLO_DONE, 0);
		if (variant == 0) /* in one record: the in-place path */
			record(&st, TLS_CT_HANDSHAKE, 0x0303, msgs.b, msgs.n);
		else if (variant == 1) /* over records of 700 and 2 bytes */
			fragment(&st, &msgs, sizes, 2);
		else /* the handshake header itself split over two records */
			fragment(&st, &msgs, sizes_split, 2);
		CHECK_EQ(run_all(st.b, st.n, &lim, false, &stats), 0);
		CHECK_EQ(ref_log.n, 2);
		CHECK_EQ(ref_log.ev[0].type, TLS_EV_ERROR);
		CHECK_EQ(ref_log.ev[0].err, -E2BIG);
		CHECK_EQ(ref_log.ev[1].type, TLS_EV_HANDSHAKE);
		CHECK_EQ(ref_log.ev[1].hs_type, TLS_HS_SERVER_HELLO_DONE);
		CHECK_EQ(ref_log.ev[1].hash, h_done);
		CHECK_EQ(stats.oversized, 1);
		CHECK_EQ(stats.malformed, 0);
		CHECK_EQ(stats.resyncs, 0);
		CHECK_EQ(stats.handshake_msgs, 1);
	}

	/* Exactly at the limit is fine, and the buffer stays within limit + header. */
	{
		struct tls_stream s;
		struct evlog *log = calloc(1, sizeof(*log));

		msgs.n = st.n = 0;
		hs_msg(&msgs, TLS_HS_CERTIFICATE, 1000);
		fragment(&st, &msgs, sizes, 2);
		const struct tls_env *senv = &(struct tls_env){ .limits = &lim, .stats = &stats };
		tls_stream__init(&s);
		log->s = &s;
		tls_stream__feed(&s, senv, st.b, st.n, on_event, log);
		CHECK_EQ(log->n, 1);
		CHECK_EQ(log->ev[0].type, TLS_EV_HANDSHAKE);
		CHECK_EQ(log->ev[0].len, 1000);
		CHECK(msg_cap(&s) <= 1004);
		tls_stream__free(&s, senv);
		free(log);
	}
	free(msgs.b);
	free(st.b);
}

static void test_alerts_and_encryption(void)
{
	static const uint8_t ccs = 1, fatal[2] = { 2, 40 }, close_notify[2] = { 1, 0 };
	struct sb msgs = { 0 }, st = { 0 };
	struct tls_stats stats;
	uint8_t junk[64];

	memset(junk, 0xee, sizeof(junk));
	record(&st, TLS_CT_ALERT, 0x0303, fatal, 2);
	record(&st, TLS_CT_ALERT, 0x0303, junk, 26); /* not 2 bytes: cannot be plaintext */
	/* A message cut by ChangeCipherSpec never completes. */
	hs_msg(&msgs, TLS_HS_FINISHED, 12);
	record(&st, TLS_CT_HANDSHAKE, 0x0303, msgs.b, 6);
	record(&st, TLS_CT_CHANGE_CIPHER_SPEC, 0x0303, &ccs, 1);
	record(&st, TLS_CT_HANDSHAKE, 0x0303, junk, 40);
	record(&st, TLS_CT_HANDSHAKE, 0x0303, junk, 4);
	record(&st, TLS_CT_ALERT, 0x0303, junk, 26);
	record(&st, TLS_CT_ALERT, 0x0303, close_notify, 2);
	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 7);
	CHECK_EQ(ref_log.ev[0].type, TLS_EV_ALERT);
	CHECK(!ref_log.ev[0].enc);
	CHECK_EQ(ref_log.ev[0].lvl, 2);
	CHECK_EQ(ref_log.ev[0].desc, 40);
	CHECK_EQ(ref_log.ev[1].type, TLS_EV_ALERT);
	CHECK(ref_log.ev[1].enc);
	CHECK_EQ(ref_log.ev[1].lvl, 0);
	CHECK_EQ(ref_log.ev[2].type, TLS_EV_CHANGE_CIPHER_SPEC);
	CHECK_EQ(ref_log.ev[3].type, TLS_EV_ENCRYPTED_HANDSHAKE);
	CHECK(ref_log.ev[3].enc);
	CHECK_EQ(ref_log.ev[3].len, 40);
	CHECK_EQ(ref_log.ev[3].hash, fnv(junk, 40));
	/* Four encrypted bytes that would look like a handshake header are not parsed. */
	CHECK_EQ(ref_log.ev[4].type, TLS_EV_ENCRYPTED_HANDSHAKE);
	CHECK_EQ(ref_log.ev[4].len, 4);
	CHECK_EQ(ref_log.ev[5].type, TLS_EV_ALERT);
	CHECK(ref_log.ev[5].enc);
	/* Any protected record carries a MAC or tag, so a 2-byte alert is plaintext. */
	CHECK_EQ(ref_log.ev[6].type, TLS_EV_ALERT);
	CHECK(!ref_log.ev[6].enc);
	CHECK_EQ(ref_log.ev[6].lvl, 1);
	CHECK_EQ(ref_log.ev[6].desc, 0);
	CHECK_EQ(stats.handshake_msgs, 0);
	free(msgs.b);
	free(st.b);
}

/* TLS 1.3: the engine switches the server direction to encrypted from the ServerHello event. */
static void test_set_encrypted_from_callback(void)
{
	struct sb msgs = { 0 }, st = { 0 };
	struct tls_stats stats;
	uint8_t junk[90];

	memset(junk, 0x01, sizeof(junk));
	hs_msg(&msgs, TLS_HS_SERVER_HELLO, 90);
	/* Bytes after the ServerHello in the same record must not be parsed as plaintext. */
	hs_msg(&msgs, TLS_HS_SERVER_HELLO_DONE, 0);
	record(&st, TLS_CT_HANDSHAKE, 0x0303, msgs.b, msgs.n);
	record(&st, TLS_CT_HANDSHAKE, 0x0303, junk, 60);
	record(&st, TLS_CT_APPLICATION_DATA, 0x0303, junk, 90);
	CHECK_EQ(run_all(st.b, st.n, NULL, true, &stats), 0);
	CHECK_EQ(ref_log.n, 3);
	CHECK_EQ(ref_log.ev[0].hs_type, TLS_HS_SERVER_HELLO);
	CHECK_EQ(ref_log.ev[1].type, TLS_EV_ENCRYPTED_HANDSHAKE);
	CHECK_EQ(ref_log.ev[1].len, 60);
	CHECK_EQ(ref_log.ev[2].type, TLS_EV_APPLICATION_DATA);
	CHECK_EQ(stats.handshake_msgs, 1);

	/* Without the engine's call: two plaintext messages, then a "message" that never ends. */
	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.ev[1].type, TLS_EV_HANDSHAKE);
	CHECK_EQ(ref_log.ev[1].hs_type, TLS_HS_SERVER_HELLO_DONE);
	free(msgs.b);
	free(st.b);
}

/* SH, then a 20,000-byte Certificate over records of 4,000 bytes, then ServerHelloDone. */
static void cert_over_records(struct sb *msgs, struct sb *st)
{
	size_t off, k;

	hs_msg(msgs, TLS_HS_SERVER_HELLO, 50);
	hs_msg(msgs, TLS_HS_CERTIFICATE, 20000);
	hs_msg(msgs, TLS_HS_SERVER_HELLO_DONE, 0);
	for (off = 0; off < msgs->n; off += k) {
		k = off ? 4000 : 1000;
		if (k > msgs->n - off)
			k = msgs->n - off;
		record(st, TLS_CT_HANDSHAKE, 0x0303, msgs->b + off, k);
	}
}

/* Records in the middle of a message go straight into the message buffer when they arrive in
 * pieces: the record buffer only ever holds the first record (it starts with whole messages)
 * and the tail of the last one. */
static void test_records_streamed_into_message(void)
{
	struct sb msgs = { 0 }, st = { 0 };
	struct tls_stats stats = { 0 };
	struct tls_stream s;
	struct evlog *log = calloc(1, sizeof(*log));
	size_t off, k;

	cert_over_records(&msgs, &st);
	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 3);
	CHECK_EQ(ref_log.ev[1].len, 20000);

	const struct tls_env *senv = &(struct tls_env){ .stats = &stats };
	tls_stream__init(&s);
	log->s = &s;
	for (off = 0; off < st.n; off += k) {
		k = st.n - off < 500 ? st.n - off : 500;
		tls_stream__feed(&s, senv, st.b + off, k, on_event, log);
	}
	CHECK_EQ(log->n, 3);
	CHECK_EQ(log->ev[1].hash, ref_log.ev[1].hash);
	CHECK(rec_cap(&s) <= 2048);
	CHECK(msg_cap(&s) >= 20004);
	tls_stream__free(&s, senv);
	free(msgs.b);
	free(st.b);
	free(log);
}

/* A message that starts its record and goes on past it (the first record of a big Certificate,
 * fed in segments): its bytes go straight into the message buffer, the record buffer is never
 * needed, and the events are those of the whole-stream feed (run_all() tries every way of
 * cutting it). */
static void test_record_start_streamed_into_message(void)
{
	struct sb msgs = { 0 }, st = { 0 };
	struct tls_stats stats = { 0 };
	struct tls_stream s;
	struct evlog *log = calloc(1, sizeof(*log));
	size_t off, k;

	hs_msg(&msgs, TLS_HS_CERTIFICATE, 20000);
	hs_msg(&msgs, TLS_HS_SERVER_HELLO_DONE, 0);
	for (off = 0; off < msgs.n; off += k) {
		k = msgs.n - off < 16384 ? msgs.n - off : 16384;
		record(&st, TLS_CT_HANDSHAKE, 0x0303, msgs.b + off, k);
	}
	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 2);
	CHECK_EQ(ref_log.ev[0].len, 20000);

	const struct tls_env *senv = &(struct tls_env){ .stats = &stats };
	tls_stream__init(&s);
	log->s = &s;
	for (off = 0; off < st.n; off += k) {
		k = st.n - off < 1448 ? st.n - off : 1448;
		tls_stream__feed(&s, senv, st.b + off, k, on_event, log);
	}
	CHECK_EQ(log->n, 2);
	CHECK_EQ(log->ev[0].hash, ref_log.ev[0].hash);
	CHECK_EQ(log->ev[1].hs_type, TLS_HS_SERVER_HELLO_DONE);
	/* the last record's tail (the end of the Certificate, then ServerHelloDone) */
	CHECK(rec_cap(&s) <= 4096);
	CHECK(msg_cap(&s) >= 20004);
	tls_stream__free(&s, senv);
	free(msgs.b);
	free(st.b);
	free(log);
}

/* Over the size limit, a message starting a record that arrives in pieces is reported as the
 * record completes, as when the record comes whole: not streamed. */
static void test_record_start_oversized_not_streamed(void)
{
	struct tls_limits lim = { .max_handshake_msg = 5000 };
	struct sb msgs = { 0 }, st = { 0 };
	struct tls_stats stats = { 0 };

	hs_msg(&msgs, TLS_HS_CERTIFICATE, 9000);
	hs_msg(&msgs, TLS_HS_SERVER_HELLO_DONE, 0);
	record(&st, TLS_CT_HANDSHAKE, 0x0303, msgs.b, 6000);
	record(&st, TLS_CT_HANDSHAKE, 0x0303, msgs.b + 6000, msgs.n - 6000);
	CHECK_EQ(run_all(st.b, st.n, &lim, false, &stats), 0);
	CHECK_EQ(ref_log.n, 2);
	CHECK_EQ(ref_log.ev[0].type, TLS_EV_ERROR);
	CHECK_EQ(ref_log.ev[1].hs_type, TLS_HS_SERVER_HELLO_DONE);
	free(msgs.b);
	free(st.b);
}

/* An ended stream's buffers go to the next stream of the same env, up to TLS_SPARE_MAX sets and
 * none too big; tls_spare__fini() frees them. */
static void test_spare_buffers(void)
{
	struct tls_limits lim = { .max_handshake_msg = 300000 };
	struct sb msgs = { 0 }, st = { 0 }, big = { 0 }, bigst = { 0 };
	struct tls_spare sp = { 0 };
	struct tls_env env = { .limits = &lim, .spare = &sp };
	struct tls_stream s[3];
	struct evlog *log = calloc(1, sizeof(*log));
	uint32_t mcap;
	size_t off, k;
	int i;

	cert_over_records(&msgs, &st);
	for (i = 0; i < 3; i++) {
		tls_stream__init(&s[i]);
		log->s = &s[i];
		log->n = 0;
		for (off = 0; off < st.n; off += k) {
			k = st.n - off < 700 ? st.n - off : 700;
			tls_stream__feed(&s[i], &env, st.b + off, k, on_event, log);
		}
		CHECK_EQ(log->n, 3);
		CHECK_EQ(log->ev[1].len, 20000);
	}
	mcap = msg_cap(&s[0]);
	CHECK_EQ(sp.n, 0u);
	for (i = 0; i < 3; i++)
		tls_stream__free(&s[i], &env);
	CHECK_EQ(sp.n, (unsigned int)TLS_SPARE_MAX);
	/* The next stream starts with a kept set, grown already. */
	tls_stream__init(&s[0]);
	log->s = &s[0];
	log->n = 0;
	tls_stream__feed(&s[0], &env, st.b, 700, on_event, log);
	CHECK_EQ(sp.n, (unsigned int)TLS_SPARE_MAX - 1);
	CHECK_EQ(msg_cap(&s[0]), mcap);
	tls_stream__feed(&s[0], &env, st.b + 700, st.n - 700, on_event, log);
	CHECK_EQ(log->n, 3);
	tls_stream__free(&s[0], &env);
	CHECK_EQ(sp.n, (unsigned int)TLS_SPARE_MAX);
	tls_spare__fini(&sp);
	CHECK_EQ(sp.n, 0u);

	/* A 200 KB message's buffer is freed, not kept. */
	hs_msg(&big, TLS_HS_CERTIFICATE, 200000);
	for (off = 0; off < big.n; off += k) {
		k = big.n - off < 16000 ? big.n - off : 16000;
		record(&bigst, TLS_CT_HANDSHAKE, 0x0303, big.b + off, k);
	}
	tls_stream__init(&s[0]);
	log->s = &s[0];
	log->n = 0;
	for (off = 0; off < bigst.n; off += k) {
		k = bigst.n - off < 1400 ? bigst.n - off : 1400;
		tls_stream__feed(&s[0], &env, bigst.b + off, k, on_event, log);
	}
	CHECK_EQ(log->n, 1);
	CHECK(msg_cap(&s[0]) >= 200004);
	tls_stream__free(&s[0], &env);
	CHECK_EQ(sp.n, 0u);
	free(msgs.b);
	free(st.b);
	free(big.b);
	free(bigst.b);
	free(log);
}

int main(void)
{
	RUN_TEST(test_messages_in_one_record);
	RUN_TEST(test_message_over_many_records);
	RUN_TEST(test_header_split_across_records);
	RUN_TEST(test_full_stream_chunkings);
	RUN_TEST(test_record_straddles_feeds);
	RUN_TEST(test_oversized_message);
	RUN_TEST(test_alerts_and_encryption);
	RUN_TEST(test_set_encrypted_from_callback);
	RUN_TEST(test_records_streamed_into_message);
	RUN_TEST(test_record_start_streamed_into_message);
	RUN_TEST(test_record_start_oversized_not_streamed);
	RUN_TEST(test_spare_buffers);
	RUN_TEST(test_pack_between_feeds);
	tls_spare__fini(&run_spare);
	return CHECK_DONE();
}
