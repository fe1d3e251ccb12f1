// SPDX-License-Identifier: GPL-2.0
/* d2i_rate: how many certificates per second plain OpenSSL d2i_X509 + X509_free parses, over a
 * file of concatenated DER certificates (bench/hsgen.c --certs-out), best of several rounds; the
 * ceiling for any analyser that hands every distinct certificate to OpenSSL.
 *
 * --dump: instead, one line per certificate with what OpenSSL says about it, for comparing with
 * `tlsmon read`: sha256 <TAB> signature OID <TAB> key type <TAB> key bits <TAB> curve <TAB> subject
 *
 * Usage: d2i_rate [--dump] [-r ROUNDS] CERTS.der */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

struct cert {
	const uint8_t *der;
	long len;
};

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* This process's CPU time: on a shared machine the wall clock also counts the time other jobs
 * held the core. */
static double cpu_s(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len == cap) {
			uint8_t *np = realloc(p, cap ? cap * 2 : 1 << 20);

			if (!np)
				break;
			p = np;
			cap = cap ? cap * 2 : 1 << 20;
		}
		n = fread(p + *len, 1, cap - *len, f);
		if (!n)
			break;
		*len += n;
	}
	fclose(f);
	return p;
}

static void dump(const struct cert *c)
{
	const uint8_t *p = c->der;
	X509 *x = d2i_X509(NULL, &p, c->len);
	unsigned char md[32];
	char oid[80] = "?", curve[64] = "", *subj = NULL;
	const char *ktype = "?";
	const X509_ALGOR *alg;
	const ASN1_OBJECT *obj;
	EVP_PKEY *pk;
	BIO *bio;
	int bits = 0;

	SHA256(c->der, (size_t)c->len, md);
	for (int i = 0; i < 32; i++)
		printf("%02x", md[i]);
	if (!x) {
		printf("\tunparsed\n");
		return;
	}
	X509_get0_signature(NULL, &alg, x);
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	OBJ_obj2txt(oid, sizeof(oid), obj, 1);
	pk = X509_get0_pubkey(x);
	if (pk) {
		int id = EVP_PKEY_get_base_id(pk);

		ktype = id == EVP_PKEY_RSA ? "RSA" : id == EVP_PKEY_EC ? "EC" : OBJ_nid2sn(id);
		bits = EVP_PKEY_get_bits(pk);
		if (id == EVP_PKEY_EC)
			EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, curve,
						       sizeof(curve), NULL);
	}
	bio = BIO_new(BIO_s_mem());
	X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	BIO_write(bio, "", 1);
	BIO_get_mem_data(bio, &subj);
	printf("\t%s\t%s\t%d\t%s\t%s\n", oid, ktype, bits, curve, subj ? subj : "");
	BIO_free(bio);
	X509_free(x);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "dump", no_argument, NULL, 'D' },
					      { NULL, 0, NULL, 0 } };
	struct cert *certs = NULL;
	size_t len, off = 0, n = 0, cap = 0;
	int rounds = 5, opt, do_dump = 0, bad = 0;
	double best = 0, best_cpu = 0;
	uint8_t *all;

	while ((opt = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'D':
			do_dump = 1;
			break;
		default:
			fprintf(stderr, "usage: d2i_rate [--dump] [-r ROUNDS] CERTS.der\n");
			return 2;
		}
	}
	if (optind >= argc || rounds < 1) {
		fprintf(stderr, "usage: d2i_rate [--dump] [-r ROUNDS] CERTS.der\n");
		return 2;
	}
	all = read_all(argv[optind], &len);
	if (!all || !len) {
		fprintf(stderr, "d2i_rate: %s: %s\n", argv[optind], strerror(errno ? errno : EINVAL));
		return 1;
	}
	/* Split the concatenation where OpenSSL's own parse of each certificate ends. */
	while (off < len) {
		const uint8_t *p = all + off;
		X509 *x = d2i_X509(NULL, &p, (long)(len - off));

		if (!x)
			break;
		X509_free(x);
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			certs = realloc(certs, cap * sizeof(*certs));
			if (!certs)
				return 1;
		}
		certs[n].der = all + off;
		certs[n].len = (long)(p - (all + off));
		off = (size_t)(p - all);
		n++;
	}
	if (!n) {
		fprintf(stderr, "d2i_rate: no certificate in %s\n", argv[optind]);
		return 1;
	}
	if (do_dump) {
		for (size_t i = 0; i < n; i++)
			dump(&certs[i]);
		free(certs);
		free(all);
		return 0;
	}
	for (int r = 0; r < rounds; r++) {
		double t0 = now_s(), c0 = cpu_s(), rate;

		for (size_t i = 0; i < n; i++) {
			const uint8_t *p = certs[i].der;
			X509 *x = d2i_X509(NULL, &p, certs[i].len);

			if (!x)
				bad++;
			X509_free(x);
		}
		rate = (double)n / (now_s() - t0);
		if (rate > best)
			best = rate;
		rate = (double)n / (cpu_s() - c0);
		if (rate > best_cpu)
			best_cpu = rate;
	}
	printf("d2i_rate: %zu certificates, best of %d rounds: %.0f certs/s (%.1f us each)%s\n", n,
	       rounds, best, 1e6 / best, bad ? ", some failed to parse" : "");
	printf("bench: d2i_x509_rate %.0f certs/s\n", best);
	printf("bench: d2i_x509_cpu_rate %.0f certs/cpu-s\n", best_cpu);
	free(certs);
	free(all);
	return bad ? 1 : 0;
}
