// SPDX-License-Identifier: GPL-2.0
/* Plaintext TLS handshake message parsers. A cursor walks [p, end); every length-prefixed block
 * becomes a sub-cursor that must be consumed exactly, so a length field that lies high or low is
 * caught where it is, not later. */
#include <errno.h>
#include <string.h>

#include "tls/tls_msg.h"

struct cur {
	const uint8_t *p;
	const uint8_t *end;
};

/* NULL + 0 is undefined (C11 6.5.6), and callers may pass (NULL, 0) for an empty message. */
static struct cur cur_make(const uint8_t *p, size_t len)
{
	return (struct cur){ p, p ? p + len : p };
}

static size_t cur_left(const struct cur *c)
{
	return (size_t)(c->end - c->p);
}

static int get_u8(struct cur *c, uint8_t *v)
{
	if (cur_left(c) < 1)
		return -EINVAL;
	*v = c->p[0];
	c->p += 1;
	return 0;
}

static int get_u16(struct cur *c, uint16_t *v)
{
	if (cur_left(c) < 2)
		return -EINVAL;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return 0;
}

static int get_u24(struct cur *c, uint32_t *v)
{
	if (cur_left(c) < 3)
		return -EINVAL;
	*v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
	c->p += 3;
	return 0;
}

static int get_bytes(struct cur *c, size_t n, const uint8_t **out)
{
	if (cur_left(c) < n)
		return -EINVAL;
	if (out)
		*out = c->p;
	c->p += n;
	return 0;
}

/* opaque x<..2^(8*lbytes)-1>: sub covers the block, c moves past it. */
static int get_block(struct cur *c, int lbytes, struct cur *sub)
{
	uint32_t n = 0;
	uint16_t n16;
	uint8_t n8;
	int err;

	switch (lbytes) {
	case 1:
		err = get_u8(c, &n8);
		n = n8;
		break;
	case 2:
		err = get_u16(c, &n16);
		n = n16;
		break;
	default:
		err = get_u24(c, &n);
		break;
	}
	if (err || cur_left(c) < n)
		return -EINVAL;
	sub->p = c->p;
	sub->end = c->p + n;
	c->p += n;
	return 0;
}

static int expect_end(const struct cur *c)
{
	return c->p == c->end ? 0 : -EINVAL;
}

/* A list of uint16 values filling the whole of c. */
static int get_u16_list(struct cur *c, uint16_t *arr, uint16_t *n, size_t max, bool *truncated)
{
	uint16_t v = 0;

	if (cur_left(c) % 2)
		return -EINVAL;
	while (cur_left(c)) {
		get_u16(c, &v);
		if (*n < max)
			arr[(*n)++] = v;
		else
			*truncated = true;
	}
	return 0;
}

/* RFC 8446 D: TLS 1.3 drafts (0x7fxx) sort between TLS 1.2 and TLS 1.3; unknown values lowest. */
static uint32_t version_rank(uint16_t v)
{
	if ((v >> 8) == 0x03)
		return (uint32_t)v << 8 | 0xff;
	if ((v >> 8) == 0x7f)
		return 0x030400u | (v & 0xff);
	return 1;
}

/* RFC 6066 3: ServerNameList; only host_name (0) is defined, and it is the first we keep. Every
 * name_type is assumed to use the HostName framing, which is what deployed stacks do. */
static int parse_sni(struct cur *d, struct tls_client_hello *out)
{
	struct cur list, name;
	uint8_t type;
	size_t n;

	if (get_block(d, 2, &list))
		return -EINVAL;
	while (cur_left(&list)) {
		if (get_u8(&list, &type) || get_block(&list, 2, &name))
			return -EINVAL;
		if (type != 0 || out->has_sni)
			continue;
		n = cur_left(&name);
		if (n > TLS_MAX_SNI_LEN) {
			n = TLS_MAX_SNI_LEN;
			out->truncated = true;
		}
		memcpy(out->sni, name.p, n);
		out->sni[n] = 0;
		out->sni_len = (uint16_t)n;
		out->has_sni = true;
	}
	return 0;
}

/* RFC 7301 3.1: ProtocolNameList of 1-byte-length names. Kept raw, cut at a name boundary. */
static int parse_alpn_list(struct cur *d, uint8_t *dst, uint16_t *dst_len, bool *truncated)
{
	struct cur list, name;
	const uint8_t *start;
	bool full = false;
	size_t n;

	if (get_block(d, 2, &list))
		return -EINVAL;
	while (cur_left(&list)) {
		start = list.p;
		if (get_block(&list, 1, &name))
			return -EINVAL;
		n = (size_t)(list.p - start);
		if (full || *dst_len + n > TLS_MAX_ALPN_LEN) {
			full = true;
			*truncated = true;
			continue;
		}
		memcpy(dst + *dst_len, start, n);
		*dst_len = (uint16_t)(*dst_len + n);
	}
	return 0;
}

/* RFC 8446 4.2.8: KeyShareClientHello is a list of (group, key_exchange<1..2^16-1>). */
static int parse_client_key_share(struct cur *d, struct tls_client_hello *out)
{
	struct cur list, key;
	uint16_t group;

	if (get_block(d, 2, &list))
		return -EINVAL;
	while (cur_left(&list)) {
		if (get_u16(&list, &group) || get_block(&list, 2, &key))
			return -EINVAL;
		if (out->n_key_shares < TLS_MAX_GROUPS)
			out->key_shares[out->n_key_shares++] = group;
		else
			out->truncated = true;
	}
	return 0;
}

static int parse_ch_ext(uint16_t type, struct cur *d, struct tls_client_hello *out)
{
	struct cur list;
	uint8_t v;

	switch (type) {
	case TLS_EXT_SERVER_NAME:
		return parse_sni(d, out);
	case TLS_EXT_SUPPORTED_GROUPS: /* RFC 8446 4.2.7 */
		if (get_block(d, 2, &list))
			return -EINVAL;
		return get_u16_list(&list, out->groups, &out->n_groups, TLS_MAX_GROUPS,
				    &out->truncated);
	case TLS_EXT_EC_POINT_FORMATS: /* RFC 8422 5.1.2 */
		if (get_block(d, 1, &list))
			return -EINVAL;
		while (!get_u8(&list, &v)) {
			if (out->n_point_formats < TLS_MAX_POINT_FORMATS)
				out->point_formats[out->n_point_formats++] = v;
			else
				out->truncated = true;
		}
		return 0;
	case TLS_EXT_SIGNATURE_ALGORITHMS: /* RFC 8446 4.2.3 */
		if (get_block(d, 2, &list))
			return -EINVAL;
		return get_u16_list(&list, out->sigalgs, &out->n_sigalgs, TLS_MAX_SIGALGS,
				    &out->truncated);
	case TLS_EXT_ALPN:
		return parse_alpn_list(d, out->alpn, &out->alpn_len, &out->truncated);
	case TLS_EXT_SUPPORTED_VERSIONS: /* RFC 8446 4.2.1: versions<2..254> */
		if (get_block(d, 1, &list))
			return -EINVAL;
		return get_u16_list(&list, out->versions, &out->n_versions, TLS_MAX_VERSIONS,
				    &out->truncated);
	case TLS_EXT_KEY_SHARE:
		return parse_client_key_share(d, out);
	case TLS_EXT_RENEGOTIATION_INFO: /* RFC 5746 3.2: renegotiated_connection<0..255> */
		return get_block(d, 1, &list);
	case TLS_EXT_SESSION_TICKET: /* RFC 5077 3.2: empty asks for a ticket, else presents one */
		out->ticket_offered = cur_left(d) > 0;
		d->p = d->end;
		return 0;
	default:
		d->p = d->end;
		return 0;
	}
}

static void note_cipher(struct tls_client_hello *out, uint16_t suite)
{
	/* RFC 7507 and RFC 5746 3.3: signalling values that are not real suites. */
	if (suite == TLS_CIPHER_FALLBACK_SCSV)
		out->fallback_scsv = true;
	if (suite == TLS_CIPHER_EMPTY_RENEGOTIATION_INFO_SCSV)
		out->reneg_scsv = true;
	if (out->n_ciphers < TLS_MAX_CIPHERS)
		out->ciphers[out->n_ciphers++] = suite;
	else
		out->truncated = true;
}

static void compute_max_version(struct tls_client_hello *out)
{
	uint32_t best = 0;
	uint16_t i;

	out->max_version = out->legacy_version;
	for (i = 0; i < out->n_versions; i++) {
		uint16_t v = out->versions[i];

		if (tls__is_grease(v) || version_rank(v) <= best)
			continue;
		best = version_rank(v);
		out->max_version = v;
	}
}

/* RFC 5246 7.4.1.2 / RFC 8446 4.2: the extensions block is optional; when present it ends the
 * message exactly, and each extension's body must be consumed exactly by its parser. Types are
 * recorded in wire order (GREASE included); past the array, the list is flagged truncated. */
static int parse_extensions(struct cur *c, uint16_t *types, uint16_t *n, bool *truncated,
			    int (*parse)(void *ctx, uint16_t type, struct cur *d), void *ctx)
{
	struct cur exts, d;
	uint16_t type;

	if (!cur_left(c))
		return 0;
	if (get_block(c, 2, &exts) || expect_end(c))
		return -EINVAL;
	while (cur_left(&exts)) {
		if (get_u16(&exts, &type) || get_block(&exts, 2, &d))
			return -EINVAL;
		if (*n < TLS_MAX_EXTS)
			types[(*n)++] = type;
		else
			*truncated = true;
		if (parse(ctx, type, &d) || expect_end(&d))
			return -EINVAL;
	}
	return 0;
}

static int ch_ext(void *ctx, uint16_t type, struct cur *d)
{
	return parse_ch_ext(type, d, ctx);
}

/* RFC 8446 4.1.2 / RFC 5246 7.4.1.2. */
int tls__parse_client_hello(const uint8_t *p, size_t len, struct tls_client_hello *out)
{
	struct cur c = cur_make(p, len), sid, suites, comp;
	uint16_t suite;

	memset(out, 0, sizeof(*out));
	if (get_u16(&c, &out->legacy_version) || get_bytes(&c, 32, NULL) ||
	    get_block(&c, 1, &sid) || get_block(&c, 2, &suites) || get_block(&c, 1, &comp))
		return -EINVAL;
	/* legacy_session_id<0..32>, cipher_suites<2..2^16-2>, compression_methods<1..2^8-1> */
	if (cur_left(&sid) > 32 || cur_left(&suites) < 2 || cur_left(&suites) % 2 ||
	    cur_left(&comp) < 1)
		return -EINVAL;
	out->session_id_len = (uint8_t)cur_left(&sid);
	while (!get_u16(&suites, &suite))
		note_cipher(out, suite);

	if (parse_extensions(&c, out->exts, &out->n_exts, &out->truncated, ch_ext, out))
		return -EINVAL;
	compute_max_version(out);
	return 0;
}

/* RFC 5246 E.2 (RFC 6101 appendix E): the SSLv2 CLIENT-HELLO a client sends to reach v2 servers. */
int tls__parse_sslv2_client_hello(const uint8_t *p, size_t len, struct tls_client_hello *out)
{
	struct cur c = cur_make(p, len);
	uint16_t specs_len, sid_len, chal_len;
	const uint8_t *specs;
	uint8_t msg_type;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->sslv2 = true;
	if (get_u8(&c, &msg_type) || msg_type != 1 || get_u16(&c, &out->legacy_version) ||
	    get_u16(&c, &specs_len) || get_u16(&c, &sid_len) || get_u16(&c, &chal_len))
		return -EINVAL;
	/* Specs are 3 bytes each; the session id is 0 or 16 bytes; the challenge 16 to 32. */
	if (specs_len == 0 || specs_len % 3 || sid_len > 32 || chal_len < 16 || chal_len > 32)
		return -EINVAL;
	if (get_bytes(&c, specs_len, &specs) || get_bytes(&c, sid_len, NULL) ||
	    get_bytes(&c, chal_len, NULL) || expect_end(&c))
		return -EINVAL;
	out->session_id_len = (uint8_t)sid_len;
	out->max_version = out->legacy_version;
	/* A spec with a zero first byte is a TLS suite; the others are SSLv2-only kinds. */
	for (i = 0; i < specs_len; i += 3) {
		if (specs[i] == 0)
			note_cipher(out, (uint16_t)(specs[i + 1] << 8 | specs[i + 2]));
	}
	return 0;
}

/* RFC 8446 4.1.3: SHA-256("HelloRetryRequest"). */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static int parse_sh_ext(uint16_t type, struct cur *d, struct tls_server_hello *out)
{
	struct cur blk;
	bool trunc = false;
	uint16_t identity;

	switch (type) {
	case TLS_EXT_SUPPORTED_VERSIONS: /* RFC 8446 4.2.1: selected_version */
		return get_u16(d, &out->version);
	case TLS_EXT_KEY_SHARE: /* RFC 8446 4.2.8: HRR names a group; SH carries group + key */
		if (get_u16(d, &out->key_share_group))
			return -EINVAL;
		if (out->hello_retry_request)
			return 0;
		return get_block(d, 2, &blk);
	case TLS_EXT_RENEGOTIATION_INFO: /* RFC 5746 3.2 */
	case TLS_EXT_EC_POINT_FORMATS: /* RFC 8422 5.2 */
		return get_block(d, 1, &blk);
	case TLS_EXT_ALPN: /* RFC 7301 3.1: exactly one ProtocolName */
		if (parse_alpn_list(d, out->alpn, &out->alpn_len, &trunc) || trunc)
			return -EINVAL;
		if (out->alpn_len < 2 || out->alpn_len != 1 + out->alpn[0])
			return -EINVAL;
		out->alpn_len = out->alpn[0];
		memmove(out->alpn, out->alpn + 1, out->alpn_len);
		return 0;
	case TLS_EXT_PRE_SHARED_KEY: /* RFC 8446 4.2.11: selected_identity */
		out->psk_selected = true;
		return get_u16(d, &identity);
	default:
		d->p = d->end;
		return 0;
	}
}

/* The ServerHello's version is the legacy one unless supported_versions names it. */
struct sh_ctx {
	struct tls_server_hello *out;
	bool has_version;
};

static int sh_ext(void *ctx, uint16_t type, struct cur *d)
{
	struct sh_ctx *sc = ctx;

	if (type == TLS_EXT_SUPPORTED_VERSIONS)
		sc->has_version = true;
	return parse_sh_ext(type, d, sc->out);
}

int tls__parse_server_hello(const uint8_t *p, size_t len, struct tls_server_hello *out)
{
	struct cur c = cur_make(p, len), sid;
	const uint8_t *random;
	struct sh_ctx sc = { .out = out };

	memset(out, 0, sizeof(*out));
	if (get_u16(&c, &out->legacy_version) || get_bytes(&c, 32, &random) ||
	    get_block(&c, 1, &sid) || cur_left(&sid) > 32 || get_u16(&c, &out->cipher) ||
	    get_u8(&c, &out->compression))
		return -EINVAL;
	memcpy(out->random, random, 32);
	out->hello_retry_request = memcmp(random, hrr_random, 32) == 0;
	/* RFC 8446 4.1.3: a TLS 1.3 server negotiating less says so in the last 8 random bytes. */
	if (memcmp(random + 24, "DOWNGRD", 7) == 0) {
		out->downgrade_tls12 = random[31] == 1;
		out->downgrade_tls11 = random[31] == 0;
	}

	if (parse_extensions(&c, out->exts, &out->n_exts, &out->truncated, sh_ext, &sc))
		return -EINVAL;
	if (!sc.has_version)
		out->version = out->legacy_version;
	return 0;
}

/* RFC 5246 7.4.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. */
int tls__parse_certificate(const uint8_t *p, size_t len, struct tls_certificate_msg *out)
{
	struct cur c = cur_make(p, len), list, cert;

	memset(out, 0, sizeof(*out));
	if (get_block(&c, 3, &list) || expect_end(&c))
		return -EINVAL;
	while (cur_left(&list)) {
		if (get_block(&list, 3, &cert) || cur_left(&cert) == 0)
			return -EINVAL;
		if (out->n_certs < TLS_MAX_CHAIN) {
			out->certs[out->n_certs].off = (uint32_t)(cert.p - p);
			out->certs[out->n_certs].len = (uint32_t)cur_left(&cert);
			out->n_certs++;
		}
		out->n_total++;
	}
	return 0;
}

/* RFC 5246 7.4.4 (RFC 4346 7.4.4 without supported_signature_algorithms): certificate_types
 * <1..2^8-1>, [supported_signature_algorithms<2..2^16-2>], certificate_authorities<0..2^16-1> of
 * DistinguishedName<1..2^16-1>. */
int tls__parse_certificate_request(const uint8_t *p, size_t len, uint16_t version,
				   struct tls_certificate_request *out)
{
	struct cur c = cur_make(p, len), types, sigs, cas, dn;
	uint8_t t;

	memset(out, 0, sizeof(*out));
	if (get_block(&c, 1, &types) || !cur_left(&types))
		return -EINVAL;
	while (!get_u8(&types, &t)) {
		if (out->n_types < TLS_CR_MAX_TYPES)
			out->types[out->n_types++] = t;
		else
			out->truncated = true;
	}
	if (version == 0x0303) {
		if (get_block(&c, 2, &sigs) || cur_left(&sigs) < 2 ||
		    get_u16_list(&sigs, out->sigalgs, &out->n_sigalgs, TLS_CR_MAX_SIGALGS,
				 &out->truncated))
			return -EINVAL;
		out->has_sigalgs = true;
	}
	if (get_block(&c, 2, &cas) || expect_end(&c))
		return -EINVAL;
	while (cur_left(&cas)) {
		if (get_block(&cas, 2, &dn) || !cur_left(&dn))
			return -EINVAL;
		if (out->n_cas < TLS_CR_MAX_CAS) {
			out->cas[out->n_cas].off = (uint32_t)(dn.p - p);
			out->cas[out->n_cas].len = (uint32_t)cur_left(&dn);
			out->n_cas++;
		} else {
			out->truncated = true;
		}
		out->n_cas_total++;
	}
	return 0;
}

static uint32_t count_bits(const uint8_t *p, size_t n)
{
	uint32_t bits;
	uint8_t top;

	while (n && *p == 0) {
		p++;
		n--;
	}
	if (!n)
		return 0;
	bits = (uint32_t)(n - 1) * 8;
	for (top = *p; top; top >>= 1)
		bits++;
	return bits;
}

int tls__parse_server_key_exchange(const uint8_t *p, size_t len, uint16_t version, enum tls_kx kx,
				   struct tls_server_key_exchange *out)
{
	struct cur c = cur_make(p, len), dh_p, dh_g, dh_ys, point, sig;
	uint8_t curve_type;

	memset(out, 0, sizeof(*out));
	out->kx = kx;
	switch (kx) {
	case TLS_KX_ECDHE:
	case TLS_KX_ECDH_ANON:
		/* RFC 8422 5.4: only named_curve (3) remains; explicit curves were deprecated. */
		if (get_u8(&c, &curve_type) || curve_type != 3 || get_u16(&c, &out->curve) ||
		    get_block(&c, 1, &point) || cur_left(&point) == 0)
			return -EINVAL;
		break;
	case TLS_KX_DHE:
	case TLS_KX_DH_ANON:
		/* RFC 5246 7.4.3: ServerDHParams, each opaque<1..2^16-1>. */
		if (get_block(&c, 2, &dh_p) || get_block(&c, 2, &dh_g) || get_block(&c, 2, &dh_ys) ||
		    !cur_left(&dh_p) || !cur_left(&dh_g) || !cur_left(&dh_ys))
			return -EINVAL;
		out->dh_p_bits = count_bits(dh_p.p, cur_left(&dh_p));
		break;
	default:
		/* RSA, PSK and TLS 1.3 suites carry no ServerKeyExchange we can read. */
		return -EINVAL;
	}

	if (kx == TLS_KX_ECDHE || kx == TLS_KX_DHE) {
		/* RFC 5246 7.4.1.4.1: TLS 1.2 names the algorithm; earlier versions imply it. */
		if (version >= 0x0303 && get_u16(&c, &out->sig_alg))
			return -EINVAL;
		if (get_block(&c, 2, &sig))
			return -EINVAL;
		out->sig_len = (uint16_t)cur_left(&sig);
	}
	return expect_end(&c);
}

int tls__parse_heartbeat(const uint8_t *p, size_t len, struct tls_heartbeat *out)
{
	size_t room = len < TLS_HEARTBEAT_MIN_LEN ? len : len - TLS_HEARTBEAT_MIN_LEN;

	memset(out, 0, sizeof(*out));
	if (!p || len < 3)
		return -EINVAL;
	out->type = p[0];
	out->payload_length = (uint16_t)(p[1] << 8 | p[2]);
	out->overlong = out->payload_length > room;
	return 0;
}
