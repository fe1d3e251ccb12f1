/* Does a certificate cover the host name a client asked for (its SNI)? RFC 6125 6.4 as browsers
 * apply it: subjectAltName dNSNames only (the CN is never consulted), one wildcard as the whole
 * left-most label, ASCII (A-label) comparison without regard to case. */
#ifndef TLSMON_X509_HOSTNAME_H
#define TLSMON_X509_HOSTNAME_H

#include <stdbool.h>
#include <stddef.h>

#include "x509/x509.h"

enum x509_host_match {
	X509_HOST_MATCH = 0,
	X509_HOST_NO_MATCH, /* the certificate's DNS names do not cover the host */
	X509_HOST_NO_DNS_SAN, /* the certificate has no DNS name to compare with */
	X509_HOST_UNKNOWN, /* no kept name covers it, but names past the cap were dropped */
};

/* One presented dNSName (pattern, without "DNS:") against a host name; lengths in bytes, the
 * strings need no NUL. */
bool x509__dns_name_matches(const char *pattern, size_t plen, const char *host, size_t hlen);

/* Whether host is an IPv4 or IPv6 address literal (RFC 6066 3 allows none as a host_name). */
bool x509__host_is_ip(const char *host, size_t hlen);

enum x509_host_match x509__host_covered(const struct x509_info *x, const char *host, size_t hlen);

/* DNS names among the certificate's kept SANs. */
unsigned x509__dns_san_count(const struct x509_info *x);

#endif
