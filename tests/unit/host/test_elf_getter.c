// SPDX-License-Identifier: GPL-2.0
/* The field offsets read from exported getters' code (host/elf_getter.c): on the libcrypto this
 * test is linked with, checked against what that library's own setter writes; and on small
 * hand-written getters of both architectures. */
#include <dlfcn.h>
#include <errno.h>
#include <openssl/x509_vfy.h>

#include "check.h"
#include "host/elf_getter.h"

/* The library file this process runs X509_STORE_CTX_new from. */
static const char *libcrypto_path(void)
{
	Dl_info info;

	if (!dladdr((void *)X509_STORE_CTX_new, &info) || !info.dli_fname)
		return NULL;
	return info.dli_fname;
}

static void test_real_libcrypto_error_depth(void)
{
	const char *path = libcrypto_path();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	uint32_t off = 0;
	int32_t field;

	CHECK(path != NULL);
	CHECK(ctx != NULL);
	if (!path || !ctx)
		return;
	CHECK_EQ(elf_getter__field_offset(path, "X509_STORE_CTX_get_error_depth", &off), 0);
	CHECK(off > 0 && off < 4096);
	X509_STORE_CTX_set_error_depth(ctx, 0x2a5);
	memcpy(&field, (const char *)ctx + off, sizeof(field));
	CHECK_EQ(field, 0x2a5);
	CHECK_EQ(X509_STORE_CTX_get_error_depth(ctx), 0x2a5);
	/* the error's field is another one */
	CHECK_EQ(elf_getter__field_offset(path, "X509_STORE_CTX_get_error", &off), 0);
	X509_STORE_CTX_set_error(ctx, 68);
	memcpy(&field, (const char *)ctx + off, sizeof(field));
	CHECK_EQ(field, 68);
	X509_STORE_CTX_free(ctx);
}

static void test_refused(void)
{
	const char *path = libcrypto_path();
	uint32_t off = 0;

	if (!path)
		return;
	/* not a getter of one field */
	CHECK_EQ(elf_getter__field_offset(path, "X509_verify_cert", &off), -EINVAL);
	CHECK_EQ(elf_getter__field_offset(path, "no_such_function_here", &off), -ENOENT);
	CHECK_EQ(elf_getter__field_offset("/nonexistent/libcrypto.so.3", "X509_verify_cert", &off),
		 -ENOENT);
	/* not an ELF file */
	CHECK_EQ(elf_getter__field_offset("/proc/self/status", "X509_verify_cert", &off), -EINVAL);
}

static void test_hand_written(void)
{
	static const uint8_t x86_cet[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x8b, 0x47, 0x58, 0xc3 };
	static const uint8_t x86_hardened[] = { 0x8b, 0x87, 0xac, 0x00, 0x00, 0x00, 0x31, 0xff, 0xc3 };
	static const uint8_t x86_rsi[] = { 0x8b, 0x46, 0x58, 0xc3 }; /* [rsi]: not the first argument */
	static const uint8_t x86_cut[] = { 0x8b, 0x87, 0xac, 0x00 };
	static const uint8_t x86_call[] = { 0x8b, 0x47, 0x58, 0xe8, 0, 0, 0, 0, 0xc3 };
	/* bti c; ldr w0, [x0, #0xac]; ret */
	static const uint8_t a64[] = { 0x5f, 0x24, 0x03, 0xd5, 0x00, 0xac, 0x40, 0xb9,
				       0xc0, 0x03, 0x5f, 0xd6 };
	static const uint8_t a64_x1[] = { 0x20, 0xac, 0x40, 0xb9, 0xc0, 0x03, 0x5f, 0xd6 };
	uint32_t off = 0;

	CHECK_EQ(elf_getter__load_offset(x86_cet, sizeof(x86_cet), 62, &off), 0);
	CHECK_EQ(off, 0x58);
	CHECK_EQ(elf_getter__load_offset(x86_hardened, sizeof(x86_hardened), 62, &off), 0);
	CHECK_EQ(off, 0xac);
	CHECK_EQ(elf_getter__load_offset(x86_rsi, sizeof(x86_rsi), 62, &off), -EINVAL);
	CHECK_EQ(elf_getter__load_offset(x86_cut, sizeof(x86_cut), 62, &off), -EINVAL);
	CHECK_EQ(elf_getter__load_offset(x86_call, sizeof(x86_call), 62, &off), -EINVAL);
	CHECK_EQ(elf_getter__load_offset(a64, sizeof(a64), 183, &off), 0);
	CHECK_EQ(off, 0xac);
	CHECK_EQ(elf_getter__load_offset(a64_x1, sizeof(a64_x1), 183, &off), -EINVAL);
	CHECK_EQ(elf_getter__load_offset(x86_cet, sizeof(x86_cet), 40 /* ARM */, &off), -EINVAL);
}

static void test_truncated_images(void)
{
	const char *path = libcrypto_path();
	uint8_t head[64] = { 0x7f, 'E', 'L', 'F', 2, 1 };
	uint64_t at;
	FILE *f;
	size_t n;

	/* section headers past the end */
	head[40] = 0xff;
	head[58] = 64;
	head[60] = 4;
	CHECK_EQ(elf_getter__symbol_offset(head, sizeof(head), "X509_verify_cert", &at), -EINVAL);
	/* the real file's first 4 KiB: its tables are past them */
	if (!path || !(f = fopen(path, "rb")))
		return;
	{
		static uint8_t buf[4096];

		n = fread(buf, 1, sizeof(buf), f);
		CHECK_EQ(n, sizeof(buf));
		CHECK_EQ(elf_getter__symbol_offset(buf, n, "X509_verify_cert", &at), -EINVAL);
	}
	fclose(f);
}

int main(void)
{
	RUN_TEST(test_real_libcrypto_error_depth);
	RUN_TEST(test_refused);
	RUN_TEST(test_hand_written);
	RUN_TEST(test_truncated_images);
	return check_total_failed ? 1 : 0;
}
