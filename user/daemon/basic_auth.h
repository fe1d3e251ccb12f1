/* HTTP basic authentication (RFC 7617) of /metrics against the bcrypt hashes of --web-config's
 * basic_auth_users. bcrypt is slow by design (~50 ms at cost 10) and runs on the daemon's one
 * loop, which also drains the ring buffer: a verified password is remembered (a keyed SHA-256
 * of user and password, compared in constant time), so a scraper pays bcrypt once, and bcrypt
 * runs at most BASIC_AUTH_BCRYPT_PER_S times a second (burst BASIC_AUTH_BCRYPT_BURST), so a
 * stream of wrong guesses cannot take the loop away from capture. */
#ifndef TLSMON_BASIC_AUTH_H
#define TLSMON_BASIC_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/web_config.h"

#define BASIC_AUTH_CACHE 16
#define BASIC_AUTH_BCRYPT_PER_S 4
#define BASIC_AUTH_BCRYPT_BURST 8

struct basic_auth;

/* A copy of the n users is kept. NULL: out of memory (or no random bytes for the cache key). */
struct basic_auth *basic_auth__new(const struct web_user *users, int n);
void basic_auth__free(struct basic_auth *a);

/* req: the request's header block (request line first, len bytes). Returns 0 when its
 * Authorization header carries the password of a configured user, -EACCES when it carries none,
 * a malformed one or a wrong one, -EAGAIN when checking it needs bcrypt and the budget of this
 * second is spent (answer 503 with Retry-After). now_ms: a monotonic clock. */
int basic_auth__check(struct basic_auth *a, const char *req, size_t len, uint64_t now_ms);

/* Decode RFC 4648 4 base64 (padded) into out; returns the length, or -EINVAL / -E2BIG. */
int basic_auth__base64(const char *in, size_t len, uint8_t *out, size_t size);

#endif
