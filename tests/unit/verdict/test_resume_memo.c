// SPDX-License-Identifier: GPL-2.0
/* The table of last full chains per server endpoint that resumed handshakes are matched against:
 * its key (address, port, SNI), what it keeps of TLS 1.2 and TLS 1.3 full handshakes, what it
 * ignores, and least-recently-used eviction, counted. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "verdict/resume_memo.h"
#include "tls/tls_names.h"

#define NS 1000000000ull

static struct handshake hs;
static struct x509_info leaf_a, leaf_b;

/* A full TLS 1.2 handshake to 10.0.0.OCTET:443 for SNI (NULL: none), started at ts_s, whose
 * leaf is leaf (NULL: no chain seen). */
static void mk(const char *sni, uint8_t octet, uint64_t ts_s, const struct x509_info *leaf)
{
	memset(&hs, 0, sizeof(hs));
	hs.family = 4;
	hs.server_addr[0] = 10;
	hs.server_addr[3] = octet;
	hs.server_port = 443;
	hs.has_client_hello = true;
	if (sni) {
		hs.ch.has_sni = true;
		hs.ch.sni_len = (uint16_t)strlen(sni);
		memcpy(hs.ch.sni, sni, hs.ch.sni_len);
	}
	hs.start_ts_ns = ts_s * NS;
	hs.has_server_hello = true;
	hs.version = hs.sh.version = TLS_VERSION_TLS12;
	hs.outcome = HS_OUTCOME_ESTABLISHED;
	if (leaf) {
		hs.has_certificate = true;
		hs.n_certs = 1;
		hs.certs[0] = leaf;
	}
}

/* The same endpoint, resumed: no chain. */
static void resumed(const char *sni, uint8_t octet, uint64_t ts_s)
{
	mk(sni, octet, ts_s, NULL);
	hs.resumption = HS_RESUMED_SESSION_ID;
}

static void init_leaves(void)
{
	memset(leaf_a.sha256_hex, 'a', 64);
	memset(leaf_b.sha256_hex, 'b', 64);
}

static void test_found_by_endpoint(void)
{
	struct resume_memo *m = resume_memo__new(8);

	mk("a.test", 1, 100, &leaf_a);
	resume_memo__note_chain(m, &hs);
	resumed("a.test", 1, 200);
	resume_memo__lookup(m, &hs);
	CHECK(hs.has_chain_from);
	CHECK_EQ(hs.chain_from_ts_ns, 100 * NS);
	CHECK_STR(hs.chain_from_leaf_sha256, leaf_a.sha256_hex);
	/* another SNI, address or port is another endpoint */
	resumed("b.test", 1, 200);
	resume_memo__lookup(m, &hs);
	CHECK(!hs.has_chain_from);
	resumed(NULL, 1, 200);
	resume_memo__lookup(m, &hs);
	CHECK(!hs.has_chain_from);
	resumed("a.test", 2, 200);
	resume_memo__lookup(m, &hs);
	CHECK(!hs.has_chain_from);
	resumed("a.test", 1, 200);
	hs.server_port = 8443;
	resume_memo__lookup(m, &hs);
	CHECK(!hs.has_chain_from);
	/* a later full handshake replaces the chain */
	mk("a.test", 1, 300, &leaf_b);
	resume_memo__note_chain(m, &hs);
	resumed("a.test", 1, 400);
	resume_memo__lookup(m, &hs);
	CHECK_EQ(hs.chain_from_ts_ns, 300 * NS);
	CHECK_STR(hs.chain_from_leaf_sha256, leaf_b.sha256_hex);
	CHECK_EQ(resume_memo__stats(m)->entries, 1);
	resume_memo__free(m);
}

static void test_what_is_kept(void)
{
	struct resume_memo *m = resume_memo__new(8);

	/* TLS 1.2 without a chain seen, and resumed handshakes, teach nothing */
	mk("a.test", 1, 100, NULL);
	resume_memo__note_chain(m, &hs);
	resumed("a.test", 1, 150);
	hs.has_certificate = true; /* even if one claimed a chain */
	hs.n_certs = 1;
	hs.certs[0] = &leaf_a;
	resume_memo__note_chain(m, &hs);
	CHECK_EQ(resume_memo__stats(m)->entries, 0);
	/* TLS 1.3 hides the chain: an established full handshake is kept without a leaf */
	mk("c.test", 3, 500, NULL);
	hs.version = hs.sh.version = TLS_VERSION_TLS13;
	resume_memo__note_chain(m, &hs);
	mk("d.test", 4, 500, NULL);
	hs.version = hs.sh.version = TLS_VERSION_TLS13;
	hs.outcome = HS_OUTCOME_ALERT; /* a failed one resumes nothing */
	resume_memo__note_chain(m, &hs);
	CHECK_EQ(resume_memo__stats(m)->entries, 1);
	resumed("c.test", 3, 600);
	hs.resumption = HS_RESUMED_PSK;
	resume_memo__lookup(m, &hs);
	CHECK(hs.has_chain_from);
	CHECK_EQ(hs.chain_from_ts_ns, 500 * NS);
	CHECK_STR(hs.chain_from_leaf_sha256, "");
	resume_memo__free(m);
}

static void test_bounded(void)
{
	struct resume_memo *m = resume_memo__new(2);

	mk("1.test", 1, 1, &leaf_a);
	resume_memo__note_chain(m, &hs);
	mk("2.test", 1, 2, &leaf_a);
	resume_memo__note_chain(m, &hs);
	/* a lookup makes 1.test the most recently used: 2.test goes first */
	resumed("1.test", 1, 3);
	resume_memo__lookup(m, &hs);
	CHECK(hs.has_chain_from);
	mk("3.test", 1, 4, &leaf_b);
	resume_memo__note_chain(m, &hs);
	CHECK_EQ(resume_memo__stats(m)->entries, 2);
	CHECK_EQ(resume_memo__stats(m)->evicted, 1);
	resumed("2.test", 1, 5);
	resume_memo__lookup(m, &hs);
	CHECK(!hs.has_chain_from);
	resumed("1.test", 1, 5);
	resume_memo__lookup(m, &hs);
	CHECK_EQ(hs.chain_from_ts_ns, 1 * NS);
	resumed("3.test", 1, 5);
	resume_memo__lookup(m, &hs);
	CHECK_STR(hs.chain_from_leaf_sha256, leaf_b.sha256_hex);
	/* many more endpoints: the table never grows, every one beyond it is counted */
	for (unsigned i = 0; i < 1000; i++) {
		char sni[32];

		snprintf(sni, sizeof(sni), "n%u.test", i);
		mk(sni, 9, 10 + i, &leaf_a);
		resume_memo__note_chain(m, &hs);
	}
	CHECK_EQ(resume_memo__stats(m)->entries, 2);
	CHECK_EQ(resume_memo__stats(m)->evicted, 1001);
	resume_memo__free(m);
}

int main(void)
{
	init_leaves();
	RUN_TEST(test_found_by_endpoint);
	RUN_TEST(test_what_is_kept);
	RUN_TEST(test_bounded);
	return CHECK_DONE();
}
