// SPDX-License-Identifier: GPL-2.0
#include "util/parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/pow2.h"

int parse__u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max || s[0] == '-')
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Digits, then one of units (exactly; "" for none), times that unit's multiplier. */
static int parse_scaled(const char *s, const char *const *units, const uint64_t *mult, int n_units,
			uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	for (int i = 0; i < n_units; i++) {
		if (strcmp(end, units[i]))
			continue;
		if (mult[i] && v > UINT64_MAX / mult[i])
			return -1;
		*out = v * mult[i];
		return 0;
	}
	return -1;
}

int parse__duration(const char *s, uint64_t *secs)
{
	static const char *const units[] = { "", "s", "m", "h", "d" };
	static const uint64_t mult[] = { 1, 1, 60, 3600, 86400 };

	return parse_scaled(s, units, mult, 5, secs);
}

int parse__size(const char *s, uint64_t *bytes)
{
	static const char *const units[] = { "", "K", "KiB", "M", "MiB", "G", "GiB" };
	static const uint64_t mult[] = { 1, 1ull << 10, 1ull << 10, 1ull << 20, 1ull << 20,
					 1ull << 30, 1ull << 30 };

	return parse_scaled(s, units, mult, 7, bytes);
}

int parse__pow2_size(const char *s, uint64_t min, uint64_t max, uint64_t *bytes)
{
	uint64_t v;

	if (parse__size(s, &v) || v < min || v > max)
		return -1;
	*bytes = pow2__round_up(v);
	return 0;
}
