/* Parsing of option values the subcommands share: decimals, sizes and durations with a unit
 * suffix. Each returns 0, or -1 with *out untouched (the caller words the error: it knows the
 * option's name and bounds). */
#ifndef TLSMON_PARSE_H
#define TLSMON_PARSE_H

#include <stdint.h>

/* A decimal in [min, max]. */
int parse__u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* "90s", "15m", "2h", "1d", "3600" (seconds). */
int parse__duration(const char *s, uint64_t *secs);

/* "1048576", "512K", "64M", "1G" (also KiB/MiB/GiB). */
int parse__size(const char *s, uint64_t *bytes);

/* A size as parse__size() reads it, in [min, max] (powers of two), rounded up to a power of
 * two. -1 when not a size, or out of bounds before rounding. */
int parse__pow2_size(const char *s, uint64_t min, uint64_t max, uint64_t *bytes);

#endif
