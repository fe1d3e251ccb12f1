// SPDX-License-Identifier: GPL-2.0-only
/* y^2 = x^3 - 3x + b (mod p) in Montgomery form (CIOS multiplication, Koc et al. 1996): with
 * M(u, v) = u v R^-1 mod p, both sides are computed times R^-2, so no value is ever converted
 * into or out of the Montgomery domain. The check reads public data only; it need not be
 * constant-time. */
#include "x509/ec_point.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define LIMBS ((EC_POINT_MAX_FIELD_BYTES + 7) / 8)

typedef unsigned __int128 u128;

struct field {
	uint64_t p[LIMBS];
	uint64_t p_inv; /* -p^-1 mod 2^64 */
	size_t n; /* limbs */
};

/* Big-endian bytes into n little-endian limbs. */
static void load(uint64_t *r, const uint8_t *be, size_t len, size_t n)
{
	memset(r, 0, n * sizeof(*r));
	for (size_t i = 0; i < len; i++)
		r[i / 8] |= (uint64_t)be[len - 1 - i] << (8 * (i % 8));
}

static bool below(const uint64_t *a, const uint64_t *m, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (a[i] != m[i])
			return a[i] < m[i];
	return false;
}

/* r = a - m over n limbs; the borrow out. */
static uint64_t sub(uint64_t *r, const uint64_t *a, const uint64_t *m, size_t n)
{
	uint64_t borrow = 0;

	for (size_t i = 0; i < n; i++) {
		u128 d = (u128)a[i] - m[i] - borrow;

		r[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	return borrow;
}

/* r = a + b mod p, for a, b < p. */
static void add_mod(const struct field *f, uint64_t *r, const uint64_t *a, const uint64_t *b)
{
	uint64_t s[LIMBS], carry = 0;

	for (size_t i = 0; i < f->n; i++) {
		u128 t = (u128)a[i] + b[i] + carry;

		s[i] = (uint64_t)t;
		carry = (uint64_t)(t >> 64);
	}
	if (carry || !below(s, f->p, f->n))
		sub(s, s, f->p, f->n);
	memcpy(r, s, f->n * sizeof(*r));
}

/* r = a - b mod p, for a, b < p. */
static void sub_mod(const struct field *f, uint64_t *r, const uint64_t *a, const uint64_t *b)
{
	uint64_t d[LIMBS], carry = 0;

	if (!sub(d, a, b, f->n)) {
		memcpy(r, d, f->n * sizeof(*r));
		return;
	}
	for (size_t i = 0; i < f->n; i++) {
		u128 t = (u128)d[i] + f->p[i] + carry;

		r[i] = (uint64_t)t;
		carry = (uint64_t)(t >> 64);
	}
}

/* r = a b R^-1 mod p (R = 2^(64 n)), for a, b < p; r < p. */
static void mont_mul(const struct field *f, uint64_t *r, const uint64_t *a, const uint64_t *b)
{
	uint64_t t[LIMBS + 2] = { 0 };
	size_t n = f->n;

	for (size_t i = 0; i < n; i++) {
		uint64_t carry = 0, q;
		u128 c;

		for (size_t j = 0; j < n; j++) {
			c = (u128)a[i] * b[j] + t[j] + carry;
			t[j] = (uint64_t)c;
			carry = (uint64_t)(c >> 64);
		}
		c = (u128)t[n] + carry;
		t[n] = (uint64_t)c;
		t[n + 1] = (uint64_t)(c >> 64);
		q = t[0] * f->p_inv;
		c = (u128)q * f->p[0] + t[0];
		carry = (uint64_t)(c >> 64);
		for (size_t j = 1; j < n; j++) {
			c = (u128)q * f->p[j] + t[j] + carry;
			t[j - 1] = (uint64_t)c;
			carry = (uint64_t)(c >> 64);
		}
		c = (u128)t[n] + carry;
		t[n - 1] = (uint64_t)c;
		t[n] = t[n + 1] + (uint64_t)(c >> 64);
	}
	/* t < 2p here */
	if (t[n] || !below(t, f->p, n))
		sub(t, t, f->p, n);
	memcpy(r, t, n * sizeof(*r));
}

int ec_point__on_curve(const uint8_t *p, const uint8_t *b, size_t flen, const uint8_t *x,
		       const uint8_t *y)
{
	uint64_t bx[LIMBS], xx[LIMBS], yy[LIMBS], one[LIMBS], lhs[LIMBS], rhs[LIMBS], t[LIMBS];
	struct field f;
	uint64_t inv = 1;

	if (!flen || flen > EC_POINT_MAX_FIELD_BYTES)
		return -E2BIG;
	f.n = (flen + 7) / 8;
	load(f.p, p, flen, f.n);
	if (!(f.p[0] & 1))
		return -EINVAL;
	/* Newton's iteration doubles the correct low bits of p^-1 mod 2^64 each round. */
	for (int i = 0; i < 6; i++)
		inv *= 2 - f.p[0] * inv;
	f.p_inv = -inv;
	load(xx, x, flen, f.n);
	load(yy, y, flen, f.n);
	load(bx, b, flen, f.n);
	if (!below(xx, f.p, f.n) || !below(yy, f.p, f.n) || !below(bx, f.p, f.n))
		return -EINVAL;
	memset(one, 0, sizeof(one));
	one[0] = 1;
	/* lhs = y^2 R^-2 */
	mont_mul(&f, lhs, yy, yy);
	mont_mul(&f, lhs, lhs, one);
	/* rhs = (x^3 - 3x + b) R^-2 */
	mont_mul(&f, rhs, xx, xx);
	mont_mul(&f, rhs, rhs, xx);
	mont_mul(&f, t, xx, one);
	mont_mul(&f, t, t, one);
	sub_mod(&f, rhs, rhs, t);
	sub_mod(&f, rhs, rhs, t);
	sub_mod(&f, rhs, rhs, t);
	mont_mul(&f, t, bx, one);
	mont_mul(&f, t, t, one);
	add_mod(&f, rhs, rhs, t);
	return memcmp(lhs, rhs, f.n * sizeof(*lhs)) ? -EINVAL : 0;
}
