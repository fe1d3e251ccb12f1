// SPDX-License-Identifier: GPL-2.0
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlsmon.skel.h"
#include "util/pages.h"

/* Pages of [p, p + len) mapped into this process now: bit 63 of each /proc/self/pagemap entry
 * (readable without privileges; only the frame numbers are hidden). -1 if it cannot be read. */
static long present_pages(const void *p, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t first = (uintptr_t)p / (uintptr_t)page;
	uintptr_t last = ((uintptr_t)p + len - 1) / (uintptr_t)page;
	long n = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return -1;
	for (uintptr_t i = first; i <= last; i++) {
		uint64_t ent;

		if (pread(fd, &ent, sizeof(ent), (off_t)(i * sizeof(ent))) != sizeof(ent)) {
			close(fd);
			return -1;
		}
		n += ent >> 63;
	}
	close(fd);
	return n;
}

/* The capture program's object as the skeleton embeds it: read (as libbpf reads it to load),
 * released through the skeleton's accessor, then read again with the same bytes, from the
 * binary's file. */
static void test_release_skeleton_bytes(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t sz;
	const uint8_t *elf = tlsmon_bpf__elf_bytes(&sz);
	uint8_t *copy = malloc(sz);
	const uint8_t *in = (const uint8_t *)(((uintptr_t)elf + (uintptr_t)page - 1) &
					      ~((uintptr_t)page - 1));
	size_t in_len = (size_t)((((uintptr_t)elf + sz) & ~((uintptr_t)page - 1)) - (uintptr_t)in);
	long whole = (long)in_len / page;

	CHECK(copy != NULL);
	CHECK(sz > 16 * (size_t)page);
	if (!copy)
		return;
	memcpy(copy, elf, sz);
	CHECK_EQ(memcmp(elf, "\177ELF", 4), 0);
	CHECK_EQ(present_pages(in, in_len), whole);
	CHECK_EQ(pages__release_object(tlsmon_bpf__elf_bytes), (long)in_len);
	CHECK_EQ(present_pages(in, in_len), 0);
	CHECK_EQ(memcmp(elf, copy, sz), 0);
	CHECK_EQ(present_pages(in, in_len), whole);
	free(copy);
}

/* Bytes within one page, or straddling two without covering either: nothing whole to give
 * back, and the neighbours' pages stay. */
static void test_partial_pages_kept(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t sz;
	const uint8_t *elf = tlsmon_bpf__elf_bytes(&sz);
	const uint8_t *in = (const uint8_t *)(((uintptr_t)elf + 4 * (uintptr_t)page) &
					      ~((uintptr_t)page - 1));
	volatile uint8_t sink = 0;

	for (size_t i = 0; i < sz; i += (size_t)page)
		sink ^= elf[i];
	(void)sink;
	CHECK_EQ(pages__release(in + 1, (size_t)page - 2), 0);
	CHECK_EQ(pages__release(in + page / 2, (size_t)page), 0);
	CHECK_EQ(present_pages(in, 2 * (size_t)page), 2);
	CHECK_EQ(pages__release(in, 0), 0);
}

int main(void)
{
	RUN_TEST(test_release_skeleton_bytes);
	RUN_TEST(test_partial_pages_kept);
	return CHECK_DONE();
}
