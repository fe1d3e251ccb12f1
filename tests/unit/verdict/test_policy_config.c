// SPDX-License-Identifier: GPL-2.0
/* Policy settings: enabling and disabling checks, severity overrides, policy__set() errors, the
 * KEY=VALUE file format (errors, garbage, print and parse again) and loading a policy file. */
#include "policy_fixtures.h"

/* Each check is tripped by everything() or, for the few that exclude the others,
 * everything_else(): n_tripped is how many checks that fixture trips. */
static void trip(struct handshake *hs, bool other)
{
	if (other)
		everything_else(hs);
	else
		everything(hs);
}

static int n_tripped(bool other)
{
	int n = 0;

	for (int c = 0; c < CHECK__COUNT; c++)
		n += in_everything_else(c) == other;
	return n;
}

static void test_disabled_checks_are_silent(void)
{
	struct handshake hs;

	for (int c = 0; c < CHECK__COUNT; c++) {
		struct policy *p = policy__new();
		bool other = in_everything_else(c);
		char key[64];

		/* the checks that are off by default (non_pq_kx) are switched on first */
		for (int o = 0; o < CHECK__COUNT; o++) {
			snprintf(key, sizeof(key), "%s.enabled", policy__check_name((enum check_id)o));
			CHECK_EQ(policy__set(p, key, "true", NULL, 0), 0);
		}
		trip(&hs, other);
		policy__evaluate(p, &hs);
		CHECK_EQ(count(&hs, (enum check_id)c), 1);
		CHECK_EQ(hs.n_findings, n_tripped(other));
		snprintf(key, sizeof(key), "%s.enabled", policy__check_name((enum check_id)c));
		CHECK_EQ(policy__set(p, key, "false", NULL, 0), 0);
		trip(&hs, other);
		policy__evaluate(p, &hs);
		CHECK_EQ(count(&hs, (enum check_id)c), 0);
		CHECK_EQ(hs.n_findings, n_tripped(other) - 1);
		CHECK_EQ(policy__set(p, key, "on", NULL, 0), 0);
		trip(&hs, other);
		policy__evaluate(p, &hs);
		CHECK_EQ(count(&hs, (enum check_id)c), 1);
		policy__free(p);
	}
}

static void test_severity_override(void)
{
	struct policy *p = policy__new();
	struct handshake hs;

	everything(&hs);
	CHECK_EQ(policy__set(p, "weak_key.severity", "info", NULL, 0), 0);
	CHECK_EQ(policy__set(p, "expired.severity", "CRITICAL", NULL, 0), 0);
	policy__evaluate(p, &hs);
	CHECK_EQ(sev_of(&hs, CHECK_WEAK_KEY), SEV_INFO);
	CHECK_EQ(sev_of(&hs, CHECK_EXPIRED), SEV_CRITICAL);
	CHECK_EQ(sev_of(&hs, CHECK_NOT_YET_VALID), SEV_HIGH);
	CHECK_EQ(policy__set(p, "weak_key.severity", "auto", NULL, 0), 0);
	CHECK_EQ(policy__set(p, "expired.severity", "auto", NULL, 0), 0);
	everything(&hs);
	policy__evaluate(p, &hs);
	CHECK_EQ(sev_of(&hs, CHECK_WEAK_KEY), SEV_HIGH);
	CHECK_EQ(sev_of(&hs, CHECK_EXPIRED), SEV_HIGH);
	/* weak_hashes without sha1: SHA-1 is accepted */
	CHECK_EQ(policy__set(p, "weak_hashes", "md2,md4,md5", NULL, 0), 0);
	everything(&hs);
	policy__evaluate(p, &hs);
	CHECK_EQ(count(&hs, CHECK_WEAK_SIGNATURE), 0);
	policy__free(p);
}

static void test_set_errors(void)
{
	static const struct {
		const char *key, *value, *err;
	} bad[] = {
		{ "nope", "1", "unknown key 'nope'" },
		{ "weak_key.colour", "red", "unknown key 'weak_key.colour'" },
		{ "nocheck.enabled", "true", "unknown key 'nocheck.enabled'" },
		{ ".enabled", "true", "unknown key '.enabled'" },
		{ "expired.enabled", "maybe", "invalid value 'maybe' for expired.enabled" },
		{ "expired.severity", "severe", "invalid value 'severe' for expired.severity" },
		{ "sha1_root_severity", "auto", "invalid value 'auto' for sha1_root_severity" },
		{ "min_rsa_bits", "", "invalid value '' for min_rsa_bits" },
		{ "min_rsa_bits", "-1", "invalid value '-1' for min_rsa_bits" },
		{ "min_rsa_bits", "20a", "invalid value '20a' for min_rsa_bits" },
		{ "min_rsa_bits", "16385", "invalid value '16385' for min_rsa_bits" },
		{ "min_rsa_bits", "99999999999999999999999", "invalid value" },
		{ "min_ec_bits", "0x100", "invalid value '0x100' for min_ec_bits" },
		{ "weak_hashes", "md5,sha3", "unknown item 'sha3' in weak_hashes" },
		{ "weak_protocols", "TLS1.4", "unknown item 'TLS1.4' in weak_protocols" },
		{ "weak_cipher_flags", "rc4, aes", "unknown item 'aes' in weak_cipher_flags" },
		{ "min_dh_bits", "1\x02", "invalid value '1?' for min_dh_bits" },
	};
	struct policy *p = policy__new();
	char err[200], before[4096], after[4096];
	FILE *f;

	f = fmemopen(before, sizeof(before), "w");
	policy__print(p, f);
	fclose(f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_EQ(policy__set(p, bad[i].key, bad[i].value, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].err))
			fprintf(stderr, "  case %zu: got \"%s\"\n", i, err);
		CHECK(strstr(err, bad[i].err) != NULL);
	}
	f = fmemopen(after, sizeof(after), "w");
	policy__print(p, f);
	fclose(f);
	CHECK_STR(after, before); /* failed sets change nothing */
	/* tiny and absent error buffers */
	CHECK_EQ(policy__set(p, "nope", "1", err, 4), -EINVAL);
	CHECK_STR(err, "unk");
	CHECK_EQ(policy__set(p, "nope", "1", NULL, 0), -EINVAL);
	CHECK_EQ(policy__set(p, NULL, "1", err, sizeof(err)), -EINVAL);
	CHECK_EQ(policy__set(p, "min_rsa_bits", NULL, err, sizeof(err)), -EINVAL);
	/* long key quoted bounded */
	{
		char key[300];

		memset(key, 'k', sizeof(key) - 1);
		key[sizeof(key) - 1] = '\0';
		CHECK_EQ(policy__set(p, key, "1", err, sizeof(err)), -EINVAL);
		CHECK(strlen(err) < 80);
	}
	CHECK_EQ(policy__set(p, "weak_hashes", "", NULL, 0), 0);
	CHECK_EQ(policy__set(p, "weak_hashes", " MD5 , ,sha1 ", NULL, 0), 0);
	CHECK_EQ(policy__set(p, "min_rsa_bits", "0", NULL, 0), 0);
	CHECK_EQ(policy__set(p, "min_rsa_bits", "16384", NULL, 0), 0);
	policy__free(p);
}

static void test_parse(void)
{
	static const char good_text[] = "\xef\xbb\xbf# tlsmon policy\n"
					"\n"
					"   min_rsa_bits = 3072   \r\n"
					"\tweak_cipher.enabled=false # RC4 is fine here\n"
					"weak_signature.severity =medium\n"
					"weak_protocols = SSLv2,SSLv3\n"
					"   # indented comment\n"
					"min_dh_bits = 1024"; /* no trailing newline */
	struct policy *p = policy__new();
	struct handshake hs;
	char err[200];

	CHECK_EQ(policy__parse(p, good_text, sizeof(good_text) - 1, err, sizeof(err)), 0);
	everything(&hs);
	mk(0, "leaf", "md5WithRSAEncryption", "1.2.840.113549.1.1.4", "md5", "RSA", 2048);
	hs.version = hs.sh.version = TLS_VERSION_TLS10;
	policy__evaluate(p, &hs);
	CHECK_EQ(count(&hs, CHECK_WEAK_CIPHER), 0);
	CHECK_EQ(count(&hs, CHECK_WEAK_PROTOCOL), 0);
	CHECK_EQ(sev_of(&hs, CHECK_WEAK_SIGNATURE), SEV_MEDIUM);
	CHECK_EQ(sev_of(&hs, CHECK_WEAK_KEY), SEV_MEDIUM); /* 2048 < 3072 */
	CHECK(find(&hs, CHECK_WEAK_DH) && !strcmp(find(&hs, CHECK_WEAK_DH)->detail, "DH-512"));
	/* empty input, and NULL with no length */
	CHECK_EQ(policy__parse(p, "", 0, err, sizeof(err)), 0);
	CHECK_EQ(policy__parse(p, NULL, 0, err, sizeof(err)), 0);
	CHECK_EQ(policy__parse(p, "\n\n# x\n   \n", 10, err, sizeof(err)), 0);
	policy__free(p);
}

static void expect_parse_error(const char *text, size_t len, const char *want)
{
	struct policy *p = policy__new();
	char err[200] = "", before[4096], after[4096];
	FILE *f;

	f = fmemopen(before, sizeof(before), "w");
	policy__print(p, f);
	fclose(f);
	CHECK_EQ(policy__parse(p, text, len, err, sizeof(err)), -EINVAL);
	if (strcmp(err, want))
		fprintf(stderr, "  got \"%s\", want \"%s\"\n", err, want);
	CHECK_STR(err, want);
	f = fmemopen(after, sizeof(after), "w");
	policy__print(p, f);
	fclose(f);
	CHECK_STR(after, before); /* all or nothing */
	policy__free(p);
}

#define EXPECT_ERR(text, want) expect_parse_error(text, strlen(text), want)

static void test_parse_errors(void)
{
	static const char nul[] = "min_rsa_bits = 4096\nmin_ec_bits = 2\0"
				  "56\n";
	char *long_line = malloc(5000);

	EXPECT_ERR("min_rsa_bits = 4096\nfoo = 1\n", "line 2: unknown key 'foo'");
	EXPECT_ERR("min_rsa_bits = 4096\n\n\nmin_rsa_bits\n", "line 4: expected 'key = value'");
	EXPECT_ERR("  = 5\n", "line 1: missing key before '='");
	EXPECT_ERR("min_rsa_bits = 4096 = 5",
		   "line 1: invalid value '4096 = 5' for min_rsa_bits (expected an "
		   "integer 0..16384)");
	EXPECT_ERR("min_rsa_bits = lots",
		   "line 1: invalid value 'lots' for min_rsa_bits (expected an integer "
		   "0..16384)");
	EXPECT_ERR("expired.enabled = yes\nexpired.severity = grave",
		   "line 2: invalid value 'grave' for expired.severity (expected info, "
		   "low, medium, high, critical or auto)");
	expect_parse_error(nul, sizeof(nul) - 1, "line 2: NUL byte");
	EXPECT_ERR("\r\r\x01\xff\n", "line 1: expected 'key = value'");

	/* a line of exactly the limit is read; one byte more is refused */
	memset(long_line, ' ', 5000);
	memcpy(long_line, "min_ec_bits = 256", 17);
	long_line[1024] = '\n';
	{
		struct policy *p = policy__new();
		char err[200];

		CHECK_EQ(policy__parse(p, long_line, 1025, err, sizeof(err)), 0);
		policy__free(p);
	}
	long_line[1024] = ' ';
	long_line[1025] = '\n';
	expect_parse_error(long_line, 1026, "line 1: longer than 1024 bytes");
	expect_parse_error(long_line, 5000, "line 1: longer than 1024 bytes");
	free(long_line);
}

/* Deterministic garbage: parse must neither crash nor read past len (ASan) nor leave err
 * unterminated. */
static void test_parse_garbage(void)
{
	static const char *const words[] = {
		"min_rsa_bits", "=",	"weak_hashes",	     "md5,", "#",
		"\n",		" ",	".enabled",	     "true", "\0",
		"2048",		"\r\n", "weak_key.severity", "high", "\xff"
	};
	struct policy *p = policy__new();
	uint32_t seed = 12345;
	int ok = 0, bad = 0;

	for (int iter = 0; iter < 3000; iter++) {
		size_t len = 0, want;
		char *buf, err[64];

		seed = seed * 1103515245u + 12345u;
		want = (seed >> 8) % 200;
		buf = malloc(want + 32);
		while (len < want) {
			seed = seed * 1103515245u + 12345u;
			if (seed & 0x100000) {
				const char *w = words[(seed >> 4) % 15];
				size_t wl = *w ? strlen(w) : 1;

				memcpy(buf + len, w, wl);
				len += wl;
			} else {
				buf[len++] = (char)(seed >> 16);
			}
		}
		memset(err, 'x', sizeof(err));
		if (policy__parse(p, buf, len, err, sizeof(err)) == 0) {
			ok++;
		} else {
			bad++;
			CHECK(memchr(err, '\0', sizeof(err)) != NULL);
			CHECK(!strncmp(err, "line ", 5));
		}
		free(buf);
	}
	CHECK(ok > 0);
	CHECK(bad > 0);
	policy__free(p);
}

static void test_print_roundtrip(void)
{
	struct policy *p = policy__new(), *q = policy__new();
	char a[4096], b[4096], err[200];
	FILE *f;

	f = fmemopen(a, sizeof(a), "w");
	policy__print(p, f);
	fclose(f);
	CHECK(strstr(a, "\nmin_rsa_bits = 2048\n"));
	CHECK(strstr(a, "\nmin_ec_bits = 224\n"));
	CHECK(strstr(a, "\nmin_dh_bits = 2048\n"));
	CHECK(strstr(a, "\nweak_hashes = md2,md4,md5,sha1\n"));
	CHECK(strstr(a, "\nsha1_root_severity = low\n"));
	CHECK(strstr(a, "\nweak_protocols = SSLv2,SSLv3,TLS1.0,TLS1.1\n"));
	CHECK(strstr(a, "\nweak_cipher_flags = null,export,anon,rc4,des,3des,md5\n"));
	CHECK(strstr(a, "\nweak_signature.enabled = true\nweak_signature.severity = auto\n"));
	CHECK(strstr(a, "\nself_signed.severity = medium\n"));
	for (int c = 0; c < CHECK__COUNT; c++) {
		char k[64];

		snprintf(k, sizeof(k), "\n%s.enabled = ", policy__check_name((enum check_id)c));
		CHECK(strstr(a, k));
	}
	CHECK_EQ(policy__parse(q, a, strlen(a), err, sizeof(err)), 0);

	CHECK_EQ(policy__set(p, "weak_cipher_flags", "", NULL, 0), 0);
	CHECK_EQ(policy__set(p, "weak_dh.enabled", "0", NULL, 0), 0);
	CHECK_EQ(policy__set(p, "downgrade.severity", "info", NULL, 0), 0);
	CHECK_EQ(policy__set(p, "min_ec_bits", "256", NULL, 0), 0);
	f = fmemopen(a, sizeof(a), "w");
	policy__print(p, f);
	fclose(f);
	CHECK(strstr(a, "\nweak_cipher_flags = \n"));
	CHECK_EQ(policy__parse(q, a, strlen(a), err, sizeof(err)), 0);
	f = fmemopen(b, sizeof(b), "w");
	policy__print(q, f);
	fclose(f);
	CHECK_STR(b, a);
	policy__free(p);
	policy__free(q);
}

static void test_load_file(void)
{
	struct policy *p = policy__new();
	char path[] = "/tmp/test_policy_XXXXXX", err[300];
	int fd = mkstemp(path);
	struct handshake hs;

	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_EQ(write(fd, "min_rsa_bits = 1024\n", 20), 20);
		close(fd);
	}
	CHECK_EQ(policy__load_file(p, path, err, sizeof(err)), 0);
	mk(0, "a", "sha256WithRSAEncryption", "1.2.840.113549.1.1.11", "sha256", "RSA", 1024);
	eval1(&hs, p);
	CHECK_EQ(hs.n_findings, 0);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd >= 0) {
		CHECK_EQ(write(fd, "\n\nbogus = 1\n", 12), 12);
		close(fd);
	}
	CHECK_EQ(policy__load_file(p, path, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "line 3: unknown key 'bogus'"));
	CHECK(!strncmp(err, path, strlen(path)));
	unlink(path);
	CHECK_EQ(policy__load_file(p, path, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "No such file"));
	policy__free(p);
}

int main(void)
{
	RUN_TEST(test_disabled_checks_are_silent);
	RUN_TEST(test_severity_override);
	RUN_TEST(test_set_errors);
	RUN_TEST(test_parse);
	RUN_TEST(test_parse_errors);
	RUN_TEST(test_parse_garbage);
	RUN_TEST(test_print_roundtrip);
	RUN_TEST(test_load_file);
	return CHECK_DONE();
}
