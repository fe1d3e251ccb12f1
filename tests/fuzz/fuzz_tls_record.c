// SPDX-License-Identifier: GPL-2.0
/* The TLS record layer on one direction's byte stream, cut into chunks of pseudo-random sizes,
 * with occasional reported gaps and a switch to encrypted handshake records (TLS 1.3). Handshake
 * messages that come out go through their parsers.
 *
 * Input: bytes 0-1 seed the chunking; byte 2 holds flags (bit 0: a small max_handshake_msg,
 * bit 1: gaps, bit 2: go encrypted after the first ServerHello); the stream follows. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "tls/tls_msg.h"
#include "tls/tls_record.h"

#define HDR 3

struct ctx {
	struct tls_stream *s;
	const struct tls_limits *lim;
	bool encrypt_after_sh;
	unsigned events;
};

static volatile uint8_t sink;

static void on_event(void *arg, const struct tls_event *ev)
{
	static union {
		struct tls_client_hello ch;
		struct tls_server_hello sh;
		struct tls_certificate_msg cert;
		struct tls_heartbeat hb;
	} u;
	struct ctx *c = arg;
	uint8_t x = 0;

	c->events++;
	FUZZ_ASSERT(ev->type >= TLS_EV_HANDSHAKE && ev->type <= TLS_EV_HEARTBEAT);
	/* Every byte the event points at must be readable. */
	for (uint32_t i = 0; ev->body && i < ev->len; i++)
		x ^= ev->body[i];
	sink = x;
	switch (ev->type) {
	case TLS_EV_HANDSHAKE:
		FUZZ_ASSERT(ev->body || !ev->len);
		FUZZ_ASSERT(ev->len <= c->lim->max_handshake_msg);
		if (ev->hs_type == TLS_HS_CLIENT_HELLO)
			tls__parse_client_hello(ev->body, ev->len, &u.ch);
		else if (ev->hs_type == TLS_HS_SERVER_HELLO) {
			tls__parse_server_hello(ev->body, ev->len, &u.sh);
			if (c->encrypt_after_sh)
				tls_stream__set_encrypted(c->s);
		} else if (ev->hs_type == TLS_HS_CERTIFICATE)
			tls__parse_certificate(ev->body, ev->len, &u.cert);
		break;
	case TLS_EV_SSLV2_CLIENT_HELLO:
		tls__parse_sslv2_client_hello(ev->body, ev->len, &u.ch);
		break;
	case TLS_EV_ERROR:
		FUZZ_ASSERT(ev->error == -EINVAL || ev->error == -E2BIG);
		FUZZ_ASSERT(ev->reason);
		break;
	case TLS_EV_HEARTBEAT:
		/* plaintext: the whole record for the Heartbleed check; encrypted: its length */
		FUZZ_ASSERT(ev->encrypted ? !ev->body : ev->body != NULL);
		FUZZ_ASSERT(ev->len >= 1 && ev->len <= TLS_MAX_RECORD_LEN);
		if (!ev->encrypted)
			tls__parse_heartbeat(ev->body, ev->len, &u.hb);
		break;
	default:
		break;
	}
}

static uint32_t xorshift(uint32_t *st)
{
	uint32_t x = *st;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *st = x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_limits lim = { .max_handshake_msg = 64 * 1024 };
	struct tls_stats stats = { 0 };
	struct tls_stream s;
	struct ctx c = { .s = &s, .lim = &lim };
	uint32_t st, r, n;
	size_t off;

	if (size < HDR)
		return 0;
	st = (uint32_t)data[0] << 8 | data[1] | 0x10000;
	if (data[2] & 1)
		lim.max_handshake_msg = 600;
	c.encrypt_after_sh = data[2] & 4;
	const struct tls_env *senv = &(struct tls_env){ .limits = &lim, .stats = &stats };
	tls_stream__init(&s);
	for (off = HDR; off < size; off += n) {
		r = xorshift(&st);
		if ((data[2] & 2) && r % 37 == 0)
			tls_stream__gap(&s, 1 + r % 3000);
		/* Mostly small chunks, sometimes whole records or more. */
		n = 1 + (r >> 8) % (1u << ((r >> 4) % 15));
		if (n > size - off)
			n = size - off;
		tls_stream__feed(&s, senv, data + off, n, on_event, &c);
	}
	tls_stream__free(&s, senv);
	return 0;
}
