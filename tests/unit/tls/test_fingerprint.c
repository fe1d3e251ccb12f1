/* Fingerprints checked against values other tools published for real captures (the hellos in
 * fingerprint_fixtures.h, and a few kept as raw bytes in tests/data/tls/ that go through
 * user/tls/tls_msg.c), and the digest memo against the plain functions. The JA4 spec's own
 * example and edge cases are in test_fingerprint_edges.c. */
#include "fingerprint_fixtures.h"
#include "fixture.h"

static void test_ja3_matches_peers(void)
{
	static struct tls_client_hello ch;
	char str[4096], md5[JA3_HEX_LEN + 1];
	int matched = 0, with_str = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ch_fixtures); i++) {
		const struct ch_fixture *f = &ch_fixtures[i];

		build_ch(f, &ch);
		CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
		if (strcmp(md5, f->ja3) != 0)
			fprintf(stderr, "  %s (%s): JA3 %s\n", f->capture, f->peer, str);
		CHECK_STR(md5, f->ja3);
		matched += strcmp(md5, f->ja3) == 0;
		if (f->ja3_str) {
			CHECK_STR(str, f->ja3_str);
			with_str++;
		}
	}
	CHECK(matched >= 4);
	CHECK(with_str >= 4);
}

static void test_ja4_matches_peers(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];
	int exact = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ch_fixtures); i++) {
		const struct ch_fixture *f = &ch_fixtures[i];

		build_ch(f, &ch);
		CHECK_EQ(fp__ja4(&ch, ja4), 0);
		CHECK_EQ(strlen(ja4), JA4_LEN);
		check_ja4(f, ja4);
		exact += strcmp(ja4, f->ja4) == 0;
	}
	CHECK(exact >= 4);
}

static void test_ja3s_matches_peers(void)
{
	static struct tls_server_hello sh;
	char str[1024], md5[JA3_HEX_LEN + 1];
	int matched = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sh_fixtures); i++) {
		const struct sh_fixture *f = &sh_fixtures[i];

		memset(&sh, 0, sizeof(sh));
		sh.legacy_version = sh.version = f->legacy_version;
		sh.cipher = f->cipher;
		copy16(sh.exts, &sh.n_exts, f->exts, f->n_exts);
		CHECK_EQ(fp__ja3s(&sh, str, sizeof(str), md5), 0);
		CHECK_STR(md5, f->ja3s);
		if (f->ja3s_str)
			CHECK_STR(str, f->ja3s_str);
		matched += strcmp(md5, f->ja3s) == 0;
	}
	CHECK(matched >= 3);
}

/* End to end: wire bytes -> tls__parse_*_hello() -> fingerprint, against the peers' values. The
 * hellos are whole handshake messages (tshark tls.handshake_raw) in tests/data/tls/. */
static void test_parsed_hellos(void)
{
	static const struct {
		const char *file;
		const char *ja3, *ja4;
	} chs[] = {
		{ "tls/ch_badcurveball.hex", "66918128f1b9b03303d77c6f2eefd128",
		  "t13d1615H2_46e7e9700bed_45f260be83e2" },
		{ "tls/ch_mysql.hex", "3509fd9d38bde48d8abc69cd321c0ba0",
		  "t11i220200_fd01a07dbaa1_33a13ba74d1c" },
		{ "tls/ch_pop3.hex", "207409c2b30e670ca50e1eac016a4831",
		  "t10d360400_77f462745360_a875e5012fde" },
		{ "tls/ch_ldap.hex", "3f8b7a5c41878630f67e660533be80fc",
		  "t12i240200_e34a427d6317_e0d811e466d9" },
	};
	static const struct {
		const char *file;
		const char *ja3s;
	} shs[] = {
		{ "tls/sh_badcurveball.hex", "2d1eb5817ece335c24904f516ad5da12" },
		{ "tls/sh_pop3.hex", "6b96cf9c27b0223177b0e9f135fe4899" },
		{ "tls/sh_ldap.hex", "573a9f3f80037fb40d481e2054def5bb" },
	};
	static struct tls_client_hello ch;
	static struct tls_server_hello sh;
	char md5[JA3_HEX_LEN + 1], ja4[JA4_LEN + 1];
	uint8_t *msg;
	size_t len;

	for (size_t i = 0; i < ARRAY_SIZE(chs); i++) {
		msg = fixture__load(chs[i].file, &len);
		CHECK(msg && len > 4);
		if (!msg || len <= 4) {
			free(msg);
			continue;
		}
		/* The parser takes the body, after the 4-byte handshake header. */
		CHECK_EQ(msg[0], 1);
		CHECK_EQ(tls__parse_client_hello(msg + 4, len - 4, &ch), 0);
		CHECK_EQ(fp__ja3(&ch, NULL, 0, md5), 0);
		CHECK_STR(md5, chs[i].ja3);
		CHECK_EQ(fp__ja4(&ch, ja4), 0);
		CHECK_STR(ja4, chs[i].ja4);
		free(msg);
	}
	for (size_t i = 0; i < ARRAY_SIZE(shs); i++) {
		msg = fixture__load(shs[i].file, &len);
		CHECK(msg && len > 4);
		if (!msg || len <= 4) {
			free(msg);
			continue;
		}
		CHECK_EQ(msg[0], 2);
		CHECK_EQ(tls__parse_server_hello(msg + 4, len - 4, &sh), 0);
		CHECK_EQ(fp__ja3s(&sh, NULL, 0, md5), 0);
		CHECK_STR(md5, shs[i].ja3s);
		free(msg);
	}
}
/* JA4's version characters for each wire version (the JA4 spec's table, written out here, not
 * taken from fingerprint.c's), from supported_versions when present, else the legacy version. */
static void test_ja4_version_codes(void)
{
	static const struct {
		uint16_t wire;
		const char *code;
	} want[] = { { 0x0304, "13" }, { 0x0303, "12" }, { 0x0302, "11" }, { 0x0301, "10" },
		     { 0x0300, "s3" }, { 0x0002, "s2" }, { 0xfeff, "d1" }, { 0xfefd, "d2" },
		     { 0xfefc, "d3" }, { 0x0305, "00" }, { 0x0000, "00" }, { 0x7f1c, "00" } };
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		build_ch(&ch_fixtures[0], &ch);
		ch.n_versions = 0;
		ch.legacy_version = want[i].wire;
		CHECK_EQ(fp__ja4(&ch, ja4), 0);
		CHECK(!memcmp(ja4 + 1, want[i].code, 2));
		/* The highest supported_versions entry wins over the legacy version. */
		ch.legacy_version = 0x0303;
		ch.n_versions = 2;
		ch.versions[0] = 0x0300;
		ch.versions[1] = want[i].wire;
		CHECK_EQ(fp__ja4(&ch, ja4), 0);
		CHECK(!memcmp(ja4 + 1, want[i].wire > 0x0300 ? want[i].code : "s3", 2));
	}
}

/* The _with variants remember recent digests (fingerprint.c): with many more distinct strings
 * than memo slots, repeated in rounds, they must give exactly what the plain functions give,
 * and match the peers' values, whichever slot a string landed in. */
static void test_memo_matches_plain(void)
{
	static struct tls_client_hello ch;
	static struct tls_server_hello sh;
	char md5[JA3_HEX_LEN + 1], want_md5[JA3_HEX_LEN + 1];
	char str[8192], want_str[8192], ja4[JA4_LEN + 1], want_ja4[JA4_LEN + 1];
	struct fp_digests d = { 0 };

	CHECK_EQ(fp__digests_init(&d), 0);
	CHECK(d.memo != NULL);
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < ARRAY_SIZE(ch_fixtures); i++) {
			build_ch(&ch_fixtures[i], &ch);
			CHECK_EQ(fp__ja3_with(&d, &ch, NULL, 0, md5), 0);
			CHECK_STR(md5, ch_fixtures[i].ja3);
			CHECK_EQ(fp__ja4_with(&d, &ch, ja4), 0);
			check_ja4(&ch_fixtures[i], ja4);
			/* 300 variants of each: the memo has far fewer slots, so strings evict
			 * each other and a stale slot would show. */
			for (unsigned v = 0; v < 300; v++) {
				ch.legacy_version = (uint16_t)(0x0300 + v);
				ch.ciphers[0] = (uint16_t)(0x1000 + v);
				CHECK_EQ(fp__ja3_with(&d, &ch, str, sizeof(str), md5), 0);
				CHECK_EQ(fp__ja3(&ch, want_str, sizeof(want_str), want_md5), 0);
				CHECK_STR(md5, want_md5);
				CHECK_STR(str, want_str);
				CHECK_EQ(fp__ja4_with(&d, &ch, ja4), 0);
				CHECK_EQ(fp__ja4(&ch, want_ja4), 0);
				CHECK_STR(ja4, want_ja4);
			}
		}
		for (size_t i = 0; i < ARRAY_SIZE(sh_fixtures); i++) {
			const struct sh_fixture *f = &sh_fixtures[i];

			memset(&sh, 0, sizeof(sh));
			sh.legacy_version = f->legacy_version;
			sh.cipher = f->cipher;
			sh.n_exts = f->n_exts;
			if (f->n_exts)
				memcpy(sh.exts, f->exts, f->n_exts * sizeof(f->exts[0]));
			CHECK_EQ(fp__ja3s_with(&d, &sh, NULL, 0, md5), 0);
			CHECK_STR(md5, f->ja3s);
		}
	}
	/* Strings longer than a memo key are digested every time, with the same result. */
	memset(&ch, 0, sizeof(ch));
	ch.n_ciphers = TLS_MAX_CIPHERS;
	for (int i = 0; i < TLS_MAX_CIPHERS; i++)
		ch.ciphers[i] = (uint16_t)(0x8000 + i);
	for (int k = 0; k < 2; k++) {
		CHECK_EQ(fp__ja3_with(&d, &ch, NULL, 0, md5), 0);
		CHECK_EQ(fp__ja3(&ch, NULL, 0, want_md5), 0);
		CHECK_STR(md5, want_md5);
		CHECK_EQ(fp__ja4_with(&d, &ch, ja4), 0);
		CHECK_EQ(fp__ja4(&ch, want_ja4), 0);
		CHECK_STR(ja4, want_ja4);
	}
	fp__digests_fini(&d);
	CHECK(d.memo == NULL);
}

/* fp__client_with() against the plain functions, twice: the second call is a memo hit. */
static void check_client(const struct fp_digests *d, const struct tls_client_hello *ch)
{
	char md5[JA3_HEX_LEN + 1], want_md5[JA3_HEX_LEN + 1];
	char ja4[JA4_LEN + 1], want_ja4[JA4_LEN + 1];

	CHECK_EQ(fp__ja3(ch, NULL, 0, want_md5), 0);
	CHECK_EQ(fp__ja4(ch, want_ja4), 0);
	for (int k = 0; k < 2; k++) {
		memset(md5, 'x', sizeof(md5));
		memset(ja4, 'x', sizeof(ja4));
		CHECK_EQ(fp__client_with(d, ch, md5, ja4), 0);
		CHECK_STR(md5, want_md5);
		CHECK_STR(ja4, want_ja4);
	}
}

/* The ClientHello memo is keyed by every input of JA3 and JA4: a change to any one of them, with
 * everything else equal, must give the plain functions' answer, never a remembered one. */
static void test_client_memo(void)
{
	static struct tls_client_hello ch;
	struct fp_digests d = { 0 };

	CHECK_EQ(fp__digests_init(&d), 0);
	for (size_t i = 0; i < ARRAY_SIZE(ch_fixtures); i++) {
		build_ch(&ch_fixtures[i], &ch);
		check_client(&d, &ch);
		for (unsigned v = 1; v < 40; v++) {
			build_ch(&ch_fixtures[i], &ch);
			switch (v % 10) {
			case 0: ch.legacy_version = (uint16_t)(0x0300 + v % 5); break;
			case 1: ch.ciphers[0] ^= (uint16_t)v; break;
			case 2: ch.n_exts = ch.n_exts ? (uint16_t)(ch.n_exts - 1) : 0; break;
			case 3: ch.groups[0] ^= (uint16_t)v; ch.n_groups |= 1; break;
			case 4: ch.point_formats[0] = (uint8_t)v; ch.n_point_formats |= 1; break;
			case 5: ch.versions[0] = (uint16_t)(0x0301 + v % 4); ch.n_versions |= 1; break;
			case 6: ch.sigalgs[0] ^= (uint16_t)v; ch.n_sigalgs |= 1; break;
			case 7: ch.has_sni = !ch.has_sni; break;
			case 8:
				ch.alpn[0] = 2;
				ch.alpn[1] = (uint8_t)('a' + v % 26);
				ch.alpn[2] = (uint8_t)('0' + v % 10);
				ch.alpn_len = 3;
				break;
			default: ch.n_ciphers = ch.n_ciphers ? (uint16_t)(ch.n_ciphers - 1) : 0; break;
			}
			check_client(&d, &ch);
		}
		/* what the memo must not look at: the SNI's value, session id, key shares */
		build_ch(&ch_fixtures[i], &ch);
		ch.sni[0] ^= 1;
		ch.session_id_len = 32;
		ch.key_shares[0] = 0x1234;
		check_client(&d, &ch);
	}
	fp__digests_fini(&d);
}

int main(void)
{
	RUN_TEST(test_ja3_matches_peers);
	RUN_TEST(test_ja4_matches_peers);
	RUN_TEST(test_ja3s_matches_peers);
	RUN_TEST(test_parsed_hellos);
	RUN_TEST(test_ja4_version_codes);
	RUN_TEST(test_memo_matches_plain);
	RUN_TEST(test_client_memo);
	return CHECK_DONE();
}
