/* Watches the monitored interfaces through rtnetlink, so that an interface going down, up or
 * away is said in the daemon's log instead of silently ending the capture. */
#ifndef TLSMON_LINKWATCH_H
#define TLSMON_LINKWATCH_H

#include <stdbool.h>
#include <stdio.h>

#define LINKWATCH_MAX 64

struct linkwatch;

/* Subscribe to link notifications for these interfaces. NULL and *err = -errno on failure. */
struct linkwatch *linkwatch__open(const char *const *names, int n, int *err);
void linkwatch__close(struct linkwatch *lw);

/* Poll for POLLIN on this descriptor. */
int linkwatch__fd(const struct linkwatch *lw);

/* Read pending notifications, log changes of the watched interfaces on log (once per change).
 * Returns how many watched interfaces still exist. */
int linkwatch__handle(struct linkwatch *lw, FILE *log);

#endif
