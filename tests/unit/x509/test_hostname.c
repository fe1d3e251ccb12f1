// SPDX-License-Identifier: GPL-2.0-only
/* The host name matcher (user/x509/hostname.c) on the RFC 6125 6.4 cases, the browser
 * narrowing of wildcards, IP literals (RFC 6066 3), and certificates whose SAN list is empty,
 * IP-only or cut at the cap. */
#include <stdlib.h>

#include "check.h"
#include "x509/hostname.h"

static bool m(const char *pattern, const char *host)
{
	return x509__dns_name_matches(pattern, strlen(pattern), host, strlen(host));
}

static void test_exact(void)
{
	CHECK(m("www.example.com", "www.example.com"));
	/* RFC 6125 6.4.1 / RFC 4343: ASCII case is ignored on both sides */
	CHECK(m("WWW.Example.COM", "www.example.com"));
	CHECK(m("www.example.com", "WWW.EXAMPLE.com"));
	/* a root dot names the same host */
	CHECK(m("www.example.com", "www.example.com."));
	CHECK(m("www.example.com.", "www.example.com"));
	CHECK(!m("www.example.com", "example.com"));
	CHECK(!m("example.com", "www.example.com"));
	CHECK(!m("www.example.com", "www.example.co"));
	CHECK(!m("www.example.com", "www.example.com.au"));
	CHECK(!m("", "example.com"));
	CHECK(!m("example.com", ""));
	CHECK(!m("a..example.com", "a..example.com")); /* empty label */
	CHECK(!m("example.com", "."));
	/* IDNA: A-labels compare as ASCII, case-insensitively (RFC 6125 6.4.2) */
	CHECK(m("xn--j1ahhq.xn--p1ai", "XN--J1AHHQ.xn--P1AI"));
	CHECK(!m("xn--j1ahhq.xn--p1ai", "\xd0\xb0\xd0\xb1.xn--p1ai")); /* U-label SNI */
	/* a 64-byte label is not a DNS label */
	CHECK(!m("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test"));
}

static void test_wildcards(void)
{
	/* RFC 6125 6.4.3: the wildcard stands for the left-most label only */
	CHECK(m("*.example.com", "foo.example.com"));
	CHECK(m("*.Example.com", "FOO.example.COM"));
	CHECK(m("*.example.com", "xn--80ak6aa92e.example.com"));
	CHECK(!m("*.example.com", "bar.foo.example.com"));
	CHECK(!m("*.example.com", "example.com"));
	CHECK(!m("*.example.com", ".example.com"));
	CHECK(!m("*.example.com", "foo.example.org"));
	/* partial wildcards match nothing (browsers, CA/B Forum BR) */
	CHECK(!m("f*.example.com", "foo.example.com"));
	CHECK(!m("*o.example.com", "foo.example.com"));
	CHECK(!m("f*o.example.com", "foo.example.com"));
	CHECK(!m("xn--*.example.com", "xn--abc.example.com"));
	/* only the left-most label, only one wildcard */
	CHECK(!m("www.*.com", "www.example.com"));
	CHECK(!m("*.*.example.com", "a.b.example.com"));
	CHECK(!m("www.example.*", "www.example.com"));
	/* two labels at least after the wildcard */
	CHECK(!m("*.com", "example.com"));
	CHECK(!m("*", "example"));
	CHECK(!m("*.", "example."));
	/* a wildcard in the host is not a name */
	CHECK(!m("*.example.com", "*.example.com"));
	CHECK(!m("www.example.com", "*.example.com"));
}

static void test_ip_literals(void)
{
	CHECK(x509__host_is_ip("192.0.2.1", 9));
	CHECK(x509__host_is_ip("2001:db8::1", 11));
	CHECK(x509__host_is_ip("[2001:db8::1]", 13));
	CHECK(x509__host_is_ip("::ffff:192.0.2.1", 16));
	CHECK(!x509__host_is_ip("www.example.com", 15));
	CHECK(!x509__host_is_ip("192.0.2.1.example.com", 21));
	CHECK(!x509__host_is_ip("", 0));
	/* the matcher compares text: an IP-address SNI is turned away by the policy before it
	 * gets here (RFC 6066 3) */
	CHECK(m("192.0.2.1", "192.0.2.1"));
}

static struct x509_info *info(const char *const *sans, uint32_t n, uint32_t total)
{
	struct x509_info *x = calloc(1, sizeof(*x));

	x->parsed = true;
	x->san = (char **)sans;
	x->n_san = n;
	x->san_count = total;
	x->san_truncated = total > n;
	return x;
}

static void test_covered(void)
{
	static const char *const web[] = { "DNS:example.com", "IP:192.0.2.1", "DNS:*.example.com",
					   "email:a@example.com", NULL };
	static const char *const ip_only[] = { "IP:192.0.2.1", NULL };
	static const char *const cut[] = { "DNS:a.example.com", "DNS:b.example.com", NULL };
	struct x509_info *x = info(web, 4, 4), *i = info(ip_only, 1, 1), *c = info(cut, 2, 9000),
			 *none = info(ip_only, 0, 0);

	CHECK_EQ(x509__host_covered(x, "example.com", 11), X509_HOST_MATCH);
	CHECK_EQ(x509__host_covered(x, "www.example.com", 15), X509_HOST_MATCH);
	CHECK_EQ(x509__host_covered(x, "a.b.example.com", 15), X509_HOST_NO_MATCH);
	CHECK_EQ(x509__host_covered(x, "example.org", 11), X509_HOST_NO_MATCH);
	CHECK_EQ(x509__dns_san_count(x), 2);
	/* browsers do not fall back to the CN, and IP SANs do not serve a name */
	CHECK_EQ(x509__host_covered(i, "example.com", 11), X509_HOST_NO_DNS_SAN);
	CHECK_EQ(x509__host_covered(none, "example.com", 11), X509_HOST_NO_DNS_SAN);
	/* names past the cap were not kept: no verdict unless a kept one matches */
	CHECK_EQ(x509__host_covered(c, "b.example.com", 13), X509_HOST_MATCH);
	CHECK_EQ(x509__host_covered(c, "z.example.com", 13), X509_HOST_UNKNOWN);
	/* the host is judged once for all names: one that is no valid name matches none of them,
	 * and the answer still says whether there were DNS names (or dropped ones) */
	CHECK_EQ(x509__host_covered(x, "example.com.", 12), X509_HOST_MATCH);
	CHECK_EQ(x509__host_covered(x, "www.example.com.", 16), X509_HOST_MATCH);
	CHECK_EQ(x509__host_covered(x, "*.example.com", 13), X509_HOST_NO_MATCH);
	CHECK_EQ(x509__host_covered(x, "exa mple.com", 12), X509_HOST_NO_MATCH);
	CHECK_EQ(x509__host_covered(x, "", 0), X509_HOST_NO_MATCH);
	CHECK_EQ(x509__host_covered(x, "example..com", 12), X509_HOST_NO_MATCH);
	CHECK_EQ(x509__host_covered(i, "exa mple.com", 12), X509_HOST_NO_DNS_SAN);
	CHECK_EQ(x509__host_covered(c, "exa mple.com", 12), X509_HOST_UNKNOWN);
	free(x);
	free(i);
	free(c);
	free(none);
}

int main(void)
{
	RUN_TEST(test_exact);
	RUN_TEST(test_wildcards);
	RUN_TEST(test_ip_literals);
	RUN_TEST(test_covered);
	return CHECK_DONE();
}
