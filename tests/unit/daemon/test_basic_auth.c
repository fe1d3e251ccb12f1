/* basic_auth: Authorization header parsing, bcrypt verification ($2a$/$2b$/$2y$), the cache of
 * verified passwords and the bcrypt budget. Hashes at cost 4, so the test stays fast. */
#include "check.h"
#include "daemon/basic_auth.h"

#include <errno.h>
#include <stdlib.h>

/* "pa:ss w0rd" (a colon in the password is allowed, RFC 7617 2) and "other". */
#define HASH_PROM "$2b$04$eSv3wNIcC1PW4UmakHmhV.CpEZl0i.GZ6sQyw6DXKueSpVX/UGkLK"
#define HASH_OTHER "$2y$04$nBMcHvm4Nw.Pjb1yaJJBNOCqFjjomFijt.ohPvTB2dp9ujOcJfZNS"

static struct basic_auth *make(void)
{
	struct web_user u[2] = {
		{ .name = "prom", .hash = HASH_PROM },
		{ .name = "ops", .hash = HASH_OTHER },
	};

	return basic_auth__new(u, 2);
}

/* user:password in base64 (RFC 4648 4), as a request with that Authorization value. */
static int check(struct basic_auth *a, const char *scheme, const char *userpass, uint64_t now)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char req[512], b64[256];
	size_t n = strlen(userpass), k = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t w = (uint32_t)(uint8_t)userpass[i] << 16;

		if (i + 1 < n)
			w |= (uint32_t)(uint8_t)userpass[i + 1] << 8;
		if (i + 2 < n)
			w |= (uint8_t)userpass[i + 2];
		b64[k++] = tbl[w >> 18];
		b64[k++] = tbl[(w >> 12) & 63];
		b64[k++] = i + 1 < n ? tbl[(w >> 6) & 63] : '=';
		b64[k++] = i + 2 < n ? tbl[w & 63] : '=';
	}
	b64[k] = '\0';
	snprintf(req, sizeof(req), "GET /metrics HTTP/1.1\r\nHost: x\r\nauthorization:  %s %s \r\n\r\n",
		 scheme, b64);
	return basic_auth__check(a, req, strlen(req), now);
}

static void test_base64(void)
{
	uint8_t out[16];

	CHECK_EQ(basic_auth__base64("YTpi", 4, out, sizeof(out)), 3);
	CHECK(!memcmp(out, "a:b", 3));
	CHECK_EQ(basic_auth__base64("YQ==", 4, out, sizeof(out)), 1);
	CHECK_EQ(basic_auth__base64("YWI=", 4, out, sizeof(out)), 2);
	CHECK_EQ(basic_auth__base64("YQ=", 3, out, sizeof(out)), -EINVAL);
	CHECK_EQ(basic_auth__base64("Y===", 4, out, sizeof(out)), -EINVAL);
	CHECK_EQ(basic_auth__base64("YQ==YQ==", 8, out, sizeof(out)), -EINVAL);
	CHECK_EQ(basic_auth__base64("Y=Q=", 4, out, sizeof(out)), -EINVAL);
	CHECK_EQ(basic_auth__base64("YT!i", 4, out, sizeof(out)), -EINVAL);
	CHECK_EQ(basic_auth__base64("YWJjZA==", 8, out, 3), -E2BIG);
}

static void test_verify(void)
{
	struct basic_auth *a = make();

	CHECK(a != NULL);
	if (!a)
		return;
	CHECK_EQ(check(a, "Basic", "prom:pa:ss w0rd", 1000), 0);
	CHECK_EQ(check(a, "bAsIc", "ops:other", 1000), 0); /* $2y$, scheme case-insensitive */
	CHECK_EQ(check(a, "Basic", "prom:pa:ss w0rD", 1000), -EACCES);
	CHECK_EQ(check(a, "Basic", "prom:", 1000), -EACCES);
	/* the other user's password is not this one's */
	CHECK_EQ(check(a, "Basic", "prom:other", 1000), -EACCES);
	/* an unknown user with a configured password is refused (bcrypt still ran) */
	CHECK_EQ(check(a, "Basic", "nobody:pa:ss w0rd", 2000), -EACCES);
	CHECK_EQ(check(a, "Bearer", "prom:pa:ss w0rd", 3000), -EACCES);
	CHECK_EQ(check(a, "Basic", "nocolon", 3000), -EACCES);
	CHECK_EQ(basic_auth__check(a, "GET / HTTP/1.1\r\n\r\n", 18, 3000), -EACCES);
	CHECK_EQ(basic_auth__check(a, "GET / HTTP/1.1\r\nAuthorization: Basic\r\n\r\n", 40, 3000),
		 -EACCES);
	basic_auth__free(a);
}

/* Past the burst, uncached checks wait for the budget; a cached password does not. */
static void test_budget_and_cache(void)
{
	struct basic_auth *a = make();
	int i;

	if (!a)
		return;
	CHECK_EQ(check(a, "Basic", "prom:pa:ss w0rd", 5000), 0); /* cached from here on */
	for (i = 1; i < BASIC_AUTH_BCRYPT_BURST; i++)
		CHECK_EQ(check(a, "Basic", "prom:guess", 5000), -EACCES);
	CHECK_EQ(check(a, "Basic", "prom:guess", 5000), -EAGAIN);
	CHECK_EQ(check(a, "Basic", "ops:other", 5000), -EAGAIN); /* right, but not cached */
	CHECK_EQ(check(a, "Basic", "prom:pa:ss w0rd", 5000), 0);
	/* a quarter second later (4 a second) one more bcrypt is allowed */
	CHECK_EQ(check(a, "Basic", "ops:other", 5000 + 1000 / BASIC_AUTH_BCRYPT_PER_S), 0);
	CHECK_EQ(check(a, "Basic", "ops:wrong", 5000 + 1000 / BASIC_AUTH_BCRYPT_PER_S), -EAGAIN);
	CHECK_EQ(check(a, "Basic", "ops:other", 5000 + 1000 / BASIC_AUTH_BCRYPT_PER_S), 0);
	basic_auth__free(a);
}

int main(void)
{
	RUN_TEST(test_base64);
	RUN_TEST(test_verify);
	RUN_TEST(test_budget_and_cache);
	return CHECK_DONE();
}
