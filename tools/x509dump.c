// SPDX-License-Identifier: GPL-2.0-only
/* x509dump FILE.der...: one tab-separated line per certificate, as x509__analyze sees it, for
 * comparing against other tools (tests/offline/x509_vs_tshark.sh). Columns:
 * file sha256 parsed sig_oid sig_name sig_hash key_type key_bits curve not_before not_after
 * self_issued self_signed is_ca serial subject_cn subject issuer san error sha1 san_count
 * san_truncated san_kept */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509/x509.h"

#define MAX_FILE (1 << 24)

/* Tabs and newlines in certificate strings would break the columns. */
static void put_str(const char *s)
{
	if (!s || !*s) {
		putchar('-');
		return;
	}
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void put_field(const char *s)
{
	putchar('\t');
	put_str(s);
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -errno;
	*buf = malloc(MAX_FILE);
	if (!*buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(*buf, 1, MAX_FILE, f);
	if (ferror(f) || !feof(f)) {
		fclose(f);
		free(*buf);
		return -E2BIG;
	}
	fclose(f);
	*len = n;
	return 0;
}

static void dump(const char *path, const struct x509_info *in)
{
	char num[32];
	uint32_t i;

	fputs(path, stdout);
	put_field(in->sha256_hex);
	put_field(in->parsed ? "1" : "0");
	put_field(in->sig_oid);
	put_field(in->sig_name);
	put_field(in->sig_hash);
	put_field(in->key_type);
	snprintf(num, sizeof(num), "%d", in->key_bits);
	put_field(num);
	put_field(in->curve);
	put_field(in->validity_ok ? in->not_before_str : NULL);
	put_field(in->validity_ok ? in->not_after_str : NULL);
	put_field(in->self_issued ? "1" : "0");
	put_field(in->self_signed ? "1" : "0");
	put_field(in->is_ca ? "1" : "0");
	put_field(in->serial);
	put_field(in->subject_cn);
	put_field(in->subject);
	put_field(in->issuer);
	putchar('\t');
	for (i = 0; i < in->n_san; i++) {
		if (i)
			putchar(',');
		put_str(in->san[i]);
	}
	if (!in->n_san)
		putchar('-');
	put_field(in->error);
	put_field(in->sha1_hex);
	snprintf(num, sizeof(num), "%u", in->san_count);
	put_field(num);
	put_field(in->san_truncated ? "1" : "0");
	snprintf(num, sizeof(num), "%u", in->n_san);
	put_field(num);
	putchar('\n');
}

int main(int argc, char **argv)
{
	int i, err = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc < 2 ? stderr : stdout, "usage: %s FILE.der...\n", argv[0]);
		return argc < 2 ? 2 : 0;
	}
	for (i = 1; i < argc; i++) {
		struct x509_info *info;
		uint8_t *buf = NULL;
		size_t len = 0;
		int ret = read_file(argv[i], &buf, &len);

		if (ret) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(-ret));
			err = 1;
			continue;
		}
		info = x509__analyze(buf, len);
		free(buf);
		if (!info) {
			fprintf(stderr, "%s: out of memory\n", argv[i]);
			return 1;
		}
		dump(argv[i], info);
		x509_info__free(info);
	}
	return err;
}
