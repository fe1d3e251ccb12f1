/* The offset of the field that an exported getter function returns, read from the getter's own
 * machine code in a shared object: OpenSSL's X509_STORE_CTX_get_error_depth(ctx) is
 * `return ctx->error_depth;`, one load from its first argument. The BPF side can then read the
 * field of a context it sees passed to another exported function, with the offset of the very
 * build the process runs (a container's copy included), not one hard-coded for one build. A
 * getter compiled into anything else than such a load is refused, and the field stays unread. */
#ifndef TLSMON_HOST_ELF_GETTER_H
#define TLSMON_HOST_ELF_GETTER_H

#include <stddef.h>
#include <stdint.h>

/* The file offset of the exported (.dynsym) function symbol in an ELF64 little-endian image of
 * len bytes: 0, -EINVAL (not such an image), -ENOENT (no such function). */
int elf_getter__symbol_offset(const uint8_t *p, size_t len, const char *symbol, uint64_t *file_off);

/* The displacement of a getter whose code at p (len bytes) is "load a 32-bit field of the first
 * argument and return it": x86-64 (endbr64, mov eax,[rdi+disp], xor reg,reg..., ret) and
 * aarch64 (bti/paciasp, ldr w0,[x0,#imm], ret). 0, or -EINVAL for any other code, or an offset of
 * 0 (no field to tell apart from the start of the object). machine: the ELF e_machine. */
int elf_getter__load_offset(const uint8_t *p, size_t len, uint16_t machine, uint32_t *off);

/* Both, on the file at path (read whole, at most 64 MiB): 0 and *off, or -errno. */
int elf_getter__field_offset(const char *path, const char *symbol, uint32_t *off);

#endif
