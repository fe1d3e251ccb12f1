// SPDX-License-Identifier: GPL-2.0
#include "verdict/policy_int.h"
#include "util/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tls/tls_names.h"
#include "util/kv.h"


/* Defaults follow what browsers and the CA/B Forum Baseline Requirements reject today. */
const struct check_def policy_checks[CHECK__COUNT] = {
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
			    "DHE prime below min_dh_bits (<1024 high, else medium); with "
			    "dh_below_rsa, shorter than the leaf's RSA key (low)" },
	[CHECK_DOWNGRADE] = { "downgrade", true, SEV_AUTO,
			      "TLS_FALLBACK_SCSV offered (low); RFC 8446 downgrade sentinel while "
			      "the client offered TLS1.3 (high)" },
	[CHECK_UNPARSABLE_CERT] = { "unparsable_cert", true, SEV_MEDIUM,
				    "a certificate of the chain could not be parsed" },
	/* Off: most of today's traffic would be flagged. On, it finds what a recorded session
	 * ("harvest now, decrypt later") would give up to a quantum computer. */
	[CHECK_NON_PQ_KX] = { "non_pq_kx", false, SEV_LOW,
			      "key exchange that is not post-quantum (neither ML-KEM nor a hybrid "
			      "with it; medium when the client offered a post-quantum group)" },
	/* On, as Zeek and nDPI have it: a certificate that will expire within the window at the
	 * time of the packet. The expiry gauges (out/endpoints_out.c) are what alerts use. */
	[CHECK_EXPIRES_SOON] = { "expires_soon", true, SEV_LOW,
				 "certificate valid at the time of the packet whose notAfter is "
				 "less than expires_soon_days away" },
	/* Zeek's sni_matches_cert, as browsers judge it (RFC 6125 6.4: DNS SANs only). */
	[CHECK_NAME_MISMATCH] = { "name_mismatch", true, SEV_MEDIUM,
				  "the SNI is not covered by the leaf certificate's DNS names "
				  "(one left-most wildcard label, no CN fallback), or is an IP "
				  "address (RFC 6066 3)" },
	/* nDPI's missing SNI risk, limited to servers whose leaf names DNS hosts. */
	[CHECK_MISSING_SNI] = { "missing_sni", true, SEV_INFO,
				"the client sent no SNI to a server whose leaf certificate names "
				"DNS hosts" },
	[CHECK_LONG_VALIDITY] = { "long_validity", true, SEV_MEDIUM,
				  "leaf certificate issued (notBefore) on or after 2020-09-01 valid "
				  "for more than max_validity_days (CA/B Forum BR 6.3.2: 398)" },
	/* A passive observer does not know the client's store (private CAs, pinning): a chain
	 * that does not verify against this one is low, unless no store could accept it. */
	[CHECK_UNTRUSTED_CHAIN] = { "untrusted_chain", true, SEV_AUTO,
				    "chain that does not verify against --trust-store at the time "
				    "of the packet, or is sent out of order (bad signature high, "
				    "else low)" },
	/* As Zeek's Heartbleed notices (policy/protocols/ssl/heartbleed.zeek). */
	[CHECK_HEARTBEAT] = { "heartbeat", true, SEV_AUTO,
			      "RFC 6520 heartbeat abuse: a request longer than its record "
			      "(Heartbleed, high), answered (critical), an encrypted heartbeat "
			      "shorter than 19 bytes (medium)" },
	/* On: an on-path attacker can make a passive observer read another handshake than the
	 * host's (insertion, overlap, urgent data); the report shows the host's reading, this
	 * says another one existed. */
	[CHECK_TCP_AMBIGUITY] = { "tcp_ambiguity", true, SEV_MEDIUM,
				  "the TCP stream could be read two ways: overlapping copies of "
				  "the same bytes differed, urgent data was taken out, or bytes "
				  "were known only from a copy with a bad checksum" },
	/* Seen only with uprobes (tlsmon run without --no-uprobes): the library's own verdict. */
	[CHECK_UNVERIFIED_PEER] = { "unverified_peer", true, SEV_HIGH,
				    "a TLS library on this host did not verify the peer's "
				    "certificates (verify mode none) while the chain has findings" },
};

const char *const policy_sev_names[5] = { "info", "low", "medium", "high", "critical" };
const char *const policy_cert_class_names[3] = { "leaf", "intermediate", "root" };

const struct named_item policy_hashes[POLICY_N_HASHES] = {
	{ "md2", SEV_CRITICAL, 0, NULL },
	{ "md4", SEV_CRITICAL, 0, NULL },
	{ "md5", SEV_HIGH, 0, NULL },
	{ "sha1", SEV_HIGH, 0, NULL },
};


/* RFC 6176 (SSLv2), RFC 7568 (SSLv3), RFC 8996 (TLS 1.0 and 1.1) prohibit or deprecate them. */
const struct named_item policy_protocols[POLICY_N_PROTOCOLS] = {
	{ "SSLv2", SEV_CRITICAL, TLS_VERSION_SSL2, "prohibited by RFC 6176" },
	{ "SSLv3", SEV_CRITICAL, TLS_VERSION_SSL3, "prohibited by RFC 7568" },
	{ "TLS1.0", SEV_MEDIUM, TLS_VERSION_TLS10, "deprecated by RFC 8996" },
	{ "TLS1.1", SEV_MEDIUM, TLS_VERSION_TLS11, "deprecated by RFC 8996" },
	{ "TLS1.2", SEV_LOW, TLS_VERSION_TLS12, "listed in weak_protocols" },
	{ "TLS1.3", SEV_LOW, TLS_VERSION_TLS13, "listed in weak_protocols" },
};

const struct named_item policy_cipher_flags[POLICY_N_CIPHER_FLAGS] = {
	{ "null", SEV_CRITICAL, TLS_CS_NULL, "no encryption" },
	{ "export", SEV_CRITICAL, TLS_CS_EXPORT, "export-grade" },
	{ "anon", SEV_CRITICAL, TLS_CS_ANON, "unauthenticated key exchange" },
	{ "rc4", SEV_HIGH, TLS_CS_RC4, "RC4" },
	{ "des", SEV_HIGH, TLS_CS_DES, "single DES" },
	{ "3des", SEV_MEDIUM, TLS_CS_3DES, "3DES (64-bit block)" },
	{ "md5", SEV_MEDIUM, TLS_CS_MD5, "HMAC-MD5" },
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
	{ "expires_soon_days", offsetof(struct policy, expires_soon_days), 3650,
	  "days before notAfter that expires_soon flags (renewal runs 30 days ahead)" },
	{ "max_validity_days", offsetof(struct policy, max_validity_days), 36500,
	  "longest leaf validity long_validity accepts (CA/B Forum BR 6.3.2: 398)" },
};

static void policy_defaults(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	for (int c = 0; c < CHECK__COUNT; c++) {
		p->enabled[c] = policy_checks[c].enabled;
		p->severity[c] = SEV_AUTO;
	}
	p->min_rsa_bits = 2048;
	p->min_ec_bits = 224;
	p->min_dh_bits = 2048;
	p->expires_soon_days = 30;
	p->max_validity_days = 398;
	p->weak_hashes = (1u << N_ITEMS(policy_hashes)) - 1;
	p->weak_protocols = 0x0f; /* SSLv2 .. TLS1.1 */
	p->weak_cipher_flags = TLS_CS_NULL | TLS_CS_EXPORT | TLS_CS_ANON | TLS_CS_RC4 | TLS_CS_DES |
			       TLS_CS_3DES | TLS_CS_MD5;
	/* RFC 5280 6.1 and CA/B Forum BR 7.1.3: a trust anchor's own signature is not verified. */
	p->sha1_root_severity = SEV_LOW;
	p->dh_below_rsa = true;
}

struct policy *policy__new(void)
{
	/* zeroed padding too: certificate memos compare the settings whole (policy_memo.c) */
	struct policy *p = calloc(1, sizeof(*p));

	if (p)
		policy_defaults(p);
	return p;
}

void policy__free(struct policy *p)
{
	free(p);
}

bool policy__enabled(const struct policy *p, enum check_id c)
{
	return (unsigned)c < CHECK__COUNT && p->enabled[c];
}

const char *policy__check_name(enum check_id c)
{
	if ((unsigned)c >= CHECK__COUNT)
		return "unknown";
	return policy_checks[c].name;
}

const char *policy__severity_name(enum severity s)
{
	if ((unsigned)s >= N_ITEMS(policy_sev_names))
		return "unknown";
	return policy_sev_names[s];
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
void policy__sanitize(char *dst, size_t size, const char *src, size_t max)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = 0;

	if (!size)
		return;
	if (max > size - 1)
		max = size - 1;
	/* Names are mostly printable ASCII, copied as they are: find that run first and copy it
	 * in one go (a certificate's subject is sanitised for every finding's label). */
	while (s && n < max && s[n] >= 0x20 && s[n] < 0x7f)
		n++;
	if (n) {
		memcpy(dst, s, n);
		s += n;
	}
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
	for (size_t i = 0; i < N_ITEMS(policy_sev_names); i++) {
		if (!strcasecmp(s, policy_sev_names[i])) {
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
			policy__sanitize(bad, bad_size, item, 32);
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
	err__set(err, err_size, "unknown item '%s' in %s (expected a comma list of %s)", bad, key,
		names);
	return -EINVAL;
}

static int find_check(const char *name, size_t len)
{
	for (int c = 0; c < CHECK__COUNT; c++)
		if (strlen(policy_checks[c].name) == len && !strncmp(name, policy_checks[c].name, len))
			return c;
	return -1;
}

int policy__set(struct policy *p, const char *key, const char *value, char *err, size_t err_size)
{
	char qk[48], qv[48];
	const char *dot;

	if (!key || !value) {
		err__set(err, err_size, "missing key or value");
		return -EINVAL;
	}
	policy__sanitize(qk, sizeof(qk), key, 40);
	policy__sanitize(qv, sizeof(qv), value, 40);

	dot = strrchr(key, '.');
	if (dot) {
		int c = find_check(key, (size_t)(dot - key));

		if (c >= 0 && !strcmp(dot + 1, "enabled")) {
			if (!parse_bool(value, &p->enabled[c]))
				return 0;
			err__set(err, err_size, "invalid value '%s' for %s (expected true or false)",
				qv, qk);
			return -EINVAL;
		}
		if (c >= 0 && !strcmp(dot + 1, "severity")) {
			if (!parse_severity(value, true, &p->severity[c]))
				return 0;
			err__set(err, err_size,
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
		err__set(err, err_size, "invalid value '%s' for %s (expected an integer 0..%u)", qv,
			qk, uint_keys[i].max);
		return -EINVAL;
	}
	if (!strcmp(key, "sha1_root_severity")) {
		int8_t s;

		if (!parse_severity(value, false, &s)) {
			p->sha1_root_severity = (uint8_t)s;
			return 0;
		}
		err__set(err, err_size,
			"invalid value '%s' for %s (expected info, low, medium, high or critical)",
			qv, qk);
		return -EINVAL;
	}
	if (!strcmp(key, "dh_below_rsa")) {
		if (!parse_bool(value, &p->dh_below_rsa))
			return 0;
		err__set(err, err_size, "invalid value '%s' for %s (expected true or false)", qv,
			qk);
		return -EINVAL;
	}
	if (!strcmp(key, "weak_hashes"))
		return set_list(key, value, policy_hashes, N_ITEMS(policy_hashes), false, &p->weak_hashes, err,
				err_size);
	if (!strcmp(key, "weak_protocols"))
		return set_list(key, value, policy_protocols, N_ITEMS(policy_protocols), false,
				&p->weak_protocols, err, err_size);
	if (!strcmp(key, "weak_cipher_flags"))
		return set_list(key, value, policy_cipher_flags, N_ITEMS(policy_cipher_flags), true,
				&p->weak_cipher_flags, err, err_size);
	err__set(err, err_size, "unknown key '%s'", qk);
	return -EINVAL;
}

static int set_one(void *ctx, const char *key, const char *value, size_t lineno, char *err,
		   size_t err_size)
{
	return policy__set(ctx, key, value, err, err_size);
}

int policy__parse(struct policy *p, const char *text, size_t len, char *err, size_t err_size)
{
	struct policy tmp = *p; /* all or nothing: a bad line leaves p untouched */
	int ret = kv__parse(text, len, set_one, &tmp, err, err_size);

	if (!ret)
		*p = tmp;
	return ret;
}

int policy__load_file(struct policy *p, const char *path, char *err, size_t err_size)
{
	char reason[256], *text = NULL;
	size_t len = 0;
	int ret;

	ret = kv__load_file(path, &text, &len, err, err_size);
	if (ret)
		return ret;
	ret = policy__parse(p, text, len, reason, sizeof(reason));
	if (ret)
		err__set(err, err_size, "%s: %s", path, reason);
	free(text);
	return ret;
}

void policy__copy(struct policy *dst, const struct policy *src)
{
	*dst = *src;
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
		int sev = p->severity[c] != SEV_AUTO ? p->severity[c] : policy_checks[c].severity;

		fprintf(out, "# %s\n%s.enabled = %s\n%s.severity = %s\n", policy_checks[c].description,
			policy_checks[c].name, p->enabled[c] ? "true" : "false", policy_checks[c].name,
			sev == SEV_AUTO ? "auto" : policy_sev_names[sev]);
	}
	for (size_t i = 0; i < N_ITEMS(uint_keys); i++)
		fprintf(out, "# %s\n%s = %u\n", uint_keys[i].description, uint_keys[i].name,
			*(const uint32_t *)((const char *)p + uint_keys[i].off));
	fprintf(out, "# weak_dh also when the DHE prime is shorter than the leaf's RSA key (the "
		     "key exchange is then the weaker link)\ndh_below_rsa = %s\n",
		p->dh_below_rsa ? "true" : "false");
	fprintf(out, "# policy_hashes that make a certificate signature weak\n");
	print_list(out, "weak_hashes", p->weak_hashes, policy_hashes, N_ITEMS(policy_hashes), false);
	fprintf(out,
		"# sha1 on a self-signed root (RFC 5280 6.1: its signature is not checked)\n"
		"sha1_root_severity = %s\n",
		policy_sev_names[p->sha1_root_severity]);
	fprintf(out, "# negotiated versions reported by weak_protocol\n");
	print_list(out, "weak_protocols", p->weak_protocols, policy_protocols, N_ITEMS(policy_protocols), false);
	fprintf(out, "# cipher suite properties reported by weak_cipher\n");
	print_list(out, "weak_cipher_flags", p->weak_cipher_flags, policy_cipher_flags,
		   N_ITEMS(policy_cipher_flags), true);
}

/* Both policies printed: the same keys in the same order, so the lines pair up one to one. */
int policy__diff(const struct policy *a, const struct policy *b, policy_diff_fn fn, void *ctx)
{
	char *ta = NULL, *tb = NULL, *la, *lb, *sa = NULL, *sb = NULL;
	size_t na = 0, nb = 0;
	FILE *fa = open_memstream(&ta, &na), *fb = open_memstream(&tb, &nb);
	int changed = 0;

	if (!fa || !fb) {
		if (fa)
			fclose(fa);
		if (fb)
			fclose(fb);
		free(ta);
		free(tb);
		return -ENOMEM;
	}
	policy__print(a, fa);
	policy__print(b, fb);
	fclose(fa);
	fclose(fb);
	if (!ta || !tb) {
		changed = -ENOMEM;
		goto cleanup;
	}
	la = strtok_r(ta, "\n", &sa);
	lb = strtok_r(tb, "\n", &sb);
	for (; la && lb; la = strtok_r(NULL, "\n", &sa), lb = strtok_r(NULL, "\n", &sb)) {
		char *eqa = strstr(la, " = "), *eqb = strstr(lb, " = ");

		if (la[0] == '#' || !eqa || !eqb || !strcmp(la, lb))
			continue;
		*eqa = '\0';
		fn(ctx, la, eqa + 3, eqb + 3);
		changed++;
	}
cleanup:
	free(ta);
	free(tb);
	return changed;
}
