// SPDX-License-Identifier: GPL-2.0
/* Record layer on crafted streams. Every stream is also fed byte by byte and in random chunk
 * sizes, and must give exactly the same events and counters as when fed whole. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls/tls_msg.h"
#include "tls/tls_record.h"

struct ev_rec {
	int type;
	uint16_t ver;
	uint8_t hs_type;
	bool enc;
	uint8_t lvl, desc;
	uint32_t len;
	int err;
	uint32_t hash;
	bool has_body;
};

#define LOG_MAX 512

struct evlog {
	struct ev_rec ev[LOG_MAX];
	int n;
	struct tls_stream *s;
	bool encrypt_after_sh; /* act like the engine for TLS 1.3 */
	const uint8_t *sslv2_body; /* copy of the last SSLv2 body */
	uint8_t sslv2_copy[512];
};

static uint32_t fnv(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static void on_event(void *ctx, const struct tls_event *ev)
{
	struct evlog *l = ctx;
	struct ev_rec *r;

	if (l->n >= LOG_MAX)
		return;
	r = &l->ev[l->n++];
	memset(r, 0, sizeof(*r));
	r->type = ev->type;
	r->ver = ev->record_version;
	r->hs_type = ev->hs_type;
	r->enc = ev->encrypted;
	r->lvl = ev->alert_level;
	r->desc = ev->alert_desc;
	r->len = ev->len;
	r->err = ev->error;
	r->has_body = ev->body != NULL;
	if (ev->body)
		r->hash = fnv(ev->body, ev->len);
	if (ev->type == TLS_EV_SSLV2_CLIENT_HELLO && ev->len <= sizeof(l->sslv2_copy)) {
		memcpy(l->sslv2_copy, ev->body, ev->len);
		l->sslv2_body = l->sslv2_copy;
	}
	if (l->encrypt_after_sh && ev->type == TLS_EV_HANDSHAKE &&
	    ev->hs_type == TLS_HS_SERVER_HELLO)
		tls_stream__set_encrypted(l->s);
}

/* Growable stream builder. */
struct sb {
	uint8_t *b;
	size_t n, cap;
};

static void sb_put(struct sb *s, const void *p, size_t n)
{
	if (s->n + n > s->cap) {
		s->cap = (s->n + n) * 2;
		s->b = realloc(s->b, s->cap);
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void sb_byte(struct sb *s, uint8_t v)
{
	sb_put(s, &v, 1);
}

static void sb_fill(struct sb *s, uint8_t v, size_t n)
{
	while (n--)
		sb_byte(s, v);
}

static void record(struct sb *s, uint8_t type, uint16_t ver, const uint8_t *body, size_t n)
{
	uint8_t h[5] = { type, (uint8_t)(ver >> 8), (uint8_t)ver, (uint8_t)(n >> 8), (uint8_t)n };

	sb_put(s, h, 5);
	sb_put(s, body, n);
}

/* A handshake message whose body is a recognisable pattern; returns the body hash. */
static uint32_t hs_msg(struct sb *s, uint8_t type, size_t blen)
{
	uint8_t h[4] = { type, (uint8_t)(blen >> 16), (uint8_t)(blen >> 8), (uint8_t)blen };
	size_t start, i;

	sb_put(s, h, 4);
	start = s->n;
	for (i = 0; i < blen; i++)
		sb_byte(s, (uint8_t)(i * 7 + type));
	return fnv(s->b + start, blen);
}

/* Wrap all of msgs in handshake records whose sizes cycle through sizes[]. */
static void fragment(struct sb *out, const struct sb *msgs, const size_t *sizes, int n_sizes)
{
	size_t off = 0, k;
	int i = 0;

	while (off < msgs->n) {
		k = sizes[i++ % n_sizes];
		if (k > msgs->n - off)
			k = msgs->n - off;
		record(out, TLS_CT_HANDSHAKE, 0x0303, msgs->b + off, k);
		off += k;
	}
}

static uint32_t rec_cap(const struct tls_stream *s)
{
	uint32_t r, m;

	tls_stream__caps(s, &r, &m);
	return r;
}

static uint32_t msg_cap(const struct tls_stream *s)
{
	uint32_t r, m;

	tls_stream__caps(s, &r, &m);
	return m;
}

/* Buffers of ended streams, handed to the next: every other run() takes its buffers from here,
 * so that reused buffers must give the same events as fresh ones. */
static struct tls_spare run_spare;

enum feed_mode { FEED_WHOLE, FEED_BYTES, FEED_SMALL, FEED_LARGE, FEED_FIVE, FEED__COUNT };

static void run(const uint8_t *p, size_t n, int mode, uint32_t seed,
		const struct tls_limits *limits, bool encrypt_after_sh, struct evlog *log,
		struct tls_stats *st)
{
	struct tls_stream s;
	size_t off = 0, k;

	memset(log, 0, sizeof(*log));
	memset(st, 0, sizeof(*st));
	tls_stream__init(&s, &(struct tls_env){ .limits = limits, .stats = st,
						 .spare = seed & 1 ? &run_spare : NULL });
	log->s = &s;
	log->encrypt_after_sh = encrypt_after_sh;
	while (off < n) {
		seed = seed * 1103515245 + 12345;
		switch (mode) {
		case FEED_WHOLE:
			k = n;
			break;
		case FEED_BYTES:
			k = 1;
			break;
		case FEED_SMALL:
			k = 1 + (seed >> 16) % 64;
			break;
		case FEED_LARGE:
			k = 1 + (seed >> 8) % 6000;
			break;
		default:
			k = 5;
			break;
		}
		if (k > n - off)
			k = n - off;
		/* Exact-size heap copy so ASan sees any read past the fed bytes. */
		{
			uint8_t *c = malloc(k);

			memcpy(c, p + off, k);
			tls_stream__feed(&s, c, k, on_event, log);
			free(c);
		}
		off += k;
		CHECK(rec_cap(&s) <= TLS_MAX_RECORD_LEN);
		CHECK(s.hdr_len <= 5);
	}
	tls_stream__free(&s);
	log->s = NULL;
}

static struct evlog ref_log, cmp_log;

/* Feed whole into ref_log/ref; every other chunking must agree with it. */
static int run_all(const uint8_t *p, size_t n, const struct tls_limits *limits, bool enc_sh,
		   struct tls_stats *ref)
{
	struct tls_stats st;
	int mode, seed, bad = 0, i;

	run(p, n, FEED_WHOLE, 1, limits, enc_sh, &ref_log, ref);
	for (mode = FEED_BYTES; mode < FEED__COUNT; mode++) {
		for (seed = 1; seed <= (mode == FEED_BYTES || mode == FEED_FIVE ? 1 : 4); seed++) {
			run(p, n, mode, (uint32_t)seed, limits, enc_sh, &cmp_log, &st);
			if (cmp_log.n != ref_log.n) {
				fprintf(stderr, "  mode %d seed %d: %d events, whole: %d\n", mode, seed,
					cmp_log.n, ref_log.n);
				bad++;
				continue;
			}
			for (i = 0; i < ref_log.n; i++) {
				if (memcmp(&cmp_log.ev[i], &ref_log.ev[i], sizeof(ref_log.ev[i]))) {
					fprintf(stderr, "  mode %d seed %d: event %d differs\n", mode,
						seed, i);
					bad++;
					break;
				}
			}
			if (memcmp(&st, ref, sizeof(st))) {
				fprintf(stderr, "  mode %d seed %d: counters differ\n", mode, seed);
				bad++;
			}
		}
	}
	return bad;
}

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
	tls_stream__init(&s, &(struct tls_env){ .stats = &stats });
	log->s = &s;
	tls_stream__feed(&s, st.b, st.n, on_event, log);
	/* Whole records inside the fed buffer are handed out in place: nothing allocated. */
	CHECK(s.bufs == NULL);
	CHECK(s.in_sync);
	tls_stream__free(&s);

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
	tls_stream__init(&s, &(struct tls_env){ .limits = &lim, .stats = &stats });
	log->s = &s;
	tls_stream__feed(&s, st.b, st.n, on_event, log);
	CHECK(msg_cap(&s) >= 40004);
	CHECK(msg_cap(&s) <= lim.max_handshake_msg + 4);
	tls_stream__free(&s);
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

/* A whole handshake in one direction, every record type, fed every which way. */
static void build_full_stream(struct sb *st)
{
	static const size_t sizes[] = { 2000, 33, 1 };
	static const uint8_t ccs = 1, warn_alert[2] = { 1, 90 };
	struct sb msgs = { 0 };
	uint8_t junk[17100];
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 13);
	hs_msg(&msgs, TLS_HS_SERVER_HELLO, 80);
	hs_msg(&msgs, TLS_HS_CERTIFICATE, 4500);
	hs_msg(&msgs, TLS_HS_SERVER_KEY_EXCHANGE, 329);
	hs_msg(&msgs, TLS_HS_SERVER_HELLO_DONE, 0);
	fragment(st, &msgs, sizes, 3);
	record(st, TLS_CT_ALERT, 0x0303, warn_alert, 2);
	record(st, TLS_CT_HEARTBEAT, 0x0303, junk, 20);
	record(st, TLS_CT_CHANGE_CIPHER_SPEC, 0x0303, &ccs, 1);
	record(st, TLS_CT_HANDSHAKE, 0x0303, junk, 40);
	record(st, TLS_CT_APPLICATION_DATA, 0x0303, junk, 1000);
	record(st, TLS_CT_APPLICATION_DATA, 0x0303, junk, 16384 + 700);
	record(st, TLS_CT_ALERT, 0x0303, junk, 26);
	free(msgs.b);
}

static void test_full_stream_chunkings(void)
{
	static const int want[] = {
		TLS_EV_HANDSHAKE,	 TLS_EV_HANDSHAKE,	    TLS_EV_HANDSHAKE,
		TLS_EV_HANDSHAKE,	 TLS_EV_ALERT,		    TLS_EV_CHANGE_CIPHER_SPEC,
		TLS_EV_ENCRYPTED_HANDSHAKE, TLS_EV_APPLICATION_DATA, TLS_EV_APPLICATION_DATA,
		TLS_EV_ALERT,
	};
	struct sb st = { 0 };
	struct tls_stats stats;
	int i;

	build_full_stream(&st);
	CHECK_EQ(run_all(st.b, st.n, NULL, false, &stats), 0);
	CHECK_EQ(ref_log.n, 10);
	for (i = 0; i < 10; i++)
		CHECK_EQ(ref_log.ev[i].type, want[i]);
	CHECK_EQ(ref_log.ev[4].lvl, 1);
	CHECK_EQ(ref_log.ev[4].desc, 90);
	CHECK(!ref_log.ev[4].enc);
	CHECK_EQ(ref_log.ev[6].len, 40);
	CHECK_EQ(ref_log.ev[8].len, 16384 + 700);
	CHECK(ref_log.ev[9].enc);
	CHECK_EQ(ref_log.ev[9].len, 26);
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

	tls_stream__init(&s, &(struct tls_env){ .stats = &stats });
	log->s = &s;
	tls_stream__feed(&s, st.b, first + 20, on_event, log);
	CHECK_EQ(log->n, 1);
	CHECK_EQ(log->ev[0].hs_type, TLS_HS_CLIENT_HELLO);
	CHECK_EQ(log->ev[0].ver, 0x0301);
	tls_stream__feed(&s, st.b + first + 20, st.n - first - 20, on_event, log);
	CHECK_EQ(log->n, 2);
	CHECK_EQ(log->ev[1].hs_type, TLS_HS_CLIENT_KEY_EXCHANGE);
	CHECK_EQ(log->ev[1].len, 66);
	CHECK(rec_cap(&s) > 0 && rec_cap(&s) <= TLS_MAX_RECORD_LEN);
	tls_stream__free(&s);
	free(msgs.b);
	free(st.b);
	free(log);
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
		tls_stream__init(&s, &(struct tls_env){ .limits = &lim, .stats = &stats });
		log->s = &s;
		tls_stream__feed(&s, st.b, st.n, on_event, log);
		CHECK_EQ(log->n, 1);
		CHECK_EQ(log->ev[0].type, TLS_EV_HANDSHAKE);
		CHECK_EQ(log->ev[0].len, 1000);
		CHECK(msg_cap(&s) <= 1004);
		tls_stream__free(&s);
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

static void build_sslv2(struct sb *st, uint16_t version)
{
	static const uint8_t specs[] = { 0x01, 0x00, 0x80, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x0a };
	uint8_t chal[16];
	size_t len = 9 + sizeof(specs) + sizeof(chal);

	memset(chal, 0x42, sizeof(chal));
	sb_byte(st, (uint8_t)(0x80 | len >> 8));
	sb_byte(st, (uint8_t)len);
	sb_byte(st, 1);
	sb_byte(st, (uint8_t)(version >> 8));
	sb_byte(st, (uint8_t)version);
	sb_byte(st, 0);
	sb_byte(st, sizeof(specs));
	sb_byte(st, 0);
	sb_byte(st, 0);
	sb_byte(st, 0);
	sb_byte(st, sizeof(chal));
	sb_put(st, specs, sizeof(specs));
	sb_put(st, chal, sizeof(chal));
}

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

	tls_stream__init(&s, &(struct tls_env){ .stats = &stats });
	log->s = &s;
	tls_stream__feed(&s, st1.b, half, on_event, log);
	CHECK_EQ(log->n, 1);
	tls_stream__gap(&s, 500);
	CHECK(!s.in_sync);
	tls_stream__feed(&s, st2.b, 150, on_event, log);
	tls_stream__feed(&s, st2.b + 150, 153, on_event, log); /* ends inside the next header */
	CHECK_EQ(log->n, 1);
	tls_stream__feed(&s, st2.b + 303, st2.n - 303, on_event, log);
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
	tls_stream__feed(&s, st1.b + st1.n - 1009, 500, on_event, log);
	tls_stream__gap(&s, 10);
	tls_stream__feed(&s, st2.b + 300, st2.n - 300, on_event, log);
	CHECK_EQ(log->n, 5);
	CHECK_EQ(log->ev[3].hs_type, TLS_HS_SERVER_HELLO_DONE);
	CHECK_EQ(log->ev[3].len, 0);
	tls_stream__free(&s);
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
		tls_stream__init(&s, &(struct tls_env){ .limits = &lim, .stats = &stats });
		while (off < base.n) {
			seed = seed * 1103515245 + 12345;
			k = 1 + (seed >> 8) % 3000;
			if (k > base.n - off)
				k = base.n - off;
			tls_stream__feed(&s, c + off, k, NULL, NULL);
			if ((seed >> 4) % 5 == 0)
				tls_stream__gap(&s, k);
			off += k;
			CHECK(rec_cap(&s) <= TLS_MAX_RECORD_LEN);
			CHECK(msg_cap(&s) <= lim.max_handshake_msg + 4);
			CHECK(s.hdr_len <= 5);
		}
		tls_stream__free(&s);
	}
	free(c);
	free(base.b);
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

	tls_stream__init(&s, &(struct tls_env){ .stats = &stats });
	log->s = &s;
	for (off = 0; off < st.n; off += k) {
		k = st.n - off < 500 ? st.n - off : 500;
		tls_stream__feed(&s, st.b + off, k, on_event, log);
	}
	CHECK_EQ(log->n, 3);
	CHECK_EQ(log->ev[1].hash, ref_log.ev[1].hash);
	CHECK(rec_cap(&s) <= 2048);
	CHECK(msg_cap(&s) >= 20004);
	tls_stream__free(&s);
	free(msgs.b);
	free(st.b);
	free(log);
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
		tls_stream__init(&s[i], &env);
		log->s = &s[i];
		log->n = 0;
		for (off = 0; off < st.n; off += k) {
			k = st.n - off < 700 ? st.n - off : 700;
			tls_stream__feed(&s[i], st.b + off, k, on_event, log);
		}
		CHECK_EQ(log->n, 3);
		CHECK_EQ(log->ev[1].len, 20000);
	}
	mcap = msg_cap(&s[0]);
	CHECK_EQ(sp.n, 0u);
	for (i = 0; i < 3; i++)
		tls_stream__free(&s[i]);
	CHECK_EQ(sp.n, (unsigned int)TLS_SPARE_MAX);
	/* The next stream starts with a kept set, grown already. */
	tls_stream__init(&s[0], &env);
	log->s = &s[0];
	log->n = 0;
	tls_stream__feed(&s[0], st.b, 700, on_event, log);
	CHECK_EQ(sp.n, (unsigned int)TLS_SPARE_MAX - 1);
	CHECK_EQ(msg_cap(&s[0]), mcap);
	tls_stream__feed(&s[0], st.b + 700, st.n - 700, on_event, log);
	CHECK_EQ(log->n, 3);
	tls_stream__free(&s[0]);
	CHECK_EQ(sp.n, (unsigned int)TLS_SPARE_MAX);
	tls_spare__fini(&sp);
	CHECK_EQ(sp.n, 0u);

	/* A 200 KB message's buffer is freed, not kept. */
	hs_msg(&big, TLS_HS_CERTIFICATE, 200000);
	for (off = 0; off < big.n; off += k) {
		k = big.n - off < 16000 ? big.n - off : 16000;
		record(&bigst, TLS_CT_HANDSHAKE, 0x0303, big.b + off, k);
	}
	tls_stream__init(&s[0], &env);
	log->s = &s[0];
	log->n = 0;
	for (off = 0; off < bigst.n; off += k) {
		k = bigst.n - off < 1400 ? bigst.n - off : 1400;
		tls_stream__feed(&s[0], bigst.b + off, k, on_event, log);
	}
	CHECK_EQ(log->n, 1);
	CHECK(msg_cap(&s[0]) >= 200004);
	tls_stream__free(&s[0]);
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
	RUN_TEST(test_sslv2_hello);
	RUN_TEST(test_garbage_then_resync);
	RUN_TEST(test_gap_then_resync);
	RUN_TEST(test_record_header_limits);
	RUN_TEST(test_looks_like_record);
	RUN_TEST(test_random_streams);
	RUN_TEST(test_records_streamed_into_message);
	RUN_TEST(test_spare_buffers);
	tls_spare__fini(&run_spare);
	return CHECK_DONE();
}
