// SPDX-License-Identifier: GPL-2.0
/* The client's side of a handshake: its certificate chain judged like the server's, with side
 * "client", messages that say so and positions in its own chain; and what explain says of a
 * resumed handshake, which sent no chain. */
#include "policy_fixtures.h"
#include "verdict/explain.h"
#include "tls/tls_record.h"

static struct handshake hs;

/* A good server leaf (certs[0]) and a weak self-signed client leaf (certs[1]), TLS 1.2. */
static void mutual(void)
{
	good(0, "server.test");
	mk(1, "weak-client", "sha1WithRSAEncryption", "1.2.840.113549.1.1.5", "sha1", "RSA", 1024);
	certs[1].self_signed = true;
	chain(&hs, 1);
	hello(&hs, TLS_VERSION_TLS12, 0xc02f);
	hs.n_client_certs = 1;
	hs.n_client_certs_total = 1;
	hs.client_certs[0] = &certs[1];
	hs.client_cert_ts_ns = (uint64_t)T0 * NS;
	hs.outcome = HS_OUTCOME_ESTABLISHED;
}

static void test_client_chain_judged(void)
{
	struct policy *p = policy__new();
	const struct finding *f;

	mutual();
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 3);
	for (int i = 0; i < hs.n_findings; i++) {
		f = &hs.findings[i];
		CHECK_EQ(f->side, HS_SIDE_CLIENT);
		CHECK_EQ(f->position, 0);
		CHECK(starts_with(f->message, "client certificate #1 (leaf, CN=weak-client)"));
	}
	f = find(&hs, CHECK_WEAK_KEY);
	CHECK(f && !strcmp(f->detail, "RSA-1024"));
	CHECK_STR(f ? f->message : NULL,
		  "client certificate #1 (leaf, CN=weak-client) has a 1024-bit RSA key (minimum 2048)");
	CHECK_EQ(count(&hs, CHECK_WEAK_SIGNATURE), 1);
	CHECK_EQ(count(&hs, CHECK_SELF_SIGNED), 1);
	/* explain names the side through the message */
	explain__handshake(&hs);
	CHECK(strstr(hs.explain, "client certificate #1") != NULL);
	policy__free(p);
}

/* The same weak certificate on the server's side is the server's finding, first. */
static void test_sides_apart(void)
{
	struct policy *p = policy__new();

	mutual();
	hs.certs[0] = &certs[1];
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 6);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(hs.findings[i].side, HS_SIDE_SERVER);
		CHECK(starts_with(hs.findings[i].message, "certificate #1"));
	}
	for (int i = 3; i < 6; i++)
		CHECK_EQ(hs.findings[i].side, HS_SIDE_CLIENT);
	/* the client's fallback signal is the client's; the negotiated protocol the server's */
	everything(&hs);
	policy__evaluate(p, &hs);
	CHECK_EQ(find(&hs, CHECK_DOWNGRADE)->side, HS_SIDE_CLIENT);
	CHECK_EQ(find(&hs, CHECK_WEAK_PROTOCOL)->side, HS_SIDE_SERVER);
	CHECK_EQ(find(&hs, CHECK_WEAK_KEY)->side, HS_SIDE_SERVER);
	policy__free(p);
}

/* An alert's sender judged the other side's chain: that side's findings explain it first, even
 * when the sender's own chain has a worse one. */
static void test_alert_blames_judged_side(void)
{
	struct policy *p = policy__new();

	mutual();
	mk(0, "server.test", "sha256WithRSAEncryption", "1.2.840.113549.1.1.11", "sha256", "RSA",
	   512); /* critical on the server's side */
	policy__evaluate(p, &hs);
	hs.outcome = HS_OUTCOME_ALERT;
	hs.alert.present = true;
	hs.alert.level = 2;
	hs.alert.desc = 42; /* bad_certificate */
	hs.alert.from_client = false;
	explain__handshake(&hs);
	CHECK(strstr(hs.explain, "most likely cause: client certificate #1") != NULL);
	hs.alert.from_client = true;
	explain__handshake(&hs);
	CHECK(strstr(hs.explain, "most likely cause: certificate #1 (leaf, CN=server.test) has a "
				 "512-bit RSA key") != NULL);
	policy__free(p);
}

/* A server that asked for a client certificate, got an empty Certificate and refused. */
static void test_refused_without_client_certificate(void)
{
	struct policy *p = policy__new();
	struct hs_event cert = { .kind = HS_EV_MESSAGE, .from_client = 1,
				 .hs_type = TLS_HS_CERTIFICATE, .ts_ns = (uint64_t)T0 * NS };

	good(0, "server.test");
	chain(&hs, 1);
	hello(&hs, TLS_VERSION_TLS12, 0xc02f);
	hs.has_certificate_request = true;
	hs__add_event(&hs, &cert);
	hs.outcome = HS_OUTCOME_ALERT;
	hs.alert = (struct hs_alert){ .present = true, .level = 2, .desc = 40,
				      .ts_ns = (uint64_t)T0 * NS + 1000 };
	policy__evaluate(p, &hs);
	explain__handshake(&hs);
	CHECK(strstr(hs.explain, "; most likely cause: the server asked for a client certificate "
				 "and the client sent none") != NULL);
	/* not when the client did send one, nor without a CertificateRequest */
	hs.client_sent_certificate = true;
	explain__handshake(&hs);
	CHECK(strstr(hs.explain, "asked for a client certificate") == NULL);
	hs.client_sent_certificate = false;
	hs.has_certificate_request = false;
	explain__handshake(&hs);
	CHECK(strstr(hs.explain, "asked for a client certificate") == NULL);
	policy__free(p);
}

static void test_resumed_explain(void)
{
	struct policy *p = policy__new();

	chain(&hs, 0);
	hello(&hs, TLS_VERSION_TLS12, 0xc02f);
	hs.outcome = HS_OUTCOME_ESTABLISHED;
	hs.resumption = HS_RESUMED_TICKET;
	policy__evaluate(p, &hs);
	CHECK_EQ(hs.n_findings, 0);
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "handshake established; no weak cryptography found; resumed (ticket): "
			      "no certificates sent, the full handshake was not seen");
	hs.has_chain_from = true;
	hs.chain_from_ts_ns = (uint64_t)T0 * NS;
	memset(hs.chain_from_leaf_sha256, 'c', 64);
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "handshake established; no weak cryptography found; resumed (ticket): "
			      "no certificates sent, the session comes from the full handshake at "
			      "2014-05-13T16:53:20Z (leaf sha256 cccccccccccccccc...)");
	/* TLS 1.3 hides every chain: no leaf to name */
	hs.resumption = HS_RESUMED_PSK;
	hs.chain_from_leaf_sha256[0] = '\0';
	explain__handshake(&hs);
	CHECK(strstr(hs.explain, "resumed (psk): no certificates sent, the session comes from the "
				 "full handshake at 2014-05-13T16:53:20Z") != NULL);
	CHECK(strstr(hs.explain, "leaf") == NULL);
	policy__free(p);
}

int main(void)
{
	RUN_TEST(test_client_chain_judged);
	RUN_TEST(test_sides_apart);
	RUN_TEST(test_alert_blames_judged_side);
	RUN_TEST(test_refused_without_client_certificate);
	RUN_TEST(test_resumed_explain);
	return CHECK_DONE();
}
