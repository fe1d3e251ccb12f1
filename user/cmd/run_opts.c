// SPDX-License-Identifier: GPL-2.0
/* `tlsmon run`'s options and config file: one table of keys, one setter for both sources. */
#include "cmd/run_opts.h"
#include "util/err.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/run_workers.h"
#include "daemon/ctl.h"
#include "daemon/http.h"
#include "out/store.h"
#include "verdict/endpoints.h"
#include "x509/trust.h"
#include "verdict/engine.h"
#include "util/kv.h"
#include "util/parse.h"

/* Options of the command line only: they say where the settings are or what to do with them. */
enum {
	OPT_CONFIG = 0x100 + RUN_OPT__COUNT,
	OPT_PRINT_CONFIG,
	OPT_LIST,
	OPT_HELP,
};

#define OPT(id) (0x100 + (id))

static const struct option long_opts[] = {
	{ "interface", required_argument, NULL, OPT(RUN_OPT_INTERFACE) },
	{ "ports", required_argument, NULL, OPT(RUN_OPT_PORTS) },
	{ "ingress", required_argument, NULL, OPT(RUN_OPT_INGRESS) },
	{ "metrics-addr", required_argument, NULL, OPT(RUN_OPT_METRICS_ADDR) },
	{ "web-config", required_argument, NULL, OPT(RUN_OPT_WEB_CONFIG) },
	{ "log", required_argument, NULL, OPT(RUN_OPT_LOG) },
	{ "log-all", no_argument, NULL, OPT(RUN_OPT_LOG_ALL) },
	{ "log-mode", required_argument, NULL, OPT(RUN_OPT_LOG_MODE) },
	{ "log-group", required_argument, NULL, OPT(RUN_OPT_LOG_GROUP) },
	{ "max-flows", required_argument, NULL, OPT(RUN_OPT_MAX_FLOWS) },
	{ "flow-budget", required_argument, NULL, OPT(RUN_OPT_FLOW_BUDGET) },
	{ "snaplen", required_argument, NULL, OPT(RUN_OPT_SNAPLEN) },
	{ "ring-bytes", required_argument, NULL, OPT(RUN_OPT_RING_BYTES) },
	{ "socket", required_argument, NULL, OPT(RUN_OPT_SOCKET) },
	{ "socket-group", required_argument, NULL, OPT(RUN_OPT_SOCKET_GROUP) },
	{ "keep-flagged", required_argument, NULL, OPT(RUN_OPT_KEEP_FLAGGED) },
	{ "keep-bytes", required_argument, NULL, OPT(RUN_OPT_KEEP_BYTES) },
	{ "max-endpoints", required_argument, NULL, OPT(RUN_OPT_MAX_ENDPOINTS) },
	{ "retain-bytes", required_argument, NULL, OPT(RUN_OPT_RETAIN_BYTES) },
	{ "not-local", required_argument, NULL, OPT(RUN_OPT_NOT_LOCAL) },
	{ "local-net", required_argument, NULL, OPT(RUN_OPT_LOCAL_NET) },
	{ "reasm-bytes", required_argument, NULL, OPT(RUN_OPT_REASM_BYTES) },
	{ "dump-dir", required_argument, NULL, OPT(RUN_OPT_DUMP_DIR) },
	{ "user", required_argument, NULL, OPT(RUN_OPT_USER) },
	{ "no-process", no_argument, NULL, OPT(RUN_OPT_NO_PROCESS) },
	{ "policy", required_argument, NULL, OPT(RUN_OPT_POLICY) },
	{ "policy-file", required_argument, NULL, OPT(RUN_OPT_POLICY_FILE) },
	{ "verbose", no_argument, NULL, OPT(RUN_OPT_VERBOSE) },
	{ "trust-store", required_argument, NULL, OPT(RUN_OPT_TRUST_STORE) },
	{ "no-uprobes", no_argument, NULL, OPT(RUN_OPT_NO_UPROBES) },
	{ "workers", required_argument, NULL, OPT(RUN_OPT_WORKERS) },
	/* the former name of --retain-bytes, still accepted (also in the config file) */
	{ "hold-bytes", required_argument, NULL, OPT(RUN_OPT_RETAIN_BYTES) },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "dry-run", no_argument, NULL, OPT_LIST },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* The default socket: in the runtime directory systemd made for us (RuntimeDirectory=; it sets
 * $RUNTIME_DIRECTORY, a colon-separated list when there are several), else CTL_RUNTIME_DIR. */
void run_opts__default_socket(char *path, size_t size)
{
	const char *rt = getenv("RUNTIME_DIRECTORY");

	if (rt && rt[0] == '/')
		snprintf(path, size, "%.*s/tlsmon.sock", (int)strcspn(rt, ":"), rt);
	else
		snprintf(path, size, "%s", CTL_DEFAULT_PATH);
}

static int parse_ports(const char *s, struct run_opts *o)
{
	const char *p = s;
	char tok[8];
	uint32_t v;

	o->n_ports = 0;
	for (;;) {
		size_t n = strcspn(p, ",");

		/* Every entry must be a port: "443,,444" and a trailing comma are mistakes. */
		if (!n || n >= sizeof(tok) || o->n_ports >= RUN_MAX_PORTS)
			return -1;
		memcpy(tok, p, n);
		tok[n] = '\0';
		if (parse__u32(tok, 1, 65535, &v))
			return -1;
		o->ports[o->n_ports++] = (uint16_t)v;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* In the config file a flag is a boolean; on the command line it has no value (NULL). */
static int parse_flag(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	if (!v) {
		*out = true;
		return 0;
	}
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
			*out = !strcasecmp(v, yes[i]);
			return 0;
		}
	}
	return -1;
}

/* Octal, no execute bits, not writable by others: the log holds what the host's peers sent. */
static int parse_mode(const char *s, mode_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || strspn(s, "01234567") != strlen(s))
		return -1;
	v = strtoul(s, &end, 8);
	if (*end || v > 0666 || (v & 0002) || !(v & 0200))
		return -1;
	*out = (mode_t)v;
	return 0;
}

static int add_policy_arg(struct run_opts *o, bool is_file, const char *arg, uint32_t src,
			  struct policy *policy, char *err, size_t err_size)
{
	char reason[256] = "";
	const char *eq = strchr(arg, '=');
	char key[128];
	size_t n = eq ? (size_t)(eq - arg) : 0;

	if (o->n_policy_args >= RUN_MAX_POLICY_ARGS) {
		err__set(err, err_size, "at most %d policy settings", RUN_MAX_POLICY_ARGS);
		return -1;
	}
	if (is_file) {
		/* the reason names the file already */
		if (policy__load_file(policy, arg, reason, sizeof(reason))) {
			err__set(err, err_size, "%s", reason);
			return -1;
		}
	} else if (!eq || !n || n >= sizeof(key)) {
		err__set(err, err_size, "expects KEY=VALUE, got '%s'", arg);
		return -1;
	} else {
		memcpy(key, arg, n);
		key[n] = '\0';
		if (policy__set(policy, key, eq + 1, reason, sizeof(reason))) {
			err__set(err, err_size, "%s: %s", arg, reason);
			return -1;
		}
	}
	o->policy_args[o->n_policy_args++] = (struct run_policy_arg){ is_file, arg, src };
	return 0;
}

static int lookup_user(const char *name)
{
	return getpwnam(name) ? 0 : -1;
}

static int lookup_group(const char *name)
{
	return getgrnam(name) ? 0 : -1;
}

/* Sets one option from either source (v is NULL for a flag on the command line). Returns 0, or
 * -1 with the reason, without the option's name, in err. */
static int set_opt(struct run_opts *o, int id, const char *v, uint32_t src, struct policy *policy,
		   char *err, size_t esz)
{
	struct sockaddr_storage ss;
	unsigned int sslen;
	uint64_t asked = 0;
	bool flag;

	switch (id) {
	case RUN_OPT_INTERFACE:
		if (!*v || o->n_ifaces >= LIVE_BPF_MAX_IFACES) {
			err__set(err, esz, "expected an interface name (at most %d interfaces)",
				LIVE_BPF_MAX_IFACES);
			return -1;
		}
		o->ifaces[o->n_ifaces++] = v;
		break;
	case RUN_OPT_PORTS:
		if (parse_ports(v, o)) {
			err__set(err, esz, "expected a comma separated list of 1..65535 (at most %d)",
				RUN_MAX_PORTS);
			return -1;
		}
		break;
	case RUN_OPT_INGRESS:
		if (live_bpf__parse_ingress(v, &o->ingress)) {
			err__set(err, esz, "expected auto, xdp, xdp-generic or tc");
			return -1;
		}
		break;
	case RUN_OPT_METRICS_ADDR:
		if (http__parse_addr(v, &ss, &sslen)) {
			err__set(err, esz, "expected HOST:PORT, e.g. 127.0.0.1:9879 or [::1]:9879");
			return -1;
		}
		o->metrics_addr = v;
		break;
	case RUN_OPT_WEB_CONFIG:
		o->web_config = *v ? v : NULL;
		break;
	case RUN_OPT_LOG:
		o->log_path = *v ? v : NULL;
		break;
	case RUN_OPT_LOG_ALL:
	case RUN_OPT_NO_UPROBES:
		if (parse_flag(v, id == RUN_OPT_LOG_ALL ? &o->log_all : &o->no_uprobes)) {
			err__set(err, esz, "expected true or false");
			return -1;
		}
		break;
	case RUN_OPT_NO_PROCESS:
		if (parse_flag(v, &o->no_process)) {
			err__set(err, esz, "expected true or false");
			return -1;
		}
		break;
	case RUN_OPT_LOG_MODE:
		if (parse_mode(v, &o->log_mode)) {
			err__set(err, esz, "expected an octal mode such as 0640 (owner-writable, "
					  "no execute bits, not writable by others)");
			return -1;
		}
		break;
	case RUN_OPT_LOG_GROUP:
	case RUN_OPT_SOCKET_GROUP:
		if (*v && lookup_group(v)) {
			err__set(err, esz, "no such group '%s'", v);
			return -1;
		}
		*(id == RUN_OPT_LOG_GROUP ? &o->log_group : &o->socket_group) = *v ? v : NULL;
		break;
	case RUN_OPT_USER:
		if (*v && lookup_user(v)) {
			err__set(err, esz, "no such user '%s'", v);
			return -1;
		}
		o->user = *v ? v : NULL;
		break;
	case RUN_OPT_SOCKET:
		o->socket_path = *v ? v : NULL;
		break;
	case RUN_OPT_DUMP_DIR:
		o->dump_dir = *v ? v : NULL;
		break;
	case RUN_OPT_NOT_LOCAL:
		if (localaddr__parse_action(v, &o->not_local)) {
			err__set(err, esz, "expected mark, drop or analyse");
			return -1;
		}
		break;
	case RUN_OPT_LOCAL_NET:
		if (!*v)
			break; /* "local-net =": the host's addresses alone, as --print-config says */
		if (o->n_local_nets >= RUN_MAX_LOCAL_NETS || localaddr__add_list(NULL, v)) {
			err__set(err, esz, "expected CIDRs such as 10.0.0.0/8,fd00::/8 (at most %d "
					  "options)", RUN_MAX_LOCAL_NETS);
			return -1;
		}
		o->local_nets[o->n_local_nets++] = v;
		break;
	case RUN_OPT_TRUST_STORE:
		if (*v && access(v, R_OK)) {
			err__set(err, esz, "%s: %s", v, strerror(errno));
			return -1;
		}
		o->trust_store = *v ? v : NULL;
		break;
	case RUN_OPT_WORKERS:
		if (parse__u32(v, 0, RUN_MAX_WORKERS, &o->workers)) {
			err__set(err, esz, "expected 0..%d (0: one per online CPU)", RUN_MAX_WORKERS);
			return -1;
		}
		o->workers_set = true;
		break;
	case RUN_OPT_KEEP_FLAGGED:
		if (parse__u32(v, 1, 1u << 24, &o->keep_flagged)) {
			err__set(err, esz, "expected 1..16777216");
			return -1;
		}
		break;
	case RUN_OPT_MAX_ENDPOINTS:
		if (parse__u32(v, 1, EP_MAX_MAX, &o->max_endpoints)) {
			err__set(err, esz, "expected 1..%u", EP_MAX_MAX);
			return -1;
		}
		break;
	case RUN_OPT_KEEP_BYTES:
		if (parse__size(v, &o->keep_bytes) || o->keep_bytes < 65536) {
			err__set(err, esz, "expected a size of at least 64K (e.g. 64M, 1G)");
			return -1;
		}
		break;
	case RUN_OPT_RETAIN_BYTES:
		if (parse__size(v, &o->retain_bytes) || o->retain_bytes < 65536) {
			err__set(err, esz, "expected a size of at least 64K (e.g. 16M)");
			return -1;
		}
		break;
	case RUN_OPT_REASM_BYTES:
		if (parse__size(v, &o->reasm_bytes) || o->reasm_bytes < 65536) {
			err__set(err, esz, "expected a size of at least 64K (e.g. 64M)");
			return -1;
		}
		break;
	case RUN_OPT_MAX_FLOWS:
		if (parse__u32(v, 16, 1u << 24, &o->max_flows)) {
			err__set(err, esz, "expected 16..16777216");
			return -1;
		}
		break;
	case RUN_OPT_FLOW_BUDGET:
		if (parse__u32(v, 1024, 1u << 30, &o->budget)) {
			err__set(err, esz, "expected 1024..1073741824 bytes");
			return -1;
		}
		break;
	case RUN_OPT_SNAPLEN:
		if (parse__u32(v, 128, 262144, &o->snaplen)) {
			err__set(err, esz, "expected 128..262144 bytes");
			return -1;
		}
		break;
	case RUN_OPT_RING_BYTES:
		if (parse__pow2_size(v, LIVE_BPF_RINGBUF_MIN, LIVE_BPF_RINGBUF_MAX, &o->ring_bytes)) {
			err__set(err, esz, "expected a size from 64K to 1G (e.g. 16M)");
			return -1;
		}
		/* Say so rather than use more memory than asked for silently. */
		if (!parse__size(v, &asked) && asked != o->ring_bytes)
			fprintf(stderr, "tlsmon: --ring-bytes %s rounded up to %llu bytes "
					"(a power of two)\n", v, (unsigned long long)o->ring_bytes);
		break;
	case RUN_OPT_POLICY:
	case RUN_OPT_POLICY_FILE:
		if (add_policy_arg(o, id == RUN_OPT_POLICY_FILE, v, src, policy, err, esz))
			return -1;
		break;
	case RUN_OPT_VERBOSE:
		if (parse_flag(v, &flag)) {
			err__set(err, esz, "expected true or false");
			return -1;
		}
		o->verbose = v ? flag : o->verbose + 1;
		break;
	default:
		err__set(err, esz, "not a setting");
		return -1;
	}
	o->src[id] = src;
	return 0;
}

static char *own(struct run_opts *o, const char *s)
{
	char **grown = realloc(o->owned, (o->n_owned + 1) * sizeof(*grown));
	char *copy = strdup(s);

	if (grown)
		o->owned = grown;
	if (!grown || !copy) {
		free(copy);
		return NULL;
	}
	o->owned[o->n_owned++] = copy;
	return copy;
}

struct config_ctx {
	struct run_opts *o;
	struct policy *policy;
};

static int config_key(void *ctx, const char *key, const char *value, size_t lineno, char *err,
		      size_t err_size)
{
	struct config_ctx *c = ctx;
	char reason[300];
	const char *v;

	for (const struct option *lo = long_opts; lo->name; lo++) {
		if (strcmp(lo->name, key) || lo->val >= OPT_CONFIG)
			continue;
		v = own(c->o, value);
		if (!v) {
			err__set(err, err_size, "%s: out of memory", key);
			return -ENOMEM;
		}
		if (set_opt(c->o, lo->val - 0x100, v, (uint32_t)lineno, c->policy, reason,
			    sizeof(reason))) {
			err__set(err, err_size, "%s: %s", key, reason);
			return -EINVAL;
		}
		return 0;
	}
	err__set(err, err_size, "unknown key '%.64s' (keys are the long options of `tlsmon run`)",
		key);
	return -EINVAL;
}

/* ENOENT of the default file is not an error: the file is optional. Returns 0, or -1 with
 * "FILE:N: reason" (or "--config FILE: reason") in err. */
static int load_config(struct run_opts *o, const char *path, bool given, struct policy *policy,
		       char *err, size_t err_size)
{
	struct config_ctx c = { o, policy };
	char reason[512] = "", *text = NULL, *colon;
	size_t len = 0;
	int rc;

	rc = kv__load_file(path, &text, &len, reason, sizeof(reason));
	if (rc == -ENOENT && !given)
		return 0;
	if (rc) {
		err__set(err, err_size, "--config %s", reason);
		return -1;
	}
	o->config_path = path;
	rc = kv__parse(text, len, config_key, &c, reason, sizeof(reason));
	free(text);
	if (rc) {
		/* "line N: reason" becomes "FILE:N: reason", as compilers say it */
		colon = strchr(reason, ':');
		if (!strncmp(reason, "line ", 5) && colon)
			err__set(err, err_size, "%s:%.*s:%s", path, (int)(colon - reason - 5),
				reason + 5, colon + 1);
		else
			err__set(err, err_size, "%s: %s", path, reason);
		return -1;
	}
	return 0;
}

static void defaults(struct run_opts *o)
{
	o->ports[0] = 443;
	o->n_ports = 1;
	o->metrics_addr = RUN_DEFAULT_METRICS_ADDR;
	o->ingress = LIVE_BPF_INGRESS_AUTO;
	o->log_mode = RUN_DEFAULT_LOG_MODE;
}

int run_opts__parse(int argc, char **argv, struct run_opts *o, struct policy *policy)
{
	const char *config = RUN_DEFAULT_CONFIG;
	bool config_given = false, iface_cmdline = false;
	int opt, idx = 0;
	char err[512];

	defaults(o);
	/* First pass: only where the config file is, which the command line then overrides. */
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:vh", long_opts, &idx)) != -1) {
		if (opt == OPT_CONFIG) {
			config = optarg;
			config_given = true;
		}
	}
	opterr = 1;
	if (load_config(o, config, config_given, policy, err, sizeof(err))) {
		fprintf(stderr, "tlsmon: %s\n", err);
		return -1;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:vh", long_opts, &idx)) != -1) {
		const char *name = opt == 'i' ? "interface" : opt == 'v' ? "verbose" : long_opts[idx].name;
		int id = opt == 'i' ? RUN_OPT_INTERFACE : opt == 'v' ? RUN_OPT_VERBOSE : opt - 0x100;

		switch (opt) {
		case OPT_CONFIG:
			continue;
		case OPT_PRINT_CONFIG:
			o->print_config = true;
			continue;
		case OPT_LIST:
			o->list = true;
			continue;
		case 'h':
		case OPT_HELP:
			run_opts__usage(stdout);
			return 1;
		case '?':
			/* getopt said which option; the whole usage would bury that line */
			fprintf(stderr, "tlsmon run: see `tlsmon run --help`\n");
			return -1;
		}
		/* -i on the command line replaces the config file's interfaces */
		if (id == RUN_OPT_INTERFACE && !iface_cmdline) {
			iface_cmdline = true;
			o->n_ifaces = 0;
		}
		if (set_opt(o, id, optarg, RUN_SRC_CMDLINE, policy, err, sizeof(err))) {
			/* the policy's reasons start with the file or setting they are about */
			fprintf(stderr, "tlsmon: --%s%s %s\n", name,
				id == RUN_OPT_POLICY || id == RUN_OPT_POLICY_FILE ? "" : ":", err);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tlsmon run: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

int run_opts__build_policy(const struct run_opts *o, struct policy *p, char *err,
			   size_t err_size)
{
	struct run_opts scratch = { 0 };
	char reason[300];

	for (size_t i = 0; i < o->n_policy_args; i++) {
		const struct run_policy_arg *a = &o->policy_args[i];

		if (add_policy_arg(&scratch, a->is_file, a->arg, a->src, p, reason, sizeof(reason))) {
			err__set(err, err_size, "--%s %s", a->is_file ? "policy-file" : "policy",
				reason);
			return -EINVAL;
		}
	}
	return 0;
}

int run_opts__log_owner(const struct run_opts *o, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = o->user ? getpwnam(o->user) : NULL;
	struct group *gr = o->log_group ? getgrnam(o->log_group) : NULL;

	*uid = pw ? pw->pw_uid : (uid_t)-1;
	*gid = gr ? gr->gr_gid : pw ? pw->pw_gid : (gid_t)-1;
	if ((o->user && !pw) || (o->log_group && !gr))
		return -1;
	return 0;
}

static void print_src(FILE *out, const struct run_opts *o, uint32_t src, int width)
{
	fprintf(out, "%*s# ", width > 0 ? width : 1, "");
	if (src == RUN_SRC_CMDLINE)
		fprintf(out, "command line\n");
	else if (src)
		fprintf(out, "%s:%u\n", o->config_path, src);
	else
		fprintf(out, "default\n");
}

static const char *str_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

#define VALUE_LEN 512

/* Every setting but the policy's as --print-config writes it (interfaces space separated). */
static void format_values(const struct run_opts *o, char v[RUN_OPT__COUNT][VALUE_LEN])
{
	size_t len = 0;

	memset(v, 0, RUN_OPT__COUNT * VALUE_LEN);
	for (size_t i = 0; i < o->n_ports; i++)
		len += (size_t)snprintf(v[RUN_OPT_PORTS] + len, VALUE_LEN - len, "%s%u",
					i ? "," : "", o->ports[i]);
	len = 0;
	snprintf(v[RUN_OPT_INGRESS], VALUE_LEN, "%s", live_bpf__ingress_name(o->ingress));
	snprintf(v[RUN_OPT_METRICS_ADDR], VALUE_LEN, "%s", o->metrics_addr);
	snprintf(v[RUN_OPT_WEB_CONFIG], VALUE_LEN, "%s", str_or(o->web_config, ""));
	snprintf(v[RUN_OPT_LOG], VALUE_LEN, "%s", str_or(o->log_path, ""));
	snprintf(v[RUN_OPT_LOG_ALL], VALUE_LEN, "%s", o->log_all ? "true" : "false");
	snprintf(v[RUN_OPT_NO_PROCESS], VALUE_LEN, "%s", o->no_process ? "true" : "false");
	snprintf(v[RUN_OPT_LOG_MODE], VALUE_LEN, "%04o", (unsigned)o->log_mode);
	snprintf(v[RUN_OPT_LOG_GROUP], VALUE_LEN, "%s", str_or(o->log_group, ""));
	snprintf(v[RUN_OPT_MAX_FLOWS], VALUE_LEN, "%u",
		 o->max_flows ? o->max_flows : TLSMON_DEFAULT_MAX_FLOWS);
	snprintf(v[RUN_OPT_FLOW_BUDGET], VALUE_LEN, "%u",
		 o->budget ? o->budget : TLSMON_DEFAULT_BUDGET);
	snprintf(v[RUN_OPT_SNAPLEN], VALUE_LEN, "%u",
		 o->snaplen ? o->snaplen : TLSMON_DEFAULT_SNAPLEN);
	snprintf(v[RUN_OPT_RING_BYTES], VALUE_LEN, "%llu",
		 (unsigned long long)(o->ring_bytes ? o->ring_bytes : TLSMON_DEFAULT_RINGBUF_BYTES));
	if (o->socket_path)
		snprintf(v[RUN_OPT_SOCKET], VALUE_LEN, "%s", o->socket_path);
	else
		run_opts__default_socket(v[RUN_OPT_SOCKET], VALUE_LEN);
	snprintf(v[RUN_OPT_SOCKET_GROUP], VALUE_LEN, "%s", str_or(o->socket_group, ""));
	snprintf(v[RUN_OPT_KEEP_FLAGGED], VALUE_LEN, "%u",
		 o->keep_flagged ? o->keep_flagged : STORE_DEFAULT_ENTRIES);
	snprintf(v[RUN_OPT_KEEP_BYTES], VALUE_LEN, "%llu",
		 (unsigned long long)(o->keep_bytes ? o->keep_bytes : STORE_DEFAULT_BYTES));
	snprintf(v[RUN_OPT_MAX_ENDPOINTS], VALUE_LEN, "%u",
		 o->max_endpoints ? o->max_endpoints : EP_DEFAULT_MAX);
	snprintf(v[RUN_OPT_RETAIN_BYTES], VALUE_LEN, "%llu",
		 (unsigned long long)(o->retain_bytes ? o->retain_bytes : RUN_DEFAULT_RETAIN_BYTES));
	snprintf(v[RUN_OPT_REASM_BYTES], VALUE_LEN, "%llu",
		 (unsigned long long)(o->reasm_bytes ? o->reasm_bytes : ENGINE_DEFAULT_REASM_BYTES));
	snprintf(v[RUN_OPT_DUMP_DIR], VALUE_LEN, "%s", str_or(o->dump_dir, RUN_DEFAULT_DUMP_DIR));
	snprintf(v[RUN_OPT_NOT_LOCAL], VALUE_LEN, "%s", localaddr__action_name(o->not_local));
	for (int i = 0; i < o->n_local_nets && len < VALUE_LEN; i++)
		len += (size_t)snprintf(v[RUN_OPT_LOCAL_NET] + len, VALUE_LEN - len, "%s%s",
					i ? "," : "", o->local_nets[i]);
	len = 0;
	snprintf(v[RUN_OPT_USER], VALUE_LEN, "%s", str_or(o->user, ""));
	snprintf(v[RUN_OPT_VERBOSE], VALUE_LEN, "%s", o->verbose ? "true" : "false");
	snprintf(v[RUN_OPT_TRUST_STORE], VALUE_LEN, "%s",
		 str_or(o->trust_store, X509_TRUST_DEFAULT_STORE));
	snprintf(v[RUN_OPT_NO_UPROBES], VALUE_LEN, "%s", o->no_uprobes ? "true" : "false");
	snprintf(v[RUN_OPT_WORKERS], VALUE_LEN, "%u", run_opts__workers(o));

	for (int i = 0; i < o->n_ifaces; i++)
		len += (size_t)snprintf(v[RUN_OPT_INTERFACE] + len, VALUE_LEN - len, "%s%s",
					i ? " " : "", o->ifaces[i]);
}

void run_opts__print_config(const struct run_opts *o, const char *default_iface, FILE *out)
{
	char v[RUN_OPT__COUNT][VALUE_LEN];
	int n;

	format_values(o, v);
	fprintf(out, "# tlsmon run: effective settings (config file: %s)\n",
		o->config_path ? o->config_path : "none");
	for (int id = 0; id < RUN_OPT__COUNT; id++) {
		const char *name = long_opts[id].name;

		if (id == RUN_OPT_POLICY || id == RUN_OPT_POLICY_FILE)
			continue;
		if (id == RUN_OPT_INTERFACE && !o->n_ifaces) {
			/* the value is left out: the config file would otherwise pin the interface */
			n = fprintf(out, "interface =");
			fprintf(out, "%*s# default: the default route's (%s)\n", 40 - n, "",
				default_iface ? default_iface : "none found");
			continue;
		}
		/* one line per interface: the output reads back as a config file */
		for (int i = 0; id == RUN_OPT_INTERFACE && i < o->n_ifaces; i++) {
			n = fprintf(out, "interface = %s", o->ifaces[i]);
			print_src(out, o, o->src[id], 40 - n);
		}
		if (id == RUN_OPT_INTERFACE)
			continue;
		n = fprintf(out, "%s = %s", name, v[id]);
		print_src(out, o, o->src[id], 40 - n);
	}
	for (size_t i = 0; i < o->n_policy_args; i++) {
		const struct run_policy_arg *a = &o->policy_args[i];

		n = fprintf(out, "%s = %s", a->is_file ? "policy-file" : "policy", a->arg);
		print_src(out, o, a->src, 40 - n);
	}
	if (!o->n_policy_args)
		fprintf(out, "# policy, policy-file: none (the policy is `tlsmon policy`'s default)\n");
}

int run_opts__reread_config(const struct run_opts *o, struct run_opts *fresh, char *err,
			    size_t err_size)
{
	struct policy *scratch = policy__new();
	int rc;

	memset(fresh, 0, sizeof(*fresh));
	defaults(fresh);
	if (!scratch) {
		err__set(err, err_size, "out of memory");
		return -ENOMEM;
	}
	/* the scratch policy only checks the file's policy settings: the caller builds its own */
	rc = load_config(fresh, o->config_path, true, scratch, err, err_size);
	policy__free(scratch);
	if (rc)
		return -EINVAL;
	/* the command line's policy settings still come after the file's */
	for (size_t i = 0; i < o->n_policy_args; i++) {
		if (o->policy_args[i].src != RUN_SRC_CMDLINE)
			continue;
		if (fresh->n_policy_args >= RUN_MAX_POLICY_ARGS) {
			err__set(err, err_size, "at most %d policy settings", RUN_MAX_POLICY_ARGS);
			return -E2BIG;
		}
		fresh->policy_args[fresh->n_policy_args++] = o->policy_args[i];
	}
	return 0;
}

int run_opts__config_changes(const struct run_opts *o, const struct run_opts *fresh, FILE *out)
{
	char (*was)[VALUE_LEN] = calloc(RUN_OPT__COUNT, VALUE_LEN);
	char (*now)[VALUE_LEN] = calloc(RUN_OPT__COUNT, VALUE_LEN);
	int changed = 0;

	if (!was || !now) {
		free(was);
		free(now);
		return -ENOMEM;
	}
	format_values(o, was);
	format_values(fresh, now);
	for (int id = 0; id < RUN_OPT__COUNT; id++) {
		/* the command line still overrides the file; the policy is applied, not reported */
		if (o->src[id] == RUN_SRC_CMDLINE || id == RUN_OPT_POLICY ||
		    id == RUN_OPT_POLICY_FILE || !strcmp(was[id], now[id]))
			continue;
		fprintf(out, "tlsmon: SIGHUP: %s: %s changed (%s -> %s); takes effect at restart\n",
			o->config_path, long_opts[id].name, was[id], now[id]);
		changed++;
	}
	free(was);
	free(now);
	return changed;
}

void run_opts__adopt_policy(struct run_opts *o, struct run_opts *fresh)
{
	char **grown;

	if (fresh->n_owned) {
		grown = realloc(o->owned, (o->n_owned + fresh->n_owned) * sizeof(*grown));
		/* without room to keep the new strings, keep the old settings: they still work */
		if (!grown)
			return;
		o->owned = grown;
		memcpy(o->owned + o->n_owned, fresh->owned, fresh->n_owned * sizeof(*grown));
		o->n_owned += fresh->n_owned;
	}
	free(fresh->owned);
	fresh->owned = NULL;
	fresh->n_owned = 0;
	memcpy(o->policy_args, fresh->policy_args, sizeof(o->policy_args));
	o->n_policy_args = fresh->n_policy_args;
}

void run_opts__free(struct run_opts *o)
{
	for (size_t i = 0; i < o->n_owned; i++)
		free(o->owned[i]);
	free(o->owned);
	o->owned = NULL;
	o->n_owned = 0;
}

uint32_t run_opts__workers(const struct run_opts *o)
{
	uint32_t n = o->workers_set ? o->workers : RUN_DEFAULT_WORKERS;
	long cpus;

	if (n)
		return n;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus < 1 ? 1 : cpus > RUN_MAX_WORKERS ? RUN_MAX_WORKERS : (uint32_t)cpus;
}
