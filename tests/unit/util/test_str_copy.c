// SPDX-License-Identifier: GPL-2.0
/* str__copy() against the snprintf(dst, size, "%.*s", max, src) it replaces: same bytes in dst
 * for every cut (the buffer's size, the source's bound, the NUL). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "util/str_copy.h"

static void test_matches_snprintf(void)
{
	static const char src[] = "/system.slice/nginx.service";
	char a[32], b[32];
	int bad = 0;

	for (size_t size = 1; size <= sizeof(a); size++)
		for (size_t max = 0; max <= sizeof(src) + 2; max++) {
			memset(a, 'x', sizeof(a));
			memset(b, 'x', sizeof(b));
			size_t n = str__copy(a, size, src, max);

			snprintf(b, size, "%.*s", (int)max, src);
			bad += memcmp(a, b, sizeof(a)) != 0 || n != strlen(b);
		}
	CHECK_EQ(bad, 0);
}

/* A kernel name that fills its buffer has no NUL: the bound stops the read. */
static void test_unterminated(void)
{
	const char comm[4] = { 'c', 'u', 'r', 'l' };
	char out[16];

	CHECK_EQ(str__copy(out, sizeof(out), comm, sizeof(comm)), 4);
	CHECK(!strcmp(out, "curl"));
	CHECK_EQ(str__copy(out, 3, comm, sizeof(comm)), 2);
	CHECK(!strcmp(out, "cu"));
}

int main(void)
{
	RUN_TEST(test_matches_snprintf);
	RUN_TEST(test_unterminated);
	return CHECK_DONE();
}
