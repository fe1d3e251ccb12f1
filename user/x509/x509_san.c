// SPDX-License-Identifier: GPL-2.0-only
/* A certificate's subjectAltName list as strings (formats in x509.h), from OpenSSL's decoding or
 * the DER reader's, under the per-certificate caps X509_MAX_SAN and X509_MAX_SAN_BYTES. */
#include "x509/x509_strings.h"

#include "x509/der_cert.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/objects.h>
#include <openssl/x509v3.h>

/* Counts every GeneralName; keeps it while under both caps (X509_MAX_SAN names,
 * X509_MAX_SAN_BYTES of text), else marks the list truncated. data: raw bytes after the prefix,
 * or NULL for a prefix alone. */
static void add_san_str(struct pending *pd, const char *prefix, const void *data, size_t len)
{
	struct x509_info *info = &pd->info;
	size_t before = pd->arena.len, off;

	if (info->san_count < UINT32_MAX)
		info->san_count++;
	if (info->san_truncated || info->n_san >= X509_MAX_SAN ||
	    pd->san_bytes + strlen(prefix) + (data ? len : 0) + 1 > X509_MAX_SAN_BYTES) {
		info->san_truncated = true;
		return;
	}
	off = arena__add(&pd->arena, prefix, data, data ? len : 0);
	if (off == NO_OFF)
		return;
	if (pd->san_bytes + (pd->arena.len - before) > X509_MAX_SAN_BYTES) {
		/* over the cap once NULs are escaped: take it back */
		pd->arena.len = before;
		info->san_truncated = true;
		return;
	}
	if (!info->n_san)
		pd->san_first = off;
	pd->san_bytes += pd->arena.len - before;
	info->n_san++;
}

/* RFC 5280 4.2.1.6: 4 octets for IPv4, 16 for IPv6; anything else is shown by its length. */
static void add_san_ip(struct pending *pd, const uint8_t *data, size_t len)
{
	int af = len == 4 ? AF_INET : len == 16 ? AF_INET6 : -1;
	char buf[INET6_ADDRSTRLEN];

	if (af < 0 || !inet_ntop(af, data, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "invalid(%d bytes)", (int)len);
	add_san_str(pd, "IP:", buf, strlen(buf));
}

/* An OID in dotted form; "?" when OpenSSL cannot print it. */
static void add_san_oid(struct pending *pd, const char *prefix, const ASN1_OBJECT *oid)
{
	char buf[128];
	int n = oid ? OBJ_obj2txt(buf, sizeof(buf), oid, 1) : -1;

	if (n <= 0 || (size_t)n >= sizeof(buf))
		add_san_str(pd, prefix, "?", 1);
	else
		add_san_str(pd, prefix, buf, (size_t)n);
}

/* A DirName rendered like the subject into tmp (at off, NO_OFF when it could not be), moved
 * under the prefix; tmp is released. */
static void add_san_rendered_dirname(struct pending *pd, struct arena *tmp, size_t off)
{
	if (off == NO_OFF)
		add_san_str(pd, "DirName:", "?", 1);
	else
		add_san_str(pd, "DirName:", tmp->buf + off, strlen(tmp->buf + off));
	if (tmp->oom)
		pd->arena.oom = true;
	arena__release(tmp);
}

static void add_san_dirname(struct pending *pd, const X509_NAME *name)
{
	struct arena tmp;

	arena__init(&tmp);
	add_san_rendered_dirname(pd, &tmp, x509__add_name(&tmp, name));
}

void x509_san__add_openssl(struct pending *pd, X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int i, n = gens ? sk_GENERAL_NAME_num(gens) : 0;

	for (i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;

		switch (g->type) {
		case GEN_DNS:
		case GEN_EMAIL:
		case GEN_URI:
			s = g->d.ia5;
			add_san_str(pd, g->type == GEN_DNS ? "DNS:" : g->type == GEN_EMAIL ? "email:" : "URI:",
				    ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
			break;
		case GEN_IPADD:
			add_san_ip(pd, ASN1_STRING_get0_data(g->d.ip), (size_t)ASN1_STRING_length(g->d.ip));
			break;
		case GEN_DIRNAME:
			add_san_dirname(pd, g->d.directoryName);
			break;
		case GEN_OTHERNAME:
			add_san_oid(pd, "othername:", g->d.otherName->type_id);
			break;
		case GEN_RID:
			add_san_oid(pd, "RID:", g->d.registeredID);
			break;
		case GEN_X400:
			add_san_str(pd, "X400Name", NULL, 0);
			break;
		case GEN_EDIPARTY:
			add_san_str(pd, "EdiPartyName", NULL, 0);
			break;
		}
	}
	GENERAL_NAMES_free(gens);
}

/* One GeneralName the DER reader accepted (der_cert.c check_san), written as add_sans writes
 * OpenSSL's. */
void x509_san__add_der(struct pending *pd, uint8_t tag, struct der_span val)
{
	struct der_span name;
	struct arena tmp;

	switch (tag) {
	case DER_GN_DNS:
		add_san_str(pd, "DNS:", val.p, val.len);
		break;
	case DER_GN_EMAIL:
		add_san_str(pd, "email:", val.p, val.len);
		break;
	case DER_GN_URI:
		add_san_str(pd, "URI:", val.p, val.len);
		break;
	case DER_GN_IP:
		add_san_ip(pd, val.p, val.len);
		break;
	case DER_GN_DIRNAME:
		/* [4] EXPLICIT Name: its contents are printed like the subject's */
		if (der_get(&val, TAG_SEQ, &name)) {
			add_san_str(pd, "DirName:", "?", 1);
			break;
		}
		arena__init(&tmp);
		add_san_rendered_dirname(pd, &tmp, x509__add_der_name(&tmp, name, false));
		break;
	}
}

