/* Shared by the libFuzzer targets and the replay driver: the entry point's prototype and a strict
 * JSON checker for what the writers produce. */
#ifndef TLSMON_FUZZ_H
#define TLSMON_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failed invariant must crash so that libFuzzer keeps the input (and replay fails). */
#define FUZZ_ASSERT(cond)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                \
			abort();                                                       \
		}                                                                      \
	} while (0)

struct jcur {
	const uint8_t *p, *end;
	int depth;
};

/* Valid UTF-8 sequence length at p (RFC 3629 3), 0 when invalid. */
static inline size_t fuzz_utf8_len(const uint8_t *p, const uint8_t *end)
{
	size_t n, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static inline int fuzz_hex4(const uint8_t *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* RFC 8259 7: a string literal. When out is set, the decoded value is stored with the lossless
 * convention of json__str: \u00XX is the byte XX, other escapes are UTF-8 encoded. */
static inline bool fuzz_json_string(struct jcur *c, uint8_t *out, size_t *out_len)
{
	size_t o = 0, n;
	int v, lo;

	if (c->p >= c->end || *c->p != '"')
		return false;
	c->p++;
	while (c->p < c->end) {
		uint8_t ch = *c->p;

		if (ch == '"') {
			c->p++;
			if (out_len)
				*out_len = o;
			return true;
		}
		if (ch < 0x20)
			return false;
		if (ch != '\\') {
			n = fuzz_utf8_len(c->p, c->end);
			if (!n)
				return false;
			if (out)
				for (size_t i = 0; i < n; i++)
					out[o++] = c->p[i];
			c->p += n;
			continue;
		}
		if (c->end - c->p < 2)
			return false;
		ch = c->p[1];
		c->p += 2;
		switch (ch) {
		case '"':
		case '\\':
		case '/':
			break;
		case 'b':
			ch = '\b';
			break;
		case 'f':
			ch = '\f';
			break;
		case 'n':
			ch = '\n';
			break;
		case 'r':
			ch = '\r';
			break;
		case 't':
			ch = '\t';
			break;
		case 'u':
			if (c->end - c->p < 4 || (v = fuzz_hex4(c->p)) < 0)
				return false;
			c->p += 4;
			if (v >= 0xd800 && v <= 0xdbff) {
				if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
				    (lo = fuzz_hex4(c->p + 2)) < 0xdc00 || lo > 0xdfff)
					return false;
				c->p += 6;
				v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
			} else if (v >= 0xdc00 && v <= 0xdfff) {
				return false;
			}
			if (!out)
				continue;
			if (v < 0x100) {
				out[o++] = (uint8_t)v;
			} else if (v < 0x800) {
				out[o++] = 0xc0 | v >> 6;
				out[o++] = 0x80 | (v & 0x3f);
			} else if (v < 0x10000) {
				out[o++] = 0xe0 | v >> 12;
				out[o++] = 0x80 | (v >> 6 & 0x3f);
				out[o++] = 0x80 | (v & 0x3f);
			} else {
				out[o++] = 0xf0 | v >> 18;
				out[o++] = 0x80 | (v >> 12 & 0x3f);
				out[o++] = 0x80 | (v >> 6 & 0x3f);
				out[o++] = 0x80 | (v & 0x3f);
			}
			continue;
		default:
			return false;
		}
		if (out)
			out[o++] = ch;
	}
	return false;
}

static inline void fuzz_json_ws(struct jcur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static inline bool fuzz_json_lit(struct jcur *c, const char *lit)
{
	for (; *lit; lit++, c->p++)
		if (c->p >= c->end || *c->p != (uint8_t)*lit)
			return false;
	return true;
}

static inline bool fuzz_json_digits(struct jcur *c)
{
	const uint8_t *s = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > s;
}

/* RFC 8259 6. */
static inline bool fuzz_json_number(struct jcur *c)
{
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (!fuzz_json_digits(c))
		return false;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!fuzz_json_digits(c))
			return false;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!fuzz_json_digits(c))
			return false;
	}
	return true;
}

static inline bool fuzz_json_value(struct jcur *c)
{
	bool obj;

	fuzz_json_ws(c);
	if (c->p >= c->end || ++c->depth > 64)
		return false;
	switch (*c->p) {
	case '"':
		if (!fuzz_json_string(c, NULL, NULL))
			return false;
		break;
	case 't':
	case 'f':
	case 'n':
		if (!fuzz_json_lit(c, *c->p == 't' ? "true" : *c->p == 'f' ? "false" : "null"))
			return false;
		break;
	case '{':
	case '[':
		obj = *c->p == '{';
		c->p++;
		fuzz_json_ws(c);
		if (c->p < c->end && *c->p == (obj ? '}' : ']')) {
			c->p++;
			break;
		}
		for (;;) {
			if (obj) {
				fuzz_json_ws(c);
				if (!fuzz_json_string(c, NULL, NULL))
					return false;
				fuzz_json_ws(c);
				if (c->p >= c->end || *c->p++ != ':')
					return false;
			}
			if (!fuzz_json_value(c))
				return false;
			fuzz_json_ws(c);
			if (c->p >= c->end)
				return false;
			if (*c->p == ',') {
				c->p++;
				continue;
			}
			if (*c->p++ != (obj ? '}' : ']'))
				return false;
			break;
		}
		break;
	default:
		if (!fuzz_json_number(c))
			return false;
	}
	c->depth--;
	return true;
}

/* Is [p, p + len) exactly one JSON text (RFC 8259 2), in valid UTF-8? */
static inline bool fuzz_json_valid(const void *p, size_t len)
{
	struct jcur c = { .p = p, .end = (const uint8_t *)p + len };

	if (!fuzz_json_value(&c))
		return false;
	fuzz_json_ws(&c);
	return c.p == c.end;
}

#endif
