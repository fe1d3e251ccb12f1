// SPDX-License-Identifier: GPL-2.0
/* `tlsmon run`: the daemon. Attaches the kernel filter, feeds its frames to the engine, serves
 * /metrics, logs flagged handshakes, and detaches on every exit path. */
#include "cmd/cmd.h"

#include <errno.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <net/if.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/attach_lock.h"
#include "daemon/ctl.h"
#include "daemon/http.h"
#include "capture/linkwatch.h"
#include "capture/live_bpf.h"
#include "cmd/not_local.h"
#include "cmd/run_daemon.h"
#include "cmd/run_dirs.h"
#include "cmd/run_ifaces.h"
#include "cmd/run_opts.h"
#include "cmd/run_workers.h"
#include "out/log_sink.h"
#include "out/metrics.h"
#include "daemon/privs.h"
#include "host/attrib.h"
#include "host/owner_bpf.h"
#include "host/tlslib_hooks.h"
#include "host/tlslib_join.h"
#include "verdict/engine.h"
#include "out/report.h"
#include "out/store.h"
#include "util/parse.h"


static void on_frame(void *ctx, const struct frame *f)
{
	struct daemon *d = ctx;

	if (not_local__drop_frame(d->not_local, f))
		return;
	if (d->workers)
		run_workers__feed(d->workers, f);
	else
		engine__feed(d->engine, f);
}

static void on_owner(void *ctx, const struct tlsmon_owner_event *ev)
{
	struct daemon *d = ctx;

	attrib__on_owner(d->attrib, ev, run__now_ms(CLOCK_MONOTONIC) * 1000000ull);
}

static void on_forget_names(void *ctx, uint32_t pid)
{
	struct daemon *d = ctx;

	if (d->owners) /* NULL at shutdown: the programs are closed */
		owner_bpf__forget_names(d->owners, pid);
}

static void on_facts(void *ctx, struct handshake *hs)
{
	struct daemon *d = ctx;

	if (!d->attrib)
		return;
	/* The records written before the frame that decided it: a connection's owner record is
	 * in its ring buffer before any frame that could decide its handshake is captured, but
	 * may have come after this loop turn drained it. At shutdown the programs are already
	 * closed (NULL) while the engine finishes its flows. */
	if (d->owners)
		owner_bpf__consume(d->owners);
	attrib__handshake(d->attrib, hs);
}

static void on_flow_done(void *ctx, const struct tlsmon_flow_key *key)
{
	struct daemon *d = ctx;

	if (!d->lb)
		return; /* shutting down: the programs are already detached */
	/* -ENOENT is normal: the kernel may have evicted or closed the flow already. */
	live_bpf__mark_done(d->lb, key);
}

static void on_verdict(void *ctx, const struct tlslib_event *e)
{
	struct daemon *d = ctx;

	if (d->o.verbose)
		fprintf(stderr, "tlsmon: TLS-library verdict: pid %u code %d depth %d mode %d, port %u -> %u\n",
			e->pid, e->code, e->depth, e->verify_mode, e->sport, e->dport);
	tlslib_join__add(d->tlslib_join, e);
}

static void on_handshake(void *ctx, struct handshake *decided, const struct tlsmon_flow_key *key,
			 const struct engine_frames *frames)
{
	struct daemon *d = ctx;
	struct hs_scratch *own = &d->scratch[run_workers__self()];
	bool entered = run_workers__enter(d->workers), log_it;
	struct store_entry *entry;
	const struct handshake *hs;
	const char *line = NULL;
	size_t line_len = 0;
	int rc;

	/* The send that decided hs was traced before its frame reached the hooks: its verdict is
	 * in the ring buffer now, even when this batch of frames began before it was. */
	if (d->tlslib)
		tlslib_hooks__consume(d->tlslib);
	/* marked first: a library verdict's join copies it with the mark */
	not_local__judge(d->not_local, decided);
	hs = tlslib_join__judge(d->tlslib_join, d->policy, decided);
	/* A marked one stays out of the handshake metrics and the endpoint tables: a spoofed flood
	 * must not push real endpoints out (tlsmon_not_local_handshakes_total counts it). */
	if (!hs->not_local) {
		metrics__on_handshake(d->metrics, hs);
		endpoints__add(d->endpoints, hs);
	}
	/* The engine's own handshake is this worker's alone: its JSON line and flagged entry are
	 * built without the lock, on every worker at once (with 2 workers that work, a quarter of
	 * the CPU, had made the other wait). The join's copy is shared: built under the lock. */
	if (hs == decided) {
		run_workers__leave(d->workers, entered);
		entered = false;
	}
	entry = store__entry(own->store, hs, frames, &rc);
	log_it = d->log && (d->o.log_all || hs__flagged(hs));
	if (log_it && entry) {
		line = store_entry__json(entry, &line_len);
	} else if (log_it) {
		sbuf__reset(&own->line);
		report__json(&own->line, hs);
		line = own->line.buf;
		line_len = own->line.len;
	}
	if (hs == decided)
		entered = run_workers__enter(d->workers);
	if (line) /* written at the end of the loop's turn, or of the worker's batch (batch_end());
		   * a failure is said once and counted */
		log_sink__append_line(d->log, line, line_len);
	/* Refusals (an entry over --keep-bytes) are counted by the store. Taken after the line
	 * is written: the entry holds it. */
	store__take(d->store, entry, rc);
	run_workers__leave(d->workers, entered);
}

/* A worker's batch is done: it may end after the loop's turn has flushed and gone back to a
 * long poll, so its lines are written now, together; and the flagged entries it made that were
 * evicted since are freed before it sleeps, on its own thread (store_writer__collect()). */
static void batch_end(void *ctx)
{
	struct daemon *d = ctx;

	if (d->log)
		log_sink__flush(d->log);
	store_writer__collect(d->scratch[run_workers__self()].store);
}

/* TLS-library verdicts (issue 15): optional, and never a reason not to start. */
static void tlslib_start(struct daemon *d)
{
	const struct tlslib_stats *st;
	char err[256] = "";

	if (d->o.no_uprobes)
		return;
	d->tlslib_join = tlslib_join__new();
	if (d->tlslib_join)
		d->tlslib = tlslib_hooks__open(on_verdict, d, err, sizeof(err));
	if (!d->tlslib) {
		fprintf(stderr, "tlsmon: TLS-library verdicts off: %s\n",
			d->tlslib_join ? err : "out of memory");
		tlslib_join__free(d->tlslib_join);
		d->tlslib_join = NULL;
		return;
	}
	tlslib_hooks__scan(d->tlslib);
	st = tlslib_hooks__stats(d->tlslib);
	fprintf(stderr, "tlsmon: TLS-library verdicts from %llu library file(s) (%llu found through "
			"running processes: containers' copies)\n",
		(unsigned long long)st->libs_attached, (unsigned long long)st->libs_from_processes);
}

/* Each interface's attach lock first: without CAP_SYS_ADMIN, live_bpf__attach() cannot tell
 * another tlsmon's programs from anyone else's (their names need a descriptor). */
static int attach_all(struct daemon *d, char *err, size_t err_size)
{
	int rc, fd, ifindex;

	for (int i = 0; i < d->o.n_ifaces; i++) {
		ifindex = (int)if_nametoindex(d->o.ifaces[i]);
		if (!ifindex) {
			fprintf(stderr, "tlsmon: no such interface: %s\n", d->o.ifaces[i]);
			return -ENODEV;
		}
		for (int j = 0; j < i && ifindex; j++)
			if ((int)if_nametoindex(d->o.ifaces[j]) == ifindex)
				ifindex = 0; /* listed twice: live_bpf__attach() says so */
		fd = ifindex ? attach_lock__take(ifindex, d->o.ifaces[i], err, err_size) : -1;
		if (fd < 0 && ifindex) {
			fprintf(stderr, "tlsmon: %s\n", err);
			return fd;
		}
		if (fd >= 0) {
			d->lock_fd[d->n_locks++] = fd;
			if (attach_lock__unnamed_note(ifindex, d->o.ifaces[i], err, err_size))
				fprintf(stderr, "tlsmon: %s\n", err);
		}
		rc = live_bpf__attach(d->lb, d->o.ifaces[i], d->ingress[i], err, err_size);
		if (rc) {
			fprintf(stderr, "tlsmon: %s\n", err);
			return rc;
		}
		fprintf(stderr, "tlsmon: watching %s (ingress %s, egress tc)\n", d->o.ifaces[i],
			live_bpf__ingress_name(live_bpf__ingress_of(d->lb, d->o.ifaces[i])));
	}
	return 0;
}

/* A missing control socket only turns dumps off: monitoring goes on. That is so for the default
 * path when another tlsmon serves it, or when this user may not create it (a non-root start
 * outside systemd: /run is root's); an explicit --socket that fails is an error. */
static int ctl_start(struct daemon *d)
{
	struct ctl_opts co = { .path = d->socket_path, .group = d->o.socket_group,
			       .store = d->store, .endpoints = d->endpoints };
	bool dflt = !d->o.socket_path;
	int rc;

	if (dflt)
		run_opts__default_socket(d->socket_path, sizeof(d->socket_path));
	else
		snprintf(d->socket_path, sizeof(d->socket_path), "%s", d->o.socket_path);
	if (d->o.user) {
		struct passwd *pw = getpwnam(d->o.user);

		co.owner = pw ? pw->pw_uid : 0;
	}
	if (dflt && !geteuid() && !getenv("RUNTIME_DIRECTORY"))
		run__reclaim_runtime_dir();
	d->ctl = ctl__listen(&co, &rc);
	if (d->ctl) {
		fprintf(stderr, "tlsmon: control socket %s\n", d->socket_path);
	} else if (dflt && rc == -EADDRINUSE) {
		fprintf(stderr, "tlsmon: control socket %s is served by another tlsmon: dumps are "
				"off for this one (give it --socket PATH)\n", d->socket_path);
	} else if (dflt && (rc == -EACCES || rc == -EPERM || rc == -EROFS)) {
		fprintf(stderr, "tlsmon: control socket %s: %s (uid %u): dumps are off (give "
				"--socket PATH, or run under systemd with RuntimeDirectory=tlsmon)\n",
			d->socket_path, strerror(-rc), (unsigned)geteuid());
	} else {
		fprintf(stderr, "tlsmon: control socket %s: %s\n", d->socket_path,
			rc == -EADDRINUSE ? "another tlsmon is serving it" : strerror(-rc));
		return rc;
	}
	return 0;
}

/* Process attribution is worth having, never worth failing a start for: whatever keeps its
 * programs out (an old kernel, no BTF, missing CAP_PERFMON) is said in one line. */
static void start_attribution(struct daemon *d)
{
	struct owner_bpf_opts oo = {
		.ports = d->o.ports,
		.nports = d->o.n_ports,
		.verbose = d->o.verbose,
		.on_owner = on_owner,
		.ctx = d,
	};
	char err[256] = "";

	if (d->o.no_process)
		return;
	if (!proc_names__host_pids())
		fprintf(stderr, "tlsmon: /proc shows another pid namespace than the kernel's: "
				"process names come from the socket hooks alone\n");
	d->attrib = attrib__new(proc_names__host_pids() ? "/proc" : NULL, ATTRIB_DEFAULT_OWNERS,
				ATTRIB_DEFAULT_PROCS);
	if (d->attrib)
		d->owners = owner_bpf__open(&oo, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "out of memory");
	if (d->owners) {
		attrib__set_forget(d->attrib, on_forget_names, d);
		fprintf(stderr, "tlsmon: process attribution on (%s hooks at TCP connect and "
				"accept, or a socket's first send)\n", owner_bpf__hooks(d->owners));
		return;
	}
	fprintf(stderr, "tlsmon: process attribution off: %s\n", err);
	attrib__free(d->attrib);
	d->attrib = NULL;
}

/* The ring buffers' epoll descriptors (frames, socket owners, library verdicts) nested in
 * one, which poll() then looks at alone: each descriptor costs every turn of the loop an epoll
 * poll with its wait-queue entry, and two more were about 0.3 us of the daemon's time per
 * handshake at 2,000 a second (perf, `bench/attribution.sh`, none against both). The nested
 * epoll is ready when one of its rings woke, as each was; their records are drained every
 * turn whichever woke. On failure each is polled alone, as before. */
static void rings_open(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fds[3], n = 0;

	if (!d->owners && !d->tlslib)
		return;
	fds[n++] = live_bpf__fd(d->lb);
	if (d->owners)
		fds[n++] = owner_bpf__fd(d->owners);
	if (d->tlslib)
		fds[n++] = tlslib_hooks__fd(d->tlslib);
	d->rings_fd = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < n && d->rings_fd >= 0; i++) {
		if (epoll_ctl(d->rings_fd, EPOLL_CTL_ADD, fds[i], &ev)) {
			close(d->rings_fd);
			d->rings_fd = -1;
		}
	}
}

/* Each interface's ingress, once; returns the programs to load for it. */
static unsigned plan_ingress(struct daemon *d)
{
	for (int i = 0; i < d->o.n_ifaces; i++) /* at most LIVE_BPF_MAX_IFACES (run_opts.h) */
		d->ingress[i] = live_bpf__plan_ingress(d->o.ifaces[i], d->o.ingress);
	return live_bpf__hooks_needed(d->ingress, d->o.n_ifaces);
}

/* One scratch per worker (struct hs_scratch); false when out of memory. */
static bool scratch_new(struct daemon *d, uint32_t n)
{
	d->scratch = calloc(n, sizeof(*d->scratch));
	if (!d->scratch)
		return false;
	d->n_scratch = n;
	for (uint32_t i = 0; i < n; i++) {
		sbuf__init(&d->scratch[i].line);
		if (!(d->scratch[i].store = store_writer__new()))
			return false;
	}
	return true;
}

static int daemon_start(struct daemon *d, const struct policy *policy)
{
	struct live_bpf_opts lo = {
		.ports = d->o.ports,
		.nports = d->o.n_ports,
		.max_flows = d->o.max_flows,
		.budget = d->o.budget,
		.snaplen = d->o.snaplen,
		.ringbuf_bytes = (uint32_t)d->o.ring_bytes,
		.verbose = d->o.verbose,
		.hooks = plan_ingress(d),
		.on_frame = on_frame,
		.ctx = d,
	};
	struct engine_opts eo = {
		.max_flows = d->o.max_flows,
		.policy = policy,
		.on_handshake = on_handshake,
		.on_flow_done = on_flow_done,
		.on_facts = on_facts,
		.retain_bytes = 256 * 1024,
		.trust_store = d->o.trust_store,
		/* A flood of handshakes that never finish must not retain more than this. */
		.retain_total_bytes = d->o.retain_bytes ? d->o.retain_bytes : RUN_DEFAULT_RETAIN_BYTES,
		/* the last full chain per server endpoint: as many as the endpoint table holds */
		.resume_memo_entries = d->o.max_endpoints,
		.max_reasm_bytes = d->o.reasm_bytes,
		.ctx = d,
	};
	struct store_opts so = { .max_entries = d->o.keep_flagged, .max_bytes = d->o.keep_bytes };
	char err[256] = "", note[1024];
	int rc;

	d->metrics = metrics__new();
	d->engine = run_opts__workers(&d->o) > 1 ? NULL : engine__new(&eo);
	if (run_opts__workers(&d->o) > 1 &&
	    !(d->workers = run_workers__new(&eo, run_opts__workers(&d->o), err, sizeof(err)))) {
		fprintf(stderr, "tlsmon: --workers: %s\n", err);
		return -ENOMEM;
	}
	run_workers__on_batch_end(d->workers, batch_end);
	d->store = store__new(&so);
	d->endpoints = endpoints__new(d->o.max_endpoints ? d->o.max_endpoints : EP_DEFAULT_MAX);
	if (!scratch_new(d, run_opts__workers(&d->o)) || !d->metrics || !(d->engine || d->workers) ||
	    !d->store || !d->endpoints) {
		fprintf(stderr, "tlsmon: out of memory\n");
		return -ENOMEM;
	}
	d->not_local = not_local__new(d->o.not_local, true, d->o.local_nets, d->o.n_local_nets,
				      err, sizeof(err));
	if (!d->not_local) {
		fprintf(stderr, "tlsmon: --not-local: %s\n", err);
		return -EINVAL;
	}
	/* Now, before privileges are dropped: the store may be readable by root alone. */
	if (d->workers ? run_workers__load_trust(d->workers, err, sizeof(err)) :
			 engine__load_trust(d->engine, err, sizeof(err))) {
		if (d->o.trust_store) {
			fprintf(stderr, "tlsmon: --trust-store %s\n", err);
			return -EINVAL;
		}
		fprintf(stderr, "tlsmon: trust store %s; untrusted_chain is not judged\n", err);
	}
	if (d->o.log_path) {
		/* Owned by the user the daemon becomes: it creates the file again after a rotation. */
		struct log_sink_opts lso = { .path = d->o.log_path, .mode = d->o.log_mode };

		run_opts__log_owner(&d->o, &lso.uid, &lso.gid);
		d->log = log_sink__open(&lso, &rc, err, sizeof(err));
		if (!d->log) {
			fprintf(stderr, "tlsmon: --log %s\n", err);
			return rc;
		}
		if (rc > 0)
			fprintf(stderr, "tlsmon: --log %s; writing to it all the same\n", err);
	}
	/* Bound now, so a bad or busy address fails before anything is attached; listening only
	 * once attached, so whoever waits for /metrics to answer knows traffic is being seen. */
	d->http = http__bind(d->o.metrics_addr, run_web__metrics, d, &rc);
	if (!d->http) {
		fprintf(stderr, "tlsmon: --metrics-addr %s: %s\n", d->o.metrics_addr,
			rc == -EINVAL ? "expected HOST:PORT" : strerror(-rc));
		return rc;
	}
	http__set_endpoints(d->http, run_web__endpoints, d);
	rc = run_web__use_config(d);
	if (rc)
		return rc;
	d->lb = live_bpf__open(&lo, err, sizeof(err));
	if (!d->lb) {
		fprintf(stderr, "tlsmon: %s\n", err);
		return -1;
	}
	rc = attach_all(d, err, sizeof(err));
	if (rc)
		return rc;
	start_attribution(d);
	tlslib_start(d);
	rings_open(d);
	rc = http__start(d->http);
	if (rc) {
		fprintf(stderr, "tlsmon: --metrics-addr %s: %s\n", d->o.metrics_addr, strerror(-rc));
		return rc;
	}
	fprintf(stderr, "tlsmon: metrics on %s://%s/metrics\n", http__is_tls(d->http) ? "https" : "http",
		d->o.metrics_addr);
	d->links = linkwatch__open(d->o.ifaces, d->o.n_ifaces, &rc);
	if (!d->links)
		fprintf(stderr, "tlsmon: interface changes will not be logged: %s\n", strerror(-rc));
	rc = ctl_start(d);
	if (rc)
		return rc;
	run__make_dump_dir(&d->o);
	/* Attached and bound: from here on only bpf(2) on our own maps is needed. */
	rc = privs__drop(d->o.user, note, sizeof(note), err, sizeof(err));
	if (rc) {
		fprintf(stderr, "tlsmon: %s\n", err);
		return rc;
	}
	if (note[0])
		fprintf(stderr, "tlsmon: %s\n", note);
#ifdef __GLIBC__
	/* Loading the BPF objects parsed the kernel's BTF once per object and grew verifier logs:
	 * ~12 MB freed by now, but glibc keeps freed heap below later allocations in RSS. */
	malloc_trim(0);
#endif
	rc = d->workers ? run_workers__start(d->workers, err, sizeof(err)) : 0;
	if (rc) {
		fprintf(stderr, "tlsmon: --workers: %s\n", err);
		return rc;
	}
	/* CAP_BPF alone, but still uid 0: root's files stay writable to it */
	if (!geteuid())
		fprintf(stderr, "tlsmon: running on as uid 0 with CAP_BPF alone; --user USER gives "
				"up root as well\n");
	return 0;
}

static void daemon_stop(struct daemon *d)
{
	run_workers__drain(d->workers); /* their on_flow_done() uses d->lb */
	/* Detach first: nothing may stay on the interfaces whatever else fails. */
	if (d->rings_fd >= 0)
		close(d->rings_fd);
	d->rings_fd = -1;
	live_bpf__close(d->lb);
	d->lb = NULL;
	owner_bpf__close(d->owners);
	d->owners = NULL;
	tlslib_hooks__close(d->tlslib);
	d->tlslib = NULL;
	/* Only now may another tlsmon attach. */
	for (int i = 0; i < d->n_locks; i++)
		close(d->lock_fd[i]);
	d->n_locks = 0;
	http__close(d->http);
	ctl__close(d->ctl);
	linkwatch__close(d->links);
	if (d->engine) {
		engine__finish(d->engine);
		engine__free(d->engine);
	}
	run_workers__free(d->workers); /* each engine finishes first, on its thread */
	attrib__free(d->attrib);
	d->attrib = NULL;
	metrics__free(d->metrics);
	store__free(d->store);
	endpoints__free(d->endpoints);
	not_local__free(d->not_local); /* after engine__finish(): its handshakes were judged */
	tlslib_join__free(d->tlslib_join);
	log_sink__close(d->log);
	for (uint32_t i = 0; i < d->n_scratch; i++) {
		store_writer__free(d->scratch[i].store);
		sbuf__free(&d->scratch[i].line);
	}
	free(d->scratch);
	d->scratch = NULL;
	d->n_scratch = 0;
}

/* SIGUSR1: the daemon writes a dump of everything it holds into --dump-dir itself. */
static void dump_on_signal(struct daemon *d)
{
	const char *dir = d->o.dump_dir ? d->o.dump_dir : RUN_DEFAULT_DUMP_DIR;
	char pcap_path[PATH_MAX], json_path[PATH_MAX];
	struct store_dump_info info;
	int rc;

	/* removed since the start: made again, private, as the user the daemon is now */
	if (mkdir(dir, 0700) && errno != EEXIST)
		fprintf(stderr, "tlsmon: SIGUSR1: mkdir %s: %s\n", dir, strerror(errno));
	rc = store__dump_to_dir(d->store, dir, PCAP_FMT_PCAPNG, false, 0, pcap_path, json_path,
				sizeof(pcap_path), &info);
	if (rc)
		fprintf(stderr, "tlsmon: SIGUSR1 dump into %s: %s\n", dir, strerror(-rc));
	else
		fprintf(stderr, "tlsmon: dumped %s and %s\n", pcap_path, json_path);
}

/* Containers started later bring their own copies: look every TLSLIB_SCAN_MS (bounded by
 * TLSLIB_SCAN_MAX_PIDS processes; once privileges are dropped, attaching may fail: counted). */
#define TLSLIB_SCAN_MS 30000

static void tlslib_tick(struct daemon *d)
{
	struct timespec ts;

	if (!d->tlslib)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	tlslib_join__expire(d->tlslib_join, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
	if (run__now_ms(CLOCK_MONOTONIC) - d->tlslib_scan_ms < TLSLIB_SCAN_MS)
		return;
	d->tlslib_scan_ms = run__now_ms(CLOCK_MONOTONIC);
	tlslib_hooks__scan(d->tlslib);
}

static int event_loop(struct daemon *d, volatile sig_atomic_t *stop, volatile sig_atomic_t *dump,
		      volatile sig_atomic_t *reload)
{
	/* ring buffer, HTTP and control sockets with their connections, socket owners, link
	 * watch, address watch */
	struct pollfd fds[1 + 1 + HTTP_MAX_CONNS + 1 + CTL_MAX_CONNS + 1 + 1 + 1];
	const int max = (int)(sizeof(fds) / sizeof(fds[0]));
	uint64_t last_tick = run__now_ms(CLOCK_MONOTONIC);
	int n, n_http, n_ctl, rc, at_links, at_addrs;

	while (!*stop) {
		fds[0] = (struct pollfd){ .fd = d->rings_fd >= 0 ? d->rings_fd : live_bpf__fd(d->lb),
					  .events = POLLIN };
		n_http = http__pollfds(d->http, fds + 1, max - 1);
		n_ctl = d->ctl ? ctl__pollfds(d->ctl, fds + 1 + n_http, max - 1 - n_http) : 0;
		n = 1 + n_http + n_ctl;
		if (d->owners && d->rings_fd < 0)
			fds[n++] = (struct pollfd){ .fd = owner_bpf__fd(d->owners), .events = POLLIN };
		at_links = d->links ? n : -1;
		if (d->links)
			fds[n++] = (struct pollfd){ .fd = linkwatch__fd(d->links), .events = POLLIN };
		if (d->tlslib && d->rings_fd < 0)
			fds[n++] = (struct pollfd){ .fd = tlslib_hooks__fd(d->tlslib), .events = POLLIN };
		at_addrs = not_local__fd(d->not_local) >= 0 ? n : -1;
		if (at_addrs >= 0)
			fds[n++] = (struct pollfd){ .fd = not_local__fd(d->not_local), .events = POLLIN };
		rc = poll(fds, (nfds_t)n, live_bpf__wait_ms(d->lb, 1000));
		if (rc < 0 && errno != EINTR) {
			fprintf(stderr, "tlsmon: poll: %s\n", strerror(errno));
			return -errno;
		}
		run_workers__lock(d->workers); /* what the workers' handshakes touch, from here */
		/* Owners before frames: a connection's owner record is written before any frame
		 * that could decide its handshake, so it is in the table when the verdict asks. */
		if (d->owners)
			owner_bpf__consume(d->owners);
		/* Verdicts before frames: a verdict is in its ring buffer before the send it names
		 * reaches the frame hooks, so the handshake that send decides finds it. */
		if (d->tlslib)
			tlslib_hooks__consume(d->tlslib);
		/* Drain the ring buffer first: it is what can overflow. */
		run_workers__unlock(d->workers); /* a full worker ring waits for its worker */
		rc = live_bpf__consume(d->lb);
		run_workers__wake(d->workers);
		run_workers__lock(d->workers);
		if (rc < 0 && rc != -EINTR) {
			fprintf(stderr, "tlsmon: ring buffer: %s\n", strerror(-rc));
			run_workers__unlock(d->workers);
			return rc;
		}
		if (d->log) /* the turn's lines in one write */
			log_sink__flush(d->log);
		http__handle(d->http, fds + 1, n_http, run__now_ms(CLOCK_MONOTONIC));
		if (d->ctl)
			ctl__handle(d->ctl, fds + 1 + n_http, n_ctl, run__now_ms(CLOCK_MONOTONIC));
		if (at_addrs >= 0 && fds[at_addrs].revents)
			not_local__handle(d->not_local, stderr);
		if (at_links >= 0 && fds[at_links].revents && !linkwatch__handle(d->links, stderr)) {
			fprintf(stderr, "tlsmon: every watched interface is gone; exiting\n");
			run_workers__unlock(d->workers);
			return -ENODEV;
		}
		if (*dump) {
			*dump = 0;
			dump_on_signal(d);
		}
		if (*reload) {
			*reload = 0;
			run__reload(d);
		}
		if (run__now_ms(CLOCK_MONOTONIC) - last_tick >= 1000) {
			last_tick = run__now_ms(CLOCK_MONOTONIC);
			if (d->workers)
				run_workers__tick(d->workers, run__now_ms(CLOCK_REALTIME) * 1000000ull);
			else
				engine__tick(d->engine, run__now_ms(CLOCK_REALTIME) * 1000000ull);
			run_health__tick(d);
			tlslib_tick(d);
		}
		run_workers__unlock(d->workers);
	}
	return 0;
}

int cmd_run(int argc, char **argv, volatile sig_atomic_t *stop, volatile sig_atomic_t *dump,
	    volatile sig_atomic_t *reload)
{
	struct daemon d = { .rings_fd = -1 };
	struct policy *policy = policy__new();
	char ifname[IF_NAMESIZE + 1];
	bool have_default;
	int rc;

	if (!policy)
		return 1;
	rc = run_opts__parse(argc, argv, &d.o, policy);
	if (rc) {
		run_opts__free(&d.o);
		policy__free(policy);
		return rc > 0 ? 0 : 2;
	}
	have_default = !d.o.n_ifaces && !run__default_route_iface(ifname, sizeof(ifname));
	if (d.o.print_config) {
		run_opts__print_config(&d.o, have_default ? ifname : NULL, stdout);
		rc = 0;
		goto out;
	}
	if (!d.o.n_ifaces) {
		if (!have_default) {
			fprintf(stderr, "tlsmon: no default route to pick an interface from; use -i IFACE\n");
			rc = 1;
			goto out;
		}
		d.o.ifaces[d.o.n_ifaces++] = ifname;
	}
	if (d.o.list) {
		rc = run__list_ifaces(&d.o);
		goto out;
	}
	d.policy = policy;
	d.start_time_s = run__now_ms(CLOCK_REALTIME) / 1000;
	rc = daemon_start(&d, policy);
	if (!rc)
		rc = event_loop(&d, stop, dump, reload);
	daemon_stop(&d);
	if (!rc)
		fprintf(stderr, "tlsmon: stopped; programs detached\n");
	rc = rc ? 1 : 0;
out:
	run_opts__free(&d.o);
	policy__free(policy);
	return rc;
}
