/* util/text_escape: control characters and bytes that are not UTF-8 become \xHH; text, UTF-8 and
 * backslashes pass as they are. */
#include "check.h"
#include "util/text_escape.h"

static const char *esc(struct sbuf *b, const char *s, size_t len)
{
	sbuf__reset(b);
	text__escape(b, s, len);
	sbuf__putc(b, '\0');
	return b->buf;
}

static void test_escape(void)
{
	struct sbuf b;

	sbuf__init(&b);
	CHECK(!text__needs_escape("www.example.com", 15));
	CHECK_STR(esc(&b, "www.example.com", 15), "www.example.com");
	CHECK(text__needs_escape("a\x1b[2Jb", 6));
	CHECK_STR(esc(&b, "a\x1b[2Jb", 6), "a\\x1b[2Jb");
	CHECK_STR(esc(&b, "x\ny\r\t\x7f", 6), "x\\x0ay\\x0d\\x09\\x7f");
	CHECK_STR(esc(&b, "a\0b", 3), "a\\x00b");
	/* UTF-8: é and € pass; C1 CSI (U+009B) as UTF-8, a raw 0x9b, overlong and truncated
	 * sequences do not */
	CHECK(!text__needs_escape("caf\xc3\xa9 \xe2\x82\xac", 9));
	CHECK_STR(esc(&b, "\xc2\x9b" "1m", 4), "\\xc2\\x9b1m");
	CHECK_STR(esc(&b, "\x9b" "1m", 3), "\\x9b1m");
	CHECK_STR(esc(&b, "\xc0\xaf", 2), "\\xc0\\xaf");
	CHECK_STR(esc(&b, "\xe2\x82", 2), "\\xe2\\x82");
	CHECK_STR(esc(&b, "\xed\xa0\x80", 3), "\\xed\\xa0\\x80"); /* a surrogate */
	CHECK_STR(esc(&b, "\xf0\x9f\x94\x92", 4), "\xf0\x9f\x94\x92");
	CHECK_STR(esc(&b, "back\\slash", 10), "back\\slash");
	sbuf__free(&b);
}

int main(void)
{
	RUN_TEST(test_escape);
	return CHECK_DONE();
}
