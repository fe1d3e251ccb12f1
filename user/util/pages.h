/* Give back the pages under bytes that are read once, such as the BPF objects the skeletons
 * embed in .rodata: after loading, they only add to the daemon's resident set. */
#ifndef TLSMON_PAGES_H
#define TLSMON_PAGES_H

#include <stddef.h>

/* Unmap the whole pages inside [p, p + len) from the process (MADV_DONTNEED); the bytes stay
 * readable, a later read faults them in again from their file (or as zeros for anonymous
 * memory: use it on file-backed, unmodified bytes only). Returns the bytes released, or a
 * negative errno. */
long pages__release(const void *p, size_t len);

#endif
