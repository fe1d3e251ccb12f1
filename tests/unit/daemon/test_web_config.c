/* web_config: the exporter-toolkit web configuration subset, and what it refuses, with the line. */
#include "check.h"
#include "daemon/web_config.h"

#include <errno.h>
#include <openssl/ssl.h>

#define HASH "$2b$04$eSv3wNIcC1PW4UmakHmhV.CpEZl0i.GZ6sQyw6DXKueSpVX/UGkLK"

static struct web_config wc;
static char err[256];

static int parse(const char *text)
{
	err[0] = '\0';
	return web_config__parse(text, strlen(text), "/etc/tlsmon", &wc, err, sizeof(err));
}

static void test_full(void)
{
	CHECK_EQ(parse("---\n"
		       "# comment\n"
		       "tls_server_config:   # trailing comment\n"
		       "  cert_file: server.pem\n"
		       "  key_file: '/keys/it''s.key'\n"
		       "\n"
		       "  client_ca_file: \"ca \\\"x\\\".pem\"\n"
		       "  client_auth_type: RequireAndVerifyClientCert\r\n"
		       "  min_version: TLS13\n"
		       "basic_auth_users:\n"
		       "    prom: " HASH "\n"
		       "    'second': " HASH "  # it is fine\n"),
		 0);
	CHECK_STR(err, "");
	CHECK(wc.tls);
	CHECK_STR(wc.cert_file, "/etc/tlsmon/server.pem");
	CHECK_STR(wc.key_file, "/keys/it's.key");
	CHECK_STR(wc.client_ca_file, "/etc/tlsmon/ca \"x\".pem");
	CHECK_EQ(wc.client_auth, WEB_CLIENT_AUTH_REQUIRE);
	CHECK_EQ(wc.min_version, TLS1_3_VERSION);
	CHECK_EQ(wc.max_version, TLS1_3_VERSION);
	CHECK_EQ(wc.n_users, 2);
	CHECK_STR(wc.users[0].name, "prom");
	CHECK_STR(wc.users[1].name, "second");
	CHECK_STR(wc.users[1].hash, HASH);
}

static void test_defaults_and_empty(void)
{
	CHECK_EQ(parse(""), 0);
	CHECK(!wc.tls);
	CHECK_EQ(wc.n_users, 0);
	CHECK_EQ(wc.min_version, TLS1_2_VERSION);
	CHECK_EQ(wc.max_version, TLS1_3_VERSION);
	/* As exporter-toolkit: an empty tls_server_config serves plain HTTP (with basic auth). */
	CHECK_EQ(parse("tls_server_config: {}\nbasic_auth_users:\n  a: " HASH "\n"), 0);
	CHECK(!wc.tls);
	CHECK_EQ(wc.n_users, 1);
	CHECK_EQ(parse("tls_server_config:\n  cert_file:\n"), 0);
	CHECK(!wc.tls);
	CHECK_EQ(parse("tls_server_config:\n  min_version: TLS13\n"), 0);
	CHECK(!wc.tls);
	CHECK_EQ(web_config__parse("x", 1, "", &wc, err, sizeof(err)), -EINVAL);
	CHECK_EQ(parse("tls_server_config:\n  cert_file: a.pem\n  key_file: a.key\n"), 0);
	CHECK_STR(wc.cert_file, "/etc/tlsmon/a.pem");
	CHECK_EQ(web_config__parse("tls_server_config:\n  cert_file: a.pem\n  key_file: a.key\n", 52,
				   "", &wc, err, sizeof(err)),
		 0);
	CHECK_STR(wc.cert_file, "a.pem");
}

static void test_hash_variants(void)
{
	CHECK_EQ(parse("basic_auth_users:\n  a: $2y$04$eSv3wNIcC1PW4UmakHmhV.CpEZl0i.GZ6sQyw6DXKueSpVX/UGkLK\n"
		       "  b: $2a$04$eSv3wNIcC1PW4UmakHmhV.CpEZl0i.GZ6sQyw6DXKueSpVX/UGkLK\n"),
		 0);
	CHECK_EQ(wc.n_users, 2);
}

/* Each refusal: the line it names and a word of the reason. */
static void refuse(const char *text, const char *line_and_why)
{
	int rc = parse(text);

	CHECK_EQ(rc, -EINVAL);
	if (strncmp(err, line_and_why, strcspn(line_and_why, " ")) || !strstr(err, strchr(line_and_why, ' ') + 1)) {
		fprintf(stderr, "  for %s: got '%s', expected '%s'\n", text, err, line_and_why);
		check_failed_in_test = 1;
	}
}

static void test_refusals(void)
{
	refuse("tls_server_config:\n  cert_fil: x\n", "2: unknown key tls_server_config.cert_fil");
	refuse("tls_server_config:\n  cipher_suites:\n", "2: not supported");
	refuse("tls_server_config:\n  cert: x\n", "2: not supported");
	refuse("web:\n", "1: unknown key web");
	refuse("http_server_config:\n  http2: false\n", "1: not supported");
	refuse("rate_limit:\n", "1: not supported");
	/* the versions are checked with or without a certificate (found by fuzz_web_config) */
	refuse("tls_server_config:\n  max_version: TLS11\n", "2: min_version is above max_version");
	refuse("# c\n\n  cert_file: x\n", "3: unexpected indentation");
	refuse("tls_server_config:\n  cert_file: a\n    key_file: b\n", "3: unexpected indentation");
	refuse("tls_server_config:\n  cert_file: a\n key_file: b\n", "3: unexpected indentation");
	refuse("tls_server_config:\n\tcert_file: a\n", "2: tab");
	refuse("tls_server_config: x\n", "1: must be a mapping");
	refuse("tls_server_config:\n  cert_file: [a, b]\n", "2: plain or quoted");
	refuse("tls_server_config:\n  cert_file: - a\n", "2: plain or quoted");
	refuse("tls_server_config:\n  cert_file: |\n", "2: plain or quoted");
	refuse("tls_server_config:\n  cert_file: a: b\n", "2: \": \"");
	refuse("tls_server_config:\n  cert_file: 'a\n", "2: unterminated");
	refuse("tls_server_config:\n  cert_file: \"a\\n\"\n", "2: escapes");
	refuse("tls_server_config:\n  cert_file: 'a' b\n", "2: unexpected text");
	refuse("tls_server_config:\n  cert_file a\n", "2: expected \"key: value\"");
	refuse("tls_server_config:\n  cert_file: a\n  cert_file: b\n", "3: given twice (line 2)");
	refuse("basic_auth_users:\ntls_server_config:\nbasic_auth_users:\n", "3: given twice (line 1)");
	refuse("tls_server_config: {}\n  cert_file: a\n", "2: unexpected indentation");
	refuse("tls_server_config:\n  cert_file: a\n", "1: needs both cert_file and key_file");
	refuse("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n",
	       "4: client_auth_type is NoClientCert");
	refuse("tls_server_config:\n  cert_file: a\n  key_file: b\n"
	       "  client_auth_type: VerifyClientCertIfGiven\n",
	       "4: needs client_ca_file");
	refuse("tls_server_config:\n  client_auth_type: RequireAnyClientCert\n", "2: not supported");
	refuse("tls_server_config:\n  client_auth_type: Yes\n", "2: expected NoClientCert");
	refuse("tls_server_config:\n  min_version: TLS1.2\n", "2: expected TLS10");
	refuse("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n"
	       "  max_version: TLS12\n",
	       "4: above max_version");
	refuse("basic_auth_users:\n  a: secret\n", "2: not a bcrypt hash");
	refuse("basic_auth_users:\n  a: $2b$03$eSv3wNIcC1PW4UmakHmhV.CpEZl0i.GZ6sQyw6DXKueSpVX/UGkLK\n",
	       "2: not a bcrypt hash");
	refuse("basic_auth_users:\n  a: $2x$04$eSv3wNIcC1PW4UmakHmhV.CpEZl0i.GZ6sQyw6DXKueSpVX/UGkLK\n",
	       "2: not a bcrypt hash");
	refuse("basic_auth_users:\n  a: $2b$04$eSv3wNIcC1PW4UmakHmhV.CpEZl0i.GZ6sQyw6DXKueSpVX/UGkL\n",
	       "2: not a bcrypt hash");
	refuse("basic_auth_users:\n  a: " HASH "\n  a: " HASH "\n", "3: given twice");
	refuse("basic_auth_users:\n  'a:b': " HASH "\n", "2: without ':'");
	refuse("basic_auth_users:\n  '': " HASH "\n", "2: non-empty");
	refuse("tls_server_config:\n---\n", "2: only one YAML document");
	CHECK_EQ(web_config__parse("a:\0\n", 4, "", &wc, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "0: NUL") == err);
}

static void test_user_limit(void)
{
	char text[WEB_MAX_USERS * 80 + 64];
	size_t n = (size_t)snprintf(text, sizeof(text), "basic_auth_users:\n");

	for (int i = 0; i <= WEB_MAX_USERS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "  u%d: %s\n", i, HASH);
	CHECK_EQ(parse(text), -EINVAL);
	CHECK(strstr(err, "at most") != NULL);
}

int main(void)
{
	RUN_TEST(test_full);
	RUN_TEST(test_defaults_and_empty);
	RUN_TEST(test_hash_variants);
	RUN_TEST(test_refusals);
	RUN_TEST(test_user_limit);
	return CHECK_DONE();
}
