// SPDX-License-Identifier: GPL-2.0
/* `tlsmon explain FILE.jsonl` (and `tlsmon read --explain`): each flagged handshake of a JSON
 * Lines file as a readable tree. Works from the JSON so that it explains dumps from another host
 * or an older run as well as live output; a small JSON reader is kept here for that. */
#include "cmd/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JSON_MAX_DEPTH 32
#define JSON_MAX_NODES 100000

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jnode {
	enum jtype type;
	int key; /* offset of the member name in text, -1 when not an object member */
	int str; /* J_STR / J_NUM: offset of the (decoded) text */
	bool b;
	int first, next; /* children and siblings, -1 = none */
};

struct jdoc {
	struct jnode *nodes;
	int n, cap;
	char *text; /* NUL-separated strings */
	size_t tlen, tcap;
	const char *p, *end;
	bool oom;
};

static int jnew(struct jdoc *d, enum jtype t)
{
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 64;
		struct jnode *nn;

		if (cap > JSON_MAX_NODES || !(nn = realloc(d->nodes, (size_t)cap * sizeof(*nn)))) {
			d->oom = true;
			return -1;
		}
		d->nodes = nn;
		d->cap = cap;
	}
	d->nodes[d->n] = (struct jnode){ .type = t, .key = -1, .str = -1, .first = -1, .next = -1 };
	return d->n++;
}

static bool tput(struct jdoc *d, const char *s, size_t len)
{
	if (d->tlen + len + 1 > d->tcap) {
		size_t cap = d->tcap ? d->tcap : 256;
		char *nt;

		while (cap < d->tlen + len + 1)
			cap *= 2;
		nt = realloc(d->text, cap);
		if (!nt) {
			d->oom = true;
			return false;
		}
		d->text = nt;
		d->tcap = cap;
	}
	memcpy(d->text + d->tlen, s, len);
	d->tlen += len;
	d->text[d->tlen] = '\0';
	return true;
}

static void skip_ws(struct jdoc *d)
{
	while (d->p < d->end && (*d->p == ' ' || *d->p == '\t' || *d->p == '\r' || *d->p == '\n'))
		d->p++;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (c | 0x20) - 'a' + 10;
		else
			return -1;
	}
	return v;
}

static void put_utf8(struct jdoc *d, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	tput(d, u, n);
}

/* RFC 8259 7: a string, decoded into text; returns its offset or -1. */
static int jstring(struct jdoc *d)
{
	int off = (int)d->tlen;

	if (d->p >= d->end || *d->p != '"')
		return -1;
	d->p++;
	while (d->p < d->end && *d->p != '"') {
		unsigned char c = (unsigned char)*d->p;

		if (c < 0x20)
			return -1;
		if (c != '\\') {
			tput(d, d->p++, 1);
			continue;
		}
		if (d->end - d->p < 2)
			return -1;
		c = (unsigned char)d->p[1];
		d->p += 2;
		if (c == 'u') {
			int cp, lo;

			if (d->end - d->p < 4 || (cp = hex4(d->p)) < 0)
				return -1;
			d->p += 4;
			/* RFC 8259 7: characters beyond the BMP come as a surrogate pair. */
			if (cp >= 0xd800 && cp < 0xdc00 && d->end - d->p >= 6 && d->p[0] == '\\' &&
			    d->p[1] == 'u' && (lo = hex4(d->p + 2)) >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				d->p += 6;
			}
			put_utf8(d, (unsigned)cp);
			continue;
		}
		switch (c) {
		case '"': case '\\': case '/': tput(d, (const char *)&c, 1); break;
		case 'b': tput(d, "\b", 1); break;
		case 'f': tput(d, "\f", 1); break;
		case 'n': tput(d, "\n", 1); break;
		case 'r': tput(d, "\r", 1); break;
		case 't': tput(d, "\t", 1); break;
		default: return -1;
		}
	}
	if (d->p >= d->end)
		return -1;
	d->p++;
	tput(d, "", 1);
	return d->oom ? -1 : off;
}

static int jvalue(struct jdoc *d, int depth);

static int jcontainer(struct jdoc *d, int depth, bool obj)
{
	int node = jnew(d, obj ? J_OBJ : J_ARR), last = -1;

	if (node < 0)
		return -1;
	d->p++;
	skip_ws(d);
	if (d->p < d->end && *d->p == (obj ? '}' : ']')) {
		d->p++;
		return node;
	}
	for (;;) {
		int key = -1, child;

		skip_ws(d);
		if (obj) {
			key = jstring(d);
			skip_ws(d);
			if (key < 0 || d->p >= d->end || *d->p != ':')
				return -1;
			d->p++;
		}
		child = jvalue(d, depth + 1);
		if (child < 0)
			return -1;
		d->nodes[child].key = key;
		if (last < 0)
			d->nodes[node].first = child;
		else
			d->nodes[last].next = child;
		last = child;
		skip_ws(d);
		if (d->p < d->end && *d->p == ',') {
			d->p++;
			continue;
		}
		if (d->p < d->end && *d->p == (obj ? '}' : ']')) {
			d->p++;
			return node;
		}
		return -1;
	}
}

static int jvalue(struct jdoc *d, int depth)
{
	int node, off;

	skip_ws(d);
	if (d->p >= d->end || depth > JSON_MAX_DEPTH)
		return -1;
	switch (*d->p) {
	case '{':
		return jcontainer(d, depth, true);
	case '[':
		return jcontainer(d, depth, false);
	case '"':
		off = jstring(d);
		if (off < 0 || (node = jnew(d, J_STR)) < 0)
			return -1;
		d->nodes[node].str = off;
		return node;
	}
	if (d->end - d->p >= 4 && !memcmp(d->p, "null", 4)) {
		d->p += 4;
		return jnew(d, J_NULL);
	}
	if (d->end - d->p >= 4 && !memcmp(d->p, "true", 4)) {
		d->p += 4;
		node = jnew(d, J_BOOL);
		if (node >= 0)
			d->nodes[node].b = true;
		return node;
	}
	if (d->end - d->p >= 5 && !memcmp(d->p, "false", 5)) {
		d->p += 5;
		return jnew(d, J_BOOL);
	}
	off = (int)d->tlen;
	while (d->p < d->end && *d->p && strchr("+-0123456789.eE", *d->p))
		tput(d, d->p++, 1);
	if ((size_t)off == d->tlen || !tput(d, "", 1) || (node = jnew(d, J_NUM)) < 0)
		return -1;
	d->nodes[node].str = off;
	return node;
}

static const struct jnode *jget(const struct jdoc *d, const struct jnode *obj, const char *key)
{
	if (!obj || obj->type != J_OBJ)
		return NULL;
	for (int i = obj->first; i >= 0; i = d->nodes[i].next)
		if (d->nodes[i].key >= 0 && !strcmp(d->text + d->nodes[i].key, key))
			return &d->nodes[i];
	return NULL;
}

/* String (or number text) of a member; NULL when absent or null. */
static const char *jstr(const struct jdoc *d, const struct jnode *obj, const char *key)
{
	const struct jnode *n = jget(d, obj, key);

	return n && (n->type == J_STR || n->type == J_NUM) ? d->text + n->str : NULL;
}

static const char *jstr_or(const struct jdoc *d, const struct jnode *obj, const char *key,
			   const char *dflt)
{
	const char *s = jstr(d, obj, key);

	return s ? s : dflt;
}

static const struct jnode *jfirst(const struct jdoc *d, const struct jnode *arr)
{
	return arr && arr->type == J_ARR && arr->first >= 0 ? &d->nodes[arr->first] : NULL;
}

static const struct jnode *jnext(const struct jdoc *d, const struct jnode *n)
{
	return n->next >= 0 ? &d->nodes[n->next] : NULL;
}

/* "2024-01-02T03:04:05.123456Z" -> microseconds since the epoch; -1 when it does not parse. */
static long long rfc3339_us(const char *s)
{
	struct tm tm = { 0 };
	unsigned us = 0;
	int n = 0;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%6u%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &us, &n) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm) * 1000000 + us;
}

static void print_findings(FILE *out, const struct jdoc *d, const struct jnode *h, int position,
			   const char *indent)
{
	for (const struct jnode *f = jfirst(d, jget(d, h, "findings")); f; f = jnext(d, f)) {
		const char *pos = jstr(d, f, "position");
		const char *msg = jstr_or(d, f, "message", jstr_or(d, f, "detail", ""));

		if (position >= 0 ? !pos || atoi(pos) != position : pos != NULL)
			continue;
		fprintf(out, "%s! %s %s: %s\n", indent, jstr_or(d, f, "severity", "?"),
			jstr_or(d, f, "check", "?"), msg);
	}
}

static void print_chain(FILE *out, const struct jdoc *d, const struct jnode *h)
{
	const struct jnode *certs = jget(d, h, "certificates");
	const char *total = jstr(d, h, "certificates_total");
	int n = 0;

	for (const struct jnode *c = jfirst(d, certs); c; c = jnext(d, c))
		n++;
	if (!n) {
		fprintf(out, "|- chain: none seen%s\n",
			jstr(d, h, "version") && !strcmp(jstr(d, h, "version"), "TLS1.3") ?
				" (TLS 1.3 encrypts it)" : "");
		return;
	}
	fprintf(out, "|- chain: %d certificate%s%s%s\n", n, n == 1 ? "" : "s",
		total ? " stored of " : "", total ? total : "");
	for (const struct jnode *c = jfirst(d, certs); c; c = jnext(d, c)) {
		int pos = atoi(jstr_or(d, c, "position", "0"));
		const struct jnode *ss = jget(d, c, "self_signed");
		const char *role = pos == 0 ? "leaf" :
				   ss && ss->type == J_BOOL && ss->b ? "root" : "intermediate";
		const struct jnode *parsed = jget(d, c, "parsed");
		const char *curve = jstr(d, c, "curve");

		fprintf(out, "|   #%d (%s) %s\n", pos + 1, role, jstr_or(d, c, "subject", "?"));
		if (parsed && parsed->type == J_BOOL && !parsed->b) {
			fprintf(out, "|      not parsed: %s\n", jstr_or(d, c, "error", "?"));
			print_findings(out, d, h, pos, "|      ");
			continue;
		}
		fprintf(out, "|      issuer     %s\n", jstr_or(d, c, "issuer", "?"));
		fprintf(out, "|      signature  %s (%s)\n",
			jstr_or(d, c, "signature_algorithm", "?"), jstr_or(d, c, "signature_oid", "?"));
		fprintf(out, "|      key        %s %s bits%s%s\n", jstr_or(d, c, "key_type", "?"),
			jstr_or(d, c, "key_bits", "?"), curve ? " " : "", curve ? curve : "");
		fprintf(out, "|      validity   %s .. %s\n", jstr_or(d, c, "not_before", "?"),
			jstr_or(d, c, "not_after", "?"));
		fprintf(out, "|      sha256     %s\n", jstr_or(d, c, "sha256", "?"));
		print_findings(out, d, h, pos, "|      ");
	}
}

static void print_tree(FILE *out, const struct jdoc *d, const struct jnode *h)
{
	const struct jnode *alert = jget(d, h, "alert");
	const char *sni = jstr(d, h, "sni"), *ts = jstr(d, h, "ts");
	long long t0 = rfc3339_us(ts), dur = atoll(jstr_or(d, h, "duration_us", "0"));
	bool loose = false;

	fprintf(out, "handshake %s -> %s%s%s\n", jstr_or(d, h, "client", "?"),
		jstr_or(d, h, "server", "?"), sni ? "  sni=" : "", sni ? sni : "");
	fprintf(out, "|- started %s, decided after %lld.%03lld ms\n", ts ? ts : "?", dur / 1000,
		dur % 1000);
	fprintf(out, "|- %s %s (client offered %s)\n", jstr_or(d, h, "version", "no ServerHello"),
		jstr_or(d, h, "cipher", ""), jstr_or(d, h, "client_version", "no ClientHello"));
	fprintf(out, "|- messages\n");
	for (const struct jnode *e = jfirst(d, jget(d, h, "events")); e; e = jnext(d, e)) {
		long long t = rfc3339_us(jstr(d, e, "ts"));
		long long rel = t >= 0 && t0 >= 0 ? t - t0 : 0;

		fprintf(out, "|   frame %-6s %s%lld.%03lld ms  %-6s %s\n",
			jstr_or(d, e, "frame", "?"), rel < 0 ? "-" : "+", llabs(rel) / 1000, llabs(rel) % 1000,
			jstr_or(d, e, "from", "?"), jstr_or(d, e, "what", "?"));
	}
	print_chain(out, d, h);
	for (const struct jnode *f = jfirst(d, jget(d, h, "findings")); f; f = jnext(d, f))
		if (!jstr(d, f, "position"))
			loose = true;
	if (loose) {
		fprintf(out, "|- findings\n");
		print_findings(out, d, h, -1, "|   ");
	}
	fprintf(out, "`- outcome: %s", jstr_or(d, h, "outcome", "?"));
	if (alert && alert->type == J_OBJ)
		fprintf(out, " (%s %s %s%s%s%s)", jstr_or(d, alert, "sender", "?"),
			jstr_or(d, alert, "level", "encrypted"),
			jstr_or(d, alert, "description", "alert"),
			jstr(d, alert, "code") ? "(" : "", jstr_or(d, alert, "code", ""),
			jstr(d, alert, "code") ? ")" : "");
	fprintf(out, "\n   %s\n\n", jstr_or(d, h, "explain", ""));
}

/* Flagged (findings), or a failure: what `tlsmon dump` keeps. */
static bool wanted(const struct jdoc *d, const struct jnode *h)
{
	const char *o = jstr_or(d, h, "outcome", "");

	return jfirst(d, jget(d, h, "findings")) || !strcmp(o, "alert") || !strcmp(o, "aborted") ||
	       !strcmp(o, "reset");
}

int cmd__explain_json(FILE *out, const char *line, size_t len, bool all)
{
	struct jdoc d = { .p = line, .end = line + len };
	int root, rc = 0;

	root = jvalue(&d, 0);
	skip_ws(&d);
	if (root < 0 || d.p != d.end || d.nodes[root].type != J_OBJ ||
	    !jget(&d, &d.nodes[root], "outcome"))
		rc = -EINVAL;
	else if (all || wanted(&d, &d.nodes[root]))
		print_tree(out, &d, &d.nodes[root]);
	else
		rc = 1;
	free(d.nodes);
	free(d.text);
	return rc;
}

static int explain_file(const char *path, bool all, uint64_t *shown)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0;
	int status = 0;

	if (!f) {
		fprintf(stderr, "tlsmon explain: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		int rc;

		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (!n)
			continue;
		rc = cmd__explain_json(stdout, line, (size_t)n, all);
		if (rc < 0) {
			fprintf(stderr, "tlsmon explain: %s:%llu: not a tlsmon handshake line\n",
				path, (unsigned long long)lineno);
			status = 1;
		} else if (rc == 0) {
			(*shown)++;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return status;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false;
	uint64_t shown = 0;
	int opt, status = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "ah", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = true;
			break;
		case 'h':
			printf("usage: tlsmon explain [--all] FILE.jsonl...\n"
			       "Print each flagged or failed handshake of a JSON Lines file (from `tlsmon\n"
			       "read` or `tlsmon dump`; - is stdin) as a tree: flow and timing, messages\n"
			       "with their frames, the chain, findings, and the outcome with its cause.\n\n"
			       "  --all       every handshake, not only flagged or failed ones\n"
			       "  -h, --help  this text\n");
			return 0;
		default:
			fprintf(stderr, "usage: tlsmon explain [--all] FILE.jsonl...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: tlsmon explain [--all] FILE.jsonl...\n");
		return 2;
	}
	for (int i = optind; i < argc; i++)
		status |= explain_file(argv[i], all, &shown);
	if (!shown)
		printf("no %shandshakes to explain\n", all ? "" : "flagged or failed ");
	return status;
}
