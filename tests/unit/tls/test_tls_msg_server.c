// SPDX-License-Identifier: GPL-2.0
/* ServerHello, Certificate and ServerKeyExchange parsers on crafted messages (lying lengths,
 * truncation, the rules of each message), and random mutations through every parser. */
#include "tls_msg_builder.h"

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
	RUN_TEST(test_server_hello);
	RUN_TEST(test_server_hello_alpn_rules);
	RUN_TEST(test_certificate);
	RUN_TEST(test_server_key_exchange);
	RUN_TEST(test_random_mutations);
	return CHECK_DONE();
}
