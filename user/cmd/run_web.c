// SPDX-License-Identifier: GPL-2.0
/* What `tlsmon run` serves over HTTP (/metrics, /endpoints) and how it is protected
 * (--web-config: TLS and basic authentication). */
#include "cmd/run_daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/not_local.h"
#include "cmd/run_workers.h"
#include "daemon/http.h"
#include "daemon/proc_self.h"
#include "daemon/web_config.h"
#include "host/attrib.h"
#include "host/owner_bpf.h"
#include "host/tlslib_hooks.h"
#include "host/tlslib_join.h"
#include "out/endpoints_out.h"
#include "out/log_sink.h"
#include "out/metrics.h"
#include "out/metrics_host.h"
#include "out/metrics_tlslib.h"
#include "out/store.h"

void run_web__metrics(void *ctx, struct sbuf *out)
{
	struct daemon *d = ctx;
	const struct store_stats *st = store__stats(d->store);
	struct metrics_sources src = {
		.pipeline = d->workers ? run_workers__stats(d->workers) : cmd__pipeline_stats(d->engine),
		.kernel_counters = d->kernel_counters,
		.start_time_s = d->start_time_s,
		.flagged_stored = st->entries,
		.flagged_evicted = st->evicted,
		.flagged_not_local_stored = st->not_local_entries,
		.flagged_not_local_refused = st->not_local_refused,
		.not_local = d->not_local ? not_local__stats(d->not_local) : NULL,
		.kernel_hint_repaired = d->hint_repaired,
	};
	struct live_bpf_hook hooks[2 * LIVE_BPF_MAX_IFACES];
	uint64_t log_errors[LOG_ERR__COUNT];

	if (d->log) {
		for (int r = 0; r < LOG_ERR__COUNT; r++)
			log_errors[r] = log_sink__errors_by(d->log, (enum log_error_reason)r);
		src.log_errors = log_errors;
	}
	live_bpf__read_counters(d->lb, d->kernel_counters);
	metrics__render(d->metrics, &src, out);
	metrics__render_interfaces(hooks, live_bpf__hooks(d->lb, hooks, 2 * LIVE_BPF_MAX_IFACES),
				   out);
	proc_self__render(out);
	if (d->attrib)
		metrics_host__render(out, attrib__stats(d->attrib), attrib__owner_stats(d->attrib),
				     attrib__proc_stats(d->attrib), owner_bpf__dropped(d->owners));
	endpoints_out__metrics(out, d->endpoints);
	if (d->tlslib)
		metrics_tlslib__render(out, tlslib_hooks__stats(d->tlslib),
				       tlslib_join__stats(d->tlslib_join));
}

void run_web__endpoints(void *ctx, struct sbuf *out)
{
	struct daemon *d = ctx;

	endpoints_out__json(out, d->endpoints);
}

static void say_started(const struct web_config *wc)
{
	if (wc->tls)
		fprintf(stderr, "tlsmon: /metrics over TLS (%s..%s), client certificates %s\n",
			web_config__version_name(wc->min_version),
			web_config__version_name(wc->max_version),
			wc->client_auth == WEB_CLIENT_AUTH_REQUIRE   ? "required" :
			wc->client_auth == WEB_CLIENT_AUTH_IF_GIVEN ? "verified if given" :
								       "not asked for");
	if (wc->n_users)
		fprintf(stderr, "tlsmon: /metrics requires basic authentication (%d user%s)%s\n",
			wc->n_users, wc->n_users == 1 ? "" : "s",
			wc->tls ? "" : "; without tls_server_config the passwords cross "
				       "the network in clear");
}

/* At the start, read before anything is attached and before privileges are dropped: the key
 * file is usually readable by root only. On SIGHUP, read as the user the daemon became: what
 * it cannot read keeps the previous settings, said in one line. */
static int use_config(struct daemon *d, bool reload)
{
	struct web_config *wc;
	char err[PATH_MAX + 256];
	int rc;

	if (!d->o.web_config)
		return 0;
	wc = malloc(sizeof(*wc));
	if (!wc) {
		fprintf(stderr, "tlsmon: %s--web-config: out of memory\n", reload ? "SIGHUP: " : "");
		return -ENOMEM;
	}
	rc = web_config__load(d->o.web_config, wc, err, sizeof(err));
	if (!rc)
		rc = reload ? http__reload_web_config(d->http, wc, err, sizeof(err)) :
			      http__set_web_config(d->http, wc, err, sizeof(err));
	if (rc && reload)
		fprintf(stderr, "tlsmon: SIGHUP: keeping the previous --web-config: %s\n", err);
	else if (rc)
		fprintf(stderr, "tlsmon: --web-config %s\n", err);
	else if (reload)
		fprintf(stderr, "tlsmon: SIGHUP: reloaded --web-config %s: %s, %d basic-auth user%s\n",
			d->o.web_config,
			wc->tls ? "certificate, key and client CA read again" : "plain HTTP",
			wc->n_users, wc->n_users == 1 ? "" : "s");
	else
		say_started(wc);
	explicit_bzero(wc, sizeof(*wc));
	free(wc);
	return rc;
}

int run_web__use_config(struct daemon *d)
{
	return use_config(d, false);
}

void run_web__reload_config(struct daemon *d)
{
	use_config(d, true);
}
