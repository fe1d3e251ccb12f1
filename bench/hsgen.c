// SPDX-License-Identifier: GPL-2.0
/* hsgen: a pcap of many TLS handshakes for the offline benchmark, built from recorded turns
 * (bench/extract_turns.sh output: NN_c.bin / NN_s.bin). Each connection gets its own client
 * address and port and a complete TCP life (3-way handshake, MSS-sized segments, ACKs, FINs);
 * the recorded turn sets are used in turn.
 *
 * --distinct-certs: every connection's server Certificate message carries a freshly made leaf
 * certificate (one of a few keys and signature algorithms, unique serial and subject) and its
 * issuing CA, so no two handshakes share a leaf; the leaves are also written, concatenated DER,
 * to the --certs-out file for bench/d2i_rate.c.
 *
 * Usage: hsgen -o OUT.pcap -n COUNT [--distinct-certs --certs-out FILE] TURNDIR... */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pcap_write.h"
#include "pkt_build.h"

#define MAX_SETS 8
#define MAX_TURNS 16
#define MSS 1448
#define REC_MAX 16384

struct buf {
	uint8_t *p;
	size_t len, cap;
};

struct turnset {
	int n;
	bool client[MAX_TURNS];
	struct buf t[MAX_TURNS];
};

static int buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		uint8_t *np;

		while (cap < b->len + n)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int buf_u8(struct buf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;

	return buf_put(b, &x, 1);
}

static int buf_u16(struct buf *b, unsigned v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return buf_put(b, x, 2);
}

static int buf_u24(struct buf *b, size_t v)
{
	uint8_t x[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return buf_put(b, x, 3);
}

static int read_file(const char *path, struct buf *b)
{
	uint8_t tmp[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -errno;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_put(b, tmp, n)) {
			fclose(f);
			return -ENOMEM;
		}
	fclose(f);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NN_c.bin / NN_s.bin in name order. */
static int load_turnset(const char *dir, struct turnset *ts)
{
	char *names[MAX_TURNS], path[4096];
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0, rc = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < MAX_TURNS) {
		size_t l = strlen(de->d_name);

		if (l == 8 && !strcmp(de->d_name + 4, ".bin") && de->d_name[2] == '_')
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), name_cmp);
	for (int i = 0; i < n; i++) {
		ts->client[i] = names[i][3] == 'c';
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!rc)
			rc = read_file(path, &ts->t[i]);
		free(names[i]);
	}
	ts->n = n;
	return rc ? rc : n ? 0 : -ENOENT;
}

/* Server flight with its Certificate message (RFC 5246 7.4.2) replaced: the handshake messages
 * are taken out of their records, the Certificate body rebuilt from certs, and the whole cut
 * into records again with the original record version. */
static int replace_certificate(const struct buf *in, X509 *const *certs, int ncerts,
			       struct buf *out)
{
	struct buf hs = { 0 }, nhs = { 0 };
	uint8_t ver[2] = { 3, 3 };
	size_t off = 0;
	int rc = 0;

	while (off + 5 <= in->len) {
		size_t l = (size_t)in->p[off + 3] << 8 | in->p[off + 4];

		if (off + 5 + l > in->len || in->p[off] != 22)
			break; /* only the leading handshake records are rewritten */
		memcpy(ver, in->p + off + 1, 2);
		buf_put(&hs, in->p + off + 5, l);
		off += 5 + l;
	}
	for (size_t h = 0; h + 4 <= hs.len;) {
		size_t l = (size_t)hs.p[h + 1] << 16 | (size_t)hs.p[h + 2] << 8 | hs.p[h + 3];

		if (h + 4 + l > hs.len) {
			rc = -EINVAL;
			break;
		}
		if (hs.p[h] == 11) {
			struct buf body = { 0 };

			for (int i = 0; i < ncerts; i++) {
				unsigned char *der = NULL;
				int dl = i2d_X509(certs[i], &der);

				if (dl <= 0)
					return -EINVAL;
				buf_u24(&body, (size_t)dl);
				buf_put(&body, der, (size_t)dl);
				OPENSSL_free(der);
			}
			buf_u8(&nhs, 11);
			buf_u24(&nhs, body.len + 3);
			buf_u24(&nhs, body.len);
			buf_put(&nhs, body.p, body.len);
			free(body.p);
		} else {
			buf_put(&nhs, hs.p + h, 4 + l);
		}
		h += 4 + l;
	}
	for (size_t h = 0; !rc && h < nhs.len; h += REC_MAX) {
		size_t l = nhs.len - h < REC_MAX ? nhs.len - h : REC_MAX;

		buf_u8(out, 22);
		buf_put(out, ver, 2);
		buf_u16(out, (unsigned)l);
		buf_put(out, nhs.p + h, l);
	}
	if (!rc && off < in->len)
		buf_put(out, in->p + off, in->len - off);
	free(hs.p);
	free(nhs.p);
	return rc;
}

struct keyset {
	EVP_PKEY *ca_key[2]; /* RSA-2048, EC P-256 */
	X509 *ca[2];
	EVP_PKEY *leaf_key[4]; /* RSA-1024, RSA-2048, EC P-256, EC P-384 */
};

static void keyset_free(struct keyset *ks)
{
	for (int i = 0; i < 2; i++) {
		X509_free(ks->ca[i]);
		EVP_PKEY_free(ks->ca_key[i]);
	}
	for (int i = 0; i < 4; i++)
		EVP_PKEY_free(ks->leaf_key[i]);
}

static X509 *make_cert(EVP_PKEY *pub, EVP_PKEY *signer, X509 *issuer, const EVP_MD *md,
		       uint64_t serial, const char *cn, bool ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	char san[300];

	if (!x || !n)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 90);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"tlsmon bench", -1,
				   -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_set_pubkey(x, pub);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
				  ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!ca) {
		snprintf(san, sizeof(san), "DNS:%s,DNS:www.%s", cn, cn);
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	X509_NAME_free(n);
	if (!X509_sign(x, signer, md)) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static EVP_PKEY *gen_key(const char *type, unsigned bits_or_nid)
{
	if (!strcmp(type, "RSA"))
		return EVP_RSA_gen(bits_or_nid);
	return EVP_EC_gen(bits_or_nid == 256 ? "P-256" : "P-384");
}

static int keyset_init(struct keyset *k)
{
	k->ca_key[0] = gen_key("RSA", 2048);
	k->ca_key[1] = gen_key("EC", 256);
	k->leaf_key[0] = gen_key("RSA", 1024);
	k->leaf_key[1] = gen_key("RSA", 2048);
	k->leaf_key[2] = gen_key("EC", 256);
	k->leaf_key[3] = gen_key("EC", 384);
	for (int i = 0; i < 2; i++) {
		if (!k->ca_key[i])
			return -1;
		k->ca[i] = make_cert(k->ca_key[i], k->ca_key[i], NULL, EVP_sha256(), 1000 + i,
				     i ? "Bench EC Root" : "Bench RSA Root", true);
		if (!k->ca[i])
			return -1;
	}
	for (int i = 0; i < 4; i++)
		if (!k->leaf_key[i])
			return -1;
	return 0;
}

/* The i-th distinct leaf: key, issuer and digest vary so the set covers several signature OIDs
 * and key sizes, weak ones (SHA-1, RSA-1024) included. */
static X509 *distinct_leaf(const struct keyset *k, uint64_t i, int *ca_idx)
{
	static const char *const mds[] = { "SHA256", "SHA1", "SHA384", "SHA512" };
	const EVP_MD *md = EVP_get_digestbyname(mds[(i / 2) % 4]);
	char cn[128];

	*ca_idx = (int)(i % 2);
	snprintf(cn, sizeof(cn), "host%llu.bench.test", (unsigned long long)i);
	return make_cert(k->leaf_key[(i / 8) % 4], k->ca_key[*ca_idx], k->ca[*ca_idx], md,
			 0x1000000ull + i * 7919, cn, false);
}

/* pcap writing: Ethernet + IPv4 + TCP, microsecond timestamps. */
struct pcapw {
	FILE *f;
	uint64_t ts_us;
	uint8_t frame[64 + MSS];
};

struct tcpconn {
	uint32_t caddr, saddr;
	uint16_t cport, sport;
	uint32_t seq[2]; /* next sequence number: [0] client, [1] server */
};

static int emit(struct pcapw *w, struct tcpconn *c, int from_server, uint8_t flags,
		const uint8_t *payload, size_t plen)
{
	static const uint8_t mac[2][6] = { { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 } };
	struct eth_tcp4 h = {
		.dmac = mac[!from_server],
		.smac = mac[from_server],
		.saddr = from_server ? c->saddr : c->caddr,
		.daddr = from_server ? c->caddr : c->saddr,
		.sport = from_server ? c->sport : c->cport,
		.dport = from_server ? c->cport : c->sport,
		.seq = c->seq[from_server],
		.ack = c->seq[!from_server],
		.flags = flags,
		.win = 65535,
	};
	size_t len = eth_tcp4_frame(w->frame, &h, payload, plen);

	c->seq[from_server] += (uint32_t)plen + ((flags & 0x03) ? 1 : 0); /* SYN/FIN count one */
	w->ts_us += 10;
	return pcap_write_frame(w->f, w->ts_us, w->frame, (uint32_t)len);
}

static int write_conn(struct pcapw *w, uint64_t i, const struct turnset *ts,
		      const struct buf *server_flight_override)
{
	struct tcpconn c = {
		.caddr = 0x0a800000u + (uint32_t)(i / 50000),
		.saddr = 0x0a000002u,
		.cport = (uint16_t)(10000 + i % 50000),
		.sport = 443,
		.seq = { 0x10000000u + (uint32_t)i * 4099, 0x60000000u + (uint32_t)i * 7877 },
	};
	int rc = emit(w, &c, 0, 0x02, NULL, 0);

	rc = rc ? rc : emit(w, &c, 1, 0x12, NULL, 0);
	rc = rc ? rc : emit(w, &c, 0, 0x10, NULL, 0);
	for (int t = 0; !rc && t < ts->n; t++) {
		const struct buf *b = t == 1 && server_flight_override ? server_flight_override
									 : &ts->t[t];
		int srv = !ts->client[t];

		for (size_t off = 0; !rc && off < b->len; off += MSS) {
			size_t l = b->len - off < MSS ? b->len - off : MSS;

			rc = emit(w, &c, srv, off + l == b->len ? 0x18 : 0x10, b->p + off, l);
		}
		rc = rc ? rc : emit(w, &c, !srv, 0x10, NULL, 0);
	}
	rc = rc ? rc : emit(w, &c, 1, 0x11, NULL, 0);
	rc = rc ? rc : emit(w, &c, 0, 0x11, NULL, 0);
	return rc ? rc : emit(w, &c, 1, 0x10, NULL, 0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "distinct-certs", no_argument, NULL, 'D' },
		{ "certs-out", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct turnset sets[MAX_SETS];
	struct pcapw w = { .ts_us = 1700000000ull * 1000000 };
	const char *out = NULL, *certs_out = NULL;
	bool distinct = false;
	uint64_t n = 0;
	int nsets = 0, opt, rc = 0;
	struct keyset ks = { 0 };
	FILE *cf = NULL;

	while ((opt = getopt_long(argc, argv, "o:n:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 'D':
			distinct = true;
			break;
		case 'C':
			certs_out = optarg;
			break;
		default:
			fprintf(stderr, "usage: hsgen -o OUT.pcap -n COUNT [--distinct-certs "
					"--certs-out FILE] TURNDIR...\n");
			return 2;
		}
	}
	memset(sets, 0, sizeof(sets));
	for (; optind < argc && nsets < MAX_SETS; optind++) {
		rc = load_turnset(argv[optind], &sets[nsets]);
		if (rc || sets[nsets].n < 2) {
			fprintf(stderr, "hsgen: %s: no turns (%s)\n", argv[optind], strerror(-rc));
			return 1;
		}
		nsets++;
	}
	if (!out || !n || !nsets || (distinct && !certs_out)) {
		fprintf(stderr, "hsgen: need -o, -n and at least one turn directory%s\n",
			distinct ? ", and --certs-out" : "");
		return 2;
	}
	if (distinct && keyset_init(&ks)) {
		fprintf(stderr, "hsgen: key generation failed\n");
		return 1;
	}
	w.f = fopen(out, "wb");
	if (!w.f || (certs_out && !(cf = fopen(certs_out, "wb")))) {
		perror("hsgen");
		return 1;
	}
	rc = pcap_write_header(w.f, 65535, 1 /* LINKTYPE_ETHERNET */);
	for (uint64_t i = 0; !rc && i < n; i++) {
		const struct turnset *ts = &sets[i % (uint64_t)nsets];
		struct buf flight = { 0 };

		if (distinct) {
			int ca;
			X509 *leaf = distinct_leaf(&ks, i, &ca);
			X509 *chain[2] = { leaf, ks.ca[ca] };
			unsigned char *der = NULL;
			int dl;

			if (!leaf) {
				fprintf(stderr, "hsgen: certificate %llu failed\n",
					(unsigned long long)i);
				rc = -EINVAL;
				break;
			}
			rc = replace_certificate(&ts->t[1], chain, 2, &flight);
			dl = i2d_X509(leaf, &der);
			if (dl > 0)
				fwrite(der, (size_t)dl, 1, cf);
			OPENSSL_free(der);
			X509_free(leaf);
		}
		if (!rc)
			rc = write_conn(&w, i, ts, distinct ? &flight : NULL);
		free(flight.p);
	}
	if (cf && distinct)
		for (int i = 0; i < 2; i++) { /* the CAs too: they are in every chain */
			unsigned char *der = NULL;
			int dl = i2d_X509(ks.ca[i], &der);

			if (dl > 0)
				fwrite(der, (size_t)dl, 1, cf);
			OPENSSL_free(der);
		}
	if (fclose(w.f) || (cf && fclose(cf)))
		rc = -EIO;
	/* freed so that a sanitizer build of hsgen (tests run it) exits 0 */
	keyset_free(&ks);
	for (int i = 0; i < nsets; i++)
		for (int j = 0; j < sets[i].n; j++)
			free(sets[i].t[j].p);
	if (rc)
		fprintf(stderr, "hsgen: %s\n", strerror(-rc));
	else
		fprintf(stderr, "hsgen: %s: %llu handshakes from %d recorded turn set(s)%s\n", out,
			(unsigned long long)n, nsets, distinct ? ", every leaf certificate distinct" : "");
	return rc ? 1 : 0;
}
