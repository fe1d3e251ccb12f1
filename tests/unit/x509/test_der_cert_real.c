// SPDX-License-Identifier: GPL-2.0-only
/* user/x509/der_cert.c on real certificates: x509__analyze (DER reader first) must give exactly
 * what x509__analyze_openssl gives on every capture in ../shared/pcaps (through tshark), the
 * chains of tests/fixtures/mkchains.sh and bench/hsgen's distinct set. Most real certificates
 * must take the fast path; the rest must fall back. A source that is not there is a SKIP. */
#include "der_cert_diff.h"

static bool skipped; /* the test printed a SKIP line instead of running */

static void diff_der_stream(const uint8_t *p, size_t len, const char *what, struct tally *t)
{
	/* Concatenated DER: each certificate's length is in its outer header. */
	while (len >= 4 && p[0] == 0x30 && p[1] == 0x82) {
		size_t n = 4 + ((size_t)p[2] << 8 | p[3]);

		if (n > len)
			break;
		CHECK(diff_one(p, n, what, t));
		p += n;
		len -= n;
	}
	CHECK(len == 0);
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The .tshark.json next to each capture names the decode-as rules tshark needs for it. */
static void decode_as(const char *json_path, char *out, size_t size)
{
	FILE *f = fopen(json_path, "r");
	char buf[8192], *p;
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	out[0] = '\0';
	if (f)
		fclose(f);
	buf[n] = '\0';
	p = strstr(buf, "\"decode_as\"");
	while (p && (p = strstr(p, "\"tcp.port==")) && p < buf + n) {
		char rule[64];
		int len = 0;

		p++;
		while (p[len] && p[len] != '"' && len < 60)
			len++;
		snprintf(rule, sizeof(rule), " -d '%.*s'", len, p);
		if (strlen(out) + strlen(rule) < size)
			strcat(out, rule);
		p += len;
	}
}

static void test_pcaps(void)
{
	const char *dir = getenv("PCAPS") ? getenv("PCAPS") : "../shared/pcaps";
	struct tally t = { 0 };
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t cap = 1 << 16;
	uint8_t *der = malloc(cap);
	int files = 0;

	if (!d || system("command -v tshark >/dev/null 2>&1")) {
		printf("SKIP test_pcaps: no %s or no tshark\n", dir);
		skipped = true;
		free(der);
		if (d)
			closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		char cmd[1024], json[512], rules[512], base[256];
		const char *dot = strrchr(de->d_name, '.');
		FILE *p;
		int c, hi = -1;
		size_t n = 0;

		if (!dot || (strcmp(dot, ".pcap") && strcmp(dot, ".pcapng")))
			continue;
		snprintf(base, sizeof(base), "%.*s", (int)(dot - de->d_name), de->d_name);
		snprintf(json, sizeof(json), "%s/%s.tshark.json", dir, base);
		decode_as(json, rules, sizeof(rules));
		snprintf(cmd, sizeof(cmd),
			 "tshark -n -r '%s/%s' -o tcp.desegment_tcp_streams:TRUE "
			 "-o tls.desegment_ssl_records:TRUE -o tcp.check_checksum:FALSE%s "
			 "-Y tls.handshake.certificate -T fields -e tls.handshake.certificate "
			 "2>/dev/null",
			 dir, de->d_name, rules);
		p = popen(cmd, "r");
		if (!p)
			continue;
		files++;
		/* Hex, certificates separated by ',' and lines. */
		while ((c = fgetc(p)) != EOF) {
			int v = hexval(c);

			if (v >= 0) {
				if (hi < 0) {
					hi = v;
					continue;
				}
				if (n == cap)
					der = realloc(der, cap *= 2);
				der[n++] = (uint8_t)(hi << 4 | v);
				hi = -1;
			} else if (c == ',' || c == '\n') {
				if (n)
					CHECK(diff_one(der, n, de->d_name, &t));
				n = 0;
			}
		}
		if (n)
			CHECK(diff_one(der, n, de->d_name, &t));
		pclose(p);
	}
	closedir(d);
	free(der);
	printf("  captures: %d files\n", files);
	report("captures", &t);
	CHECK(t.total > 0);
	/* Most real certificates are CA-issued leaves and intermediates the reader takes. */
	CHECK(t.fast * 2 > t.total);
}

static void diff_pem_file(const char *path, struct tally *t)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	if (!f)
		return;
	while ((x = PEM_read_X509(f, NULL, NULL, NULL))) {
		diff_x509(x, path, t);
		X509_free(x);
	}
	fclose(f);
}

static void test_mkchains(void)
{
	char tmp[] = "/tmp/test_der_cert.XXXXXX", cmd[512], path[512];
	const char *chains[] = { "weak", "good", "big" };
	struct tally t = { 0 };

	if (!mkdtemp(tmp)) {
		CHECK(0);
		return;
	}
	snprintf(cmd, sizeof(cmd), "tests/fixtures/mkchains.sh %s >/dev/null 2>&1", tmp);
	if (system(cmd)) {
		printf("SKIP test_mkchains: mkchains.sh failed\n");
		skipped = true;
	} else {
		for (size_t i = 0; i < 3; i++) {
			DIR *d;
			struct dirent *de;

			snprintf(path, sizeof(path), "%s/%s", tmp, chains[i]);
			d = opendir(path);
			while (d && (de = readdir(d))) {
				const char *dot = strrchr(de->d_name, '.');

				if (!dot || strcmp(dot, ".pem") || strstr(de->d_name, "key"))
					continue;
				snprintf(path, sizeof(path), "%s/%s/%s", tmp, chains[i],
					 de->d_name);
				diff_pem_file(path, &t);
			}
			if (d)
				closedir(d);
		}
		report("mkchains", &t);
		CHECK(t.total > 0 && t.fast > 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	CHECK(system(cmd) == 0);
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET) &&
	    (p = malloc((size_t)n)) && fread(p, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	fclose(f);
	return p;
}

/* bench/hsgen --distinct-certs, as the offline benchmark (b) runs it, from a minimal turn set:
 * a ClientHello-sized record and a server flight with an empty Certificate to replace. The set
 * can also be given: DISTINCT_DER=file of concatenated DER. */
static void test_hsgen_distinct(void)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	const char *given = getenv("DISTINCT_DER");
	static const uint8_t c_turn[] = { 22, 3, 1, 0, 4, 1, 0, 0, 0 };
	static const uint8_t s_turn[] = { 22, 3, 3, 0, 7, 11, 0, 0, 3, 0, 0, 0 };
	char tmp[] = "/tmp/test_der_cert.XXXXXX", cmd[1024], path[600], hsgen[256];
	struct tally t = { 0 };
	uint8_t *der;
	size_t len;
	FILE *f;

	snprintf(hsgen, sizeof(hsgen), "%s/bench/hsgen", build);
	if (!given && access(hsgen, X_OK)) {
		printf("SKIP test_hsgen_distinct: %s not built (make bench-build)\n", hsgen);
		skipped = true;
		return;
	}
	if (!mkdtemp(tmp)) {
		CHECK(0);
		return;
	}
	if (!given) {
		snprintf(path, sizeof(path), "%s/turns", tmp);
		mkdir(path, 0700);
		snprintf(path, sizeof(path), "%s/turns/01_c.bin", tmp);
		f = fopen(path, "wb");
		fwrite(c_turn, sizeof(c_turn), 1, f);
		fclose(f);
		snprintf(path, sizeof(path), "%s/turns/02_s.bin", tmp);
		f = fopen(path, "wb");
		fwrite(s_turn, sizeof(s_turn), 1, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd),
			 "%s -o %s/d.pcap -n 400 --distinct-certs --certs-out %s/d.der %s/turns "
			 "2>/dev/null",
			 hsgen, tmp, tmp, tmp);
		CHECK(system(cmd) == 0);
		snprintf(path, sizeof(path), "%s/d.der", tmp);
	}
	der = read_all(given ? given : path, &len);
	CHECK(der != NULL);
	if (der)
		diff_der_stream(der, len, "hsgen distinct", &t);
	free(der);
	report("hsgen distinct set", &t);
	/* Every leaf; the two self-signed CAs go to OpenSSL. */
	CHECK(t.total > 2 && t.fast == t.total - 2 && !t.mismatches);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	CHECK(system(cmd) == 0);
}

/* RUN_TEST, minus the PASS line when the test skipped itself. */
#define RUN_SKIPPABLE(fn)                                                                        \
	do {                                                                                     \
		check_failed_in_test = 0;                                                        \
		skipped = false;                                                                 \
		fn();                                                                            \
		if (!skipped || check_failed_in_test)                                            \
			printf("%s %s\n", check_failed_in_test ? "FAIL" : "PASS", #fn);          \
		check_total_failed += check_failed_in_test;                                      \
	} while (0)

int main(void)
{
	RUN_SKIPPABLE(test_pcaps);
	RUN_SKIPPABLE(test_mkchains);
	RUN_SKIPPABLE(test_hsgen_distinct);
	return CHECK_DONE();
}
