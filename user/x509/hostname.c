// SPDX-License-Identifier: GPL-2.0-only
/* Host name matching against a certificate's subjectAltName, as browsers do it (see hostname.h
 * for the rules and where they come from). */
#include "x509/hostname.h"

#include <arpa/inet.h>
#include <string.h>

#define DNS_NAME_MAX 253 /* RFC 1035 2.3.4, without the trailing dot */
#define DNS_LABEL_MAX 63

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool same_ci(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/* A fully qualified name may end in one dot (RFC 1034 3.1); it names the same host. */
static size_t without_root_dot(const char *s, size_t n)
{
	return n > 1 && s[n - 1] == '.' ? n - 1 : n;
}

/* Labels of 1..63 printable ASCII bytes other than '*', at most 253 bytes in all. A U-label
 * (UTF-8) is not a name that can be compared: RFC 6066 3 and RFC 6125 6.4.2 want A-labels. */
static bool valid_name(const char *s, size_t n)
{
	size_t label = 0;

	if (!n || n > DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}
		if (c <= 0x20 || c >= 0x7f || c == '*' || ++label > DNS_LABEL_MAX)
			return false;
	}
	return label > 0;
}

/* host: valid_name(), without its root dot. */
static bool pattern_matches(const char *pattern, size_t plen, const char *host, size_t hlen)
{
	const char *dot;
	size_t rest;

	plen = without_root_dot(pattern, plen);
	if (!memchr(pattern, '*', plen))
		return valid_name(pattern, plen) && plen == hlen && same_ci(pattern, host, hlen);
	/* RFC 6125 6.4.3 as the CA/B Forum BR 3.2.2.6 and browsers narrow it: the wildcard is
	 * the whole left-most label ("f*.example.com" and "*.*.example.com" match nothing), it
	 * stands for exactly one non-empty label, and at least two labels follow it ("*.com"
	 * matches nothing). */
	if (plen < 2 || pattern[0] != '*' || pattern[1] != '.')
		return false;
	rest = plen - 2;
	if (!valid_name(pattern + 2, rest) || !memchr(pattern + 2, '.', rest))
		return false;
	dot = memchr(host, '.', hlen);
	if (!dot || dot == host)
		return false;
	return hlen - (size_t)(dot + 1 - host) == rest && same_ci(dot + 1, pattern + 2, rest);
}

bool x509__dns_name_matches(const char *pattern, size_t plen, const char *host, size_t hlen)
{
	hlen = without_root_dot(host, hlen);
	return valid_name(host, hlen) && pattern_matches(pattern, plen, host, hlen);
}

bool x509__host_is_ip(const char *host, size_t hlen)
{
	char buf[64];
	unsigned char addr[16];

	hlen = without_root_dot(host, hlen);
	if (!hlen || hlen >= sizeof(buf))
		return false;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	/* "[2001:db8::1]" as in a URL is an address too */
	if (buf[0] == '[' && buf[hlen - 1] == ']') {
		buf[hlen - 1] = '\0';
		return inet_pton(AF_INET6, buf + 1, addr) == 1;
	}
	return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

static bool is_dns_san(const char *san)
{
	return !strncmp(san, "DNS:", 4);
}

unsigned x509__dns_san_count(const struct x509_info *x)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < x->n_san; i++)
		n += is_dns_san(x->san[i]);
	return n;
}

/* The host is checked once, not once per name (a leaf may carry thousands): a host that is not
 * a valid name matches none of them. */
enum x509_host_match x509__host_covered(const struct x509_info *x, const char *host, size_t hlen)
{
	bool any = false, host_ok;

	hlen = without_root_dot(host, hlen);
	host_ok = valid_name(host, hlen);
	for (uint32_t i = 0; i < x->n_san; i++) {
		const char *s = x->san[i];

		if (!is_dns_san(s))
			continue;
		any = true;
		if (host_ok && pattern_matches(s + 4, strlen(s + 4), host, hlen))
			return X509_HOST_MATCH;
	}
	if (x->san_truncated)
		return X509_HOST_UNKNOWN;
	return any ? X509_HOST_NO_MATCH : X509_HOST_NO_DNS_SAN;
}
