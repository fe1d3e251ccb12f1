// SPDX-License-Identifier: GPL-2.0
/* A handshake message builder that remembers every length field, the checks that make each field
 * lie or cut the message at every offset, and a Chrome-like ClientHello, for the tls_msg tests. */
#ifndef TLSMON_TEST_TLS_MSG_BUILDER_H
#define TLSMON_TEST_TLS_MSG_BUILDER_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls/tls_msg.h"

#define MB_MAX 70000
#define MB_FIELDS 1024

/* Message builder that remembers where every length field is, so tests can make each one lie. */
struct mb {
	uint8_t b[MB_MAX];
	size_t n;
	size_t field_off[MB_FIELDS];
	int field_w[MB_FIELDS];
	int nfields;
	size_t stack[16];
	int stack_w[16];
	int depth;
};

static inline void put8(struct mb *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static inline void put16(struct mb *m, uint16_t v)
{
	put8(m, (uint8_t)(v >> 8));
	put8(m, (uint8_t)v);
}

static inline void putn(struct mb *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static inline void fill(struct mb *m, uint8_t v, size_t n)
{
	memset(m->b + m->n, v, n);
	m->n += n;
}

static inline void open_blk(struct mb *m, int w)
{
	m->stack[m->depth] = m->n;
	m->stack_w[m->depth++] = w;
	fill(m, 0, (size_t)w);
}

static inline void close_blk(struct mb *m)
{
	size_t off = m->stack[--m->depth];
	int w = m->stack_w[m->depth], i;
	size_t len = m->n - off - (size_t)w;

	for (i = 0; i < w; i++)
		m->b[off + (size_t)i] = (uint8_t)(len >> (8 * (w - 1 - i)));
	if (m->nfields < MB_FIELDS) {
		m->field_off[m->nfields] = off;
		m->field_w[m->nfields++] = w;
	}
}

static inline void close_n(struct mb *m, int n)
{
	while (n--)
		close_blk(m);
}

/* opaque<w-byte length> holding p */
static inline void blk(struct mb *m, int w, const void *p, size_t n)
{
	open_blk(m, w);
	putn(m, p, n);
	close_blk(m);
}

/* uint16 list<w-byte length> */
static inline void blk16(struct mb *m, int w, const uint16_t *v, size_t n)
{
	open_blk(m, w);
	while (n--)
		put16(m, *v++);
	close_blk(m);
}

static inline void ext_begin(struct mb *m, uint16_t type)
{
	put16(m, type);
	open_blk(m, 2);
}

/* An extension whose data is one uint16 list. */
static inline void ext16(struct mb *m, uint16_t type, int w, const uint16_t *v, size_t n)
{
	ext_begin(m, type);
	blk16(m, w, v, n);
	close_blk(m);
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

typedef int (*parse_fn)(const uint8_t *p, size_t n);

#define PARSE_FN(name, type, call)                          \
	static inline int name(const uint8_t *p, size_t n)  \
	{                                                   \
		type o;                                     \
		return call;                                \
	}

PARSE_FN(ch_fn, struct tls_client_hello, tls__parse_client_hello(p, n, &o))
PARSE_FN(v2_fn, struct tls_client_hello, tls__parse_sslv2_client_hello(p, n, &o))
PARSE_FN(sh_fn, struct tls_server_hello, tls__parse_server_hello(p, n, &o))
PARSE_FN(cert_fn, struct tls_certificate_msg, tls__parse_certificate(p, n, &o))
PARSE_FN(ske_ecdhe12_fn, struct tls_server_key_exchange,
	 tls__parse_server_key_exchange(p, n, 0x0303, TLS_KX_ECDHE, &o))
PARSE_FN(ske_ecdhe10_fn, struct tls_server_key_exchange,
	 tls__parse_server_key_exchange(p, n, 0x0301, TLS_KX_ECDHE, &o))
PARSE_FN(ske_dhe12_fn, struct tls_server_key_exchange,
	 tls__parse_server_key_exchange(p, n, 0x0303, TLS_KX_DHE, &o))
PARSE_FN(ske_dhanon_fn, struct tls_server_key_exchange,
	 tls__parse_server_key_exchange(p, n, 0x0303, TLS_KX_DH_ANON, &o))

/* Parse an exact-size heap copy so ASan sees any read past the end. */
static inline int parse_copy(parse_fn fn, const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	int rc;

	memcpy(c, p, n);
	rc = fn(c, n);
	free(c);
	return rc;
}

/* Each length field +1, -1, 0 and all-ones must be rejected. */
static inline int check_lies(const struct mb *m, parse_fn fn)
{
	uint8_t *c = malloc(m->n);
	int f, d, w, i, bad = 0;

	for (f = 0; f < m->nfields; f++) {
		size_t off = m->field_off[f];
		uint32_t orig = 0, v, mask;

		w = m->field_w[f];
		mask = w == 3 ? 0xffffff : w == 2 ? 0xffff : 0xff;
		for (i = 0; i < w; i++)
			orig = orig << 8 | m->b[off + (size_t)i];
		for (d = 0; d < 4; d++) {
			v = d == 0 ? orig + 1 : d == 1 ? orig - 1 : d == 2 ? 0 : mask;
			v &= mask;
			if (v == orig)
				continue;
			memcpy(c, m->b, m->n);
			for (i = 0; i < w; i++)
				c[off + (size_t)i] = (uint8_t)(v >> (8 * (w - 1 - i)));
			if (fn(c, m->n) != -EINVAL) {
				fprintf(stderr, "  length field at %zu (width %d) %u -> %u accepted\n",
					off, w, orig, v);
				bad++;
			}
		}
	}
	free(c);
	return bad;
}

/* Every proper prefix is malformed, except ok_at (a message that legitimately ends there). */
static inline int check_truncation(const uint8_t *p, size_t n, parse_fn fn, size_t ok_at)
{
	int bad = 0;
	size_t k;

	for (k = 0; k < n; k++) {
		int want = k == ok_at ? 0 : -EINVAL;

		if (parse_copy(fn, p, k) != want) {
			fprintf(stderr, "  prefix of %zu/%zu bytes: unexpected result\n", k, n);
			bad++;
		}
	}
	/* One trailing byte is never acceptable either. */
	{
		uint8_t *c = malloc(n + 1);

		memcpy(c, p, n);
		c[n] = 0;
		if (fn(c, n + 1) != -EINVAL) {
			fprintf(stderr, "  trailing byte accepted\n");
			bad++;
		}
		free(c);
	}
	return bad;
}

static const uint8_t sni_weird[] = { 'a', '"', 'b', '\'', 0x01, 0x7f, 0xff, 0xc3, '(', 0x00, 'z' };

/* A Chrome-like ClientHello; *ext_at gets the offset where the extensions block starts. */
static inline void build_ch(struct mb *m, size_t *ext_at)
{
	static const uint16_t suites[] = { 0x0a0a, 0x1301, 0x1302, 0xc02f, 0x0035, 0x00ff };
	static const uint16_t groups[] = { 0x2a2a, 0x001d, 0x0017 }, sigalgs[] = { 0x0403, 0x0804,
										  0x0201 };
	static const uint16_t versions[] = { 0x3a3a, 0x0304, 0x0303 };
	uint8_t sid[32], key[32];

	memset(sid, 0x22, sizeof(sid));
	memset(key, 0x33, sizeof(key));
	memset(m, 0, sizeof(*m));
	put16(m, 0x0303);
	fill(m, 0x11, 32);
	blk(m, 1, sid, sizeof(sid));
	blk16(m, 2, suites, ARRAY_SIZE(suites));
	blk(m, 1, "", 1);
	*ext_at = m->n;
	open_blk(m, 2);

	ext_begin(m, 0x1a1a); /* GREASE, empty */
	close_blk(m);
	ext_begin(m, TLS_EXT_SERVER_NAME);
	open_blk(m, 2);
	put8(m, 0);
	blk(m, 2, sni_weird, sizeof(sni_weird));
	close_n(m, 2);
	ext16(m, TLS_EXT_SUPPORTED_GROUPS, 2, groups, ARRAY_SIZE(groups));
	ext_begin(m, TLS_EXT_EC_POINT_FORMATS);
	blk(m, 1, "\x00\x01", 2);
	close_blk(m);
	ext16(m, TLS_EXT_SIGNATURE_ALGORITHMS, 2, sigalgs, ARRAY_SIZE(sigalgs));
	ext_begin(m, TLS_EXT_ALPN);
	open_blk(m, 2);
	blk(m, 1, "h2", 2);
	blk(m, 1, "http/1.1", 8);
	close_n(m, 2);
	ext16(m, TLS_EXT_SUPPORTED_VERSIONS, 1, versions, ARRAY_SIZE(versions));
	ext_begin(m, TLS_EXT_KEY_SHARE);
	open_blk(m, 2);
	put16(m, 0x2a2a);
	blk(m, 2, "", 1);
	put16(m, 0x001d);
	blk(m, 2, key, sizeof(key));
	close_n(m, 2);
	ext_begin(m, TLS_EXT_RENEGOTIATION_INFO);
	blk(m, 1, "", 0);
	close_blk(m);
	ext_begin(m, 0x0015); /* padding: unknown to the parser */
	fill(m, 0, 7);
	close_n(m, 2);
}

#endif
