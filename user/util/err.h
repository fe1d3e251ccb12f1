/* An error message for the caller's buffer: what the parsers and the loader hand back beside
 * their -errno. */
#ifndef TLSMON_ERR_H
#define TLSMON_ERR_H

#include <stddef.h>

/* printf into err (size bytes, cut to fit); nothing when err is NULL or size 0. */
void err__set(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
