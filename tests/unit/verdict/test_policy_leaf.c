// SPDX-License-Identifier: GPL-2.0
/* The leaf checks (user/verdict/policy_leaf.c): name_mismatch against the SNI, missing_sni,
 * long_validity around the CA/B Forum cut-over, their policy keys, that an informational
 * finding does not flag a handshake, and how explain names them. */
#include "policy_fixtures.h"
#include "verdict/explain.h"

#define T_2021 1609459200ll /* 2021-01-01T00:00:00Z */
#define DAY 86400ll

static const char *const web_sans[] = { "DNS:example.com", "DNS:*.example.com", "IP:192.0.2.7",
					"email:hostmaster@example.com", NULL };
static const char *const ip_sans[] = { "IP:192.0.2.7", NULL };

/* A TLS 1.2 handshake with one leaf (valid around T0) carrying list, and sni unless NULL. */
static struct handshake *named(struct handshake *hs, const char *const *list, uint32_t n,
			       const char *host)
{
	sans(good(0, "example.com"), list, n);
	chain(hs, 1);
	hello(hs, TLS_VERSION_TLS12, 0xc02f);
	if (host)
		sni(hs, host);
	return hs;
}

static void eval(struct handshake *hs, const char *key, const char *value)
{
	struct policy *p = policy__new();

	if (key)
		CHECK_EQ(policy__set(p, key, value, NULL, 0), 0);
	policy__evaluate(p, hs);
	policy__free(p);
}

static void test_name_match(void)
{
	static const char *const ok[] = { "example.com", "www.example.com", "WWW.EXAMPLE.COM",
					  "example.com." };
	struct handshake hs;
	const struct finding *f;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		eval(named(&hs, web_sans, 4, ok[i]), NULL, NULL);
		CHECK_EQ(count(&hs, CHECK_NAME_MISMATCH), 0);
		CHECK_EQ(count(&hs, CHECK_MISSING_SNI), 0);
	}
	eval(named(&hs, web_sans, 4, "a.b.example.com"), NULL, NULL);
	f = find(&hs, CHECK_NAME_MISMATCH);
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ(f->severity, SEV_MEDIUM);
		CHECK_EQ(f->position, 0);
		CHECK_STR(f->detail, "not_covered");
		CHECK_STR(f->message, "certificate #1 (leaf, CN=example.com) does not cover the SNI "
				      "\"a.b.example.com\" (none of its 2 DNS names match)");
	}
	CHECK(hs__flagged(&hs));

	/* the CN names the host, but browsers read only the SANs */
	eval(named(&hs, ip_sans, 1, "example.com"), NULL, NULL);
	f = find(&hs, CHECK_NAME_MISMATCH);
	CHECK(f && !strcmp(f->detail, "no_dns_san"));

	/* RFC 6066 3: no IP literal as host_name, whatever the certificate says */
	eval(named(&hs, ip_sans, 1, "192.0.2.7"), NULL, NULL);
	f = find(&hs, CHECK_NAME_MISMATCH);
	CHECK(f && !strcmp(f->detail, "ip_sni"));
	CHECK(f && strstr(f->message, "\"192.0.2.7\""));

	/* a cut SAN list cannot prove a mismatch */
	eval(named(&hs, web_sans, 4, "other.test"), NULL, NULL);
	CHECK_EQ(count(&hs, CHECK_NAME_MISMATCH), 1);
	certs[0].san_count = 9000;
	certs[0].san_truncated = true;
	hs.n_findings = 0;
	eval(&hs, NULL, NULL);
	CHECK_EQ(count(&hs, CHECK_NAME_MISMATCH), 0);

	/* control bytes in the SNI do not reach the message */
	eval(named(&hs, web_sans, 4, "a\nb.test"), NULL, NULL);
	f = find(&hs, CHECK_NAME_MISMATCH);
	CHECK(f && strstr(f->message, "\"a?b.test\""));

	eval(named(&hs, web_sans, 4, "other.test"), "name_mismatch.enabled", "false");
	CHECK_EQ(hs.n_findings, 0);
	eval(named(&hs, web_sans, 4, "other.test"), "name_mismatch.severity", "high");
	CHECK_EQ(sev_of(&hs, CHECK_NAME_MISMATCH), SEV_HIGH);
}

static void test_missing_sni(void)
{
	struct handshake hs;
	const struct finding *f;

	eval(named(&hs, web_sans, 4, NULL), NULL, NULL);
	CHECK_EQ(hs.n_findings, 1);
	f = find(&hs, CHECK_MISSING_SNI);
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ(f->severity, SEV_INFO);
		CHECK_STR(f->detail, "no_sni");
		CHECK_STR(f->message, "the client sent no SNI; certificate #1 (leaf, CN=example.com) "
				      "names 2 DNS hosts (first example.com)");
	}
	/* informational: reported, but the handshake is not flagged */
	CHECK(!hs__flagged(&hs));
	eval(named(&hs, web_sans, 4, NULL), "missing_sni.severity", "low");
	CHECK(hs__flagged(&hs));

	/* a server reached by address (IP-only certificate) has no name to ask for */
	eval(named(&hs, ip_sans, 1, NULL), NULL, NULL);
	CHECK_EQ(hs.n_findings, 0);
	/* no ClientHello seen: nothing to judge */
	named(&hs, web_sans, 4, NULL)->has_client_hello = false;
	eval(&hs, NULL, NULL);
	CHECK_EQ(hs.n_findings, 0);
	eval(named(&hs, web_sans, 4, NULL), "missing_sni.enabled", "no");
	CHECK_EQ(hs.n_findings, 0);
}

/* A leaf valid from nb for period seconds (RFC 5280: notAfter = nb + period - 1), judged at nb. */
static void validity(struct handshake *hs, int64_t nb, int64_t period, const char *key,
		     const char *value)
{
	named(hs, web_sans, 4, "example.com");
	certs[0].not_before = nb;
	certs[0].not_after = nb + period - 1;
	snprintf(certs[0].not_before_str, sizeof(certs[0].not_before_str), "%s",
		 nb == T_2021 ? "2021-01-01T00:00:00Z" : "");
	hs->cert_ts_ns = (uint64_t)nb * NS;
	eval(hs, key, value);
}

static void test_long_validity(void)
{
	struct handshake hs;
	const struct finding *f;

	validity(&hs, T_2021, 398 * DAY, NULL, NULL);
	CHECK_EQ(count(&hs, CHECK_LONG_VALIDITY), 0);
	validity(&hs, T_2021, 398 * DAY + 1, NULL, NULL);
	f = find(&hs, CHECK_LONG_VALIDITY);
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ(f->severity, SEV_MEDIUM);
		CHECK_STR(f->detail, "leaf");
		CHECK_STR(f->message, "certificate #1 (leaf, CN=example.com) is valid for 399 days "
				      "from 2021-01-01T00:00:00Z (at most 398 for certificates "
				      "issued after 2020-09-01)");
	}
	/* issued before 2020-09-01: 825 days was still allowed */
	validity(&hs, 1598918400ll - 1, 825 * DAY, NULL, NULL);
	CHECK_EQ(count(&hs, CHECK_LONG_VALIDITY), 0);
	validity(&hs, 1598918400ll, 825 * DAY, NULL, NULL);
	CHECK_EQ(count(&hs, CHECK_LONG_VALIDITY), 1);
	/* a self-signed or CA leaf is not a subscriber certificate */
	named(&hs, web_sans, 4, "example.com");
	validity(&hs, T_2021, 3650 * DAY, NULL, NULL);
	certs[0].self_signed = true;
	hs.n_findings = 0;
	eval(&hs, NULL, NULL);
	CHECK_EQ(count(&hs, CHECK_LONG_VALIDITY), 0);
	/* the policy key */
	validity(&hs, T_2021, 100 * DAY, "max_validity_days", "90");
	CHECK_EQ(count(&hs, CHECK_LONG_VALIDITY), 1);
	validity(&hs, T_2021, 3650 * DAY, "max_validity_days", "0");
	CHECK_EQ(count(&hs, CHECK_LONG_VALIDITY), 0);
	validity(&hs, T_2021, 3650 * DAY, "long_validity.enabled", "off");
	CHECK_EQ(count(&hs, CHECK_LONG_VALIDITY), 0);
}

static void test_explain(void)
{
	struct handshake hs;

	/* RFC 6066 3: unrecognized_name names the SNI */
	eval(named(&hs, web_sans, 4, "other.test"), NULL, NULL);
	hs.has_certificate = true;
	hs.outcome = HS_OUTCOME_ALERT;
	hs.alert = (struct hs_alert){ .present = true, .from_client = false, .level = 2,
				      .desc = 112 };
	explain__handshake(&hs);
	CHECK(strstr(hs.explain, "unrecognized_name(112)") != NULL);
	CHECK(strstr(hs.explain, "most likely cause: certificate #1 (leaf, CN=example.com) does "
				 "not cover the SNI") != NULL);
	/* a long validity alone does not explain a server's handshake_failure */
	validity(&hs, T_2021, 800 * DAY, NULL, NULL);
	hs.outcome = HS_OUTCOME_ALERT;
	hs.alert = (struct hs_alert){ .present = true, .from_client = false, .level = 2,
				      .desc = 40 };
	explain__handshake(&hs);
	CHECK_EQ(count(&hs, CHECK_LONG_VALIDITY), 1);
	CHECK(strstr(hs.explain, "no weak cryptography seen") != NULL);
	CHECK_STR(policy__check_name(CHECK_NAME_MISMATCH), "name_mismatch");
	CHECK_STR(policy__check_name(CHECK_MISSING_SNI), "missing_sni");
	CHECK_STR(policy__check_name(CHECK_LONG_VALIDITY), "long_validity");
}

int main(void)
{
	RUN_TEST(test_name_match);
	RUN_TEST(test_missing_sni);
	RUN_TEST(test_long_validity);
	RUN_TEST(test_explain);
	return CHECK_DONE();
}
