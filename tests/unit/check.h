/* Minimal unit-test harness: each test binary prints one "PASS name" / "FAIL name" line per test
 * function and exits non-zero if any failed. tests/run.sh counts those lines. */
#ifndef TLSMON_CHECK_H
#define TLSMON_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int check_failed_in_test;
static int check_total_failed;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			check_failed_in_test = 1;                                                \
		}                                                                                \
	} while (0)

#define CHECK_EQ(a, b)                                                                           \
	do {                                                                                     \
		long long _a = (long long)(a), _b = (long long)(b);                              \
		if (_a != _b) {                                                                  \
			fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", __FILE__,  \
				__LINE__, #a, _a, #b, _b);                                       \
			check_failed_in_test = 1;                                                \
		}                                                                                \
	} while (0)

#define CHECK_STR(a, b)                                                                          \
	do {                                                                                     \
		const char *_a = (a), *_b = (b);                                                 \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                                         \
			fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,    \
				__LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)");           \
			check_failed_in_test = 1;                                                \
		}                                                                                \
	} while (0)

#define RUN_TEST(fn)                                                                             \
	do {                                                                                     \
		check_failed_in_test = 0;                                                        \
		fn();                                                                            \
		printf("%s %s\n", check_failed_in_test ? "FAIL" : "PASS", #fn);                  \
		check_total_failed += check_failed_in_test;                                      \
	} while (0)

/* Whether s is UTF-8 by its byte pattern (each lead byte followed by as many continuation bytes
 * as it announces), for text tlsmon writes into reports from untrusted bytes. Overlong forms and
 * surrogates are not looked for. */
static inline bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : *p >= 0xc0 ? 1 : -1;

		if (n < 0)
			return false;
		p++;
		for (; n; n--, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

#define CHECK_DONE() (check_total_failed ? 1 : 0)

#endif
