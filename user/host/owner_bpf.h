/* Loader of the socket-owner programs (bpf/sockowner.bpf.c, embedded through their skeleton):
 * open -> configure (ports) -> load -> attach (fexit links), and the consumer of their ring
 * buffer. Separate from the capture filter so that with attribution off nothing of it is loaded.
 *
 * Needs kernel BTF (/sys/kernel/btf/vmlinux, for CO-RE) and CAP_BPF with CAP_PERFMON (or
 * CAP_SYS_ADMIN). fexit programs where the kernel has BPF trampolines, else kprobes on the same
 * functions, else raw tracepoints at the connect/accept system calls. */
#ifndef TLSMON_OWNER_BPF_H
#define TLSMON_OWNER_BPF_H

#include <stddef.h>
#include <stdint.h>

#include "tlsmon_host.h"

typedef void (*owner_bpf_owner_fn)(void *ctx, const struct tlsmon_owner_event *ev);

struct owner_bpf_opts {
	const uint16_t *ports; /* the capture filter's ports */
	size_t nports;
	int verbose; /* let libbpf print (the verifier log) */
	/* ev is valid only during the call, and only its first TLSMON_OWNER_EVENT_HDR +
	 * ev->names_len bytes (checked against the record's size) */
	owner_bpf_owner_fn on_owner;
	void *ctx;
};

struct owner_bpf;

/* Load and attach. NULL on failure (errno set) with one line in err saying why. */
struct owner_bpf *owner_bpf__open(const struct owner_bpf_opts *opts, char *err, size_t err_size);

/* "fexit", "kprobe" or "syscall tracepoint": the set of programs attached, the first of these
 * the kernel took. */
const char *owner_bpf__hooks(const struct owner_bpf *ob);

/* A descriptor that polls readable when records wait; deliver them without waiting. */
int owner_bpf__fd(const struct owner_bpf *hb);
int owner_bpf__consume(struct owner_bpf *hb);

/* Records the kernel dropped because the ring buffer was full. */
uint64_t owner_bpf__dropped(const struct owner_bpf *hb);

/* The daemon no longer holds pid's names: the pid's next record carries them again (the
 * programs leave them out of the records of a process whose last record carried them). */
void owner_bpf__forget_names(struct owner_bpf *ob, uint32_t pid);

/* The programs' maps, for later hooks that join on the same owners (uprobes on TLS libraries:
 * bpf_map__reuse_fd() before their load): struct sock address -> struct tlsmon_owner, and
 * thread id -> the struct sock address it connected or accepted last. */
int owner_bpf__sock_owners_fd(const struct owner_bpf *ob);
int owner_bpf__thread_sock_fd(const struct owner_bpf *ob);

/* Detach and free. NULL is fine. */
void owner_bpf__close(struct owner_bpf *hb);

#endif
