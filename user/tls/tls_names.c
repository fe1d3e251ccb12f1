/* IANA TLS registries (tls-parameters) as lookup tables: cipher suites with their key exchange and
 * weaknesses, versions, alerts, named groups, signature schemes and handshake types. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "tls/tls_names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Sparse 16-bit registries: sorted by id, searched by halving. */
struct code_name {
	uint16_t id;
	const char *name;
};

static const char *code_name_find(const struct code_name *t, size_t n, uint16_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].id == id)
			return t[mid].name;
		if (t[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

#define W_NULL TLS_CS_NULL
#define W_EXP TLS_CS_EXPORT
#define W_ANON TLS_CS_ANON
#define W_RC4 TLS_CS_RC4
#define W_DES TLS_CS_DES
#define W_3DES TLS_CS_3DES
#define W_MD5 TLS_CS_MD5

#define CS(id, name, kx, weak) { id, #name, TLS_KX_##kx, weak }

/*
 * IANA "TLS Cipher Suites" registry (tls-parameters-4), sorted by id: tls__cipher_info() does a
 * binary search, so the order matters and tests/unit/tls/test_tls_names.c checks it.
 *
 * kx: static DH_/ECDH_ (certificate-bound, no ServerKeyExchange), KRB5, SRP, ECCPWD and GOST
 * suites have no tls_kx value and are TLS_KX_UNKNOWN. DHE_PSK counts as DHE and ECDHE_PSK as
 * ECDHE because their ServerKeyExchange carries DH parameters (RFC 4279 3, RFC 5489 2); plain
 * and RSA_PSK as PSK. TLS 1.3 suites (RFC 8446 B.4, RFC 8998, RFC 9150, RFC 9367) do not
 * name a key exchange.
 *
 * Weakness: RFC 7465 bans RC4; DES and DES40 are single DES (RFC 5469); EXPORT suites are
 * 40/56-bit (RFC 2246 A.5); MD5 marks an HMAC-MD5 record MAC. RFC 9150 TLS_SHA256_SHA256 and
 * TLS_SHA384_SHA384 authenticate without encrypting, so they are NULL ciphers.
 *
 * 0x0060-0x0066 are listed by IANA as "Reserved to avoid conflicts with widely deployed
 * implementations": the 56-bit EXPORT1024 suites of an expired draft that old clients still
 * offer, so they are named here to have them flagged.
 */
static const struct tls_cipher_info cipher_suites[] = {
	CS(0x0000, TLS_NULL_WITH_NULL_NULL, UNKNOWN, W_NULL | W_ANON),
	CS(0x0001, TLS_RSA_WITH_NULL_MD5, RSA, W_NULL | W_MD5),
	CS(0x0002, TLS_RSA_WITH_NULL_SHA, RSA, W_NULL),
	CS(0x0003, TLS_RSA_EXPORT_WITH_RC4_40_MD5, RSA, W_EXP | W_RC4 | W_MD5),
	CS(0x0004, TLS_RSA_WITH_RC4_128_MD5, RSA, W_RC4 | W_MD5),
	CS(0x0005, TLS_RSA_WITH_RC4_128_SHA, RSA, W_RC4),
	CS(0x0006, TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5, RSA, W_EXP | W_MD5),
	CS(0x0007, TLS_RSA_WITH_IDEA_CBC_SHA, RSA, 0),
	CS(0x0008, TLS_RSA_EXPORT_WITH_DES40_CBC_SHA, RSA, W_EXP | W_DES),
	CS(0x0009, TLS_RSA_WITH_DES_CBC_SHA, RSA, W_DES),
	CS(0x000A, TLS_RSA_WITH_3DES_EDE_CBC_SHA, RSA, W_3DES),
	CS(0x000B, TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA, UNKNOWN, W_EXP | W_DES),
	CS(0x000C, TLS_DH_DSS_WITH_DES_CBC_SHA, UNKNOWN, W_DES),
	CS(0x000D, TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA, UNKNOWN, W_3DES),
	CS(0x000E, TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA, UNKNOWN, W_EXP | W_DES),
	CS(0x000F, TLS_DH_RSA_WITH_DES_CBC_SHA, UNKNOWN, W_DES),
	CS(0x0010, TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA, UNKNOWN, W_3DES),
	CS(0x0011, TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA, DHE, W_EXP | W_DES),
	CS(0x0012, TLS_DHE_DSS_WITH_DES_CBC_SHA, DHE, W_DES),
	CS(0x0013, TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA, DHE, W_3DES),
	CS(0x0014, TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA, DHE, W_EXP | W_DES),
	CS(0x0015, TLS_DHE_RSA_WITH_DES_CBC_SHA, DHE, W_DES),
	CS(0x0016, TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA, DHE, W_3DES),
	CS(0x0017, TLS_DH_anon_EXPORT_WITH_RC4_40_MD5, DH_ANON, W_EXP | W_ANON | W_RC4 | W_MD5),
	CS(0x0018, TLS_DH_anon_WITH_RC4_128_MD5, DH_ANON, W_ANON | W_RC4 | W_MD5),
	CS(0x0019, TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA, DH_ANON, W_EXP | W_ANON | W_DES),
	CS(0x001A, TLS_DH_anon_WITH_DES_CBC_SHA, DH_ANON, W_ANON | W_DES),
	CS(0x001B, TLS_DH_anon_WITH_3DES_EDE_CBC_SHA, DH_ANON, W_ANON | W_3DES),
	CS(0x001E, TLS_KRB5_WITH_DES_CBC_SHA, UNKNOWN, W_DES),
	CS(0x001F, TLS_KRB5_WITH_3DES_EDE_CBC_SHA, UNKNOWN, W_3DES),
	CS(0x0020, TLS_KRB5_WITH_RC4_128_SHA, UNKNOWN, W_RC4),
	CS(0x0021, TLS_KRB5_WITH_IDEA_CBC_SHA, UNKNOWN, 0),
	CS(0x0022, TLS_KRB5_WITH_DES_CBC_MD5, UNKNOWN, W_DES | W_MD5),
	CS(0x0023, TLS_KRB5_WITH_3DES_EDE_CBC_MD5, UNKNOWN, W_3DES | W_MD5),
	CS(0x0024, TLS_KRB5_WITH_RC4_128_MD5, UNKNOWN, W_RC4 | W_MD5),
	CS(0x0025, TLS_KRB5_WITH_IDEA_CBC_MD5, UNKNOWN, W_MD5),
	CS(0x0026, TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA, UNKNOWN, W_EXP | W_DES),
	CS(0x0027, TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA, UNKNOWN, W_EXP),
	CS(0x0028, TLS_KRB5_EXPORT_WITH_RC4_40_SHA, UNKNOWN, W_EXP | W_RC4),
	CS(0x0029, TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5, UNKNOWN, W_EXP | W_DES | W_MD5),
	CS(0x002A, TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5, UNKNOWN, W_EXP | W_MD5),
	CS(0x002B, TLS_KRB5_EXPORT_WITH_RC4_40_MD5, UNKNOWN, W_EXP | W_RC4 | W_MD5),
	CS(0x002C, TLS_PSK_WITH_NULL_SHA, PSK, W_NULL),
	CS(0x002D, TLS_DHE_PSK_WITH_NULL_SHA, DHE, W_NULL),
	CS(0x002E, TLS_RSA_PSK_WITH_NULL_SHA, PSK, W_NULL),
	CS(0x002F, TLS_RSA_WITH_AES_128_CBC_SHA, RSA, 0),
	CS(0x0030, TLS_DH_DSS_WITH_AES_128_CBC_SHA, UNKNOWN, 0),
	CS(0x0031, TLS_DH_RSA_WITH_AES_128_CBC_SHA, UNKNOWN, 0),
	CS(0x0032, TLS_DHE_DSS_WITH_AES_128_CBC_SHA, DHE, 0),
	CS(0x0033, TLS_DHE_RSA_WITH_AES_128_CBC_SHA, DHE, 0),
	CS(0x0034, TLS_DH_anon_WITH_AES_128_CBC_SHA, DH_ANON, W_ANON),
	CS(0x0035, TLS_RSA_WITH_AES_256_CBC_SHA, RSA, 0),
	CS(0x0036, TLS_DH_DSS_WITH_AES_256_CBC_SHA, UNKNOWN, 0),
	CS(0x0037, TLS_DH_RSA_WITH_AES_256_CBC_SHA, UNKNOWN, 0),
	CS(0x0038, TLS_DHE_DSS_WITH_AES_256_CBC_SHA, DHE, 0),
	CS(0x0039, TLS_DHE_RSA_WITH_AES_256_CBC_SHA, DHE, 0),
	CS(0x003A, TLS_DH_anon_WITH_AES_256_CBC_SHA, DH_ANON, W_ANON),
	CS(0x003B, TLS_RSA_WITH_NULL_SHA256, RSA, W_NULL),
	CS(0x003C, TLS_RSA_WITH_AES_128_CBC_SHA256, RSA, 0),
	CS(0x003D, TLS_RSA_WITH_AES_256_CBC_SHA256, RSA, 0),
	CS(0x003E, TLS_DH_DSS_WITH_AES_128_CBC_SHA256, UNKNOWN, 0),
	CS(0x003F, TLS_DH_RSA_WITH_AES_128_CBC_SHA256, UNKNOWN, 0),
	CS(0x0040, TLS_DHE_DSS_WITH_AES_128_CBC_SHA256, DHE, 0),
	CS(0x0041, TLS_RSA_WITH_CAMELLIA_128_CBC_SHA, RSA, 0),
	CS(0x0042, TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA, UNKNOWN, 0),
	CS(0x0043, TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA, UNKNOWN, 0),
	CS(0x0044, TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA, DHE, 0),
	CS(0x0045, TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA, DHE, 0),
	CS(0x0046, TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA, DH_ANON, W_ANON),
	CS(0x0060, TLS_RSA_EXPORT1024_WITH_RC4_56_MD5, RSA, W_EXP | W_RC4 | W_MD5),
	CS(0x0061, TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5, RSA, W_EXP | W_MD5),
	CS(0x0062, TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA, RSA, W_EXP | W_DES),
	CS(0x0063, TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA, DHE, W_EXP | W_DES),
	CS(0x0064, TLS_RSA_EXPORT1024_WITH_RC4_56_SHA, RSA, W_EXP | W_RC4),
	CS(0x0065, TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA, DHE, W_EXP | W_RC4),
	CS(0x0066, TLS_DHE_DSS_WITH_RC4_128_SHA, DHE, W_RC4),
	CS(0x0067, TLS_DHE_RSA_WITH_AES_128_CBC_SHA256, DHE, 0),
	CS(0x0068, TLS_DH_DSS_WITH_AES_256_CBC_SHA256, UNKNOWN, 0),
	CS(0x0069, TLS_DH_RSA_WITH_AES_256_CBC_SHA256, UNKNOWN, 0),
	CS(0x006A, TLS_DHE_DSS_WITH_AES_256_CBC_SHA256, DHE, 0),
	CS(0x006B, TLS_DHE_RSA_WITH_AES_256_CBC_SHA256, DHE, 0),
	CS(0x006C, TLS_DH_anon_WITH_AES_128_CBC_SHA256, DH_ANON, W_ANON),
	CS(0x006D, TLS_DH_anon_WITH_AES_256_CBC_SHA256, DH_ANON, W_ANON),
	CS(0x0084, TLS_RSA_WITH_CAMELLIA_256_CBC_SHA, RSA, 0),
	CS(0x0085, TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA, UNKNOWN, 0),
	CS(0x0086, TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA, UNKNOWN, 0),
	CS(0x0087, TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA, DHE, 0),
	CS(0x0088, TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA, DHE, 0),
	CS(0x0089, TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA, DH_ANON, W_ANON),
	CS(0x008A, TLS_PSK_WITH_RC4_128_SHA, PSK, W_RC4),
	CS(0x008B, TLS_PSK_WITH_3DES_EDE_CBC_SHA, PSK, W_3DES),
	CS(0x008C, TLS_PSK_WITH_AES_128_CBC_SHA, PSK, 0),
	CS(0x008D, TLS_PSK_WITH_AES_256_CBC_SHA, PSK, 0),
	CS(0x008E, TLS_DHE_PSK_WITH_RC4_128_SHA, DHE, W_RC4),
	CS(0x008F, TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA, DHE, W_3DES),
	CS(0x0090, TLS_DHE_PSK_WITH_AES_128_CBC_SHA, DHE, 0),
	CS(0x0091, TLS_DHE_PSK_WITH_AES_256_CBC_SHA, DHE, 0),
	CS(0x0092, TLS_RSA_PSK_WITH_RC4_128_SHA, PSK, W_RC4),
	CS(0x0093, TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA, PSK, W_3DES),
	CS(0x0094, TLS_RSA_PSK_WITH_AES_128_CBC_SHA, PSK, 0),
	CS(0x0095, TLS_RSA_PSK_WITH_AES_256_CBC_SHA, PSK, 0),
	CS(0x0096, TLS_RSA_WITH_SEED_CBC_SHA, RSA, 0),
	CS(0x0097, TLS_DH_DSS_WITH_SEED_CBC_SHA, UNKNOWN, 0),
	CS(0x0098, TLS_DH_RSA_WITH_SEED_CBC_SHA, UNKNOWN, 0),
	CS(0x0099, TLS_DHE_DSS_WITH_SEED_CBC_SHA, DHE, 0),
	CS(0x009A, TLS_DHE_RSA_WITH_SEED_CBC_SHA, DHE, 0),
	CS(0x009B, TLS_DH_anon_WITH_SEED_CBC_SHA, DH_ANON, W_ANON),
	CS(0x009C, TLS_RSA_WITH_AES_128_GCM_SHA256, RSA, 0),
	CS(0x009D, TLS_RSA_WITH_AES_256_GCM_SHA384, RSA, 0),
	CS(0x009E, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, DHE, 0),
	CS(0x009F, TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, DHE, 0),
	CS(0x00A0, TLS_DH_RSA_WITH_AES_128_GCM_SHA256, UNKNOWN, 0),
	CS(0x00A1, TLS_DH_RSA_WITH_AES_256_GCM_SHA384, UNKNOWN, 0),
	CS(0x00A2, TLS_DHE_DSS_WITH_AES_128_GCM_SHA256, DHE, 0),
	CS(0x00A3, TLS_DHE_DSS_WITH_AES_256_GCM_SHA384, DHE, 0),
	CS(0x00A4, TLS_DH_DSS_WITH_AES_128_GCM_SHA256, UNKNOWN, 0),
	CS(0x00A5, TLS_DH_DSS_WITH_AES_256_GCM_SHA384, UNKNOWN, 0),
	CS(0x00A6, TLS_DH_anon_WITH_AES_128_GCM_SHA256, DH_ANON, W_ANON),
	CS(0x00A7, TLS_DH_anon_WITH_AES_256_GCM_SHA384, DH_ANON, W_ANON),
	CS(0x00A8, TLS_PSK_WITH_AES_128_GCM_SHA256, PSK, 0),
	CS(0x00A9, TLS_PSK_WITH_AES_256_GCM_SHA384, PSK, 0),
	CS(0x00AA, TLS_DHE_PSK_WITH_AES_128_GCM_SHA256, DHE, 0),
	CS(0x00AB, TLS_DHE_PSK_WITH_AES_256_GCM_SHA384, DHE, 0),
	CS(0x00AC, TLS_RSA_PSK_WITH_AES_128_GCM_SHA256, PSK, 0),
	CS(0x00AD, TLS_RSA_PSK_WITH_AES_256_GCM_SHA384, PSK, 0),
	CS(0x00AE, TLS_PSK_WITH_AES_128_CBC_SHA256, PSK, 0),
	CS(0x00AF, TLS_PSK_WITH_AES_256_CBC_SHA384, PSK, 0),
	CS(0x00B0, TLS_PSK_WITH_NULL_SHA256, PSK, W_NULL),
	CS(0x00B1, TLS_PSK_WITH_NULL_SHA384, PSK, W_NULL),
	CS(0x00B2, TLS_DHE_PSK_WITH_AES_128_CBC_SHA256, DHE, 0),
	CS(0x00B3, TLS_DHE_PSK_WITH_AES_256_CBC_SHA384, DHE, 0),
	CS(0x00B4, TLS_DHE_PSK_WITH_NULL_SHA256, DHE, W_NULL),
	CS(0x00B5, TLS_DHE_PSK_WITH_NULL_SHA384, DHE, W_NULL),
	CS(0x00B6, TLS_RSA_PSK_WITH_AES_128_CBC_SHA256, PSK, 0),
	CS(0x00B7, TLS_RSA_PSK_WITH_AES_256_CBC_SHA384, PSK, 0),
	CS(0x00B8, TLS_RSA_PSK_WITH_NULL_SHA256, PSK, W_NULL),
	CS(0x00B9, TLS_RSA_PSK_WITH_NULL_SHA384, PSK, W_NULL),
	CS(0x00BA, TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256, RSA, 0),
	CS(0x00BB, TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256, UNKNOWN, 0),
	CS(0x00BC, TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256, UNKNOWN, 0),
	CS(0x00BD, TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256, DHE, 0),
	CS(0x00BE, TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256, DHE, 0),
	CS(0x00BF, TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256, DH_ANON, W_ANON),
	CS(0x00C0, TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256, RSA, 0),
	CS(0x00C1, TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256, UNKNOWN, 0),
	CS(0x00C2, TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256, UNKNOWN, 0),
	CS(0x00C3, TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256, DHE, 0),
	CS(0x00C4, TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256, DHE, 0),
	CS(0x00C5, TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256, DH_ANON, W_ANON),
	CS(0x00C6, TLS_SM4_GCM_SM3, TLS13, 0),
	CS(0x00C7, TLS_SM4_CCM_SM3, TLS13, 0),
	CS(0x00FF, TLS_EMPTY_RENEGOTIATION_INFO_SCSV, UNKNOWN, 0),
	CS(0x1301, TLS_AES_128_GCM_SHA256, TLS13, 0),
	CS(0x1302, TLS_AES_256_GCM_SHA384, TLS13, 0),
	CS(0x1303, TLS_CHACHA20_POLY1305_SHA256, TLS13, 0),
	CS(0x1304, TLS_AES_128_CCM_SHA256, TLS13, 0),
	CS(0x1305, TLS_AES_128_CCM_8_SHA256, TLS13, 0),
	CS(0x1306, TLS_AEGIS_256_SHA512, TLS13, 0),
	CS(0x1307, TLS_AEGIS_128L_SHA256, TLS13, 0),
	CS(0x5600, TLS_FALLBACK_SCSV, UNKNOWN, 0),
	CS(0xC001, TLS_ECDH_ECDSA_WITH_NULL_SHA, UNKNOWN, W_NULL),
	CS(0xC002, TLS_ECDH_ECDSA_WITH_RC4_128_SHA, UNKNOWN, W_RC4),
	CS(0xC003, TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA, UNKNOWN, W_3DES),
	CS(0xC004, TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA, UNKNOWN, 0),
	CS(0xC005, TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA, UNKNOWN, 0),
	CS(0xC006, TLS_ECDHE_ECDSA_WITH_NULL_SHA, ECDHE, W_NULL),
	CS(0xC007, TLS_ECDHE_ECDSA_WITH_RC4_128_SHA, ECDHE, W_RC4),
	CS(0xC008, TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA, ECDHE, W_3DES),
	CS(0xC009, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, ECDHE, 0),
	CS(0xC00A, TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, ECDHE, 0),
	CS(0xC00B, TLS_ECDH_RSA_WITH_NULL_SHA, UNKNOWN, W_NULL),
	CS(0xC00C, TLS_ECDH_RSA_WITH_RC4_128_SHA, UNKNOWN, W_RC4),
	CS(0xC00D, TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA, UNKNOWN, W_3DES),
	CS(0xC00E, TLS_ECDH_RSA_WITH_AES_128_CBC_SHA, UNKNOWN, 0),
	CS(0xC00F, TLS_ECDH_RSA_WITH_AES_256_CBC_SHA, UNKNOWN, 0),
	CS(0xC010, TLS_ECDHE_RSA_WITH_NULL_SHA, ECDHE, W_NULL),
	CS(0xC011, TLS_ECDHE_RSA_WITH_RC4_128_SHA, ECDHE, W_RC4),
	CS(0xC012, TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, ECDHE, W_3DES),
	CS(0xC013, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, ECDHE, 0),
	CS(0xC014, TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, ECDHE, 0),
	CS(0xC015, TLS_ECDH_anon_WITH_NULL_SHA, ECDH_ANON, W_NULL | W_ANON),
	CS(0xC016, TLS_ECDH_anon_WITH_RC4_128_SHA, ECDH_ANON, W_ANON | W_RC4),
	CS(0xC017, TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA, ECDH_ANON, W_ANON | W_3DES),
	CS(0xC018, TLS_ECDH_anon_WITH_AES_128_CBC_SHA, ECDH_ANON, W_ANON),
	CS(0xC019, TLS_ECDH_anon_WITH_AES_256_CBC_SHA, ECDH_ANON, W_ANON),
	CS(0xC01A, TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA, UNKNOWN, W_3DES),
	CS(0xC01B, TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA, UNKNOWN, W_3DES),
	CS(0xC01C, TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA, UNKNOWN, W_3DES),
	CS(0xC01D, TLS_SRP_SHA_WITH_AES_128_CBC_SHA, UNKNOWN, 0),
	CS(0xC01E, TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA, UNKNOWN, 0),
	CS(0xC01F, TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA, UNKNOWN, 0),
	CS(0xC020, TLS_SRP_SHA_WITH_AES_256_CBC_SHA, UNKNOWN, 0),
	CS(0xC021, TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA, UNKNOWN, 0),
	CS(0xC022, TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA, UNKNOWN, 0),
	CS(0xC023, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, ECDHE, 0),
	CS(0xC024, TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, ECDHE, 0),
	CS(0xC025, TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256, UNKNOWN, 0),
	CS(0xC026, TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384, UNKNOWN, 0),
	CS(0xC027, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, ECDHE, 0),
	CS(0xC028, TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, ECDHE, 0),
	CS(0xC029, TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256, UNKNOWN, 0),
	CS(0xC02A, TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384, UNKNOWN, 0),
	CS(0xC02B, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, ECDHE, 0),
	CS(0xC02C, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, ECDHE, 0),
	CS(0xC02D, TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256, UNKNOWN, 0),
	CS(0xC02E, TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384, UNKNOWN, 0),
	CS(0xC02F, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ECDHE, 0),
	CS(0xC030, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, ECDHE, 0),
	CS(0xC031, TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256, UNKNOWN, 0),
	CS(0xC032, TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384, UNKNOWN, 0),
	CS(0xC033, TLS_ECDHE_PSK_WITH_RC4_128_SHA, ECDHE, W_RC4),
	CS(0xC034, TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA, ECDHE, W_3DES),
	CS(0xC035, TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA, ECDHE, 0),
	CS(0xC036, TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA, ECDHE, 0),
	CS(0xC037, TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, ECDHE, 0),
	CS(0xC038, TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384, ECDHE, 0),
	CS(0xC039, TLS_ECDHE_PSK_WITH_NULL_SHA, ECDHE, W_NULL),
	CS(0xC03A, TLS_ECDHE_PSK_WITH_NULL_SHA256, ECDHE, W_NULL),
	CS(0xC03B, TLS_ECDHE_PSK_WITH_NULL_SHA384, ECDHE, W_NULL),
	CS(0xC03C, TLS_RSA_WITH_ARIA_128_CBC_SHA256, RSA, 0),
	CS(0xC03D, TLS_RSA_WITH_ARIA_256_CBC_SHA384, RSA, 0),
	CS(0xC03E, TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256, UNKNOWN, 0),
	CS(0xC03F, TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384, UNKNOWN, 0),
	CS(0xC040, TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256, UNKNOWN, 0),
	CS(0xC041, TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384, UNKNOWN, 0),
	CS(0xC042, TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256, DHE, 0),
	CS(0xC043, TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384, DHE, 0),
	CS(0xC044, TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256, DHE, 0),
	CS(0xC045, TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384, DHE, 0),
	CS(0xC046, TLS_DH_anon_WITH_ARIA_128_CBC_SHA256, DH_ANON, W_ANON),
	CS(0xC047, TLS_DH_anon_WITH_ARIA_256_CBC_SHA384, DH_ANON, W_ANON),
	CS(0xC048, TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256, ECDHE, 0),
	CS(0xC049, TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384, ECDHE, 0),
	CS(0xC04A, TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256, UNKNOWN, 0),
	CS(0xC04B, TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384, UNKNOWN, 0),
	CS(0xC04C, TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256, ECDHE, 0),
	CS(0xC04D, TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384, ECDHE, 0),
	CS(0xC04E, TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256, UNKNOWN, 0),
	CS(0xC04F, TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384, UNKNOWN, 0),
	CS(0xC050, TLS_RSA_WITH_ARIA_128_GCM_SHA256, RSA, 0),
	CS(0xC051, TLS_RSA_WITH_ARIA_256_GCM_SHA384, RSA, 0),
	CS(0xC052, TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256, DHE, 0),
	CS(0xC053, TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384, DHE, 0),
	CS(0xC054, TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256, UNKNOWN, 0),
	CS(0xC055, TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384, UNKNOWN, 0),
	CS(0xC056, TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256, DHE, 0),
	CS(0xC057, TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384, DHE, 0),
	CS(0xC058, TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256, UNKNOWN, 0),
	CS(0xC059, TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384, UNKNOWN, 0),
	CS(0xC05A, TLS_DH_anon_WITH_ARIA_128_GCM_SHA256, DH_ANON, W_ANON),
	CS(0xC05B, TLS_DH_anon_WITH_ARIA_256_GCM_SHA384, DH_ANON, W_ANON),
	CS(0xC05C, TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256, ECDHE, 0),
	CS(0xC05D, TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384, ECDHE, 0),
	CS(0xC05E, TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256, UNKNOWN, 0),
	CS(0xC05F, TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384, UNKNOWN, 0),
	CS(0xC060, TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256, ECDHE, 0),
	CS(0xC061, TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384, ECDHE, 0),
	CS(0xC062, TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256, UNKNOWN, 0),
	CS(0xC063, TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384, UNKNOWN, 0),
	CS(0xC064, TLS_PSK_WITH_ARIA_128_CBC_SHA256, PSK, 0),
	CS(0xC065, TLS_PSK_WITH_ARIA_256_CBC_SHA384, PSK, 0),
	CS(0xC066, TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256, DHE, 0),
	CS(0xC067, TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384, DHE, 0),
	CS(0xC068, TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256, PSK, 0),
	CS(0xC069, TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384, PSK, 0),
	CS(0xC06A, TLS_PSK_WITH_ARIA_128_GCM_SHA256, PSK, 0),
	CS(0xC06B, TLS_PSK_WITH_ARIA_256_GCM_SHA384, PSK, 0),
	CS(0xC06C, TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256, DHE, 0),
	CS(0xC06D, TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384, DHE, 0),
	CS(0xC06E, TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256, PSK, 0),
	CS(0xC06F, TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384, PSK, 0),
	CS(0xC070, TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256, ECDHE, 0),
	CS(0xC071, TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384, ECDHE, 0),
	CS(0xC072, TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256, ECDHE, 0),
	CS(0xC073, TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384, ECDHE, 0),
	CS(0xC074, TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256, UNKNOWN, 0),
	CS(0xC075, TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384, UNKNOWN, 0),
	CS(0xC076, TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256, ECDHE, 0),
	CS(0xC077, TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384, ECDHE, 0),
	CS(0xC078, TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256, UNKNOWN, 0),
	CS(0xC079, TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384, UNKNOWN, 0),
	CS(0xC07A, TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256, RSA, 0),
	CS(0xC07B, TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384, RSA, 0),
	CS(0xC07C, TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256, DHE, 0),
	CS(0xC07D, TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384, DHE, 0),
	CS(0xC07E, TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256, UNKNOWN, 0),
	CS(0xC07F, TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384, UNKNOWN, 0),
	CS(0xC080, TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256, DHE, 0),
	CS(0xC081, TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384, DHE, 0),
	CS(0xC082, TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256, UNKNOWN, 0),
	CS(0xC083, TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384, UNKNOWN, 0),
	CS(0xC084, TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256, DH_ANON, W_ANON),
	CS(0xC085, TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384, DH_ANON, W_ANON),
	CS(0xC086, TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256, ECDHE, 0),
	CS(0xC087, TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384, ECDHE, 0),
	CS(0xC088, TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256, UNKNOWN, 0),
	CS(0xC089, TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384, UNKNOWN, 0),
	CS(0xC08A, TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256, ECDHE, 0),
	CS(0xC08B, TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384, ECDHE, 0),
	CS(0xC08C, TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256, UNKNOWN, 0),
	CS(0xC08D, TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384, UNKNOWN, 0),
	CS(0xC08E, TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256, PSK, 0),
	CS(0xC08F, TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384, PSK, 0),
	CS(0xC090, TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256, DHE, 0),
	CS(0xC091, TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384, DHE, 0),
	CS(0xC092, TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256, PSK, 0),
	CS(0xC093, TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384, PSK, 0),
	CS(0xC094, TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256, PSK, 0),
	CS(0xC095, TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384, PSK, 0),
	CS(0xC096, TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256, DHE, 0),
	CS(0xC097, TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384, DHE, 0),
	CS(0xC098, TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256, PSK, 0),
	CS(0xC099, TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384, PSK, 0),
	CS(0xC09A, TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256, ECDHE, 0),
	CS(0xC09B, TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384, ECDHE, 0),
	CS(0xC09C, TLS_RSA_WITH_AES_128_CCM, RSA, 0),
	CS(0xC09D, TLS_RSA_WITH_AES_256_CCM, RSA, 0),
	CS(0xC09E, TLS_DHE_RSA_WITH_AES_128_CCM, DHE, 0),
	CS(0xC09F, TLS_DHE_RSA_WITH_AES_256_CCM, DHE, 0),
	CS(0xC0A0, TLS_RSA_WITH_AES_128_CCM_8, RSA, 0),
	CS(0xC0A1, TLS_RSA_WITH_AES_256_CCM_8, RSA, 0),
	CS(0xC0A2, TLS_DHE_RSA_WITH_AES_128_CCM_8, DHE, 0),
	CS(0xC0A3, TLS_DHE_RSA_WITH_AES_256_CCM_8, DHE, 0),
	CS(0xC0A4, TLS_PSK_WITH_AES_128_CCM, PSK, 0),
	CS(0xC0A5, TLS_PSK_WITH_AES_256_CCM, PSK, 0),
	CS(0xC0A6, TLS_DHE_PSK_WITH_AES_128_CCM, DHE, 0),
	CS(0xC0A7, TLS_DHE_PSK_WITH_AES_256_CCM, DHE, 0),
	CS(0xC0A8, TLS_PSK_WITH_AES_128_CCM_8, PSK, 0),
	CS(0xC0A9, TLS_PSK_WITH_AES_256_CCM_8, PSK, 0),
	CS(0xC0AA, TLS_PSK_DHE_WITH_AES_128_CCM_8, DHE, 0),
	CS(0xC0AB, TLS_PSK_DHE_WITH_AES_256_CCM_8, DHE, 0),
	CS(0xC0AC, TLS_ECDHE_ECDSA_WITH_AES_128_CCM, ECDHE, 0),
	CS(0xC0AD, TLS_ECDHE_ECDSA_WITH_AES_256_CCM, ECDHE, 0),
	CS(0xC0AE, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, ECDHE, 0),
	CS(0xC0AF, TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8, ECDHE, 0),
	CS(0xC0B0, TLS_ECCPWD_WITH_AES_128_GCM_SHA256, UNKNOWN, 0),
	CS(0xC0B1, TLS_ECCPWD_WITH_AES_256_GCM_SHA384, UNKNOWN, 0),
	CS(0xC0B2, TLS_ECCPWD_WITH_AES_128_CCM_SHA256, UNKNOWN, 0),
	CS(0xC0B3, TLS_ECCPWD_WITH_AES_256_CCM_SHA384, UNKNOWN, 0),
	CS(0xC0B4, TLS_SHA256_SHA256, TLS13, W_NULL),
	CS(0xC0B5, TLS_SHA384_SHA384, TLS13, W_NULL),
	CS(0xC100, TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC, UNKNOWN, 0),
	CS(0xC101, TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC, UNKNOWN, 0),
	CS(0xC102, TLS_GOSTR341112_256_WITH_28147_CNT_IMIT, UNKNOWN, 0),
	CS(0xC103, TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L, TLS13, 0),
	CS(0xC104, TLS_GOSTR341112_256_WITH_MAGMA_MGM_L, TLS13, 0),
	CS(0xC105, TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S, TLS13, 0),
	CS(0xC106, TLS_GOSTR341112_256_WITH_MAGMA_MGM_S, TLS13, 0),
	CS(0xCCA8, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, ECDHE, 0),
	CS(0xCCA9, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, ECDHE, 0),
	CS(0xCCAA, TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, DHE, 0),
	CS(0xCCAB, TLS_PSK_WITH_CHACHA20_POLY1305_SHA256, PSK, 0),
	CS(0xCCAC, TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, ECDHE, 0),
	CS(0xCCAD, TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256, DHE, 0),
	CS(0xCCAE, TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256, PSK, 0),
	CS(0xD001, TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256, ECDHE, 0),
	CS(0xD002, TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384, ECDHE, 0),
	CS(0xD003, TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256, ECDHE, 0),
	CS(0xD005, TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256, ECDHE, 0),
};

/* tls__cipher_info() runs for every suite a ClientHello offers (hs_pending.c's offered_kx()), so
 * an id is found in two loads, not bsearch's nine calls of a comparison function: its high byte
 * picks a page of 256 slots, its low byte the slot, which holds the suite's position + 1 (0: none).
 * The registry uses a handful of high bytes; the index is built once, on first use. */
#define CIPHER_PAGES 8
static uint8_t cipher_page_of[256]; /* page + 1, 0: no suite has this high byte */
static uint16_t cipher_pages[CIPHER_PAGES][256];
/* tls__ciphers_kx()'s: each slot's 1 << enum tls_kx; row 0, of unused high bytes, is zero */
static uint8_t cipher_kx_bits[CIPHER_PAGES + 1][256];
static pthread_once_t cipher_index_once = PTHREAD_ONCE_INIT;
/* Set (release) once the index is built: read inline (acquire, a plain load on x86) so that
 * the hundred lookups of a handshake do not each call pthread_once(). */
static bool cipher_index_ready;

static void cipher_index_build(void)
{
	unsigned pages = 0;

	_Static_assert(ARRAY_SIZE(cipher_suites) < UINT16_MAX, "a position + 1 fits a slot");
	_Static_assert(TLS_KX_TLS13 < 8, "a key exchange's bit fits cipher_kx_bits");
	for (size_t i = 0; i < ARRAY_SIZE(cipher_suites); i++) {
		uint8_t hi = (uint8_t)(cipher_suites[i].id >> 8);

		if (!cipher_page_of[hi]) {
			if (pages == CIPHER_PAGES)
				abort(); /* a new high byte in the table: raise CIPHER_PAGES */
			cipher_page_of[hi] = (uint8_t)++pages;
		}
		cipher_pages[cipher_page_of[hi] - 1][cipher_suites[i].id & 0xff] = (uint16_t)(i + 1);
		cipher_kx_bits[cipher_page_of[hi]][cipher_suites[i].id & 0xff] =
			(uint8_t)(1u << cipher_suites[i].kx);
	}
	__atomic_store_n(&cipher_index_ready, true, __ATOMIC_RELEASE);
}

const struct tls_cipher_info *tls__cipher_info(uint16_t id)
{
	unsigned page, slot;

	if (!__atomic_load_n(&cipher_index_ready, __ATOMIC_ACQUIRE))
		pthread_once(&cipher_index_once, cipher_index_build);
	page = cipher_page_of[id >> 8];
	if (!page)
		return NULL;
	slot = cipher_pages[page - 1][id & 0xff];
	return slot ? &cipher_suites[slot - 1] : NULL;
}

uint32_t tls__ciphers_kx(const uint16_t *ids, size_t n)
{
	uint32_t kx = 0;

	if (!__atomic_load_n(&cipher_index_ready, __ATOMIC_ACQUIRE))
		pthread_once(&cipher_index_once, cipher_index_build);
	for (size_t i = 0; i < n; i++)
		kx |= cipher_kx_bits[cipher_page_of[ids[i] >> 8]][ids[i] & 0xff];
	return kx;
}

const char *tls__cipher_name(uint16_t id, char *buf, size_t size)
{
	const struct tls_cipher_info *ci = tls__cipher_info(id);

	if (ci)
		return ci->name;
	if (!buf || !size)
		return "unknown";
	snprintf(buf, size, "0x%04X", id);
	return buf;
}

const char *tls__version_name(uint16_t version, char *buf, size_t size)
{
	switch (version) {
	case TLS_VERSION_SSL2:
	case 0x0200: /* the SSLv2 version byte-swapped, as some stacks and logs show it */
		return "SSLv2";
	case TLS_VERSION_SSL3:
		return "SSLv3";
	case TLS_VERSION_TLS10:
		return "TLS1.0";
	case TLS_VERSION_TLS11:
		return "TLS1.1";
	case TLS_VERSION_TLS12:
		return "TLS1.2";
	case TLS_VERSION_TLS13:
		return "TLS1.3";
	/* DTLS versions are the 1's complement of the TLS ones (RFC 6347 4.1, RFC 9147 5.3). */
	case 0xfeff:
		return "DTLS1.0";
	case 0xfefd:
		return "DTLS1.2";
	case 0xfefc:
		return "DTLS1.3";
	}
	if (!buf || !size)
		return "unknown";
	/* draft-ietf-tls-tls13-NN sent 0x7f00 | NN while the protocol was being designed. */
	if ((version >> 8) == 0x7f)
		snprintf(buf, size, "TLS1.3-draft%02u", version & 0xffu);
	else
		snprintf(buf, size, "0x%04x", version);
	return buf;
}

/* RFC 8446 6 and RFC 5246 7.2, plus the SSLv3 (RFC 6101 5.4.2), TLS 1.0 (RFC 2246 7.2) and
 * extension (RFC 6066 9, RFC 7301 3.2, RFC 7507 2, RFC 4279 2) codes and ECH
 * (draft-ietf-tls-esni). */
static const char *const alert_names[256] = {
	[0] = "close_notify",
	[10] = "unexpected_message",
	[20] = "bad_record_mac",
	[21] = "decryption_failed",
	[22] = "record_overflow",
	[30] = "decompression_failure",
	[40] = "handshake_failure",
	[41] = "no_certificate",
	[42] = "bad_certificate",
	[43] = "unsupported_certificate",
	[44] = "certificate_revoked",
	[45] = "certificate_expired",
	[46] = "certificate_unknown",
	[47] = "illegal_parameter",
	[48] = "unknown_ca",
	[49] = "access_denied",
	[50] = "decode_error",
	[51] = "decrypt_error",
	[60] = "export_restriction",
	[70] = "protocol_version",
	[71] = "insufficient_security",
	[80] = "internal_error",
	[86] = "inappropriate_fallback",
	[90] = "user_canceled",
	[100] = "no_renegotiation",
	[109] = "missing_extension",
	[110] = "unsupported_extension",
	[111] = "certificate_unobtainable",
	[112] = "unrecognized_name",
	[113] = "bad_certificate_status_response",
	[114] = "bad_certificate_hash_value",
	[115] = "unknown_psk_identity",
	[116] = "certificate_required",
	[120] = "no_application_protocol",
	[121] = "ech_required",
};

const char *tls__alert_name(uint8_t desc)
{
	return alert_names[desc];
}

const char *tls__alert_level_name(uint8_t level)
{
	switch (level) {
	case 1:
		return "warning";
	case 2:
		return "fatal";
	}
	return NULL;
}

/* IANA "TLS Supported Groups" (RFC 8422 5.1.1, RFC 7027, RFC 8446 4.2.7, RFC 7919, RFC 8734,
 * RFC 9189, RFC 8998) and the hybrid post-quantum key agreements (draft-ietf-tls-ecdhe-mlkem,
 * draft-tls-westerbaan-xyber768d00). */
static const struct code_name groups[] = {
	{ 0x0001, "sect163k1" },
	{ 0x0002, "sect163r1" },
	{ 0x0003, "sect163r2" },
	{ 0x0004, "sect193r1" },
	{ 0x0005, "sect193r2" },
	{ 0x0006, "sect233k1" },
	{ 0x0007, "sect233r1" },
	{ 0x0008, "sect239k1" },
	{ 0x0009, "sect283k1" },
	{ 0x000a, "sect283r1" },
	{ 0x000b, "sect409k1" },
	{ 0x000c, "sect409r1" },
	{ 0x000d, "sect571k1" },
	{ 0x000e, "sect571r1" },
	{ 0x000f, "secp160k1" },
	{ 0x0010, "secp160r1" },
	{ 0x0011, "secp160r2" },
	{ 0x0012, "secp192k1" },
	{ 0x0013, "secp192r1" },
	{ 0x0014, "secp224k1" },
	{ 0x0015, "secp224r1" },
	{ 0x0016, "secp256k1" },
	{ 0x0017, "secp256r1" },
	{ 0x0018, "secp384r1" },
	{ 0x0019, "secp521r1" },
	{ 0x001a, "brainpoolP256r1" },
	{ 0x001b, "brainpoolP384r1" },
	{ 0x001c, "brainpoolP512r1" },
	{ 0x001d, "x25519" },
	{ 0x001e, "x448" },
	{ 0x001f, "brainpoolP256r1tls13" },
	{ 0x0020, "brainpoolP384r1tls13" },
	{ 0x0021, "brainpoolP512r1tls13" },
	{ 0x0022, "GC256A" },
	{ 0x0023, "GC256B" },
	{ 0x0024, "GC256C" },
	{ 0x0025, "GC256D" },
	{ 0x0026, "GC512A" },
	{ 0x0027, "GC512B" },
	{ 0x0028, "GC512C" },
	{ 0x0029, "curveSM2" },
	{ 0x0100, "ffdhe2048" },
	{ 0x0101, "ffdhe3072" },
	{ 0x0102, "ffdhe4096" },
	{ 0x0103, "ffdhe6144" },
	{ 0x0104, "ffdhe8192" },
	{ 0x0200, "MLKEM512" },
	{ 0x0201, "MLKEM768" },
	{ 0x0202, "MLKEM1024" },
	{ 0x11eb, "SecP256r1MLKEM768" },
	{ 0x11ec, "X25519MLKEM768" },
	{ 0x11ed, "SecP384r1MLKEM1024" },
	{ 0x6399, "X25519Kyber768Draft00" },
	{ 0x639a, "SecP256r1Kyber768Draft00" },
	{ 0xff01, "arbitrary_explicit_prime_curves" },
	{ 0xff02, "arbitrary_explicit_char2_curves" },
};

const char *tls__group_name(uint16_t group)
{
	return code_name_find(groups, ARRAY_SIZE(groups), group);
}

/* FIPS 203 ML-KEM alone (draft-connolly-tls-mlkem-key-agreement), the hybrids of
 * draft-ietf-tls-ecdhe-mlkem, and the Kyber drafts they replaced (draft-tls-westerbaan-xyber768d00
 * and its P-256 sibling). */
unsigned tls__group_flags(uint16_t group)
{
	switch (group) {
	case 0x0200:
	case 0x0201:
	case 0x0202:
		return TLS_GROUP_PQ;
	case 0x11eb:
	case 0x11ec:
	case 0x11ed:
		return TLS_GROUP_PQ | TLS_GROUP_HYBRID;
	case 0x6399:
	case 0x639a:
		return TLS_GROUP_PQ | TLS_GROUP_HYBRID | TLS_GROUP_DRAFT;
	}
	return 0;
}

const char *tls__group_label(uint16_t group)
{
	const char *s;

	if (!group)
		return "none";
	s = tls__group_name(group);
	return s ? s : "other";
}

/* RFC 8446 4.2.3 SignatureScheme and IANA additions. Before TLS 1.3 the two bytes were a
 * (HashAlgorithm, SignatureAlgorithm) pair (RFC 5246 7.4.1.4.1: hash 1 md5, 2 sha1, 3 sha224,
 * 4 sha256, 5 sha384, 6 sha512; signature 1 rsa, 2 dsa, 3 ecdsa); RFC 8446 reuses the rsa and
 * ecdsa pairs with the names below, the remaining pairs get names in the same style. */
static const struct code_name sigschemes[] = {
	{ 0x0101, "rsa_pkcs1_md5" },
	{ 0x0102, "dsa_md5" },
	{ 0x0103, "ecdsa_md5" },
	{ 0x0201, "rsa_pkcs1_sha1" },
	{ 0x0202, "dsa_sha1" },
	{ 0x0203, "ecdsa_sha1" },
	{ 0x0301, "rsa_pkcs1_sha224" },
	{ 0x0302, "dsa_sha224" },
	{ 0x0303, "ecdsa_sha224" },
	{ 0x0401, "rsa_pkcs1_sha256" },
	{ 0x0402, "dsa_sha256" },
	{ 0x0403, "ecdsa_secp256r1_sha256" },
	{ 0x0420, "rsa_pkcs1_sha256_legacy" },
	{ 0x0501, "rsa_pkcs1_sha384" },
	{ 0x0502, "dsa_sha384" },
	{ 0x0503, "ecdsa_secp384r1_sha384" },
	{ 0x0520, "rsa_pkcs1_sha384_legacy" },
	{ 0x0601, "rsa_pkcs1_sha512" },
	{ 0x0602, "dsa_sha512" },
	{ 0x0603, "ecdsa_secp521r1_sha512" },
	{ 0x0620, "rsa_pkcs1_sha512_legacy" },
	{ 0x0704, "eccsi_sha256" },
	{ 0x0705, "iso_ibs1" },
	{ 0x0706, "iso_ibs2" },
	{ 0x0707, "iso_chinese_ibs" },
	{ 0x0708, "sm2sig_sm3" },
	{ 0x0709, "gostr34102012_256a" },
	{ 0x070a, "gostr34102012_256b" },
	{ 0x070b, "gostr34102012_256c" },
	{ 0x070c, "gostr34102012_256d" },
	{ 0x070d, "gostr34102012_512a" },
	{ 0x070e, "gostr34102012_512b" },
	{ 0x070f, "gostr34102012_512c" },
	{ 0x0804, "rsa_pss_rsae_sha256" },
	{ 0x0805, "rsa_pss_rsae_sha384" },
	{ 0x0806, "rsa_pss_rsae_sha512" },
	{ 0x0807, "ed25519" },
	{ 0x0808, "ed448" },
	{ 0x0809, "rsa_pss_pss_sha256" },
	{ 0x080a, "rsa_pss_pss_sha384" },
	{ 0x080b, "rsa_pss_pss_sha512" },
	{ 0x081a, "ecdsa_brainpoolP256r1tls13_sha256" },
	{ 0x081b, "ecdsa_brainpoolP384r1tls13_sha384" },
	{ 0x081c, "ecdsa_brainpoolP512r1tls13_sha512" },
	{ 0x0840, "gostr34102012_256" },
	{ 0x0841, "gostr34102012_512" },
	{ 0x0904, "mldsa44" },
	{ 0x0905, "mldsa65" },
	{ 0x0906, "mldsa87" },
};

const char *tls__sigscheme_name(uint16_t scheme)
{
	return code_name_find(sigschemes, ARRAY_SIZE(sigschemes), scheme);
}

/* RFC 8446 4 / RFC 5246 7.4, RFC 6347 4.3.2, RFC 6066, RFC 8879, RFC 9147 and IANA. */
static const char *const handshake_names[256] = {
	[0] = "HelloRequest",
	[1] = "ClientHello",
	[2] = "ServerHello",
	[3] = "HelloVerifyRequest",
	[4] = "NewSessionTicket",
	[5] = "EndOfEarlyData",
	[6] = "HelloRetryRequest",
	[8] = "EncryptedExtensions",
	[9] = "RequestConnectionId",
	[10] = "NewConnectionId",
	[11] = "Certificate",
	[12] = "ServerKeyExchange",
	[13] = "CertificateRequest",
	[14] = "ServerHelloDone",
	[15] = "CertificateVerify",
	[16] = "ClientKeyExchange",
	[17] = "ClientCertificateRequest",
	[20] = "Finished",
	[21] = "CertificateURL",
	[22] = "CertificateStatus",
	[23] = "SupplementalData",
	[24] = "KeyUpdate",
	[25] = "CompressedCertificate",
	[26] = "EKTKey",
	[254] = "MessageHash",
};

const char *tls__handshake_name(uint8_t type)
{
	return handshake_names[type];
}

const char *tls__client_cert_type_name(uint8_t type)
{
	/* RFC 5246 7.4.4, RFC 8422 5.5 */
	switch (type) {
	case 1:
		return "rsa_sign";
	case 2:
		return "dss_sign";
	case 3:
		return "rsa_fixed_dh";
	case 4:
		return "dss_fixed_dh";
	case 64:
		return "ecdsa_sign";
	case 65:
		return "rsa_fixed_ecdh";
	case 66:
		return "ecdsa_fixed_ecdh";
	}
	return NULL;
}
