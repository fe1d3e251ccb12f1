// SPDX-License-Identifier: GPL-2.0
#include "check.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/sbuf.h"

#define E2 "\xc3\xa9"		  /* é */
#define E3 "\xe2\x82\xac"	  /* € */
#define E4 "\xf0\x9f\x98\x80"	  /* U+1F600 */

static void test_growable(void)
{
	struct sbuf b;
	char big[1000];

	sbuf__init(&b);
	sbuf__puts(&b, "a");
	sbuf__put_int(&b, -42);
	sbuf__putc(&b, ' ');
	sbuf__put_u64(&b, UINT64_MAX);
	sbuf__printf(&b, " %s", "x");
	CHECK_STR(b.buf, "a-42 18446744073709551615 x");
	CHECK_EQ(b.len, strlen(b.buf));
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sbuf__printf(&b, "%s", big);
	sbuf__puts(&b, big);
	CHECK(!b.oom && b.len == 27 + 2 * 999 && b.buf[b.len] == '\0');
	sbuf__reset(&b);
	json__cstr(&b, "q\"" E2 "\xff");
	CHECK_STR(b.buf, "\"q\\\"" E2 "\\u00ff\"");
	sbuf__free(&b);
	CHECK(b.buf == NULL && b.len == 0 && b.cap == 0);
}

static void test_fixed_fits(void)
{
	char buf[6];
	struct sbuf b;

	memset(buf, 'Z', sizeof(buf));
	sbuf__init_fixed(&b, buf, sizeof(buf));
	CHECK_STR(buf, "");
	sbuf__puts(&b, "hel");
	sbuf__put_int(&b, 10);
	CHECK_STR(buf, "hel10");
	CHECK(!b.oom);
	/* exactly full is not cut; nothing is not an append */
	sbuf__puts(&b, "");
	CHECK(!b.oom);
	sbuf__putc(&b, '!');
	CHECK(b.oom);
	CHECK_STR(buf, "hel10");
	CHECK_EQ(b.len, 5);
}

/* bytes of s once appended to a fixed buffer of size bytes */
static const char *cut(char *buf, size_t size, const char *a, const char *s)
{
	struct sbuf b;

	sbuf__init_fixed(&b, buf, size);
	sbuf__puts(&b, a);
	sbuf__puts(&b, s);
	CHECK(b.len == strlen(buf) && b.len < size);
	return buf;
}

static void test_fixed_cut_on_character(void)
{
	char buf[16];

	CHECK_STR(cut(buf, 8, "abc", "defghij"), "abcdefg");
	/* a sequence cut short is dropped whole, whatever its length and where it was cut */
	CHECK_STR(cut(buf, 5, "abc", E2), "abc");
	CHECK_STR(cut(buf, 5, "ab", E3), "ab");
	CHECK_STR(cut(buf, 6, "ab", E3), "ab" E3);
	CHECK_STR(cut(buf, 4, "a", E4), "a");
	CHECK_STR(cut(buf, 6, "a", E4 E4), "a" E4);
	CHECK_STR(cut(buf, 7, "", E2 E2 E2 E2), E2 E2 E2);
	CHECK_STR(cut(buf, 8, "", E3 E3 E3), E3 E3);
	CHECK_STR(cut(buf, 16, "", E4 E4 E4 E4), E4 E4 E4);
	CHECK_STR(cut(buf, 16, "abcdefg", E4 E4 E4), "abcdefg" E4 E4);
	/* invalid bytes are not the rule's business: kept as they are */
	CHECK_STR(cut(buf, 4, "", "\x80\x80\x80\x80\x80"), "\x80\x80\x80");
	CHECK_STR(cut(buf, 5, "\xff", "abcdef"), "\xff" "abc");
	/* size 1: nothing fits */
	CHECK_STR(cut(buf, 1, "", "a"), "");
}

static void test_fixed_closes(void)
{
	char buf[6];
	struct sbuf b;

	sbuf__init_fixed(&b, buf, sizeof(buf));
	sbuf__puts(&b, "abcd");
	sbuf__puts(&b, E2 "x");
	CHECK(b.oom);
	CHECK_STR(buf, "abcd");
	/* a byte is left, but the text stays a prefix of what was written */
	sbuf__putc(&b, 'y');
	sbuf__puts(&b, "z");
	sbuf__put_u64(&b, 7);
	sbuf__printf(&b, "%d", 8);
	CHECK(sbuf__room(&b, 1) == NULL);
	CHECK_STR(buf, "abcd");
	CHECK_EQ(b.len, 4);

	/* a sequence split over two appends is cut whole too */
	sbuf__init_fixed(&b, buf, 5);
	sbuf__puts(&b, "ab");
	sbuf__puts(&b, "\xe2\x82");
	CHECK(!b.oom);
	sbuf__puts(&b, "\xac" "cd");
	CHECK(b.oom);
	CHECK_STR(buf, "ab");
	/* ... and completed when its last byte is what fits */
	sbuf__init_fixed(&b, buf, sizeof(buf));
	sbuf__puts(&b, "ab");
	sbuf__puts(&b, "\xe2\x82");
	sbuf__puts(&b, "\xac" "cd");
	CHECK(b.oom);
	CHECK_STR(buf, "ab" E3);

	/* reset reopens it, sbuf__free leaves the caller's array alone */
	sbuf__reset(&b);
	sbuf__puts(&b, "12345");
	CHECK(!b.oom);
	CHECK_STR(buf, "12345");
	sbuf__free(&b);
	CHECK_STR(buf, "12345");
}

static void test_fixed_printf_and_room(void)
{
	char buf[8];
	struct sbuf b;
	char *p;

	sbuf__init_fixed(&b, buf, sizeof(buf));
	sbuf__printf(&b, "%s-%d", "ab" E2, 12345);
	CHECK(b.oom);
	CHECK_STR(buf, "ab" E2 "-12");
	CHECK_EQ(b.len, 7);

	sbuf__init_fixed(&b, buf, sizeof(buf));
	sbuf__printf(&b, "%s", "abcdef" E2);
	CHECK_STR(buf, "abcdef");
	CHECK(b.oom);

	sbuf__init_fixed(&b, buf, sizeof(buf));
	p = sbuf__room(&b, 7);
	CHECK(p == buf);
	if (p) {
		memcpy(p, "1234567", 7);
		sbuf__commit(&b, p + 7);
	}
	CHECK_STR(buf, "1234567");
	CHECK(!b.oom);
	sbuf__reset(&b);
	sbuf__puts(&b, "ab" E2);
	CHECK(sbuf__room(&b, 4) == NULL);
	CHECK(b.oom);
	CHECK_STR(buf, "ab" E2);
}

static void test_fixed_end_cut(void)
{
	char buf[10];
	struct sbuf b;

	sbuf__init_fixed(&b, buf, sizeof(buf));
	sbuf__puts(&b, "abcdefghijkl");
	sbuf__end_cut(&b, "...");
	CHECK_STR(buf, "abcdef...");
	CHECK_EQ(b.len, 9);

	/* not cut: as it is, even when full */
	sbuf__init_fixed(&b, buf, sizeof(buf));
	sbuf__puts(&b, "abcde" E2 E2);
	sbuf__end_cut(&b, "...");
	CHECK_STR(buf, "abcde" E2 E2);

	/* the mark goes on a character boundary */
	sbuf__init_fixed(&b, buf, sizeof(buf));
	sbuf__puts(&b, "abcde" E2 E2 E2);
	sbuf__end_cut(&b, "...");
	CHECK_STR(buf, "abcde...");
	sbuf__init_fixed(&b, buf, sizeof(buf));
	sbuf__puts(&b, "abcd" E4 "xy");
	CHECK_STR(buf, "abcd" E4 "x");
	sbuf__end_cut(&b, "...");
	CHECK_STR(buf, "abcd...");

	/* too small for the mark: left as cut */
	sbuf__init_fixed(&b, buf, 3);
	sbuf__puts(&b, "abc");
	sbuf__end_cut(&b, "...");
	CHECK_STR(buf, "ab");
	sbuf__init_fixed(&b, buf, 4);
	sbuf__puts(&b, "abcd");
	sbuf__end_cut(&b, "...");
	CHECK_STR(buf, "...");
}

/* The builders the fixed mode replaced, as they were: finding messages (policy_eval.c: cut at
 * size - 1, then an incomplete last sequence dropped) and explain sentences (explain.c: cut at
 * size - 1, then "..." at size - 4 moved back over continuation bytes). */
static void old_message(char *buf, size_t size, const char *const *pieces, int n)
{
	size_t len = 0, i;

	buf[0] = '\0';
	for (int k = 0; k < n; k++) {
		size_t m = strlen(pieces[k]), room = size - 1 - len;

		if (m > room)
			m = room;
		memcpy(buf + len, pieces[k], m);
		len += m;
		buf[len] = '\0';
	}
	i = len;
	for (int back = 0; i > 0 && back < 4; back++) {
		unsigned char ch = (unsigned char)buf[--i];
		size_t need;

		if ((ch & 0xc0) == 0x80)
			continue;
		need = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
		if (len - i < need)
			buf[i] = '\0';
		break;
	}
}

static void old_sentence(char *buf, size_t size, const char *const *pieces, int n)
{
	size_t len = 0, i;
	bool full = false;

	buf[0] = '\0';
	for (int k = 0; k < n && !full; k++) {
		size_t m = strlen(pieces[k]), room = size - 1 - len;

		if (m > room) {
			m = room;
			full = true;
		}
		memcpy(buf + len, pieces[k], m);
		len += m;
		buf[len] = '\0';
	}
	if (!full || size < 4)
		return;
	i = size - 4;
	while (i > 0 && ((unsigned char)buf[i] & 0xc0) == 0x80)
		i--;
	memcpy(buf + i, "...", 4);
}

/* On valid UTF-8 the one rule gives byte for byte what both had (random pieces, every size), but
 * for sentences of under 4 bytes, where the old one left half a character. */
static void test_same_as_the_builders_it_replaced(void)
{
	static const char *const words[] = { "a", "bc", "def ", E2, E3, E4, "x" E2, E3 "yz", E4 E2,
					     "", "certificate #", " (leaf, CN=" };
	uint32_t seed = 12345;
	int differ = 0;

	for (int round = 0; round < 2000; round++) {
		const char *pieces[8];
		int n;

		seed = seed * 1103515245u + 12345u;
		n = 1 + (int)(seed >> 16) % 8;
		for (int k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			pieces[k] = words[(seed >> 16) % (sizeof(words) / sizeof(words[0]))];
		}
		for (size_t size = 1; size <= 40; size++) {
			char want[48], got[48];
			struct sbuf b;

			old_message(want, size, pieces, n);
			sbuf__init_fixed(&b, got, size);
			for (int k = 0; k < n; k++)
				sbuf__puts(&b, pieces[k]);
			differ += strcmp(want, got) != 0 || !utf8_valid(got);
			/* under 4 bytes (no room for "...") the old sentence kept a cut sequence */
			old_sentence(want, size, pieces, n);
			sbuf__end_cut(&b, "...");
			differ += (size >= 4 && strcmp(want, got) != 0) || !utf8_valid(got);
		}
	}
	CHECK_EQ(differ, 0);
}

/* json__str scans plain runs 16 and 8 bytes at a time: a byte to escape, or a UTF-8 character,
 * at every position of strings up to 48 bytes long must come out as a byte-at-a-time writer
 * (below) puts it. */
static void test_json_str_every_position(void)
{
	static const char *const odd[] = { "\"", "\\", "\n", "\x1f", "\x7f", "\x80", "\0",
					   E2,	 E3,   E4,   "\xc3", "~",    " " };
	static const size_t odd_len[] = { 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 1, 1, 1 };
	char in[64], want[512];
	struct sbuf b;

	sbuf__init(&b);
	for (size_t o = 0; o < sizeof(odd) / sizeof(odd[0]); o++) {
		for (size_t len = 0; len <= 48; len++) {
			for (size_t at = 0; at + odd_len[o] <= len; at++) {
				size_t w = 0;

				memset(in, 'a' + (int)(at % 26), len);
				memcpy(in + at, odd[o], odd_len[o]);
				want[w++] = '"';
				for (size_t i = 0; i < len; i++) {
					uint8_t c = (uint8_t)in[i];
					bool utf8 = i == at && odd_len[o] > 1;

					if (utf8) {
						memcpy(want + w, odd[o], odd_len[o]);
						w += odd_len[o];
						i += odd_len[o] - 1;
					} else if (c == '"' || c == '\\') {
						want[w++] = '\\';
						want[w++] = (char)c;
					} else if (c == '\n') {
						want[w++] = '\\';
						want[w++] = 'n';
					} else if (c < 0x20 || c >= 0x7f) {
						w += (size_t)sprintf(want + w, "\\u%04x", c);
					} else {
						want[w++] = (char)c;
					}
				}
				want[w++] = '"';
				sbuf__reset(&b);
				json__str(&b, in, len);
				CHECK_EQ(b.len, w);
				CHECK(!memcmp(b.buf, want, w));
			}
		}
	}
	sbuf__free(&b);
}

/* Every byte value at every position of strings up to 40 bytes, through json__str and
 * json__cstr, against a writer that knows only RFC 8259 7 (the 16-byte masks test ranges by
 * arithmetic). A lone byte >= 0x80 is malformed UTF-8, written as \u00XX. */
static void test_json_every_byte_value(void)
{
	static const char bytes[] = "\"\\\n\r\t", letters[] = "\"\\nrt";
	char in[48], want[256];
	struct sbuf b, c;

	sbuf__init(&b);
	sbuf__init(&c);
	for (int v = 1; v < 256; v++) {
		for (size_t len = 1; len <= 40; len++) {
			for (size_t at = 0; at < len; at++) {
				size_t w = 0;

				memset(in, 'x', len);
				in[at] = (char)v;
				in[len] = '\0';
				want[w++] = '"';
				for (size_t i = 0; i < len; i++) {
					uint8_t ch = (uint8_t)in[i];
					const char *letter = ch ? strchr(bytes, ch) : NULL;

					if (letter) {
						want[w++] = '\\';
						want[w++] = letters[letter - bytes];
					} else if (ch < 0x20 || ch >= 0x7f) {
						w += (size_t)sprintf(want + w, "\\u%04x", ch);
					} else {
						want[w++] = (char)ch;
					}
				}
				want[w++] = '"';
				sbuf__reset(&b);
				sbuf__reset(&c);
				json__str(&b, in, len);
				json__cstr(&c, in);
				CHECK_EQ(b.len, w);
				CHECK(!memcmp(b.buf, want, w));
				CHECK_EQ(c.len, w);
				CHECK(!memcmp(c.buf, want, w));
			}
		}
	}
	sbuf__free(&b);
	sbuf__free(&c);
}

/* json__cstr finds the end of the string and the first byte to escape in one scan, 16 aligned
 * bytes at a time: at every start alignment, every length, with each kind of byte at every
 * position and bytes to escape right after the NUL, it writes what json__str(s, strlen(s))
 * writes, into a growing buffer and into a fixed one too small for it. */
static void test_json_cstr_every_alignment(void)
{
	static const char odd[] = { '"', '\\', '\n', '\x1f', '\x7f', '\x80', '\xc3', '~', ' ' };
	_Alignas(16) char in[96];
	char fixed_a[24], fixed_b[24];
	struct sbuf a, b, fa, fb;

	sbuf__init(&a);
	sbuf__init(&b);
	for (size_t off = 0; off < 16; off++) {
		for (size_t len = 0; len <= 48; len++) {
			for (size_t o = 0; o <= sizeof(odd); o++) {
				for (size_t at = 0; at < len || (at == 0 && len == 0); at++) {
					char *s = in + off;

					memset(in, '"', sizeof(in)); /* to escape, were it read */
					memset(s, 'a' + (int)(len % 26), len);
					if (o < sizeof(odd) && at < len)
						s[at] = odd[o];
					s[len] = '\0';
					sbuf__reset(&a);
					sbuf__reset(&b);
					json__cstr(&a, s);
					json__str(&b, s, strlen(s));
					CHECK_EQ(a.len, b.len);
					CHECK(!memcmp(a.buf, b.buf, b.len));
					sbuf__init_fixed(&fa, fixed_a, sizeof(fixed_a));
					sbuf__init_fixed(&fb, fixed_b, sizeof(fixed_b));
					json__cstr(&fa, s);
					json__str(&fb, s, strlen(s));
					CHECK_EQ(fa.len, fb.len);
					CHECK(!memcmp(fixed_a, fixed_b, fb.len + 1));
				}
			}
		}
	}
	sbuf__free(&a);
	sbuf__free(&b);
}

int main(void)
{
	RUN_TEST(test_growable);
	RUN_TEST(test_fixed_fits);
	RUN_TEST(test_fixed_cut_on_character);
	RUN_TEST(test_fixed_closes);
	RUN_TEST(test_fixed_printf_and_room);
	RUN_TEST(test_fixed_end_cut);
	RUN_TEST(test_same_as_the_builders_it_replaced);
	RUN_TEST(test_json_str_every_position);
	RUN_TEST(test_json_cstr_every_alignment);
	RUN_TEST(test_json_every_byte_value);
	return CHECK_DONE();
}
