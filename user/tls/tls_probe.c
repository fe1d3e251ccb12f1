// SPDX-License-Identifier: GPL-2.0
#include "tls/tls_probe.h"

#include <string.h>

#include "tls/tls_record.h"

/* Could these few bytes (< a record header) begin a TLS record? (RFC 5246 6.2.1: type 20-23,
 * major version 3, minor 0-4; or an SSLv2 CLIENT-HELLO with its high length bit set.) */
static bool plausible_prefix(const uint8_t *p, size_t len)
{
	if (p[0] & 0x80)
		return len < 3 || p[2] == 1;
	if (p[0] < TLS_CT_CHANGE_CIPHER_SPEC || p[0] > TLS_CT_APPLICATION_DATA)
		return false;
	return (len < 2 || p[1] == 3) && (len < 3 || p[2] <= 4);
}

static enum tls_probe_verdict not_tls(struct tls_probe *pr, size_t len, uint32_t budget)
{
	pr->probed += (uint32_t)len;
	return pr->probed > budget ? TLS_PROBE_SPENT : TLS_PROBE_WAIT;
}

/* TLS begins at a segment that starts with a plausible record header; a header cut into tiny
 * segments is collected in head first. */
enum tls_probe_verdict tls_probe__feed(struct tls_probe *pr, const uint8_t **data, size_t *len,
				       uint32_t budget)
{
	size_t take;

	if (!*len)
		return TLS_PROBE_WAIT; /* nothing to judge */
	if (!pr->head_len && *len < TLS_PROBE_HEAD && !plausible_prefix(*data, *len))
		return not_tls(pr, *len, budget);
	if (pr->head_len || *len < TLS_PROBE_HEAD) {
		take = TLS_PROBE_HEAD - pr->head_len;
		if (take > *len)
			take = *len;
		memcpy(pr->head + pr->head_len, *data, take);
		pr->head_len += (uint8_t)take;
		*data += take;
		*len -= take;
		if (pr->head_len < TLS_PROBE_HEAD)
			return TLS_PROBE_WAIT;
		if (tls__looks_like_record(pr->head, TLS_PROBE_HEAD))
			return TLS_PROBE_FOUND;
		pr->head_len = 0;
		return not_tls(pr, TLS_PROBE_HEAD + *len, budget);
	}
	if (tls__looks_like_record(*data, *len))
		return TLS_PROBE_FOUND;
	return not_tls(pr, *len, budget);
}

bool tls_probe__opens_client_hello(const struct tls_probe *pr, const uint8_t *data, size_t len)
{
	uint8_t b[TLS_PROBE_HEAD + 1];

	if (pr->head_len + len < sizeof(b))
		return false;
	memcpy(b, pr->head, pr->head_len);
	memcpy(b + pr->head_len, data, sizeof(b) - pr->head_len);
	/* RFC 8446 5.1 record header, then RFC 8446 4 msg_type. */
	return b[0] == TLS_CT_HANDSHAKE && b[TLS_PROBE_HEAD] == TLS_HS_CLIENT_HELLO;
}

void tls_probe__gap(struct tls_probe *pr)
{
	pr->head_len = 0;
}

/* RFC 5246 6.2.1 record header of a handshake record, or an SSLv2 CLIENT-HELLO (RFC 6101 E). */
bool tls_probe__starts_handshake(const uint8_t *p, size_t len)
{
	if (len < 3)
		return false;
	if (p[0] == TLS_CT_HANDSHAKE && p[1] == 3 && p[2] <= 4)
		return true;
	return (p[0] & 0x80) && p[2] == 1;
}

bool tls_probe__pack(const struct tls_probe *pr, uint8_t out[TLS_PROBE_PACKED])
{
	if (pr->head_len || pr->probed >> 24)
		return false;
	out[0] = (uint8_t)pr->probed;
	out[1] = (uint8_t)(pr->probed >> 8);
	out[2] = (uint8_t)(pr->probed >> 16);
	return true;
}

void tls_probe__unpack(struct tls_probe *pr, const uint8_t in[TLS_PROBE_PACKED])
{
	memset(pr, 0, sizeof(*pr));
	pr->probed = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16;
}
