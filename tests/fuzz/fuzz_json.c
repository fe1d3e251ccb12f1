// SPDX-License-Identifier: GPL-2.0
/* json__str on arbitrary bytes (SNI and certificate names are attacker-chosen): the output must be
 * one valid JSON string in valid UTF-8 that decodes back to exactly the input bytes. */
#include <string.h>

#include "fuzz.h"
#include "util/sbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf b;
	struct jcur c;
	uint8_t *back;
	size_t back_len = 0;

	sbuf__init(&b);
	json__str(&b, data, size);
	FUZZ_ASSERT(!b.oom);
	FUZZ_ASSERT(b.len >= 2 && b.buf[b.len] == '\0');
	FUZZ_ASSERT(b.len <= 6 * size + 2);
	FUZZ_ASSERT(fuzz_json_valid(b.buf, b.len));

	/* Nothing lost: decoding (an escape never decodes to more bytes than it takes) gives back
	 * the input. */
	back = malloc(b.len);
	FUZZ_ASSERT(back);
	c = (struct jcur){ .p = (const uint8_t *)b.buf, .end = (const uint8_t *)b.buf + b.len };
	FUZZ_ASSERT(fuzz_json_string(&c, back, &back_len) && c.p == c.end);
	FUZZ_ASSERT(back_len == size && (!size || !memcmp(back, data, size)));
	free(back);

	/* Appended inside an object, as the report writer does. */
	sbuf__reset(&b);
	sbuf__puts(&b, "{\"k\":");
	json__str(&b, data, size);
	sbuf__putc(&b, '}');
	FUZZ_ASSERT(fuzz_json_valid(b.buf, b.len));
	sbuf__free(&b);
	return 0;
}
