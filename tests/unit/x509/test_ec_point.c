// SPDX-License-Identifier: GPL-2.0-only
/* user/x509/ec_point.c against OpenSSL's EC_POINT_is_on_curve: points k G for random k (on the
 * curve), the same points with one bit changed (almost never on it), coordinates at and above p,
 * for P-256, P-384 and P-521, and for P-192 and P-224, whose fields are narrower than the limbs
 * they are computed in (ec_point.c takes the next size up). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "check.h"
#include "x509/ec_point.h"

#define ROUNDS 200

struct curve_case {
	int nid;
	size_t flen;
};

static const struct curve_case cases[] = {
	{ NID_X9_62_prime256v1, 32 },
	{ NID_secp384r1, 48 },
	{ NID_secp521r1, 66 },
	{ NID_X9_62_prime192v1, 24 },
	{ NID_secp224r1, 28 },
};

static bool openssl_on_curve(const EC_GROUP *g, const uint8_t *x, const uint8_t *y, size_t flen,
			     BN_CTX *ctx)
{
	BIGNUM *bx = BN_bin2bn(x, (int)flen, NULL), *by = BN_bin2bn(y, (int)flen, NULL);
	EC_POINT *pt = EC_POINT_new(g);
	bool on = false;

	/* EC_POINT_set_affine_coordinates refuses points off the curve */
	if (bx && by && pt && EC_POINT_set_affine_coordinates(g, pt, bx, by, ctx))
		on = EC_POINT_is_on_curve(g, pt, ctx) == 1;
	EC_POINT_free(pt);
	BN_free(bx);
	BN_free(by);
	return on;
}

static void test_against_openssl(void)
{
	BN_CTX *ctx = BN_CTX_new();

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		EC_GROUP *g = EC_GROUP_new_by_curve_name(cases[c].nid);
		size_t flen = cases[c].flen;
		BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new();
		uint8_t pb[EC_POINT_MAX_FIELD_BYTES], bb[EC_POINT_MAX_FIELD_BYTES];
		uint8_t x[EC_POINT_MAX_FIELD_BYTES], y[EC_POINT_MAX_FIELD_BYTES];
		unsigned on = 0, off = 0;

		CHECK(g && p && a && b && ctx);
		if (!g || !EC_GROUP_get_curve(g, p, a, b, ctx))
			continue;
		BN_bn2binpad(p, pb, (int)flen);
		BN_bn2binpad(b, bb, (int)flen);
		for (int r = 0; r < ROUNDS; r++) {
			BIGNUM *k = BN_new(), *kx = BN_new(), *ky = BN_new();
			EC_POINT *pub = EC_POINT_new(g);

			/* a fresh public key: k G for a random k */
			CHECK(k && kx && ky && pub && BN_rand_range(k, EC_GROUP_get0_order(g)) &&
			      EC_POINT_mul(g, pub, k, NULL, NULL, ctx) &&
			      EC_POINT_get_affine_coordinates(g, pub, kx, ky, ctx));
			BN_bn2binpad(kx, x, (int)flen);
			BN_bn2binpad(ky, y, (int)flen);
			CHECK_EQ(ec_point__on_curve(pb, bb, flen, x, y), 0);
			CHECK(openssl_on_curve(g, x, y, flen, ctx));
			/* one bit changed in x or y, below p (the top byte of P-521 is 0x01) */
			(r & 1 ? y : x)[flen - 1 - (size_t)r % (flen - 1)] ^= (uint8_t)(1u << (r % 8));
			if (openssl_on_curve(g, x, y, flen, ctx)) {
				on++;
				CHECK_EQ(ec_point__on_curve(pb, bb, flen, x, y), 0);
			} else {
				off++;
				CHECK_EQ(ec_point__on_curve(pb, bb, flen, x, y), -EINVAL);
			}
			EC_POINT_free(pub);
			BN_free(k);
			BN_free(kx);
			BN_free(ky);
		}
		CHECK(off > ROUNDS / 2);
		/* x = p and x = p + 1 are not field elements, whatever y */
		memcpy(x, pb, flen);
		CHECK_EQ(ec_point__on_curve(pb, bb, flen, x, y), -EINVAL);
		x[flen - 1]++;
		CHECK_EQ(ec_point__on_curve(pb, bb, flen, x, y), -EINVAL);
		/* (0, sqrt(b)) when b is a square: the point with x = 0 */
		{
			BIGNUM *s = BN_new();

			if (s && BN_mod_sqrt(s, b, p, ctx)) {
				memset(x, 0, flen);
				BN_bn2binpad(s, y, (int)flen);
				CHECK_EQ(ec_point__on_curve(pb, bb, flen, x, y), 0);
				CHECK(openssl_on_curve(g, x, y, flen, ctx));
			}
			BN_free(s);
		}
		BN_free(p);
		BN_free(a);
		BN_free(b);
		EC_GROUP_free(g);
	}
	BN_CTX_free(ctx);
}

static void test_limits(void)
{
	uint8_t z[EC_POINT_MAX_FIELD_BYTES + 1] = { 0 };

	CHECK_EQ(ec_point__on_curve(z, z, 0, z, z), -E2BIG);
	CHECK_EQ(ec_point__on_curve(z, z, sizeof(z), z, z), -E2BIG);
	/* an even modulus is not a curve's prime */
	z[0] = 2;
	CHECK_EQ(ec_point__on_curve(z, z, 1, z, z), -EINVAL);
}

int main(void)
{
	RUN_TEST(test_against_openssl);
	RUN_TEST(test_limits);
	return CHECK_DONE();
}
