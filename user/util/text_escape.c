// SPDX-License-Identifier: GPL-2.0
#include "util/text_escape.h"

#include <stdint.h>

/* Length of the valid UTF-8 sequence at p (1 for printable ASCII), or 0 when the bytes there
 * must be escaped: a control character (C0, DEL, or C1 U+0080..U+009F) or not UTF-8
 * (RFC 3629 4: no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t safe_len(const uint8_t *p, size_t len)
{
	uint32_t cp;
	size_t n;

	if (p[0] >= 0x20 && p[0] < 0x7f)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp <= 0x9f || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

bool text__needs_escape(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;

	for (size_t i = 0, n; i < len; i += n) {
		n = safe_len(p + i, len - i);
		if (!n)
			return true;
	}
	return false;
}

/* Runs that need no escaping go out in one sbuf__add(): a call per byte was most of the cost of
 * the pcapng comments the daemon writes per handshake (text__escape 2.8 % of its samples with
 * process attribution on). */
void text__escape(struct sbuf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, run = 0, n;

	while (i + run < len) {
		n = safe_len(p + i + run, len - i - run);
		if (n) {
			run += n;
			continue;
		}
		if (run)
			sbuf__add(b, p + i, run);
		i += run;
		run = 0;
		char esc[4] = { '\\', 'x', hex[p[i] >> 4], hex[p[i] & 15] };

		sbuf__add(b, esc, sizeof(esc));
		i++;
	}
	if (run)
		sbuf__add(b, p + i, run);
}
