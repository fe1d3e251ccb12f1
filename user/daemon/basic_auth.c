// SPDX-License-Identifier: GPL-2.0
#include "daemon/basic_auth.h"

#include <crypt.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_CREDENTIALS 512

struct cached {
	bool used;
	uint64_t last_ms;
	uint8_t digest[32];
};

struct basic_auth {
	int n_users;
	struct web_user users[WEB_MAX_USERS];
	uint8_t key[32]; /* random, so the cached digests are useless outside this process */
	struct cached cache[BASIC_AUTH_CACHE];
	uint64_t bucket_ms; /* token bucket of bcrypt runs: when it was last refilled */
	unsigned tokens;
	struct crypt_data cd; /* ~32 KiB: crypt_r's state, kept off the stack */
};

struct basic_auth *basic_auth__new(const struct web_user *users, int n)
{
	struct basic_auth *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	if (n > WEB_MAX_USERS || RAND_bytes(a->key, sizeof(a->key)) != 1) {
		free(a);
		return NULL;
	}
	a->n_users = n;
	memcpy(a->users, users, (size_t)n * sizeof(*users));
	a->tokens = BASIC_AUTH_BCRYPT_BURST;
	return a;
}

void basic_auth__free(struct basic_auth *a)
{
	if (!a)
		return;
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int basic_auth__base64(const char *in, size_t len, uint8_t *out, size_t size)
{
	size_t n = 0;

	if (len % 4)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		uint32_t w = 0;

		for (int j = 0; j < 4; j++) {
			/* '=' only as the last one or two characters of the last group */
			if (in[i + j] == '=' && i + 4 == len && j >= 2 && (j == 3 || in[i + 3] == '=')) {
				v[j] = 0;
				pad++;
				continue;
			}
			v[j] = b64_value(in[i + j]);
			if (v[j] < 0)
				return -EINVAL;
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		if (n + 3 - (size_t)pad > size)
			return -E2BIG;
		out[n++] = (uint8_t)(w >> 16);
		if (pad < 2)
			out[n++] = (uint8_t)(w >> 8);
		if (pad < 1)
			out[n++] = (uint8_t)w;
	}
	return (int)n;
}

/* The value of the Authorization header (RFC 9110 11.6.2), trimmed; field names are
 * case-insensitive (RFC 9110 5.1). */
static const char *find_authorization(const char *req, size_t len, size_t *vlen)
{
	static const char name[] = "authorization:";
	const char *p = req, *end = req + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;

		if ((size_t)(e - p) > sizeof(name) - 1 && !strncasecmp(p, name, sizeof(name) - 1)) {
			p += sizeof(name) - 1;
			while (p < e && (*p == ' ' || *p == '\t'))
				p++;
			while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
				e--;
			*vlen = (size_t)(e - p);
			return p;
		}
		p = nl ? nl + 1 : end;
	}
	return NULL;
}

static void digest(const struct basic_auth *a, int user, const char *pass, size_t plen,
		   uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 32;

	memset(out, 0, 32);
	if (!ctx)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, a->key, sizeof(a->key)) != 1 ||
	    EVP_DigestUpdate(ctx, &user, sizeof(user)) != 1 ||
	    EVP_DigestUpdate(ctx, pass, plen) != 1 || EVP_DigestFinal_ex(ctx, out, &n) != 1)
		memset(out, 0, 32);
	EVP_MD_CTX_free(ctx);
}

static bool take_token(struct basic_auth *a, uint64_t now_ms)
{
	uint64_t add = (now_ms - a->bucket_ms) * BASIC_AUTH_BCRYPT_PER_S / 1000;

	if (add) {
		a->tokens = a->tokens + add > BASIC_AUTH_BCRYPT_BURST ? BASIC_AUTH_BCRYPT_BURST :
									 a->tokens + (unsigned)add;
		a->bucket_ms = now_ms;
	}
	if (!a->tokens)
		return false;
	a->tokens--;
	return true;
}

int basic_auth__check(struct basic_auth *a, const char *req, size_t len, uint64_t now_ms)
{
	uint8_t cred[MAX_CREDENTIALS + 1], d[32];
	const char *v, *tok, *hash, *out;
	struct cached *slot = NULL;
	size_t vlen, tlen;
	char *colon;
	int n, user = -1;
	bool ok;

	v = find_authorization(req, len, &vlen);
	/* RFC 7617 2: credentials = "Basic" 1*SP token68; the scheme is case-insensitive. */
	if (!v || vlen < 6 || strncasecmp(v, "basic ", 6))
		return -EACCES;
	tok = v + 6;
	while (tok < v + vlen && *tok == ' ')
		tok++;
	tlen = (size_t)(v + vlen - tok);
	n = basic_auth__base64(tok, tlen, cred, MAX_CREDENTIALS);
	if (n < 0)
		return -EACCES;
	cred[n] = '\0';
	colon = memchr(cred, ':', (size_t)n);
	/* crypt_r takes a C string: a NUL in the password could only shorten it */
	if (!colon || memchr(cred, '\0', (size_t)n))
		return -EACCES;
	*colon = '\0';
	for (int i = 0; i < a->n_users; i++)
		if (!strcmp(a->users[i].name, (char *)cred))
			user = i;
	if (user >= 0) {
		digest(a, user, colon + 1, strlen(colon + 1), d);
		for (int i = 0; i < BASIC_AUTH_CACHE; i++) {
			if (a->cache[i].used && !CRYPTO_memcmp(a->cache[i].digest, d, sizeof(d))) {
				a->cache[i].last_ms = now_ms;
				OPENSSL_cleanse(cred, sizeof(cred));
				return 0;
			}
		}
	}
	if (!take_token(a, now_ms)) {
		OPENSSL_cleanse(cred, sizeof(cred));
		return -EAGAIN;
	}
	/* An unknown user costs the same bcrypt as a known one (against the first user's hash,
	 * never accepted), so the time taken does not tell which names exist. */
	hash = user >= 0 ? a->users[user].hash : a->users[0].hash;
	out = crypt_r(colon + 1, hash, &a->cd);
	ok = user >= 0 && out && strlen(out) == WEB_BCRYPT_LEN &&
	     !CRYPTO_memcmp(out, hash, WEB_BCRYPT_LEN);
	OPENSSL_cleanse(cred, sizeof(cred));
	if (!ok)
		return -EACCES;
	for (int i = 0; i < BASIC_AUTH_CACHE; i++)
		if (!slot || !a->cache[i].used ||
		    (slot->used && a->cache[i].last_ms < slot->last_ms))
			slot = &a->cache[i];
	*slot = (struct cached){ .used = true, .last_ms = now_ms };
	memcpy(slot->digest, d, sizeof(d));
	return 0;
}
