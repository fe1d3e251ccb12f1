// SPDX-License-Identifier: GPL-2.0
/* The endpoint tables: keys, least-recently-seen eviction, what an entry keeps, and the
 * earliest-notAfter window. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "verdict/endpoints.h"
#include "tls/tls_names.h"

#define NS 1000000000ull
#define DAY 86400

static struct handshake hs;
static struct x509_info leaf, root;

static void mk(const char *sni, uint8_t last_octet, uint64_t ts_s)
{
	memset(&hs, 0, sizeof(hs));
	hs.family = 4;
	hs.server_addr[0] = 10;
	hs.server_addr[3] = last_octet;
	hs.server_port = 443;
	hs.has_client_hello = true;
	hs.ch.sni_len = (uint16_t)strlen(sni);
	memcpy(hs.ch.sni, sni, hs.ch.sni_len);
	snprintf(hs.ja4, sizeof(hs.ja4), "t12d0101h2_000000000000_%012u", last_octet);
	hs.end_ts_ns = ts_s * NS;
	hs.has_server_hello = true;
	hs.version = hs.sh.version = TLS_VERSION_TLS12;
	hs.sh.cipher = 0xc02f;
	hs.has_server_key_exchange = true;
	hs.ske.kx = TLS_KX_ECDHE;
	hs.ske.curve = 29;
}

static void with_chain(int64_t leaf_na, int64_t root_na)
{
	memset(&leaf, 0, sizeof(leaf));
	memset(&root, 0, sizeof(root));
	leaf.parsed = root.parsed = true;
	leaf.validity_ok = root.validity_ok = true;
	leaf.subject = "CN=leaf";
	leaf.issuer = "CN=root";
	snprintf(leaf.serial, sizeof(leaf.serial), "01");
	snprintf(leaf.sig_name, sizeof(leaf.sig_name), "sha256WithRSAEncryption");
	snprintf(root.sig_name, sizeof(root.sig_name), "sha256WithRSAEncryption");
	leaf.not_after = leaf_na;
	root.not_after = root_na;
	hs.has_certificate = true;
	hs.n_certs = 2;
	hs.certs[0] = &leaf;
	hs.certs[1] = &root;
	hs.cert_ts_ns = hs.end_ts_ns;
}

static void test_eviction_is_least_recently_seen(void)
{
	struct endpoints *ep = endpoints__new(3);
	const struct ep_entry *e;
	const char *order[3];
	int n = 0;

	mk("a", 1, 1000);
	endpoints__add(ep, &hs);
	mk("b", 1, 1001);
	endpoints__add(ep, &hs);
	mk("c", 1, 1002);
	endpoints__add(ep, &hs);
	mk("a", 1, 1003); /* seen again: now the most recent */
	endpoints__add(ep, &hs);
	mk("d", 1, 1004); /* evicts b */
	endpoints__add(ep, &hs);
	for (e = endpoints__first(ep, EP_SERVER); e && n < 3; e = endpoints__next(ep, e))
		order[n++] = e->sni;
	CHECK_EQ(n, 3);
	CHECK_STR(order[0], "d");
	CHECK_STR(order[1], "a");
	CHECK_STR(order[2], "c");
	CHECK_EQ(endpoints__stats(ep)->entries[EP_SERVER], 3);
	CHECK_EQ(endpoints__stats(ep)->evicted[EP_SERVER], 1);
	e = endpoints__next(ep, endpoints__first(ep, EP_SERVER));
	CHECK_EQ(e->handshakes, 2);
	CHECK_EQ(e->first_seen_ns, 1000 * NS);
	CHECK_EQ(e->last_seen_ns, 1003 * NS);
	/* b comes back as a new entry */
	mk("b", 1, 1005);
	endpoints__add(ep, &hs);
	CHECK_EQ(endpoints__first(ep, EP_SERVER)->handshakes, 1);
	CHECK_EQ(endpoints__stats(ep)->evicted[EP_SERVER], 2);
	/* the same SNI on another address is another endpoint */
	mk("b", 2, 1006);
	endpoints__add(ep, &hs);
	CHECK_EQ(endpoints__stats(ep)->evicted[EP_SERVER], 3);
	endpoints__free(ep);
}

static void test_entry_contents(void)
{
	struct endpoints *ep = endpoints__new(10);
	const struct ep_entry *e;
	struct finding *f;

	mk("x.test", 1, 5000);
	with_chain(9000, 8000);
	f = hs__add_finding(&hs, CHECK_WEAK_KEY, SEV_HIGH, 0, "RSA-1024");
	CHECK(f != NULL);
	hs__add_finding(&hs, CHECK_SELF_SIGNED, SEV_MEDIUM, 0, "leaf");
	endpoints__add(ep, &hs);
	mk("x.test", 1, 5001);
	hs.version = hs.sh.version = TLS_VERSION_TLS13;
	hs.sh.cipher = 0x1301;
	hs.has_server_key_exchange = false;
	hs.sh.key_share_group = 0x11ec; /* X25519MLKEM768 */
	endpoints__add(ep, &hs);
	e = endpoints__first(ep, EP_SERVER);
	CHECK_EQ(e->versions.n, 2);
	CHECK_EQ(e->ciphers.n, 2);
	CHECK_EQ(e->groups.n, 2);
	CHECK_EQ(e->group, 0x11ec);
	CHECK(e->group_pq);
	CHECK(e->has_chain); /* from the first handshake: TLS 1.3 hides the chain */
	CHECK_STR(e->leaf_subject, "CN=leaf");
	CHECK_EQ(e->leaf_not_after, 9000);
	CHECK_EQ(e->chain_not_after, 8000);
	CHECK_EQ(e->n_sigalgs, 1);
	CHECK(e->worst.present);
	CHECK_EQ(e->worst.check, CHECK_WEAK_KEY);
	CHECK_STR(e->worst.detail, "RSA-1024");
	/* the client class: one JA4, two handshakes */
	e = endpoints__first(ep, EP_CLIENT);
	CHECK(e != NULL && e->handshakes == 2);
	CHECK(!endpoints__next(ep, e));
	endpoints__free(ep);
}

static void test_earliest_window(void)
{
	struct endpoints *ep = endpoints__new(10);
	int64_t na = 0;

	CHECK(!endpoints__earliest_not_after(ep, &na));
	mk("a", 1, 10 * DAY);
	with_chain(100 * DAY, 50 * DAY);
	endpoints__add(ep, &hs);
	CHECK(endpoints__earliest_not_after(ep, &na));
	CHECK_EQ(na, 50 * DAY); /* any certificate of the chain */
	mk("b", 1, 10 * DAY + 23 * 3600);
	with_chain(60 * DAY, 70 * DAY);
	endpoints__add(ep, &hs);
	CHECK(endpoints__earliest_not_after(ep, &na));
	CHECK_EQ(na, 50 * DAY); /* still inside the 24 hours */
	mk("b", 1, 11 * DAY + 1);
	with_chain(60 * DAY, 70 * DAY);
	endpoints__add(ep, &hs);
	CHECK(endpoints__earliest_not_after(ep, &na));
	CHECK_EQ(na, 60 * DAY); /* a's chain left the window */
	mk("c", 1, 40 * DAY); /* a handshake without a chain does not move the window */
	endpoints__add(ep, &hs);
	CHECK(endpoints__earliest_not_after(ep, &na));
	CHECK_EQ(na, 60 * DAY);
	endpoints__free(ep);
}

static void test_sni_made_printable(void)
{
	struct endpoints *ep = endpoints__new(10);

	mk("a\"b\nc\xff", 1, 1);
	endpoints__add(ep, &hs);
	CHECK_STR(endpoints__first(ep, EP_SERVER)->sni, "a\"b?c?");
	endpoints__free(ep);
}

int main(void)
{
	RUN_TEST(test_eviction_is_least_recently_seen);
	RUN_TEST(test_entry_contents);
	RUN_TEST(test_earliest_window);
	RUN_TEST(test_sni_made_printable);
	return CHECK_DONE();
}
