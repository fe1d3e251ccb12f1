// SPDX-License-Identifier: GPL-2.0
/* SIGHUP in `tlsmon run`: what logrotate and a changed policy file need, without a restart. */
#include "cmd/run_opts.h"

#include <stdio.h>

#include "out/log_sink.h"

static void say_change(void *ctx, const char *key, const char *from, const char *to)
{
	fprintf(ctx, "tlsmon: SIGHUP: policy %s: %s -> %s\n", key, from, to);
}

void run_opts__reload(const struct run_opts *o, struct log_sink *log, struct policy *live,
		      FILE *out)
{
	struct policy *fresh;
	char err[512] = "";
	int rc;

	if (log && !log_sink__is_stdout(log)) {
		rc = log_sink__reopen(log, err, sizeof(err));
		if (rc < 0)
			fprintf(out, "tlsmon: SIGHUP: reopening --log %s; still writing to the old "
				     "file\n", err);
		else
			fprintf(out, "tlsmon: SIGHUP: reopened --log %s%s%s\n", o->log_path,
				rc ? "; " : "", rc ? err : "");
	}
	fresh = policy__new();
	if (!fresh) {
		fprintf(out, "tlsmon: SIGHUP: out of memory; keeping the previous policy\n");
		return;
	}
	if (run_opts__build_policy(o, fresh, err, sizeof(err))) {
		fprintf(out, "tlsmon: SIGHUP: keeping the previous policy: %s\n", err);
	} else {
		rc = policy__diff(live, fresh, say_change, out);
		if (rc == 0)
			fprintf(out, "tlsmon: SIGHUP: policy unchanged\n");
		else if (rc < 0)
			fprintf(out, "tlsmon: SIGHUP: out of memory; keeping the previous policy\n");
		if (rc > 0)
			policy__copy(live, fresh);
	}
	policy__free(fresh);
}
