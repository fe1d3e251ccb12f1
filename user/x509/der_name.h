/* X.501 names (RFC 5280 4.1.2.4) read from DER as OpenSSL 3.0 reads and prints them; see
 * der_name.c. */
#ifndef TLSMON_DER_NAME_H
#define TLSMON_DER_NAME_H

#include "x509/der.h"

#define DER_NAME_MAX_ENTRIES 64

struct der_name_ent {
	const struct der_oid_row *attr;
	uint8_t tag;
	uint16_t set; /* index of the RDN */
	struct der_span val;
};

/* Checks a Name's contents and lists its attributes in order (ents holds
 * DER_NAME_MAX_ENTRIES): the count, -EINVAL (malformed) or -ENOTSUP (something OpenSSL would
 * print or decode in a way not reproduced here). */
int der_name__entries(struct der_span name, struct der_name_ent *ents);

/* Whether OpenSSL's X509_NAME_cmp could find the two names equal (false: surely different). */
bool der_name__may_equal(const struct der_name_ent *a, int na, const struct der_name_ent *b,
			 int nb);

/* A checked name in RFC 2253 form, as X509_NAME_print_ex prints it with
 * XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB. Like snprintf: returns the full length and writes at
 * most size bytes, NUL-terminated when size > 0. A NUL in a value is printed as is. */
size_t der_name__rfc2253(struct der_span name, char *dst, size_t size);

/* The last (most specific) CN of a checked name in UTF-8, snprintf-like; -1 when none. */
long der_name__cn(struct der_span name, char *dst, size_t size);

/* The same two from the name's entries as der_name__entries listed them (n of them), for a
 * caller that has them already: a certificate's names are read once, not once per rendering. */
size_t der_name__rfc2253_ents(const struct der_name_ent *ents, int n, char *dst, size_t size);
long der_name__cn_ents(const struct der_name_ent *ents, int n, char *dst, size_t size);

/* The i-th known attribute (short name in .name), NULL past the end; for the unit test. */
const struct der_oid_row *der_name__attr_row(unsigned i);

#endif
