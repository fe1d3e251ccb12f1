/* Subcommands of the tlsmon binary and the small helpers they share. */
#ifndef TLSMON_CMD_H
#define TLSMON_CMD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "verdict/engine_stats.h"
#include "verdict/policy.h"

int cmd_read(int argc, char **argv);
/* stop, dump, reload: set by SIGINT/SIGTERM, SIGUSR1, SIGHUP. */
int cmd_run(int argc, char **argv, volatile sig_atomic_t *stop, volatile sig_atomic_t *dump,
	    volatile sig_atomic_t *reload);
int cmd_policy(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_endpoints(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_explain(int argc, char **argv);

/* Print one handshake JSON line (report__json) as the explain tree, when it is flagged or failed
 * (or always with all). Returns 0 printed, 1 skipped, -EINVAL not a handshake line. */
int cmd__explain_json(FILE *out, const char *line, size_t len, bool all);

/* --policy KEY=VALUE (is_file false) or --policy-file PATH; prints the error. Returns 0 or -1. */
int cmd__apply_policy_arg(struct policy *p, bool is_file, const char *arg);

struct engine;

/* The counters of e, for the metrics and --stats. */
struct pipeline_stats cmd__pipeline_stats(const struct engine *e);

/* Pipeline counters of one engine, for --stats. */
void cmd__print_engine_stats(FILE *out, const char *label, const struct pipeline_stats *p);

#endif
