// SPDX-License-Identifier: GPL-2.0
/* CertificateRequest (TLS 1.2 and 1.0) on crafted messages: fields, lying lengths, truncation,
 * the lists' bounds; and the ClientHello and ServerHello flags that tell how a session resumed
 * (SessionTicket, pre_shared_key). */
#include "tls_msg_builder.h"

PARSE_FN(cr12_fn, struct tls_certificate_request, tls__parse_certificate_request(p, n, 0x0303, &o))
PARSE_FN(cr10_fn, struct tls_certificate_request, tls__parse_certificate_request(p, n, 0x0301, &o))

/* Two DER Names' worth of bytes: the parser only frames them (the engine reads the DER). */
static const uint8_t dn1[] = { 0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55,
			       0x04, 0x03, 0x0c, 0x02, 'C', 'A' };
static const uint8_t dn2[] = { 0x30, 0x00 };

/* certificate_types, [sigalgs], certificate_authorities of n_cas names (dn1, dn2, dn1, ...) */
static void build_cr(struct mb *m, bool tls12, const uint16_t *sigs, size_t n_sigs, int n_cas,
		     size_t *ca_off)
{
	static const uint8_t types[] = { 1, 64 };

	memset(m, 0, sizeof(*m));
	blk(m, 1, types, sizeof(types));
	if (tls12)
		blk16(m, 2, sigs, n_sigs);
	open_blk(m, 2);
	for (int i = 0; i < n_cas; i++) {
		const uint8_t *dn = i % 2 ? dn2 : dn1;
		size_t len = i % 2 ? sizeof(dn2) : sizeof(dn1);

		if (ca_off)
			ca_off[i] = m->n + 2;
		blk(m, 2, dn, len);
	}
	close_blk(m);
}

static const uint16_t sigs3[] = { 0x0401, 0x0804, 0x0201 };

static void test_cert_request_tls12(void)
{
	struct tls_certificate_request cr;
	struct mb *m = malloc(sizeof(*m));
	size_t ca_off[2];

	build_cr(m, true, sigs3, ARRAY_SIZE(sigs3), 2, ca_off);
	CHECK_EQ(tls__parse_certificate_request(m->b, m->n, 0x0303, &cr), 0);
	CHECK_EQ(cr.n_types, 2);
	CHECK_EQ(cr.types[0], 1);
	CHECK_EQ(cr.types[1], 64);
	CHECK(cr.has_sigalgs);
	CHECK_EQ(cr.n_sigalgs, 3);
	CHECK_EQ(cr.sigalgs[0], 0x0401);
	CHECK_EQ(cr.sigalgs[2], 0x0201);
	CHECK_EQ(cr.n_cas, 2);
	CHECK_EQ(cr.n_cas_total, 2);
	CHECK_EQ(cr.cas[0].off, ca_off[0]);
	CHECK_EQ(cr.cas[0].len, sizeof(dn1));
	CHECK(memcmp(m->b + cr.cas[0].off, dn1, sizeof(dn1)) == 0);
	CHECK_EQ(cr.cas[1].off, ca_off[1]);
	CHECK_EQ(cr.cas[1].len, sizeof(dn2));
	CHECK(!cr.truncated);
	CHECK_EQ(check_lies(m, cr12_fn), 0);
	CHECK_EQ(check_truncation(m->b, m->n, cr12_fn, SIZE_MAX), 0);
	/* TLS 1.0/1.1 have no signature algorithms: the same bytes do not frame */
	CHECK_EQ(cr10_fn(m->b, m->n), -EINVAL);
	free(m);
}

static void test_cert_request_tls10(void)
{
	struct tls_certificate_request cr;
	struct mb *m = malloc(sizeof(*m));

	build_cr(m, false, NULL, 0, 1, NULL);
	CHECK_EQ(tls__parse_certificate_request(m->b, m->n, 0x0301, &cr), 0);
	CHECK(!cr.has_sigalgs);
	CHECK_EQ(cr.n_sigalgs, 0);
	CHECK_EQ(cr.n_cas, 1);
	CHECK_EQ(check_lies(m, cr10_fn), 0);
	CHECK_EQ(check_truncation(m->b, m->n, cr10_fn, SIZE_MAX), 0);

	/* No CA named is allowed (RFC 5246 7.4.4: any CA the client likes) */
	build_cr(m, false, NULL, 0, 0, NULL);
	CHECK_EQ(tls__parse_certificate_request(m->b, m->n, 0x0301, &cr), 0);
	CHECK_EQ(cr.n_cas, 0);
	CHECK_EQ(cr.n_cas_total, 0);
	free(m);
}

static void test_cert_request_rules(void)
{
	static const uint8_t no_types[] = { 0, 0, 2, 4, 1, 0, 0 };
	static const uint8_t odd_sigs[] = { 1, 1, 0, 3, 4, 1, 2, 0, 0 };
	static const uint8_t no_sigs[] = { 1, 1, 0, 0, 0, 0 };
	static const uint8_t empty_dn[] = { 1, 1, 0, 2, 4, 1, 0, 2, 0, 0 };
	struct tls_certificate_request cr;

	CHECK_EQ(tls__parse_certificate_request(no_types, sizeof(no_types), 0x0303, &cr), -EINVAL);
	CHECK_EQ(tls__parse_certificate_request(odd_sigs, sizeof(odd_sigs), 0x0303, &cr), -EINVAL);
	CHECK_EQ(tls__parse_certificate_request(no_sigs, sizeof(no_sigs), 0x0303, &cr), -EINVAL);
	CHECK_EQ(tls__parse_certificate_request(empty_dn, sizeof(empty_dn), 0x0303, &cr), -EINVAL);
	CHECK_EQ(tls__parse_certificate_request(NULL, 0, 0x0303, &cr), -EINVAL);
}

/* Past the arrays, lists are cut and flagged, and the CA count stays exact. */
static void test_cert_request_bounds(void)
{
	struct tls_certificate_request cr;
	struct mb *m = malloc(sizeof(*m));
	uint16_t sigs[TLS_CR_MAX_SIGALGS + 5];

	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigs[i] = (uint16_t)(0x0400 + i);
	build_cr(m, true, sigs, ARRAY_SIZE(sigs), TLS_CR_MAX_CAS + 3, NULL);
	CHECK_EQ(tls__parse_certificate_request(m->b, m->n, 0x0303, &cr), 0);
	CHECK_EQ(cr.n_sigalgs, TLS_CR_MAX_SIGALGS);
	CHECK_EQ(cr.sigalgs[TLS_CR_MAX_SIGALGS - 1], 0x0400 + TLS_CR_MAX_SIGALGS - 1);
	CHECK_EQ(cr.n_cas, TLS_CR_MAX_CAS);
	CHECK_EQ(cr.n_cas_total, TLS_CR_MAX_CAS + 3);
	CHECK(cr.truncated);
	for (int i = 0; i < cr.n_cas; i++)
		CHECK(cr.cas[i].off + cr.cas[i].len <= m->n);
	free(m);
}

static void build_ch_ticket(struct mb *m, size_t ticket_len)
{
	static const uint16_t suites[] = { 0xc02f };

	memset(m, 0, sizeof(*m));
	put16(m, 0x0303);
	fill(m, 0x11, 32);
	open_blk(m, 1);
	fill(m, 0x22, 32);
	close_blk(m);
	blk16(m, 2, suites, 1);
	blk(m, 1, "", 1);
	open_blk(m, 2);
	ext_begin(m, TLS_EXT_SESSION_TICKET);
	fill(m, 0x33, ticket_len);
	close_n(m, 2);
}

static void test_resumption_flags(void)
{
	struct tls_client_hello *ch = malloc(sizeof(*ch));
	struct tls_server_hello sh;
	struct mb *m = malloc(sizeof(*m));

	/* RFC 5077 3.2: an empty SessionTicket asks for one, a non-empty one presents it */
	build_ch_ticket(m, 0);
	CHECK_EQ(tls__parse_client_hello(m->b, m->n, ch), 0);
	CHECK(!ch->ticket_offered);
	build_ch_ticket(m, 170);
	CHECK_EQ(tls__parse_client_hello(m->b, m->n, ch), 0);
	CHECK(ch->ticket_offered);

	/* RFC 8446 4.2.11: the ServerHello's pre_shared_key is a 2-byte selected_identity */
	memset(m, 0, sizeof(*m));
	put16(m, 0x0303);
	fill(m, 0x44, 32);
	blk(m, 1, "", 0);
	put16(m, 0x1301);
	put8(m, 0);
	open_blk(m, 2);
	ext_begin(m, TLS_EXT_SUPPORTED_VERSIONS);
	put16(m, 0x0304);
	close_blk(m);
	ext_begin(m, TLS_EXT_PRE_SHARED_KEY);
	put16(m, 0);
	close_n(m, 2);
	CHECK_EQ(tls__parse_server_hello(m->b, m->n, &sh), 0);
	CHECK(sh.psk_selected);
	CHECK_EQ(sh.version, 0x0304);
	CHECK_EQ(check_lies(m, sh_fn), 0);
	/* without its extensions block (38 bytes) a ServerHello is complete */
	CHECK_EQ(check_truncation(m->b, m->n, sh_fn, 38), 0);
	free(m);
	free(ch);
}

int main(void)
{
	RUN_TEST(test_cert_request_tls12);
	RUN_TEST(test_cert_request_tls10);
	RUN_TEST(test_cert_request_rules);
	RUN_TEST(test_cert_request_bounds);
	RUN_TEST(test_resumption_flags);
	return CHECK_DONE();
}
