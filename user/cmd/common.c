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
			/* err names the file already */
			fprintf(stderr, "tlsmon: --policy-file %s\n", err);
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
		.trust = engine__trust_stats(e),
	};
}

struct stats_row {
	enum pipeline_stats_group group;
	int pos;
	const char *name;
	uint64_t value;
};

void cmd__print_engine_stats(FILE *out, const char *label, const struct pipeline_stats *p)
{
#define STATS_ROW(src, field, metric, type, mlabel, help, group, pos, stat) \
	{ PIPELINE_STATS_##group, pos, stat, p->src->field },
	const struct stats_row rows[] = { PIPELINE_COUNTERS(STATS_ROW) };
#undef STATS_ROW
	static const char *const titles[PIPELINE_STATS__COUNT] = {
		[PIPELINE_STATS_FLOWS] = "flows",
		[PIPELINE_STATS_FRAGS] = "ip_fragments",
		[PIPELINE_STATS_REASM] = "reassembly",
		[PIPELINE_STATS_TLS] = "tls",
		[PIPELINE_STATS_X509] = "x509",
	};
	const size_t n = sizeof(rows) / sizeof(rows[0]);

	/* "LABEL: a=1 b=2", then "  TITLE: c=3 ..." per group, then "  handshakes=N". */
	for (int g = PIPELINE_STATS_FRAMES; g < PIPELINE_STATS__COUNT; g++) {
		const char *sep = " ";

		if (g == PIPELINE_STATS_FRAMES)
			fprintf(out, "%s:", label);
		else if (titles[g])
			fprintf(out, "  %s:", titles[g]);
		else
			sep = "  ";
		/* Rows by position: a handful of rows, printed once per run. */
		for (int pos = 1; pos <= (int)n; pos++) {
			for (size_t i = 0; i < n; i++) {
				if ((int)rows[i].group != g || rows[i].pos != pos)
					continue;
				fprintf(out, "%s%s=%llu", sep, rows[i].name,
					(unsigned long long)rows[i].value);
				sep = " ";
			}
		}
		fputc('\n', out);
	}
}
