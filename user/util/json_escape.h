/* RFC 8259 7: JSON's two-character escapes, once for the writer (util/sbuf.c) and the reader
 * (util/json_read.c). */
#ifndef TLSMON_JSON_ESCAPE_H
#define TLSMON_JSON_ESCAPE_H

#include <stddef.h>
#include <string.h>

/* The escape letters and the bytes they stand for, in the same order. The writer uses the first
 * five (JSON_SHORT_ESCAPES) and writes every other control character as \u00XX, as its output
 * always has; the reader accepts all eight. */
#define JSON_ESCAPE_LETTERS "\"\\nrt/bf"
#define JSON_ESCAPE_BYTES "\"\\\n\r\t/\b\f"
#define JSON_SHORT_ESCAPES 5

/* The byte that "\\letter" stands for, or -1 when letter is not one of the escapes. */
static inline int json_escape__decode(char letter)
{
	const char *at = letter ? strchr(JSON_ESCAPE_LETTERS, letter) : NULL;

	return at ? (unsigned char)JSON_ESCAPE_BYTES[at - JSON_ESCAPE_LETTERS] : -1;
}

/* The letter the writer escapes byte c with, or 0 when it writes c as \u00XX. */
static inline char json_escape__letter(unsigned char c)
{
	const char *at = c ? memchr(JSON_ESCAPE_BYTES, c, JSON_SHORT_ESCAPES) : NULL;

	return at ? JSON_ESCAPE_LETTERS[at - JSON_ESCAPE_BYTES] : 0;
}

#endif
