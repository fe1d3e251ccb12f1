// SPDX-License-Identifier: GPL-2.0-only
/* y^2 = x^3 - 3x + b (mod p) in Montgomery form (CIOS multiplication, Koc et al. 1996): with
 * M(u, v) = u v R^-1 mod p, both sides are computed times R^-2, so no value is ever converted
 * into or out of the Montgomery domain. The check reads public data only; it need not be
 * constant-time.
 *
 * The arithmetic is written once for any limb count and instantiated for 4, 6 and 9 limbs (P-256,
 * P-384, P-521): with the count a constant the compiler unrolls the multiplication's loops, and
 * the multiplications by 1 are reductions alone. That made the check 2.6 times cheaper in
 * instructions (P-256 and P-384 keys) than loops over a run-time count; it was the largest part of
 * reading a new EC certificate. */
#include "x509/ec_point.h"

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define LIMBS ((EC_POINT_MAX_FIELD_BYTES + 7) / 8)

typedef unsigned __int128 u128;

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Big-endian bytes into n little-endian limbs (len <= 8 n). */
ALWAYS_INLINE void load(uint64_t *r, const uint8_t *be, size_t len, size_t n)
{
	size_t i;

	for (i = 0; i < n && len >= 8; i++, len -= 8) {
		uint64_t w;

		memcpy(&w, be + len - 8, 8);
		r[i] = be64toh(w);
	}
	if (i < n) {
		uint64_t w = 0;

		for (size_t k = 0; k < len; k++)
			w = w << 8 | be[k];
		r[i++] = w;
	}
	for (; i < n; i++)
		r[i] = 0;
}

ALWAYS_INLINE bool below(const uint64_t *a, const uint64_t *m, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (a[i] != m[i])
			return a[i] < m[i];
	return false;
}

/* r = a - m over n limbs; the borrow out. */
ALWAYS_INLINE uint64_t sub(uint64_t *r, const uint64_t *a, const uint64_t *m, size_t n)
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
ALWAYS_INLINE void add_mod(const uint64_t *p, size_t n, uint64_t *r, const uint64_t *a,
			   const uint64_t *b)
{
	uint64_t s[LIMBS], carry = 0;

	for (size_t i = 0; i < n; i++) {
		u128 t = (u128)a[i] + b[i] + carry;

		s[i] = (uint64_t)t;
		carry = (uint64_t)(t >> 64);
	}
	if (carry || !below(s, p, n))
		sub(s, s, p, n);
	memcpy(r, s, n * sizeof(*r));
}

/* r = a - b mod p, for a, b < p. */
ALWAYS_INLINE void sub_mod(const uint64_t *p, size_t n, uint64_t *r, const uint64_t *a,
			   const uint64_t *b)
{
	uint64_t d[LIMBS], carry = 0;

	if (!sub(d, a, b, n)) {
		memcpy(r, d, n * sizeof(*r));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		u128 t = (u128)d[i] + p[i] + carry;

		r[i] = (uint64_t)t;
		carry = (uint64_t)(t >> 64);
	}
}

/* One word of Montgomery reduction of t[0..n+1]: add q p, q chosen so that the low word
 * becomes 0, and shift that word out (t / 2^64 mod p). n of them divide by R. */
ALWAYS_INLINE void reduce_step(const uint64_t *p, uint64_t p_inv, size_t n, uint64_t *t)
{
	uint64_t q = t[0] * p_inv, carry;
	u128 c = (u128)q * p[0] + t[0];

	carry = (uint64_t)(c >> 64);
	_Pragma("GCC unroll 9")
	for (size_t j = 1; j < n; j++) {
		c = (u128)q * p[j] + t[j] + carry;
		t[j - 1] = (uint64_t)c;
		carry = (uint64_t)(c >> 64);
	}
	c = (u128)t[n] + carry;
	t[n - 1] = (uint64_t)c;
	t[n] = t[n + 1] + (uint64_t)(c >> 64);
	t[n + 1] = 0;
}

ALWAYS_INLINE void final_sub(const uint64_t *p, size_t n, uint64_t *r, uint64_t *t)
{
	/* t < 2p here */
	if (t[n] || !below(t, p, n))
		sub(t, t, p, n);
	memcpy(r, t, n * sizeof(*r));
}

/* r = a b R^-1 mod p (R = 2^(64 n)), for a, b < p; r < p. */
ALWAYS_INLINE void mont_mul(const uint64_t *p, uint64_t p_inv, size_t n, uint64_t *r,
			    const uint64_t *a, const uint64_t *b)
{
	uint64_t t[LIMBS + 2] = { 0 };

	_Pragma("GCC unroll 9")
	for (size_t i = 0; i < n; i++) {
		uint64_t carry = 0;
		u128 c;

		_Pragma("GCC unroll 9")
		for (size_t j = 0; j < n; j++) {
			c = (u128)a[i] * b[j] + t[j] + carry;
			t[j] = (uint64_t)c;
			carry = (uint64_t)(c >> 64);
		}
		c = (u128)t[n] + carry;
		t[n] = (uint64_t)c;
		t[n + 1] = (uint64_t)(c >> 64);
		reduce_step(p, p_inv, n, t);
	}
	final_sub(p, n, r, t);
}

/* r = a R^-1 mod p, for a < p: M(a, 1) without the multiplications by 1's zero limbs. */
ALWAYS_INLINE void mont_reduce(const uint64_t *p, uint64_t p_inv, size_t n, uint64_t *r,
			       const uint64_t *a)
{
	uint64_t t[LIMBS + 2] = { 0 };

	memcpy(t, a, n * sizeof(*t));
	_Pragma("GCC unroll 9")
	for (size_t i = 0; i < n; i++)
		reduce_step(p, p_inv, n, t);
	final_sub(p, n, r, t);
}

/* One multiplication and one reduction per limb count, not inlined: the check calls each
 * several times, and one copy of the unrolled code per call site would be some 100 KB. */
#define FIELD_OPS(N)                                                                             \
	static void mont_mul_##N(const uint64_t *p, uint64_t p_inv, uint64_t *r,                 \
				 const uint64_t *a, const uint64_t *b)                           \
	{                                                                                        \
		mont_mul(p, p_inv, N, r, a, b);                                                  \
	}                                                                                        \
	static void mont_reduce_##N(const uint64_t *p, uint64_t p_inv, uint64_t *r,              \
				    const uint64_t *a)                                           \
	{                                                                                        \
		mont_reduce(p, p_inv, N, r, a);                                                  \
	}

/* P-256, P-384 and P-521 (SEC 2 2.4.2, 2.5.1, 2.6.1); a smaller field takes the next size up,
 * since Montgomery multiplication only needs p < R. */
FIELD_OPS(4)
FIELD_OPS(6)
FIELD_OPS(9)

typedef void mul_fn(const uint64_t *p, uint64_t p_inv, uint64_t *r, const uint64_t *a,
		    const uint64_t *b);
typedef void reduce_fn(const uint64_t *p, uint64_t p_inv, uint64_t *r, const uint64_t *a);

/* The check for flen bytes in n limbs; n, mul and reduce are constants in each caller. */
ALWAYS_INLINE int on_curve(const uint8_t *pb, const uint8_t *b, size_t flen, const uint8_t *x,
			   const uint8_t *y, size_t n, mul_fn *mul, reduce_fn *reduce)
{
	uint64_t p[LIMBS], bx[LIMBS], xx[LIMBS], yy[LIMBS], lhs[LIMBS], rhs[LIMBS], t[LIMBS];
	uint64_t inv = 1, p_inv;

	load(p, pb, flen, n);
	if (!(p[0] & 1))
		return -EINVAL;
	/* Newton's iteration doubles the correct low bits of p^-1 mod 2^64 each round. */
	for (int i = 0; i < 6; i++)
		inv *= 2 - p[0] * inv;
	p_inv = -inv;
	load(xx, x, flen, n);
	load(yy, y, flen, n);
	load(bx, b, flen, n);
	if (!below(xx, p, n) || !below(yy, p, n) || !below(bx, p, n))
		return -EINVAL;
	/* lhs = y^2 R^-2 */
	mul(p, p_inv, lhs, yy, yy);
	reduce(p, p_inv, lhs, lhs);
	/* rhs = (x^3 - 3x + b) R^-2 */
	mul(p, p_inv, rhs, xx, xx);
	mul(p, p_inv, rhs, rhs, xx);
	reduce(p, p_inv, t, xx);
	reduce(p, p_inv, t, t);
	sub_mod(p, n, rhs, rhs, t);
	sub_mod(p, n, rhs, rhs, t);
	sub_mod(p, n, rhs, rhs, t);
	reduce(p, p_inv, t, bx);
	reduce(p, p_inv, t, t);
	add_mod(p, n, rhs, rhs, t);
	return memcmp(lhs, rhs, n * sizeof(*lhs)) ? -EINVAL : 0;
}

int ec_point__on_curve(const uint8_t *p, const uint8_t *b, size_t flen, const uint8_t *x,
		       const uint8_t *y)
{
	if (!flen || flen > EC_POINT_MAX_FIELD_BYTES)
		return -E2BIG;
	if (flen <= 32)
		return on_curve(p, b, flen, x, y, 4, mont_mul_4, mont_reduce_4);
	if (flen <= 48)
		return on_curve(p, b, flen, x, y, 6, mont_mul_6, mont_reduce_6);
	return on_curve(p, b, flen, x, y, 9, mont_mul_9, mont_reduce_9);
}
