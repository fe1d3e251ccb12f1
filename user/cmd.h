/* Subcommands of the tlsmon binary and the small helpers they share. */
#ifndef TLSMON_CMD_H
#define TLSMON_CMD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "policy.h"

int cmd_read(int argc, char **argv);
int cmd_run(int argc, char **argv, volatile sig_atomic_t *stop);
int cmd_policy(int argc, char **argv);

/* --policy KEY=VALUE (is_file false) or --policy-file PATH; prints the error. Returns 0 or -1. */
int cmd__apply_policy_arg(struct policy *p, bool is_file, const char *arg);

/* Parse a decimal in [min, max]. Returns 0 or -1. */
int cmd__parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* Pipeline counters of one engine, for --stats. */
void cmd__print_engine_stats(FILE *out, const char *label, const struct engine *e);

#endif
