// SPDX-License-Identifier: GPL-2.0
#include "host/elf_getter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EM_X86_64_ 62
#define EM_AARCH64_ 183
#define SHT_DYNSYM_ 11
#define PT_LOAD_ 1
#define STT_FUNC_ 2
#define ELF_MAX_BYTES (64u << 20) /* a libcrypto is a few MiB; read whole, then freed */

static int fits(size_t len, uint64_t off, uint64_t n)
{
	return off <= len && n <= len - off;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* The file offset of virtual address va, through the PT_LOAD segment that holds it. */
static int va_to_off(const uint8_t *p, size_t len, uint64_t va, uint64_t *off)
{
	uint64_t phoff = rd64(p + 32);
	uint16_t phentsize = rd16(p + 54), phnum = rd16(p + 56);

	if (phentsize < 56 || !fits(len, phoff, (uint64_t)phentsize * phnum))
		return -EINVAL;
	for (uint16_t i = 0; i < phnum; i++) {
		const uint8_t *ph = p + phoff + (uint64_t)i * phentsize;
		uint64_t vaddr = rd64(ph + 16), filesz = rd64(ph + 32);

		if (rd32(ph) != PT_LOAD_ || va < vaddr || va - vaddr >= filesz)
			continue;
		*off = rd64(ph + 8) + (va - vaddr);
		return fits(len, *off, 1) ? 0 : -EINVAL;
	}
	return -ENOENT;
}

int elf_getter__symbol_offset(const uint8_t *p, size_t len, const char *symbol, uint64_t *file_off)
{
	static const uint8_t magic[6] = { 0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* LE */ };
	uint64_t shoff;
	uint16_t shentsize, shnum;
	size_t want = strlen(symbol);

	if (len < 64 || memcmp(p, magic, sizeof(magic)))
		return -EINVAL;
	shoff = rd64(p + 40);
	shentsize = rd16(p + 58);
	shnum = rd16(p + 60);
	if (shentsize < 64 || !fits(len, shoff, (uint64_t)shentsize * shnum))
		return -EINVAL;
	for (uint16_t s = 0; s < shnum; s++) {
		const uint8_t *sh = p + shoff + (uint64_t)s * shentsize, *str;
		uint64_t off = rd64(sh + 24), size = rd64(sh + 32), entsize = rd64(sh + 56);
		uint32_t link = rd32(sh + 40);
		uint64_t str_off, str_size;

		if (rd32(sh + 4) != SHT_DYNSYM_ || entsize < 24 || !fits(len, off, size) ||
		    link >= shnum)
			continue;
		str = p + shoff + (uint64_t)link * shentsize;
		str_off = rd64(str + 24);
		str_size = rd64(str + 32);
		if (!fits(len, str_off, str_size))
			return -EINVAL;
		for (uint64_t i = 0; i < size / entsize; i++) {
			const uint8_t *sym = p + off + i * entsize;
			uint32_t name = rd32(sym);

			if ((sym[4] & 0xf) != STT_FUNC_ || !rd16(sym + 6) || name >= str_size ||
			    str_size - name <= want || memcmp(p + str_off + name, symbol, want + 1))
				continue;
			return va_to_off(p, len, rd64(sym + 8), file_off);
		}
	}
	return -ENOENT;
}

static int x86_64_load(const uint8_t *p, size_t len, uint32_t *off)
{
	size_t i = 0;
	uint32_t disp;

	if (len >= 4 && !memcmp(p, "\xf3\x0f\x1e\xfa", 4)) /* endbr64 */
		i = 4;
	/* mov eax, [rdi + disp8] (8b 47) or [rdi + disp32] (8b 87) */
	if (!fits(len, i, 3) || p[i] != 0x8b)
		return -EINVAL;
	if (p[i + 1] == 0x47) {
		disp = p[i + 2];
		i += 3;
	} else if (p[i + 1] == 0x87 && fits(len, i, 6)) {
		disp = rd32(p + i + 2);
		i += 6;
	} else {
		return -EINVAL;
	}
	/* Hardened builds clear the argument registers before returning (xor r32, r32). */
	while (fits(len, i, 2) && p[i] == 0x31 && (p[i + 1] & 0xc0) == 0xc0 &&
	       ((p[i + 1] >> 3) & 7) == (p[i + 1] & 7))
		i += 2;
	if (!fits(len, i, 1) || p[i] != 0xc3 || !disp || disp > 0xffff)
		return -EINVAL;
	*off = disp;
	return 0;
}

static int aarch64_load(const uint8_t *p, size_t len, uint32_t *off)
{
	size_t i = 0;
	uint32_t insn;

	/* bti c, paciasp */
	while (fits(len, i, 4) && (rd32(p + i) == 0xd503245f || rd32(p + i) == 0xd503233f))
		i += 4;
	if (!fits(len, i, 8))
		return -EINVAL;
	insn = rd32(p + i);
	/* ldr w0, [x0, #imm12 * 4], then ret (or autiasp; ret) */
	if ((insn & 0xffc003ff) != 0xb9400000)
		return -EINVAL;
	i += 4;
	if (rd32(p + i) == 0xd50323bf && fits(len, i, 8))
		i += 4;
	if (rd32(p + i) != 0xd65f03c0 || !((insn >> 10) & 0xfff))
		return -EINVAL;
	*off = ((insn >> 10) & 0xfff) * 4;
	return 0;
}

int elf_getter__load_offset(const uint8_t *p, size_t len, uint16_t machine, uint32_t *off)
{
	if (machine == EM_X86_64_)
		return x86_64_load(p, len, off);
	if (machine == EM_AARCH64_)
		return aarch64_load(p, len, off);
	return -EINVAL;
}

/* The file is read, not mapped: a mapping of a file that uprobes are registered on gets their
 * breakpoints written into it (the kernel treats any private file mapping that may become
 * executable as a place to install them), and the getter's first byte would read as int3 while
 * another tracer (another tlsmon) probes it. read() gives the file's own bytes. */
int elf_getter__field_offset(const char *path, const char *symbol, uint32_t *off)
{
	struct stat st;
	uint64_t at;
	uint8_t *buf = NULL;
	size_t size, got = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size < 64 || (uint64_t)st.st_size > ELF_MAX_BYTES) {
		rc = -EINVAL;
		goto cleanup;
	}
	size = (size_t)st.st_size;
	buf = malloc(size);
	if (!buf) {
		rc = -ENOMEM;
		goto cleanup;
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EINVAL;
			goto cleanup;
		}
		got += (size_t)n;
	}
	rc = elf_getter__symbol_offset(buf, size, symbol, &at);
	if (!rc)
		rc = elf_getter__load_offset(buf + at, size - at, rd16(buf + 18), off);
cleanup:
	free(buf);
	close(fd);
	return rc;
}
