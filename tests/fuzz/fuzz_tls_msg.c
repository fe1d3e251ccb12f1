// SPDX-License-Identifier: GPL-2.0
/* The handshake message parsers of tls_msg.h, one per input, and what consumes their output:
 * JA3/JA3S/JA4 and the code-point names.
 *
 * Input: byte 0 picks the parser; bytes 1-2 are the version given to the ServerKeyExchange and
 * CertificateRequest parsers, byte 3 the key exchange given to the former; the message body
 * follows from byte 4. The body is also read as a heartbeat record's. */
#include <errno.h>
#include <string.h>

#include "tls/fingerprint.h"
#include "fuzz.h"
#include "tls/tls_msg.h"
#include "tls/tls_names.h"

#define HDR 4

static void check_client_hello(const struct tls_client_hello *ch)
{
	char str[8192], md5[JA3_HEX_LEN + 1], ja4[JA4_LEN + 1], nb[16];
	int ret;

	FUZZ_ASSERT(ch->n_ciphers <= TLS_MAX_CIPHERS && ch->n_exts <= TLS_MAX_EXTS);
	FUZZ_ASSERT(ch->n_groups <= TLS_MAX_GROUPS && ch->n_sigalgs <= TLS_MAX_SIGALGS);
	FUZZ_ASSERT(ch->n_versions <= TLS_MAX_VERSIONS &&
		    ch->n_point_formats <= TLS_MAX_POINT_FORMATS);
	FUZZ_ASSERT(ch->n_key_shares <= TLS_MAX_GROUPS);
	FUZZ_ASSERT(ch->sni_len <= TLS_MAX_SNI_LEN && ch->alpn_len <= TLS_MAX_ALPN_LEN);
	ret = fp__ja3(ch, str, sizeof(str), md5);
	FUZZ_ASSERT(ret == 0 || ret == -E2BIG);
	FUZZ_ASSERT(strlen(md5) == JA3_HEX_LEN);
	/* A tiny buffer must be refused, not overrun. */
	ret = fp__ja3(ch, str, 4, md5);
	FUZZ_ASSERT(ret == 0 || ret == -E2BIG);
	FUZZ_ASSERT(memchr(str, '\0', 4));
	fp__ja4(ch, ja4);
	FUZZ_ASSERT(strlen(ja4) <= JA4_LEN);
	for (unsigned i = 0; i < ch->n_ciphers; i++)
		FUZZ_ASSERT(tls__cipher_name(ch->ciphers[i], nb, sizeof(nb)));
	for (unsigned i = 0; i < ch->n_groups; i++)
		tls__group_name(ch->groups[i]);
	for (unsigned i = 0; i < ch->n_sigalgs; i++)
		tls__sigscheme_name(ch->sigalgs[i]);
	FUZZ_ASSERT(tls__version_name(ch->max_version, nb, sizeof(nb)));
}

static void check_server_hello(const struct tls_server_hello *sh)
{
	char str[4096], md5[JA3_HEX_LEN + 1], nb[16];
	int ret;

	FUZZ_ASSERT(sh->n_exts <= TLS_MAX_EXTS && sh->alpn_len <= TLS_MAX_ALPN_LEN);
	ret = fp__ja3s(sh, str, sizeof(str), md5);
	FUZZ_ASSERT(ret == 0 || ret == -E2BIG);
	FUZZ_ASSERT(tls__cipher_name(sh->cipher, nb, sizeof(nb)));
	tls__cipher_info(sh->cipher);
	FUZZ_ASSERT(tls__version_name(sh->version, nb, sizeof(nb)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union {
		struct tls_client_hello ch;
		struct tls_server_hello sh;
		struct tls_certificate_msg cert;
		struct tls_server_key_exchange ske;
		struct tls_certificate_request cr;
	} u;
	const uint8_t *p;
	size_t len;
	int ret;

	if (size < HDR)
		return 0;
	/* libFuzzer's buffer ends exactly at size, so ASan sees any read past the body. */
	p = data + HDR;
	len = size - HDR;
	memset(&u, 0xa5, sizeof(u));
	switch (data[0] % 6) {
	case 0:
	case 1:
		ret = data[0] % 5 ? tls__parse_sslv2_client_hello(p, len, &u.ch) :
				    tls__parse_client_hello(p, len, &u.ch);
		if (!ret)
			check_client_hello(&u.ch);
		break;
	case 2:
		ret = tls__parse_server_hello(p, len, &u.sh);
		if (!ret)
			check_server_hello(&u.sh);
		break;
	case 3:
		ret = tls__parse_certificate(p, len, &u.cert);
		if (!ret) {
			FUZZ_ASSERT(u.cert.n_certs <= TLS_MAX_CHAIN && u.cert.n_certs <= u.cert.n_total);
			for (unsigned i = 0; i < u.cert.n_certs; i++)
				FUZZ_ASSERT(u.cert.certs[i].off <= len &&
					    u.cert.certs[i].len <= len - u.cert.certs[i].off);
		}
		break;
	case 5:
		ret = tls__parse_certificate_request(p, len, (uint16_t)(data[1] << 8 | data[2]), &u.cr);
		if (!ret) {
			FUZZ_ASSERT(u.cr.n_types <= TLS_CR_MAX_TYPES &&
				    u.cr.n_sigalgs <= TLS_CR_MAX_SIGALGS);
			FUZZ_ASSERT(u.cr.n_cas <= TLS_CR_MAX_CAS && u.cr.n_cas <= u.cr.n_cas_total);
			for (unsigned i = 0; i < u.cr.n_cas; i++)
				FUZZ_ASSERT(u.cr.cas[i].len && u.cr.cas[i].off <= len &&
					    u.cr.cas[i].len <= len - u.cr.cas[i].off);
			for (unsigned i = 0; i < u.cr.n_types; i++)
				tls__client_cert_type_name(u.cr.types[i]);
		}
		break;
	default:
		ret = tls__parse_server_key_exchange(p, len, (uint16_t)(data[1] << 8 | data[2]),
						     (enum tls_kx)(data[3] % (TLS_KX_TLS13 + 1)),
						     &u.ske);
		break;
	}
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL || ret == -E2BIG || ret == -EAGAIN);

	/* Every body is also a heartbeat record's (RFC 6520 4), whatever byte 0 says. */
	{
		struct tls_heartbeat hb;
		size_t room = len < TLS_HEARTBEAT_MIN_LEN ? len : len - TLS_HEARTBEAT_MIN_LEN;

		ret = tls__parse_heartbeat(p, len, &hb);
		FUZZ_ASSERT(ret == 0 || ret == -EINVAL);
		FUZZ_ASSERT(ret || len >= 3);
		FUZZ_ASSERT(ret || hb.overlong == ((size_t)hb.payload_length > room));
	}
	return 0;
}
