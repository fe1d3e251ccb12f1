/* A growable byte buffer for building output lines (JSON, metrics text) without per-call mallocs:
 * callers reuse one sbuf and reset it. */
#ifndef TLSMON_SBUF_H
#define TLSMON_SBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sbuf {
	char *buf;
	size_t len, cap;
	bool oom; /* an append failed; contents truncated */
};

void sbuf__init(struct sbuf *b);
void sbuf__free(struct sbuf *b);
static inline void sbuf__reset(struct sbuf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->buf)
		b->buf[0] = '\0';
}
void sbuf__add_slow(struct sbuf *b, const void *p, size_t len);
void sbuf__puts(struct sbuf *b, const char *s);
/* Decimal, without printf (it dominated the JSON writer's profile). */
void sbuf__put_int(struct sbuf *b, long long v);

#define SBUF_DEC_MAX 20 /* digits of UINT64_MAX */

/* The decimal digits of v, written right-aligned to end at tmp + SBUF_DEC_MAX; returns the
 * first. For the writers that have no sbuf (explain, finding messages, endpoints). */
static inline char *sbuf__dec(char tmp[SBUF_DEC_MAX], uint64_t v)
{
	char *p = tmp + SBUF_DEC_MAX;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

/* Appends are on every output line's path: the common case (room left) stays inline. */
static inline void sbuf__add(struct sbuf *b, const void *p, size_t len)
{
	if (b->len + len < b->cap) {
		__builtin_memcpy(b->buf + b->len, p, len);
		b->len += len;
		b->buf[b->len] = '\0';
		return;
	}
	sbuf__add_slow(b, p, len);
}

static inline void sbuf__putc(struct sbuf *b, char c)
{
	if (b->len + 1 < b->cap) {
		b->buf[b->len++] = c;
		b->buf[b->len] = '\0';
		return;
	}
	sbuf__add_slow(b, &c, 1);
}
char *sbuf__room_slow(struct sbuf *b, size_t n);

/* For a writer that knows a bound n on what it appends: room for n bytes (and the NUL) at the end
 * of b, written through a local pointer and ended with sbuf__commit. Appending piece by piece
 * reloads b after every byte stored (a char store may alias it). NULL when b is out of memory. */
static inline char *sbuf__room(struct sbuf *b, size_t n)
{
	if (b->len + n < b->cap)
		return b->buf + b->len;
	return sbuf__room_slow(b, n);
}

/* end: one past the last byte written into sbuf__room(b, n), at most n bytes on. */
static inline void sbuf__commit(struct sbuf *b, char *end)
{
	b->len = (size_t)(end - b->buf);
	b->buf[b->len] = '\0';
}

void sbuf__printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* JSON helpers. json__str writes a quoted JSON string from arbitrary bytes: quotes, backslashes
 * and control characters escaped; invalid UTF-8 bytes written as \u00XX of the byte (so nothing
 * is lost and the output is always valid JSON). json__str_or_null writes null for NULL. */
void json__str(struct sbuf *b, const void *p, size_t len);
void json__cstr(struct sbuf *b, const char *s);
void json__cstr_or_null(struct sbuf *b, const char *s);

#endif
