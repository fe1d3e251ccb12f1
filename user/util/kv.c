// SPDX-License-Identifier: GPL-2.0
#include "util/kv.h"
#include "util/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static char *trim(char *s)
{
	size_t n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

int kv__parse(const char *text, size_t len, kv_fn fn, void *ctx, char *err, size_t err_size)
{
	char line[KV_MAX_LINE + 1];
	size_t off = 0, lineno = 0;

	if (!text)
		len = 0;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		off = 3;
	while (off < len) {
		const char *start = text + off, *nl = memchr(start, '\n', len - off);
		size_t n = nl ? (size_t)(nl - start) : len - off;
		char reason[256], *key, *value, *eq, *hash;

		off += n + (nl ? 1 : 0);
		lineno++;
		if (n > KV_MAX_LINE) {
			err__set(err, err_size, "line %zu: longer than %d bytes", lineno, KV_MAX_LINE);
			return -EINVAL;
		}
		if (memchr(start, '\0', n)) {
			err__set(err, err_size, "line %zu: NUL byte", lineno);
			return -EINVAL;
		}
		memcpy(line, start, n);
		line[n] = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			err__set(err, err_size, "line %zu: expected 'key = value'", lineno);
			return -EINVAL;
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		if (!*key) {
			err__set(err, err_size, "line %zu: missing key before '='", lineno);
			return -EINVAL;
		}
		reason[0] = '\0';
		if (fn(ctx, key, value, lineno, reason, sizeof(reason))) {
			err__set(err, err_size, "line %zu: %s", lineno, reason);
			return -EINVAL;
		}
	}
	return 0;
}

int kv__load_file(const char *path, char **text, size_t *len, char *err, size_t err_size)
{
	char *buf = NULL;
	size_t n;
	FILE *f;
	int ret = 0;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		err__set(err, err_size, "%s: %s", path, strerror(-ret));
		return ret;
	}
	buf = malloc(KV_MAX_FILE + 1);
	if (!buf) {
		ret = -ENOMEM;
		err__set(err, err_size, "%s: %s", path, strerror(ENOMEM));
		goto cleanup;
	}
	n = fread(buf, 1, KV_MAX_FILE + 1, f);
	if (ferror(f)) {
		/* EISDIR for a directory: say that rather than a bare "read error" */
		ret = errno ? -errno : -EIO;
		err__set(err, err_size, "%s: %s", path, strerror(-ret));
		goto cleanup;
	}
	if (n > KV_MAX_FILE) {
		ret = -E2BIG;
		err__set(err, err_size, "%s: larger than %u bytes", path, KV_MAX_FILE);
		goto cleanup;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	buf = NULL;
cleanup:
	free(buf);
	fclose(f);
	return ret;
}
