/* Lookup tables: the cipher suite table is walked over all 65536 ids (a table out of order or with
 * a duplicate loses entries to the binary search), flags and key exchange are re-derived from the
 * IANA names, and edge values of every lookup are checked. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "tls/tls_names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Entries in user/tls/tls_names.c: IANA assignments plus the reserved 0x0060-0x0066. */
#define N_CIPHER_SUITES 359
#define N_GROUPS 56
#define N_SIGSCHEMES 49
#define N_ALERTS 35
#define N_HANDSHAKE_TYPES 25

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The rules of the brief, applied to the name independently of the table. */
static uint8_t weak_from_name(uint16_t id, const char *name)
{
	uint8_t w = 0;

	if (strstr(name, "_WITH_NULL_") || !strcmp(name, "TLS_NULL_WITH_NULL_NULL") ||
	    id == 0xC0B4 || id == 0xC0B5)
		w |= TLS_CS_NULL;
	if (strstr(name, "EXPORT"))
		w |= TLS_CS_EXPORT;
	if (strstr(name, "_anon_") || !strcmp(name, "TLS_NULL_WITH_NULL_NULL"))
		w |= TLS_CS_ANON;
	if (strstr(name, "_RC4_"))
		w |= TLS_CS_RC4;
	if (strstr(name, "_DES_CBC_") || strstr(name, "_DES40_"))
		w |= TLS_CS_DES;
	if (strstr(name, "_3DES_"))
		w |= TLS_CS_3DES;
	if (ends_with(name, "_MD5"))
		w |= TLS_CS_MD5;
	return w;
}

static enum tls_kx kx_from_name(uint16_t id, const char *name)
{
	static const struct {
		const char *prefix;
		enum tls_kx kx;
	} rules[] = {
		{ "TLS_RSA_PSK_", TLS_KX_PSK }, { "TLS_DHE_PSK_", TLS_KX_DHE },
		{ "TLS_PSK_DHE_", TLS_KX_DHE }, { "TLS_ECDHE_PSK_", TLS_KX_ECDHE },
		{ "TLS_PSK_", TLS_KX_PSK }, { "TLS_RSA_", TLS_KX_RSA },
		{ "TLS_DHE_", TLS_KX_DHE }, { "TLS_ECDHE_", TLS_KX_ECDHE },
		{ "TLS_DH_anon_", TLS_KX_DH_ANON }, { "TLS_ECDH_anon_", TLS_KX_ECDH_ANON },
	};

	if ((id >> 8) == 0x13 || id == 0x00C6 || id == 0x00C7 || id == 0xC0B4 || id == 0xC0B5 ||
	    (id >= 0xC103 && id <= 0xC106))
		return TLS_KX_TLS13;
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (starts_with(name, rules[i].prefix))
			return rules[i].kx;
	return TLS_KX_UNKNOWN;
}

static void test_cipher_table_walk(void)
{
	static const char *names[65536];
	int found = 0, bad_name = 0, bad_flags = 0, bad_kx = 0, dup_names = 0;

	for (uint32_t id = 0; id <= 0xffff; id++) {
		const struct tls_cipher_info *ci = tls__cipher_info((uint16_t)id);

		names[id] = NULL;
		if (!ci)
			continue;
		found++;
		CHECK_EQ(ci->id, id);
		if (!ci->name || !starts_with(ci->name, "TLS_") || strlen(ci->name) < 8) {
			bad_name++;
			continue;
		}
		names[id] = ci->name;
		if (ci->weak != weak_from_name(ci->id, ci->name)) {
			fprintf(stderr, "  flags of %s: 0x%02x\n", ci->name, ci->weak);
			bad_flags++;
		}
		if (ci->kx != kx_from_name(ci->id, ci->name)) {
			fprintf(stderr, "  kx of %s: %d\n", ci->name, ci->kx);
			bad_kx++;
		}
		CHECK(!tls__is_grease((uint16_t)id));
	}
	for (uint32_t a = 0; a <= 0xffff; a++)
		for (uint32_t b = a + 1; names[a] && b <= 0xffff; b++)
			if (names[b] && !strcmp(names[a], names[b]))
				dup_names++;
	CHECK_EQ(found, N_CIPHER_SUITES);
	CHECK_EQ(bad_name, 0);
	CHECK_EQ(bad_flags, 0);
	CHECK_EQ(bad_kx, 0);
	CHECK_EQ(dup_names, 0);
}

/* An entry of a registry: its value and the name tlsmon gives it. */
struct name16 {
	uint16_t id;
	const char *name;
};

static void test_cipher_names(void)
{
	static const struct name16 cases[] = {
		{ 0x0000, "TLS_NULL_WITH_NULL_NULL" },
		{ 0x0001, "TLS_RSA_WITH_NULL_MD5" },
		{ 0x0004, "TLS_RSA_WITH_RC4_128_MD5" },
		{ 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
		{ 0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA" },
		{ 0x001E, "TLS_KRB5_WITH_DES_CBC_SHA" },
		{ 0x002B, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5" },
		{ 0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA" },
		{ 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
		{ 0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA" },
		{ 0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA" },
		{ 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" },
		{ 0x0096, "TLS_RSA_WITH_SEED_CBC_SHA" },
		{ 0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
		{ 0x00C5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256" },
		{ 0x00C6, "TLS_SM4_GCM_SM3" },
		{ 0x00C7, "TLS_SM4_CCM_SM3" },
		{ 0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" },
		{ 0x1301, "TLS_AES_128_GCM_SHA256" },
		{ 0x1302, "TLS_AES_256_GCM_SHA384" },
		{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
		{ 0x1304, "TLS_AES_128_CCM_SHA256" },
		{ 0x1305, "TLS_AES_128_CCM_8_SHA256" },
		{ 0x5600, "TLS_FALLBACK_SCSV" },
		{ 0xC001, "TLS_ECDH_ECDSA_WITH_NULL_SHA" },
		{ 0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA" },
		{ 0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
		{ 0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
		{ 0xC03C, "TLS_RSA_WITH_ARIA_128_CBC_SHA256" },
		{ 0xC09B, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
		{ 0xC0AA, "TLS_PSK_DHE_WITH_AES_128_CCM_8" },
		{ 0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8" },
		{ 0xC0B4, "TLS_SHA256_SHA256" },
		{ 0xC100, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC" },
		{ 0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
		{ 0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
		{ 0xCCAE, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256" },
		{ 0xD001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256" },
		{ 0xD005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256" },
	};
	static const uint16_t unknown[] = {
		0x001C, 0x001D, /* SSLv3 Fortezza, reserved */
		0x0047, 0x005F, 0x0080, 0x0083, 0x00C8, 0x00FE, 0x0100, 0x1300, 0x1308, 0x55FF,
		0x5601, 0xC000, 0xC0B6, 0xC0FF, 0xCC13, 0xD000, 0xD004, 0xD006, 0xFEFE, 0xFFFF,
		0x0A0A, 0xDADA, /* GREASE */
	};
	char buf[8];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK_STR(tls__cipher_name(cases[i].id, buf, sizeof(buf)), cases[i].name);
		CHECK(tls__cipher_info(cases[i].id) != NULL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(unknown); i++)
		CHECK(tls__cipher_info(unknown[i]) == NULL);

	CHECK_STR(tls__cipher_name(0xC0FF, buf, sizeof(buf)), "0xC0FF");
	CHECK_STR(tls__cipher_name(0x0A0A, buf, sizeof(buf)), "0x0A0A");
	CHECK_STR(tls__cipher_name(0xFFFF, buf, sizeof(buf)), "0xFFFF");
	CHECK(tls__cipher_name(0xFFFF, buf, sizeof(buf)) == buf);
	CHECK_STR(tls__cipher_name(0xFFFF, buf, 4), "0xF");
	CHECK(tls__cipher_name(0xFFFF, NULL, 0) != NULL);
	CHECK_STR(tls__cipher_name(0x0004, NULL, 0), "TLS_RSA_WITH_RC4_128_MD5");
}

static void test_cipher_weak_flags(void)
{
	static const struct {
		uint16_t id;
		uint8_t weak;
	} cases[] = {
		{ 0x0000, TLS_CS_NULL | TLS_CS_ANON },
		{ 0x0001, TLS_CS_NULL | TLS_CS_MD5 },
		{ 0x0002, TLS_CS_NULL },
		{ 0x0003, TLS_CS_EXPORT | TLS_CS_RC4 | TLS_CS_MD5 },
		{ 0x0004, TLS_CS_RC4 | TLS_CS_MD5 },
		{ 0x0005, TLS_CS_RC4 },
		{ 0x0006, TLS_CS_EXPORT | TLS_CS_MD5 },
		{ 0x0007, 0 }, /* IDEA: old, but not on the list */
		{ 0x0008, TLS_CS_EXPORT | TLS_CS_DES },
		{ 0x0009, TLS_CS_DES },
		{ 0x000A, TLS_CS_3DES },
		{ 0x0017, TLS_CS_EXPORT | TLS_CS_ANON | TLS_CS_RC4 | TLS_CS_MD5 },
		{ 0x0018, TLS_CS_ANON | TLS_CS_RC4 | TLS_CS_MD5 },
		{ 0x0019, TLS_CS_EXPORT | TLS_CS_ANON | TLS_CS_DES },
		{ 0x001B, TLS_CS_ANON | TLS_CS_3DES },
		{ 0x0022, TLS_CS_DES | TLS_CS_MD5 },
		{ 0x0026, TLS_CS_EXPORT | TLS_CS_DES },
		{ 0x002C, TLS_CS_NULL },
		{ 0x002F, 0 },
		{ 0x0034, TLS_CS_ANON },
		{ 0x003B, TLS_CS_NULL },
		{ 0x0062, TLS_CS_EXPORT | TLS_CS_DES },
		{ 0x0066, TLS_CS_RC4 },
		{ 0x008A, TLS_CS_RC4 },
		{ 0x00B0, TLS_CS_NULL },
		{ 0x00FF, 0 },
		{ 0x1301, 0 },
		{ 0x5600, 0 },
		{ 0xC006, TLS_CS_NULL },
		{ 0xC012, TLS_CS_3DES },
		{ 0xC015, TLS_CS_ANON | TLS_CS_NULL },
		{ 0xC016, TLS_CS_ANON | TLS_CS_RC4 },
		{ 0xC02F, 0 },
		{ 0xC0B5, TLS_CS_NULL },
		{ 0xCCA8, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tls_cipher_info *ci = tls__cipher_info(cases[i].id);

		CHECK(ci != NULL);
		if (ci && ci->weak != cases[i].weak)
			fprintf(stderr, "  0x%04X %s\n", cases[i].id, ci->name);
		CHECK_EQ(ci ? ci->weak : 0xff, cases[i].weak);
	}
}

static void test_cipher_kx(void)
{
	static const struct {
		uint16_t id;
		enum tls_kx kx;
	} cases[] = {
		{ 0x0000, TLS_KX_UNKNOWN }, { 0x0003, TLS_KX_RSA }, { 0x000A, TLS_KX_RSA },
		{ 0x000B, TLS_KX_UNKNOWN }, { 0x000D, TLS_KX_UNKNOWN }, { 0x0011, TLS_KX_DHE },
		{ 0x0016, TLS_KX_DHE }, { 0x0018, TLS_KX_DH_ANON }, { 0x001E, TLS_KX_UNKNOWN },
		{ 0x002C, TLS_KX_PSK }, { 0x002D, TLS_KX_DHE }, { 0x002E, TLS_KX_PSK },
		{ 0x0062, TLS_KX_RSA }, { 0x0063, TLS_KX_DHE }, { 0x008C, TLS_KX_PSK },
		{ 0x0090, TLS_KX_DHE }, { 0x0094, TLS_KX_PSK }, { 0x009E, TLS_KX_DHE },
		{ 0x00A0, TLS_KX_UNKNOWN }, { 0x00C6, TLS_KX_TLS13 }, { 0x00FF, TLS_KX_UNKNOWN },
		{ 0x1301, TLS_KX_TLS13 },    { 0x1305, TLS_KX_TLS13 },    { 0x5600, TLS_KX_UNKNOWN },
		{ 0xC004, TLS_KX_UNKNOWN }, { 0xC009, TLS_KX_ECDHE }, { 0xC016, TLS_KX_ECDH_ANON },
		{ 0xC01A, TLS_KX_UNKNOWN }, { 0xC02F, TLS_KX_ECDHE }, { 0xC035, TLS_KX_ECDHE },
		{ 0xC0AA, TLS_KX_DHE }, { 0xC0B0, TLS_KX_UNKNOWN }, { 0xC0B4, TLS_KX_TLS13 },
		{ 0xC102, TLS_KX_UNKNOWN }, { 0xC103, TLS_KX_TLS13 }, { 0xCCAB, TLS_KX_PSK },
		{ 0xCCAC, TLS_KX_ECDHE }, { 0xCCAD, TLS_KX_DHE }, { 0xD001, TLS_KX_ECDHE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tls_cipher_info *ci = tls__cipher_info(cases[i].id);

		CHECK(ci != NULL);
		CHECK_EQ(ci ? (int)ci->kx : -1, cases[i].kx);
	}
}

static void test_version_names(void)
{
	static const struct {
		uint16_t v;
		const char *name;
	} cases[] = {
		{ 0x0002, "SSLv2" }, { 0x0200, "SSLv2" }, { 0x0300, "SSLv3" },
		{ 0x0301, "TLS1.0" }, { 0x0302, "TLS1.1" }, { 0x0303, "TLS1.2" },
		{ 0x0304, "TLS1.3" }, { 0xfeff, "DTLS1.0" }, { 0xfefd, "DTLS1.2" },
		{ 0xfefc, "DTLS1.3" }, { 0x7f17, "TLS1.3-draft23" }, { 0x7f1c, "TLS1.3-draft28" },
		{ 0x7f05, "TLS1.3-draft05" }, { 0x7fff, "TLS1.3-draft255" }, { 0x0305, "0x0305" },
		{ 0x0000, "0x0000" }, { 0xfefe, "0xfefe" }, { 0x0a0a, "0x0a0a" },
		{ 0xffff, "0xffff" }, { 0x0100, "0x0100" }, { 0x8000, "0x8000" },
	};
	char buf[32];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_STR(tls__version_name(cases[i].v, buf, sizeof(buf)), cases[i].name);
	CHECK_STR(tls__version_name(0x0304, NULL, 0), "TLS1.3");
	CHECK(tls__version_name(0x1234, NULL, 0) != NULL);
	CHECK_STR(tls__version_name(0x1234, buf, 7), "0x1234"); /* exactly fits */
	CHECK_STR(tls__version_name(0x1234, buf, 4), "0x1"); /* truncated, terminated */
	CHECK_STR(tls__version_name(0x7f17, buf, 8), "TLS1.3-");
}

static void test_alert_names(void)
{
	static const struct name16 cases[] = {
		{ 0, "close_notify" },
		{ 10, "unexpected_message" },
		{ 20, "bad_record_mac" },
		{ 21, "decryption_failed" },
		{ 22, "record_overflow" },
		{ 30, "decompression_failure" },
		{ 40, "handshake_failure" },
		{ 41, "no_certificate" },
		{ 42, "bad_certificate" },
		{ 43, "unsupported_certificate" },
		{ 44, "certificate_revoked" },
		{ 45, "certificate_expired" },
		{ 46, "certificate_unknown" },
		{ 47, "illegal_parameter" },
		{ 48, "unknown_ca" },
		{ 49, "access_denied" },
		{ 50, "decode_error" },
		{ 51, "decrypt_error" },
		{ 60, "export_restriction" },
		{ 70, "protocol_version" },
		{ 71, "insufficient_security" },
		{ 80, "internal_error" },
		{ 86, "inappropriate_fallback" },
		{ 90, "user_canceled" },
		{ 100, "no_renegotiation" },
		{ 109, "missing_extension" },
		{ 110, "unsupported_extension" },
		{ 111, "certificate_unobtainable" },
		{ 112, "unrecognized_name" },
		{ 113, "bad_certificate_status_response" },
		{ 114, "bad_certificate_hash_value" },
		{ 115, "unknown_psk_identity" },
		{ 116, "certificate_required" },
		{ 120, "no_application_protocol" },
		{ 121, "ech_required" },
	};
	int named = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_STR(tls__alert_name((uint8_t)cases[i].id), cases[i].name);
	for (int d = 0; d < 256; d++)
		named += tls__alert_name((uint8_t)d) != NULL;
	CHECK_EQ(named, N_ALERTS);
	CHECK(tls__alert_name(1) == NULL);
	CHECK(tls__alert_name(122) == NULL);
	CHECK(tls__alert_name(255) == NULL);

	CHECK_STR(tls__alert_level_name(1), "warning");
	CHECK_STR(tls__alert_level_name(2), "fatal");
	CHECK(tls__alert_level_name(0) == NULL);
	CHECK(tls__alert_level_name(3) == NULL);
	CHECK(tls__alert_level_name(255) == NULL);
}

/* A 16-bit registry: the names of some of its values, how many of the 65,536 values have a name,
 * and values that must have none. */
struct registry16 {
	const char *(*name_of)(uint16_t);
	int n_named;
	uint16_t unnamed[4];
	struct name16 cases[32]; /* up to the first without a name */
};

static const struct registry16 groups = {
	tls__group_name, N_GROUPS, { 0, 42, 0x0a0a, 0xffff }, {
		{ 1, "sect163k1" },
		{ 14, "sect571r1" },
		{ 19, "secp192r1" },
		{ 22, "secp256k1" },
		{ 23, "secp256r1" },
		{ 24, "secp384r1" },
		{ 25, "secp521r1" },
		{ 26, "brainpoolP256r1" },
		{ 28, "brainpoolP512r1" },
		{ 29, "x25519" },
		{ 30, "x448" },
		{ 31, "brainpoolP256r1tls13" },
		{ 33, "brainpoolP512r1tls13" },
		{ 41, "curveSM2" },
		{ 256, "ffdhe2048" },
		{ 260, "ffdhe8192" },
		{ 512, "MLKEM512" },
		{ 514, "MLKEM1024" },
		{ 0x11eb, "SecP256r1MLKEM768" },
		{ 0x11ec, "X25519MLKEM768" },
		{ 0x11ed, "SecP384r1MLKEM1024" },
		{ 0x6399, "X25519Kyber768Draft00" },
		{ 0xff01, "arbitrary_explicit_prime_curves" },
		{ 0xff02, "arbitrary_explicit_char2_curves" },
	}
};

static const struct registry16 sigschemes = {
	tls__sigscheme_name, N_SIGSCHEMES, { 0, 0x0100 /* hash none */, 0x0104, 0xffff }, {
		{ 0x0101, "rsa_pkcs1_md5" },
		{ 0x0201, "rsa_pkcs1_sha1" },
		{ 0x0202, "dsa_sha1" },
		{ 0x0203, "ecdsa_sha1" },
		{ 0x0303, "ecdsa_sha224" },
		{ 0x0401, "rsa_pkcs1_sha256" },
		{ 0x0403, "ecdsa_secp256r1_sha256" },
		{ 0x0503, "ecdsa_secp384r1_sha384" },
		{ 0x0603, "ecdsa_secp521r1_sha512" },
		{ 0x0804, "rsa_pss_rsae_sha256" },
		{ 0x0806, "rsa_pss_rsae_sha512" },
		{ 0x0807, "ed25519" },
		{ 0x0808, "ed448" },
		{ 0x0809, "rsa_pss_pss_sha256" },
		{ 0x080b, "rsa_pss_pss_sha512" },
		{ 0x081a, "ecdsa_brainpoolP256r1tls13_sha256" },
		{ 0x0708, "sm2sig_sm3" },
		{ 0x0420, "rsa_pkcs1_sha256_legacy" },
		{ 0x0904, "mldsa44" },
		{ 0x0906, "mldsa87" },
	}
};

static void check_registry16(const struct registry16 *r)
{
	int named = 0;

	for (size_t i = 0; i < ARRAY_SIZE(r->cases) && r->cases[i].name; i++)
		CHECK_STR(r->name_of(r->cases[i].id), r->cases[i].name);
	for (uint32_t v = 0; v <= 0xffff; v++)
		named += r->name_of((uint16_t)v) != NULL;
	CHECK_EQ(named, r->n_named);
	for (size_t i = 0; i < ARRAY_SIZE(r->unnamed); i++) {
		if (r->name_of(r->unnamed[i]) != NULL)
			fprintf(stderr, "  0x%04x is named %s\n", r->unnamed[i],
				r->name_of(r->unnamed[i]));
		CHECK(r->name_of(r->unnamed[i]) == NULL);
	}
}

static void test_group_names(void)
{
	check_registry16(&groups);
}

/* Exactly these code points are post-quantum, each with its IANA name and kind. */
static void test_group_pq_flags(void)
{
	static const struct {
		uint16_t id;
		const char *name;
		unsigned flags;
	} pq[] = {
		{ 0x0200, "MLKEM512", TLS_GROUP_PQ },
		{ 0x0201, "MLKEM768", TLS_GROUP_PQ },
		{ 0x0202, "MLKEM1024", TLS_GROUP_PQ },
		{ 0x11eb, "SecP256r1MLKEM768", TLS_GROUP_PQ | TLS_GROUP_HYBRID },
		{ 0x11ec, "X25519MLKEM768", TLS_GROUP_PQ | TLS_GROUP_HYBRID },
		{ 0x11ed, "SecP384r1MLKEM1024", TLS_GROUP_PQ | TLS_GROUP_HYBRID },
		{ 0x6399, "X25519Kyber768Draft00", TLS_GROUP_PQ | TLS_GROUP_HYBRID | TLS_GROUP_DRAFT },
		{ 0x639a, "SecP256r1Kyber768Draft00",
		  TLS_GROUP_PQ | TLS_GROUP_HYBRID | TLS_GROUP_DRAFT },
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(pq) / sizeof(pq[0]); i++) {
		CHECK_STR(tls__group_name(pq[i].id), pq[i].name);
		CHECK_STR(tls__group_label(pq[i].id), pq[i].name);
		CHECK_EQ(tls__group_flags(pq[i].id), pq[i].flags);
	}
	for (unsigned g = 0; g <= 0xffff; g++) {
		if (tls__group_flags((uint16_t)g)) {
			n++;
			/* a PQ group is always named: its label is never "other" */
			CHECK(tls__group_name((uint16_t)g) != NULL);
		}
	}
	CHECK_EQ(n, (int)(sizeof(pq) / sizeof(pq[0])));
	CHECK_EQ(tls__group_flags(0x001d), 0u);
	CHECK_EQ(tls__group_flags(0x0017), 0u);
	CHECK_STR(tls__group_label(0x001d), "x25519");
	CHECK_STR(tls__group_label(0x0017), "secp256r1");
	CHECK_STR(tls__group_label(0), "none");
	CHECK_STR(tls__group_label(0x0a0a), "other");
	CHECK_STR(tls__group_label(0x4242), "other");
	CHECK_STR(tls__sigscheme_name(0x0904), "mldsa44");
	CHECK_STR(tls__sigscheme_name(0x0905), "mldsa65");
	CHECK_STR(tls__sigscheme_name(0x0906), "mldsa87");
}

static void test_sigscheme_names(void)
{
	check_registry16(&sigschemes);
}

static void test_handshake_names(void)
{
	int named = 0;

	CHECK_STR(tls__handshake_name(0), "HelloRequest");
	CHECK_STR(tls__handshake_name(1), "ClientHello");
	CHECK_STR(tls__handshake_name(2), "ServerHello");
	CHECK_STR(tls__handshake_name(4), "NewSessionTicket");
	CHECK_STR(tls__handshake_name(8), "EncryptedExtensions");
	CHECK_STR(tls__handshake_name(11), "Certificate");
	CHECK_STR(tls__handshake_name(12), "ServerKeyExchange");
	CHECK_STR(tls__handshake_name(13), "CertificateRequest");
	CHECK_STR(tls__handshake_name(14), "ServerHelloDone");
	CHECK_STR(tls__handshake_name(15), "CertificateVerify");
	CHECK_STR(tls__handshake_name(16), "ClientKeyExchange");
	CHECK_STR(tls__handshake_name(20), "Finished");
	CHECK_STR(tls__handshake_name(22), "CertificateStatus");
	CHECK_STR(tls__handshake_name(24), "KeyUpdate");
	CHECK_STR(tls__handshake_name(254), "MessageHash");
	CHECK(tls__handshake_name(7) == NULL);
	CHECK(tls__handshake_name(18) == NULL);
	CHECK(tls__handshake_name(255) == NULL);
	for (int t = 0; t < 256; t++)
		named += tls__handshake_name((uint8_t)t) != NULL;
	CHECK_EQ(named, N_HANDSHAKE_TYPES);
}

/* The key exchanges of a whole list are those of its known suites, one by one: every id alone,
 * and lists that mix known, unknown and GREASE ids. */
static void test_ciphers_kx(void)
{
	static const uint16_t mix[] = { 0x0a0a, 0xC02F, 0x1301, 0x0033, 0xFFFF, 0x0005, 0x5600 };
	uint32_t want = 0;

	for (uint32_t id = 0; id <= 0xffff; id++) {
		uint16_t one = (uint16_t)id;
		const struct tls_cipher_info *ci = tls__cipher_info(one);

		if (tls__ciphers_kx(&one, 1) != (ci ? 1u << ci->kx : 0u)) {
			CHECK_EQ(tls__ciphers_kx(&one, 1), ci ? 1u << ci->kx : 0u);
			break;
		}
	}
	for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
		const struct tls_cipher_info *ci = tls__cipher_info(mix[i]);

		want |= ci ? 1u << ci->kx : 0;
	}
	CHECK_EQ(tls__ciphers_kx(mix, sizeof(mix) / sizeof(mix[0])), want);
	/* TLS_FALLBACK_SCSV (0x5600) is named, with no key exchange of its own */
	CHECK_EQ(want, 1u << TLS_KX_ECDHE | 1u << TLS_KX_TLS13 | 1u << TLS_KX_DHE | 1u << TLS_KX_RSA |
			       1u << TLS_KX_UNKNOWN);
	CHECK_EQ(tls__ciphers_kx(mix, 0), 0);
}

int main(void)
{
	RUN_TEST(test_cipher_table_walk);
	RUN_TEST(test_cipher_names);
	RUN_TEST(test_cipher_weak_flags);
	RUN_TEST(test_cipher_kx);
	RUN_TEST(test_version_names);
	RUN_TEST(test_alert_names);
	RUN_TEST(test_group_names);
	RUN_TEST(test_group_pq_flags);
	RUN_TEST(test_sigscheme_names);
	RUN_TEST(test_handshake_names);
	RUN_TEST(test_ciphers_kx);
	return CHECK_DONE();
}
