/* Is an uncompressed point on a NIST prime curve (a = -3)? Exact modular arithmetic on 64-bit
 * limbs, without OpenSSL's BIGNUM allocations: every new EC certificate asks it once. */
#ifndef TLSMON_X509_EC_POINT_H
#define TLSMON_X509_EC_POINT_H

#include <stddef.h>
#include <stdint.h>

/* Field elements up to P-521 (66 bytes). */
#define EC_POINT_MAX_FIELD_BYTES 66

/* p and b: big-endian, flen bytes each (p odd, the curve's prime); x and y: big-endian, flen
 * bytes each. 0 when x < p, y < p and y^2 = x^3 - 3x + b (mod p) (SEC 1 2.3.4, 3.2.2.1);
 * -EINVAL when not; -E2BIG when flen is over EC_POINT_MAX_FIELD_BYTES. */
int ec_point__on_curve(const uint8_t *p, const uint8_t *b, size_t flen, const uint8_t *x,
		       const uint8_t *y);

#endif
