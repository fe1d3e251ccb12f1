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

static void print_findings(FILE *out, const struct json_doc *d, const struct json_node *h,
			   int position, const char *indent)
{
	const struct json_node *f = json_read__first(d, json_read__get(d, h, "findings"));

	for (; f; f = json_read__next(d, f)) {
		const char *pos = json_read__str(d, f, "position", NULL);
		const char *detail = json_read__str(d, f, "detail", "");
		const char *msg = json_read__str(d, f, "message", detail);

		if (position >= 0 ? !pos || atoi(pos) != position : pos != NULL)
			continue;
		fprintf(out, "%s! %s %s: %s\n", indent, json_read__str(d, f, "severity", "?"),
			json_read__str(d, f, "check", "?"), msg);
	}
}

static void print_chain(FILE *out, const struct json_doc *d, const struct json_node *h)
{
	const struct json_node *certs = json_read__get(d, h, "certificates");
	const char *total = json_read__str(d, h, "certificates_total", NULL);
	const char *version = json_read__str(d, h, "version", NULL);
	int n = 0;

	for (const struct json_node *c = json_read__first(d, certs); c; c = json_read__next(d, c))
		n++;
	if (!n) {
		fprintf(out, "|- chain: none seen%s\n",
			version && !strcmp(version, "TLS1.3") ? " (TLS 1.3 encrypts it)" : "");
		return;
	}
	fprintf(out, "|- chain: %d certificate%s%s%s\n", n, n == 1 ? "" : "s",
		total ? " stored of " : "", total ? total : "");
	for (const struct json_node *c = json_read__first(d, certs); c; c = json_read__next(d, c)) {
		int pos = atoi(json_read__str(d, c, "position", "0"));
		const struct json_node *ss = json_read__get(d, c, "self_signed");
		const char *role = pos == 0 ? "leaf" :
				   ss && ss->type == JSON_BOOL && ss->b ? "root" : "intermediate";
		const struct json_node *parsed = json_read__get(d, c, "parsed");
		const char *curve = json_read__str(d, c, "curve", NULL);

		fprintf(out, "|   #%d (%s) %s\n", pos + 1, role,
			json_read__str(d, c, "subject", "?"));
		if (parsed && parsed->type == JSON_BOOL && !parsed->b) {
			fprintf(out, "|      not parsed: %s\n", json_read__str(d, c, "error", "?"));
			print_findings(out, d, h, pos, "|      ");
			continue;
		}
		fprintf(out, "|      issuer     %s\n", json_read__str(d, c, "issuer", "?"));
		fprintf(out, "|      signature  %s (%s)\n",
			json_read__str(d, c, "signature_algorithm", "?"),
			json_read__str(d, c, "signature_oid", "?"));
		fprintf(out, "|      key        %s %s bits%s%s\n",
			json_read__str(d, c, "key_type", "?"),
			json_read__str(d, c, "key_bits", "?"), curve ? " " : "",
			curve ? curve : "");
		fprintf(out, "|      validity   %s .. %s\n",
			json_read__str(d, c, "not_before", "?"),
			json_read__str(d, c, "not_after", "?"));
		fprintf(out, "|      sha256     %s\n", json_read__str(d, c, "sha256", "?"));
		print_findings(out, d, h, pos, "|      ");
	}
}

/* "|- client process curl pid 4242 uid 0 /usr/bin/curl unit backup.service" (user/host/). */
static void print_process(FILE *out, const struct json_doc *d, const struct json_node *p)
{
	const struct json_node *c;
	const char *unit, *pod;

	if (!p || p->type != JSON_OBJ)
		return;
	fprintf(out, "|- %s process %s pid %s uid %s %s", json_read__str(d, p, "side", "?"),
		json_read__str(d, p, "comm", "?"), json_read__str(d, p, "pid", "?"),
		json_read__str(d, p, "uid", "?"), json_read__str(d, p, "exe", "?"));
	c = json_read__get(d, p, "container");
	unit = json_read__str(d, p, "unit", NULL);
	pod = json_read__str(d, p, "pod_uid", NULL);
	if (c && c->type == JSON_OBJ)
		fprintf(out, " %s container %s", json_read__str(d, c, "runtime", "?"),
			json_read__str(d, c, "id", "?"));
	else if (unit)
		fprintf(out, " unit %s", unit);
	if (pod)
		fprintf(out, " pod %s", pod);
	fputc('\n', out);
}

static void print_tree(FILE *out, const struct json_doc *d, const struct json_node *h)
{
	const struct json_node *alert = json_read__get(d, h, "alert");
	const struct json_node *findings = json_read__get(d, h, "findings");
	const char *sni = json_read__str(d, h, "sni", NULL), *ts = json_read__str(d, h, "ts", NULL);
	long long t0 = rfc3339_us(ts), dur = atoll(json_read__str(d, h, "duration_us", "0"));
	bool loose = false;

	fprintf(out, "handshake %s -> %s%s%s\n", json_read__str(d, h, "client", "?"),
		json_read__str(d, h, "server", "?"), sni ? "  sni=" : "", sni ? sni : "");
	fprintf(out, "|- started %s, decided after %lld.%03lld ms\n", ts ? ts : "?", dur / 1000,
		dur % 1000);
	print_process(out, d, json_read__get(d, h, "process"));
	print_process(out, d, json_read__get(d, h, "peer_process"));
	fprintf(out, "|- %s %s (client offered %s)\n",
		json_read__str(d, h, "version", "no ServerHello"),
		json_read__str(d, h, "cipher", ""),
		json_read__str(d, h, "client_version", "no ClientHello"));
	fprintf(out, "|- messages\n");
	for (const struct json_node *e = json_read__first(d, json_read__get(d, h, "events")); e;
	     e = json_read__next(d, e)) {
		long long t = rfc3339_us(json_read__str(d, e, "ts", NULL));
		long long rel = t >= 0 && t0 >= 0 ? t - t0 : 0;

		fprintf(out, "|   frame %-6s %s%lld.%03lld ms  %-6s %s\n",
			json_read__str(d, e, "frame", "?"), rel < 0 ? "-" : "+", llabs(rel) / 1000,
			llabs(rel) % 1000, json_read__str(d, e, "from", "?"),
			json_read__str(d, e, "what", "?"));
	}
	print_chain(out, d, h);
	for (const struct json_node *f = json_read__first(d, findings); f;
	     f = json_read__next(d, f))
		if (!json_read__str(d, f, "position", NULL))
			loose = true;
	if (loose) {
		fprintf(out, "|- findings\n");
		print_findings(out, d, h, -1, "|   ");
	}
	fprintf(out, "`- outcome: %s", json_read__str(d, h, "outcome", "?"));
	if (alert && alert->type == JSON_OBJ) {
		const char *code = json_read__str(d, alert, "code", NULL);

		fprintf(out, " (%s %s %s%s%s%s)", json_read__str(d, alert, "sender", "?"),
			json_read__str(d, alert, "level", "encrypted"),
			json_read__str(d, alert, "description", "alert"), code ? "(" : "",
			code ? code : "", code ? ")" : "");
	}
	fprintf(out, "\n   %s\n\n", json_read__str(d, h, "explain", ""));
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
	else if (all || wanted(&d, root))
		print_tree(out, &d, root);
	else
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
