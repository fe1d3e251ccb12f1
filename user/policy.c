// SPDX-License-Identifier: GPL-2.0
#include "policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tls_names.h"

#define POLICY_MAX_LINE 1024
#define POLICY_MAX_FILE (1u << 20)
#define SEV_AUTO (-1) /* graded per finding (or the check's default) */

struct check_def {
	const char *name;
	bool enabled;
	int8_t severity; /* SEV_AUTO: the severity depends on what was found */
	const char *description;
};

/* Defaults follow what browsers and the CA/B Forum Baseline Requirements reject today. */
static const struct check_def checks[CHECK__COUNT] = {
	[CHECK_WEAK_SIGNATURE] = { "weak_signature", true, SEV_AUTO,
				   "certificate signed with a hash from weak_hashes (md2/md4 "
				   "critical, md5 high, sha1 high; sha1 on a self-signed root: "
				   "sha1_root_severity)" },
	[CHECK_WEAK_KEY] = { "weak_key", true, SEV_AUTO,
			     "RSA below min_rsa_bits, EC below min_ec_bits, any DSA key (RSA<1024, "
			     "EC<160 critical; RSA<2048, EC<224, DSA high)" },
	[CHECK_EXPIRED] = { "expired", true, SEV_HIGH,
			    "certificate past notAfter at the time of the packet" },
	[CHECK_NOT_YET_VALID] = { "not_yet_valid", true, SEV_HIGH,
				  "certificate before notBefore at the time of the packet" },
	[CHECK_SELF_SIGNED] = { "self_signed", true, SEV_MEDIUM, "self-signed leaf certificate" },
	[CHECK_WEAK_PROTOCOL] = { "weak_protocol", true, SEV_AUTO,
				  "negotiated version in weak_protocols (SSLv2/SSLv3 critical, "
				  "TLS1.0/TLS1.1 medium)" },
	[CHECK_WEAK_CIPHER] = { "weak_cipher", true, SEV_AUTO,
				"negotiated suite with a flag in weak_cipher_flags (null/export/"
				"anon critical, rc4/des high, 3des/md5 medium)" },
	[CHECK_WEAK_DH] = { "weak_dh", true, SEV_AUTO,
			    "DHE prime below min_dh_bits (<1024 high, else medium)" },
	[CHECK_DOWNGRADE] = { "downgrade", true, SEV_AUTO,
			      "TLS_FALLBACK_SCSV offered (low); RFC 8446 downgrade sentinel while "
			      "the client offered TLS1.3 (high)" },
	[CHECK_UNPARSABLE_CERT] = { "unparsable_cert", true, SEV_MEDIUM,
				    "a certificate of the chain could not be parsed" },
};

static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };

struct named_item {
	const char *name;
	uint8_t sev;
	uint32_t value;	  /* version code point, TLS_CS_* flag */
	const char *what; /* for messages */
};

static const struct named_item hashes[] = {
	{ "md2", SEV_CRITICAL, 0, NULL },
	{ "md4", SEV_CRITICAL, 0, NULL },
	{ "md5", SEV_HIGH, 0, NULL },
	{ "sha1", SEV_HIGH, 0, NULL },
};

#define HASH_SHA1 3

/* RFC 6176 (SSLv2), RFC 7568 (SSLv3), RFC 8996 (TLS 1.0 and 1.1) prohibit or deprecate them. */
static const struct named_item protocols[] = {
	{ "SSLv2", SEV_CRITICAL, TLS_VERSION_SSL2, "prohibited by RFC 6176" },
	{ "SSLv3", SEV_CRITICAL, TLS_VERSION_SSL3, "prohibited by RFC 7568" },
	{ "TLS1.0", SEV_MEDIUM, TLS_VERSION_TLS10, "deprecated by RFC 8996" },
	{ "TLS1.1", SEV_MEDIUM, TLS_VERSION_TLS11, "deprecated by RFC 8996" },
	{ "TLS1.2", SEV_LOW, TLS_VERSION_TLS12, "listed in weak_protocols" },
	{ "TLS1.3", SEV_LOW, TLS_VERSION_TLS13, "listed in weak_protocols" },
};

static const struct named_item cipher_flags[] = {
	{ "null", SEV_CRITICAL, TLS_CS_NULL, "no encryption" },
	{ "export", SEV_CRITICAL, TLS_CS_EXPORT, "export-grade" },
	{ "anon", SEV_CRITICAL, TLS_CS_ANON, "unauthenticated key exchange" },
	{ "rc4", SEV_HIGH, TLS_CS_RC4, "RC4" },
	{ "des", SEV_HIGH, TLS_CS_DES, "single DES" },
	{ "3des", SEV_MEDIUM, TLS_CS_3DES, "3DES (64-bit block)" },
	{ "md5", SEV_MEDIUM, TLS_CS_MD5, "HMAC-MD5" },
};

#define N_ITEMS(a) (sizeof(a) / sizeof((a)[0]))

struct policy {
	bool enabled[CHECK__COUNT];
	int8_t severity[CHECK__COUNT]; /* SEV_AUTO or an override */
	uint32_t min_rsa_bits, min_ec_bits, min_dh_bits;
	uint32_t weak_hashes;	    /* bit i: hashes[i] */
	uint32_t weak_protocols;    /* bit i: protocols[i] */
	uint32_t weak_cipher_flags; /* TLS_CS_* */
	uint8_t sha1_root_severity;
};

struct uint_key {
	const char *name;
	size_t off;
	uint32_t max;
	const char *description;
};

static const struct uint_key uint_keys[] = {
	{ "min_rsa_bits", offsetof(struct policy, min_rsa_bits), 16384,
	  "smallest acceptable RSA modulus (CA/B Forum BR 6.1.5: 2048)" },
	{ "min_ec_bits", offsetof(struct policy, min_ec_bits), 1024,
	  "smallest acceptable EC key (NIST SP 800-57: 224)" },
	{ "min_dh_bits", offsetof(struct policy, min_dh_bits), 16384,
	  "smallest acceptable DHE prime (RFC 7919, Logjam: 2048)" },
};

static void policy_defaults(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	for (int c = 0; c < CHECK__COUNT; c++) {
		p->enabled[c] = checks[c].enabled;
		p->severity[c] = SEV_AUTO;
	}
	p->min_rsa_bits = 2048;
	p->min_ec_bits = 224;
	p->min_dh_bits = 2048;
	p->weak_hashes = (1u << N_ITEMS(hashes)) - 1;
	p->weak_protocols = 0x0f; /* SSLv2 .. TLS1.1 */
	p->weak_cipher_flags = TLS_CS_NULL | TLS_CS_EXPORT | TLS_CS_ANON | TLS_CS_RC4 | TLS_CS_DES |
			       TLS_CS_3DES | TLS_CS_MD5;
	/* RFC 5280 6.1 and CA/B Forum BR 7.1.3: a trust anchor's own signature is not verified. */
	p->sha1_root_severity = SEV_LOW;
}

struct policy *policy__new(void)
{
	struct policy *p = malloc(sizeof(*p));

	if (p)
		policy_defaults(p);
	return p;
}

void policy__free(struct policy *p)
{
	free(p);
}

const char *policy__check_name(enum check_id c)
{
	if ((unsigned)c >= CHECK__COUNT)
		return "unknown";
	return checks[c].name;
}

const char *policy__severity_name(enum severity s)
{
	if ((unsigned)s >= N_ITEMS(sev_names))
		return "unknown";
	return sev_names[s];
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 4), 0 when malformed. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] < 0x80)
		return 1;
	if (s[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* no overlong forms, no UTF-16 surrogates, nothing above U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

/* Untrusted text (config files, flags, certificate names) quoted into messages: control bytes
 * and malformed UTF-8 become '?', and the copy stops before a character that does not fit. */
static void sanitize(char *dst, size_t size, const char *src, size_t max)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = 0;

	if (!size)
		return;
	if (max > size - 1)
		max = size - 1;
	while (s && *s && n < max) {
		size_t k = utf8_len(s);

		if (k <= 1) {
			dst[n++] = (*s < 0x20 || *s == 0x7f || k == 0) ? '?' : (char)*s;
			s++;
			continue;
		}
		if (n + k > max)
			break;
		memcpy(dst + n, s, k);
		n += k;
		s += k;
	}
	dst[n] = '\0';
}

static void set_err(char *err, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!err || !size)
		return;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

static int parse_uint(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < N_ITEMS(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_severity(const char *s, bool allow_auto, int8_t *out)
{
	for (size_t i = 0; i < N_ITEMS(sev_names); i++) {
		if (!strcasecmp(s, sev_names[i])) {
			*out = (int8_t)i;
			return 0;
		}
	}
	if (allow_auto && !strcasecmp(s, "auto")) {
		*out = SEV_AUTO;
		return 0;
	}
	return -EINVAL;
}

/* A comma list of item names; empty items are skipped, so "" is the empty set. */
static int parse_list(const char *s, const struct named_item *items, size_t n, bool by_value,
		      uint32_t *out, char *bad, size_t bad_size)
{
	uint32_t mask = 0;

	while (*s) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		bool found = false;

		while (len && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		for (size_t i = 0; len && i < n; i++) {
			if (strlen(items[i].name) == len && !strncasecmp(s, items[i].name, len)) {
				mask |= by_value ? items[i].value : 1u << i;
				found = true;
			}
		}
		if (len && !found) {
			char item[40];
			size_t k = len < sizeof(item) - 1 ? len : sizeof(item) - 1;

			memcpy(item, s, k);
			item[k] = '\0';
			sanitize(bad, bad_size, item, 32);
			return -EINVAL;
		}
		if (!end)
			break;
		s = end + 1;
	}
	*out = mask;
	return 0;
}

static void list_names(char *buf, size_t size, const struct named_item *items, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "," : "", items[i].name);
}

static int set_list(const char *key, const char *value, const struct named_item *items, size_t n,
		    bool by_value, uint32_t *out, char *err, size_t err_size)
{
	char bad[40], names[96];

	if (!parse_list(value, items, n, by_value, out, bad, sizeof(bad)))
		return 0;
	list_names(names, sizeof(names), items, n);
	set_err(err, err_size, "unknown item '%s' in %s (expected a comma list of %s)", bad, key,
		names);
	return -EINVAL;
}

static int find_check(const char *name, size_t len)
{
	for (int c = 0; c < CHECK__COUNT; c++)
		if (strlen(checks[c].name) == len && !strncmp(name, checks[c].name, len))
			return c;
	return -1;
}

int policy__set(struct policy *p, const char *key, const char *value, char *err, size_t err_size)
{
	char qk[48], qv[48];
	const char *dot;

	if (!key || !value) {
		set_err(err, err_size, "missing key or value");
		return -EINVAL;
	}
	sanitize(qk, sizeof(qk), key, 40);
	sanitize(qv, sizeof(qv), value, 40);

	dot = strrchr(key, '.');
	if (dot) {
		int c = find_check(key, (size_t)(dot - key));

		if (c >= 0 && !strcmp(dot + 1, "enabled")) {
			if (!parse_bool(value, &p->enabled[c]))
				return 0;
			set_err(err, err_size, "invalid value '%s' for %s (expected true or false)",
				qv, qk);
			return -EINVAL;
		}
		if (c >= 0 && !strcmp(dot + 1, "severity")) {
			if (!parse_severity(value, true, &p->severity[c]))
				return 0;
			set_err(err, err_size,
				"invalid value '%s' for %s (expected info, low, medium, high, "
				"critical or auto)",
				qv, qk);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < N_ITEMS(uint_keys); i++) {
		if (strcmp(key, uint_keys[i].name))
			continue;
		if (!parse_uint(value, uint_keys[i].max,
				(uint32_t *)((char *)p + uint_keys[i].off)))
			return 0;
		set_err(err, err_size, "invalid value '%s' for %s (expected an integer 0..%u)", qv,
			qk, uint_keys[i].max);
		return -EINVAL;
	}
	if (!strcmp(key, "sha1_root_severity")) {
		int8_t s;

		if (!parse_severity(value, false, &s)) {
			p->sha1_root_severity = (uint8_t)s;
			return 0;
		}
		set_err(err, err_size,
			"invalid value '%s' for %s (expected info, low, medium, high or critical)",
			qv, qk);
		return -EINVAL;
	}
	if (!strcmp(key, "weak_hashes"))
		return set_list(key, value, hashes, N_ITEMS(hashes), false, &p->weak_hashes, err,
				err_size);
	if (!strcmp(key, "weak_protocols"))
		return set_list(key, value, protocols, N_ITEMS(protocols), false,
				&p->weak_protocols, err, err_size);
	if (!strcmp(key, "weak_cipher_flags"))
		return set_list(key, value, cipher_flags, N_ITEMS(cipher_flags), true,
				&p->weak_cipher_flags, err, err_size);
	set_err(err, err_size, "unknown key '%s'", qk);
	return -EINVAL;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static char *trim(char *s)
{
	size_t n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

int policy__parse(struct policy *p, const char *text, size_t len, char *err, size_t err_size)
{
	struct policy tmp = *p; /* all or nothing: a bad line leaves p untouched */
	char line[POLICY_MAX_LINE + 1];
	size_t off = 0, lineno = 0;

	if (!text)
		len = 0;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		off = 3;
	while (off < len) {
		const char *start = text + off, *nl = memchr(start, '\n', len - off);
		size_t n = nl ? (size_t)(nl - start) : len - off;
		char reason[256], *key, *value, *eq, *hash;

		off += n + (nl ? 1 : 0);
		lineno++;
		if (n > POLICY_MAX_LINE) {
			set_err(err, err_size, "line %zu: longer than %d bytes", lineno,
				POLICY_MAX_LINE);
			return -EINVAL;
		}
		if (memchr(start, '\0', n)) {
			set_err(err, err_size, "line %zu: NUL byte", lineno);
			return -EINVAL;
		}
		memcpy(line, start, n);
		line[n] = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			set_err(err, err_size, "line %zu: expected 'key = value'", lineno);
			return -EINVAL;
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		if (!*key) {
			set_err(err, err_size, "line %zu: missing key before '='", lineno);
			return -EINVAL;
		}
		if (policy__set(&tmp, key, value, reason, sizeof(reason))) {
			set_err(err, err_size, "line %zu: %s", lineno, reason);
			return -EINVAL;
		}
	}
	*p = tmp;
	return 0;
}

int policy__load_file(struct policy *p, const char *path, char *err, size_t err_size)
{
	char *buf = NULL;
	size_t len;
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		set_err(err, err_size, "%s: %s", path, strerror(-ret));
		return ret;
	}
	buf = malloc(POLICY_MAX_FILE + 1);
	if (!buf) {
		ret = -ENOMEM;
		set_err(err, err_size, "%s: %s", path, strerror(ENOMEM));
		goto cleanup;
	}
	len = fread(buf, 1, POLICY_MAX_FILE + 1, f);
	if (ferror(f)) {
		ret = -EIO;
		set_err(err, err_size, "%s: read error", path);
		goto cleanup;
	}
	if (len > POLICY_MAX_FILE) {
		ret = -E2BIG;
		set_err(err, err_size, "%s: larger than %u bytes", path, POLICY_MAX_FILE);
		goto cleanup;
	}
	{
		char reason[256];

		ret = policy__parse(p, buf, len, reason, sizeof(reason));
		if (ret)
			set_err(err, err_size, "%s: %s", path, reason);
	}
cleanup:
	free(buf);
	fclose(f);
	return ret;
}

static void print_list(FILE *out, const char *key, uint32_t mask, const struct named_item *items,
		       size_t n, bool by_value)
{
	bool first = true;

	fprintf(out, "%s = ", key);
	for (size_t i = 0; i < n; i++) {
		if (!(mask & (by_value ? items[i].value : 1u << i)))
			continue;
		fprintf(out, "%s%s", first ? "" : ",", items[i].name);
		first = false;
	}
	fputc('\n', out);
}

void policy__print(const struct policy *p, FILE *out)
{
	fprintf(out, "# <check>.severity: auto grades each finding as described, a level forces "
		     "it\n");
	for (int c = 0; c < CHECK__COUNT; c++) {
		int sev = p->severity[c] != SEV_AUTO ? p->severity[c] : checks[c].severity;

		fprintf(out, "# %s\n%s.enabled = %s\n%s.severity = %s\n", checks[c].description,
			checks[c].name, p->enabled[c] ? "true" : "false", checks[c].name,
			sev == SEV_AUTO ? "auto" : sev_names[sev]);
	}
	for (size_t i = 0; i < N_ITEMS(uint_keys); i++)
		fprintf(out, "# %s\n%s = %u\n", uint_keys[i].description, uint_keys[i].name,
			*(const uint32_t *)((const char *)p + uint_keys[i].off));
	fprintf(out, "# hashes that make a certificate signature weak\n");
	print_list(out, "weak_hashes", p->weak_hashes, hashes, N_ITEMS(hashes), false);
	fprintf(out,
		"# sha1 on a self-signed root (RFC 5280 6.1: its signature is not checked)\n"
		"sha1_root_severity = %s\n",
		sev_names[p->sha1_root_severity]);
	fprintf(out, "# negotiated versions reported by weak_protocol\n");
	print_list(out, "weak_protocols", p->weak_protocols, protocols, N_ITEMS(protocols), false);
	fprintf(out, "# cipher suite properties reported by weak_cipher\n");
	print_list(out, "weak_cipher_flags", p->weak_cipher_flags, cipher_flags,
		   N_ITEMS(cipher_flags), true);
}

/* vsnprintf may cut a UTF-8 sequence (certificate names) in two; drop the incomplete tail. */
static void utf8_trim_tail(char *s)
{
	size_t len = strlen(s), i = len;

	for (int back = 0; i > 0 && back < 4; back++) {
		unsigned char ch = (unsigned char)s[--i];
		size_t need;

		if ((ch & 0xc0) == 0x80)
			continue;
		need = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
		if (len - i < need)
			s[i] = '\0';
		return;
	}
}

static void add(struct handshake *hs, enum check_id c, enum severity sev, int pos,
		const char *detail, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add(struct handshake *hs, enum check_id c, enum severity sev, int pos,
		const char *detail, const char *fmt, ...)
{
	struct finding *f = hs__add_finding(hs, c, sev, pos, detail);
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	utf8_trim_tail(f->message);
	utf8_trim_tail(f->detail);
}

static enum severity grade(const struct policy *p, enum check_id c, int graded)
{
	if (p->severity[c] != SEV_AUTO)
		return (enum severity)p->severity[c];
	return (enum severity)(graded == SEV_AUTO ? SEV_MEDIUM : graded);
}

/* Signature OIDs whose hash OpenSSL may not name (RFC 3279 2.2, RFC 8017 A.2.4, OIW). */
static const struct {
	const char *oid;
	uint8_t hash;
} sig_oid_hashes[] = {
	{ "1.2.840.113549.1.1.2", 0 },
	{ "1.2.840.113549.1.1.3", 1 },
	{ "1.2.840.113549.1.1.4", 2 },
	{ "1.3.14.3.2.3", 2 },
	{ "1.3.14.3.2.25", 2 },
	{ "1.2.840.113549.1.1.5", HASH_SHA1 },
	{ "1.3.14.3.2.29", HASH_SHA1 },
	{ "1.2.840.10045.4.1", HASH_SHA1 },
	{ "1.2.840.10040.4.3", HASH_SHA1 },
	{ "1.3.14.3.2.27", HASH_SHA1 },
	{ "1.3.14.3.2.13", HASH_SHA1 },
};

static int hash_index(const struct x509_info *x)
{
	if (x->sig_hash[0]) {
		for (size_t i = 0; i < N_ITEMS(hashes); i++)
			if (!strcasecmp(x->sig_hash, hashes[i].name))
				return (int)i;
		return -1;
	}
	for (size_t i = 0; i < N_ITEMS(sig_oid_hashes); i++)
		if (!strcmp(x->sig_oid, sig_oid_hashes[i].oid))
			return sig_oid_hashes[i].hash;
	return -1;
}

/* A self-signed certificate after the leaf is the trust anchor the server chose to send. */
static const char *position_class(const struct x509_info *x, unsigned pos, unsigned n)
{
	if (pos == 0)
		return "leaf";
	if (x->parsed && (x->self_signed || (x->self_issued && pos + 1 == n)))
		return "root";
	return "intermediate";
}

/* "certificate #2 (CN=Weak CA)": human numbering is 1-based, the JSON position is 0-based. */
static void cert_label(char *buf, size_t size, const struct x509_info *x, unsigned pos,
		       const char *cls)
{
	const char *role = !strcmp(cls, "intermediate") ? NULL : cls;
	char name[72] = "";

	if (x->parsed && x->subject_cn && x->subject_cn[0]) {
		memcpy(name, "CN=", 3);
		sanitize(name + 3, sizeof(name) - 3, x->subject_cn, 64);
	} else if (x->parsed && x->subject && x->subject[0]) {
		sanitize(name, sizeof(name), x->subject, 64);
	}
	if (role && name[0])
		snprintf(buf, size, "certificate #%u (%s, %s)", pos + 1, role, name);
	else if (role || name[0])
		snprintf(buf, size, "certificate #%u (%s)", pos + 1, role ? role : name);
	else
		snprintf(buf, size, "certificate #%u", pos + 1);
}

static void check_signature(const struct policy *p, struct handshake *hs, const struct x509_info *x,
			    unsigned pos, const char *cls, const char *label)
{
	const char *name = x->sig_name[0] ? x->sig_name : x->sig_oid;
	int h = hash_index(x);
	bool root_sha1;
	enum severity sev;

	if (h < 0 || !(p->weak_hashes & (1u << h)) || !p->enabled[CHECK_WEAK_SIGNATURE])
		return;
	/* RFC 5280 6.1, CA/B Forum BR 7.1.3: clients trust a root as stored and never verify its
	 * self-signature, so only the certificates below it depend on the hash. */
	root_sha1 = h == HASH_SHA1 && !strcmp(cls, "root");
	sev = root_sha1 ? (enum severity)p->sha1_root_severity
			: grade(p, CHECK_WEAK_SIGNATURE, hashes[h].sev);
	if (!x->sig_oid[0] || !strcmp(name, x->sig_oid))
		add(hs, CHECK_WEAK_SIGNATURE, sev, (int)pos, name, "%s is signed with %s%s", label,
		    name, root_sha1 ? "; a root's own signature is not checked" : "");
	else
		add(hs, CHECK_WEAK_SIGNATURE, sev, (int)pos, name, "%s is signed with %s (%s)%s",
		    label, name, x->sig_oid,
		    root_sha1 ? "; a root's own signature is not checked" : "");
}

/* Below `broken`: factorable or solvable with public effort; below `weak`: under today's
 * minimum; otherwise only under a stricter, user-chosen minimum. */
static int key_grade(int bits, int broken, int weak)
{
	if (bits < broken)
		return SEV_CRITICAL;
	return bits < weak ? SEV_HIGH : SEV_MEDIUM;
}

static void check_key(const struct policy *p, struct handshake *hs, const struct x509_info *x,
		      unsigned pos, const char *label)
{
	const char *t = x->key_type;
	int bits = x->key_bits;
	char detail[FINDING_DETAIL_LEN];

	if (!p->enabled[CHECK_WEAK_KEY])
		return;
	if (!strcmp(t, "RSA") || !strcmp(t, "RSA-PSS") || !strcmp(t, "rsassaPss")) {
		/* CA/B Forum BR 6.1.5: at least 2048 bits */
		if (bits <= 0 || (uint32_t)bits >= p->min_rsa_bits)
			return;
		snprintf(detail, sizeof(detail), "RSA-%d", bits);
		add(hs, CHECK_WEAK_KEY, grade(p, CHECK_WEAK_KEY, key_grade(bits, 1024, 2048)),
		    (int)pos, detail, "%s has a %d-bit RSA key (minimum %u)", label, bits,
		    p->min_rsa_bits);
	} else if (!strcmp(t, "EC")) {
		if (bits <= 0 || (uint32_t)bits >= p->min_ec_bits)
			return;
		snprintf(detail, sizeof(detail), "EC-%d", bits);
		add(hs, CHECK_WEAK_KEY, grade(p, CHECK_WEAK_KEY, key_grade(bits, 160, 224)),
		    (int)pos, detail, "%s has a %d-bit EC key%s%s (minimum %u)", label, bits,
		    x->curve[0] ? " on " : "", x->curve, p->min_ec_bits);
	} else if (!strcmp(t, "DSA")) {
		/* CA/B Forum BR 6.1.5 allows only RSA and ECDSA; RFC 8446 dropped DSA. */
		char size[24] = "";

		if (bits > 0)
			snprintf(size, sizeof(size), "%d-bit ", bits);
		snprintf(detail, sizeof(detail), bits > 0 ? "DSA-%d" : "DSA", bits);
		add(hs, CHECK_WEAK_KEY,
		    grade(p, CHECK_WEAK_KEY, bits > 0 && bits < 1024 ? SEV_CRITICAL : SEV_HIGH),
		    (int)pos, detail, "%s has a %sDSA key (DSA is no longer allowed)", label, size);
	}
}

static void span(char *buf, size_t size, uint64_t secs)
{
	if (secs < 86400)
		snprintf(buf, size, "%llu s", (unsigned long long)secs);
	else
		snprintf(buf, size, "%llu days", (unsigned long long)(secs / 86400));
}

static const char *time_str(char *buf, size_t size, const char *given, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (given[0])
		return given;
	if (!gmtime_r(&tt, &tm))
		snprintf(buf, size, "%lld", (long long)t);
	else
		strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* RFC 5280 4.1.2.5: the validity period includes both notBefore and notAfter. */
static void check_validity(const struct policy *p, struct handshake *hs, const struct x509_info *x,
			   unsigned pos, const char *cls, const char *label, uint64_t ts_ns)
{
	int64_t now = (int64_t)(ts_ns / 1000000000ull);
	bool frac = ts_ns % 1000000000ull != 0;
	char when[40], dur[32];

	if (!x->validity_ok)
		return;
	if (p->enabled[CHECK_EXPIRED] && (now > x->not_after || (now == x->not_after && frac))) {
		span(dur, sizeof(dur), (uint64_t)(now - x->not_after));
		add(hs, CHECK_EXPIRED, grade(p, CHECK_EXPIRED, checks[CHECK_EXPIRED].severity),
		    (int)pos, cls, "%s expired at %s, %s before the handshake", label,
		    time_str(when, sizeof(when), x->not_after_str, x->not_after), dur);
	}
	if (p->enabled[CHECK_NOT_YET_VALID] && now < x->not_before) {
		span(dur, sizeof(dur), (uint64_t)(x->not_before - now));
		add(hs, CHECK_NOT_YET_VALID,
		    grade(p, CHECK_NOT_YET_VALID, checks[CHECK_NOT_YET_VALID].severity), (int)pos,
		    cls, "%s is not valid before %s, %s after the handshake", label,
		    time_str(when, sizeof(when), x->not_before_str, x->not_before), dur);
	}
}

static void check_certs(const struct policy *p, struct handshake *hs)
{
	unsigned n = hs->n_certs < TLS_MAX_CHAIN ? hs->n_certs : TLS_MAX_CHAIN;
	/* With a Certificate seen its frame time counts even when it is 0 (synthetic captures
	 * stamped at the epoch; tshark judges them at 1970 too). */
	bool have_ts = hs->has_certificate || hs->cert_ts_ns || hs->end_ts_ns;
	uint64_t ts = hs->has_certificate || hs->cert_ts_ns ? hs->cert_ts_ns : hs->end_ts_ns;

	for (unsigned i = 0; i < n; i++) {
		const struct x509_info *x = hs->certs[i];
		char label[112], err[80];
		const char *cls;

		if (!x)
			continue;
		if (!x->parsed) {
			if (!p->enabled[CHECK_UNPARSABLE_CERT])
				continue;
			sanitize(err, sizeof(err), x->error, 64);
			add(hs, CHECK_UNPARSABLE_CERT,
			    grade(p, CHECK_UNPARSABLE_CERT, checks[CHECK_UNPARSABLE_CERT].severity),
			    (int)i, "unparsable",
			    "certificate #%u%s could not be parsed (sha256 %.16s, %u bytes)%s%s",
			    i + 1, i == 0 ? " (leaf)" : "", x->sha256_hex, x->der_len,
			    err[0] ? ": " : "", err);
			continue;
		}
		cls = position_class(x, i, n);
		cert_label(label, sizeof(label), x, i, cls);
		check_signature(p, hs, x, i, cls, label);
		check_key(p, hs, x, i, label);
		if (have_ts)
			check_validity(p, hs, x, i, cls, label, ts);
		if (i == 0 && x->self_signed && p->enabled[CHECK_SELF_SIGNED])
			add(hs, CHECK_SELF_SIGNED,
			    grade(p, CHECK_SELF_SIGNED, checks[CHECK_SELF_SIGNED].severity), 0,
			    "leaf", "%s is self-signed", label);
	}
}

static bool client_offered_tls13(const struct tls_client_hello *ch)
{
	if (ch->max_version == TLS_VERSION_TLS13)
		return true;
	for (unsigned i = 0; i < ch->n_versions && i < TLS_MAX_VERSIONS; i++)
		if (ch->versions[i] == TLS_VERSION_TLS13)
			return true;
	return false;
}

static void check_cipher(const struct policy *p, struct handshake *hs)
{
	const struct tls_cipher_info *ci = tls__cipher_info(hs->sh.cipher);
	char what[128];
	size_t len = 0;
	int sev = -1;
	uint32_t flags;

	if (!ci || !p->enabled[CHECK_WEAK_CIPHER])
		return;
	flags = ci->weak & p->weak_cipher_flags;
	if (!flags)
		return;
	what[0] = '\0';
	for (size_t i = 0; i < N_ITEMS(cipher_flags); i++) {
		if (!(flags & cipher_flags[i].value) || len >= sizeof(what))
			continue;
		len += (size_t)snprintf(what + len, sizeof(what) - len, "%s%s", len ? ", " : "",
					cipher_flags[i].what);
		if (cipher_flags[i].sev > sev)
			sev = cipher_flags[i].sev;
	}
	add(hs, CHECK_WEAK_CIPHER, grade(p, CHECK_WEAK_CIPHER, sev), -1, ci->name,
	    "the server chose %s (0x%04X): %s", ci->name, hs->sh.cipher, what);
}

static void check_protocol(const struct policy *p, struct handshake *hs)
{
	uint16_t v = hs->version ? hs->version : hs->sh.version;

	if (p->enabled[CHECK_WEAK_PROTOCOL] && v) {
		for (size_t i = 0; i < N_ITEMS(protocols); i++) {
			if (protocols[i].value != v || !(p->weak_protocols & (1u << i)))
				continue;
			add(hs, CHECK_WEAK_PROTOCOL,
			    grade(p, CHECK_WEAK_PROTOCOL, protocols[i].sev), -1, protocols[i].name,
			    "the server negotiated %s (%s)", protocols[i].name, protocols[i].what);
		}
	}
	check_cipher(p, hs);
}

void policy__evaluate(const struct policy *p, struct handshake *hs)
{
	char detail[FINDING_DETAIL_LEN];

	check_certs(p, hs);
	if (hs->has_server_hello)
		check_protocol(p, hs);
	if (hs->has_server_key_exchange && hs->ske.dh_p_bits && p->enabled[CHECK_WEAK_DH] &&
	    hs->ske.dh_p_bits < p->min_dh_bits) {
		/* RFC 7919 and the Logjam paper: DHE primes below 2048 bits are within reach */
		snprintf(detail, sizeof(detail), "DH-%u", hs->ske.dh_p_bits);
		add(hs, CHECK_WEAK_DH,
		    grade(p, CHECK_WEAK_DH, hs->ske.dh_p_bits < 1024 ? SEV_HIGH : SEV_MEDIUM), -1,
		    detail, "the server's DHE group has a %u-bit prime (minimum %u)",
		    hs->ske.dh_p_bits, p->min_dh_bits);
	}
	if (!p->enabled[CHECK_DOWNGRADE])
		return;
	/* RFC 7507: a client sends the SCSV only when retrying after a failed higher version */
	if (hs->has_client_hello && hs->ch.fallback_scsv)
		add(hs, CHECK_DOWNGRADE, grade(p, CHECK_DOWNGRADE, SEV_LOW), -1, "fallback_scsv",
		    "the client offered TLS_FALLBACK_SCSV: it is retrying with a lower version "
		    "after a failed attempt (RFC 7507)");
	/* RFC 8446 4.1.3: a TLS 1.3 server that negotiates less marks its random; a client that
	 * offered 1.3 and sees the mark is being downgraded */
	if (hs->has_server_hello && hs->has_client_hello &&
	    (hs->sh.downgrade_tls12 || hs->sh.downgrade_tls11) && client_offered_tls13(&hs->ch))
		add(hs, CHECK_DOWNGRADE, grade(p, CHECK_DOWNGRADE, SEV_HIGH), -1,
		    "tls13_downgrade_sentinel",
		    "the ServerHello carries the RFC 8446 4.1.3 downgrade sentinel although the "
		    "client offered TLS1.3");
}
