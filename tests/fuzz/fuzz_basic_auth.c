// SPDX-License-Identifier: GPL-2.0
/* basic_auth__check on an arbitrary request header block, as any client that reaches /metrics
 * sends it. One user at bcrypt cost 4; the clock stands still, so past the burst the bcrypt
 * budget is spent and the header parsing and base64 are what gets fuzzed. Only the password
 * of the configured user may pass. */
#include <errno.h>
#include <string.h>

#include "daemon/basic_auth.h"
#include "fuzz.h"

/* "pa:ss w0rd" */
#define HASH "$2b$04$eSv3wNIcC1PW4UmakHmhV.CpEZl0i.GZ6sQyw6DXKueSpVX/UGkLK"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct basic_auth *a;
	static const struct web_user u = { .name = "prom", .hash = HASH };
	uint8_t out[64];
	int ret;

	if (!a)
		a = basic_auth__new(&u, 1);
	FUZZ_ASSERT(a);
	ret = basic_auth__check(a, (const char *)data, size, 0);
	FUZZ_ASSERT(ret == 0 || ret == -EACCES || ret == -EAGAIN);
	/* "prom:pa:ss w0rd" in base64 must be in the input for a success */
	if (!ret)
		FUZZ_ASSERT(memmem(data, size, "cHJvbTpwYTpzcyB3MHJk", 20));
	ret = basic_auth__base64((const char *)data, size, out, sizeof(out));
	FUZZ_ASSERT(ret == -EINVAL || ret == -E2BIG || (ret >= 0 && (size_t)ret <= sizeof(out)));
	return 0;
}
