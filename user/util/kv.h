/* "key = value" text, the syntax of the policy file and the config file: one setting per line,
 * '#' starts a comment, blank lines are skipped, spaces around key and value are trimmed, a UTF-8
 * byte order mark is skipped. The caller says what the keys mean. */
#ifndef TLSMON_KV_H
#define TLSMON_KV_H

#include <stddef.h>

#define KV_MAX_LINE 1024
#define KV_MAX_FILE (1u << 20)

/* One setting; lineno counts from 1. Returns 0, or -errno with a reason (no line number) in err. */
typedef int (*kv_fn)(void *ctx, const char *key, const char *value, size_t lineno, char *err,
		     size_t err_size);

/* Calls fn for each setting of text, in order, and stops at the first error. Returns 0, or
 * -EINVAL (malformed line, or fn's error) with "line N: reason" in err. */
int kv__parse(const char *text, size_t len, kv_fn fn, void *ctx, char *err, size_t err_size);

/* Reads a whole file of at most KV_MAX_FILE bytes into a malloc'd buffer (*text, NUL-terminated,
 * *len bytes without it). Returns 0, or -errno with "PATH: reason" in err. */
int kv__load_file(const char *path, char **text, size_t *len, char *err, size_t err_size);

#endif
