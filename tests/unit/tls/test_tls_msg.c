// SPDX-License-Identifier: GPL-2.0
/* Handshake message parsers on crafted messages: every length field lying high, low and extreme,
 * truncation at every offset, empty and maximal lists, GREASE, raw SNI bytes. */
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

static void put8(struct mb *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static void put16(struct mb *m, uint16_t v)
{
	put8(m, (uint8_t)(v >> 8));
	put8(m, (uint8_t)v);
}

static void putn(struct mb *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void fill(struct mb *m, uint8_t v, size_t n)
{
	memset(m->b + m->n, v, n);
	m->n += n;
}

static void open_blk(struct mb *m, int w)
{
	m->stack[m->depth] = m->n;
	m->stack_w[m->depth++] = w;
	fill(m, 0, (size_t)w);
}

static void close_blk(struct mb *m)
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

static void close_n(struct mb *m, int n)
{
	while (n--)
		close_blk(m);
}

/* opaque<w-byte length> holding p */
static void blk(struct mb *m, int w, const void *p, size_t n)
{
	open_blk(m, w);
	putn(m, p, n);
	close_blk(m);
}

/* uint16 list<w-byte length> */
static void blk16(struct mb *m, int w, const uint16_t *v, size_t n)
{
	open_blk(m, w);
	while (n--)
		put16(m, *v++);
	close_blk(m);
}

static void ext_begin(struct mb *m, uint16_t type)
{
	put16(m, type);
	open_blk(m, 2);
}

/* An extension whose data is one uint16 list. */
static void ext16(struct mb *m, uint16_t type, int w, const uint16_t *v, size_t n)
{
	ext_begin(m, type);
	blk16(m, w, v, n);
	close_blk(m);
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

typedef int (*parse_fn)(const uint8_t *p, size_t n);

#define PARSE_FN(name, type, call)                          \
	static int name(const uint8_t *p, size_t n)         \
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
static int parse_copy(parse_fn fn, const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	int rc;

	memcpy(c, p, n);
	rc = fn(c, n);
	free(c);
	return rc;
}

/* Each length field +1, -1, 0 and all-ones must be rejected. */
static int check_lies(const struct mb *m, parse_fn fn)
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
static int check_truncation(const uint8_t *p, size_t n, parse_fn fn, size_t ok_at)
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
static void build_ch(struct mb *m, size_t *ext_at)
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

static void test_client_hello_fields(void)
{
	struct tls_client_hello ch;
	struct mb *m = malloc(sizeof(*m));
	size_t ext_at;

	build_ch(m, &ext_at);
	CHECK_EQ(tls__parse_client_hello(m->b, m->n, &ch), 0);
	CHECK(!ch.sslv2);
	CHECK_EQ(ch.legacy_version, 0x0303);
	CHECK_EQ(ch.max_version, 0x0304);
	CHECK_EQ(ch.session_id_len, 32);
	CHECK_EQ(ch.n_ciphers, 6);
	CHECK_EQ(ch.ciphers[0], 0x0a0a);
	CHECK_EQ(ch.ciphers[3], 0xc02f);
	CHECK(ch.reneg_scsv);
	CHECK(!ch.fallback_scsv);
	CHECK_EQ(ch.n_exts, 10);
	CHECK_EQ(ch.exts[0], 0x1a1a);
	CHECK_EQ(ch.exts[1], TLS_EXT_SERVER_NAME);
	CHECK_EQ(ch.exts[9], 0x0015);
	CHECK(ch.has_sni);
	CHECK_EQ(ch.sni_len, sizeof(sni_weird));
	CHECK(memcmp(ch.sni, sni_weird, sizeof(sni_weird)) == 0);
	CHECK_EQ(ch.sni[sizeof(sni_weird)], 0);
	CHECK_EQ(ch.n_groups, 3);
	CHECK_EQ(ch.groups[0], 0x2a2a);
	CHECK_EQ(ch.groups[2], 0x0017);
	CHECK_EQ(ch.n_point_formats, 2);
	CHECK_EQ(ch.point_formats[1], 1);
	CHECK_EQ(ch.n_sigalgs, 3);
	CHECK_EQ(ch.sigalgs[2], 0x0201);
	CHECK_EQ(ch.alpn_len, 12);
	CHECK(memcmp(ch.alpn, "\x02h2\x08http/1.1", 12) == 0);
	CHECK_EQ(ch.n_versions, 3);
	CHECK_EQ(ch.versions[0], 0x3a3a);
	CHECK_EQ(ch.n_key_shares, 2);
	CHECK_EQ(ch.key_shares[0], 0x2a2a);
	CHECK_EQ(ch.key_shares[1], 0x001d);
	CHECK(!ch.truncated);
	free(m);
}

static void test_client_hello_lies(void)
{
	struct mb *m = malloc(sizeof(*m));
	size_t ext_at;

	build_ch(m, &ext_at);
	CHECK(m->nfields > 20);
	CHECK_EQ(check_lies(m, ch_fn), 0);
	free(m);
}

static void test_client_hello_truncation(void)
{
	struct mb *m = malloc(sizeof(*m));
	size_t ext_at;

	build_ch(m, &ext_at);
	/* Cut right before the extensions it is a valid extension-less hello (RFC 5246 7.4.1.2). */
	CHECK_EQ(check_truncation(m->b, m->n, ch_fn, ext_at), 0);
	free(m);
}

/* SSLv3 style: no extensions at all, and no session id. */
static void test_client_hello_minimal(void)
{
	struct tls_client_hello ch;
	struct mb *m = malloc(sizeof(*m));
	size_t lens_ok;

	memset(m, 0, sizeof(*m));
	put16(m, 0x0300);
	fill(m, 0, 32);
	blk(m, 1, "", 0);
	blk(m, 2, "\x00\x04", 2);
	blk(m, 1, "", 1);
	lens_ok = m->n;
	CHECK_EQ(tls__parse_client_hello(m->b, m->n, &ch), 0);
	CHECK_EQ(ch.max_version, 0x0300);
	CHECK_EQ(ch.n_exts, 0);
	CHECK_EQ(ch.n_ciphers, 1);
	CHECK(!ch.has_sni);
	CHECK_EQ(check_truncation(m->b, m->n, ch_fn, SIZE_MAX), 0);
	CHECK_EQ(check_lies(m, ch_fn), 0);

	/* An empty extensions block is well formed. */
	put16(m, 0);
	CHECK_EQ(tls__parse_client_hello(m->b, m->n, &ch), 0);
	CHECK_EQ(ch.n_exts, 0);
	/* A lone byte where the extensions length should be is not. */
	CHECK_EQ(tls__parse_client_hello(m->b, lens_ok + 1, &ch), -EINVAL);
	free(m);
}

/* Everything up to the extensions; the caller opens the extensions block. */
static void build_ch_head(struct mb *m, const uint16_t *suites, size_t n_suites, size_t sid_len)
{
	memset(m, 0, sizeof(*m));
	put16(m, 0x0303);
	fill(m, 0x11, 32);
	open_blk(m, 1);
	fill(m, 0x22, sid_len);
	close_blk(m);
	blk16(m, 2, suites, n_suites);
	blk(m, 1, "", 1);
}

static void test_client_hello_bad_lists(void)
{
	struct tls_client_hello ch;
	struct mb *m = malloc(sizeof(*m));
	uint16_t one = 0x002f;

	/* cipher_suites<2..2^16-2>: empty list */
	build_ch_head(m, NULL, 0, 0);
	CHECK_EQ(tls__parse_client_hello(m->b, m->n, &ch), -EINVAL);
	/* legacy_session_id<0..32>: 33 */
	build_ch_head(m, &one, 1, 33);
	CHECK_EQ(tls__parse_client_hello(m->b, m->n, &ch), -EINVAL);
	build_ch_head(m, &one, 1, 32);
	CHECK_EQ(tls__parse_client_hello(m->b, m->n, &ch), 0);
	/* compression_methods<1..2^8-1>: empty */
	m->b[m->n - 2] = 0;
	CHECK_EQ(tls__parse_client_hello(m->b, m->n - 1, &ch), -EINVAL);

	/* Odd-length cipher list: three bytes */
	memset(m, 0, sizeof(*m));
	put16(m, 0x0303);
	fill(m, 0, 32);
	put8(m, 0);
	put16(m, 3);
	fill(m, 0x2f, 3);
	put8(m, 1);
	put8(m, 0);
	CHECK_EQ(tls__parse_client_hello(m->b, m->n, &ch), -EINVAL);

	/* An empty supported_groups list is tolerated (lenient, as deployed stacks are). */
	build_ch_head(m, &one, 1, 0);
	open_blk(m, 2);
	ext16(m, TLS_EXT_SUPPORTED_GROUPS, 2, NULL, 0);
	close_blk(m);
	CHECK_EQ(tls__parse_client_hello(m->b, m->n, &ch), 0);
	CHECK_EQ(ch.n_groups, 0);
	CHECK_EQ(ch.n_exts, 1);

	/* Odd-length supported_versions */
	build_ch_head(m, &one, 1, 0);
	open_blk(m, 2);
	ext_begin(m, TLS_EXT_SUPPORTED_VERSIONS);
	blk(m, 1, "\x03\x04\x03", 3);
	close_n(m, 2);
	CHECK_EQ(tls__parse_client_hello(m->b, m->n, &ch), -EINVAL);

	/* An extension whose data holds more than its inner list says */
	build_ch_head(m, &one, 1, 0);
	open_blk(m, 2);
	ext_begin(m, TLS_EXT_SIGNATURE_ALGORITHMS);
	blk16(m, 2, &one, 1);
	put8(m, 0);
	close_n(m, 2);
	CHECK_EQ(tls__parse_client_hello(m->b, m->n, &ch), -EINVAL);
	free(m);
}

static void test_client_hello_maximal(void)
{
	struct tls_client_hello ch;
	struct mb *m = malloc(sizeof(*m));
	uint16_t suites[300], groups[100];
	uint8_t name[300];
	size_t i, off;

	for (i = 0; i < 300; i++)
		suites[i] = (uint16_t)(0x1000 + i);
	suites[299] = TLS_CIPHER_FALLBACK_SCSV; /* past the stored 256: still noticed */
	for (i = 0; i < 100; i++)
		groups[i] = (uint16_t)(i + 1);
	memset(name, 'x', sizeof(name));
	build_ch_head(m, suites, 300, 0);
	open_blk(m, 2);
	for (i = 0; i < 70; i++)
		ext16(m, (uint16_t)(0x4000 + i), 1, NULL, 0);
	ext16(m, TLS_EXT_SUPPORTED_GROUPS, 2, groups, 100);
	ext_begin(m, TLS_EXT_SERVER_NAME);
	open_blk(m, 2);
	put8(m, 0);
	blk(m, 2, name, sizeof(name));
	close_n(m, 2);
	/* ALPN of 40 names of 9 bytes each (+1 length) = 400 bytes: cut at a name boundary. */
	ext_begin(m, TLS_EXT_ALPN);
	open_blk(m, 2);
	for (i = 0; i < 40; i++)
		blk(m, 1, name, 9);
	close_n(m, 3);

	CHECK_EQ(tls__parse_client_hello(m->b, m->n, &ch), 0);
	CHECK(ch.truncated);
	CHECK_EQ(ch.n_ciphers, TLS_MAX_CIPHERS);
	CHECK_EQ(ch.alpn[1], 'x');
	CHECK_EQ(ch.ciphers[255], 0x1000 + 255);
	CHECK(ch.fallback_scsv);
	CHECK_EQ(ch.n_exts, TLS_MAX_EXTS);
	CHECK_EQ(ch.n_groups, TLS_MAX_GROUPS);
	CHECK_EQ(ch.groups[63], 64);
	CHECK(ch.has_sni);
	CHECK_EQ(ch.sni_len, TLS_MAX_SNI_LEN);
	CHECK_EQ(ch.sni[TLS_MAX_SNI_LEN], 0);
	CHECK_EQ(ch.alpn_len, 250);
	for (off = 0; off < ch.alpn_len; off += 1 + ch.alpn[off])
		CHECK_EQ(ch.alpn[off], 9);
	CHECK_EQ(off, ch.alpn_len);
	free(m);
}

static void test_client_hello_grease_versions(void)
{
	static const uint16_t cases[][4] = {
		/* versions..., expected max (0 = legacy 0x0303) */
		{ 0x7a7a, 0x0303, 0x0302, 0x0303 },
		{ 0x0304, 0x7f17, 0x0303, 0x0304 },
		{ 0x7f17, 0x0303, 0x0a0a, 0x7f17 },
		{ 0xfafa, 0xeaea, 0x0a0a, 0x0303 },
	};
	struct tls_client_hello ch;
	struct mb *m = malloc(sizeof(*m));
	uint16_t one = 0x1301;
	size_t c;

	CHECK(tls__is_grease(0x0a0a));
	CHECK(tls__is_grease(0xfafa));
	CHECK(!tls__is_grease(0x0a1a));
	CHECK(!tls__is_grease(0x0304));
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		build_ch_head(m, &one, 1, 0);
		open_blk(m, 2);
		ext16(m, TLS_EXT_SUPPORTED_VERSIONS, 1, cases[c], 3);
		close_blk(m);
		CHECK_EQ(tls__parse_client_hello(m->b, m->n, &ch), 0);
		CHECK_EQ(ch.n_versions, 3);
		CHECK_EQ(ch.max_version, cases[c][3]);
	}
	free(m);
}

/* The first host_name wins; other name types are framed the same way and skipped. */
static void test_client_hello_sni_types(void)
{
	struct tls_client_hello ch;
	struct mb *m = malloc(sizeof(*m));
	uint16_t one = 0x1301;

	build_ch_head(m, &one, 1, 0);
	open_blk(m, 2);
	ext_begin(m, TLS_EXT_SERVER_NAME);
	open_blk(m, 2);
	put8(m, 7);
	blk(m, 2, "other", 5);
	put8(m, 0);
	blk(m, 2, "first.example", 13);
	put8(m, 0);
	blk(m, 2, "second", 6);
	close_n(m, 3);
	CHECK_EQ(tls__parse_client_hello(m->b, m->n, &ch), 0);
	CHECK(ch.has_sni);
	CHECK_STR((const char *)ch.sni, "first.example");
	CHECK_EQ(check_lies(m, ch_fn), 0);
	free(m);
}

static void build_v2(struct mb *m, uint16_t sid_len, uint16_t chal_len)
{
	memset(m, 0, sizeof(*m));
	put8(m, 1);
	put16(m, 0x0301);
	put16(m, 12);
	put16(m, sid_len);
	put16(m, chal_len);
	putn(m, "\x01\x00\x80", 3); /* SSL_CK_RC4_128_WITH_MD5 */
	putn(m, "\x00\x00\x04", 3);
	putn(m, "\x00\x00\x2f", 3);
	putn(m, "\x00\x00\xff", 3);
	fill(m, 0x55, sid_len);
	fill(m, 0x66, chal_len);
}

static void test_sslv2_client_hello(void)
{
	struct tls_client_hello ch;
	struct mb *m = malloc(sizeof(*m));
	size_t i;
	int bad = 0;

	build_v2(m, 0, 16);
	CHECK_EQ(tls__parse_sslv2_client_hello(m->b, m->n, &ch), 0);
	CHECK(ch.sslv2);
	CHECK_EQ(ch.legacy_version, 0x0301);
	CHECK_EQ(ch.max_version, 0x0301);
	CHECK_EQ(ch.n_ciphers, 3);
	CHECK_EQ(ch.ciphers[0], 0x0004);
	CHECK_EQ(ch.ciphers[2], 0x00ff);
	CHECK(ch.reneg_scsv);
	CHECK_EQ(ch.n_exts, 0);
	CHECK_EQ(check_truncation(m->b, m->n, v2_fn, SIZE_MAX), 0);
	/* The three length fields at offsets 3, 5, 7, each lying by +-1 and to extremes. */
	for (i = 3; i <= 7; i += 2) {
		m->field_off[m->nfields] = i;
		m->field_w[m->nfields++] = 2;
	}
	CHECK_EQ(check_lies(m, v2_fn), 0);

	build_v2(m, 16, 32);
	CHECK_EQ(tls__parse_sslv2_client_hello(m->b, m->n, &ch), 0);
	CHECK_EQ(ch.session_id_len, 16);
	build_v2(m, 0, 15);
	CHECK_EQ(tls__parse_sslv2_client_hello(m->b, m->n, &ch), -EINVAL);
	build_v2(m, 0, 33);
	CHECK_EQ(tls__parse_sslv2_client_hello(m->b, m->n, &ch), -EINVAL);
	build_v2(m, 0, 16);
	m->b[0] = 2;
	CHECK_EQ(tls__parse_sslv2_client_hello(m->b, m->n, &ch), -EINVAL);
	/* cipher_spec_length not a multiple of 3 */
	build_v2(m, 0, 16);
	m->b[4] = 11;
	bad = tls__parse_sslv2_client_hello(m->b, m->n - 1, &ch);
	CHECK_EQ(bad, -EINVAL);
	free(m);
}

static const uint8_t downgrd12[8] = { 'D', 'O', 'W', 'N', 'G', 'R', 'D', 1 };

static void build_sh(struct mb *m, const uint8_t *random, bool tls13, bool hrr, size_t *ext_at)
{
	memset(m, 0, sizeof(*m));
	put16(m, 0x0303);
	putn(m, random, 32);
	open_blk(m, 1);
	fill(m, 0x22, 32);
	close_blk(m);
	put16(m, tls13 ? 0x1301 : 0xc02f);
	put8(m, 0);
	*ext_at = m->n;
	open_blk(m, 2);
	if (tls13) {
		ext_begin(m, TLS_EXT_SUPPORTED_VERSIONS);
		put16(m, 0x0304);
		close_blk(m);
		ext_begin(m, TLS_EXT_KEY_SHARE);
		put16(m, hrr ? 0x0017 : 0x001d);
		if (!hrr)
			blk(m, 2, random, 32);
		close_blk(m);
	} else {
		ext_begin(m, TLS_EXT_RENEGOTIATION_INFO);
		blk(m, 1, "", 0);
		close_blk(m);
		ext_begin(m, TLS_EXT_ALPN);
		open_blk(m, 2);
		blk(m, 1, "h2", 2);
		close_n(m, 2);
		ext_begin(m, TLS_EXT_EC_POINT_FORMATS);
		blk(m, 1, "", 1);
		close_blk(m);
	}
	close_blk(m);
}

static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static void test_server_hello(void)
{
	struct tls_server_hello sh;
	struct mb *m = malloc(sizeof(*m));
	uint8_t random[32];
	size_t ext_at;

	memset(random, 0x77, sizeof(random));
	build_sh(m, random, true, false, &ext_at);
	CHECK_EQ(tls__parse_server_hello(m->b, m->n, &sh), 0);
	CHECK(!sh.hello_retry_request);
	CHECK_EQ(sh.legacy_version, 0x0303);
	CHECK_EQ(sh.version, 0x0304);
	CHECK_EQ(sh.cipher, 0x1301);
	CHECK_EQ(sh.key_share_group, 0x001d);
	CHECK_EQ(sh.n_exts, 2);
	CHECK_EQ(sh.exts[1], TLS_EXT_KEY_SHARE);
	CHECK_EQ(sh.random[5], 0x77);
	CHECK(!sh.downgrade_tls12 && !sh.downgrade_tls11);
	CHECK_EQ(check_lies(m, sh_fn), 0);
	CHECK_EQ(check_truncation(m->b, m->n, sh_fn, ext_at), 0);

	/* A 2-byte key_share is only right in a HelloRetryRequest (RFC 8446 4.2.8). */
	build_sh(m, random, true, true, &ext_at);
	CHECK_EQ(tls__parse_server_hello(m->b, m->n, &sh), -EINVAL);
	build_sh(m, hrr_random, true, true, &ext_at);
	CHECK_EQ(tls__parse_server_hello(m->b, m->n, &sh), 0);
	CHECK(sh.hello_retry_request);
	CHECK_EQ(sh.key_share_group, 0x0017);
	CHECK_EQ(sh.version, 0x0304);
	CHECK_EQ(check_lies(m, sh_fn), 0);
	CHECK_EQ(check_truncation(m->b, m->n, sh_fn, ext_at), 0);

	memcpy(random + 24, downgrd12, 8);
	build_sh(m, random, false, false, &ext_at);
	CHECK_EQ(tls__parse_server_hello(m->b, m->n, &sh), 0);
	CHECK(sh.downgrade_tls12);
	CHECK(!sh.downgrade_tls11);
	CHECK_EQ(sh.version, 0x0303);
	CHECK_EQ(sh.cipher, 0xc02f);
	CHECK_EQ(sh.alpn_len, 2);
	CHECK(memcmp(sh.alpn, "h2", 2) == 0);
	CHECK_EQ(sh.key_share_group, 0);
	CHECK_EQ(sh.n_exts, 3);
	CHECK_EQ(check_lies(m, sh_fn), 0);
	CHECK_EQ(check_truncation(m->b, m->n, sh_fn, ext_at), 0);

	random[31] = 0;
	build_sh(m, random, false, false, &ext_at);
	CHECK_EQ(tls__parse_server_hello(m->b, m->n, &sh), 0);
	CHECK(!sh.downgrade_tls12);
	CHECK(sh.downgrade_tls11);
	random[31] = 2;
	build_sh(m, random, false, false, &ext_at);
	CHECK_EQ(tls__parse_server_hello(m->b, m->n, &sh), 0);
	CHECK(!sh.downgrade_tls12 && !sh.downgrade_tls11);

	/* SSLv3 ServerHello: no extensions; version comes from legacy_version. */
	m->b[0] = 3;
	m->b[1] = 0;
	CHECK_EQ(tls__parse_server_hello(m->b, ext_at, &sh), 0);
	CHECK_EQ(sh.version, 0x0300);
	CHECK_EQ(sh.n_exts, 0);
	CHECK_EQ(sh.alpn_len, 0);
	free(m);
}

static void build_sh_alpn(struct mb *m, const uint8_t *name, size_t n, bool twice)
{
	memset(m, 0, sizeof(*m));
	put16(m, 0x0303);
	fill(m, 0, 32);
	put8(m, 0);
	put16(m, 0xc02f);
	put8(m, 0);
	open_blk(m, 2);
	ext_begin(m, TLS_EXT_ALPN);
	open_blk(m, 2);
	blk(m, 1, name, n);
	if (twice)
		blk(m, 1, name, n);
	close_n(m, 3);
}

static void test_server_hello_alpn_rules(void)
{
	struct tls_server_hello sh;
	struct mb *m = malloc(sizeof(*m));
	uint8_t name[255];

	/* RFC 7301 3.1: the server selects exactly one protocol. */
	build_sh_alpn(m, (const uint8_t *)"h2", 2, true);
	CHECK_EQ(tls__parse_server_hello(m->b, m->n, &sh), -EINVAL);
	build_sh_alpn(m, (const uint8_t *)"h2", 0, false);
	CHECK_EQ(tls__parse_server_hello(m->b, m->n, &sh), -EINVAL);
	memset(name, 'p', sizeof(name));
	build_sh_alpn(m, name, 255, true);
	CHECK_EQ(tls__parse_server_hello(m->b, m->n, &sh), -EINVAL);
	build_sh_alpn(m, name, 255, false);
	CHECK_EQ(tls__parse_server_hello(m->b, m->n, &sh), 0);
	CHECK_EQ(sh.alpn_len, 255);
	CHECK_EQ(sh.alpn[254], 'p');

	/* session id of 33 */
	m->b[34] = 33;
	CHECK_EQ(tls__parse_server_hello(m->b, m->n, &sh), -EINVAL);
	free(m);
}

static void build_cert(struct mb *m, int n, const size_t *lens, size_t *offs)
{
	int i;

	memset(m, 0, sizeof(*m));
	open_blk(m, 3);
	for (i = 0; i < n; i++) {
		open_blk(m, 3);
		offs[i] = m->n;
		put8(m, 0x30);
		fill(m, (uint8_t)i, lens[i] - 1);
		close_blk(m);
	}
	close_blk(m);
}

static void test_certificate(void)
{
	struct tls_certificate_msg c;
	struct mb *m = malloc(sizeof(*m));
	size_t lens[40], offs[40];
	int i;

	lens[0] = 1200;
	lens[1] = 900;
	lens[2] = 1;
	build_cert(m, 3, lens, offs);
	CHECK_EQ(tls__parse_certificate(m->b, m->n, &c), 0);
	CHECK_EQ(c.n_certs, 3);
	CHECK_EQ(c.n_total, 3);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(c.certs[i].off, offs[i]);
		CHECK_EQ(c.certs[i].len, lens[i]);
	}
	CHECK_EQ(check_lies(m, cert_fn), 0);
	CHECK_EQ(check_truncation(m->b, m->n, cert_fn, SIZE_MAX), 0);

	/* An empty client Certificate is valid. */
	build_cert(m, 0, lens, offs);
	CHECK_EQ(m->n, 3);
	CHECK_EQ(tls__parse_certificate(m->b, m->n, &c), 0);
	CHECK_EQ(c.n_certs, 0);
	CHECK_EQ(c.n_total, 0);

	for (i = 0; i < 40; i++)
		lens[i] = 10 + (size_t)i;
	build_cert(m, 40, lens, offs);
	CHECK_EQ(tls__parse_certificate(m->b, m->n, &c), 0);
	CHECK_EQ(c.n_certs, TLS_MAX_CHAIN);
	CHECK_EQ(c.n_total, 40);
	CHECK_EQ(c.certs[31].off, offs[31]);
	CHECK_EQ(c.certs[31].len, 41);

	/* A zero-length entry (ASN.1Cert<1..2^24-1>) */
	memcpy(m->b, "\x00\x00\x03\x00\x00\x00", 6);
	CHECK_EQ(tls__parse_certificate(m->b, 6, &c), -EINVAL);
	free(m);
}

static void build_ske_ec(struct mb *m, bool sigalg)
{
	memset(m, 0, sizeof(*m));
	put8(m, 3);
	put16(m, 0x001d);
	open_blk(m, 1);
	fill(m, 0x04, 32);
	close_blk(m);
	if (sigalg)
		put16(m, 0x0804);
	open_blk(m, 2);
	fill(m, 0x99, 256);
	close_blk(m);
}

static void build_ske_dh(struct mb *m, size_t p_len, uint8_t p_first, bool sig)
{
	memset(m, 0, sizeof(*m));
	open_blk(m, 2);
	put8(m, p_first);
	fill(m, 0xff, p_len - 1);
	close_blk(m);
	blk(m, 2, "\x02", 1);
	open_blk(m, 2);
	fill(m, 0x5a, p_len);
	close_blk(m);
	if (sig) {
		put16(m, 0x0401);
		open_blk(m, 2);
		fill(m, 0x99, 128);
		close_blk(m);
	}
}

static void test_server_key_exchange(void)
{
	struct tls_server_key_exchange s;
	struct mb *m = malloc(sizeof(*m));

	build_ske_ec(m, true);
	CHECK_EQ(tls__parse_server_key_exchange(m->b, m->n, 0x0303, TLS_KX_ECDHE, &s), 0);
	CHECK_EQ(s.kx, TLS_KX_ECDHE);
	CHECK_EQ(s.curve, 0x001d);
	CHECK_EQ(s.sig_alg, 0x0804);
	CHECK_EQ(s.sig_len, 256);
	CHECK_EQ(check_lies(m, ske_ecdhe12_fn), 0);
	CHECK_EQ(check_truncation(m->b, m->n, ske_ecdhe12_fn, SIZE_MAX), 0);
	/* The same bytes read as TLS 1.0 have two stray bytes. */
	CHECK_EQ(tls__parse_server_key_exchange(m->b, m->n, 0x0301, TLS_KX_ECDHE, &s), -EINVAL);
	m->b[0] = 1; /* explicit_prime */
	CHECK_EQ(tls__parse_server_key_exchange(m->b, m->n, 0x0303, TLS_KX_ECDHE, &s), -EINVAL);

	build_ske_ec(m, false);
	CHECK_EQ(tls__parse_server_key_exchange(m->b, m->n, 0x0301, TLS_KX_ECDHE, &s), 0);
	CHECK_EQ(s.sig_alg, 0);
	CHECK_EQ(s.sig_len, 256);
	CHECK_EQ(check_lies(m, ske_ecdhe10_fn), 0);
	CHECK_EQ(check_truncation(m->b, m->n, ske_ecdhe10_fn, SIZE_MAX), 0);

	build_ske_dh(m, 128, 0xc0, true);
	CHECK_EQ(tls__parse_server_key_exchange(m->b, m->n, 0x0303, TLS_KX_DHE, &s), 0);
	CHECK_EQ(s.dh_p_bits, 1024);
	CHECK_EQ(s.sig_alg, 0x0401);
	CHECK_EQ(s.sig_len, 128);
	CHECK_EQ(check_lies(m, ske_dhe12_fn), 0);
	CHECK_EQ(check_truncation(m->b, m->n, ske_dhe12_fn, SIZE_MAX), 0);

	/* Leading zero bits do not count: 0x00 0x7f ff.. over 129 bytes is a 1023-bit prime. */
	build_ske_dh(m, 129, 0x00, true);
	m->b[3] = 0x7f;
	CHECK_EQ(tls__parse_server_key_exchange(m->b, m->n, 0x0303, TLS_KX_DHE, &s), 0);
	CHECK_EQ(s.dh_p_bits, 1023);
	build_ske_dh(m, 64, 0x01, true);
	CHECK_EQ(tls__parse_server_key_exchange(m->b, m->n, 0x0303, TLS_KX_DHE, &s), 0);
	CHECK_EQ(s.dh_p_bits, 505);

	build_ske_dh(m, 256, 0x80, false);
	CHECK_EQ(tls__parse_server_key_exchange(m->b, m->n, 0x0303, TLS_KX_DH_ANON, &s), 0);
	CHECK_EQ(s.dh_p_bits, 2048);
	CHECK_EQ(s.sig_len, 0);
	CHECK_EQ(check_lies(m, ske_dhanon_fn), 0);
	CHECK_EQ(check_truncation(m->b, m->n, ske_dhanon_fn, SIZE_MAX), 0);
	/* Anonymous DH with a signature after it: trailing bytes. */
	build_ske_dh(m, 256, 0x80, true);
	CHECK_EQ(tls__parse_server_key_exchange(m->b, m->n, 0x0303, TLS_KX_DH_ANON, &s), -EINVAL);

	CHECK_EQ(tls__parse_server_key_exchange(m->b, m->n, 0x0303, TLS_KX_RSA, &s), -EINVAL);
	CHECK_EQ(tls__parse_server_key_exchange(m->b, m->n, 0x0303, TLS_KX_PSK, &s), -EINVAL);
	CHECK_EQ(tls__parse_server_key_exchange(m->b, m->n, 0x0303, TLS_KX_UNKNOWN, &s), -EINVAL);
	CHECK_EQ(tls__parse_server_key_exchange(m->b, m->n, 0x0304, TLS_KX_TLS13, &s), -EINVAL);
	CHECK_EQ(tls__parse_server_key_exchange(NULL, 0, 0x0303, TLS_KX_ECDHE, &s), -EINVAL);
	free(m);
}

/* Random bytes and random mutations of valid messages: the parsers must only ever return. */
static void test_random_mutations(void)
{
	struct mb *m = malloc(sizeof(*m));
	uint32_t seed = 12345;
	size_t ext_at, i, pos;
	uint8_t *c;
	int round, ok = 0;

	build_ch(m, &ext_at);
	c = malloc(m->n);
	for (round = 0; round < 20000; round++) {
		memcpy(c, m->b, m->n);
		for (i = 0; i < 3; i++) {
			seed = seed * 1103515245 + 12345;
			pos = (seed >> 8) % m->n;
			c[pos] = (uint8_t)(seed >> 24);
		}
		ok += ch_fn(c, m->n) == 0;
		ok += sh_fn(c, m->n) == 0;
		ok += cert_fn(c, m->n) == 0;
		ok += ske_ecdhe12_fn(c, m->n) == 0;
		ok += ske_dhe12_fn(c, m->n) == 0;
		ok += v2_fn(c, m->n) == 0;
	}
	/* Some mutations land in opaque bytes (random, key share) and must still parse. */
	CHECK(ok > 0);
	free(c);
	free(m);
}

int main(void)
{
	RUN_TEST(test_client_hello_fields);
	RUN_TEST(test_client_hello_lies);
	RUN_TEST(test_client_hello_truncation);
	RUN_TEST(test_client_hello_minimal);
	RUN_TEST(test_client_hello_bad_lists);
	RUN_TEST(test_client_hello_maximal);
	RUN_TEST(test_client_hello_grease_versions);
	RUN_TEST(test_client_hello_sni_types);
	RUN_TEST(test_sslv2_client_hello);
	RUN_TEST(test_server_hello);
	RUN_TEST(test_server_hello_alpn_rules);
	RUN_TEST(test_certificate);
	RUN_TEST(test_server_key_exchange);
	RUN_TEST(test_random_mutations);
	return CHECK_DONE();
}
