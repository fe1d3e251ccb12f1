/* JA3 / JA3S (Salesforce) and JA4 (FoxIO, technical_details/JA4.md) fingerprints of parsed hellos.
 * Strings are built in fixed stack buffers sized for the largest lists tls_msg.h can hold. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "tls/fingerprint.h"

/* Longest decimal u16 plus its separator. */
#define DEC_ITEM 6
/* "65535," + ciphers + "," + exts + "," + groups + "," + point formats + NUL */
#define JA3_MAX (DEC_ITEM + TLS_MAX_CIPHERS * DEC_ITEM + TLS_MAX_EXTS * DEC_ITEM + \
		 TLS_MAX_GROUPS * DEC_ITEM + TLS_MAX_POINT_FORMATS * 4 + 8)
#define JA3S_MAX (DEC_ITEM * 2 + TLS_MAX_EXTS * DEC_ITEM + 8)
/* 4 hex digits plus a comma per item, "_" between extensions and signature algorithms. */
#define JA4_CIPHERS_MAX (TLS_MAX_CIPHERS * 5 + 1)
#define JA4_EXTS_MAX (TLS_MAX_EXTS * 5 + 1 + TLS_MAX_SIGALGS * 5 + 1)
#define JA4_HASH_LEN 12

struct sbuild {
	char *p;
	size_t size;
	size_t len;
	bool overflow;
};

/* Lists are formatted per element on every handshake; printf was most of the cost. */
static void sb_putc(struct sbuild *b, char c)
{
	if (b->overflow)
		return;
	if (b->len + 1 >= b->size) {
		b->overflow = true;
		return;
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

static void sb_u16(struct sbuild *b, uint16_t v)
{
	char tmp[5];
	int i = 5;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (b->overflow || b->len + (size_t)(5 - i) >= b->size) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, tmp + i, (size_t)(5 - i));
	b->len += (size_t)(5 - i);
	b->p[b->len] = '\0';
}

static void sb_hex16(struct sbuild *b, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";
	char *p;

	if (b->overflow || b->len + 4 >= b->size) {
		b->overflow = true;
		return;
	}
	p = b->p + b->len;
	p[0] = hex[v >> 12];
	p[1] = hex[(v >> 8) & 0xf];
	p[2] = hex[(v >> 4) & 0xf];
	p[3] = hex[v & 0xf];
	p[4] = '\0';
	b->len += 4;
}

/* JA3 drops GREASE values (RFC 8701) so that a client's fingerprint does not change with every
 * connection; the list is decimal, '-' separated. */
static char *put_dec16(char *p, uint16_t v)
{
	int n = v >= 10000 ? 5 : v >= 1000 ? 4 : v >= 100 ? 3 : v >= 10 ? 2 : 1;

	for (int k = n; k--;) {
		p[k] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

static void sb_dec_list(struct sbuild *b, const uint16_t *v, size_t n)
{
	bool first = true;

	/* The buffers are sized for the longest lists, so this is the path always taken: one
	 * bound check per list instead of per character. */
	if (!b->overflow && b->len + n * DEC_ITEM < b->size) {
		char *p = b->p + b->len, *start = p;

		for (size_t i = 0; i < n; i++) {
			if (tls__is_grease(v[i]))
				continue;
			if (p != start)
				*p++ = '-';
			p = put_dec16(p, v[i]);
		}
		*p = '\0';
		b->len += (size_t)(p - start);
		return;
	}

	for (size_t i = 0; i < n; i++) {
		if (tls__is_grease(v[i]))
			continue;
		if (!first)
			sb_putc(b, '-');
		sb_u16(b, v[i]);
		first = false;
	}
}

static size_t clamp(size_t n, size_t max)
{
	return n < max ? n : max;
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* Clients and servers come in few kinds, so the same fingerprint strings recur on almost every
 * handshake: each digest of a string is remembered in a small direct-mapped table, keyed by the
 * whole string (compared byte for byte), so a repeat costs a hash and a compare instead of an
 * MD5 or SHA-256. A collision only replaces the slot. */
#define FP_MEMO_SLOTS 64
#define FP_MEMO_KEY_MAX 512 /* longer strings are digested every time */

struct fp_memo_slot {
	uint16_t len; /* 0: empty */
	char hex[JA3_HEX_LEN + 1]; /* the digest's hex, cut to what the caller uses */
	char key[FP_MEMO_KEY_MAX];
};

/* One step earlier: clients of one kind send the same lists on every connection (the random,
 * session id, key shares and SNI are what differ), so both fingerprints of a ClientHello are also
 * remembered under the bytes of everything JA3 and JA4 read from it (fp_hello_key()), compared in
 * full. A repeat then costs no string building, sorting or digest lookup at all. */
#define FP_HELLO_KEY_MAX 1024 /* bigger hellos take the string route every time */

struct fp_hello_slot {
	uint16_t len; /* 0: empty */
	char ja3[JA3_HEX_LEN + 1];
	char ja4[JA4_LEN + 1];
	uint8_t key[FP_HELLO_KEY_MAX];
};

struct fp_memo {
	struct fp_memo_slot slot[2][FP_MEMO_SLOTS]; /* [0] MD5 (JA3, JA3S), [1] SHA-256 (JA4) */
	struct fp_hello_slot hello[FP_MEMO_SLOTS];
};

static uint32_t memo_index(const char *s, size_t len)
{
	uint64_t h = len * 0x9e3779b97f4a7c15ull, k;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&k, s + i, 8);
		h = (h ^ k) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	for (k = 0; i < len; i++)
		k = k << 8 | (uint8_t)s[i];
	h = (h ^ k) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 32;
	return (uint32_t)h % FP_MEMO_SLOTS;
}

static struct fp_memo_slot *memo_slot(const struct fp_digests *d, int kind, const char *s,
				      size_t len)
{
	if (!d || !d->memo || len == 0 || len > FP_MEMO_KEY_MAX)
		return NULL;
	return &d->memo->slot[kind][memo_index(s, len)];
}

static bool memo_hit(const struct fp_memo_slot *m, const char *s, size_t len)
{
	return m && m->len == len && !memcmp(m->key, s, len);
}

static void memo_store(struct fp_memo_slot *m, const char *s, size_t len, const char *hex,
		       size_t hex_len)
{
	if (!m)
		return;
	m->len = (uint16_t)len;
	memcpy(m->key, s, len);
	memcpy(m->hex, hex, hex_len);
	m->hex[hex_len] = '\0';
}

static int md5_hex_of(const struct fp_digests *d, const char *s, size_t len,
		      char out[JA3_HEX_LEN + 1])
{
	struct fp_memo_slot *m = memo_slot(d, 0, s, len);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (memo_hit(m, s, len)) {
		memcpy(out, m->hex, JA3_HEX_LEN + 1);
		return 0;
	}
	if (!EVP_Digest(s, len, md, &md_len, d && d->md5 ? d->md5 : EVP_md5(), NULL) ||
	    md_len != JA3_HEX_LEN / 2) {
		out[0] = '\0';
		return -EIO;
	}
	to_hex(md, md_len, out);
	memo_store(m, s, len, out, JA3_HEX_LEN);
	return 0;
}

/* MD5 of the whole string even when the caller's copy is cut short. */
static int finish_ja3(const struct fp_digests *d, const struct sbuild *b, char *str,
		      size_t str_size, char md5_hex[JA3_HEX_LEN + 1])
{
	int err = 0;

	if (b->overflow)
		return -E2BIG; /* cannot happen: the buffers are sized for the struct's arrays */
	if (md5_hex)
		err = md5_hex_of(d, b->p, b->len, md5_hex);
	if (str && str_size) {
		if (b->len >= str_size) {
			memcpy(str, b->p, str_size - 1);
			str[str_size - 1] = '\0';
			return -E2BIG;
		}
		memcpy(str, b->p, b->len + 1);
	} else if (str) {
		return -E2BIG;
	}
	return err;
}

int fp__ja3_with(const struct fp_digests *d, const struct tls_client_hello *ch, char *str,
		 size_t str_size, char md5_hex[JA3_HEX_LEN + 1])
{
	char buf[JA3_MAX];
	struct sbuild b = { .p = buf, .size = sizeof(buf) };
	size_t npf = clamp(ch->n_point_formats, TLS_MAX_POINT_FORMATS);

	buf[0] = '\0';
	/* JA3 takes the ClientHello.client_version (legacy_version), not supported_versions. */
	sb_u16(&b, ch->legacy_version);
	sb_putc(&b, ',');
	sb_dec_list(&b, ch->ciphers, clamp(ch->n_ciphers, TLS_MAX_CIPHERS));
	sb_putc(&b, ',');
	sb_dec_list(&b, ch->exts, clamp(ch->n_exts, TLS_MAX_EXTS));
	sb_putc(&b, ',');
	sb_dec_list(&b, ch->groups, clamp(ch->n_groups, TLS_MAX_GROUPS));
	sb_putc(&b, ',');
	for (size_t i = 0; i < npf; i++) {
		if (i)
			sb_putc(&b, '-');
		sb_u16(&b, ch->point_formats[i]);
	}
	return finish_ja3(d, &b, str, str_size, md5_hex);
}

int fp__ja3s_with(const struct fp_digests *d, const struct tls_server_hello *sh, char *str,
		  size_t str_size, char md5_hex[JA3_HEX_LEN + 1])
{
	char buf[JA3S_MAX];
	struct sbuild b = { .p = buf, .size = sizeof(buf) };

	buf[0] = '\0';
	sb_u16(&b, sh->legacy_version);
	sb_putc(&b, ',');
	sb_u16(&b, sh->cipher);
	sb_putc(&b, ',');
	sb_dec_list(&b, sh->exts, clamp(sh->n_exts, TLS_MAX_EXTS));
	return finish_ja3(d, &b, str, str_size, md5_hex);
}

const char fp_ja4_versions[FP_JA4_VERSIONS][2] = {
	{ '1', '3' }, { '1', '2' }, { '1', '1' }, { '1', '0' }, { 's', '3' },
	{ 's', '2' }, { 'd', '1' }, { 'd', '2' }, { 'd', '3' }, { '0', '0' },
};

/* JA4 version, as an index into fp_ja4_versions[]: the highest supported_versions entry
 * (RFC 8446 4.2.1) when the extension is there, else the legacy version. */
static int ja4_version(const struct tls_client_hello *ch)
{
	static const uint16_t wire[FP_JA4_VERSIONS - 1] = { 0x0304, 0x0303, 0x0302, 0x0301, 0x0300,
							    0x0002, 0xfeff, 0xfefd, 0xfefc };
	uint16_t v = 0;

	for (size_t i = 0; i < clamp(ch->n_versions, TLS_MAX_VERSIONS); i++)
		if (!tls__is_grease(ch->versions[i]) && ch->versions[i] > v)
			v = ch->versions[i];
	if (!v)
		v = ch->legacy_version;
	for (int i = 0; i < FP_JA4_VERSIONS - 1; i++)
		if (wire[i] == v)
			return i;
	return FP_JA4_VERSIONS - 1; /* "00" */
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* First and last character of the first ALPN protocol (RFC 7301 3.1 protocol_name_list); when
 * either is not alphanumeric, the first and last hex digit of the value instead. */
static void ja4_alpn(const struct tls_client_hello *ch, char out[2])
{
	static const char hex[] = "0123456789abcdef";
	size_t len = clamp(ch->alpn_len, TLS_MAX_ALPN_LEN);
	size_t n;
	uint8_t first, last;

	out[0] = out[1] = '0';
	if (len < 2 || ch->alpn[0] == 0)
		return;
	n = clamp(ch->alpn[0], len - 1);
	first = ch->alpn[1];
	last = ch->alpn[n];
	if (is_alnum(first) && is_alnum(last)) {
		out[0] = (char)first;
		out[1] = (char)last;
	} else {
		out[0] = hex[first >> 4];
		out[1] = hex[last & 0xf];
	}
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Hellos list a few dozen values: insertion sort beats qsort's calls through a pointer there. */
static void sort_u16(uint16_t *v, size_t n)
{
	if (n > 32) {
		qsort(v, n, sizeof(v[0]), cmp_u16);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		uint16_t x = v[i];
		size_t j = i;

		for (; j && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Copies v without GREASE (and without the two skip values when asked), returns the count. */
static size_t filter(const uint16_t *v, size_t n, uint16_t *out, bool skip_sni_alpn)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (tls__is_grease(v[i]))
			continue;
		if (skip_sni_alpn && (v[i] == TLS_EXT_SERVER_NAME || v[i] == TLS_EXT_ALPN))
			continue;
		out[k++] = v[i];
	}
	return k;
}

static void sb_hex_list(struct sbuild *b, const uint16_t *v, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	if (!b->overflow && b->len + n * 5 < b->size) {
		char *p = b->p + b->len;

		for (size_t i = 0; i < n; i++) {
			if (i)
				*p++ = ',';
			p[0] = hex[v[i] >> 12];
			p[1] = hex[(v[i] >> 8) & 0xf];
			p[2] = hex[(v[i] >> 4) & 0xf];
			p[3] = hex[v[i] & 0xf];
			p += 4;
		}
		*p = '\0';
		b->len = (size_t)(p - b->p);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_putc(b, ',');
		sb_hex16(b, v[i]);
	}
}

/* First 12 hex digits of SHA-256(s); "000000000000" stands for an empty list (JA4.md). */
static int sha256_12(const struct fp_digests *d, const struct sbuild *b, bool empty,
		     char out[JA4_HASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int md_len = 0;
	struct fp_memo_slot *m;

	if (empty) {
		memset(out, '0', JA4_HASH_LEN);
		out[JA4_HASH_LEN] = '\0';
		return 0;
	}
	if (b->overflow)
		return -E2BIG;
	m = memo_slot(d, 1, b->p, b->len);
	if (memo_hit(m, b->p, b->len)) {
		memcpy(out, m->hex, JA4_HASH_LEN + 1);
		return 0;
	}
	if (!EVP_Digest(b->p, b->len, md, &md_len, d && d->sha256 ? d->sha256 : EVP_sha256(),
			NULL) || md_len != 32)
		return -EIO;
	to_hex(md, md_len, hex);
	memcpy(out, hex, JA4_HASH_LEN);
	out[JA4_HASH_LEN] = '\0';
	memo_store(m, b->p, b->len, out, JA4_HASH_LEN);
	return 0;
}

int fp__ja4_with(const struct fp_digests *d, const struct tls_client_hello *ch,
		 char out[JA4_LEN + 1])
{
	uint16_t ciphers[TLS_MAX_CIPHERS], exts[TLS_MAX_EXTS], sigalgs[TLS_MAX_SIGALGS];
	char cbuf[JA4_CIPHERS_MAX], ebuf[JA4_EXTS_MAX];
	struct sbuild cb = { .p = cbuf, .size = sizeof(cbuf) };
	struct sbuild eb = { .p = ebuf, .size = sizeof(ebuf) };
	char chash[JA4_HASH_LEN + 1], ehash[JA4_HASH_LEN + 1], alpn[2];
	size_t nc, ne, ne_all, ns;
	const char *ver;
	int err;

	out[0] = '\0';
	nc = filter(ch->ciphers, clamp(ch->n_ciphers, TLS_MAX_CIPHERS), ciphers, false);
	/* The count includes SNI and ALPN, the hash does not: they are in the first part. */
	ne_all = filter(ch->exts, clamp(ch->n_exts, TLS_MAX_EXTS), exts, false);
	ne = filter(ch->exts, clamp(ch->n_exts, TLS_MAX_EXTS), exts, true);
	ns = filter(ch->sigalgs, clamp(ch->n_sigalgs, TLS_MAX_SIGALGS), sigalgs, false);

	sort_u16(ciphers, nc);
	sort_u16(exts, ne);
	cbuf[0] = ebuf[0] = '\0';
	sb_hex_list(&cb, ciphers, nc);
	sb_hex_list(&eb, exts, ne);
	/* Signature algorithms stay in wire order; without any, no trailing '_'. */
	if (ns) {
		sb_putc(&eb, '_');
		sb_hex_list(&eb, sigalgs, ns);
	}
	err = sha256_12(d, &cb, nc == 0, chash);
	if (!err)
		err = sha256_12(d, &eb, ne == 0, ehash);
	if (err)
		return err;

	ja4_alpn(ch, alpn);
	/* "t%s%c%02zu%02zu%c%c_%s_%s": exactly JA4_LEN characters */
	ver = fp_ja4_versions[ja4_version(ch)];
	nc = clamp(nc, 99);
	ne_all = clamp(ne_all, 99);
	out[0] = 't';
	out[1] = ver[0];
	out[2] = ver[1];
	out[3] = ch->has_sni ? 'd' : 'i';
	out[4] = (char)('0' + nc / 10);
	out[5] = (char)('0' + nc % 10);
	out[6] = (char)('0' + ne_all / 10);
	out[7] = (char)('0' + ne_all % 10);
	out[8] = alpn[0];
	out[9] = alpn[1];
	out[10] = '_';
	memcpy(out + 11, chash, JA4_HASH_LEN);
	out[11 + JA4_HASH_LEN] = '_';
	memcpy(out + 12 + JA4_HASH_LEN, ehash, JA4_HASH_LEN + 1);
	return 0;
}

static size_t key_add(uint8_t *key, size_t at, const void *p, size_t n)
{
	if (at > FP_HELLO_KEY_MAX || n > FP_HELLO_KEY_MAX - at)
		return FP_HELLO_KEY_MAX + 1;
	memcpy(key + at, p, n);
	return at + n;
}

/* Every input of fp__ja3_with() and fp__ja4_with(), counts first so that the lists cannot be
 * confused with each other; 0 when it does not fit. */
static size_t fp_hello_key(const struct tls_client_hello *ch, uint8_t key[FP_HELLO_KEY_MAX])
{
	uint16_t head[9] = {
		ch->legacy_version,
		(uint16_t)clamp(ch->n_ciphers, TLS_MAX_CIPHERS),
		(uint16_t)clamp(ch->n_exts, TLS_MAX_EXTS),
		(uint16_t)clamp(ch->n_groups, TLS_MAX_GROUPS),
		(uint16_t)clamp(ch->n_point_formats, TLS_MAX_POINT_FORMATS),
		(uint16_t)clamp(ch->n_versions, TLS_MAX_VERSIONS),
		(uint16_t)clamp(ch->n_sigalgs, TLS_MAX_SIGALGS),
		(uint16_t)clamp(ch->alpn_len, TLS_MAX_ALPN_LEN),
		ch->has_sni,
	};
	size_t at = key_add(key, 0, head, sizeof(head));

	at = key_add(key, at, ch->ciphers, head[1] * sizeof(ch->ciphers[0]));
	at = key_add(key, at, ch->exts, head[2] * sizeof(ch->exts[0]));
	at = key_add(key, at, ch->groups, head[3] * sizeof(ch->groups[0]));
	at = key_add(key, at, ch->point_formats, head[4] * sizeof(ch->point_formats[0]));
	at = key_add(key, at, ch->versions, head[5] * sizeof(ch->versions[0]));
	at = key_add(key, at, ch->sigalgs, head[6] * sizeof(ch->sigalgs[0]));
	at = key_add(key, at, ch->alpn, head[7]);
	return at > FP_HELLO_KEY_MAX ? 0 : at;
}

int fp__client_with(const struct fp_digests *d, const struct tls_client_hello *ch,
		    char ja3[JA3_HEX_LEN + 1], char ja4[JA4_LEN + 1])
{
	uint8_t key[FP_HELLO_KEY_MAX];
	struct fp_hello_slot *m = NULL;
	size_t len = 0;
	int err3, err4;

	if (d && d->memo && (len = fp_hello_key(ch, key)) > 0) {
		m = &d->memo->hello[memo_index((const char *)key, len)];
		if (m->len == len && !memcmp(m->key, key, len)) {
			memcpy(ja3, m->ja3, sizeof(m->ja3));
			memcpy(ja4, m->ja4, sizeof(m->ja4));
			return 0;
		}
	}
	err3 = fp__ja3_with(d, ch, NULL, 0, ja3);
	err4 = fp__ja4_with(d, ch, ja4);
	if (err3 || err4)
		return err3 ? err3 : err4;
	if (m) {
		m->len = (uint16_t)len;
		memcpy(m->key, key, len);
		memcpy(m->ja3, ja3, sizeof(m->ja3));
		memcpy(m->ja4, ja4, sizeof(m->ja4));
	}
	return 0;
}

int fp__ja3(const struct tls_client_hello *ch, char *str, size_t str_size,
	    char md5_hex[JA3_HEX_LEN + 1])
{
	return fp__ja3_with(NULL, ch, str, str_size, md5_hex);
}

int fp__ja3s(const struct tls_server_hello *sh, char *str, size_t str_size,
	     char md5_hex[JA3_HEX_LEN + 1])
{
	return fp__ja3s_with(NULL, sh, str, str_size, md5_hex);
}

int fp__ja4(const struct tls_client_hello *ch, char out[JA4_LEN + 1])
{
	return fp__ja4_with(NULL, ch, out);
}

int fp__digests_init(struct fp_digests *d)
{
	ERR_set_mark();
	d->md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	d->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	ERR_pop_to_mark();
	/* Without the memo every string is digested: slower, same results. */
	d->memo = calloc(1, sizeof(*d->memo));
	return d->md5 && d->sha256 ? 0 : -EIO;
}

void fp__digests_fini(struct fp_digests *d)
{
	EVP_MD_free(d->md5);
	EVP_MD_free(d->sha256);
	free(d->memo);
	d->md5 = d->sha256 = NULL;
	d->memo = NULL;
}
