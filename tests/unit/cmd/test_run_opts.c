// SPDX-License-Identifier: GPL-2.0
/* cmd/run_opts: `tlsmon run`'s options and config file: parsing, precedence (defaults < config
 * file < command line, --policy and --policy-file adding up), where each value came from,
 * --print-config, and the policy a SIGHUP builds again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cmd/run_opts.h"

static char conf[] = "/tmp/tlsmon-conf-XXXXXX";
static char pol[] = "/tmp/tlsmon-pol-XXXXXX";
/* o keeps pointers into argv: the copies live until the end of main() */
static char *copies[64];
static int n_copies;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

/* argv for getopt: a writable, NULL-terminated copy of the words of line */
static int parse_line(const char *line, struct run_opts *o, struct policy *p)
{
	char *copy = strdup(line), *argv[32], *save = NULL;
	int argc = 0, rc;

	for (char *w = strtok_r(copy, " ", &save); w && argc < 31; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	memset(o, 0, sizeof(*o));
	rc = run_opts__parse(argc, argv, o, p);
	if (n_copies < 64)
		copies[n_copies++] = copy;
	else
		CHECK(!"more than 64 command lines");
	return rc;
}

static char *policy_text(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	policy__print(p, f);
	fclose(f);
	return buf;
}

static void test_defaults(void)
{
	struct policy *p = policy__new();
	struct run_opts o;

	CHECK_EQ(parse_line("run --config /dev/null", &o, p), 0);
	CHECK_EQ(o.n_ifaces, 0);
	CHECK_EQ(o.n_ports, 1);
	CHECK_EQ(o.ports[0], 443);
	CHECK_STR(o.metrics_addr, RUN_DEFAULT_METRICS_ADDR);
	CHECK_EQ(o.log_mode, 0640);
	CHECK(!o.log_path && !o.user && !o.log_all);
	CHECK_STR(o.config_path, "/dev/null");
	for (int i = 0; i < RUN_OPT__COUNT; i++)
		CHECK_EQ(o.src[i], 0);
	run_opts__free(&o);
	policy__free(p);
}

static void test_precedence(void)
{
	struct policy *p = policy__new();
	struct run_opts o;
	char line[256], *text;

	write_file(pol, "min_dh_bits = 3072\n");
	snprintf(line, sizeof(line),
		 "# a config\n"
		 "interface = eth7\n"
		 "interface = eth8\n"
		 "ports = 443,8443\n"
		 "log-all = yes\n"
		 "hold-bytes = 8M\n"
		 "policy = min_rsa_bits=3072\n"
		 "policy-file = %s\n"
		 "log = /var/log/x.jsonl\n",
		 pol);
	write_file(conf, line);
	snprintf(line, sizeof(line), "run -i veth0 --ports 993 --config %s --policy min_rsa_bits=4096",
		 conf);
	CHECK_EQ(parse_line(line, &o, p), 0);
	/* -i replaces the file's interfaces; --ports overrides the file */
	CHECK_EQ(o.n_ifaces, 1);
	CHECK_STR(o.ifaces[0], "veth0");
	CHECK_EQ(o.src[RUN_OPT_INTERFACE], RUN_SRC_CMDLINE);
	CHECK_EQ(o.n_ports, 1);
	CHECK_EQ(o.ports[0], 993);
	CHECK_EQ(o.src[RUN_OPT_PORTS], RUN_SRC_CMDLINE);
	/* the file's own values and lines */
	CHECK(o.log_all);
	CHECK_EQ(o.src[RUN_OPT_LOG_ALL], 5);
	CHECK_EQ(o.retain_bytes, 8u << 20);
	CHECK_EQ(o.src[RUN_OPT_RETAIN_BYTES], 6);
	CHECK_STR(o.log_path, "/var/log/x.jsonl");
	CHECK_EQ(o.src[RUN_OPT_LOG], 9);
	CHECK_EQ(o.src[RUN_OPT_METRICS_ADDR], 0);
	/* policy settings add up, the file's first */
	CHECK_EQ(o.n_policy_args, 3);
	CHECK_EQ(o.policy_args[0].src, 7);
	CHECK(o.policy_args[1].is_file);
	CHECK_EQ(o.policy_args[2].src, RUN_SRC_CMDLINE);
	text = policy_text(p);
	CHECK(strstr(text, "min_rsa_bits = 4096\n") != NULL);
	CHECK(strstr(text, "min_dh_bits = 3072\n") != NULL);
	free(text);
	run_opts__free(&o);
	policy__free(p);
}

static void test_errors(void)
{
	struct policy *p = policy__new();
	struct run_opts o;
	char line[128];
	int rc;
	const char *bad_conf[] = {
		"nonsense = 1\n",	    "ports = 0\n",	   "keep-flagged = lots\n",
		"log-all = maybe\n",	    "config = /etc/x\n",   "print-config = true\n",
		"metrics-addr = nonsense\n", "log-mode = 0777\n",  "user = no-such-user-tlsmon\n",
		"policy = bogus=1\n",	    "just words\n",
	};
	const char *bad_args[] = {
		"run --config /dev/null --metrics-addr nonsense",
		"run --config /dev/null --log-mode 0646",
		"run --config /dev/null --log-mode rw",
		"run --config /dev/null --log-group no-such-group-tlsmon",
		"run --config /dev/null --socket-group no-such-group-tlsmon",
		"run --config /dev/null --user no-such-user-tlsmon",
		"run --config /dev/null --bogus",
		"run --config /dev/null extra",
		"run --config /nonexistent/tlsmon.conf",
	};

	for (size_t i = 0; i < sizeof(bad_conf) / sizeof(bad_conf[0]); i++) {
		write_file(conf, bad_conf[i]);
		snprintf(line, sizeof(line), "run --config %s", conf);
		rc = parse_line(line, &o, p);
		if (rc != -1)
			fprintf(stderr, "  accepted config: %s", bad_conf[i]);
		CHECK_EQ(rc, -1);
		run_opts__free(&o);
	}
	for (size_t i = 0; i < sizeof(bad_args) / sizeof(bad_args[0]); i++) {
		rc = parse_line(bad_args[i], &o, p);
		if (rc != -1)
			fprintf(stderr, "  accepted: %s\n", bad_args[i]);
		CHECK_EQ(rc, -1);
		run_opts__free(&o);
	}
	CHECK_EQ(parse_line("run --config /dev/null --log-mode 0600 --metrics-addr [::1]:0", &o, p),
		 0);
	CHECK_EQ(o.log_mode, 0600);
	run_opts__free(&o);
	CHECK_EQ(parse_line("run --config /dev/null --help", &o, p), 1);
	run_opts__free(&o);
	policy__free(p);
}

static void test_print_config(void)
{
	struct policy *p = policy__new();
	struct run_opts o, again;
	char line[128], *buf = NULL;
	size_t len = 0;
	FILE *f;

	write_file(conf, "\nsnaplen = 1500\ninterface = eth1\n");
	snprintf(line, sizeof(line), "run --config %s --log-mode 0600 --print-config", conf);
	CHECK_EQ(parse_line(line, &o, p), 0);
	CHECK(o.print_config);
	f = open_memstream(&buf, &len);
	run_opts__print_config(&o, "eth0", f);
	fclose(f);
	snprintf(line, sizeof(line), "snaplen = 1500                          # %s:2\n", conf);
	CHECK(strstr(buf, line) != NULL);
	CHECK(strstr(buf, "log-mode = 0600                         # command line\n") != NULL);
	CHECK(strstr(buf, "ports = 443                             # default\n") != NULL);
	CHECK(strstr(buf, "interface = eth1 ") != NULL);
	/* the output reads back as a config file with the same values */
	write_file(conf, buf);
	snprintf(line, sizeof(line), "run --config %s", conf);
	CHECK_EQ(parse_line(line, &again, p), 0);
	CHECK_EQ(again.snaplen, 1500);
	CHECK_EQ(again.log_mode, 0600);
	CHECK_EQ(again.n_ifaces, 1);
	free(buf);
	run_opts__free(&o);
	run_opts__free(&again);
	policy__free(p);
}

static void test_reload(void)
{
	struct policy *p = policy__new();
	struct run_opts o;
	char line[128], *buf = NULL, *text;
	size_t len = 0;
	FILE *f;

	write_file(pol, "min_rsa_bits = 3072\n");
	snprintf(line, sizeof(line), "run --config /dev/null --policy-file %s --policy min_ec_bits=256",
		 pol);
	CHECK_EQ(parse_line(line, &o, p), 0);
	write_file(pol, "min_rsa_bits = 4096\nweak_dh.enabled = false\n");
	f = open_memstream(&buf, &len);
	run_opts__reload(&o, NULL, p, f);
	fclose(f);
	CHECK_STR(buf, "tlsmon: SIGHUP: policy weak_dh.enabled: true -> false\n"
		       "tlsmon: SIGHUP: policy min_rsa_bits: 3072 -> 4096\n");
	free(buf);
	text = policy_text(p);
	CHECK(strstr(text, "min_ec_bits = 256\n") != NULL); /* --policy still applies */
	free(text);
	/* a broken file: the policy stays, the reason is said */
	write_file(pol, "min_rsa_bits = 1024\nnot a setting\n");
	f = open_memstream(&buf, &len);
	run_opts__reload(&o, NULL, p, f);
	fclose(f);
	snprintf(line, sizeof(line),
		 "tlsmon: SIGHUP: keeping the previous policy: --policy-file %s: line 2: "
		 "expected 'key = value'\n", pol);
	CHECK_STR(buf, line);
	free(buf);
	text = policy_text(p);
	CHECK(strstr(text, "min_rsa_bits = 4096\n") != NULL);
	free(text);
	run_opts__free(&o);
	policy__free(p);
}

/* SIGHUP reads the config file again: its policy lines apply (before the command line's), other
 * changed keys are named as waiting for a restart, a broken file changes nothing. */
static void test_reload_config(void)
{
	struct policy *p = policy__new();
	struct run_opts o;
	char line[256], want[512], *buf = NULL, *text;
	size_t len = 0;
	FILE *f;

	write_file(conf, "ports = 443\npolicy = min_rsa_bits=3072\n");
	snprintf(line, sizeof(line), "run --config %s --policy min_ec_bits=256 --snaplen 1500", conf);
	CHECK_EQ(parse_line(line, &o, p), 0);
	write_file(conf, "ports = 8443\npolicy = min_rsa_bits=4096\nsnaplen = 9000\n");
	f = open_memstream(&buf, &len);
	run_opts__reload(&o, NULL, p, f);
	fclose(f);
	/* snaplen is the command line's: the file does not change it */
	snprintf(want, sizeof(want),
		 "tlsmon: SIGHUP: %s: ports changed (443 -> 8443); takes effect at restart\n"
		 "tlsmon: SIGHUP: policy min_rsa_bits: 3072 -> 4096\n", conf);
	CHECK_STR(buf, want);
	free(buf);
	text = policy_text(p);
	CHECK(strstr(text, "min_rsa_bits = 4096\n") && strstr(text, "min_ec_bits = 256\n"));
	free(text);
	/* broken: nothing changes */
	write_file(conf, "policy = min_rsa_bits=2048\nbogus = 1\n");
	f = open_memstream(&buf, &len);
	run_opts__reload(&o, NULL, p, f);
	fclose(f);
	snprintf(want, sizeof(want), "tlsmon: SIGHUP: keeping the previous policy: %s:2: unknown key "
		 "'bogus' (keys are the long options of `tlsmon run`)\n", conf);
	CHECK_STR(buf, want);
	free(buf);
	/* the settings adopted at the first reload are the ones compared with now */
	write_file(conf, "ports = 443\npolicy = min_rsa_bits=4096\n");
	f = open_memstream(&buf, &len);
	run_opts__reload(&o, NULL, p, f);
	fclose(f);
	CHECK(strstr(buf, "SIGHUP: policy unchanged\n") != NULL);
	free(buf);
	text = policy_text(p);
	CHECK(strstr(text, "min_rsa_bits = 4096\n") && strstr(text, "min_ec_bits = 256\n"));
	free(text);
	run_opts__free(&o);
	policy__free(p);
}

int main(void)
{
	int fd = mkstemp(conf), fd2 = mkstemp(pol);

	if (fd < 0 || fd2 < 0) {
		printf("FAIL mkstemp\n");
		return 1;
	}
	close(fd);
	close(fd2);
	RUN_TEST(test_defaults);
	RUN_TEST(test_precedence);
	RUN_TEST(test_errors);
	RUN_TEST(test_print_config);
	RUN_TEST(test_reload);
	RUN_TEST(test_reload_config);
	unlink(conf);
	unlink(pol);
	for (int i = 0; i < n_copies; i++)
		free(copies[i]);
	return CHECK_DONE();
}
