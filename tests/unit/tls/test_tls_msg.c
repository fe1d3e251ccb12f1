// SPDX-License-Identifier: GPL-2.0
/* ClientHello parsers (TLS and SSLv2 format) on crafted messages: every length field lying high,
 * low and extreme, truncation at every offset, empty and maximal lists, GREASE, raw SNI bytes.
 * ServerHello, Certificate and ServerKeyExchange are in test_tls_msg_server.c. */
#include "tls_msg_builder.h"

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
	return CHECK_DONE();
}
