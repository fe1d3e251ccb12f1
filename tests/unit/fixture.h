/* Fixture files for the unit tests, under tests/data/ or $TLSMON_TEST_DATA. Tests run from the
 * repository root (tests/run.sh cd's there), where the default resolves. NAME.hex is hex text:
 * two digits a byte, whitespace between bytes, '#' starts a comment that runs to the end of the
 * line; any other name is read as raw bytes. */
#ifndef TLSMON_TEST_FIXTURE_H
#define TLSMON_TEST_FIXTURE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static inline const char *fixture__dir(void)
{
	const char *d = getenv("TLSMON_TEST_DATA");

	return d && *d ? d : "tests/data";
}

static inline int fixture__hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes hex text in place: the byte count, or -EINVAL on a stray character or a lone digit. */
static inline long fixture__unhex(uint8_t *p, size_t n)
{
	size_t i, out = 0;
	int hi = -1, v;

	for (i = 0; i < n; i++) {
		if (p[i] == '#') {
			while (i < n && p[i] != '\n')
				i++;
		} else if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
			if (hi >= 0)
				return -EINVAL;
		} else if ((v = fixture__hexval(p[i])) < 0) {
			return -EINVAL;
		} else if (hi < 0) {
			hi = v;
		} else {
			p[out++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return hi >= 0 ? -EINVAL : (long)out;
}

/* Fixture NAME in a malloc'ed buffer of exactly *len bytes (ASan then sees a read past it), or
 * NULL. A missing or bad fixture marks the running test failed, so that it prints a FAIL line
 * instead of passing with nothing checked. */
static inline uint8_t *fixture__load(const char *name, size_t *len)
{
	size_t n = 0, cap = 0, nlen = strlen(name);
	uint8_t *buf = NULL, *exact, *tmp;
	const char *why = NULL;
	char path[4096];
	long got;
	FILE *f;

	*len = 0;
	snprintf(path, sizeof(path), "%s/%s", fixture__dir(), name);
	f = fopen(path, "rb");
	if (!f) {
		why = strerror(errno);
		goto fail;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			tmp = realloc(buf, cap);
			if (!tmp) {
				why = "out of memory";
				goto fail;
			}
			buf = tmp;
		}
		got = (long)fread(buf + n, 1, cap - n, f);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	if (ferror(f)) {
		why = "read error";
		goto fail;
	}
	if (nlen > 4 && !strcmp(name + nlen - 4, ".hex")) {
		got = fixture__unhex(buf, n);
		if (got < 0) {
			why = "not hex text";
			goto fail;
		}
		n = (size_t)got;
	}
	exact = malloc(n ? n : 1);
	if (!exact) {
		why = "out of memory";
		goto fail;
	}
	memcpy(exact, buf, n);
	free(buf);
	fclose(f);
	*len = n;
	return exact;
fail:
	fprintf(stderr, "  fixture %s: %s (set TLSMON_TEST_DATA to the tests/data folder)\n", path,
		why);
	check_failed_in_test = 1;
	free(buf);
	if (f)
		fclose(f);
	return NULL;
}

#endif
