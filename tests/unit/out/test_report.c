/* report: RFC 3339 timestamps (own date arithmetic, checked against gmtime) and the JSON line. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "verdict/policy.h"
#include "out/report.h"
#include "tls/tls_names.h"
#include "util/sbuf_splice.h"
#include "x509/x509.h"

static void expect_like_gmtime(uint64_t ts_ns)
{
	char got[40], want[96];
	time_t secs = (time_t)(ts_ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(ts_ns % 1000000000ull / 1000));
	report__rfc3339(ts_ns, got, sizeof(got));
	CHECK_STR(got, want);
}

static void test_rfc3339_edges(void)
{
	/* epoch, leap days, century rules (2000 leap, 2100 not), 2038, end of 9999 */
	static const uint64_t secs[] = { 0, 59, 86399, 86400, 951782400, 951868800, 1078012800,
					 2147483647, 2147483648ull, 4107456000ull, 4107542400ull,
					 253402300799ull };

	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		expect_like_gmtime(secs[i] * 1000000000ull);
		expect_like_gmtime(secs[i] * 1000000000ull + 999999999ull);
	}
}

static void test_rfc3339_random(void)
{
	srand(42);
	for (int i = 0; i < 200000; i++) {
		uint64_t s = ((uint64_t)rand() << 16 ^ (uint64_t)rand()) % 253402300800ull;

		expect_like_gmtime(s * 1000000000ull + (uint64_t)rand() % 1000000000ull);
	}
}

static void test_rfc3339_small_buffer(void)
{
	char buf[8];

	report__rfc3339(0, buf, sizeof(buf));
	CHECK_STR(buf, "1970-01");
}

/* The writer copies these names into JSON without the escaping scan (kv_plain in report.c). */
static bool json_plain(const char *s)
{
	for (; s && *s; s++)
		if (*s < 0x20 || *s >= 0x7f || *s == '"' || *s == '\\')
			return false;
	return true;
}

static void test_table_names_need_no_escaping(void)
{
	char buf[32];
	int bad = 0;

	for (unsigned v = 0; v < 256; v++) {
		bad += !json_plain(tls__handshake_name((uint8_t)v));
		bad += !json_plain(tls__alert_name((uint8_t)v));
		bad += !json_plain(tls__alert_level_name((uint8_t)v));
	}
	for (unsigned v = 0; v < 65536; v++) {
		bad += !json_plain(tls__group_name((uint16_t)v));
		bad += !json_plain(tls__sigscheme_name((uint16_t)v));
		bad += !json_plain(tls__cipher_name((uint16_t)v, buf, sizeof(buf)));
		bad += !json_plain(tls__version_name((uint16_t)v, buf, sizeof(buf)));
	}
	for (int o = HS_OUTCOME_INCOMPLETE; o <= HS_OUTCOME_RESET; o++)
		bad += !json_plain(hs__outcome_name((enum hs_outcome)o));
	for (int c = 0; c < CHECK__COUNT; c++)
		bad += !json_plain(policy__check_name((enum check_id)c));
	for (int v = SEV_INFO; v <= SEV_CRITICAL; v++)
		bad += !json_plain(policy__severity_name((enum severity)v));
	CHECK_EQ(bad, 0);
}

/* Event timestamps reuse the formatted date within a second: every event must still read as
 * report__rfc3339 of its own time, across second, day and year boundaries and going backwards. */
static void test_event_timestamps(void)
{
	static const uint64_t ts[] = {
		1700000000000001000ull, 1700000000999999000ull, 1700000001000000000ull,
		1700000001000000000ull, 1700000001500000000ull, 1699999999999999999ull,
		1703980799999999000ull, 1703980800000000000ull, 0, 1703980800000007000ull,
	};
	struct handshake *hs = calloc(1, sizeof(*hs));
	struct sbuf b;
	const char *p;
	char want[40], key[64];

	CHECK(hs != NULL);
	if (!hs)
		return;
	sbuf__init(&b);
	hs->start_ts_ns = ts[0];
	hs->n_events = sizeof(ts) / sizeof(ts[0]);
	for (int i = 0; i < hs->n_events; i++) {
		hs->events[i].ts_ns = ts[i];
		hs->events[i].frame = (uint64_t)i + 100;
		hs->events[i].kind = HS_EV_FIN;
	}
	report__json(&b, hs);
	CHECK(b.buf != NULL);
	p = b.buf ? strstr(b.buf, "\"events\":[") : NULL;
	CHECK(p != NULL);
	for (int i = 0; p && i < hs->n_events; i++) {
		snprintf(key, sizeof(key), "{\"frame\":%d,\"ts\":\"", i + 100);
		p = strstr(p, key);
		CHECK(p != NULL);
		if (!p)
			break;
		p += strlen(key);
		report__rfc3339(ts[i], want, sizeof(want));
		CHECK(strncmp(p, want, strlen(want)) == 0 && p[strlen(want)] == '"');
	}
	sbuf__free(&b);
	free(hs);
}

/* sbuf__room from an empty buffer (the slow path allocates) and when the room left is short: the
 * text written before survives the growth, and commit keeps the NUL. */
static void test_sbuf_room(void)
{
	struct sbuf b;
	char *p;

	sbuf__init(&b);
	p = sbuf__room(&b, 5);
	CHECK(p != NULL);
	if (!p)
		return;
	memcpy(p, "hello", 5);
	sbuf__commit(&b, p + 5);
	CHECK_EQ(b.len, 5);
	CHECK_STR(b.buf, "hello");
	for (int i = 0; i < 200; i++) {
		p = sbuf__room(&b, 40);
		CHECK(p != NULL);
		if (!p)
			break;
		memset(p, 'a' + i % 26, 40);
		sbuf__commit(&b, p + 40);
	}
	CHECK_EQ(b.len, 5 + 200 * 40);
	CHECK(b.len < b.cap && b.buf[b.len] == '\0');
	CHECK(strncmp(b.buf, "helloaaaa", 9) == 0 && b.buf[5 + 199 * 40] == 'a' + 199 % 26);
	sbuf__free(&b);
}

/* The events array, byte for byte: the writer builds each event in place. */
static void test_events_exact(void)
{
	struct handshake *hs = calloc(1, sizeof(*hs));
	struct sbuf b;
	const char *p;
	const char *want =
		"\"events\":[{\"frame\":7,\"ts\":\"2023-11-14T22:13:20.000040Z\",\"from\":\"client\","
		"\"what\":\"ClientHello\"},{\"frame\":18446744073709551,\"ts\":"
		"\"2023-11-14T22:13:21.999999Z\",\"from\":\"server\",\"what\":\"gap 1200 bytes\"},"
		"{\"frame\":9,\"ts\":\"2023-11-14T22:13:21.999999Z\",\"from\":\"server\","
		"\"what\":\"RST\"}]}";

	CHECK(hs != NULL);
	if (!hs)
		return;
	sbuf__init(&b);
	hs->start_ts_ns = 1700000000000040000ull;
	hs->n_events = 3;
	hs->events[0] = (struct hs_event){ .kind = HS_EV_MESSAGE, .hs_type = 1, .from_client = true,
					   .frame = 7, .ts_ns = 1700000000000040000ull };
	hs->events[1] = (struct hs_event){ .kind = HS_EV_GAP, .len = 1200, .frame = 18446744073709551,
					   .ts_ns = 1700000001999999000ull };
	hs->events[2] = (struct hs_event){ .kind = HS_EV_RST, .frame = 9,
					   .ts_ns = 1700000001999999999ull };
	report__json(&b, hs);
	p = b.buf ? strstr(b.buf, "\"events\":[") : NULL;
	CHECK(p != NULL);
	if (p)
		CHECK_STR(p, want);
	sbuf__free(&b);
	free(hs);
}

/* A certificate's JSON is rendered once onto its info; a splicing line (what `tlsmon read`
 * writes) references it from then on, and writes the bytes a copying line holds. */
static void test_certificate_json_spliced(void)
{
	struct handshake *hs = calloc(1, sizeof(*hs));
	struct x509_info *c = calloc(1, sizeof(*c));
	char *san[] = { "DNS:a.test", "DNS:b.test" };
	struct sbuf spliced, plain;
	FILE *f = tmpfile();
	char *got = NULL;
	size_t n = 0;

	CHECK(hs && c && f);
	if (!hs || !c || !f)
		goto cleanup;
	strcpy(c->sha256_hex, "ab");
	c->parsed = true;
	c->subject = "CN=a.test";
	c->issuer = "CN=CA";
	strcpy(c->serial, "01");
	strcpy(c->sig_name, "ecdsa-with-SHA256");
	strcpy(c->sig_oid, "1.2.840.10045.4.3.2");
	strcpy(c->key_type, "EC");
	c->key_bits = 256;
	c->san = san;
	c->n_san = c->san_count = 2;
	c->reused = true; /* kept only once a cache hit has served it (test_certificate_text_kept) */
	hs->n_certs = 2;
	hs->certs[0] = c;
	hs->certs[1] = c;
	sbuf__init(&spliced);
	sbuf__init(&plain);
	CHECK_EQ(sbuf_splice__enable(&spliced), 0);
	for (int line = 0; line < 3; line++) {
		report__json(&spliced, hs);
		sbuf__putc(&spliced, '\n');
		report__json(&plain, hs);
		sbuf__putc(&plain, '\n');
	}
	CHECK(c->json != NULL);
	/* rendered in the first line's first certificate, referenced in the five after it */
	if (c->json)
		CHECK_EQ(c->json->refs, 1 + 5);
	CHECK(strstr(plain.buf, "\"san\":[\"DNS:a.test\",\"DNS:b.test\"]") != NULL);
	CHECK_EQ(sbuf_splice__len(&spliced), plain.len);
	CHECK_EQ(sbuf_splice__write(&spliced, fileno(f)), 0);
	got = malloc(plain.len + 1);
	rewind(f);
	if (got)
		n = fread(got, 1, plain.len + 1, f);
	CHECK_EQ(n, plain.len);
	CHECK(got && n == plain.len && !memcmp(got, plain.buf, n));
	if (c->json)
		CHECK_EQ(c->json->refs, 1);
	sbuf__free(&spliced);
	sbuf__free(&plain);
cleanup:
	if (c)
		shared_text__put(c->json);
	free(got);
	free(c);
	free(hs);
	if (f)
		fclose(f);
}

/* The alert that decided the outcome, named in its event: level and description by name, the
 * code in parentheses; names the tables do not have as "level?" and "unknown". */
static void test_alert_event_what(void)
{
	static const struct {
		uint8_t level, desc;
		const char *want;
	} cases[] = {
		{ 2, 42, "\"what\":\"Alert fatal bad_certificate(42)\"" },
		{ 1, 0, "\"what\":\"Alert warning close_notify(0)\"" },
		{ 9, 255, "\"what\":\"Alert level? unknown(255)\"" },
	};
	struct handshake *hs = calloc(1, sizeof(*hs));
	struct sbuf b;

	CHECK(hs != NULL);
	if (!hs)
		return;
	sbuf__init(&b);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(hs, 0, sizeof(*hs));
		hs->alert = (struct hs_alert){ .present = true, .level = cases[i].level,
					       .desc = cases[i].desc, .frame = 5 };
		hs->n_events = 1;
		hs->events[0] = (struct hs_event){ .kind = HS_EV_ALERT, .frame = 5 };
		sbuf__reset(&b);
		report__json(&b, hs);
		CHECK(b.buf && strstr(b.buf, cases[i].want) != NULL);
		if (b.buf && !strstr(b.buf, cases[i].want))
			fprintf(stderr, "  want %s in %s\n", cases[i].want, strstr(b.buf, "\"events\""));
	}
	sbuf__free(&b);
	free(hs);
}

/* A certificate's JSON is kept on its info only once a cache hit has served it (reused): the
 * line is the same whether it is rendered or copied from what was kept. */
static void test_certificate_text_kept(void)
{
	struct handshake *hs = calloc(1, sizeof(*hs));
	struct x509_info *x = calloc(1, sizeof(*x));
	struct sbuf first, b;

	CHECK(hs && x);
	if (!hs || !x)
		goto out;
	sbuf__init(&first);
	sbuf__init(&b);
	memset(x->sha256_hex, 'a', 64);
	memcpy(x->sha1_hex, "0123456789abcdef0123456789abcdef01234567", 41);
	snprintf(x->error, sizeof(x->error), "d2i_X509: \"quoted\"");
	x->der_len = 7;
	hs->n_certs = 1;
	hs->certs[0] = x;
	report__json(&first, hs);
	CHECK(first.buf && strstr(first.buf, "\"certificates\":[{\"position\":0,\"sha256\":\"aaaa"));
	CHECK(first.buf && strstr(first.buf, "\"error\":\"d2i_X509: \\\"quoted\\\"\""));
	CHECK(x->json == NULL); /* seen once: nothing kept */
	x->reused = true;
	report__json(&b, hs);
	CHECK(x->json != NULL);
	CHECK(b.buf && first.buf && b.len == first.len && !memcmp(b.buf, first.buf, b.len));
	sbuf__reset(&b);
	report__json(&b, hs); /* from the kept text */
	CHECK(b.buf && first.buf && b.len == first.len && !memcmp(b.buf, first.buf, b.len));
	sbuf__free(&first);
	sbuf__free(&b);
out:
	x509_info__free(x);
	free(hs);
}

int main(void)
{
	RUN_TEST(test_rfc3339_edges);
	RUN_TEST(test_rfc3339_random);
	RUN_TEST(test_rfc3339_small_buffer);
	RUN_TEST(test_table_names_need_no_escaping);
	RUN_TEST(test_event_timestamps);
	RUN_TEST(test_sbuf_room);
	RUN_TEST(test_events_exact);
	RUN_TEST(test_certificate_json_spliced);
	RUN_TEST(test_alert_event_what);
	RUN_TEST(test_certificate_text_kept);
	return CHECK_DONE();
}
