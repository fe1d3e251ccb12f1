/* A strict, bounded JSON reader (RFC 8259) into a tree of nodes, for reading tlsmon's own JSON
 * Lines back (`tlsmon explain`): those files may come from another host, an older version or an
 * editor, so nothing in them is trusted. No I/O, no globals; the only memory is the document's. */
#ifndef TLSMON_JSON_READ_H
#define TLSMON_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_READ_MAX_DEPTH 32	    /* default nesting limit (containers open at once) */
#define JSON_READ_DEPTH_CAP 256	    /* one stack frame per level: no larger limit is taken */
#define JSON_READ_MAX_NODES 65536   /* default node limit */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

struct json_node {
	enum json_type type;
	bool b;		  /* JSON_BOOL */
	int key, key_len; /* member name in text; -1, 0 when not an object member */
	int str, len;	  /* JSON_STR: decoded value; JSON_NUM: text as written; else -1, 0 */
	int first, next;  /* first child (arrays, objects), next sibling: node indexes, -1 = none */
};

/* Set max_depth and max_nodes (0: the defaults above) before json_read__parse; the rest is its
 * result. Strings are stored NUL-terminated in text, decoded; the root is nodes[0]. */
struct json_doc {
	int max_depth, max_nodes;
	struct json_node *nodes;
	int n;
	char *text;
};

/* Parse [p, p + len), exactly one JSON text with optional white space around it. Returns 0;
 * -EINVAL when malformed, -E2BIG over max_depth or max_nodes (or len over INT_MAX), -ENOMEM.
 * On error the document is empty. Reuses nothing: json_read__free before parsing again.
 *
 * Strict grammar, with two things kept as the first reader had them, because tlsmon's writer
 * never produces them and the explain output of such lines should not change: bytes of strings
 * are not checked for UTF-8 (invalid sequences pass through as they are), and a \u escape of a
 * lone surrogate is encoded as its three bytes (a pair is joined into one code point). */
int json_read__parse(struct json_doc *d, const char *p, size_t len);
void json_read__free(struct json_doc *d);

/* The root node; NULL when nothing was parsed. */
const struct json_node *json_read__root(const struct json_doc *d);

/* Member key of an object (the first when it repeats); NULL when obj is not an object (or NULL)
 * or has no such member. */
const struct json_node *json_read__get(const struct json_doc *d, const struct json_node *obj,
				       const char *key);

/* Text of a string or number node; NULL for other types and for NULL. */
const char *json_read__text(const struct json_doc *d, const struct json_node *n);

/* json_read__text of member key; dflt when it is absent, null, or not a string or number. */
const char *json_read__str(const struct json_doc *d, const struct json_node *obj, const char *key,
			   const char *dflt);

/* Elements of an array: the first (NULL when arr is not an array or is empty), then the next. */
const struct json_node *json_read__first(const struct json_doc *d, const struct json_node *arr);
const struct json_node *json_read__next(const struct json_doc *d, const struct json_node *n);

#endif
