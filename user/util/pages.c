// SPDX-License-Identifier: GPL-2.0
#include "util/pages.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

long pages__release(const void *p, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t start, end;

	if (page <= 0)
		return -EINVAL;
	/* the partial pages at either end hold other data, still in use */
	start = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	end = ((uintptr_t)p + len) & ~((uintptr_t)page - 1);
	if (end <= start)
		return 0;
	if (madvise((void *)start, end - start, MADV_DONTNEED))
		return -errno;
	return (long)(end - start);
}

long pages__release_object(const void *(*elf_bytes)(size_t *sz))
{
	size_t sz;
	const void *p = elf_bytes(&sz);

	return pages__release(p, sz);
}
