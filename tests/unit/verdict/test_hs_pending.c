// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "verdict/hs_pending.h"
#include "tls/tls_names.h"

static struct handshake out;

static void hello(struct tls_client_hello *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->legacy_version = TLS_VERSION_TLS12;
	ch->max_version = TLS_VERSION_TLS12;
	ch->n_versions = 2;
	ch->versions[0] = 0x0a0a;
	ch->versions[1] = TLS_VERSION_TLS13; /* offered, although max_version says 1.2 here */
	ch->fallback_scsv = true;
	ch->has_sni = true;
	ch->sni_len = 11;
	memcpy(ch->sni, "example.org", 12);
	ch->alpn_len = 3;
	memcpy(ch->alpn, "\x02h2", 3);
}

/* What the sinks read survives the trip through the compact state, byte for byte. */
static void test_client_hello_round_trip(void)
{
	static const char ja3[] = "0123456789abcdef0123456789abcdef";
	static const char ja4[] = "t13d1516h2_8daaf6152771_e5627efa2ab1";
	struct hs_pending *p = hs_pending__new(NULL);
	struct tls_client_hello ch;

	CHECK(p != NULL);
	hello(&ch);
	CHECK_EQ(hs_pending__set_client_hello(&p, NULL, &ch, ja3, ja4), 0);
	/* 80 bytes + room for 24 bytes of names (here SNI + ALPN): one 112-byte heap chunk, no
	 * timeline or server side yet. */
	CHECK_EQ(hs_pending__bytes(p), 80 + 24);
	CHECK(p->ja4_packed);
	p->vlan = 7;
	memset(&out, 0xee, sizeof(out));
	hs_pending__expand(p, &out);
	CHECK(out.has_client_hello);
	CHECK(!out.has_server_hello);
	CHECK_STR(out.ja3, ja3);
	CHECK_STR(out.ja4, ja4);
	CHECK_STR(out.ja3s, "");
	CHECK_EQ(out.ch.sni_len, 11);
	CHECK_STR((const char *)out.ch.sni, "example.org");
	CHECK_EQ(out.ch.alpn_len, 3);
	CHECK(!memcmp(out.ch.alpn, "\x02h2", 3));
	CHECK(out.ch.offered_tls13);
	CHECK(out.ch.fallback_scsv);
	CHECK(out.ch.has_sni);
	CHECK_EQ(out.ch.max_version, TLS_VERSION_TLS12);
	CHECK_EQ(out.ch.min_version, TLS_VERSION_TLS13); /* GREASE is not a version */
	CHECK_EQ(out.ch.offered_kx, 0); /* no suites in this hello */
	CHECK_EQ(out.vlan, 7);
	CHECK_EQ(out.gaps, 0);
	CHECK_EQ(out.n_certs, 0);
	CHECK_EQ(out.n_events, 0);
	hs_pending__free(p, NULL, NULL);
}

/* The lowest version and the key exchange families offered fit the spare bits (static assert
 * in hs_pending.c) and come back out. */
static void test_offered_summary(void)
{
	static const char ja4[] = "t10d0200h2_8daaf6152771_e5627efa2ab1";
	char ja3[JA3_HEX_LEN + 1] = "";
	struct hs_pending *p = hs_pending__new(NULL);
	struct tls_client_hello ch;

	hello(&ch);
	ch.n_versions = 0; /* no supported_versions: legacy_version is all it says */
	ch.legacy_version = TLS_VERSION_TLS10;
	ch.n_ciphers = 2;
	ch.ciphers[0] = 0x002f; /* TLS_RSA_WITH_AES_128_CBC_SHA */
	ch.ciphers[1] = 0x0035; /* TLS_RSA_WITH_AES_256_CBC_SHA */
	CHECK_EQ(hs_pending__set_client_hello(&p, NULL, &ch, ja3, ja4), 0);
	hs_pending__expand(p, &out);
	CHECK_EQ(out.ch.min_version, TLS_VERSION_TLS10);
	CHECK_EQ(out.ch.offered_kx, HS_KX_RSA);
	ch.n_versions = 3;
	ch.versions[0] = TLS_VERSION_TLS13;
	ch.versions[1] = TLS_VERSION_TLS12;
	ch.versions[2] = TLS_VERSION_TLS11;
	ch.n_ciphers = 3;
	ch.ciphers[2] = 0xc02f; /* ECDHE_RSA */
	ch.ciphers[0] = 0x1301; /* TLS 1.3 */
	CHECK_EQ(hs_pending__set_client_hello(&p, NULL, &ch, ja3, ja4), 0);
	hs_pending__expand(p, &out);
	CHECK_EQ(out.ch.min_version, TLS_VERSION_TLS11);
	CHECK_EQ(out.ch.offered_kx, HS_KX_RSA | HS_KX_ECDHE | HS_KX_TLS13);
	hs_pending__free(p, NULL, NULL);
}

/* A digest failure leaves an empty JA3, as before. */
static void test_no_ja3(void)
{
	struct hs_pending *p = hs_pending__new(NULL);
	char ja3[JA3_HEX_LEN + 1] = "";
	struct tls_client_hello ch;

	hello(&ch);
	ch.n_versions = 0;
	CHECK_EQ(hs_pending__set_client_hello(&p, NULL, &ch, ja3,
					      "t13d0000h2_000000000000_000000000000"),
		 0);
	hs_pending__expand(p, &out);
	CHECK_STR(out.ja3, "");
	CHECK(!out.ch.offered_tls13);
	hs_pending__free(p, NULL, NULL);
}

/* A JA4 that is not in fingerprint.c's shape (or empty) comes back verbatim from names[]. */
static void test_ja4_verbatim(void)
{
	static const char *const odd[] = {
		"",
		"t13d1516h2_8DAAF6152771_e5627efa2ab1", /* uppercase digits would not round-trip */
		"t13d1516h2_8daaf6152771",
		"t13d1516h2-8daaf6152771_e5627efa2ab1",
		/* heads and counts outside the packed form are kept verbatim */
		"q13d1516h2_8daaf6152771_e5627efa2ab1",
		"t14d1516h2_8daaf6152771_e5627efa2ab1",
		"t13x1516h2_8daaf6152771_e5627efa2ab1",
		"t13d1a16h2_8daaf6152771_e5627efa2ab1",
		"t13d15 6h2_8daaf6152771_e5627efa2ab1",
	};
	static const char any_prefix[] = "t13d1516\x01\xff_8daaf6152771_e5627efa2ab1";
	char no_ja3[JA3_HEX_LEN + 1] = "";
	struct tls_client_hello ch;

	hello(&ch);
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		struct hs_pending *p = hs_pending__new(NULL);
		char ja4[JA4_LEN + 1] = "";

		strcpy(ja4, odd[i]);
		CHECK_EQ(hs_pending__set_client_hello(&p, NULL, &ch, no_ja3, ja4), 0);
		CHECK(!p->ja4_packed);
		memset(&out, 0xee, sizeof(out));
		hs_pending__expand(p, &out);
		CHECK_STR(out.ja4, odd[i]);
		CHECK_STR((const char *)out.ch.sni, "example.org");
		CHECK(!memcmp(out.ch.alpn, "\x02h2", 3));
		/* A second ClientHello summary (no JA4 to keep verbatim) reuses the room. */
		strcpy(ja4, "t13d0000h2_000000000000_00000000000a");
		CHECK_EQ(hs_pending__set_client_hello(&p, NULL, &ch, no_ja3, ja4), 0);
		hs_pending__expand(p, &out);
		CHECK_STR(out.ja4, "t13d0000h2_000000000000_00000000000a");
		hs_pending__free(p, NULL, NULL);
	}
	/* Every version JA4 writes and both SNI letters pack, and read back the same. */
	{
		static const char *const vers[] = { "13", "12", "11", "10", "s3",
						    "s2", "d1", "d2", "d3", "00" };

		for (size_t i = 0; i < sizeof(vers) / sizeof(vers[0]); i++) {
			for (int sni = 0; sni < 2; sni++) {
				struct hs_pending *p = hs_pending__new(NULL);
				char ja4[JA4_LEN + 1] = "t13d0799h2_8daaf6152771_e5627efa2ab1";

				memcpy(ja4 + 1, vers[i], 2);
				ja4[3] = sni ? 'd' : 'i';
				CHECK_EQ(hs_pending__set_client_hello(&p, NULL, &ch, no_ja3, ja4),
					 0);
				CHECK(p->ja4_packed);
				hs_pending__expand(p, &out);
				CHECK_STR(out.ja4, ja4);
				hs_pending__free(p, NULL, NULL);
			}
		}
	}
	/* The ALPN characters are kept byte for byte, whatever the bytes. */
	{
		struct hs_pending *p = hs_pending__new(NULL);
		char ja4[JA4_LEN + 1];

		memcpy(ja4, any_prefix, sizeof(ja4));
		CHECK_EQ(hs_pending__set_client_hello(&p, NULL, &ch, no_ja3, ja4), 0);
		CHECK(p->ja4_packed);
		hs_pending__expand(p, &out);
		CHECK_STR(out.ja4, any_prefix);
		hs_pending__free(p, NULL, NULL);
	}
}

/* Alerts, gaps and parse errors live with the server's side, allocated when one happens. */
static void test_rare_fields(void)
{
	struct hs_pending *p = hs_pending__new(NULL);
	struct hs_server_side *s;

	CHECK(hs_pending__alert(p) == NULL);
	s = hs_pending__server(p);
	CHECK(s != NULL);
	CHECK(hs_pending__alert(p) == NULL);
	s->alert.present = true;
	s->alert.desc = 40;
	s->alert.frame = 9;
	s->gaps = 2;
	s->gap_bytes = 1000;
	s->parse_errors = 3;
	CHECK(hs_pending__alert(p) == &s->alert);
	hs_pending__expand(p, &out);
	CHECK(out.alert.present);
	CHECK_EQ(out.alert.desc, 40);
	CHECK_EQ(out.alert.frame, 9);
	CHECK_EQ(out.gaps, 2);
	CHECK_EQ(out.gap_bytes, 1000);
	CHECK_EQ(out.parse_errors, 3);
	hs_pending__free(p, NULL, NULL);
}

/* The timeline starts small and grows; full, the newest event takes the last slot. */
static void test_events_grow_then_truncate(void)
{
	struct hs_pending *p = hs_pending__new(NULL);
	struct hs_event ev = { .kind = HS_EV_MESSAGE };

	hs_pending__add_event(p, &ev);
	CHECK_EQ(p->n_events, 1);
	CHECK(p->srv == NULL); /* the first event is kept inline */
	CHECK_EQ(hs_pending__bytes(p), 80 + 24);
	ev.frame = 1;
	hs_pending__add_event(p, &ev); /* the timeline moves to the server side */
	CHECK(p->srv != NULL && p->srv->events != NULL);
	CHECK(p->srv->cap_events < 8);
	hs_pending__expand(p, &out);
	CHECK_EQ(out.n_events, 2);
	CHECK_EQ(out.events[0].frame, 0);
	CHECK_EQ(out.events[1].frame, 1);
	for (int i = 2; i < HS_MAX_EVENTS; i++) {
		ev.frame = (uint64_t)i;
		hs_pending__add_event(p, &ev);
	}
	CHECK_EQ(p->n_events, HS_MAX_EVENTS);
	CHECK(!p->events_truncated);
	ev.kind = HS_EV_FIN;
	ev.frame = 99;
	hs_pending__add_event(p, &ev);
	CHECK_EQ(p->n_events, HS_MAX_EVENTS);
	CHECK(p->events_truncated);
	hs_pending__expand(p, &out);
	CHECK_EQ(out.n_events, HS_MAX_EVENTS);
	CHECK(out.events_truncated);
	CHECK_EQ(out.events[HS_MAX_EVENTS - 1].kind, HS_EV_FIN);
	CHECK_EQ(out.events[HS_MAX_EVENTS - 1].frame, 99);
	CHECK_EQ(out.events[HS_MAX_EVENTS - 2].frame, HS_MAX_EVENTS - 2);
	hs_pending__free(p, NULL, NULL);
}

/* The server's side exists only once asked for, and is expanded with the rest. */
static void test_server_side_on_demand(void)
{
	struct hs_pending *p = hs_pending__new(NULL);
	struct hs_server_side *s;
	size_t small = hs_pending__bytes(p);

	CHECK(p->srv == NULL);
	s = hs_pending__server(p);
	CHECK(s != NULL);
	CHECK(hs_pending__server(p) == s);
	CHECK(hs_pending__bytes(p) > small);
	s->sh.cipher = 0xc02f;
	strcpy(s->ja3s, "ffffffffffffffffffffffffffffffff");
	s->cert_frame = 5;
	p->has_server_hello = true;
	s->version = TLS_VERSION_TLS12;
	CHECK_EQ(hs_pending__version(p), TLS_VERSION_TLS12);
	hs_pending__expand(p, &out);
	CHECK(out.has_server_hello);
	CHECK_EQ(out.sh.cipher, 0xc02f);
	CHECK_EQ(out.version, TLS_VERSION_TLS12);
	CHECK_STR(out.ja3s, "ffffffffffffffffffffffffffffffff");
	CHECK_EQ(out.cert_frame, 5);
	hs_pending__free(p, NULL, NULL);
}

/* The offered groups and key shares survive without GREASE, truncated at the bound, and the
 * names after them are not overwritten; the HelloRetryRequest's group is expanded. */
static void test_client_groups(void)
{
	static const char ja3[] = "0123456789abcdef0123456789abcdef";
	static const char ja4[] = "t13d1516h2_8daaf6152771_e5627efa2ab1";
	struct hs_pending *p = hs_pending__new(NULL);
	struct tls_client_hello ch;

	hello(&ch);
	ch.groups[ch.n_groups++] = 0x1a1a; /* GREASE */
	ch.groups[ch.n_groups++] = 0x11ec;
	ch.groups[ch.n_groups++] = 0x001d;
	ch.key_shares[ch.n_key_shares++] = 0x2a2a;
	ch.key_shares[ch.n_key_shares++] = 0x11ec;
	ch.key_shares[ch.n_key_shares++] = 0x001d;
	CHECK_EQ(hs_pending__set_client_hello(&p, NULL, &ch, ja3, ja4), 0);
	hs_pending__server(p)->hrr = true;
	hs_pending__server(p)->hrr_group = 0x0017;
	hs_pending__expand(p, &out);
	CHECK_EQ(out.ch.n_groups, 2);
	CHECK_EQ(out.ch.groups[0], 0x11ec);
	CHECK_EQ(out.ch.groups[1], 0x001d);
	CHECK_EQ(out.ch.n_key_shares, 2);
	CHECK_EQ(out.ch.key_shares[0], 0x11ec);
	CHECK_EQ(out.ch.key_shares[1], 0x001d);
	CHECK(!out.ch.groups_truncated);
	CHECK_STR((const char *)out.ch.sni, "example.org");
	CHECK(out.hrr);
	CHECK_EQ(out.hrr_group, 0x0017);
	hs_pending__free(p, NULL, NULL);

	p = hs_pending__new(NULL);
	hello(&ch);
	for (int i = 0; i < 40; i++)
		ch.groups[ch.n_groups++] = (uint16_t)(0x0100 + i);
	for (int i = 0; i < 6; i++)
		ch.key_shares[ch.n_key_shares++] = (uint16_t)(0x0100 + i);
	CHECK_EQ(hs_pending__set_client_hello(&p, NULL, &ch, ja3, ja4), 0);
	CHECK_EQ(hs_pending__bytes(p),
		 80 + 11 + 3 + 2 + 2 * (HS_MAX_CLIENT_GROUPS + HS_MAX_CLIENT_KEY_SHARES));
	hs_pending__expand(p, &out);
	CHECK_EQ(out.ch.n_groups, HS_MAX_CLIENT_GROUPS);
	CHECK_EQ(out.ch.n_key_shares, HS_MAX_CLIENT_KEY_SHARES);
	CHECK_EQ(out.ch.groups[HS_MAX_CLIENT_GROUPS - 1], 0x0100 + HS_MAX_CLIENT_GROUPS - 1);
	CHECK_EQ(out.ch.key_shares[3], 0x0103);
	CHECK(out.ch.groups_truncated);
	CHECK_STR((const char *)out.ch.sni, "example.org");
	hs_pending__free(p, NULL, NULL);
}

/* From the engine's pool: a hello whose names fit stays in its block; one with more names
 * moves onto the heap with everything kept, and its block is handed out next, zeroed. Both
 * expand as from the heap. */
static void test_pool_block(void)
{
	static const char ja3[] = "0123456789abcdef0123456789abcdef";
	static const char ja4[] = "t13d1516h2_8daaf6152771_e5627efa2ab1";
	struct block_pool pool;
	struct hs_pending *p, *q;
	struct tls_client_hello ch;
	void *block;

	CHECK_EQ(block_pool__init(&pool, HS_PENDING_BLOCK, 2), 0);
	p = hs_pending__new(&pool);
	CHECK(block_pool__owns(&pool, p));
	hello(&ch);
	CHECK_EQ(hs_pending__set_client_hello(&p, &pool, &ch, ja3, ja4), 0);
	CHECK(block_pool__owns(&pool, p)); /* 14 bytes of names */
	hs_pending__add_event(p, &(struct hs_event){ .ts_ns = 5, .frame = 9, .len = 100 });
	block = q = hs_pending__new(&pool);
	CHECK(block_pool__owns(&pool, q));
	CHECK_EQ(hs_pending__set_client_hello(&q, &pool, &ch, ja3, ja4), 0);
	for (int i = 0; i < 40; i++)
		ch.groups[ch.n_groups++] = (uint16_t)(0x0100 + i);
	CHECK_EQ(hs_pending__set_client_hello(&q, &pool, &ch, ja3, ja4), 0);
	CHECK(!block_pool__owns(&pool, q));
	hs_pending__add_event(q, &(struct hs_event){ .ts_ns = 6, .frame = 10, .len = 200 });
	hs_pending__expand(q, &out);
	CHECK_STR(out.ja3, ja3);
	CHECK_STR(out.ja4, ja4);
	CHECK_STR((const char *)out.ch.sni, "example.org");
	CHECK_EQ(out.ch.n_groups, HS_MAX_CLIENT_GROUPS);
	CHECK_EQ(out.n_events, 1);
	CHECK_EQ(out.events[0].frame, 10);
	hs_pending__expand(p, &out);
	CHECK_STR((const char *)out.ch.sni, "example.org");
	CHECK_EQ(out.ch.n_groups, 0);
	CHECK_EQ(out.events[0].frame, 9);
	/* the block q left is the next one out, zeroed */
	hs_pending__free(q, &pool, NULL);
	q = hs_pending__new(&pool);
	CHECK(q == block);
	CHECK(!q->has_client_hello);
	CHECK_EQ(q->n_events, 0);
	hs_pending__free(q, &pool, NULL);
	hs_pending__free(p, &pool, NULL);
	block_pool__fini(&pool);
}

int main(void)
{
	RUN_TEST(test_client_groups);
	RUN_TEST(test_client_hello_round_trip);
	RUN_TEST(test_offered_summary);
	RUN_TEST(test_no_ja3);
	RUN_TEST(test_ja4_verbatim);
	RUN_TEST(test_rare_fields);
	RUN_TEST(test_events_grow_then_truncate);
	RUN_TEST(test_server_side_on_demand);
	RUN_TEST(test_pool_block);
	return CHECK_DONE();
}
