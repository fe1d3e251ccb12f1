/* Copying a bounded string into a fixed buffer: what snprintf(dst, size, "%.*s", max, src) does,
 * without the format machinery, which costs the daemon more than the copy on the per-handshake
 * path (process attribution's names). */
#ifndef TLSMON_STR_COPY_H
#define TLSMON_STR_COPY_H

#include <stddef.h>
#include <string.h>

/* Copy src (NUL-terminated, or max bytes long) into dst of size bytes (> 0), cut at size - 1,
 * always NUL-terminated. Returns the bytes copied. */
static inline size_t str__copy(char *dst, size_t size, const char *src, size_t max)
{
	size_t n = strnlen(src, max);

	if (n > size - 1)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

#endif
