/* Fingerprints checked against values other tools published for real captures (nDPI and Arkime
 * test baselines in /work/shared/pcaps), the JA4 spec's own example, and edge cases.
 *
 * The hello fields below were read with tshark 4.0 from those captures (tls.handshake.version,
 * ciphersuite, extension.type, extensions_supported_group, extensions_ec_point_format,
 * sig_hash_alg, extensions.supported_version, extensions_server_name, extensions_alpn_str),
 * GREASE values included, in wire order. A few are also kept as raw bytes and go through
 * user/tls/tls_msg.c, so this test links it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls/fingerprint.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct ch_fixture {
	const char *capture, *peer;
	uint16_t legacy_version;
	const uint16_t *ciphers, *exts, *groups, *sigalgs, *versions;
	size_t n_ciphers, n_exts, n_groups, n_sigalgs, n_versions;
	const uint8_t *point_formats;
	size_t n_point_formats;
	const char *sni;
	const char *alpn; /* protocols, comma separated */
	const char *ja3, *ja3_str, *ja4;
};

struct sh_fixture {
	const char *capture, *peer;
	uint16_t legacy_version, cipher;
	const uint16_t *exts;
	size_t n_exts;
	const char *ja3s, *ja3s_str;
};

#define L(f, ...)                                                                                \
	.f = (const uint16_t[]){ __VA_ARGS__ },                                                  \
	.n_##f = sizeof((const uint16_t[]){ __VA_ARGS__ }) / sizeof(uint16_t)
#define LB(f, ...)                                                                               \
	.f = (const uint8_t[]){ __VA_ARGS__ }, .n_##f = sizeof((const uint8_t[]){ __VA_ARGS__ })

static const struct ch_fixture ch_fixtures[] = {
	{
		.capture = "ndpi_ftp-start-tls.pcap", .peer = "nDPI",
		.legacy_version = 0x0303,
		L(ciphers,
		  0x003d, 0x0035, 0x000a, 0x003c, 0x002f, 0x0005, 0x0004, 0x006b, 0x006a, 0x0039, 0x0038,
		  0x0016, 0x0013, 0x0067, 0x0040, 0x0033, 0x0032, 0x0009, 0x0015, 0x0012, 0x0008, 0x0003,
		  0x0014, 0x0011, 0x006d, 0x003a, 0x001b, 0x006c, 0x0034, 0x0018, 0x001a, 0x0019, 0x0017,
		  0x003b, 0x0002, 0x0001, 0x00fe, 0x001d, 0x00fd, 0x001c, 0x00ff),
		L(exts, 0x000d),
		L(sigalgs, 0x0601, 0x0501, 0x0401, 0x0201, 0x0202, 0x0101),
		.ja3 = "398076b7fcad56308a762b3c79fe1f44",
		.ja4 = "t12d410100_d572b635dddf_5f8d9ea464d3",
	},
	{
		.capture = "ndpi_pop3_stls.pcap", .peer = "nDPI",
		.legacy_version = 0x0301,
		L(ciphers,
		  0x00ff, 0xc00a, 0xc014, 0x0088, 0x0087, 0x0039, 0x0038, 0xc00f, 0xc005, 0x0084, 0x0035,
		  0xc007, 0xc009, 0xc011, 0xc013, 0x0045, 0x0044, 0x0033, 0x0032, 0xc00c, 0xc00e, 0xc002,
		  0xc004, 0x0096, 0x0041, 0x0005, 0x0004, 0x002f, 0xc008, 0xc012, 0x0016, 0x0013, 0xc00d,
		  0xc003, 0xfeff, 0x000a),
		L(exts, 0x0000, 0x000a, 0x000b, 0x0023),
		L(groups, 0x0017, 0x0018, 0x0019),
		LB(point_formats, 0),
		.sni = "pop.lavabit.com",
		.ja3 = "207409c2b30e670ca50e1eac016a4831",
		.ja4 = "t10d360400_77f462745360_a875e5012fde",
	},
	{
		.capture = "ndpi_smtp-starttls.pcap", .peer = "nDPI",
		.legacy_version = 0x0301,
		L(ciphers,
		  0x0039, 0x0038, 0x0088, 0x0087, 0x0035, 0x0084, 0x0016, 0x0013, 0x000a, 0x0033, 0x0032,
		  0x009a, 0x0099, 0x0045, 0x0044, 0x002f, 0x0096, 0x0041, 0x0005, 0x0004, 0x0015, 0x0012,
		  0x0009, 0x0014, 0x0011, 0x0008, 0x0006, 0x0003, 0x00ff),
		L(exts, 0x0023),
		.ja3 = "fab507fe132c544e8a0eb7c394affeae",
		.ja4 = "t10d290100_cdba58456bdf_e78b541c01a9",
	},
	{
		.capture = "ndpi_smtp-starttls.pcap", .peer = "nDPI",
		.legacy_version = 0x0303,
		L(ciphers,
		  0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030, 0xc00a, 0xc009, 0xc013, 0xc014, 0x0033,
		  0x0039, 0x002f, 0x0035, 0x000a),
		L(exts, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0005, 0xff03, 0x000d),
		L(groups, 0x001d, 0x0017, 0x0018, 0x0019),
		L(sigalgs,
		  0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201),
		LB(point_formats, 0),
		.sni = "dovecot.weberlab.de",
		.ja3 = "7b38238e17474b8f6d113523bb5a8dd9",
		.ja4 = "t12d150900_073e58a039a6_b44afb9f0e6a",
	},
	{
		.capture = "ndpi_whois.pcapng", .peer = "nDPI",
		.legacy_version = 0x0303,
		L(ciphers,
		  0xc02c, 0xc02b, 0xc030, 0xc02f, 0xc024, 0xc023, 0xc028, 0xc027, 0xc00a, 0xc009, 0xc014,
		  0xc013, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x000a),
		L(exts, 0x0005, 0x000a, 0x000b, 0x000d, 0x0023, 0x0010, 0x0017, 0xff01),
		L(groups, 0x001d, 0x0017, 0x0018),
		L(sigalgs, 0x0401, 0x0501, 0x0201, 0x0403, 0x0503, 0x0203, 0x0202, 0x0601, 0x0603),
		LB(point_formats, 0),
		.alpn = "h2,http/1.1",
		.ja3 = "5f48063f9f3a827056ccdabadcc3886a",
		.ja4 = "t12d1908h2_d83cc789557e_16bbda4055b2",
	},
	{
		.capture = "arkime_badcurveball.pcap", .peer = "Arkime",
		.legacy_version = 0x0303,
		L(ciphers,
		  0xaaaa, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
		  0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0x000a),
		L(exts,
		  0x4a4a, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0010, 0x0005, 0x000d, 0x0012,
		  0x0033, 0x002d, 0x002b, 0x001b, 0x7a7a, 0x0015),
		L(groups, 0xcaca, 0x001d, 0x0017, 0x0018),
		L(sigalgs, 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201),
		L(versions, 0x2a2a, 0x0304, 0x0303, 0x0302, 0x0301),
		LB(point_formats, 0),
		.sni = "bad.curveballtest.com",
		.alpn = "H2,http/1.1",
		.ja3 = "66918128f1b9b03303d77c6f2eefd128",
		.ja3_str = "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-1"
			"57-47-53-10,0-23-65281-10-11-35-16-5-13-18-51-45-43-27-21,29-23-24,0",
		.ja4 = "t13d1615H2_46e7e9700bed_45f260be83e2",
	},
	{
		.capture = "arkime_mysql-tls.pcap", .peer = "Arkime",
		.legacy_version = 0x0302,
		L(ciphers,
		  0xc00a, 0xc014, 0x0035, 0xc005, 0xc00f, 0xc009, 0xc013, 0x002f, 0xc004, 0xc00e, 0xc008,
		  0xc012, 0x000a, 0xc003, 0xc00d, 0xc007, 0xc011, 0x0005, 0xc002, 0xc00c, 0x0004, 0x00ff),
		L(exts, 0x000a, 0x000b),
		L(groups,
		  0x0017, 0x0001, 0x0003, 0x0013, 0x0015, 0x0006, 0x0007, 0x0009, 0x000a, 0x0018, 0x000b,
		  0x000c, 0x0019, 0x000d, 0x000e, 0x000f, 0x0010, 0x0011, 0x0002, 0x0012, 0x0004, 0x0005,
		  0x0014, 0x0008, 0x0016),
		LB(point_formats, 0),
		.ja3 = "3509fd9d38bde48d8abc69cd321c0ba0",
		.ja3_str = "770,49162-49172-53-49157-49167-49161-49171-47-49156-49166-49160-49170-10"
			"-49155-49165-49159-49169-5-49154-49164-4-255,10-11,23-1-3-19-21-6-7-9-10"
			"-24-11-12-25-13-14-15-16-17-2-18-4-5-20-8-22,0",
		.ja4 = "t11i220200_fd01a07dbaa1_33a13ba74d1c",
	},
	{
		.capture = "arkime_openssl-ssl3.pcap", .peer = "Arkime",
		.legacy_version = 0x0300,
		L(ciphers,
		  0xc014, 0xc00a, 0x0039, 0x0038, 0x0088, 0x0087, 0xc00f, 0xc005, 0x0035, 0x0084, 0xc012,
		  0xc008, 0x0016, 0x0013, 0xc00d, 0xc003, 0x000a, 0xc013, 0xc009, 0x0033, 0x0032, 0x009a,
		  0x0099, 0x0045, 0x0044, 0xc00e, 0xc004, 0x002f, 0x0096, 0x0041, 0x0007, 0xc011, 0xc007,
		  0xc00c, 0xc002, 0x0005, 0x0004, 0x0015, 0x0012, 0x0009, 0x0014, 0x0011, 0x0008, 0x0006,
		  0x0003, 0x00ff),
		.ja3 = "f917ae2520ef9784557b0a3c02489c2c",
		.ja3_str = "768,49172-49162-57-56-136-135-49167-49157-53-132-49170-49160-22-19-49165"
			"-49155-10-49171-49161-51-50-154-153-69-68-49166-49156-47-150-65-7-49169-"
			"49159-49164-49154-5-4-21-18-9-20-17-8-6-3-255,,,",
		.ja4 = "ts3i460000_234845559c90_000000000000",
	},
	{
		.capture = "arkime_ssl-selfsign.pcap", .peer = "Arkime",
		.legacy_version = 0x0300,
		L(ciphers,
		  0x0039, 0x0038, 0x0035, 0x0016, 0x0013, 0x000a, 0x0033, 0x0032, 0x002f, 0x009a, 0x0099,
		  0x0096, 0x0005, 0x0004, 0x0015, 0x0012, 0x0009, 0x0014, 0x0011, 0x0008, 0x0006, 0x0003,
		  0x00ff),
		.ja3 = "03e697d7655911e630ee3ee8e2a02ba4",
		.ja3_str = "768,57-56-53-22-19-10-51-50-47-154-153-150-5-4-21-18-9-20-17-8-6-3-255,,"
			",",
		.ja4 = "ts3i230000_6a57a6f57151_000000000000",
	},
	{
		.capture = "sv_ldap-starttls.pcap", .peer = "Arkime",
		.legacy_version = 0x0303,
		L(ciphers,
		  0x0033, 0x0067, 0x0045, 0x0039, 0x006b, 0x0088, 0x0016, 0x0032, 0x0040, 0x0044, 0x0038,
		  0x006a, 0x0087, 0x0013, 0x0066, 0x002f, 0x003c, 0x0041, 0x0035, 0x003d, 0x0084, 0x000a,
		  0x0005, 0x0004),
		L(exts, 0xff01, 0x000d),
		L(sigalgs, 0x0402, 0x0401, 0x0201, 0x0202),
		.ja3 = "3f8b7a5c41878630f67e660533be80fc",
		.ja3_str = "771,51-103-69-57-107-136-22-50-64-68-56-106-135-19-102-47-60-65-53-61-13"
			"2-10-5-4,65281-13,,",
		.ja4 = "t12i240200_e34a427d6317_e0d811e466d9",
	},
};

static const struct sh_fixture sh_fixtures[] = {
	{
		.capture = "ndpi_ftp-start-tls.pcap", .peer = "nDPI",
		.legacy_version = 0x0301, .cipher = 0x000a,
		.ja3s = "5cd6efb8d804faf03e1462073b729151",
	},
	{
		.capture = "ndpi_pop3_stls.pcap", .peer = "nDPI",
		.legacy_version = 0x0301, .cipher = 0x0005,
		L(exts, 0xff01, 0x0023),
		.ja3s = "6b96cf9c27b0223177b0e9f135fe4899",
	},
	{
		.capture = "ndpi_smtp-starttls.pcap", .peer = "nDPI",
		.legacy_version = 0x0301, .cipher = 0x0005,
		L(exts, 0xff01, 0x0023),
		.ja3s = "6b96cf9c27b0223177b0e9f135fe4899",
	},
	{
		.capture = "ndpi_smtp-starttls.pcap", .peer = "nDPI",
		.legacy_version = 0x0303, .cipher = 0xc02f,
		L(exts, 0xff01, 0x000b, 0x0023),
		.ja3s = "ccc514751b175866924439bdbb5bba34",
	},
	{
		.capture = "ndpi_whois.pcapng", .peer = "nDPI",
		.legacy_version = 0x0303, .cipher = 0xc028,
		L(exts, 0x0017, 0xff01),
		.ja3s = "649d6810e8392f63dc311eecb6b7098b",
	},
	{
		.capture = "arkime_badcurveball.pcap", .peer = "Arkime",
		.legacy_version = 0x0303, .cipher = 0xc02b,
		L(exts, 0x0000, 0xff01, 0x000b, 0x0023, 0x0010),
		.ja3s = "2d1eb5817ece335c24904f516ad5da12",
		.ja3s_str = "771,49195,0-65281-11-35-16",
	},
	{
		.capture = "arkime_mysql-tls.pcap", .peer = "Arkime",
		.legacy_version = 0x0302, .cipher = 0x0035,
		.ja3s = "e05da289b42d4cf4dcd64a1e6152aed6",
		.ja3s_str = "770,53,",
	},
	{
		.capture = "arkime_openssl-ssl3.pcap", .peer = "Arkime",
		.legacy_version = 0x0300, .cipher = 0xc011,
		L(exts, 0xff01),
		.ja3s = "59e3f99fd4b68388f5ba9349e0ca71a4",
		.ja3s_str = "768,49169,65281",
	},
	{
		.capture = "arkime_ssl-selfsign.pcap", .peer = "Arkime",
		.legacy_version = 0x0300, .cipher = 0x0035,
		L(exts, 0xff01),
		.ja3s = "9f527afa113542d92a2c3b08c525ee1d",
		.ja3s_str = "768,53,65281",
	},
	{
		.capture = "sv_ldap-starttls.pcap", .peer = "Arkime",
		.legacy_version = 0x0303, .cipher = 0x002f,
		L(exts, 0xff01),
		.ja3s = "573a9f3f80037fb40d481e2054def5bb",
		.ja3s_str = "771,47,65281",
	},
};

/* The same hellos as bytes (tshark tls.handshake_raw), to fingerprint what tls_msg.c parses. */
/* arkime_badcurveball.pcap, ClientHello, whole handshake message */
static const uint8_t ch_badcurveball[] = {
	0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0xc5, 0xb0, 0x8a, 0x8a, 0x5a, 0x1a, 0x1f, 0x31,
	0xe5, 0xbc, 0xd0, 0x85, 0x3b, 0x6f, 0x59, 0x94, 0x4d, 0xfe, 0xc2, 0x90, 0x0a, 0x71,
	0x2a, 0x2a, 0x60, 0x59, 0xb8, 0x27, 0xc5, 0x8c, 0xf4, 0x80, 0x20, 0x07, 0x8a, 0x38,
	0x9e, 0xf1, 0x76, 0x7d, 0xa3, 0x04, 0xd9, 0xe1, 0x0c, 0xc7, 0xa9, 0x44, 0x1a, 0x73,
	0x45, 0x13, 0x69, 0x4d, 0x3a, 0x35, 0x3e, 0xd9, 0x52, 0x2a, 0xc4, 0x7f, 0x9c, 0x8a,
	0xa4, 0x00, 0x22, 0xaa, 0xaa, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b, 0xc0,
	0x2f, 0xc0, 0x2c, 0xc0, 0x30, 0xcc, 0xa9, 0xcc, 0xa8, 0xc0, 0x13, 0xc0, 0x14, 0x00,
	0x9c, 0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35, 0x00, 0x0a, 0x01, 0x00, 0x01, 0x91, 0x4a,
	0x4a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x18, 0x00, 0x00, 0x15, 0x62, 0x61,
	0x64, 0x2e, 0x63, 0x75, 0x72, 0x76, 0x65, 0x62, 0x61, 0x6c, 0x6c, 0x74, 0x65, 0x73,
	0x74, 0x2e, 0x63, 0x6f, 0x6d, 0x00, 0x17, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00,
	0x00, 0x0a, 0x00, 0x0a, 0x00, 0x08, 0xca, 0xca, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18,
	0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, 0x00, 0x23, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0e,
	0x00, 0x0c, 0x02, 0x48, 0x32, 0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31,
	0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x14, 0x00,
	0x12, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08,
	0x06, 0x06, 0x01, 0x02, 0x01, 0x00, 0x12, 0x00, 0x00, 0x00, 0x33, 0x00, 0x2b, 0x00,
	0x29, 0xca, 0xca, 0x00, 0x01, 0x00, 0x00, 0x1d, 0x00, 0x20, 0xec, 0x9c, 0x73, 0x1a,
	0xe0, 0xf8, 0x3a, 0x31, 0x5e, 0xc3, 0x8e, 0xd8, 0xcc, 0x94, 0x91, 0x25, 0x02, 0xab,
	0x3c, 0xa9, 0x13, 0xa2, 0x9b, 0x7d, 0x03, 0x7d, 0x7c, 0x0a, 0xe6, 0xa6, 0xe8, 0x1a,
	0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x2b, 0x00, 0x0b, 0x0a, 0x2a, 0x2a, 0x03,
	0x04, 0x03, 0x03, 0x03, 0x02, 0x03, 0x01, 0x00, 0x1b, 0x00, 0x03, 0x02, 0x00, 0x02,
	0x7a, 0x7a, 0x00, 0x01, 0x00, 0x00, 0x15, 0x00, 0xc3, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* arkime_mysql-tls.pcap, ClientHello, whole handshake message */
static const uint8_t ch_mysql[] = {
	0x01, 0x00, 0x00, 0x93, 0x03, 0x02, 0x58, 0x5d, 0xf3, 0x9a, 0x3b, 0x92, 0xd7, 0x48,
	0x44, 0xa3, 0xb1, 0x9c, 0xab, 0x9b, 0x84, 0x51, 0xc1, 0x91, 0xf8, 0x5f, 0xb1, 0xe5,
	0x13, 0xa8, 0xaf, 0xac, 0x22, 0xbc, 0x53, 0xe8, 0x92, 0x08, 0x00, 0x00, 0x2c, 0xc0,
	0x0a, 0xc0, 0x14, 0x00, 0x35, 0xc0, 0x05, 0xc0, 0x0f, 0xc0, 0x09, 0xc0, 0x13, 0x00,
	0x2f, 0xc0, 0x04, 0xc0, 0x0e, 0xc0, 0x08, 0xc0, 0x12, 0x00, 0x0a, 0xc0, 0x03, 0xc0,
	0x0d, 0xc0, 0x07, 0xc0, 0x11, 0x00, 0x05, 0xc0, 0x02, 0xc0, 0x0c, 0x00, 0x04, 0x00,
	0xff, 0x01, 0x00, 0x00, 0x3e, 0x00, 0x0a, 0x00, 0x34, 0x00, 0x32, 0x00, 0x17, 0x00,
	0x01, 0x00, 0x03, 0x00, 0x13, 0x00, 0x15, 0x00, 0x06, 0x00, 0x07, 0x00, 0x09, 0x00,
	0x0a, 0x00, 0x18, 0x00, 0x0b, 0x00, 0x0c, 0x00, 0x19, 0x00, 0x0d, 0x00, 0x0e, 0x00,
	0x0f, 0x00, 0x10, 0x00, 0x11, 0x00, 0x02, 0x00, 0x12, 0x00, 0x04, 0x00, 0x05, 0x00,
	0x14, 0x00, 0x08, 0x00, 0x16, 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
};

/* ndpi_pop3_stls.pcap, ClientHello, whole handshake message */
static const uint8_t ch_pop3[] = {
	0x01, 0x00, 0x00, 0x9f, 0x03, 0x01, 0x50, 0x3b, 0xce, 0xee, 0xa5, 0xa7, 0x2b, 0xf7,
	0x76, 0x15, 0x4b, 0xd7, 0x1c, 0x14, 0x21, 0x84, 0xc0, 0x81, 0x78, 0xf4, 0xed, 0xa9,
	0x3f, 0x1f, 0x7a, 0x24, 0x8a, 0xd2, 0x8f, 0xd8, 0xae, 0xbe, 0x00, 0x00, 0x48, 0x00,
	0xff, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x88, 0x00, 0x87, 0x00, 0x39, 0x00, 0x38, 0xc0,
	0x0f, 0xc0, 0x05, 0x00, 0x84, 0x00, 0x35, 0xc0, 0x07, 0xc0, 0x09, 0xc0, 0x11, 0xc0,
	0x13, 0x00, 0x45, 0x00, 0x44, 0x00, 0x33, 0x00, 0x32, 0xc0, 0x0c, 0xc0, 0x0e, 0xc0,
	0x02, 0xc0, 0x04, 0x00, 0x96, 0x00, 0x41, 0x00, 0x05, 0x00, 0x04, 0x00, 0x2f, 0xc0,
	0x08, 0xc0, 0x12, 0x00, 0x16, 0x00, 0x13, 0xc0, 0x0d, 0xc0, 0x03, 0xfe, 0xff, 0x00,
	0x0a, 0x01, 0x00, 0x00, 0x2e, 0x00, 0x00, 0x00, 0x14, 0x00, 0x12, 0x00, 0x00, 0x0f,
	0x70, 0x6f, 0x70, 0x2e, 0x6c, 0x61, 0x76, 0x61, 0x62, 0x69, 0x74, 0x2e, 0x63, 0x6f,
	0x6d, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19, 0x00,
	0x0b, 0x00, 0x02, 0x01, 0x00, 0x00, 0x23, 0x00, 0x00,
};

/* sv_ldap-starttls.pcap, ClientHello, whole handshake message */
static const uint8_t ch_ldap[] = {
	0x01, 0x00, 0x00, 0x6c, 0x03, 0x03, 0x54, 0xcc, 0x46, 0x82, 0xce, 0x9d, 0x6f, 0x67,
	0x24, 0x1d, 0x2c, 0xf4, 0xe2, 0xef, 0x12, 0x70, 0x5c, 0x55, 0xab, 0x33, 0xf6, 0xf3,
	0x0d, 0xe6, 0xae, 0x6f, 0x99, 0x78, 0xf3, 0x1c, 0xca, 0xcc, 0x00, 0x00, 0x30, 0x00,
	0x33, 0x00, 0x67, 0x00, 0x45, 0x00, 0x39, 0x00, 0x6b, 0x00, 0x88, 0x00, 0x16, 0x00,
	0x32, 0x00, 0x40, 0x00, 0x44, 0x00, 0x38, 0x00, 0x6a, 0x00, 0x87, 0x00, 0x13, 0x00,
	0x66, 0x00, 0x2f, 0x00, 0x3c, 0x00, 0x41, 0x00, 0x35, 0x00, 0x3d, 0x00, 0x84, 0x00,
	0x0a, 0x00, 0x05, 0x00, 0x04, 0x01, 0x00, 0x00, 0x13, 0xff, 0x01, 0x00, 0x01, 0x00,
	0x00, 0x0d, 0x00, 0x0a, 0x00, 0x08, 0x04, 0x02, 0x04, 0x01, 0x02, 0x01, 0x02, 0x02,
};

/* arkime_badcurveball.pcap, ServerHello, whole handshake message */
static const uint8_t sh_badcurveball[] = {
	0x02, 0x00, 0x00, 0x4c, 0x03, 0x03, 0xd1, 0xb6, 0xbc, 0x54, 0xa8, 0x9e, 0x67, 0xac,
	0x3e, 0xd9, 0xb6, 0xb8, 0x26, 0x98, 0x57, 0x62, 0xb4, 0xcc, 0x6c, 0xdd, 0xe3, 0x9e,
	0x4d, 0x7a, 0x95, 0x42, 0x12, 0x32, 0xc7, 0x47, 0xc5, 0x44, 0x00, 0xc0, 0x2b, 0x00,
	0x00, 0x24, 0x00, 0x00, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0b, 0x00,
	0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x23, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0b, 0x00,
	0x09, 0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31,
};

/* ndpi_pop3_stls.pcap, ServerHello, whole handshake message */
static const uint8_t sh_pop3[] = {
	0x02, 0x00, 0x00, 0x31, 0x03, 0x01, 0x50, 0x3b, 0xce, 0xee, 0x2b, 0xbf, 0xf0, 0xfb,
	0x0d, 0xd6, 0xbf, 0xa3, 0x98, 0xd3, 0x78, 0xd8, 0x10, 0xcf, 0x22, 0xf2, 0x48, 0x61,
	0xc8, 0x96, 0x3a, 0x5c, 0x78, 0x9e, 0x61, 0xfb, 0x1d, 0x05, 0x00, 0x00, 0x05, 0x00,
	0x00, 0x09, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x23, 0x00, 0x00,
};

/* sv_ldap-starttls.pcap, ServerHello, whole handshake message */
static const uint8_t sh_ldap[] = {
	0x02, 0x00, 0x00, 0x4d, 0x03, 0x03, 0x54, 0xcc, 0x46, 0x82, 0x6d, 0x01, 0x18, 0x14,
	0x11, 0xb7, 0xe6, 0xd0, 0x42, 0x66, 0xde, 0xf2, 0xd8, 0xd3, 0xc9, 0x0b, 0x73, 0x0f,
	0x79, 0xf5, 0xe9, 0x36, 0x47, 0x85, 0x92, 0x85, 0xc4, 0x3d, 0x20, 0x3b, 0xac, 0xce,
	0x11, 0x20, 0x97, 0x29, 0x1b, 0xcc, 0xb0, 0xe5, 0x9d, 0x56, 0xf9, 0x23, 0x96, 0x27,
	0x7a, 0x9a, 0xe4, 0xa1, 0xb5, 0x9a, 0x96, 0x10, 0xdb, 0x21, 0x1f, 0x87, 0x8b, 0xd0,
	0xfd, 0x00, 0x2f, 0x00, 0x00, 0x05, 0xff, 0x01, 0x00, 0x01, 0x00,
};

static void set_alpn(struct tls_client_hello *ch, const char *list)
{
	const char *p = list;

	ch->alpn_len = 0;
	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		ch->alpn[ch->alpn_len++] = (uint8_t)n;
		memcpy(ch->alpn + ch->alpn_len, p, n);
		ch->alpn_len += n;
		p = e ? e + 1 : NULL;
	}
}

static void copy16(uint16_t *dst, uint16_t *n, const uint16_t *src, size_t count)
{
	*n = (uint16_t)count;
	if (count)
		memcpy(dst, src, count * sizeof(uint16_t));
}

static void build_ch(const struct ch_fixture *f, struct tls_client_hello *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->legacy_version = f->legacy_version;
	copy16(ch->ciphers, &ch->n_ciphers, f->ciphers, f->n_ciphers);
	copy16(ch->exts, &ch->n_exts, f->exts, f->n_exts);
	copy16(ch->groups, &ch->n_groups, f->groups, f->n_groups);
	copy16(ch->sigalgs, &ch->n_sigalgs, f->sigalgs, f->n_sigalgs);
	copy16(ch->versions, &ch->n_versions, f->versions, f->n_versions);
	ch->n_point_formats = f->n_point_formats;
	if (f->n_point_formats)
		memcpy(ch->point_formats, f->point_formats, f->n_point_formats);
	if (f->sni) {
		ch->has_sni = true;
		ch->sni_len = strlen(f->sni);
		memcpy(ch->sni, f->sni, ch->sni_len + 1);
	}
	set_alpn(ch, f->alpn);
	ch->max_version = ch->legacy_version;
	for (size_t i = 0; i < f->n_versions; i++)
		if (!tls__is_grease(f->versions[i]) && f->versions[i] > ch->max_version)
			ch->max_version = f->versions[i];
}

static void test_ja3_matches_peers(void)
{
	static struct tls_client_hello ch;
	char str[4096], md5[JA3_HEX_LEN + 1];
	int matched = 0, with_str = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ch_fixtures); i++) {
		const struct ch_fixture *f = &ch_fixtures[i];

		build_ch(f, &ch);
		CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
		if (strcmp(md5, f->ja3) != 0)
			fprintf(stderr, "  %s (%s): JA3 %s\n", f->capture, f->peer, str);
		CHECK_STR(md5, f->ja3);
		matched += strcmp(md5, f->ja3) == 0;
		if (f->ja3_str) {
			CHECK_STR(str, f->ja3_str);
			with_str++;
		}
	}
	CHECK(matched >= 4);
	CHECK(with_str >= 4);
}

/* nDPI (its baselines here) writes 'd' for every flow it found a host name for, also when the
 * ClientHello had no server_name extension (nDPI learns names from the certificate and the
 * STARTTLS banner too). JA4.md says 'd' only for an SNI extension, which Arkime follows ("t11i",
 * "t12i" above). For those nDPI flows, compare everything else and check the 'i'. */
static void check_ja4(const struct ch_fixture *f, const char *got)
{
	char want[JA4_LEN + 1];

	snprintf(want, sizeof(want), "%s", f->ja4);
	if (!f->sni && !strcmp(f->peer, "nDPI") && want[3] == 'd')
		want[3] = 'i';
	CHECK_STR(got, want);
}

static void test_ja4_matches_peers(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];
	int exact = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ch_fixtures); i++) {
		const struct ch_fixture *f = &ch_fixtures[i];

		build_ch(f, &ch);
		CHECK_EQ(fp__ja4(&ch, ja4), 0);
		CHECK_EQ(strlen(ja4), JA4_LEN);
		check_ja4(f, ja4);
		exact += strcmp(ja4, f->ja4) == 0;
	}
	CHECK(exact >= 4);
}

static void test_ja3s_matches_peers(void)
{
	static struct tls_server_hello sh;
	char str[1024], md5[JA3_HEX_LEN + 1];
	int matched = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sh_fixtures); i++) {
		const struct sh_fixture *f = &sh_fixtures[i];

		memset(&sh, 0, sizeof(sh));
		sh.legacy_version = sh.version = f->legacy_version;
		sh.cipher = f->cipher;
		copy16(sh.exts, &sh.n_exts, f->exts, f->n_exts);
		CHECK_EQ(fp__ja3s(&sh, str, sizeof(str), md5), 0);
		CHECK_STR(md5, f->ja3s);
		if (f->ja3s_str)
			CHECK_STR(str, f->ja3s_str);
		matched += strcmp(md5, f->ja3s) == 0;
	}
	CHECK(matched >= 3);
}

/* The worked example of FoxIO technical_details/JA4.md, with GREASE added everywhere. */
static void spec_example(struct tls_client_hello *ch)
{
	static const uint16_t ciphers[] = { 0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
					    0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
					    0x009c, 0x009d, 0x002f, 0x0035 };
	static const uint16_t exts[] = { 0xdada, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469,
					 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
					 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0x1a1a };
	static const uint16_t sigalgs[] = { 0x0403, 0x0804, 0x0401, 0x0503,
					    0x0805, 0x0501, 0x0806, 0x0601 };
	static const uint16_t versions[] = { 0x7a7a, 0x0304, 0x0303 };

	memset(ch, 0, sizeof(*ch));
	ch->legacy_version = 0x0303;
	ch->n_ciphers = ARRAY_SIZE(ciphers);
	memcpy(ch->ciphers, ciphers, sizeof(ciphers));
	ch->n_exts = ARRAY_SIZE(exts);
	memcpy(ch->exts, exts, sizeof(exts));
	ch->n_sigalgs = ARRAY_SIZE(sigalgs);
	memcpy(ch->sigalgs, sigalgs, sizeof(sigalgs));
	ch->n_versions = ARRAY_SIZE(versions);
	memcpy(ch->versions, versions, sizeof(versions));
	ch->has_sni = true;
	set_alpn(ch, "h2,http/1.1");
}

static void test_ja4_spec_example(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];

	spec_example(&ch);
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK_STR(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");

	/* Without signature algorithms the string ends without '_' (JA4.md "Extension hash"). */
	ch.n_sigalgs = 0;
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK_STR(ja4, "t13d1516h2_8daaf6152771_6d807ffa2a79");

	/* GREASE-only sigalgs count as none. */
	ch.n_sigalgs = 1;
	ch.sigalgs[0] = 0x3a3a;
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK_STR(ja4, "t13d1516h2_8daaf6152771_6d807ffa2a79");
}

static void test_ja4_empty_lists(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];

	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = 0x0303;
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK_STR(ja4, "t12i000000_000000000000_000000000000");

	/* Only GREASE, SNI and ALPN: counted in part a, but nothing left to hash. */
	ch.n_ciphers = 1;
	ch.ciphers[0] = 0xfafa;
	ch.n_exts = 3;
	ch.exts[0] = 0x2a2a;
	ch.exts[1] = TLS_EXT_SERVER_NAME;
	ch.exts[2] = TLS_EXT_ALPN;
	ch.n_sigalgs = 1;
	ch.sigalgs[0] = 0x0804;
	ch.has_sni = true;
	set_alpn(&ch, "h2");
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK_STR(ja4, "t12d0002h2_000000000000_000000000000");
}

static void test_ja4_version(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];
	static const struct {
		uint16_t legacy;
		uint16_t sv[3];
		uint16_t n_sv;
		const char *want;
	} cases[] = {
		{ 0x0303, { 0x0304 }, 1, "13" },
		{ 0x0303, { 0x0303, 0x0304, 0x8a8a }, 3, "13" },
		{ 0x0303, { 0xbaba }, 1, "12" }, /* GREASE only: fall back to the hello version */
		{ 0x0303, { 0 }, 0, "12" },
		{ 0x0302, { 0 }, 0, "11" },
		{ 0x0301, { 0 }, 0, "10" },
		{ 0x0300, { 0 }, 0, "s3" },
		{ 0x0002, { 0 }, 0, "s2" },
		{ 0xfefd, { 0 }, 0, "d2" },
		{ 0xfeff, { 0 }, 0, "d1" },
		{ 0x0303, { 0xfefc }, 1, "d3" },
		{ 0x0305, { 0 }, 0, "00" },
		{ 0x0303, { 0x7f17 }, 1, "00" }, /* a TLS 1.3 draft is not a JA4 version */
		{ 0x0000, { 0 }, 0, "00" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&ch, 0, sizeof(ch));
		ch.legacy_version = cases[i].legacy;
		ch.n_versions = cases[i].n_sv;
		memcpy(ch.versions, cases[i].sv, sizeof(cases[i].sv));
		CHECK_EQ(fp__ja4(&ch, ja4), 0);
		CHECK(strncmp(ja4 + 1, cases[i].want, 2) == 0);
	}
}

static void test_ja4_alpn(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];
	/* Raw protocol_name_list bytes; the last five are the examples of JA4.md. */
	static const struct {
		uint8_t raw[10];
		uint16_t len;
		const char *want;
	} cases[] = {
		{ { 0 }, 0, "00" },
		{ { 0 }, 1, "00" }, /* first protocol empty */
		{ { 0, 2, 'h', '2' }, 4, "00" }, /* first protocol empty, second ignored */
		{ { 2, 'h', '2' }, 3, "h2" },
		{ { 2, 'H', '2' }, 3, "H2" },
		{ { 8, 'h', 't', 't', 'p', '/', '1', '.' }, 8, "6e" }, /* cut short: last is '.' */
		{ { 1, 'x', 2, 'h', '2' }, 5, "xx" },
		{ { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' }, 9, "h1" },
		{ { 3, 'a', '-', 'z' }, 4, "az" }, /* only first and last must be alphanumeric */
		{ { 1, 0xab }, 2, "ab" },
		{ { 2, 0xab, 0xcd }, 3, "ad" },
		{ { 2, 0x30, 0xab }, 3, "3b" },
		{ { 4, 0x30, 0x31, 0xab, 0xcd }, 5, "3d" },
		{ { 4, 0x30, 0xab, 0xcd, 0x31 }, 5, "01" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&ch, 0, sizeof(ch));
		ch.legacy_version = 0x0303;
		ch.alpn_len = cases[i].len;
		memcpy(ch.alpn, cases[i].raw, sizeof(cases[i].raw));
		CHECK_EQ(fp__ja4(&ch, ja4), 0);
		if (strncmp(ja4 + 8, cases[i].want, 2) != 0)
			fprintf(stderr, "  alpn case %zu: %s\n", i, ja4);
		CHECK(strncmp(ja4 + 8, cases[i].want, 2) == 0);
	}
}

static void test_ja4_alpn_longest(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];

	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = 0x0303;
	ch.alpn_len = TLS_MAX_ALPN_LEN;
	memset(ch.alpn, 'q', sizeof(ch.alpn));
	ch.alpn[0] = 255;
	ch.alpn[1] = 'a';
	ch.alpn[255] = 'z';
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK(strncmp(ja4 + 8, "az", 2) == 0);

	/* alpn_len lying above the array must not be followed. */
	ch.alpn_len = 0xffff;
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK(strncmp(ja4 + 8, "az", 2) == 0);
}

static void test_ja4_counts_cap(void)
{
	static struct tls_client_hello ch;
	char ja4[JA4_LEN + 1];

	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = 0x0303;
	ch.n_ciphers = TLS_MAX_CIPHERS;
	for (int i = 0; i < TLS_MAX_CIPHERS; i++)
		ch.ciphers[i] = (uint16_t)(0xc000 + i);
	ch.n_exts = TLS_MAX_EXTS;
	for (int i = 0; i < TLS_MAX_EXTS; i++)
		ch.exts[i] = (uint16_t)(0x100 + i);
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK(strncmp(ja4, "t12i9964", 8) == 0);

	ch.n_ciphers = 99;
	ch.ciphers[0] = 0x0a0a; /* GREASE does not count */
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK(strncmp(ja4, "t12i9864", 8) == 0);

	/* Counts lying above the arrays are clamped, not followed. */
	ch.n_ciphers = 0xffff;
	ch.n_exts = 0xffff;
	ch.n_sigalgs = 0xffff;
	ch.n_versions = 0xffff;
	CHECK_EQ(fp__ja4(&ch, ja4), 0);
	CHECK_EQ(strlen(ja4), JA4_LEN);
	CHECK(strncmp(ja4, "t12i9964", 8) == 0);
}

static void test_ja3_empty_and_grease(void)
{
	static struct tls_client_hello ch;
	char str[64], md5[JA3_HEX_LEN + 1];

	memset(&ch, 0, sizeof(ch));
	CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
	CHECK_STR(str, "0,,,,");
	CHECK_STR(md5, "2432bebf06532faf89aae784a9aae4ef");

	ch.legacy_version = 0x0303;
	ch.n_ciphers = 2;
	ch.ciphers[0] = 0x1a1a;
	ch.ciphers[1] = 0xfafa;
	ch.n_exts = 1;
	ch.exts[0] = 0x9a9a;
	ch.n_groups = 1;
	ch.groups[0] = 0xeaea;
	CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
	CHECK_STR(str, "771,,,,");
	CHECK_STR(md5, "bddda940f9963577c41d7c28b1a5f65f");

	/* Near-GREASE values stay. */
	ch.ciphers[0] = 0x1a1b;
	ch.exts[0] = 0x0a1a;
	ch.groups[0] = 0xeae0;
	ch.n_point_formats = 3;
	ch.point_formats[0] = 0;
	ch.point_formats[1] = 1;
	ch.point_formats[2] = 2;
	CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
	CHECK_STR(str, "771,6683,2586,60128,0-1-2");
}

static void test_ja3_sslv2(void)
{
	static struct tls_client_hello ch;
	char str[128], md5[JA3_HEX_LEN + 1];

	/* An SSLv2-compatible hello has ciphers only; JA3 is taken over the same fields. */
	memset(&ch, 0, sizeof(ch));
	ch.sslv2 = true;
	ch.legacy_version = 0x0301;
	ch.n_ciphers = 3;
	ch.ciphers[0] = 0x0039;
	ch.ciphers[1] = 0x0004;
	ch.ciphers[2] = 0x00ff;
	CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
	CHECK_STR(str, "769,57-4-255,,,");
	CHECK_EQ(strlen(md5), JA3_HEX_LEN);
}

static void test_ja3_buffer_sizes(void)
{
	static struct tls_client_hello ch;
	char full[4096], small[8], md5[JA3_HEX_LEN + 1], md5_small[JA3_HEX_LEN + 1];
	size_t len;

	build_ch(&ch_fixtures[0], &ch);
	CHECK_EQ(fp__ja3(&ch, full, sizeof(full), md5), 0);
	len = strlen(full);

	memset(small, 'x', sizeof(small));
	CHECK_EQ(fp__ja3(&ch, small, sizeof(small), md5_small), -E2BIG);
	CHECK_EQ(small[sizeof(small) - 1], '\0');
	CHECK(strncmp(small, full, sizeof(small) - 1) == 0);
	CHECK_STR(md5_small, md5); /* the hash is over the whole string regardless */

	/* Exactly fitting, one short. */
	char *fit = malloc(len + 1);

	CHECK(fit != NULL);
	if (fit) {
		CHECK_EQ(fp__ja3(&ch, fit, len + 1, md5_small), 0);
		CHECK_STR(fit, full);
		CHECK_EQ(fp__ja3(&ch, fit, len, md5_small), -E2BIG);
		CHECK_EQ(strlen(fit), len - 1);
		free(fit);
	}

	CHECK_EQ(fp__ja3(&ch, NULL, 0, md5_small), 0);
	CHECK_STR(md5_small, md5);
	CHECK_EQ(fp__ja3(&ch, small, 0, md5_small), -E2BIG);
}

static void test_ja3_maximal(void)
{
	static struct tls_client_hello ch;
	static char str[8192];
	char md5[JA3_HEX_LEN + 1];
	size_t want;

	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = 0xffff;
	ch.n_ciphers = TLS_MAX_CIPHERS;
	for (int i = 0; i < TLS_MAX_CIPHERS; i++)
		ch.ciphers[i] = 0xfffe;
	ch.n_exts = TLS_MAX_EXTS;
	for (int i = 0; i < TLS_MAX_EXTS; i++)
		ch.exts[i] = 0xfffe;
	ch.n_groups = TLS_MAX_GROUPS;
	for (int i = 0; i < TLS_MAX_GROUPS; i++)
		ch.groups[i] = 0xfffe;
	ch.n_point_formats = TLS_MAX_POINT_FORMATS;
	memset(ch.point_formats, 255, sizeof(ch.point_formats));
	want = 5 + 1 + (TLS_MAX_CIPHERS * 6 - 1) + 1 + (TLS_MAX_EXTS * 6 - 1) + 1 +
	       (TLS_MAX_GROUPS * 6 - 1) + 1 + (TLS_MAX_POINT_FORMATS * 4 - 1);
	CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
	CHECK_EQ(strlen(str), want);

	/* Counts lying above the arrays are clamped. */
	ch.n_ciphers = ch.n_exts = ch.n_groups = ch.n_point_formats = 0xffff;
	CHECK_EQ(fp__ja3(&ch, str, sizeof(str), md5), 0);
	CHECK_EQ(strlen(str), want);
}

static void test_ja3s_edges(void)
{
	static struct tls_server_hello sh;
	char str[4096], md5[JA3_HEX_LEN + 1];

	memset(&sh, 0, sizeof(sh));
	CHECK_EQ(fp__ja3s(&sh, str, sizeof(str), md5), 0);
	CHECK_STR(str, "0,0,");
	CHECK_STR(md5, "d8eada1de0f744e8f2d11cc5ea02451d");

	/* JA3S keeps legacy_version even when supported_versions chose TLS 1.3. */
	sh.legacy_version = 0x0303;
	sh.version = 0x0304;
	sh.cipher = 0x1301;
	sh.n_exts = 3;
	sh.exts[0] = 0x002b;
	sh.exts[1] = 0x4a4a;
	sh.exts[2] = 0x0033;
	CHECK_EQ(fp__ja3s(&sh, str, sizeof(str), md5), 0);
	CHECK_STR(str, "771,4865,43-51");

	CHECK_EQ(fp__ja3s(&sh, str, 5, md5), -E2BIG);
	CHECK_STR(str, "771,");

	sh.n_exts = 0xffff;
	for (int i = 0; i < TLS_MAX_EXTS; i++)
		sh.exts[i] = 65535;
	CHECK_EQ(fp__ja3s(&sh, str, sizeof(str), md5), 0);
	CHECK_EQ(strlen(str), 9 + TLS_MAX_EXTS * 6 - 1);
}

/* End to end: wire bytes -> tls__parse_*_hello() -> fingerprint, against the peers' values. */
static void test_parsed_hellos(void)
{
	static const struct {
		const uint8_t *msg;
		size_t len;
		const char *ja3, *ja4;
	} chs[] = {
		{ ch_badcurveball, sizeof(ch_badcurveball), "66918128f1b9b03303d77c6f2eefd128",
		  "t13d1615H2_46e7e9700bed_45f260be83e2" },
		{ ch_mysql, sizeof(ch_mysql), "3509fd9d38bde48d8abc69cd321c0ba0",
		  "t11i220200_fd01a07dbaa1_33a13ba74d1c" },
		{ ch_pop3, sizeof(ch_pop3), "207409c2b30e670ca50e1eac016a4831",
		  "t10d360400_77f462745360_a875e5012fde" },
		{ ch_ldap, sizeof(ch_ldap), "3f8b7a5c41878630f67e660533be80fc",
		  "t12i240200_e34a427d6317_e0d811e466d9" },
	};
	static const struct {
		const uint8_t *msg;
		size_t len;
		const char *ja3s;
	} shs[] = {
		{ sh_badcurveball, sizeof(sh_badcurveball), "2d1eb5817ece335c24904f516ad5da12" },
		{ sh_pop3, sizeof(sh_pop3), "6b96cf9c27b0223177b0e9f135fe4899" },
		{ sh_ldap, sizeof(sh_ldap), "573a9f3f80037fb40d481e2054def5bb" },
	};
	static struct tls_client_hello ch;
	static struct tls_server_hello sh;
	char md5[JA3_HEX_LEN + 1], ja4[JA4_LEN + 1];

	for (size_t i = 0; i < ARRAY_SIZE(chs); i++) {
		/* The parser takes the body, after the 4-byte handshake header. */
		CHECK_EQ(chs[i].msg[0], 1);
		CHECK_EQ(tls__parse_client_hello(chs[i].msg + 4, chs[i].len - 4, &ch), 0);
		CHECK_EQ(fp__ja3(&ch, NULL, 0, md5), 0);
		CHECK_STR(md5, chs[i].ja3);
		CHECK_EQ(fp__ja4(&ch, ja4), 0);
		CHECK_STR(ja4, chs[i].ja4);
	}
	for (size_t i = 0; i < ARRAY_SIZE(shs); i++) {
		CHECK_EQ(shs[i].msg[0], 2);
		CHECK_EQ(tls__parse_server_hello(shs[i].msg + 4, shs[i].len - 4, &sh), 0);
		CHECK_EQ(fp__ja3s(&sh, NULL, 0, md5), 0);
		CHECK_STR(md5, shs[i].ja3s);
	}
}

/* The _with variants remember recent digests (fingerprint.c): with many more distinct strings
 * than memo slots, repeated in rounds, they must give exactly what the plain functions give,
 * and match the peers' values, whichever slot a string landed in. */
static void test_memo_matches_plain(void)
{
	static struct tls_client_hello ch;
	static struct tls_server_hello sh;
	char md5[JA3_HEX_LEN + 1], want_md5[JA3_HEX_LEN + 1];
	char str[8192], want_str[8192], ja4[JA4_LEN + 1], want_ja4[JA4_LEN + 1];
	struct fp_digests d = { 0 };

	CHECK_EQ(fp__digests_init(&d), 0);
	CHECK(d.memo != NULL);
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < ARRAY_SIZE(ch_fixtures); i++) {
			build_ch(&ch_fixtures[i], &ch);
			CHECK_EQ(fp__ja3_with(&d, &ch, NULL, 0, md5), 0);
			CHECK_STR(md5, ch_fixtures[i].ja3);
			CHECK_EQ(fp__ja4_with(&d, &ch, ja4), 0);
			check_ja4(&ch_fixtures[i], ja4);
			/* 300 variants of each: the memo has far fewer slots, so strings evict
			 * each other and a stale slot would show. */
			for (unsigned v = 0; v < 300; v++) {
				ch.legacy_version = (uint16_t)(0x0300 + v);
				ch.ciphers[0] = (uint16_t)(0x1000 + v);
				CHECK_EQ(fp__ja3_with(&d, &ch, str, sizeof(str), md5), 0);
				CHECK_EQ(fp__ja3(&ch, want_str, sizeof(want_str), want_md5), 0);
				CHECK_STR(md5, want_md5);
				CHECK_STR(str, want_str);
				CHECK_EQ(fp__ja4_with(&d, &ch, ja4), 0);
				CHECK_EQ(fp__ja4(&ch, want_ja4), 0);
				CHECK_STR(ja4, want_ja4);
			}
		}
		for (size_t i = 0; i < ARRAY_SIZE(sh_fixtures); i++) {
			const struct sh_fixture *f = &sh_fixtures[i];

			memset(&sh, 0, sizeof(sh));
			sh.legacy_version = f->legacy_version;
			sh.cipher = f->cipher;
			sh.n_exts = f->n_exts;
			if (f->n_exts)
				memcpy(sh.exts, f->exts, f->n_exts * sizeof(f->exts[0]));
			CHECK_EQ(fp__ja3s_with(&d, &sh, NULL, 0, md5), 0);
			CHECK_STR(md5, f->ja3s);
		}
	}
	/* Strings longer than a memo key are digested every time, with the same result. */
	memset(&ch, 0, sizeof(ch));
	ch.n_ciphers = TLS_MAX_CIPHERS;
	for (int i = 0; i < TLS_MAX_CIPHERS; i++)
		ch.ciphers[i] = (uint16_t)(0x8000 + i);
	for (int k = 0; k < 2; k++) {
		CHECK_EQ(fp__ja3_with(&d, &ch, NULL, 0, md5), 0);
		CHECK_EQ(fp__ja3(&ch, NULL, 0, want_md5), 0);
		CHECK_STR(md5, want_md5);
		CHECK_EQ(fp__ja4_with(&d, &ch, ja4), 0);
		CHECK_EQ(fp__ja4(&ch, want_ja4), 0);
		CHECK_STR(ja4, want_ja4);
	}
	fp__digests_fini(&d);
	CHECK(d.memo == NULL);
}

/* fp__client_with() against the plain functions, twice: the second call is a memo hit. */
static void check_client(const struct fp_digests *d, const struct tls_client_hello *ch)
{
	char md5[JA3_HEX_LEN + 1], want_md5[JA3_HEX_LEN + 1];
	char ja4[JA4_LEN + 1], want_ja4[JA4_LEN + 1];

	CHECK_EQ(fp__ja3(ch, NULL, 0, want_md5), 0);
	CHECK_EQ(fp__ja4(ch, want_ja4), 0);
	for (int k = 0; k < 2; k++) {
		memset(md5, 'x', sizeof(md5));
		memset(ja4, 'x', sizeof(ja4));
		CHECK_EQ(fp__client_with(d, ch, md5, ja4), 0);
		CHECK_STR(md5, want_md5);
		CHECK_STR(ja4, want_ja4);
	}
}

/* The ClientHello memo is keyed by every input of JA3 and JA4: a change to any one of them, with
 * everything else equal, must give the plain functions' answer, never a remembered one. */
static void test_client_memo(void)
{
	static struct tls_client_hello ch;
	struct fp_digests d = { 0 };

	CHECK_EQ(fp__digests_init(&d), 0);
	for (size_t i = 0; i < ARRAY_SIZE(ch_fixtures); i++) {
		build_ch(&ch_fixtures[i], &ch);
		check_client(&d, &ch);
		for (unsigned v = 1; v < 40; v++) {
			build_ch(&ch_fixtures[i], &ch);
			switch (v % 10) {
			case 0: ch.legacy_version = (uint16_t)(0x0300 + v % 5); break;
			case 1: ch.ciphers[0] ^= (uint16_t)v; break;
			case 2: ch.n_exts = ch.n_exts ? (uint16_t)(ch.n_exts - 1) : 0; break;
			case 3: ch.groups[0] ^= (uint16_t)v; ch.n_groups |= 1; break;
			case 4: ch.point_formats[0] = (uint8_t)v; ch.n_point_formats |= 1; break;
			case 5: ch.versions[0] = (uint16_t)(0x0301 + v % 4); ch.n_versions |= 1; break;
			case 6: ch.sigalgs[0] ^= (uint16_t)v; ch.n_sigalgs |= 1; break;
			case 7: ch.has_sni = !ch.has_sni; break;
			case 8:
				ch.alpn[0] = 2;
				ch.alpn[1] = (uint8_t)('a' + v % 26);
				ch.alpn[2] = (uint8_t)('0' + v % 10);
				ch.alpn_len = 3;
				break;
			default: ch.n_ciphers = ch.n_ciphers ? (uint16_t)(ch.n_ciphers - 1) : 0; break;
			}
			check_client(&d, &ch);
		}
		/* what the memo must not look at: the SNI's value, session id, key shares */
		build_ch(&ch_fixtures[i], &ch);
		ch.sni[0] ^= 1;
		ch.session_id_len = 32;
		ch.key_shares[0] = 0x1234;
		check_client(&d, &ch);
	}
	fp__digests_fini(&d);
}

int main(void)
{
	RUN_TEST(test_ja3_matches_peers);
	RUN_TEST(test_ja4_matches_peers);
	RUN_TEST(test_ja3s_matches_peers);
	RUN_TEST(test_ja4_spec_example);
	RUN_TEST(test_ja4_empty_lists);
	RUN_TEST(test_ja4_version);
	RUN_TEST(test_ja4_alpn);
	RUN_TEST(test_ja4_alpn_longest);
	RUN_TEST(test_ja4_counts_cap);
	RUN_TEST(test_ja3_empty_and_grease);
	RUN_TEST(test_ja3_sslv2);
	RUN_TEST(test_ja3_buffer_sizes);
	RUN_TEST(test_ja3_maximal);
	RUN_TEST(test_ja3s_edges);
	RUN_TEST(test_parsed_hellos);
	RUN_TEST(test_memo_matches_plain);
	RUN_TEST(test_client_memo);
	return CHECK_DONE();
}
