/* ClientHello and ServerHello fields from real captures (nDPI and Arkime test baselines in
 * /work/shared/pcaps) with the fingerprints those tools published for them, for the fingerprint
 * tests.
 *
 * The hello fields below were read with tshark 4.0 from those captures (tls.handshake.version,
 * ciphersuite, extension.type, extensions_supported_group, extensions_ec_point_format,
 * sig_hash_alg, extensions.supported_version, extensions_server_name, extensions_alpn_str),
 * GREASE values included, in wire order. */
#ifndef TLSMON_TEST_FINGERPRINT_FIXTURES_H
#define TLSMON_TEST_FINGERPRINT_FIXTURES_H

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

static inline void set_alpn(struct tls_client_hello *ch, const char *list)
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

static inline void copy16(uint16_t *dst, uint16_t *n, const uint16_t *src, size_t count)
{
	*n = (uint16_t)count;
	if (count)
		memcpy(dst, src, count * sizeof(uint16_t));
}

static inline void build_ch(const struct ch_fixture *f, struct tls_client_hello *ch)
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

/* nDPI (its baselines here) writes 'd' for every flow it found a host name for, also when the
 * ClientHello had no server_name extension (nDPI learns names from the certificate and the
 * STARTTLS banner too). JA4.md says 'd' only for an SNI extension, which Arkime follows ("t11i",
 * "t12i" above). For those nDPI flows, compare everything else and check the 'i'. */
static inline void check_ja4(const struct ch_fixture *f, const char *got)
{
	char want[JA4_LEN + 1];

	snprintf(want, sizeof(want), "%s", f->ja4);
	if (!f->sni && !strcmp(f->peer, "nDPI") && want[3] == 'd')
		want[3] = 'i';
	CHECK_STR(got, want);
}

#endif
