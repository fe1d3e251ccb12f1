/* The fields tlsmon reports about an X.509 certificate, read straight from its DER without
 * OpenSSL: d2i_X509 costs OpenSSL 3.0 about 100 us (locks and mallocs on every call), which caps
 * an analyser that sees many distinct certificates at ~10,000/s.
 *
 * The reader is strict and conservative: it accepts only certificates for which it can give every
 * field exactly as user/x509/x509.c's OpenSSL path would. Anything else (BER, unknown algorithms,
 * attribute or string types that OpenSSL would escape or convert differently, a subject equal to
 * the issuer, whose self-signature needs verifying) returns an error and the caller asks
 * OpenSSL. */
#ifndef TLSMON_DER_CERT_H
#define TLSMON_DER_CERT_H

#include "x509/der.h"
#include "x509/der_name.h"

/* GeneralName tags (RFC 5280 4.2.1.6). */
#define DER_GN_EMAIL 0x81
#define DER_GN_DNS 0x82
#define DER_GN_DIRNAME 0xa4
#define DER_GN_URI 0x86
#define DER_GN_IP 0x87
#define DER_GN_RID 0x88

struct der_cert {
	struct der_span serial; /* INTEGER content octets: minimal and not negative */
	struct der_span issuer, subject; /* Name contents, checked by der_cert__read */
	int64_t not_before, not_after; /* Unix seconds */
	char not_before_str[24], not_after_str[24]; /* "2007-05-05T00:00:00Z" */
	const char *sig_oid, *sig_name, *sig_hash; /* static strings; sig_hash may be "" */
	const char *key_type; /* "RSA", "EC", "Ed25519", ... */
	int key_bits;
	const char *curve; /* "" unless EC */
	struct der_span san; /* GeneralNames contents, checked; len 0 when none */
	bool is_ca;
	/* issuer's and subject's attributes (der_name__entries), to print them without reading
	 * the names again; last, and not cleared before reading (4 KB) */
	int n_issuer_ents, n_subject_ents;
	struct der_name_ent issuer_ents[DER_NAME_MAX_ENTRIES], subject_ents[DER_NAME_MAX_ENTRIES];
};

/* 0, or -EINVAL (not strict DER, or something OpenSSL would reject) or -ENOTSUP (valid, but
 * not something this reader can report exactly): in both cases the caller must use OpenSSL. The
 * input must be exactly one Certificate. */
int der_cert__read(const uint8_t *der, size_t len, struct der_cert *dc);

/* subject and issuer are printed with der_name__rfc2253_ents and der_name__cn_ents
 * (der_name.h). */

/* Next GeneralName of an accepted san list: its tag (DER_GN_*) and contents; false at the end. */
bool der_cert__next_san(struct der_span *cursor, uint8_t *tag, struct der_span *value);

/* Days since 1970-01-01 of a proleptic Gregorian date (any year, independent of TZ). */
int64_t der_cert__days_from_civil(int64_t y, int m, int d);

/* For the unit test, which checks every row against OpenSSL's own tables: the i-th row of one
 * of the reader's OID tables, NULL past the end. name: attribute short name, signature long
 * name, hash name, key type or curve name; extra: the signature's hash; bits: key bits. */
enum der_table { DER_TAB_ATTR, DER_TAB_SIG, DER_TAB_HASH, DER_TAB_KEY, DER_TAB_CURVE };
const struct der_oid_row *der_cert__table_row(enum der_table t, unsigned i);

#endif
