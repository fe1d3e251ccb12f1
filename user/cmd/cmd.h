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
int cmd_run(int argc, char **argv, volatile sig_atomic_t *stop, volatile sig_atomic_t *dump);
int cmd_policy(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_explain(int argc, char **argv);

/* Print one handshake JSON line (report__json) as the explain tree, when it is flagged or failed
 * (or always with all). Returns 0 printed, 1 skipped, -EINVAL not a handshake line. */
int cmd__explain_json(FILE *out, const char *line, size_t len, bool all);

/* "90s", "15m", "2h", "1d", "3600" (seconds). Returns 0 or -1. */
int cmd__parse_duration(const char *s, uint64_t *secs);
/* "1048576", "512K", "64M", "1G" (also KiB/MiB/GiB). Returns 0 or -1. */
int cmd__parse_size(const char *s, uint64_t *bytes);
/* A size as cmd__parse_size reads it, in [min, max] (powers of two), rounded up to a power of
 * two. Returns 0 or -1 (not a size, or out of bounds before rounding). */
int cmd__parse_pow2_size(const char *s, uint64_t min, uint64_t max, uint64_t *bytes);

/* --policy KEY=VALUE (is_file false) or --policy-file PATH; prints the error. Returns 0 or -1. */
int cmd__apply_policy_arg(struct policy *p, bool is_file, const char *arg);

/* Parse a decimal in [min, max]. Returns 0 or -1. */
int cmd__parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

struct engine;

/* The counters of e, for the metrics and --stats. */
struct pipeline_stats cmd__pipeline_stats(const struct engine *e);

/* Pipeline counters of one engine, for --stats. */
void cmd__print_engine_stats(FILE *out, const char *label, const struct pipeline_stats *p);

#endif
