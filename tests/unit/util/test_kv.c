// SPDX-License-Identifier: GPL-2.0
/* util/kv: the "key = value" syntax shared by the policy file and the config file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "util/kv.h"

struct seen {
	char lines[8][128];
	int n;
	const char *refuse; /* key the callback rejects */
};

static int collect(void *ctx, const char *key, const char *value, size_t lineno, char *err,
		   size_t err_size)
{
	struct seen *s = ctx;

	if (s->refuse && !strcmp(key, s->refuse)) {
		snprintf(err, err_size, "no %s here", key);
		return -EINVAL;
	}
	if (s->n < 8)
		snprintf(s->lines[s->n++], sizeof(s->lines[0]), "%zu|%s|%s", lineno, key, value);
	return 0;
}

static void test_parse(void)
{
	const char text[] = "\xef\xbb\xbf# comment\n"
			    "  ports =  443,8443  \n"
			    "\n"
			    "policy = min_rsa_bits=3072   # trailing comment\n"
			    "log =\r\n"
			    "last=1"; /* no newline at the end */
	struct seen s = { 0 };
	char err[128] = "";

	CHECK_EQ(kv__parse(text, sizeof(text) - 1, collect, &s, err, sizeof(err)), 0);
	CHECK_EQ(s.n, 4);
	CHECK_STR(s.lines[0], "2|ports|443,8443");
	CHECK_STR(s.lines[1], "4|policy|min_rsa_bits=3072");
	CHECK_STR(s.lines[2], "5|log|");
	CHECK_STR(s.lines[3], "6|last|1");
}

static void expect_err(const char *text, size_t len, const char *refuse, const char *want)
{
	struct seen s = { .refuse = refuse };
	char err[128] = "";

	CHECK_EQ(kv__parse(text, len, collect, &s, err, sizeof(err)), -EINVAL);
	if (strcmp(err, want))
		fprintf(stderr, "  got \"%s\", want \"%s\"\n", err, want);
	CHECK_STR(err, want);
}

static void test_errors(void)
{
	char *long_line = malloc(KV_MAX_LINE + 10);

	expect_err("a = 1\nb\n", 8, NULL, "line 2: expected 'key = value'");
	expect_err("\n = 1\n", 6, NULL, "line 2: missing key before '='");
	expect_err("a = 1\nb = 2\n", 12, "b", "line 2: no b here");
	expect_err("a = 1\nb\0 = 2\n", 13, NULL, "line 2: NUL byte");
	CHECK(long_line != NULL);
	if (long_line) {
		memset(long_line, 'x', KV_MAX_LINE + 9);
		long_line[KV_MAX_LINE + 9] = '\0';
		expect_err(long_line, strlen(long_line), NULL, "line 1: longer than 1024 bytes");
	}
	free(long_line);
}

static void test_load_file(void)
{
	char path[] = "/tmp/tlsmon-kv-XXXXXX", err[256] = "", *text = NULL;
	size_t len = 0;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(write(fd, "a = 1\n", 6), 6);
	close(fd);
	CHECK_EQ(kv__load_file(path, &text, &len, err, sizeof(err)), 0);
	CHECK_EQ(len, 6);
	CHECK_STR(text, "a = 1\n");
	free(text);
	unlink(path);
	CHECK_EQ(kv__load_file(path, &text, &len, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, path) == err && strstr(err, "No such file"));
	CHECK_EQ(kv__load_file("/", &text, &len, err, sizeof(err)), -EISDIR);
}

int main(void)
{
	RUN_TEST(test_parse);
	RUN_TEST(test_errors);
	RUN_TEST(test_load_file);
	return CHECK_DONE();
}
