/* JA3, JA3S and JA4 on the JA4 spec's worked example and on edge cases: empty and maximal lists,
 * GREASE, versions, ALPN, count caps, SSLv2 hellos and output buffer sizes. */
#include "fingerprint_fixtures.h"

/* The worked example of FoxIO technical_details/JA4.md, with GREASE added everywhere. */
static void spec_example(struct tls_client_hello *ch)
{
	static const uint16_t ciphers[] = { 0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
					    0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
					    0x009c, 0x009d, 0x002f, 0x0035 };
	static const uint16_t exts[] = { 0xdada, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469,
					 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
					 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0x1a1a };
	static const uint16_t sigalgs[] = { 0x0403, 0x0804, 0x0401, 0x0503,
					    0x0805, 0x0501, 0x0806, 0x0601 };
	static const uint16_t versions[] = { 0x7a7a, 0x0304, 0x0303 };

	memset(ch, 0, sizeof(*ch));
	ch->legacy_version = 0x0303;
	ch->n_ciphers = ARRAY_SIZE(ciphers);
	memcpy(ch->ciphers, ciphers, sizeof(ciphers));
	ch->n_exts = ARRAY_SIZE(exts);
	memcpy(ch->exts, exts, sizeof(exts));
	ch->n_sigalgs = ARRAY_SIZE(sigalgs);
	memcpy(ch->sigalgs, sigalgs, sizeof(sigalgs));
	ch->n_versions = ARRAY_SIZE(versions);
	memcpy(ch->versions, versions, sizeof(versions));
	ch->has_sni = true;
	set_alpn(ch, "h2,http/1.1");
}

static void test_ja4_spec_example(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];

	spec_example(&ch);
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK_STR(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");

	/* Without signature algorithms the string ends without '_' (JA4.md "Extension hash"). */
	ch.n_sigalgs = 0;
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK_STR(ja4, "t13d1516h2_8daaf6152771_6d807ffa2a79");

	/* GREASE-only sigalgs count as none. */
	ch.n_sigalgs = 1;
	ch.sigalgs[0] = 0x3a3a;
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK_STR(ja4, "t13d1516h2_8daaf6152771_6d807ffa2a79");
}

static void test_ja4_empty_lists(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];

	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = 0x0303;
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK_STR(ja4, "t12i000000_000000000000_000000000000");

	/* Only GREASE, SNI and ALPN: counted in part a, but nothing left to hash. */
	ch.n_ciphers = 1;
	ch.ciphers[0] = 0xfafa;
	ch.n_exts = 3;
	ch.exts[0] = 0x2a2a;
	ch.exts[1] = TLS_EXT_SERVER_NAME;
	ch.exts[2] = TLS_EXT_ALPN;
	ch.n_sigalgs = 1;
	ch.sigalgs[0] = 0x0804;
	ch.has_sni = true;
	set_alpn(&ch, "h2");
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK_STR(ja4, "t12d0002h2_000000000000_000000000000");
}

static void test_ja4_version(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];
	static const struct {
		uint16_t legacy;
		uint16_t sv[3];
		uint16_t n_sv;
		const char *want;
	} cases[] = {
		{ 0x0303, { 0x0304 }, 1, "13" },
		{ 0x0303, { 0x0303, 0x0304, 0x8a8a }, 3, "13" },
		{ 0x0303, { 0xbaba }, 1, "12" }, /* GREASE only: fall back to the hello version */
		{ 0x0303, { 0 }, 0, "12" },
		{ 0x0302, { 0 }, 0, "11" },
		{ 0x0301, { 0 }, 0, "10" },
		{ 0x0300, { 0 }, 0, "s3" },
		{ 0x0002, { 0 }, 0, "s2" },
		{ 0xfefd, { 0 }, 0, "d2" },
		{ 0xfeff, { 0 }, 0, "d1" },
		{ 0x0303, { 0xfefc }, 1, "d3" },
		{ 0x0305, { 0 }, 0, "00" },
		{ 0x0303, { 0x7f17 }, 1, "00" }, /* a TLS 1.3 draft is not a JA4 version */
		{ 0x0000, { 0 }, 0, "00" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&ch, 0, sizeof(ch));
		ch.legacy_version = cases[i].legacy;
		ch.n_versions = cases[i].n_sv;
		memcpy(ch.versions, cases[i].sv, sizeof(cases[i].sv));
		CHECK_EQ(fp__ja4(&ch, ja4), 0);
		CHECK(strncmp(ja4 + 1, cases[i].want, 2) == 0);
	}
}

static void test_ja4_alpn(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];
	/* Raw protocol_name_list bytes; the last five are the examples of JA4.md. */
	static const struct {
		uint8_t raw[10];
		uint16_t len;
		const char *want;
	} cases[] = {
		{ { 0 }, 0, "00" },
		{ { 0 }, 1, "00" }, /* first protocol empty */
		{ { 0, 2, 'h', '2' }, 4, "00" }, /* first protocol empty, second ignored */
		{ { 2, 'h', '2' }, 3, "h2" },
		{ { 2, 'H', '2' }, 3, "H2" },
		{ { 8, 'h', 't', 't', 'p', '/', '1', '.' }, 8, "6e" }, /* cut short: last is '.' */
		{ { 1, 'x', 2, 'h', '2' }, 5, "xx" },
		{ { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' }, 9, "h1" },
		{ { 3, 'a', '-', 'z' }, 4, "az" }, /* only first and last must be alphanumeric */
		{ { 1, 0xab }, 2, "ab" },
		{ { 2, 0xab, 0xcd }, 3, "ad" },
		{ { 2, 0x30, 0xab }, 3, "3b" },
		{ { 4, 0x30, 0x31, 0xab, 0xcd }, 5, "3d" },
		{ { 4, 0x30, 0xab, 0xcd, 0x31 }, 5, "01" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&ch, 0, sizeof(ch));
		ch.legacy_version = 0x0303;
		ch.alpn_len = cases[i].len;
		memcpy(ch.alpn, cases[i].raw, sizeof(cases[i].raw));
		CHECK_EQ(fp__ja4(&ch, ja4), 0);
		if (strncmp(ja4 + 8, cases[i].want, 2) != 0)
			fprintf(stderr, "  alpn case %zu: %s\n", i, ja4);
		CHECK(strncmp(ja4 + 8, cases[i].want, 2) == 0);
	}
}

static void test_ja4_alpn_longest(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];

	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = 0x0303;
	ch.alpn_len = TLS_MAX_ALPN_LEN;
	memset(ch.alpn, 'q', sizeof(ch.alpn));
	ch.alpn[0] = 255;
	ch.alpn[1] = 'a';
	ch.alpn[255] = 'z';
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK(strncmp(ja4 + 8, "az", 2) == 0);

	/* alpn_len lying above the array must not be followed. */
	ch.alpn_len = 0xffff;
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK(strncmp(ja4 + 8, "az", 2) == 0);
}

static void test_ja4_counts_cap(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];

	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = 0x0303;
	ch.n_ciphers = TLS_MAX_CIPHERS;
	for (int i = 0; i < TLS_MAX_CIPHERS; i++)
		ch.ciphers[i] = (uint16_t)(0xc000 + i);
	ch.n_exts = TLS_MAX_EXTS;
	for (int i = 0; i < TLS_MAX_EXTS; i++)
		ch.exts[i] = (uint16_t)(0x100 + i);
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK(strncmp(ja4, "t12i9964", 8) == 0);

	ch.n_ciphers = 99;
	ch.ciphers[0] = 0x0a0a; /* GREASE does not count */
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK(strncmp(ja4, "t12i9864", 8) == 0);

	/* Counts lying above the arrays are clamped, not followed. */
	ch.n_ciphers = 0xffff;
	ch.n_exts = 0xffff;
	ch.n_sigalgs = 0xffff;
	ch.n_versions = 0xffff;
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK_EQ(strlen(ja4), JA4_LEN);
	CHECK(strncmp(ja4, "t12i9964", 8) == 0);
}

static void test_ja3_empty_and_grease(void)
{
	static struct tls_client_hello ch;
	char str[64], md5[JA3_HEX_LEN + 1];

	memset(&ch, 0, sizeof(ch));
	CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
	CHECK_STR(str, "0,,,,");
	CHECK_STR(md5, "2432bebf06532faf89aae784a9aae4ef");

	ch.legacy_version = 0x0303;
	ch.n_ciphers = 2;
	ch.ciphers[0] = 0x1a1a;
	ch.ciphers[1] = 0xfafa;
	ch.n_exts = 1;
	ch.exts[0] = 0x9a9a;
	ch.n_groups = 1;
	ch.groups[0] = 0xeaea;
	CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
	CHECK_STR(str, "771,,,,");
	CHECK_STR(md5, "bddda940f9963577c41d7c28b1a5f65f");

	/* Near-GREASE values stay. */
	ch.ciphers[0] = 0x1a1b;
	ch.exts[0] = 0x0a1a;
	ch.groups[0] = 0xeae0;
	ch.n_point_formats = 3;
	ch.point_formats[0] = 0;
	ch.point_formats[1] = 1;
	ch.point_formats[2] = 2;
	CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
	CHECK_STR(str, "771,6683,2586,60128,0-1-2");
}

static void test_ja3_sslv2(void)
{
	static struct tls_client_hello ch;
	char str[128], md5[JA3_HEX_LEN + 1];

	/* An SSLv2-compatible hello has ciphers only; JA3 is taken over the same fields. */
	memset(&ch, 0, sizeof(ch));
	ch.sslv2 = true;
	ch.legacy_version = 0x0301;
	ch.n_ciphers = 3;
	ch.ciphers[0] = 0x0039;
	ch.ciphers[1] = 0x0004;
	ch.ciphers[2] = 0x00ff;
	CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
	CHECK_STR(str, "769,57-4-255,,,");
	CHECK_EQ(strlen(md5), JA3_HEX_LEN);
}

static void test_ja3_buffer_sizes(void)
{
	static struct tls_client_hello ch;
	char full[4096], small[8], md5[JA3_HEX_LEN + 1], md5_small[JA3_HEX_LEN + 1];
	size_t len;

	build_ch(&ch_fixtures[0], &ch);
	CHECK_EQ(fp__ja3(&ch, full, sizeof(full), md5), 0);
	len = strlen(full);

	memset(small, 'x', sizeof(small));
	CHECK_EQ(fp__ja3(&ch, small, sizeof(small), md5_small), -E2BIG);
	CHECK_EQ(small[sizeof(small) - 1], '\0');
	CHECK(strncmp(small, full, sizeof(small) - 1) == 0);
	CHECK_STR(md5_small, md5); /* the hash is over the whole string regardless */

	/* Exactly fitting, one short. */
	char *fit = malloc(len + 1);

	CHECK(fit != NULL);
	if (fit) {
		CHECK_EQ(fp__ja3(&ch, fit, len + 1, md5_small), 0);
		CHECK_STR(fit, full);
		CHECK_EQ(fp__ja3(&ch, fit, len, md5_small), -E2BIG);
		CHECK_EQ(strlen(fit), len - 1);
		free(fit);
	}

	CHECK_EQ(fp__ja3(&ch, NULL, 0, md5_small), 0);
	CHECK_STR(md5_small, md5);
	CHECK_EQ(fp__ja3(&ch, small, 0, md5_small), -E2BIG);
}

static void test_ja3_maximal(void)
{
	static struct tls_client_hello ch;
	static char str[8192];
	char md5[JA3_HEX_LEN + 1];
	size_t want;

	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = 0xffff;
	ch.n_ciphers = TLS_MAX_CIPHERS;
	for (int i = 0; i < TLS_MAX_CIPHERS; i++)
		ch.ciphers[i] = 0xfffe;
	ch.n_exts = TLS_MAX_EXTS;
	for (int i = 0; i < TLS_MAX_EXTS; i++)
		ch.exts[i] = 0xfffe;
	ch.n_groups = TLS_MAX_GROUPS;
	for (int i = 0; i < TLS_MAX_GROUPS; i++)
		ch.groups[i] = 0xfffe;
	ch.n_point_formats = TLS_MAX_POINT_FORMATS;
	memset(ch.point_formats, 255, sizeof(ch.point_formats));
	want = 5 + 1 + (TLS_MAX_CIPHERS * 6 - 1) + 1 + (TLS_MAX_EXTS * 6 - 1) + 1 +
	       (TLS_MAX_GROUPS * 6 - 1) + 1 + (TLS_MAX_POINT_FORMATS * 4 - 1);
	CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
	CHECK_EQ(strlen(str), want);

	/* Counts lying above the arrays are clamped. */
	ch.n_ciphers = ch.n_exts = ch.n_groups = ch.n_point_formats = 0xffff;
	CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
	CHECK_EQ(strlen(str), want);
}

static void test_ja3s_edges(void)
{
	static struct tls_server_hello sh;
	char str[4096], md5[JA3_HEX_LEN + 1];

	memset(&sh, 0, sizeof(sh));
	CHECK_EQ(fp__ja3s(&sh, str, sizeof(str), md5), 0);
	CHECK_STR(str, "0,0,");
	CHECK_STR(md5, "d8eada1de0f744e8f2d11cc5ea02451d");

	/* JA3S keeps legacy_version even when supported_versions chose TLS 1.3. */
	sh.legacy_version = 0x0303;
	sh.version = 0x0304;
	sh.cipher = 0x1301;
	sh.n_exts = 3;
	sh.exts[0] = 0x002b;
	sh.exts[1] = 0x4a4a;
	sh.exts[2] = 0x0033;
	CHECK_EQ(fp__ja3s(&sh, str, sizeof(str), md5), 0);
	CHECK_STR(str, "771,4865,43-51");

	CHECK_EQ(fp__ja3s(&sh, str, 5, md5), -E2BIG);
	CHECK_STR(str, "771,");

	sh.n_exts = 0xffff;
	for (int i = 0; i < TLS_MAX_EXTS; i++)
		sh.exts[i] = 65535;
	CHECK_EQ(fp__ja3s(&sh, str, sizeof(str), md5), 0);
	CHECK_EQ(strlen(str), 9 + TLS_MAX_EXTS * 6 - 1);
}

int main(void)
{
	RUN_TEST(test_ja4_spec_example);
	RUN_TEST(test_ja4_empty_lists);
	RUN_TEST(test_ja4_version);
	RUN_TEST(test_ja4_alpn);
	RUN_TEST(test_ja4_alpn_longest);
	RUN_TEST(test_ja4_counts_cap);
	RUN_TEST(test_ja3_empty_and_grease);
	RUN_TEST(test_ja3_sslv2);
	RUN_TEST(test_ja3_buffer_sizes);
	RUN_TEST(test_ja3_maximal);
	RUN_TEST(test_ja3s_edges);
	return CHECK_DONE();
}
