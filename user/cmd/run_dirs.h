/* The directories `tlsmon run` prepares while still root: the control socket's runtime directory
 * and --dump-dir (run_dirs.c). */
#ifndef TLSMON_RUN_DIRS_H
#define TLSMON_RUN_DIRS_H

#include "cmd/run_opts.h"

/* CTL_RUNTIME_DIR back to root, 0755, when an older tlsmon gave it to --user. */
void run__reclaim_runtime_dir(void);
/* --dump-dir made 0700 for the user the daemon becomes, when missing. */
void run__make_dump_dir(const struct run_opts *o);

#endif
