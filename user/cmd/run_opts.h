/* `tlsmon run`'s settings: its long options, the config file that sets the same keys (the
 * policy file's "key = value" syntax, util/kv.h), where each effective value came from, and the
 * policy they build. Flags override the file; --policy and --policy-file add to it. */
#ifndef TLSMON_RUN_OPTS_H
#define TLSMON_RUN_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "capture/live_bpf.h"
#include "capture/localaddr.h"
#include "verdict/policy.h"

#define RUN_MAX_PORTS 64
#define RUN_MAX_POLICY_ARGS 64
#define RUN_MAX_LOCAL_NETS 16
#define RUN_DEFAULT_CONFIG "/etc/tlsmon/tlsmon.conf"
#define RUN_DEFAULT_METRICS_ADDR "127.0.0.1:9879"
#define RUN_DEFAULT_DUMP_DIR "/var/lib/tlsmon"
#define RUN_DEFAULT_LOG_MODE 0640
/* --retain-bytes (engine_opts.retain_total_bytes). Frames are retained from a connection's SYN
 * until its handshake is decided, tens to hundreds of ms: 4 MiB retains 400-700 full handshakes
 * in flight at once (6-10 KB of frames each), and keeps a flood of 100,000 half-open handshakes
 * within 64 MiB of RSS (bench/README). */
#define RUN_DEFAULT_RETAIN_BYTES (4ull << 20)

/* Threads analysing frames when --workers is not given: 1 is the one-thread path; 0 would be one
 * per online CPU (the wish, not the default until the live tests pass with it: see
 * bench/README.md). */
#ifndef RUN_DEFAULT_WORKERS
#define RUN_DEFAULT_WORKERS 1
#endif

/* One key per long option, in --help and --print-config order. */
enum run_opt_id {
	RUN_OPT_INTERFACE,
	RUN_OPT_PORTS,
	RUN_OPT_INGRESS,
	RUN_OPT_METRICS_ADDR,
	RUN_OPT_WEB_CONFIG,
	RUN_OPT_LOG,
	RUN_OPT_LOG_ALL,
	RUN_OPT_LOG_MODE,
	RUN_OPT_LOG_GROUP,
	RUN_OPT_MAX_FLOWS,
	RUN_OPT_FLOW_BUDGET,
	RUN_OPT_SNAPLEN,
	RUN_OPT_RING_BYTES,
	RUN_OPT_SOCKET,
	RUN_OPT_SOCKET_GROUP,
	RUN_OPT_KEEP_FLAGGED,
	RUN_OPT_KEEP_BYTES,
	RUN_OPT_MAX_ENDPOINTS,
	RUN_OPT_RETAIN_BYTES,
	RUN_OPT_NOT_LOCAL,
	RUN_OPT_LOCAL_NET,
	RUN_OPT_REASM_BYTES,
	RUN_OPT_DUMP_DIR,
	RUN_OPT_USER,
	RUN_OPT_NO_PROCESS,
	RUN_OPT_POLICY,
	RUN_OPT_POLICY_FILE,
	RUN_OPT_VERBOSE,
	RUN_OPT_TRUST_STORE,
	RUN_OPT_NO_UPROBES,
	RUN_OPT_WORKERS,
	RUN_OPT__COUNT,
};

/* Where a value came from: 0 the default, RUN_SRC_CMDLINE the command line, else the line of
 * the config file. */
#define RUN_SRC_CMDLINE UINT32_MAX

struct run_policy_arg {
	bool is_file; /* --policy-file PATH, else --policy KEY=VALUE */
	const char *arg;
	uint32_t src;
};

struct run_opts {
	const char *ifaces[LIVE_BPF_MAX_IFACES];
	int n_ifaces;
	uint16_t ports[RUN_MAX_PORTS];
	size_t n_ports;
	const char *metrics_addr;
	const char *web_config; /* --web-config FILE: TLS and basic auth for /metrics */
	const char *log_path; /* "-": stdout */
	mode_t log_mode;
	const char *log_group; /* NULL: --user's group */
	const char *user;
	const char *socket_path;
	const char *socket_group;
	const char *dump_dir;
	const char *trust_store; /* untrusted_chain's CA bundle or directory; NULL: the system's */
	uint32_t keep_flagged; /* the flagged store (decided handshakes, for dumps) */
	uint64_t keep_bytes;
	uint32_t max_endpoints; /* each endpoint table; 0 = EP_DEFAULT_MAX */
	uint64_t retain_bytes; /* frames of undecided handshakes */
	uint64_t reasm_bytes; /* out-of-order TCP bytes held, all flows (0: the engine's default) */
	uint64_t ring_bytes; /* the kernel's ring buffer, a power of two; 0 = the default */
	bool log_all;
	bool no_uprobes; /* no TLS-library verdicts: nothing of bpf/tlslib.bpf.c loaded */
	enum not_local_action not_local; /* handshakes neither of whose ends is local */
	const char *local_nets[RUN_MAX_LOCAL_NETS]; /* --local-net lists, besides the host's */
	int n_local_nets;
	bool no_process; /* --no-process: the socket-owner programs are not loaded */
	enum live_bpf_ingress ingress;
	uint32_t max_flows, budget, snaplen;
	uint32_t workers; /* --workers; see run_opts__workers() */
	bool workers_set;
	int verbose;
	struct run_policy_arg policy_args[RUN_MAX_POLICY_ARGS]; /* in the order they apply */
	size_t n_policy_args;
	/* what to do instead of running */
	bool print_config, list;
	/* where the values came from */
	const char *config_path; /* the config file read, NULL if none */
	uint32_t src[RUN_OPT__COUNT];
	char **owned; /* strings copied from the config file */
	size_t n_owned;
};

void run_opts__usage(FILE *out);

/* The control socket without --socket: tlsmon.sock in $RUNTIME_DIRECTORY (systemd's
 * RuntimeDirectory=), else CTL_DEFAULT_PATH. */
void run_opts__default_socket(char *path, size_t size);

/* Defaults, then the config file (--config FILE, else RUN_DEFAULT_CONFIG when it exists), then
 * the command line; the policy settings are applied to policy as they come. Returns 0 to go on,
 * 1 when --help was printed, -1 on a usage error (printed). */
int run_opts__parse(int argc, char **argv, struct run_opts *o, struct policy *policy);

/* Every setting with its value and where it came from, as a config file (--print-config).
 * default_iface: the interface used when none was given (NULL: none found). */
void run_opts__print_config(const struct run_opts *o, const char *default_iface, FILE *out);

/* A fresh policy from the policy settings, as a reload (SIGHUP) reads them again. Returns 0, or
 * -errno with a one-line reason in err. */
int run_opts__build_policy(const struct run_opts *o, struct policy *p, char *err,
			   size_t err_size);

/* The group of the --log file (--log-group, else --user's) and its owner (--user), or -1. */
int run_opts__log_owner(const struct run_opts *o, uid_t *uid, gid_t *gid);

/* The config file o was started with, read again into fresh (o's command line policy settings
 * appended after the file's). Returns 0, or -errno with "FILE:N: reason" in err. */
int run_opts__reread_config(const struct run_opts *o, struct run_opts *fresh, char *err,
			    size_t err_size);

/* Says on out, one line each, which settings of the config file other than the policy differ
 * in fresh (they take effect at the next start). Returns how many, or -ENOMEM. */
int run_opts__config_changes(const struct run_opts *o, const struct run_opts *fresh, FILE *out);

/* o takes fresh's policy settings (and the strings they point into). */
void run_opts__adopt_policy(struct run_opts *o, struct run_opts *fresh);

struct log_sink;

/* SIGHUP: reopen the --log file (log may be NULL), read the config file again, and build the
 * policy again from the policy settings into live (the engine's, replaced in place between two
 * handshakes), saying on out what changed, one line per key; on a bad config or policy file live
 * stays as it was and out says why. */
void run_opts__reload(struct run_opts *o, struct log_sink *log, struct policy *live, FILE *out);

void run_opts__free(struct run_opts *o);

/* The threads to analyse frames on: --workers, 0 meaning one per online CPU (at most 64). */
uint32_t run_opts__workers(const struct run_opts *o);

#endif
