/* A byte buffer for building text without per-call mallocs. Growable: output lines (JSON, metrics
 * text), reused and reset. Fixed: a caller's array (finding messages, explain sentences), never
 * grown, where what does not fit is cut on a UTF-8 character boundary (sbuf__init_fixed). */
#ifndef TLSMON_SBUF_H
#define TLSMON_SBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sbuf {
	char *buf;
	size_t len, cap;
	size_t fixed; /* 0: growable; else the size of the caller's buf (see sbuf__init_fixed) */
	bool oom;     /* an append failed (out of memory, or cut in a fixed buffer): truncated */
	/* NULL: every append copies. Else the shared texts it references (util/sbuf_splice.h):
	 * such a buffer is written and reset by sbuf_splice__write() only. */
	struct sbuf_splices *splices;
};

void sbuf__init(struct sbuf *b);

/* Build into buf[size] (size >= 1), always NUL-terminated; sbuf__free leaves buf alone.
 *
 * The truncation rule, one for every fixed buffer: an append that does not fit keeps the bytes
 * that fit, less a UTF-8 sequence they end inside, and closes the buffer: oom is set and nothing
 * more is appended (the text stays a prefix of what was written, with no later piece glued on;
 * cap shrinks to len + 1, so the inline fast paths refuse without a test of their own). Why:
 * these texts go into JSON, metric labels and terminals, where half a character is garbage or an
 * error. Only the kept bytes are looked at, at most 3 back (a sequence has at most 4), so the rule
 * also works on what vsnprintf cut, and costs nothing until a piece does not fit. On valid UTF-8
 * it gives what finding messages had: snprintf's cut, less an incomplete last sequence. */
static inline void sbuf__init_fixed(struct sbuf *b, char *buf, size_t size)
{
	*b = (struct sbuf){ .buf = buf, .cap = size, .fixed = size };
	buf[0] = '\0';
}

/* A fixed buffer that was cut ends in mark ("..."), placed on a character boundary within its
 * size; otherwise nothing changes. */
void sbuf__end_cut(struct sbuf *b, const char *mark);

void sbuf__free(struct sbuf *b);
static inline void sbuf__reset(struct sbuf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->fixed)
		b->cap = b->fixed;
	if (b->buf)
		b->buf[0] = '\0';
}
void sbuf__add_slow(struct sbuf *b, const void *p, size_t len);
void sbuf__puts(struct sbuf *b, const char *s);
/* Decimal, without printf (it dominated the JSON writer's profile). */
void sbuf__put_int(struct sbuf *b, long long v);
void sbuf__put_u64(struct sbuf *b, uint64_t v);

#define SBUF_DEC_MAX 20 /* digits of UINT64_MAX */

/* The decimal digits of v, written right-aligned to end at tmp + SBUF_DEC_MAX; returns the
 * first. For writers into plain arrays (frame numbers, decode). */
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
 * reloads b after every byte stored (a char store may alias it). NULL when b is out of memory
 * (a fixed buffer without room for n is then closed as by a cut, at its current end). */
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
