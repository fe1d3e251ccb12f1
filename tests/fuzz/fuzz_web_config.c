// SPDX-License-Identifier: GPL-2.0
/* web_config__parse on arbitrary text (the --web-config file). What it accepts must be what the
 * TLS and auth code rely on: terminated paths, bcrypt-shaped hashes, named users, a version
 * range in order; a refusal leaves a terminated "LINE: why". */
#include <errno.h>
#include <string.h>

#include "daemon/web_config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct web_config wc;
	char err[256];
	int ret;

	memset(err, 0x55, sizeof(err));
	ret = web_config__parse((const char *)data, size, "/etc/tlsmon", &wc, err, sizeof(err));
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL);
	if (ret) {
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)));
		FUZZ_ASSERT(err[0] >= '0' && err[0] <= '9');
		return 0;
	}
	FUZZ_ASSERT(memchr(wc.cert_file, '\0', sizeof(wc.cert_file)));
	FUZZ_ASSERT(memchr(wc.key_file, '\0', sizeof(wc.key_file)));
	FUZZ_ASSERT(memchr(wc.client_ca_file, '\0', sizeof(wc.client_ca_file)));
	FUZZ_ASSERT(!wc.tls || (wc.cert_file[0] && wc.key_file[0]));
	FUZZ_ASSERT((wc.client_auth == WEB_CLIENT_AUTH_NONE) == !wc.client_ca_file[0] || !wc.tls);
	FUZZ_ASSERT(wc.min_version <= wc.max_version);
	FUZZ_ASSERT(wc.n_users >= 0 && wc.n_users <= WEB_MAX_USERS);
	for (int i = 0; i < wc.n_users; i++) {
		FUZZ_ASSERT(wc.users[i].name[0] && !strchr(wc.users[i].name, ':'));
		FUZZ_ASSERT(strlen(wc.users[i].hash) == WEB_BCRYPT_LEN);
		FUZZ_ASSERT(!memcmp(wc.users[i].hash, "$2", 2));
	}
	return 0;
}
