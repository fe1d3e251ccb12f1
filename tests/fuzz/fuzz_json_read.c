// SPDX-License-Identifier: GPL-2.0
/* json_read__parse on arbitrary bytes (`tlsmon explain` reads files from anywhere). Checked:
 * - the result is 0, -EINVAL or -E2BIG; the reader accepts what the strict checker of fuzz.h
 *   accepts, and more only where json_read.h says (UTF-8 is not checked);
 * - an accepted tree is well formed and within the limits, and written back (json__str for
 *   strings) it is valid JSON that parses into the same tree;
 * - with tight limits, a document over them is -E2BIG and one within them parses the same. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "util/json_read.h"
#include "util/sbuf.h"

#define SMALL_DEPTH 3
#define SMALL_NODES 16

/* Nesting of containers (as max_depth counts it) of the tree at node i. */
static int depth_of(const struct json_doc *d, int i)
{
	const struct json_node *n = &d->nodes[i];
	int deepest = 0;

	if (n->type != JSON_ARR && n->type != JSON_OBJ)
		return 0;
	for (int c = n->first; c >= 0; c = d->nodes[c].next) {
		int k = depth_of(d, c);

		if (k > deepest)
			deepest = k;
	}
	return deepest + 1;
}

/* Node i and its subtree in order: children follow their parent, keys only in objects. */
static void check_tree(const struct json_doc *d, int i, bool member, size_t text_max)
{
	const struct json_node *n = &d->nodes[i];

	FUZZ_ASSERT(i >= 0 && i < d->n);
	if (member) {
		FUZZ_ASSERT(n->key >= 0 && n->key_len >= 0);
		FUZZ_ASSERT((size_t)n->key + (size_t)n->key_len < text_max);
		FUZZ_ASSERT(d->text[n->key + n->key_len] == '\0');
	} else {
		FUZZ_ASSERT(n->key == -1 && n->key_len == 0);
	}
	if (n->type == JSON_STR || n->type == JSON_NUM) {
		FUZZ_ASSERT(n->str >= 0 && n->len >= 0);
		FUZZ_ASSERT((size_t)n->str + (size_t)n->len < text_max);
		FUZZ_ASSERT(d->text[n->str + n->len] == '\0');
		FUZZ_ASSERT(n->first == -1);
		return;
	}
	FUZZ_ASSERT(n->str == -1);
	if (n->type != JSON_ARR && n->type != JSON_OBJ) {
		FUZZ_ASSERT(n->first == -1);
		return;
	}
	for (int c = n->first; c >= 0; c = d->nodes[c].next) {
		FUZZ_ASSERT(c > i);
		check_tree(d, c, n->type == JSON_OBJ, text_max);
	}
}

/* JSON text of the tree at node i; strings through the report writer's json__str. */
static void write_tree(struct sbuf *b, const struct json_doc *d, int i)
{
	const struct json_node *n = &d->nodes[i];
	bool obj = n->type == JSON_OBJ;

	switch (n->type) {
	case JSON_NULL:
		sbuf__puts(b, "null");
		return;
	case JSON_BOOL:
		sbuf__puts(b, n->b ? "true" : "false");
		return;
	case JSON_NUM:
		sbuf__add(b, d->text + n->str, (size_t)n->len);
		return;
	case JSON_STR:
		json__str(b, d->text + n->str, (size_t)n->len);
		return;
	case JSON_ARR:
	case JSON_OBJ:
		break;
	}
	sbuf__putc(b, obj ? '{' : '[');
	for (int c = n->first; c >= 0; c = d->nodes[c].next) {
		if (c != n->first)
			sbuf__putc(b, ',');
		if (obj) {
			json__str(b, d->text + d->nodes[c].key, (size_t)d->nodes[c].key_len);
			sbuf__putc(b, ':');
		}
		write_tree(b, d, c);
	}
	sbuf__putc(b, obj ? '}' : ']');
}

static bool utf8_ok(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;

	for (size_t i = 0, n; i < len; i += n)
		if (!(n = fuzz_utf8_len(p + i, p + len)))
			return false;
	return true;
}

/* Whether every string and name decoded to valid UTF-8: then the input had no invalid UTF-8 or
 * lone surrogate (raw bytes pass through, escapes decode to whole sequences, and a surrogate to
 * bytes fuzz_utf8_len rejects), which are all fuzz_json_valid rejects and the reader does not. */
static bool texts_utf8(const struct json_doc *d)
{
	for (int i = 0; i < d->n; i++) {
		const struct json_node *n = &d->nodes[i];

		if (n->key >= 0 && !utf8_ok(d->text + n->key, (size_t)n->key_len))
			return false;
		if (n->type == JSON_STR && !utf8_ok(d->text + n->str, (size_t)n->len))
			return false;
	}
	return true;
}

/* Strings decoded from valid UTF-8 come back the same through json__str; other bytes come back
 * as the code point of the byte (json__str writes \u00XX, the reader decodes it as U+00XX). */
static bool same_text(const char *a, size_t alen, const char *b, size_t blen)
{
	return !utf8_ok(a, alen) || (alen == blen && !memcmp(a, b, alen));
}

static void check_same(const struct json_doc *a, int i, const struct json_doc *b, int k)
{
	const struct json_node *x = &a->nodes[i], *y = &b->nodes[k];
	int c, e;

	FUZZ_ASSERT(x->type == y->type && x->b == y->b);
	if (x->key >= 0)
		FUZZ_ASSERT(same_text(a->text + x->key, (size_t)x->key_len, b->text + y->key,
				      (size_t)y->key_len));
	if (x->type == JSON_STR || x->type == JSON_NUM)
		FUZZ_ASSERT(same_text(a->text + x->str, (size_t)x->len, b->text + y->str,
				      (size_t)y->len));
	for (c = x->first, e = y->first; c >= 0 && e >= 0;
	     c = a->nodes[c].next, e = b->nodes[e].next)
		check_same(a, c, b, e);
	FUZZ_ASSERT(c < 0 && e < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* As deep as fuzz_json_valid allows (64 values, so 64 containers); nodes never exceed the
	 * input bytes, so max_nodes = size + 1 is no limit. */
	struct json_doc d = { .max_depth = 64, .max_nodes = (int)size + 1 };
	struct json_doc back = { .max_depth = 64 }, small = { .max_depth = SMALL_DEPTH,
							      .max_nodes = SMALL_NODES };
	const char *p = (const char *)data;
	struct sbuf b;
	int rc, small_rc;

	if (size > 1 << 20)
		return 0;
	rc = json_read__parse(&d, p, size);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -E2BIG);
	if (fuzz_json_valid(data, size))
		FUZZ_ASSERT(rc == 0);
	small_rc = json_read__parse(&small, p, size);
	FUZZ_ASSERT(small_rc == 0 || small_rc == -EINVAL || small_rc == -E2BIG);
	if (rc) {
		FUZZ_ASSERT(!d.n && !d.nodes && !d.text);
		/* malformed: at best a limit is met before the fault */
		FUZZ_ASSERT(small_rc != 0);
		json_read__free(&small);
		return 0;
	}
	FUZZ_ASSERT(d.n >= 1 && d.n <= (int)size);
	check_tree(&d, 0, false, size + 1);
	/* ... and no more lenient than that */
	if (depth_of(&d, 0) < 64 && texts_utf8(&d))
		FUZZ_ASSERT(fuzz_json_valid(data, size));
	if (depth_of(&d, 0) > SMALL_DEPTH || d.n > SMALL_NODES) {
		FUZZ_ASSERT(small_rc == -E2BIG);
	} else {
		FUZZ_ASSERT(small_rc == 0 && small.n == d.n);
		check_same(&d, 0, &small, 0);
	}
	json_read__free(&small);

	sbuf__init(&b);
	write_tree(&b, &d, 0);
	FUZZ_ASSERT(!b.oom);
	/* fuzz_json_valid counts the scalar inside the deepest container as a level too */
	if (depth_of(&d, 0) < 64)
		FUZZ_ASSERT(fuzz_json_valid(b.buf, b.len));
	back.max_nodes = d.n;
	FUZZ_ASSERT(json_read__parse(&back, b.buf, b.len) == 0);
	FUZZ_ASSERT(back.n == d.n);
	check_same(&d, 0, &back, 0);
	json_read__free(&back);
	sbuf__free(&b);
	json_read__free(&d);
	return 0;
}
