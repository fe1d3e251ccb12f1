// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the subcommands: policy options and counters printing. */
#include "cmd/cmd.h"

#include <string.h>

#include "verdict/engine.h"

int cmd__apply_policy_arg(struct policy *p, bool is_file, const char *arg)
{
	char err[256] = "";
	char key[128];
	const char *eq;
	size_t n;

	if (is_file) {
		if (policy__load_file(p, arg, err, sizeof(err))) {
			fprintf(stderr, "tlsmon: --policy-file %s: %s\n", arg, err);
			return -1;
		}
		return 0;
	}
	eq = strchr(arg, '=');
	n = eq ? (size_t)(eq - arg) : 0;
	if (!eq || n == 0 || n >= sizeof(key)) {
		fprintf(stderr, "tlsmon: --policy expects KEY=VALUE, got '%s'\n", arg);
		return -1;
	}
	memcpy(key, arg, n);
	key[n] = '\0';
	if (policy__set(p, key, eq + 1, err, sizeof(err))) {
		fprintf(stderr, "tlsmon: --policy %s: %s\n", arg, err);
		return -1;
	}
	return 0;
}

struct pipeline_stats cmd__pipeline_stats(const struct engine *e)
{
	return (struct pipeline_stats){
		.engine = engine__stats(e),
		.flows = engine__flow_stats(e),
		.reasm = engine__reasm_stats(e),
		.tls = engine__tls_stats(e),
		.x509 = engine__x509_stats(e),
	};
}

void cmd__print_engine_stats(FILE *out, const char *label, const struct pipeline_stats *p)
{
	const struct engine_stats *s = p->engine;
	const struct flowtab_stats *f = p->flows;
	const struct reasm_stats *r = p->reasm;
	const struct tls_stats *t = p->tls;
	const struct x509_cache_stats *x = p->x509;

	fprintf(out,
		"%s: frames=%llu bytes=%llu not_tcp=%llu fragments=%llu decode_errors=%llu "
		"truncated=%llu\n"
		"  flows: created=%llu evicted=%llu expired=%llu non_tls=%llu\n"
		"  reassembly: segments=%llu out_of_order=%llu retransmitted=%llu overlaps=%llu "
		"gaps=%llu gap_bytes=%llu refused_bytes=%llu\n"
		"  tls: records=%llu handshake_msgs=%llu sslv2_hellos=%llu malformed=%llu "
		"oversized=%llu resyncs=%llu msg_parse_errors=%llu\n"
		"  x509: lookups=%llu hits=%llu parse_failures=%llu\n"
		"  handshakes=%llu\n",
		label, (unsigned long long)s->frames, (unsigned long long)s->bytes,
		(unsigned long long)s->not_tcp, (unsigned long long)s->fragments,
		(unsigned long long)s->decode_errors, (unsigned long long)s->truncated_frames,
		(unsigned long long)f->created, (unsigned long long)f->evicted,
		(unsigned long long)f->expired, (unsigned long long)s->non_tls_flows,
		(unsigned long long)r->segments, (unsigned long long)r->out_of_order,
		(unsigned long long)r->retransmitted, (unsigned long long)r->overlaps,
		(unsigned long long)r->gaps, (unsigned long long)r->gap_bytes,
		(unsigned long long)r->refused_bytes, (unsigned long long)t->records,
		(unsigned long long)t->handshake_msgs, (unsigned long long)t->sslv2_hellos,
		(unsigned long long)t->malformed, (unsigned long long)t->oversized,
		(unsigned long long)t->resyncs, (unsigned long long)s->msg_parse_errors,
		(unsigned long long)x->lookups, (unsigned long long)x->hits,
		(unsigned long long)x->parse_failures, (unsigned long long)s->handshakes);
}
