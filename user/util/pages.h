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

/* The same for a BPF skeleton's embedded object, given its NAME__elf_bytes() (bpftool's
 * skeleton): libbpf reads the bytes while loading and never again. */
long pages__release_object(const void *(*elf_bytes)(size_t *sz));

#endif
