// SPDX-License-Identifier: GPL-2.0
/* SIGHUP in `tlsmon run`: what logrotate, a changed policy, an updated CA bundle and a rotated
 * /metrics certificate or password need, without a restart. */
#include "cmd/run_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/run_daemon.h"
#include "cmd/run_workers.h"
#include "out/log_sink.h"
#include "verdict/engine.h"
#include "x509/trust.h"

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

/* The CA bundle untrusted_chain verifies against (--trust-store, else the system's), read again:
 * chains are judged against the new one from the next handshake, the verification cache
 * emptied. */
static void reload_trust(struct daemon *d)
{
	const char *path = d->o.trust_store ? d->o.trust_store : X509_TRUST_DEFAULT_STORE;
	char err[512] = "";
	int rc;

	rc = d->workers ? run_workers__reload_trust(d->workers, err, sizeof(err)) :
			  engine__reload_trust(d->engine, err, sizeof(err));
	if (rc)
		fprintf(stderr, "tlsmon: SIGHUP: keeping the previous trust store: %s\n", err);
	else
		fprintf(stderr, "tlsmon: SIGHUP: reloaded the trust store %s\n", path);
}

void run__reload(struct daemon *d)
{
	/* the engines read the policy and the trust store unlocked */
	run_workers__quiesce(d->workers);
	run_opts__reload(&d->o, d->log, d->policy, stderr);
	reload_trust(d);
	run_web__reload_config(d);
}
