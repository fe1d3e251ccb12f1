// SPDX-License-Identifier: GPL-2.0
/* Stream builders and an event log for the record-layer tests: run_all() feeds a stream whole
 * into ref_log, then byte by byte and in random chunk sizes, and counts the runs whose events or
 * counters differ from the whole feed. */
#ifndef TLSMON_TEST_TLS_RECORD_STREAMS_H
#define TLSMON_TEST_TLS_RECORD_STREAMS_H

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

static inline uint32_t fnv(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static inline void on_event(void *ctx, const struct tls_event *ev)
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

static inline void sb_put(struct sb *s, const void *p, size_t n)
{
	if (s->n + n > s->cap) {
		s->cap = (s->n + n) * 2;
		s->b = realloc(s->b, s->cap);
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static inline void sb_byte(struct sb *s, uint8_t v)
{
	sb_put(s, &v, 1);
}

static inline void sb_fill(struct sb *s, uint8_t v, size_t n)
{
	while (n--)
		sb_byte(s, v);
}

static inline void record(struct sb *s, uint8_t type, uint16_t ver, const uint8_t *body, size_t n)
{
	uint8_t h[5] = { type, (uint8_t)(ver >> 8), (uint8_t)ver, (uint8_t)(n >> 8), (uint8_t)n };

	sb_put(s, h, 5);
	sb_put(s, body, n);
}

/* A handshake message whose body is a recognisable pattern; returns the body hash. */
static inline uint32_t hs_msg(struct sb *s, uint8_t type, size_t blen)
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
static inline void fragment(struct sb *out, const struct sb *msgs, const size_t *sizes, int n_sizes)
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

static inline uint32_t rec_cap(const struct tls_stream *s)
{
	uint32_t r, m;

	tls_stream__caps(s, &r, &m);
	return r;
}

static inline uint32_t msg_cap(const struct tls_stream *s)
{
	uint32_t r, m;

	tls_stream__caps(s, &r, &m);
	return m;
}

/* Buffers of ended streams, handed to the next: every other run() takes its buffers from here,
 * so that reused buffers must give the same events as fresh ones. */
static struct tls_spare run_spare;

enum feed_mode { FEED_WHOLE, FEED_BYTES, FEED_SMALL, FEED_LARGE, FEED_FIVE, FEED__COUNT };

static inline void run(const uint8_t *p, size_t n, int mode, uint32_t seed,
		const struct tls_limits *limits, bool encrypt_after_sh, struct evlog *log,
		struct tls_stats *st)
{
	const struct tls_env env = { .limits = limits,
				     .stats = st,
				     .spare = seed & 1 ? &run_spare : NULL };
	const struct tls_env *senv = &env;
	struct tls_stream s;
	size_t off = 0, k;

	memset(log, 0, sizeof(*log));
	memset(st, 0, sizeof(*st));
	tls_stream__init(&s);
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
			tls_stream__feed(&s, senv, c, k, on_event, log);
			free(c);
		}
		off += k;
		CHECK(rec_cap(&s) <= TLS_MAX_RECORD_LEN);
		CHECK(s.hdr_len <= 5);
	}
	tls_stream__free(&s, senv);
	log->s = NULL;
}

static struct evlog ref_log, cmp_log;

/* Feed whole into ref_log/ref; every other chunking must agree with it. */
static inline int run_all(const uint8_t *p, size_t n, const struct tls_limits *limits, bool enc_sh,
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


/* A whole handshake in one direction, every record type, fed every which way. */
static inline void build_full_stream(struct sb *st)
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

static inline void build_sslv2(struct sb *st, uint16_t version)
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

#endif
