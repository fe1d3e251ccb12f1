/* The daemon of `tlsmon run` (run.c), its state shared by the files that each do one part of
 * it: run_web.c (/metrics and /endpoints), run_health.c (the checks once a second) and
 * run_reload.c (SIGHUP). */
#ifndef TLSMON_RUN_DAEMON_H
#define TLSMON_RUN_DAEMON_H

#include <limits.h>
#include <stdint.h>
#include <time.h>

#include "capture/live_bpf.h"
#include "cmd/run_opts.h"
#include "util/sbuf.h"

struct daemon {
	struct run_opts o;
	struct engine *engine; /* NULL with --workers N > 1: */
	struct run_workers *workers; /* NULL with one worker */
	struct live_bpf *lb;
	struct owner_bpf *owners; /* socket-owner programs; NULL with --no-process or unloadable */
	struct attrib *attrib; /* NULL when owners is */
	struct metrics *metrics;
	struct http_server *http;
	struct store *store;
	struct endpoints *endpoints;
	struct ctl_server *ctl;
	struct linkwatch *links;
	struct not_local *not_local; /* --not-local, --local-net */
	struct tlslib_hooks *tlslib; /* NULL with --no-uprobes or when they could not attach */
	int rings_fd; /* the ring buffers' epoll descriptors in one (rings_open()); -1: none */
	struct tlslib_join *tlslib_join;
	uint64_t tlslib_scan_ms; /* last look for containers' copies of the libraries */
	/* each interface's ingress, decided once: the programs loaded and the attach follow it */
	struct live_bpf_ingress_plan ingress[LIVE_BPF_MAX_IFACES];
	int lock_fd[LIVE_BPF_MAX_IFACES]; /* attach locks, one per watched interface */
	int n_locks;
	char socket_path[PATH_MAX]; /* the control socket: --socket, else in the runtime directory */
	struct log_sink *log;
	struct policy *policy; /* the engine's; a reload (SIGHUP) replaces it in place */
	/* per worker (run_workers__self()): what a handshake's log line and flagged entry are
	 * built in, without the lock */
	struct hs_scratch {
		struct store_writer *store;
		struct sbuf line;
	} *scratch;
	uint32_t n_scratch;
	uint64_t kernel_counters[TLSMON_CTR__COUNT];
	uint64_t start_time_s;
	uint32_t warned; /* bit per first_warnings[] row already logged */
	uint64_t hint_repair_ms; /* last repair of the kernel's flow hint */
	uint64_t hint_repair_started; /* kernel flows started at that time */
	uint64_t hint_repaired; /* slots lowered, all repairs */
};

static inline uint64_t run__now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* http_metrics_fn for /metrics and /endpoints (ctx: the daemon). */
void run_web__metrics(void *ctx, struct sbuf *out);
void run_web__endpoints(void *ctx, struct sbuf *out);
/* --web-config on d->http, at the start: 0, or -errno once said on stderr. */
int run_web__use_config(struct daemon *d);
/* The same on SIGHUP: the file, certificate, key, client CA and users read again; a failure
 * keeps what was in use, said in one line, as is a success. */
void run_web__reload_config(struct daemon *d);

/* SIGHUP (run_reload.c), with the lock held: --log reopened, the policy, the trust store and
 * --web-config read again, each said in a line. */
void run__reload(struct daemon *d);

/* Once a second, with the lock held: overload and bad input said on first sight, then the
 * kernel's flow hint repaired (every HINT_REPAIR_MS while flows start). */
void run_health__tick(struct daemon *d);

#endif
