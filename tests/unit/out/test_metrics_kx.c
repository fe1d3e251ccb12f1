/* metrics_kx: the group and suite a handshake counts under, and the label bound. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "out/metrics_kx.h"
#include "tls/tls_names.h"

static struct handshake hs;
static struct metrics_kx m;

static void tls13(uint16_t group, uint16_t cipher)
{
	memset(&hs, 0, sizeof(hs));
	hs.has_server_hello = true;
	hs.version = hs.sh.version = TLS_VERSION_TLS13;
	hs.sh.key_share_group = group;
	hs.sh.cipher = cipher;
}

static char *render(void)
{
	struct sbuf b = { 0 };

	metrics_kx__render(&m, &b);
	sbuf__putc(&b, '\0');
	CHECK(!b.oom);
	return b.buf;
}

static void test_group_labels(void)
{
	tls13(0x11ec, 0x1301);
	CHECK_STR(hs__kx_label(&hs), "X25519MLKEM768");
	tls13(0x001d, 0x1301);
	CHECK_STR(hs__kx_label(&hs), "x25519");
	tls13(0x4242, 0x1301);
	CHECK_STR(hs__kx_label(&hs), "other");
	tls13(0, 0x1301);
	CHECK_STR(hs__kx_label(&hs), "psk");
	tls13(0x0017, 0x1301);
	hs.sh.hello_retry_request = true; /* the group asked for, not one used */
	CHECK(hs__kx_label(&hs) == NULL);

	memset(&hs, 0, sizeof(hs));
	hs.has_server_hello = true;
	hs.version = TLS_VERSION_TLS12;
	hs.sh.cipher = 0x002f; /* TLS_RSA_WITH_AES_128_CBC_SHA */
	CHECK_STR(hs__kx_label(&hs), "RSA");
	hs.sh.cipher = 0xc02f; /* ECDHE_RSA, the ServerKeyExchange not seen */
	CHECK_STR(hs__kx_label(&hs), "none");
	hs.has_server_key_exchange = true;
	hs.ske.kx = TLS_KX_ECDHE;
	hs.ske.curve = 0x0017;
	CHECK_STR(hs__kx_label(&hs), "secp256r1");
	hs.sh.cipher = 0x009e; /* DHE_RSA */
	hs.ske.kx = TLS_KX_DHE;
	CHECK_STR(hs__kx_label(&hs), "DHE");
	hs.has_server_hello = false;
	CHECK(hs__kx_label(&hs) == NULL);
}

static void test_counts_and_pq(void)
{
	char *s;

	memset(&m, 0, sizeof(m));
	tls13(0x11ec, 0x1301);
	metrics_kx__on_handshake(&m, &hs);
	metrics_kx__on_handshake(&m, &hs);
	tls13(0x001d, 0x1302);
	metrics_kx__on_handshake(&m, &hs);
	tls13(0x0017, 0x1302);
	hs.sh.hello_retry_request = true;
	metrics_kx__on_handshake(&m, &hs); /* not counted: nothing negotiated yet */
	s = render();
	CHECK(strstr(s, "tlsmon_key_exchange_total{group=\"X25519MLKEM768\",pq=\"true\"} 2\n"));
	CHECK(strstr(s, "tlsmon_key_exchange_total{group=\"x25519\",pq=\"false\"} 1\n"));
	CHECK(!strstr(s, "secp256r1"));
	CHECK(strstr(s, "tlsmon_ciphers_total{version=\"TLS1.3\",cipher=\"TLS_AES_128_GCM_SHA256\"} 2\n"));
	CHECK(strstr(s, "tlsmon_ciphers_total{version=\"TLS1.3\",cipher=\"TLS_AES_256_GCM_SHA384\"} 1\n"));
	free(s);
}

/* Every 16-bit suite under every version, and every group: the exposition stays bounded and
 * the overflow is counted, not lost. */
static void test_bounded(void)
{
	static const uint16_t versions[] = { 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f1c };
	uint64_t total = 0, lines = 0;
	char *s, *p;

	memset(&m, 0, sizeof(m));
	for (unsigned v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
		for (unsigned c = 0; c <= 0xffff; c += 7) {
			memset(&hs, 0, sizeof(hs));
			hs.has_server_hello = true;
			hs.version = hs.sh.version = versions[v];
			hs.sh.key_share_group = (uint16_t)c;
			hs.sh.cipher = (uint16_t)c;
			metrics_kx__on_handshake(&m, &hs);
			total++;
		}
	}
	s = render();
	for (p = s; (p = strstr(p, "tlsmon_ciphers_total{")); p++) {
		total -= strtoull(strchr(p, '}') + 2, NULL, 10);
		lines++;
	}
	CHECK_EQ(total, 0); /* every handshake counted once */
	CHECK(lines <= METRICS_KX_CIPHERS + 1);
	CHECK(strstr(s, "tlsmon_ciphers_total{version=\"other\",cipher=\"other\"} "));
	CHECK(!strstr(s, "0x"));
	lines = 0;
	for (p = s; (p = strstr(p, "tlsmon_key_exchange_total{")); p++)
		lines++;
	CHECK(lines <= METRICS_KX_GROUPS + 1);
	free(s);
}

int main(void)
{
	RUN_TEST(test_group_labels);
	RUN_TEST(test_counts_and_pq);
	RUN_TEST(test_bounded);
	return CHECK_DONE();
}
