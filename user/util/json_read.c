// SPDX-License-Identifier: GPL-2.0
#include "util/json_read.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_escape.h"

struct jparse {
	const char *p, *end;
	struct json_doc *d;
	int cap;     /* nodes allocated */
	size_t tlen; /* text used */
	int max_depth, max_nodes;
};

static int node_new(struct jparse *j, enum json_type t)
{
	struct json_doc *d = j->d;

	if (d->n == j->cap) {
		int cap;
		struct json_node *nn;

		if (j->cap >= j->max_nodes)
			return -E2BIG;
		cap = j->cap ? (j->cap > j->max_nodes / 2 ? j->max_nodes : j->cap * 2) : 64;
		if (cap > j->max_nodes)
			cap = j->max_nodes;
		nn = realloc(d->nodes, (size_t)cap * sizeof(*nn));
		if (!nn)
			return -ENOMEM;
		d->nodes = nn;
		j->cap = cap;
	}
	d->nodes[d->n] = (struct json_node){
		.type = t, .key = -1, .str = -1, .first = -1, .next = -1,
	};
	return d->n++;
}

/* The text buffer is sized once, for the worst case (see json_read__parse): no bound checks. */
static void text_put(struct jparse *j, const char *s, size_t n)
{
	memcpy(j->d->text + j->tlen, s, n);
	j->tlen += n;
}

static void skip_ws(struct jparse *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (c | 0x20) - 'a' + 10;
		else
			return -1;
	}
	return v;
}

/* At most 4 bytes, never more than the 6 of the escape it comes from. */
static void put_utf8(struct jparse *j, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	text_put(j, u, n);
}

/* RFC 8259 7: a string at j->p, decoded into text at *off, *len bytes (NUL-terminated). */
static int parse_string(struct jparse *j, int *off, int *len)
{
	size_t start = j->tlen;

	if (j->p >= j->end || *j->p != '"')
		return -EINVAL;
	j->p++;
	for (;;) {
		const char *run = j->p;
		unsigned char c;
		int cp, lo;

		while (j->p < j->end && *j->p != '"' && *j->p != '\\' &&
		       (unsigned char)*j->p >= 0x20)
			j->p++;
		text_put(j, run, (size_t)(j->p - run));
		if (j->p >= j->end)
			return -EINVAL;
		c = (unsigned char)*j->p;
		if (c == '"')
			break;
		if (c < 0x20) /* control characters must be escaped */
			return -EINVAL;
		if (j->end - j->p < 2)
			return -EINVAL;
		c = (unsigned char)j->p[1];
		j->p += 2;
		if (c != 'u') {
			int byte = json_escape__decode((char)c);
			char out = (char)byte;

			if (byte < 0)
				return -EINVAL;
			text_put(j, &out, 1);
			continue;
		}
		if (j->end - j->p < 4 || (cp = hex4(j->p)) < 0)
			return -EINVAL;
		j->p += 4;
		/* Characters beyond the BMP come as a surrogate pair. */
		if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
		    j->p[1] == 'u' && (lo = hex4(j->p + 2)) >= 0xdc00 && lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			j->p += 6;
		}
		put_utf8(j, (unsigned)cp);
	}
	j->p++;
	*off = (int)start;
	*len = (int)(j->tlen - start);
	text_put(j, "", 1);
	return 0;
}

static bool is_digit(const struct jparse *j)
{
	return j->p < j->end && *j->p >= '0' && *j->p <= '9';
}

/* RFC 8259 6: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?, kept as written. */
static int parse_number(struct jparse *j, int *off, int *len)
{
	const char *s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (!is_digit(j))
		return -EINVAL;
	if (*j->p++ != '0')
		while (is_digit(j))
			j->p++;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!is_digit(j))
			return -EINVAL;
		while (is_digit(j))
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!is_digit(j))
			return -EINVAL;
		while (is_digit(j))
			j->p++;
	}
	*off = (int)j->tlen;
	*len = (int)(j->p - s);
	text_put(j, s, (size_t)(j->p - s));
	text_put(j, "", 1);
	return 0;
}

static bool literal(struct jparse *j, const char *lit, size_t n)
{
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return false;
	j->p += n;
	return true;
}

static int parse_value(struct jparse *j, int depth);

/* An array or object at j->p; children are linked in order. Returns its node or -errno. */
static int parse_container(struct jparse *j, int depth, bool obj)
{
	char close = obj ? '}' : ']';
	int node, last = -1;

	if (depth >= j->max_depth)
		return -E2BIG;
	node = node_new(j, obj ? JSON_OBJ : JSON_ARR);
	if (node < 0)
		return node;
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return node;
	}
	for (;;) {
		int key = -1, key_len = 0, child, err;

		skip_ws(j);
		if (obj) {
			err = parse_string(j, &key, &key_len);
			if (err)
				return err;
			skip_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return -EINVAL;
			j->p++;
		}
		child = parse_value(j, depth + 1);
		if (child < 0)
			return child;
		j->d->nodes[child].key = key;
		j->d->nodes[child].key_len = key_len;
		if (last < 0)
			j->d->nodes[node].first = child;
		else
			j->d->nodes[last].next = child;
		last = child;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return node;
		}
		return -EINVAL;
	}
}

/* depth: containers open around this value. Returns its node or -errno. */
static int parse_value(struct jparse *j, int depth)
{
	int node, off, len, err;
	enum json_type t;
	bool truth;

	skip_ws(j);
	if (j->p >= j->end)
		return -EINVAL;
	switch (*j->p) {
	case '{':
		return parse_container(j, depth, true);
	case '[':
		return parse_container(j, depth, false);
	case '"':
		t = JSON_STR;
		err = parse_string(j, &off, &len);
		break;
	case 'n':
		return literal(j, "null", 4) ? node_new(j, JSON_NULL) : -EINVAL;
	case 't':
	case 'f':
		truth = *j->p == 't';
		if (!(truth ? literal(j, "true", 4) : literal(j, "false", 5)))
			return -EINVAL;
		node = node_new(j, JSON_BOOL);
		if (node >= 0)
			j->d->nodes[node].b = truth;
		return node;
	default:
		t = JSON_NUM;
		err = parse_number(j, &off, &len);
		break;
	}
	if (err)
		return err;
	node = node_new(j, t);
	if (node >= 0) {
		j->d->nodes[node].str = off;
		j->d->nodes[node].len = len;
	}
	return node;
}

int json_read__parse(struct json_doc *d, const char *p, size_t len)
{
	struct jparse j = { .p = p, .end = p + len, .d = d };
	int root;

	d->nodes = NULL;
	d->n = 0;
	d->text = NULL;
	/* Offsets are ints. */
	if (len >= INT_MAX)
		return -E2BIG;
	j.max_depth = d->max_depth > 0 ? d->max_depth : JSON_READ_MAX_DEPTH;
	if (j.max_depth > JSON_READ_DEPTH_CAP)
		j.max_depth = JSON_READ_DEPTH_CAP;
	j.max_nodes = d->max_nodes > 0 ? d->max_nodes : JSON_READ_MAX_NODES;
	/* Decoded text never outgrows the input: a string loses its quotes and gains a NUL, an
	 * escape decodes to fewer bytes than it takes, and a number's NUL is paid for by the byte
	 * that ends it (a delimiter, white space), except for a lone top-level number: + 1. */
	d->text = malloc(len + 1);
	if (!d->text)
		return -ENOMEM;
	root = parse_value(&j, 0);
	if (root >= 0) {
		skip_ws(&j);
		if (j.p != j.end)
			root = -EINVAL;
	}
	if (root < 0) {
		json_read__free(d);
		return root;
	}
	return 0;
}

void json_read__free(struct json_doc *d)
{
	free(d->nodes);
	free(d->text);
	d->nodes = NULL;
	d->text = NULL;
	d->n = 0;
}

const struct json_node *json_read__root(const struct json_doc *d)
{
	return d->n ? &d->nodes[0] : NULL;
}

const struct json_node *json_read__get(const struct json_doc *d, const struct json_node *obj,
				       const char *key)
{
	if (!obj || obj->type != JSON_OBJ)
		return NULL;
	size_t len = strlen(key);

	/* memcmp: a name may hold \u0000, and "a\u0000b" is not "a" */
	for (int i = obj->first; i >= 0; i = d->nodes[i].next) {
		const struct json_node *n = &d->nodes[i];

		if ((size_t)n->key_len == len && !memcmp(d->text + n->key, key, len))
			return n;
	}
	return NULL;
}

const char *json_read__text(const struct json_doc *d, const struct json_node *n)
{
	return n && (n->type == JSON_STR || n->type == JSON_NUM) ? d->text + n->str : NULL;
}

const char *json_read__str(const struct json_doc *d, const struct json_node *obj, const char *key,
			   const char *dflt)
{
	const char *s = json_read__text(d, json_read__get(d, obj, key));

	return s ? s : dflt;
}

const struct json_node *json_read__first(const struct json_doc *d, const struct json_node *arr)
{
	return arr && arr->type == JSON_ARR && arr->first >= 0 ? &d->nodes[arr->first] : NULL;
}

const struct json_node *json_read__next(const struct json_doc *d, const struct json_node *n)
{
	return n->next >= 0 ? &d->nodes[n->next] : NULL;
}
