// SPDX-License-Identifier: GPL-2.0
#include "util/sbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util/json_escape.h"
#include "util/sbuf_splice.h"

void sbuf__init(struct sbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void sbuf__free(struct sbuf *b)
{
	if (b->splices)
		sbuf_splice__free(b);
	if (!b->fixed)
		free(b->buf);
	memset(b, 0, sizeof(*b));
}

/* How many of the len bytes at s end in whole UTF-8 sequences: len, or the offset of the lead
 * byte of a last sequence that was cut short. Only the last 3 bytes are looked at (a lead 4 or
 * more back has all its bytes); invalid bytes are not this rule's business and stay. */
static size_t utf8_whole(const char *s, size_t len)
{
	for (size_t back = 1; back <= 3 && back <= len; back++) {
		unsigned char c = (unsigned char)s[len - back];

		if ((c & 0xc0) == 0x80)
			continue;
		if (c < 0xc0)
			return len;
		return (size_t)(c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2) > back ? len - back : len;
	}
	return len;
}

/* A fixed buffer's cut (sbuf__init_fixed): keep buf[0, end) up to its last whole character and
 * close. */
static void sbuf_close(struct sbuf *b, size_t end)
{
	b->len = utf8_whole(b->buf, end);
	b->buf[b->len] = '\0';
	b->cap = b->len + 1;
	b->oom = true;
}

void sbuf__end_cut(struct sbuf *b, const char *mark)
{
	size_t n = strlen(mark), at;

	if (!b->oom || !b->fixed || b->fixed <= n)
		return;
	at = b->fixed - 1 - n;
	if (at > b->len)
		at = b->len;
	at = utf8_whole(b->buf, at);
	memcpy(b->buf + at, mark, n + 1);
	b->len = at + n;
	b->cap = b->len + 1;
}

/* Make room for n more bytes plus the terminating NUL. */
static bool sbuf_reserve(struct sbuf *b, size_t n)
{
	size_t need, cap;
	char *nb;

	if (b->oom)
		return false;
	if (b->fixed) {
		if (b->len + n < b->cap)
			return true;
		sbuf_close(b, b->len);
		return false;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	nb = realloc(b->buf, cap);
	if (!nb) {
		b->oom = true;
		return false;
	}
	b->buf = nb;
	b->cap = cap;
	return true;
}

void sbuf__add_slow(struct sbuf *b, const void *p, size_t len)
{
	if (b->fixed && !b->oom && b->len + len >= b->cap) {
		size_t room = b->cap - 1 - b->len;

		memcpy(b->buf + b->len, p, room);
		sbuf_close(b, b->cap - 1);
		return;
	}
	if (!sbuf_reserve(b, len))
		return;
	memcpy(b->buf + b->len, p, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

char *sbuf__room_slow(struct sbuf *b, size_t n)
{
	return sbuf_reserve(b, n) ? b->buf + b->len : NULL;
}

void sbuf__puts(struct sbuf *b, const char *s)
{
	sbuf__add(b, s, strlen(s));
}

void sbuf__put_u64(struct sbuf *b, uint64_t v)
{
	char tmp[SBUF_DEC_MAX];
	char *p = sbuf__dec(tmp, v);

	sbuf__add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void sbuf__put_int(struct sbuf *b, long long v)
{
	char tmp[1 + SBUF_DEC_MAX];
	char *p = sbuf__dec(tmp + 1, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);

	if (v < 0)
		*--p = '-';
	sbuf__add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void sbuf__printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* Format straight into the room left; only a line that does not fit is formatted twice. */
	if (b->buf && !b->oom) {
		va_start(ap, fmt);
		n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		/* A fixed buffer keeps what vsnprintf wrote, to the last whole character. */
		if (b->fixed && n >= 0) {
			sbuf_close(b, b->cap - 1);
			return;
		}
		b->buf[b->len] = '\0';
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sbuf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629 3: no overlongs, no surrogates, <= U+10FFFF),
 * or 0 when the bytes there are not one. */
static size_t utf8_seq_len(const uint8_t *p, size_t len)
{
	uint8_t c = p[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Printable ASCII other than '"' and '\\': copied as is. */
static inline bool json_plain(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* Whether 8 bytes are all json_plain(), a word at a time: most output strings are long runs of
 * plain ASCII (finding messages, names), and the byte loop was the JSON writer's hottest spot.
 * The zero-byte test (v - 0x01..) & ~v & 0x80.. is exact for "is any byte zero". */
static inline bool json_plain8(const uint8_t *p)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t x, q, bs, del;

	memcpy(&x, p, 8);
	q = x ^ (ones * '"');
	bs = x ^ (ones * '\\');
	del = x ^ (ones * 0x7f);
	return !((x | ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((bs - ones) & ~bs) |
		  ((del - ones) & ~del)) & high);
}

#ifdef __SSE2__
/* One bit per byte of the 16 at p that is not json_plain(), bit i for p[i]: a NUL is a control
 * byte, so the same mask ends a C string. */
static inline unsigned json_stop_mask(__m128i v)
{
	/* 0x20..0x7e plus 0x60 is 0x80..0xde, signed -128..-34, and nothing else lands there: one
	 * add and one signed compare test both ends of the printable range */
	__m128i ok = _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8(0x60)), _mm_set1_epi8(-33));
	__m128i special = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
				       _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));

	return ~(unsigned)_mm_movemask_epi8(_mm_andnot_si128(special, ok)) & 0xffff;
}

/* How many of the 16 bytes at p are json_plain(), from the first: SSE2 is in every x86-64, and
 * testing 16 bytes at once and stopping exactly at the first byte to escape halves the scan of
 * the long plain runs (subjects, hashes, messages) that json_plain8() walked 8 at a time. */
static inline unsigned json_plain16(const uint8_t *p)
{
	unsigned escape = json_stop_mask(_mm_loadu_si128((const __m128i *)p));

	return escape ? (unsigned)__builtin_ctz(escape) : 16;
}

/* How many bytes of the C string s are json_plain() before its NUL or its first byte to escape:
 * strlen() and then json__str()'s scan read every string twice (finding messages, names: a few
 * KB a handshake). Aligned 16-byte loads, as strlen itself reads, never cross into a page past
 * the NUL; the bytes around the string that they also read are masked off, which the address
 * sanitizer cannot know. */
__attribute__((no_sanitize("address"))) static size_t cstr_plain_run(const char *s)
{
	const uint8_t *p = (const uint8_t *)((uintptr_t)s & ~(uintptr_t)15);
	unsigned stop = json_stop_mask(_mm_load_si128((const __m128i *)(const void *)p)) >>
			((uintptr_t)s & 15);

	if (stop)
		return (size_t)__builtin_ctz(stop);
	for (;;) {
		p += 16;
		stop = json_stop_mask(_mm_load_si128((const __m128i *)(const void *)p));
		if (stop)
			return (size_t)(p - (const uint8_t *)s) + (size_t)__builtin_ctz(stop);
	}
}
#endif

void json__str(struct sbuf *b, const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = data;
	size_t i = 0, n, run;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	char short_esc[2] = { '\\', 0 };

	sbuf__putc(b, '"');
	while (i < len) {
		/* Copy the longest run that needs no escaping in one go. */
		run = 0;
		while (i + run < len) {
			uint8_t c;

#ifdef __SSE2__
			if (len - i - run >= 16) {
				unsigned plain = json_plain16(p + i + run);

				run += plain;
				if (plain == 16)
					continue;
			}
#endif
			if (len - i - run >= 8 && json_plain8(p + i + run)) {
				run += 8;
				continue;
			}
			c = p[i + run];
			if (json_plain(c)) {
				run++;
				continue;
			}
			if (c < 0x80)
				break;
			n = utf8_seq_len(p + i + run, len - i - run);
			if (!n)
				break;
			run += n;
		}
		if (run) {
			sbuf__add(b, p + i, run);
			i += run;
			continue;
		}
		short_esc[1] = json_escape__letter(p[i]);
		if (short_esc[1]) {
			sbuf__add(b, short_esc, sizeof(short_esc));
		} else {
			/* Control characters, DEL, and each byte of invalid UTF-8 as \u00XX: the output
			 * stays valid JSON and no byte is silently lost. */
			esc[4] = hex[p[i] >> 4];
			esc[5] = hex[p[i] & 0xf];
			sbuf__add(b, esc, sizeof(esc));
		}
		i++;
	}
	sbuf__putc(b, '"');
}

void json__cstr(struct sbuf *b, const char *s)
{
#ifdef __SSE2__
	size_t n = cstr_plain_run(s);

	if (!s[n]) {
		/* what json__str() writes for a string with nothing to escape, in one step when it
		 * fits (about forty strings a handshake) */
		if (b->len + n + 2 < b->cap) {
			char *p = b->buf + b->len;

			p[0] = '"';
			memcpy(p + 1, s, n);
			p[n + 1] = '"';
			p[n + 2] = '\0';
			b->len += n + 2;
			return;
		}
		sbuf__putc(b, '"');
		sbuf__add(b, s, n);
		sbuf__putc(b, '"');
		return;
	}
	json__str(b, s, n + strlen(s + n));
#else
	json__str(b, s, strlen(s));
#endif
}

void json__cstr_or_null(struct sbuf *b, const char *s)
{
	if (s)
		json__cstr(b, s);
	else
		sbuf__puts(b, "null");
}
