// SPDX-License-Identifier: GPL-2.0
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>

void err__set(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!err || !size)
		return;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}
