/* Immutable text with a reference count: rendered once (a cached certificate's JSON), written
 * into many output lines, and referenced by a line waiting to be written instead of copied into
 * it (util/sbuf_splice.h). Whoever holds a reference may read it; the last put frees it. The
 * count is atomic: a holder may live on another thread than the text's owner. */
#ifndef TLSMON_SHARED_TEXT_H
#define TLSMON_SHARED_TEXT_H

#include <stddef.h>
#include <stdint.h>

struct shared_text {
	uint32_t refs;
	uint32_t len;
	char text[]; /* len bytes, not NUL-terminated */
};

/* A copy of p[0, len) with one reference; NULL when out of memory or len > UINT32_MAX. */
struct shared_text *shared_text__new(const void *p, size_t len);

static inline void shared_text__hold(struct shared_text *t)
{
	__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

/* Drop one reference (NULL: nothing); the last one frees the text. */
void shared_text__put(struct shared_text *t);

#endif
