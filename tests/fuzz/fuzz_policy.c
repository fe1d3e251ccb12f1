// SPDX-License-Identifier: GPL-2.0
/* policy__parse on arbitrary config text, then policy__print of whatever it accepted. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "verdict/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct policy *p;
	char err[256];
	int ret;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	FUZZ_ASSERT(devnull);
	p = policy__new();
	FUZZ_ASSERT(p);
	memset(err, 0x55, sizeof(err));
	ret = policy__parse(p, (const char *)data, size, err, sizeof(err));
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL);
	/* err must be a terminated string whatever happened. */
	if (ret)
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)));
	policy__print(p, devnull);
	policy__free(p);
	return 0;
}
