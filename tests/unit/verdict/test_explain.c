// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "verdict/explain.h"
#include "verdict/policy.h"
#include "tls/tls_names.h"

#define MS 1000000ull
#define T0 (1400000000ull * 1000000000ull)

static struct x509_info certs[4];

static void ev(struct handshake *hs, uint64_t ms, uint8_t kind, bool client, uint8_t type)
{
	struct hs_event e = {
		.ts_ns = T0 + ms * MS,
		.frame = hs->n_events + 1,
		.kind = kind,
		.from_client = client,
		.hs_type = type,
	};

	hs__add_event(hs, &e);
}

static void base(struct handshake *hs)
{
	memset(hs, 0, sizeof(*hs));
	hs->start_ts_ns = T0;
	hs->has_client_hello = true;
	ev(hs, 0, HS_EV_MESSAGE, true, 1);
}

static void alert(struct handshake *hs, uint64_t ms, bool client, uint8_t level, uint8_t desc)
{
	ev(hs, ms, HS_EV_ALERT, client, 0);
	hs->outcome = HS_OUTCOME_ALERT;
	hs->alert.present = true;
	hs->alert.from_client = client;
	hs->alert.level = level;
	hs->alert.desc = desc;
	hs->alert.ts_ns = T0 + ms * MS;
	hs->alert.frame = hs->n_events;
}

static void finding(struct handshake *hs, enum check_id c, enum severity s, const char *msg)
{
	struct finding *f = hs__add_finding(hs, c, s, -1, "d");

	if (f)
		snprintf(f->message, sizeof(f->message), "%s", msg);
}

static void cert(int i, const char *cn, const char *sig, const char *oid, const char *hash,
		 int bits)
{
	struct x509_info *x = &certs[i];

	memset(x, 0, sizeof(*x));
	x->parsed = true;
	x->subject_cn = (char *)cn;
	snprintf(x->sig_name, sizeof(x->sig_name), "%s", sig);
	snprintf(x->sig_oid, sizeof(x->sig_oid), "%s", oid);
	snprintf(x->sig_hash, sizeof(x->sig_hash), "%s", hash);
	snprintf(x->key_type, sizeof(x->key_type), "RSA");
	x->key_bits = bits;
	x->validity_ok = true;
	x->not_before = 1400000000 - 86400;
	x->not_after = 1400000000 + 86400;
}

#define CHECK_HAS(hay, needle)                                                                     \
	do {                                                                                       \
		if (!strstr((hay), (needle)))                                                      \
			fprintf(stderr, "  explain: \"%s\"\n  missing: \"%s\"\n", (hay),           \
				(needle));                                                         \
		CHECK(strstr((hay), (needle)) != NULL);                                            \
	} while (0)

/* The md2 story: md2 root, md5 RSA-1024 intermediate, sha1 leaf; the client rejects it. */
static void test_md2_story(void)
{
	struct policy *p = policy__new();
	struct handshake hs;

	cert(0, "www.weak.test", "sha1WithRSAEncryption", "1.2.840.113549.1.1.5", "sha1", 2048);
	cert(1, "Weak Intermediate", "md5WithRSAEncryption", "1.2.840.113549.1.1.4", "md5", 1024);
	cert(2, "Weak Root", "md2WithRSAEncryption", "1.2.840.113549.1.1.2", "md2", 2048);
	certs[2].self_signed = certs[2].self_issued = true;
	base(&hs);
	hs.has_server_hello = hs.has_certificate = true;
	hs.version = hs.sh.version = TLS_VERSION_TLS12;
	hs.sh.cipher = 0xC02F;
	ev(&hs, 30, HS_EV_MESSAGE, false, 2);
	ev(&hs, 31, HS_EV_MESSAGE, false, 11);
	ev(&hs, 31, HS_EV_MESSAGE, false, 14);
	hs.n_certs = 3;
	hs.certs[0] = &certs[0];
	hs.certs[1] = &certs[1];
	hs.certs[2] = &certs[2];
	hs.cert_ts_ns = T0 + 31 * MS;
	alert(&hs, 43, true, 2, 43);
	policy__evaluate(p, &hs);
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "client sent fatal alert unsupported_certificate(43) 12 ms after the "
			      "server's Certificate; most likely cause: certificate #3 (root, "
			      "CN=Weak Root) is signed with md2WithRSAEncryption "
			      "(1.2.840.113549.1.1.2)");
	CHECK_HAS(hs.explain, "unsupported_certificate(43)");
	CHECK_HAS(hs.explain, "12 ms");
	CHECK_HAS(hs.explain, "md2");
	policy__free(p);
}

static void test_alert_without_findings(void)
{
	struct handshake hs;

	base(&hs);
	alert(&hs, 3, false, 2, 40);
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "server sent fatal alert handshake_failure(40) 3 ms after the "
			      "client's ClientHello; no weak cryptography seen (the cause is not "
			      "visible in plaintext)");
	/* no event at all: timed from the connection start */
	memset(&hs, 0, sizeof(hs));
	hs.start_ts_ns = T0;
	alert(&hs, 7, false, 2, 40);
	hs.n_events = 0;
	explain__handshake(&hs);
	CHECK_HAS(hs.explain, "40) 7 ms after the connection started;");
}

/* The alert picks the finding it names before the worst one overall. */
static void test_alert_preference(void)
{
	static const struct {
		uint8_t desc;
		const char *want;
	} cases[] = {
		{ 45, "EXPIRED" },  { 43, "CRITKEY" }, { 42, "CRITKEY" }, { 46, "CRITKEY" },
		{ 48, "SELF" },	    { 70, "TLS10" },   { 40, "RC4" },	  { 86, "FALLBACK" },
		{ 47, "FALLBACK" }, { 80, "CRITKEY" }, { 0, "CRITKEY" },  { 71, "CRITKEY" },
	};
	struct handshake hs;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		base(&hs);
		hs.has_certificate = true;
		hs.cert_ts_ns = T0 + 5 * MS;
		ev(&hs, 5, HS_EV_MESSAGE, false, 11);
		alert(&hs, 9, true, 2, cases[i].desc);
		finding(&hs, CHECK_SELF_SIGNED, SEV_MEDIUM, "SELF");
		finding(&hs, CHECK_WEAK_SIGNATURE, SEV_HIGH, "MD5");
		finding(&hs, CHECK_EXPIRED, SEV_LOW, "EXPIRED");
		finding(&hs, CHECK_WEAK_PROTOCOL, SEV_MEDIUM, "TLS10");
		finding(&hs, CHECK_WEAK_CIPHER, SEV_HIGH, "RC4");
		finding(&hs, CHECK_DOWNGRADE, SEV_LOW, "FALLBACK");
		finding(&hs, CHECK_WEAK_KEY, SEV_CRITICAL, "CRITKEY");
		explain__handshake(&hs);
		{
			char want[64];

			snprintf(want, sizeof(want), "most likely cause: %s", cases[i].want);
			CHECK_HAS(hs.explain, want);
		}
	}
	/* 43 names weak keys and signatures directly: the critical key wins over the md5 */
	base(&hs);
	alert(&hs, 9, true, 2, 43);
	finding(&hs, CHECK_WEAK_SIGNATURE, SEV_HIGH, "MD5");
	finding(&hs, CHECK_WEAK_KEY, SEV_CRITICAL, "CRITKEY");
	finding(&hs, CHECK_WEAK_CIPHER, SEV_CRITICAL, "NULL");
	explain__handshake(&hs);
	CHECK_HAS(hs.explain, "most likely cause: CRITKEY");
	/* 46 has no direct check: the worst certificate finding, not the worse cipher */
	hs.alert.desc = 46;
	hs.findings[1].severity = SEV_LOW;
	explain__handshake(&hs);
	CHECK_HAS(hs.explain, "most likely cause: MD5");
	/* 45 with no certificate finding at all: fall back to the worst overall */
	hs.alert.desc = 45;
	hs.n_findings = 0;
	finding(&hs, CHECK_WEAK_CIPHER, SEV_CRITICAL, "NULL");
	explain__handshake(&hs);
	CHECK_HAS(hs.explain, "most likely cause: NULL");
}

static void test_alert_variants(void)
{
	struct handshake hs;

	base(&hs);
	ev(&hs, 20, HS_EV_MESSAGE, false, 2);
	ev(&hs, 21, HS_EV_ENCRYPTED_HANDSHAKE, false, 0);
	alert(&hs, 25, true, 0, 0);
	hs.alert.encrypted = true;
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "client sent an encrypted alert 4 ms after the server's encrypted "
			      "handshake messages; no weak cryptography seen (the cause is not "
			      "visible in plaintext)");
	/* unknown code and level */
	hs.alert.encrypted = false;
	hs.alert.level = 7;
	hs.alert.desc = 200;
	explain__handshake(&hs);
	CHECK_HAS(hs.explain, "client sent alert (level 7) unassigned(200) 4 ms after");
	/* a warning alert that ended the handshake */
	hs.alert.level = 1;
	hs.alert.desc = 0;
	explain__handshake(&hs);
	CHECK_HAS(hs.explain, "client sent warning alert close_notify(0) 4 ms after");
	/* a server's alert after the certificate is timed from its own last message */
	base(&hs);
	hs.has_certificate = true;
	hs.cert_ts_ns = T0 + 2 * MS;
	ev(&hs, 2, HS_EV_MESSAGE, false, 11);
	ev(&hs, 50, HS_EV_MESSAGE, true, 16);
	alert(&hs, 51, false, 2, 40);
	explain__handshake(&hs);
	CHECK_HAS(hs.explain, "handshake_failure(40) 1 ms after the client's ClientKeyExchange;");
	/* clocks running backwards: no negative duration */
	base(&hs);
	hs.has_certificate = true;
	hs.cert_ts_ns = T0 + 100 * MS;
	alert(&hs, 0, true, 2, 42);
	hs.events[0].ts_ns = T0 + 5 * MS;
	explain__handshake(&hs);
	CHECK_HAS(hs.explain, "bad_certificate(42) after the client's ClientHello;");
	/* present flag not set */
	hs.alert.present = false;
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "the handshake ended with an alert; no weak cryptography seen (the "
			      "cause is not visible in plaintext)");
}

static void test_durations(void)
{
	static const struct {
		uint64_t ns;
		const char *want;
	} cases[] = {
		{ 0, " 0.0 ms after" },
		{ 345678, " 0.3 ms after" },
		{ 12 * MS, " 12 ms after" },
		{ 12 * MS + 499999, " 12 ms after" },
		{ 12 * MS + 500000, " 13 ms after" },
		{ 9999 * MS, " 9999 ms after" },
		{ 12345 * MS, " 12.3 s after" },
	};
	struct handshake hs;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		base(&hs);
		hs.has_certificate = true;
		hs.cert_ts_ns = T0 + 1 * MS;
		alert(&hs, 0, true, 2, 42);
		hs.alert.ts_ns = hs.cert_ts_ns + cases[i].ns;
		explain__handshake(&hs);
		CHECK_HAS(hs.explain, cases[i].want);
	}
}

static void test_established(void)
{
	struct handshake hs;

	base(&hs);
	hs.outcome = HS_OUTCOME_ESTABLISHED;
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "handshake established; no weak cryptography found");
	finding(&hs, CHECK_WEAK_PROTOCOL, SEV_MEDIUM, "the server negotiated TLS1.0");
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "handshake established despite 1 finding; worst: the server "
			      "negotiated TLS1.0");
	finding(&hs, CHECK_WEAK_CIPHER, SEV_HIGH, "RC4");
	finding(&hs, CHECK_WEAK_DH, SEV_HIGH, "DH");
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "handshake established despite 3 findings; worst: RC4");
	/* a finding without message falls back to its detail */
	hs.findings[1].message[0] = '\0';
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "handshake established despite 3 findings; worst: d");
}

/* Who: the connecting process, then the accepting one; a container (its id cut to 12) over a
 * unit; "server" first when only the accepting end is known. */
static void test_processes(void)
{
	static struct handshake hs;

	base(&hs);
	hs.outcome = HS_OUTCOME_ESTABLISHED;
	hs.process.present = true;
	hs.process.pid = 4242;
	snprintf(hs.process.comm, sizeof(hs.process.comm), "curl");
	snprintf(hs.process.unit, sizeof(hs.process.unit), "backup.service");
	hs.peer_process.present = true;
	hs.peer_process.server_end = true;
	hs.peer_process.pid = 4294967295u;
	snprintf(hs.peer_process.comm, sizeof(hs.peer_process.comm), "nginx");
	snprintf(hs.peer_process.unit, sizeof(hs.peer_process.unit), "ignored.service");
	snprintf(hs.peer_process.container_runtime, sizeof(hs.peer_process.container_runtime),
		 "podman");
	memset(hs.peer_process.container_id, 'a', sizeof(hs.peer_process.container_id) - 1);
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "curl (pid 4242, unit backup.service) to nginx (pid 4294967295, "
			      "podman container aaaaaaaaaaaa): handshake established; no weak "
			      "cryptography found");
	hs.process = hs.peer_process;
	hs.peer_process.present = false;
	hs.process.container_runtime[0] = '\0';
	hs.process.comm[0] = '\0';
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "server ? (pid 4294967295, a container aaaaaaaaaaaa): handshake "
			      "established; no weak cryptography found");
}

static void test_aborted_and_reset(void)
{
	struct handshake hs;

	base(&hs);
	ev(&hs, 10, HS_EV_MESSAGE, false, 2);
	ev(&hs, 11, HS_EV_MESSAGE, false, 11);
	ev(&hs, 12, HS_EV_MESSAGE, false, 14);
	ev(&hs, 17, HS_EV_FIN, true, 0);
	ev(&hs, 18, HS_EV_FIN, false, 0);
	hs.outcome = HS_OUTCOME_ABORTED;
	hs.closed_by_client = true;
	finding(&hs, CHECK_WEAK_CIPHER, SEV_HIGH, "RC4");
	finding(&hs, CHECK_SELF_SIGNED, SEV_MEDIUM, "certificate #1 (leaf, CN=x) is self-signed");
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "client closed the connection (FIN) 5 ms after the server's "
			      "ServerHelloDone; most likely cause: certificate #1 (leaf, CN=x) is "
			      "self-signed");

	base(&hs);
	ev(&hs, 1, HS_EV_GAP, false, 0);
	ev(&hs, 2, HS_EV_RST, false, 0);
	hs.outcome = HS_OUTCOME_RESET;
	finding(&hs, CHECK_SELF_SIGNED, SEV_HIGH, "SELF");
	finding(&hs, CHECK_DOWNGRADE, SEV_LOW, "FALLBACK");
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "server closed the connection (RST) 2 ms after the client's "
			      "ClientHello; most likely cause: FALLBACK");
	hs.n_findings = 0;
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "server closed the connection (RST) 2 ms after the client's "
			      "ClientHello; no weak cryptography seen (the cause is not visible in "
			      "plaintext)");

	/* nothing but the teardown */
	memset(&hs, 0, sizeof(hs));
	hs.outcome = HS_OUTCOME_RESET;
	hs.closed_by_client = true;
	ev(&hs, 2, HS_EV_RST, true, 0);
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "client closed the connection (RST) before any handshake message; no "
			      "weak cryptography seen (the cause is not visible in plaintext)");
	/* no FIN event recorded: timed to the end of the handshake */
	base(&hs);
	hs.outcome = HS_OUTCOME_ABORTED;
	hs.end_ts_ns = T0 + 40 * MS;
	explain__handshake(&hs);
	CHECK_HAS(hs.explain, "server closed the connection (FIN) 40 ms after the client's "
			      "ClientHello");
}

static void test_incomplete(void)
{
	struct handshake hs;

	memset(&hs, 0, sizeof(hs));
	explain__handshake(&hs);
	CHECK_STR(hs.explain,
		  "capture ended before the handshake finished (no handshake message seen)");
	base(&hs);
	ev(&hs, 3, HS_EV_MESSAGE, false, 2);
	ev(&hs, 3, HS_EV_MESSAGE, false, 11);
	ev(&hs, 4, HS_EV_GAP, false, 0);
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "capture ended before the handshake finished (last seen: the "
			      "server's Certificate)");
	hs.gaps = 2;
	hs.gap_bytes = 1460;
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "capture ended before the handshake finished (last seen: the "
			      "server's Certificate); 1460 bytes lost in reassembly");
	hs.gap_bytes = 0;
	finding(&hs, CHECK_WEAK_KEY, SEV_HIGH, "KEY");
	explain__handshake(&hs);
	CHECK_STR(hs.explain, "capture ended before the handshake finished (last seen: the "
			      "server's Certificate); 2 gaps in reassembly; 1 finding, worst: KEY");
	/* SSLv2 hello and an unknown handshake type */
	memset(&hs, 0, sizeof(hs));
	ev(&hs, 0, HS_EV_SSLV2_HELLO, true, 0);
	explain__handshake(&hs);
	CHECK_HAS(hs.explain, "(last seen: the client's SSLv2 ClientHello)");
	ev(&hs, 1, HS_EV_MESSAGE, false, 77);
	explain__handshake(&hs);
	CHECK_HAS(hs.explain, "(last seen: the server's handshake message 77)");
	hs.outcome = (enum hs_outcome)99;
	explain__handshake(&hs);
	CHECK_HAS(hs.explain, "capture ended before");
}

/* Fields filled to the brim, without terminators: the sentence stays bounded and terminated. */
static void test_bounded_output(void)
{
	struct handshake hs;

	base(&hs);
	alert(&hs, 5, true, 2, 43);
	for (int i = 0; i < HS_MAX_FINDINGS + 3; i++)
		finding(&hs, CHECK_WEAK_SIGNATURE, SEV_HIGH, "x");
	CHECK_EQ(hs.n_findings, HS_MAX_FINDINGS);
	memset(hs.findings[0].message, 'M', sizeof(hs.findings[0].message));
	hs.findings[0].severity = SEV_CRITICAL;
	memset(hs.explain, 'Z', sizeof(hs.explain));
	explain__handshake(&hs);
	CHECK(memchr(hs.explain, '\0', sizeof(hs.explain)) != NULL);
	CHECK(strlen(hs.explain) < HS_EXPLAIN_LEN);
	CHECK_HAS(hs.explain, "cause: MMMMMMMM");
	CHECK_EQ(strspn(strstr(hs.explain, "MMM"), "M"), FINDING_MESSAGE_LEN);

	/* multi-byte text in the finding passes through whole */
	for (size_t i = 0; i < 99; i++)
		memcpy(hs.findings[0].message + 2 * i, "\xc3\xa9", 2);
	hs.findings[0].message[198] = '\0';
	explain__handshake(&hs);
	CHECK(utf8_valid(hs.explain));
	CHECK_HAS(hs.explain, hs.findings[0].message);

	/* corrupted counters are clamped */
	hs.n_events = 60000;
	hs.n_findings = 60000;
	explain__handshake(&hs);
	CHECK(strlen(hs.explain) < HS_EXPLAIN_LEN);
}

static void test_hs_helpers(void)
{
	struct handshake hs;
	struct finding *f;

	CHECK_STR(hs__outcome_name(HS_OUTCOME_INCOMPLETE), "incomplete");
	CHECK_STR(hs__outcome_name(HS_OUTCOME_ESTABLISHED), "established");
	CHECK_STR(hs__outcome_name(HS_OUTCOME_ALERT), "alert");
	CHECK_STR(hs__outcome_name(HS_OUTCOME_ABORTED), "aborted");
	CHECK_STR(hs__outcome_name(HS_OUTCOME_RESET), "reset");
	CHECK_STR(hs__outcome_name((enum hs_outcome)42), "unknown");

	memset(&hs, 0, sizeof(hs));
	for (int i = 0; i < HS_MAX_EVENTS; i++)
		ev(&hs, (uint64_t)i, HS_EV_MESSAGE, false, 11);
	CHECK_EQ(hs.n_events, HS_MAX_EVENTS);
	CHECK(!hs.events_truncated);
	ev(&hs, 1000, HS_EV_RST, true, 0);
	ev(&hs, 1001, HS_EV_FIN, true, 0);
	CHECK_EQ(hs.n_events, HS_MAX_EVENTS);
	CHECK(hs.events_truncated);
	CHECK_EQ(hs.events[HS_MAX_EVENTS - 1].kind, HS_EV_FIN);
	CHECK_EQ(hs.events[HS_MAX_EVENTS - 2].kind, HS_EV_MESSAGE);

	memset(&hs, 0, sizeof(hs));
	f = hs__add_finding(&hs, CHECK_WEAK_DH, SEV_HIGH, 70000,
			    "0123456789012345678901234567890123456789012345678901234567890");
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ(f->check, CHECK_WEAK_DH);
		CHECK_EQ(f->severity, SEV_HIGH);
		CHECK_EQ(f->position, INT16_MAX);
		CHECK_EQ(strlen(f->detail), FINDING_DETAIL_LEN - 1);
		CHECK_STR(f->message, "");
	}
	f = hs__add_finding(&hs, CHECK_DOWNGRADE, SEV_LOW, -5, NULL);
	CHECK(f && f->position == -1 && f->detail[0] == '\0');
	CHECK(hs__flagged(&hs));
	/* a cut detail keeps whole characters (util/sbuf): 23 of these 2-byte ones fit in 47 */
	f = hs__add_finding(&hs, CHECK_WEAK_DH, SEV_HIGH, 0,
			    "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
			    "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9");
	CHECK(f && strlen(f->detail) == 46 && utf8_valid(f->detail));
	for (int i = 3; i < HS_MAX_FINDINGS; i++)
		CHECK(hs__add_finding(&hs, CHECK_DOWNGRADE, SEV_LOW, i, "x") != NULL);
	CHECK(hs__add_finding(&hs, CHECK_DOWNGRADE, SEV_LOW, 0, "x") == NULL);
	CHECK_EQ(hs.n_findings, HS_MAX_FINDINGS);
}

int main(void)
{
	RUN_TEST(test_md2_story);
	RUN_TEST(test_alert_without_findings);
	RUN_TEST(test_alert_preference);
	RUN_TEST(test_alert_variants);
	RUN_TEST(test_durations);
	RUN_TEST(test_established);
	RUN_TEST(test_processes);
	RUN_TEST(test_aborted_and_reset);
	RUN_TEST(test_incomplete);
	RUN_TEST(test_bounded_output);
	RUN_TEST(test_hs_helpers);
	return CHECK_DONE();
}
