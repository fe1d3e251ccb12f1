// SPDX-License-Identifier: GPL-2.0
/* `tlsmon explain FILE.jsonl` (and `tlsmon read --explain`): each flagged handshake of a JSON
 * Lines file as a readable tree. Works from the JSON so that it explains dumps from another host
 * or an older run as well as live output (util/json_read reads it back). */
#include "cmd/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/json_read.h"
#include "util/text_escape.h"

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

/* Every string of the tree comes from the wire (SNI, subjects) through the JSON: escaped
 * (util/text_escape.h) before it reaches a terminal. The escaped copies live until the tree is
 * printed. */
#define TEXT_POOL_MAX 128

struct text_pool {
	struct sbuf s[TEXT_POOL_MAX];
	int n;
};

static const char *str(struct text_pool *t, const struct json_doc *d, const struct json_node *obj,
		       const char *key, const char *dflt)
{
	const char *v = json_read__str(d, obj, key, dflt);
	struct sbuf *b;

	if (!v || !text__needs_escape(v, strlen(v)))
		return v;
	if (t->n >= TEXT_POOL_MAX)
		return "(not shown: control characters)";
	b = &t->s[t->n++];
	sbuf__init(b);
	text__escape(b, v, strlen(v));
	sbuf__putc(b, '\0');
	return b->oom ? "(not shown: control characters)" : b->buf;
}

static void text_pool__free(struct text_pool *t)
{
	for (int i = 0; i < t->n; i++)
		sbuf__free(&t->s[i]);
	t->n = 0;
}

/* side: "server" or "client", whose chain position counts in (JSON before sides: server). */
static void print_findings(FILE *out, struct text_pool *tp, const struct json_doc *d,
			   const struct json_node *h, int position, const char *side,
			   const char *indent)
{
	const struct json_node *f = json_read__first(d, json_read__get(d, h, "findings"));

	for (; f; f = json_read__next(d, f)) {
		const char *pos = str(tp, d, f, "position", NULL);
		const char *detail = str(tp, d, f, "detail", "");
		const char *msg = str(tp, d, f, "message", detail);

		if (position >= 0 ? !pos || atoi(pos) != position : pos != NULL)
			continue;
		if (position >= 0 && strcmp(str(tp, d, f, "side", "server"), side))
			continue;
		fprintf(out, "%s! %s %s: %s\n", indent, str(tp, d, f, "severity", "?"),
			str(tp, d, f, "check", "?"), msg);
	}
}

/* The server's chain, or (client) the client's; a client that sent none is not mentioned. */
static void print_chain(FILE *out, struct text_pool *tp, const struct json_doc *d,
			const struct json_node *h, bool client)
{
	const struct json_node *certs =
		json_read__get(d, h, client ? "client_certificates" : "certificates");
	const char *total =
		str(tp, d, h, client ? "client_certificates_total" : "certificates_total", NULL);
	const char *version = str(tp, d, h, "version", NULL);
	const char *resumption = str(tp, d, h, "resumption", NULL);
	const char *side = client ? "client" : "server";
	int n = 0;

	for (const struct json_node *c = json_read__first(d, certs); c; c = json_read__next(d, c))
		n++;
	if (!n && client)
		return;
	if (!n) {
		fprintf(out, "|- chain: none %s%s%s\n", resumption ? "sent (resumed by " : "seen",
			resumption ? resumption : "",
			resumption ? ")" :
			version && !strcmp(version, "TLS1.3") ? " (TLS 1.3 encrypts it)" : "");
		return;
	}
	fprintf(out, "|- %s: %d certificate%s%s%s\n", client ? "client chain" : "chain", n,
		n == 1 ? "" : "s", total ? " stored of " : "", total ? total : "");
	for (const struct json_node *c = json_read__first(d, certs); c; c = json_read__next(d, c)) {
		int pos = atoi(str(tp, d, c, "position", "0"));
		const struct json_node *ss = json_read__get(d, c, "self_signed");
		const char *role = pos == 0 ? "leaf" :
				   ss && ss->type == JSON_BOOL && ss->b ? "root" : "intermediate";
		const struct json_node *parsed = json_read__get(d, c, "parsed");
		const char *curve = str(tp, d, c, "curve", NULL);

		fprintf(out, "|   #%d (%s) %s\n", pos + 1, role,
			str(tp, d, c, "subject", "?"));
		if (parsed && parsed->type == JSON_BOOL && !parsed->b) {
			fprintf(out, "|      not parsed: %s\n", str(tp, d, c, "error", "?"));
			print_findings(out, tp, d, h, pos, side, "|      ");
			continue;
		}
		fprintf(out, "|      issuer     %s\n", str(tp, d, c, "issuer", "?"));
		fprintf(out, "|      signature  %s (%s)\n",
			str(tp, d, c, "signature_algorithm", "?"),
			str(tp, d, c, "signature_oid", "?"));
		fprintf(out, "|      key        %s %s bits%s%s\n",
			str(tp, d, c, "key_type", "?"),
			str(tp, d, c, "key_bits", "?"), curve ? " " : "",
			curve ? curve : "");
		fprintf(out, "|      validity   %s .. %s\n",
			str(tp, d, c, "not_before", "?"),
			str(tp, d, c, "not_after", "?"));
		fprintf(out, "|      sha256     %s\n", str(tp, d, c, "sha256", "?"));
		print_findings(out, tp, d, h, pos, side, "|      ");
	}
}

/* Where a resumed session's chain came from, and what a CertificateRequest asked for. */
static void print_session(FILE *out, struct text_pool *tp, const struct json_doc *d,
			  const struct json_node *h)
{
	const struct json_node *from = json_read__get(d, h, "chain_from");
	const struct json_node *cr = json_read__get(d, h, "certificate_request");
	const char *resumption = str(tp, d, h, "resumption", NULL);

	if (resumption && from && from->type == JSON_OBJ)
		fprintf(out, "|- resumed (%s): chain of the full handshake at %s, leaf sha256 %s\n",
			resumption, str(tp, d, from, "ts", "?"),
			str(tp, d, from, "leaf_sha256", "not seen"));
	else if (resumption)
		fprintf(out, "|- resumed (%s): the full handshake was not seen\n", resumption);
	if (!cr || cr->type != JSON_OBJ)
		return;
	fprintf(out, "|- certificate requested from the client, CAs:");
	for (const struct json_node *c = json_read__first(d, json_read__get(d, cr,
				"certificate_authorities")); c; c = json_read__next(d, c))
		fprintf(out, " [%s]", c->type == JSON_STR ? json_read__text(d, c) : "unreadable");
	fprintf(out, " (%s in all)\n", str(tp, d, cr, "certificate_authorities_total", "?"));
}

/* "|- client process curl pid 4242 uid 0 /usr/bin/curl unit backup.service" (user/host/). */
static void print_process(FILE *out, struct text_pool *tp, const struct json_doc *d,
			  const struct json_node *p)
{
	const struct json_node *c;
	const char *unit, *pod;

	if (!p || p->type != JSON_OBJ)
		return;
	fprintf(out, "|- %s process %s pid %s uid %s %s", str(tp, d, p, "side", "?"),
		str(tp, d, p, "comm", "?"), str(tp, d, p, "pid", "?"),
		str(tp, d, p, "uid", "?"), str(tp, d, p, "exe", "?"));
	c = json_read__get(d, p, "container");
	unit = str(tp, d, p, "unit", NULL);
	pod = str(tp, d, p, "pod_uid", NULL);
	if (c && c->type == JSON_OBJ)
		fprintf(out, " %s container %s", str(tp, d, c, "runtime", "?"),
			str(tp, d, c, "id", "?"));
	else if (unit)
		fprintf(out, " unit %s", unit);
	if (pod)
		fprintf(out, " pod %s", pod);
	fputc('\n', out);
}

/* client_verdict / server_verdict: what a TLS library on the monitoring host decided. */
static void print_lib_verdicts(FILE *out, struct text_pool *tp, const struct json_doc *d,
			       const struct json_node *h)
{
	static const char *const keys[] = { "client_verdict", "server_verdict" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct json_node *v = json_read__get(d, h, keys[i]);
		const char *depth;

		if (!v || v->type != JSON_OBJ)
			continue;
		depth = str(tp, d, v, "depth", NULL);
		fprintf(out, "|- %s's library: %s %s %s (%s, %s)%s%s, verify mode %s, %s pid %s\n",
			i ? "server" : "client", str(tp, d, v, "library", "?"),
			str(tp, d, v, "result", "?"), str(tp, d, v, "reason", "?"),
			str(tp, d, v, "code_name", "?"), str(tp, d, v, "code", "?"),
			depth ? " at depth " : "", depth ? depth : "",
			str(tp, d, v, "verify_mode", "unknown"), str(tp, d, v, "comm", "?"),
			str(tp, d, v, "pid", "?"));
	}
}

static void print_tree(FILE *out, struct text_pool *tp, const struct json_doc *d,
		       const struct json_node *h)
{
	const struct json_node *alert = json_read__get(d, h, "alert");
	const struct json_node *findings = json_read__get(d, h, "findings");
	const char *sni = str(tp, d, h, "sni", NULL), *ts = str(tp, d, h, "ts", NULL);
	long long t0 = rfc3339_us(ts), dur = atoll(str(tp, d, h, "duration_us", "0"));
	bool loose = false;

	fprintf(out, "handshake %s -> %s%s%s\n", str(tp, d, h, "client", "?"),
		str(tp, d, h, "server", "?"), sni ? "  sni=" : "", sni ? sni : "");
	fprintf(out, "|- started %s, decided after %lld.%03lld ms\n", ts ? ts : "?", dur / 1000,
		dur % 1000);
	print_process(out, tp, d, json_read__get(d, h, "process"));
	print_process(out, tp, d, json_read__get(d, h, "peer_process"));
	fprintf(out, "|- %s %s (client offered %s)\n",
		str(tp, d, h, "version", "no ServerHello"),
		str(tp, d, h, "cipher", ""),
		str(tp, d, h, "client_version", "no ClientHello"));
	fprintf(out, "|- messages\n");
	for (const struct json_node *e = json_read__first(d, json_read__get(d, h, "events")); e;
	     e = json_read__next(d, e)) {
		long long t = rfc3339_us(str(tp, d, e, "ts", NULL));
		long long rel = t >= 0 && t0 >= 0 ? t - t0 : 0;

		fprintf(out, "|   frame %-6s %s%lld.%03lld ms  %-6s %s\n",
			str(tp, d, e, "frame", "?"), rel < 0 ? "-" : "+", llabs(rel) / 1000,
			llabs(rel) % 1000, str(tp, d, e, "from", "?"),
			str(tp, d, e, "what", "?"));
	}
	print_chain(out, tp, d, h, false);
	print_session(out, tp, d, h);
	print_chain(out, tp, d, h, true);
	for (const struct json_node *f = json_read__first(d, findings); f;
	     f = json_read__next(d, f))
		if (!str(tp, d, f, "position", NULL))
			loose = true;
	if (loose) {
		fprintf(out, "|- findings\n");
		print_findings(out, tp, d, h, -1, "server", "|   ");
	}
	print_lib_verdicts(out, tp, d, h);
	fprintf(out, "`- outcome: %s", str(tp, d, h, "outcome", "?"));
	if (alert && alert->type == JSON_OBJ) {
		const char *code = str(tp, d, alert, "code", NULL);

		fprintf(out, " (%s %s %s%s%s%s)", str(tp, d, alert, "sender", "?"),
			str(tp, d, alert, "level", "encrypted"),
			str(tp, d, alert, "description", "alert"), code ? "(" : "",
			code ? code : "", code ? ")" : "");
	}
	fprintf(out, "\n   %s\n\n", str(tp, d, h, "explain", ""));
}

/* Flagged (findings), or a failure: what `tlsmon dump` keeps. */
static bool wanted(const struct json_doc *d, const struct json_node *h)
{
	const char *o = json_read__str(d, h, "outcome", "");

	return json_read__first(d, json_read__get(d, h, "findings")) || !strcmp(o, "alert") ||
	       !strcmp(o, "aborted") || !strcmp(o, "reset");
}

int cmd__explain_json(FILE *out, const char *line, size_t len, bool all)
{
	/* A handshake line nests 3 deep and has some hundreds of nodes. */
	struct json_doc d = { .max_depth = JSON_READ_MAX_DEPTH, .max_nodes = JSON_READ_MAX_NODES };
	const struct json_node *root;
	int rc = 0;

	if (json_read__parse(&d, line, len))
		return -EINVAL;
	root = json_read__root(&d);
	if (root->type != JSON_OBJ || !json_read__get(&d, root, "outcome"))
		rc = -EINVAL;
	else if (all || wanted(&d, root)) {
		struct text_pool t = { .n = 0 };

		print_tree(out, &t, &d, root);
		text_pool__free(&t);
	} else
		rc = 1;
	json_read__free(&d);
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
