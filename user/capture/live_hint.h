/* Repair of the kernel's flow hint (bpf/maps.h): the counts an LRU-evicted flow entry left
 * behind are set back to what the flow map holds, without racing the programs. */
#ifndef TLSMON_LIVE_HINT_H
#define TLSMON_LIVE_HINT_H

#include <stdint.h>

struct live_hint;

struct live_hint *live_hint__new(void);
void live_hint__free(struct live_hint *h);

/* hint: the programs' TLSMON_HINT_SLOTS slots (the mmapped .bss); halfopen_map_fd and
 * flow_map_fd: tlsmon_halfopen and tlsmon_flows (an entry holds its count in either).
 * Must not run concurrently with userspace updates of the flow map (live_bpf__mark_done), which
 * replace entries without touching the hint. Returns the number of slots lowered, or -errno. */
int live_hint__repair(struct live_hint *h, uint64_t *hint, int halfopen_map_fd, int flow_map_fd);

#endif
