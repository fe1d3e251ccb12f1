// SPDX-License-Identifier: GPL-2.0
#include "check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_read.h"

/* Parse a copy of [s, s + len) in a buffer of exactly len bytes: under SAN=1 a read past len is
 * caught. The document owns its text, so the copy is freed at once. */
static int parse_n(struct json_doc *d, const char *s, size_t len)
{
	char *buf = malloc(len ? len : 1);
	int rc;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, s, len);
	rc = json_read__parse(d, buf, len);
	free(buf);
	return rc;
}

static int parse(struct json_doc *d, const char *s)
{
	return parse_n(d, s, strlen(s));
}

/* Parse with the default limits and throw the result away. */
static int rc_of(const char *s)
{
	struct json_doc d = { 0 };
	int rc = parse(&d, s);

	json_read__free(&d);
	return rc;
}

static int count(const struct json_doc *d, const struct json_node *arr)
{
	int n = 0;

	for (const struct json_node *e = json_read__first(d, arr); e; e = json_read__next(d, e))
		n++;
	return n;
}

static void test_valid_document(void)
{
	static const char line[] =
		"{\"ts\":\"2024-01-02T03:04:05.000001Z\",\"vlan\":50,\"sni\":null,"
		"\"parsed\":true,\"self_signed\":false,\"alpn_offered\":[\"h2\",\"http/1.1\"],"
		"\"key_exchange\":{\"type\":\"ECDHE\",\"group\":\"x25519\"},\"findings\":[],"
		"\"certificates\":[{\"position\":0,\"key_bits\":2048},{\"position\":1}]}";
	struct json_doc d = { 0 };
	const struct json_node *root, *n, *e;

	CHECK_EQ(parse(&d, line), 0);
	root = json_read__root(&d);
	CHECK(root && root->type == JSON_OBJ);
	if (!root)
		return;
	CHECK_STR(json_read__str(&d, root, "ts", NULL), "2024-01-02T03:04:05.000001Z");
	CHECK_STR(json_read__str(&d, root, "vlan", NULL), "50");
	n = json_read__get(&d, root, "vlan");
	CHECK(n && n->type == JSON_NUM && n->len == 2);
	n = json_read__get(&d, root, "sni");
	CHECK(n && n->type == JSON_NULL);
	CHECK(json_read__str(&d, root, "sni", NULL) == NULL);
	CHECK_STR(json_read__str(&d, root, "sni", "dflt"), "dflt");
	n = json_read__get(&d, root, "parsed");
	CHECK(n && n->type == JSON_BOOL && n->b);
	n = json_read__get(&d, root, "self_signed");
	CHECK(n && n->type == JSON_BOOL && !n->b);
	CHECK(json_read__get(&d, root, "missing") == NULL);

	n = json_read__get(&d, root, "alpn_offered");
	CHECK_EQ(count(&d, n), 2);
	e = json_read__first(&d, n);
	CHECK_STR(json_read__text(&d, e), "h2");
	CHECK_EQ(e->key, -1);
	CHECK_STR(json_read__text(&d, json_read__next(&d, e)), "http/1.1");

	n = json_read__get(&d, root, "key_exchange");
	CHECK(n && n->type == JSON_OBJ);
	CHECK_STR(json_read__str(&d, n, "group", "?"), "x25519");
	/* an object is not iterated as an array */
	CHECK(json_read__first(&d, n) == NULL);

	n = json_read__get(&d, root, "findings");
	CHECK(n && n->type == JSON_ARR);
	CHECK(json_read__first(&d, n) == NULL);

	n = json_read__get(&d, root, "certificates");
	CHECK_EQ(count(&d, n), 2);
	e = json_read__first(&d, n);
	CHECK_STR(json_read__str(&d, e, "key_bits", "?"), "2048");
	CHECK_STR(json_read__str(&d, json_read__next(&d, e), "key_bits", "?"), "?");
	CHECK_STR(json_read__str(&d, json_read__next(&d, e), "position", "?"), "1");
	json_read__free(&d);
	CHECK(d.nodes == NULL && d.text == NULL && d.n == 0);
	CHECK(json_read__root(&d) == NULL);
}

static void test_every_type_at_top(void)
{
	static const struct {
		const char *in;
		enum json_type type;
		const char *text;
	} cases[] = {
		{ "null", JSON_NULL, NULL },
		{ " true ", JSON_BOOL, NULL },
		{ "false", JSON_BOOL, NULL },
		{ "0", JSON_NUM, "0" },
		{ "-0", JSON_NUM, "-0" },
		{ "7", JSON_NUM, "7" },
		{ "-12.5e+10", JSON_NUM, "-12.5e+10" },
		{ "1E-3", JSON_NUM, "1E-3" },
		{ "\t\"s\"\r\n", JSON_STR, "s" },
		{ "\"\"", JSON_STR, "" },
		{ "[]", JSON_ARR, NULL },
		{ "{ }", JSON_OBJ, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_doc d = { 0 };
		const struct json_node *r;

		CHECK_EQ(parse(&d, cases[i].in), 0);
		r = json_read__root(&d);
		CHECK(r && r->type == cases[i].type);
		CHECK_EQ(d.n, 1);
		if (cases[i].text)
			CHECK_STR(json_read__text(&d, r), cases[i].text);
		else
			CHECK(json_read__text(&d, r) == NULL);
		if (r && r->type == JSON_BOOL)
			CHECK_EQ(r->b, cases[i].in[1] == 't');
		json_read__free(&d);
	}
}

/* RFC 8259 6: what the first reader let through as "number text" is malformed now. */
static void test_numbers_strict(void)
{
	static const char *const bad[] = {
		"01", "-", "+1", "1.", ".5", "1e", "1e+", "0x10", "1.e3", "--1", "1-2", "- 1",
		"Infinity", "NaN", "[1.2.3]", "[1e5e5]",
	};
	static const char *const good[] = {
		"[0,-0,0.0,10,1e9,1E+9,1e-9,-1.25,123456789012345678901]",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = rc_of(bad[i]);

		if (rc != -EINVAL)
			fprintf(stderr, "  number %s: %d\n", bad[i], rc);
		CHECK_EQ(rc, -EINVAL);
	}
	CHECK_EQ(rc_of(good[0]), 0);
}

static void test_escapes(void)
{
	struct json_doc d = { 0 };
	const struct json_node *r;

	CHECK_EQ(parse(&d, "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\""), 0);
	CHECK_STR(json_read__text(&d, json_read__root(&d)), "q\" b\\ s/ \b\f\n\r\t");
	json_read__free(&d);

	/* \u: 1, 2 and 3 UTF-8 bytes; hex digits in either case */
	CHECK_EQ(parse(&d, "\"\\u0041\\u00e9\\u00E9\\u20ac\""), 0);
	CHECK_STR(json_read__text(&d, json_read__root(&d)), "A\xc3\xa9\xc3\xa9\xe2\x82\xac");
	json_read__free(&d);

	/* RFC 8259 7: a surrogate pair is one code point beyond the BMP, 4 UTF-8 bytes */
	CHECK_EQ(parse(&d, "[\"\\ud83d\\ude00\",\"\\uD834\\uDD1E!\"]"), 0);
	r = json_read__first(&d, json_read__root(&d));
	CHECK_STR(json_read__text(&d, r), "\xf0\x9f\x98\x80");
	CHECK_EQ(r->len, 4);
	CHECK_STR(json_read__text(&d, json_read__next(&d, r)), "\xf0\x9d\x84\x9e!");
	json_read__free(&d);

	/* \u0000 is kept: len counts past it */
	CHECK_EQ(parse(&d, "\"a\\u0000b\""), 0);
	r = json_read__root(&d);
	CHECK_EQ(r->len, 3);
	CHECK(!memcmp(json_read__text(&d, r), "a\0b", 4));
	json_read__free(&d);

	/* escaped keys are decoded too */
	CHECK_EQ(parse(&d, "{\"k\\u0065y\":1}"), 0);
	CHECK_STR(json_read__str(&d, json_read__root(&d), "key", NULL), "1");
	json_read__free(&d);

	CHECK_EQ(rc_of("\"\\x\""), -EINVAL);
	CHECK_EQ(rc_of("\"\\'\""), -EINVAL);
	CHECK_EQ(rc_of("\"\\u12\""), -EINVAL);
	CHECK_EQ(rc_of("\"\\u12G4\""), -EINVAL);
	CHECK_EQ(rc_of("\"\\u 123\""), -EINVAL);
	CHECK_EQ(rc_of("\"\\"), -EINVAL);
}

/* Kept from the first reader (json_read.h): UTF-8 is not validated or repaired. */
static void test_invalid_utf8_as_before(void)
{
	struct json_doc d = { 0 };
	const struct json_node *r;

	/* raw bytes pass through: a stray continuation, a cut sequence, 0xff, an overlong '/' */
	CHECK_EQ(parse(&d, "\"a\x80z\xc3(\xff\xc0\xaf\xe2\x82\""), 0);
	r = json_read__root(&d);
	CHECK_STR(json_read__text(&d, r), "a\x80z\xc3(\xff\xc0\xaf\xe2\x82");
	CHECK_EQ(r->len, 10);
	json_read__free(&d);

	/* a lone surrogate is written as its 3 bytes; one not followed by its pair as well */
	CHECK_EQ(parse(&d, "[\"\\ud800\",\"\\udc00\",\"\\ud800\\u0041\",\"\\ud800\\ud800\","
			   "\"\\ude00\\ud83d\",\"\\ud83d\"]"),
		 0);
	r = json_read__first(&d, json_read__root(&d));
	CHECK_STR(json_read__text(&d, r), "\xed\xa0\x80");
	r = json_read__next(&d, r);
	CHECK_STR(json_read__text(&d, r), "\xed\xb0\x80");
	r = json_read__next(&d, r);
	CHECK_STR(json_read__text(&d, r), "\xed\xa0\x80" "A");
	r = json_read__next(&d, r);
	CHECK_STR(json_read__text(&d, r), "\xed\xa0\x80\xed\xa0\x80");
	r = json_read__next(&d, r);
	CHECK_STR(json_read__text(&d, r), "\xed\xb8\x80\xed\xa0\xbd");
	r = json_read__next(&d, r);
	CHECK_STR(json_read__text(&d, r), "\xed\xa0\xbd");
	json_read__free(&d);
}

/* Every proper prefix of an object is malformed, and leaves an empty document. */
static void test_truncated(void)
{
	static const char doc[] = "{\"a\": [1, -2.5e3, \"x\\u00e9\\ud83d\\ude00\", true, false, "
				  "null, {\"b\": {}}], \"c\": \"\\n\"}";
	struct json_doc d = { 0 };

	CHECK_EQ(parse_n(&d, doc, sizeof(doc) - 1), 0);
	json_read__free(&d);
	for (size_t n = 0; n < sizeof(doc) - 1; n++) {
		int rc = parse_n(&d, doc, n);

		if (rc != -EINVAL)
			fprintf(stderr, "  prefix of %zu bytes: %d\n", n, rc);
		CHECK_EQ(rc, -EINVAL);
		CHECK(d.nodes == NULL && d.text == NULL && d.n == 0);
	}
}

/* len is the truth, whatever the bytes around it say. */
static void test_lying_input(void)
{
	static const char *const bad[] = {
		"{\"a\":\"b\x01\"}", /* raw control character */
		"{\"a\":1,}", "[1,]", "[,1]", "{,}", "{\"a\" 1}", "{\"a\":}", "{1:2}", "{a:1}",
		"{'a':1}", "[1 2]", "[1]]", "{}}", "{} {}", "1 2", "[1] x", "// c\n{}", "{\"a\":1",
		"nul", "tru", "fals", "nulll", "truex", "[nul]", "[True]", "\xef\xbb\xbf{}",
		"[\"a\"\"b\"]", "",
		"   ",
	};
	struct json_doc d = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = rc_of(bad[i]);

		if (rc != -EINVAL)
			fprintf(stderr, "  \"%s\": %d\n", bad[i], rc);
		CHECK_EQ(rc, -EINVAL);
	}
	/* the bytes after len would complete the document: not read */
	CHECK_EQ(parse_n(&d, "{\"a\":1}", 6), -EINVAL);
	CHECK_EQ(parse_n(&d, "\"abc\"", 4), -EINVAL);
	CHECK_EQ(parse_n(&d, "\"\\u0041\"", 6), -EINVAL);
	CHECK_EQ(parse_n(&d, "\"\\ud83d\\ude00\"", 12), -EINVAL);
	CHECK_EQ(parse_n(&d, "true", 3), -EINVAL);
	CHECK_EQ(parse_n(&d, "[1.5e3]", 5), -EINVAL);
	/* a number cut by len is a shorter number: a valid document */
	CHECK_EQ(parse_n(&d, "12345", 3), 0);
	CHECK_STR(json_read__text(&d, json_read__root(&d)), "123");
	json_read__free(&d);
	/* a NUL inside len is a byte like any other: not the end, and not allowed raw */
	CHECK_EQ(parse_n(&d, "{}\0", 3), -EINVAL);
	CHECK_EQ(parse_n(&d, "\"a\0b\"", 5), -EINVAL);
	CHECK_EQ(parse_n(&d, "[1,\0]", 5), -EINVAL);
	/* a lone number's text needs one byte more than its input: the buffer allows for it */
	CHECK_EQ(parse_n(&d, "7", 1), 0);
	CHECK_STR(json_read__text(&d, json_read__root(&d)), "7");
	json_read__free(&d);
}

static char *nested(int levels, const char *open, const char *inner, const char *close)
{
	size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
	char *s = malloc((size_t)levels * (lo + lc) + li + 1), *p = s;

	if (!s)
		return NULL;
	for (int i = 0; i < levels; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, inner, li);
	p += li;
	for (int i = 0; i < levels; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

static int rc_nested(int max_depth, int levels, const char *open, const char *inner,
		     const char *close)
{
	struct json_doc d = { .max_depth = max_depth };
	char *s = nested(levels, open, inner, close);
	int rc;

	if (!s)
		return -ENOMEM;
	rc = parse(&d, s);
	json_read__free(&d);
	free(s);
	return rc;
}

static void test_depth_limit(void)
{
	/* the default: 32 containers open at once */
	CHECK_EQ(rc_nested(0, JSON_READ_MAX_DEPTH, "[", "1", "]"), 0);
	CHECK_EQ(rc_nested(0, JSON_READ_MAX_DEPTH, "[", "", "]"), 0);
	CHECK_EQ(rc_nested(0, JSON_READ_MAX_DEPTH + 1, "[", "", "]"), -E2BIG);
	CHECK_EQ(rc_nested(0, JSON_READ_MAX_DEPTH + 1, "{\"k\":", "{}", "}"), -E2BIG);
	CHECK_EQ(rc_nested(0, JSON_READ_MAX_DEPTH - 1, "{\"k\":", "{}", "}"), 0);
	CHECK_EQ(rc_nested(2, 2, "[", "1", "]"), 0);
	CHECK_EQ(rc_nested(2, 3, "[", "1", "]"), -E2BIG);
	CHECK_EQ(rc_nested(1, 1, "{\"a\":", "1", "}"), 0);
	CHECK_EQ(rc_nested(1, 1, "{\"a\":", "[]", "}"), -E2BIG);
	/* the limit is checked on the way in: a document cut after it is still over it */
	CHECK_EQ(rc_nested(2, 3, "[", "1", ""), -E2BIG);
	/* a larger limit is capped (one stack frame per level) */
	CHECK_EQ(rc_nested(100000, JSON_READ_DEPTH_CAP, "[", "", "]"), 0);
	CHECK_EQ(rc_nested(100000, JSON_READ_DEPTH_CAP + 1, "[", "", "]"), -E2BIG);
	CHECK_EQ(rc_nested(100000, 100000, "[", "", "]"), -E2BIG);
}

/* "[0,0,...]" with n zeros: n + 1 nodes. */
static int rc_flat(int max_nodes, int n)
{
	struct json_doc d = { .max_nodes = max_nodes };
	char *s = malloc(2 * (size_t)n + 2);
	int rc;

	if (!s)
		return -ENOMEM;
	s[0] = '[';
	for (int i = 0; i < n; i++) {
		s[1 + 2 * i] = '0';
		s[2 + 2 * i] = ',';
	}
	s[n ? 2 * n : 1] = ']';
	rc = parse_n(&d, s, n ? 2 * (size_t)n + 1 : 2);
	if (!rc)
		CHECK_EQ(d.n, n + 1);
	json_read__free(&d);
	free(s);
	return rc;
}

static void test_node_limit(void)
{
	CHECK_EQ(rc_flat(3, 0), 0);
	CHECK_EQ(rc_flat(3, 2), 0);
	CHECK_EQ(rc_flat(3, 3), -E2BIG);
	CHECK_EQ(rc_flat(1, 0), 0);
	CHECK_EQ(rc_flat(1, 1), -E2BIG);
	/* across the growth steps of the node array */
	CHECK_EQ(rc_flat(100, 99), 0);
	CHECK_EQ(rc_flat(100, 100), -E2BIG);
	CHECK_EQ(rc_flat(0, JSON_READ_MAX_NODES - 1), 0);
	CHECK_EQ(rc_flat(0, JSON_READ_MAX_NODES), -E2BIG);
	/* keys are not nodes; members are */
	{
		struct json_doc d = { .max_nodes = 3 };

		CHECK_EQ(parse(&d, "{\"a\":1,\"b\":2}"), 0);
		json_read__free(&d);
		CHECK_EQ(parse(&d, "{\"a\":1,\"b\":2,\"c\":3}"), -E2BIG);
	}
}

static void test_lookups(void)
{
	struct json_doc d = { 0 };
	const struct json_node *r;

	/* the first of repeated keys wins */
	CHECK_EQ(parse(&d, "{\"k\":\"one\",\"k\":\"two\",\"\":\"empty\",\"b\":true}"), 0);
	r = json_read__root(&d);
	CHECK_STR(json_read__str(&d, r, "k", NULL), "one");
	CHECK_STR(json_read__str(&d, r, "", NULL), "empty");
	/* not a string or number: the default */
	CHECK_STR(json_read__str(&d, r, "b", "dflt"), "dflt");
	CHECK(json_read__text(&d, json_read__get(&d, r, "b")) == NULL);
	/* NULL and the wrong types are safe */
	CHECK(json_read__get(&d, NULL, "k") == NULL);
	CHECK(json_read__get(&d, json_read__get(&d, r, "k"), "k") == NULL);
	CHECK(json_read__text(&d, NULL) == NULL);
	CHECK(json_read__first(&d, NULL) == NULL);
	CHECK(json_read__first(&d, r) == NULL);
	CHECK_STR(json_read__str(&d, NULL, "k", "x"), "x");
	json_read__free(&d);
	/* freeing twice, or an unparsed document, is harmless */
	json_read__free(&d);
}

int main(void)
{
	RUN_TEST(test_valid_document);
	RUN_TEST(test_every_type_at_top);
	RUN_TEST(test_numbers_strict);
	RUN_TEST(test_escapes);
	RUN_TEST(test_invalid_utf8_as_before);
	RUN_TEST(test_truncated);
	RUN_TEST(test_lying_input);
	RUN_TEST(test_depth_limit);
	RUN_TEST(test_node_limit);
	RUN_TEST(test_lookups);
	return CHECK_DONE();
}
