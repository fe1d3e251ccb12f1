// SPDX-License-Identifier: GPL-2.0
/* The join of TLS-library verdicts to handshakes (host/tlslib_join.c) with OpenSSL's words
 * (host/tlslib_probes.c), the unverified_peer check and the explain part they feed. */
#include <stdlib.h>
#include <string.h>
#include <openssl/x509_vfy.h>

#include "check.h"
#include "host/tlslib_join.h"
#include "host/tlslib_probes.h"
#include "verdict/explain.h"
#include "verdict/policy.h"

static const uint8_t CLI[4] = { 10, 0, 0, 2 }, SRV[4] = { 10, 0, 0, 1 };

static struct handshake *new_hs(void)
{
	struct handshake *hs = calloc(1, sizeof(*hs));

	hs->family = 4;
	memcpy(hs->client_addr, CLI, 4);
	memcpy(hs->server_addr, SRV, 4);
	hs->client_port = 40000;
	hs->server_port = 443;
	hs->outcome = HS_OUTCOME_ESTABLISHED;
	return hs;
}

/* An event of the client's socket (from_client) or the server's. */
static struct tlslib_event event(bool from_client, int code, int depth, int mode, int ret)
{
	struct tlslib_event e;

	memset(&e, 0, sizeof(e));
	e.family = 4;
	memcpy(e.saddr, from_client ? CLI : SRV, 4);
	memcpy(e.daddr, from_client ? SRV : CLI, 4);
	e.sport = from_client ? 40000 : 443;
	e.dport = from_client ? 443 : 40000;
	e.code = code;
	e.depth = depth;
	e.verify_mode = mode;
	e.verify_ret = ret;
	e.pid = 4242;
	e.ts_ns = 1000;
	e.library = TLSLIB_OPENSSL;
	memcpy(e.comm, "curl\x01", 6);
	return e;
}

static void test_rejected_weak_ca_md(void)
{
	struct tlslib_join *j = tlslib_join__new();
	struct policy *p = policy__new();
	struct handshake *hs = new_hs();
	struct tlslib_event e = event(true, X509_V_ERR_CA_MD_TOO_WEAK, 2, 1, 0);
	const struct handshake *out;

	hs->outcome = HS_OUTCOME_ALERT;
	tlslib_join__add(j, &e);
	out = tlslib_join__judge(j, p, hs);
	CHECK(out != hs);
	CHECK(out->lib_verdict[HS_SIDE_CLIENT].present);
	CHECK(!out->lib_verdict[HS_SIDE_SERVER].present);
	CHECK_EQ(out->lib_verdict[HS_SIDE_CLIENT].result, HS_LIB_REJECTED);
	CHECK_EQ(out->lib_verdict[HS_SIDE_CLIENT].code, 68);
	CHECK_EQ(out->lib_verdict[HS_SIDE_CLIENT].alert, 42);
	CHECK_STR(out->lib_verdict[HS_SIDE_CLIENT].code_name, "X509_V_ERR_CA_MD_TOO_WEAK");
	CHECK_STR(out->lib_verdict[HS_SIDE_CLIENT].mode_name, "peer");
	CHECK_STR(out->lib_verdict[HS_SIDE_CLIENT].comm, "curl?"); /* control byte replaced */
	CHECK(strstr(out->explain, "curl? (pid 4242) rejected certificate #3 (depth 2): CA signature "
				   "digest algorithm too weak (X509_V_ERR_CA_MD_TOO_WEAK, 68); it sent "
				   "fatal alert bad_certificate(42)") != NULL);
	/* joined once: a second handshake of the same tuple finds nothing */
	CHECK(tlslib_join__judge(j, p, hs) == hs);
	free(hs);
	policy__free(p);
	tlslib_join__free(j);
}

static void test_other_connection_not_joined(void)
{
	struct tlslib_join *j = tlslib_join__new();
	struct policy *p = policy__new();
	struct handshake *hs = new_hs();
	struct tlslib_event e = event(true, 0, -1, 1, 1);

	e.sport = 40001;
	tlslib_join__add(j, &e);
	CHECK(tlslib_join__judge(j, p, hs) == hs);
	tlslib_join__expire(j, 1000 + TLSLIB_JOIN_TTL_NS + 1);
	CHECK_EQ(tlslib_join__stats(j)->expired, 1);
	free(hs);
	policy__free(p);
	tlslib_join__free(j);
}

/* The server's verdict on a client chain is server_verdict; the process part is left out when
 * the library's event had no name. */
static void test_server_side_and_no_comm(void)
{
	struct tlslib_join *j = tlslib_join__new();
	struct policy *p = policy__new();
	struct handshake *hs = new_hs();
	struct tlslib_event e = event(false, X509_V_ERR_CERT_HAS_EXPIRED, 0, 3, 0);
	const struct handshake *out;

	e.comm[0] = '\0';
	tlslib_join__add(j, &e);
	out = tlslib_join__judge(j, p, hs);
	CHECK(out->lib_verdict[HS_SIDE_SERVER].present);
	CHECK_EQ(out->lib_verdict[HS_SIDE_SERVER].alert, 45);
	CHECK_STR(out->lib_verdict[HS_SIDE_SERVER].mode_name, "peer|fail_if_no_peer_cert");
	CHECK(strstr(out->explain, "the server's OpenSSL rejected certificate #1 (depth 0): "
				   "certificate has expired") != NULL);
	free(hs);
	policy__free(p);
	tlslib_join__free(j);
}

/* Verify mode none: unverified_peer when the chain has a finding (the wire's or the library's
 * own error), not when both are clean; the check can be turned off. */
static void test_unverified_peer(void)
{
	struct tlslib_join *j = tlslib_join__new();
	struct policy *p = policy__new();
	struct handshake *hs = new_hs();
	struct tlslib_event e = event(true, 0, -1, 0, 1);
	const struct handshake *out;
	char err[128];
	int n = 0;

	tlslib_join__add(j, &e);
	out = tlslib_join__judge(j, p, hs);
	CHECK_EQ(out->n_findings, 0);
	CHECK_EQ(out->lib_verdict[HS_SIDE_CLIENT].result, HS_LIB_ACCEPTED);

	hs__add_finding(hs, CHECK_WEAK_SIGNATURE, SEV_HIGH, 1, "md5WithRSAEncryption");
	tlslib_join__add(j, &e);
	out = tlslib_join__judge(j, p, hs);
	for (unsigned i = 0; i < out->n_findings; i++)
		n += out->findings[i].check == CHECK_UNVERIFIED_PEER &&
		     out->findings[i].side == HS_SIDE_CLIENT;
	CHECK_EQ(n, 1);
	CHECK(strstr(out->explain, "(they disagree)") != NULL); /* accepted a flagged chain */

	hs->n_findings = 0;
	e = event(true, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0, 0, 0);
	tlslib_join__add(j, &e);
	out = tlslib_join__judge(j, p, hs);
	CHECK_EQ(out->lib_verdict[HS_SIDE_CLIENT].result, HS_LIB_IGNORED);
	CHECK_EQ(out->n_findings, 1);
	CHECK(strstr(out->explain, "went on without verifying (verify mode none)") != NULL);
	CHECK(strstr(out->explain, "(unverified_peer)") != NULL);

	CHECK_EQ(policy__set(p, "unverified_peer.enabled", "false", err, sizeof(err)), 0);
	tlslib_join__add(j, &e);
	out = tlslib_join__judge(j, p, hs);
	CHECK_EQ(out->n_findings, 0);
	free(hs);
	policy__free(p);
	tlslib_join__free(j);
}

/* Full table: the oldest verdict goes, counted. */
static void test_evict_oldest(void)
{
	struct tlslib_join *j = tlslib_join__new();
	struct policy *p = policy__new();
	struct handshake *hs = new_hs();
	struct tlslib_event e = event(true, 0, -1, 1, 1);

	for (int i = 0; i <= TLSLIB_JOIN_MAX; i++) {
		e.ts_ns = 2000 + (uint64_t)i;
		e.sport = (uint16_t)(i == 0 ? 40000 : 50000 + i);
		tlslib_join__add(j, &e);
	}
	CHECK_EQ(tlslib_join__stats(j)->evicted, 1);
	CHECK(tlslib_join__judge(j, p, hs) == hs); /* the one for port 40000 was the oldest */
	free(hs);
	policy__free(p);
	tlslib_join__free(j);
}

static void test_family_of_file(void)
{
	CHECK_EQ(tlslib__family_of_file("libcrypto.so.3"), TLSLIB_OPENSSL);
	CHECK_EQ(tlslib__family_of_file("libssl.so.3"), TLSLIB_OPENSSL);
	CHECK_EQ(tlslib__family_of_file("libgnutls.so.30"), -1);
}

/* Two namespaces with the same 4-tuple: the verdict taken is the one of the namespace of the
 * process attributed to that end; with no process, neither (ambiguous), and a lone verdict of
 * one namespace is taken. */
static void test_namespaces_same_tuple(void)
{
	struct tlslib_join *j = tlslib_join__new();
	struct policy *p = policy__new();
	struct handshake *hs = new_hs();
	struct tlslib_event mine = event(true, X509_V_ERR_CA_MD_TOO_WEAK, 1, 1, 0);
	struct tlslib_event other = event(true, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 2, 1, 0);
	const struct handshake *out;

	mine.netns_ino = 4026531840u;
	mine.netns_cookie = 7;
	other.netns_ino = 4026532001u;
	other.netns_cookie = 9;
	other.ts_ns = mine.ts_ns + 1; /* the later one: taken if namespaces were ignored */
	tlslib_join__add(j, &mine);
	tlslib_join__add(j, &other);
	hs->process.present = true;
	hs->process.server_end = false;
	hs->process.netns = 4026531840u;
	out = tlslib_join__judge(j, p, hs);
	CHECK(out->lib_verdict[HS_SIDE_CLIENT].present);
	CHECK_EQ(out->lib_verdict[HS_SIDE_CLIENT].code, X509_V_ERR_CA_MD_TOO_WEAK);
	CHECK_EQ(out->lib_verdict[HS_SIDE_CLIENT].depth, 1);

	/* the other namespace's verdict is still there; a process of a third namespace gets none */
	hs->process.netns = 4026532999u;
	CHECK(tlslib_join__judge(j, p, hs) == hs);

	/* no process known: two namespaces are ambiguous, none taken */
	tlslib_join__add(j, &mine);
	memset(&hs->process, 0, sizeof(hs->process));
	CHECK(tlslib_join__judge(j, p, hs) == hs);
	CHECK_EQ(tlslib_join__stats(j)->ambiguous, 1);

	/* one namespace left: taken */
	hs->process.present = true;
	hs->process.netns = 4026532001u;
	out = tlslib_join__judge(j, p, hs);
	CHECK_EQ(out->lib_verdict[HS_SIDE_CLIENT].code, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
	memset(&hs->process, 0, sizeof(hs->process));
	/* attribution found that end in several namespaces: the lone verdict is not taken */
	hs->ends_ambiguous = 1u << HS_SIDE_CLIENT;
	CHECK(tlslib_join__judge(j, p, hs) == hs);
	CHECK_EQ(tlslib_join__stats(j)->ambiguous, 2);
	hs->ends_ambiguous = 0;
	out = tlslib_join__judge(j, p, hs);
	CHECK_EQ(out->lib_verdict[HS_SIDE_CLIENT].code, X509_V_ERR_CA_MD_TOO_WEAK);
	CHECK_EQ(tlslib_join__stats(j)->ambiguous, 2);
	free(hs);
	policy__free(p);
	tlslib_join__free(j);
}

int main(void)
{
	RUN_TEST(test_rejected_weak_ca_md);
	RUN_TEST(test_other_connection_not_joined);
	RUN_TEST(test_server_side_and_no_comm);
	RUN_TEST(test_unverified_peer);
	RUN_TEST(test_evict_oldest);
	RUN_TEST(test_family_of_file);
	RUN_TEST(test_namespaces_same_tuple);
	return check_total_failed ? 1 : 0;
}
