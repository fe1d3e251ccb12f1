// SPDX-License-Identifier: GPL-2.0
/* SIGHUP in `tlsmon run`: what logrotate and a changed policy need, without a restart. */
#include "cmd/run_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/log_sink.h"

static void say_change(void *ctx, const char *key, const char *from, const char *to)
{
	fprintf(ctx, "tlsmon: SIGHUP: policy %s: %s -> %s\n", key, from, to);
}

static void reopen_log(const struct run_opts *o, struct log_sink *log, FILE *out)
{
	char err[512] = "";
	int rc;

	if (!log || log_sink__is_stdout(log))
		return;
	rc = log_sink__reopen(log, err, sizeof(err));
	if (rc < 0)
		fprintf(out, "tlsmon: SIGHUP: reopening --log %s; still writing to the old file\n",
			err);
	else
		fprintf(out, "tlsmon: SIGHUP: reopened --log %s%s%s\n", o->log_path, rc ? "; " : "",
			rc ? err : "");
}

void run_opts__reload(struct run_opts *o, struct log_sink *log, struct policy *live, FILE *out)
{
	struct run_opts *fresh = NULL;
	struct policy *p = NULL;
	char err[512] = "";
	int rc;

	reopen_log(o, log, out);
	fresh = o->config_path ? calloc(1, sizeof(*fresh)) : NULL;
	p = policy__new();
	if (!p || (o->config_path && !fresh)) {
		fprintf(out, "tlsmon: SIGHUP: out of memory; keeping the previous policy\n");
		goto cleanup;
	}
	if (fresh && run_opts__reread_config(o, fresh, err, sizeof(err))) {
		fprintf(out, "tlsmon: SIGHUP: keeping the previous policy: %s\n", err);
		goto cleanup;
	}
	if (run_opts__build_policy(fresh ? fresh : o, p, err, sizeof(err))) {
		fprintf(out, "tlsmon: SIGHUP: keeping the previous policy: %s\n", err);
		goto cleanup;
	}
	if (fresh)
		run_opts__config_changes(o, fresh, out);
	rc = policy__diff(live, p, say_change, out);
	if (rc < 0) {
		fprintf(out, "tlsmon: SIGHUP: out of memory; keeping the previous policy\n");
		goto cleanup;
	}
	if (!rc)
		fprintf(out, "tlsmon: SIGHUP: policy unchanged\n");
	policy__copy(live, p);
	/* the next SIGHUP starts from these settings */
	if (fresh)
		run_opts__adopt_policy(o, fresh);
cleanup:
	if (fresh)
		run_opts__free(fresh);
	free(fresh);
	policy__free(p);
}
