// SPDX-License-Identifier: GPL-2.0
/* Socket-owner programs: skeleton lifecycle (open -> configure -> load -> attach) and the
 * consumer of their ring buffer. */
#include "host/owner_bpf.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/ringbuf.h"
#include "sockowner.skel.h"
#include "tlsmon_shared.h"
#include "util/err.h"
#include "util/pages.h"

_Static_assert(sizeof(struct tlsmon_owner) == TLSMON_OWNER_SIZE, "struct tlsmon_owner layout");
_Static_assert(sizeof(struct tlsmon_owner_identity) == TLSMON_OWNER_IDENTITY_SIZE,
	       "struct tlsmon_owner_identity layout");
_Static_assert(sizeof(struct tlsmon_owner_event) == TLSMON_OWNER_EVENT_SIZE &&
		       offsetof(struct tlsmon_owner_event, names) == TLSMON_OWNER_EVENT_HDR,
	       "struct tlsmon_owner_event layout");

struct owner_bpf {
	struct sockowner_bpf *skel;
	struct ringbuf *rb;
	owner_bpf_owner_fn on_owner;
	void *ctx;
	int set; /* enum hook_set attached */
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct owner_bpf *ob = ctx;

	const struct tlsmon_owner_event *ev = data;

	/* records are as long as their names: the fixed part, then names_len bytes */
	if (size >= TLSMON_OWNER_EVENT_HDR && ev->names_len <= size - TLSMON_OWNER_EVENT_HDR)
		ob->on_owner(ob->ctx, ev);
	return 0;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* inet_csk_accept() lost two arguments in Linux 6.10; keep the program written for the running
 * kernel's, as its BTF states them. */
static int pick_accept(struct sockowner_bpf *skel, char *err, size_t esz)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	const struct btf_type *t;
	int id, nargs = -1;

	if (!vmlinux) {
		err__set(err, esz, "the kernel has no BTF (/sys/kernel/btf/vmlinux), which fexit "
				   "programs need");
		return -ENOTSUP;
	}
	id = btf__find_by_name_kind(vmlinux, "inet_csk_accept", BTF_KIND_FUNC);
	t = id > 0 ? btf__type_by_id(vmlinux, (__u32)id) : NULL;
	t = t ? btf__type_by_id(vmlinux, t->type) : NULL;
	if (t && btf_is_func_proto(t))
		nargs = btf_vlen(t);
	btf__free(vmlinux);
	if (nargs != 2 && nargs != 4) {
		err__set(err, esz, "the kernel's inet_csk_accept() is not one this tlsmon knows");
		return -ENOTSUP;
	}
	bpf_program__set_autoload(nargs == 2 ? skel->progs.host_accept_old : skel->progs.host_accept,
				  false);
	return 0;
}

/* The sets of programs, best first: fexit (cheapest, reads the socket cookie), kprobes where the
 * kernel has no BPF trampoline, the first send's BTF tracepoint where it has no kprobes either
 * (runs at every TCP send), raw syscall tracepoints where it lacks that tracepoint too (they run
 * at every system call of the host). */
enum hook_set { HOOKS_FEXIT, HOOKS_KPROBE, HOOKS_SEND, HOOKS_SYSCALL, HOOKS__COUNT };

static const char *const hook_set_names[HOOKS__COUNT] = { "fexit", "kprobe", "first-send tracepoint",
							  "syscall tracepoint" };

static void autoload(struct sockowner_bpf *skel, enum hook_set set)
{
	struct {
		struct bpf_program *prog;
		enum hook_set set;
	} progs[] = {
		{ skel->progs.host_connect4, HOOKS_FEXIT },
		{ skel->progs.host_connect6, HOOKS_FEXIT },
		{ skel->progs.host_accept, HOOKS_FEXIT },
		{ skel->progs.host_accept_old, HOOKS_FEXIT },
		{ skel->progs.host_kconnect4_in, HOOKS_KPROBE },
		{ skel->progs.host_kconnect4, HOOKS_KPROBE },
		{ skel->progs.host_kconnect6_in, HOOKS_KPROBE },
		{ skel->progs.host_kconnect6, HOOKS_KPROBE },
		{ skel->progs.host_kaccept, HOOKS_KPROBE },
		{ skel->progs.host_first_send, HOOKS_SEND },
		{ skel->progs.host_sys_enter, HOOKS_SYSCALL },
		{ skel->progs.host_sys_exit, HOOKS_SYSCALL },
	};

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		bpf_program__set_autoload(progs[i].prog, progs[i].set == set);
}

/* One attempt with one set of programs; on failure err says why and nothing stays loaded. */
static int load_attach(struct owner_bpf *ob, const struct owner_bpf_opts *opts,
		       enum hook_set set, char *err, size_t esz)
{
	int e;

	ob->skel = sockowner_bpf__open();
	if (!ob->skel) {
		e = -errno;
		err__set(err, esz, "opening the BPF object failed: %s", strerror(errno));
		return e;
	}
	for (size_t i = 0; i < opts->nports; i++)
		ob->skel->bss->tlsmon_owner_ports[opts->ports[i] >> 6] |=
			1ULL << (opts->ports[i] & 63);
	autoload(ob->skel, set);
	e = set == HOOKS_FEXIT ? pick_accept(ob->skel, err, esz) : 0;
	if (!e) {
		e = sockowner_bpf__load(ob->skel);
		if (e == -EPERM)
			err__set(err, esz, "loading refused (%s)", set == HOOKS_FEXIT ?
					   "CAP_BPF and CAP_PERFMON needed, or the kernel has no BPF "
					   "trampoline" : "CAP_BPF and CAP_PERFMON needed");
		else if (e)
			err__set(err, esz, "loading failed: %s", strerror(-e));
	}
	if (!e) {
		e = sockowner_bpf__attach(ob->skel);
		if (e)
			err__set(err, esz, "attaching failed: %s", strerror(-e));
	}
	if (e) {
		sockowner_bpf__destroy(ob->skel);
		ob->skel = NULL;
	}
	return e;
}

struct owner_bpf *owner_bpf__open(const struct owner_bpf_opts *opts, char *err, size_t err_size)
{
	struct owner_bpf *ob = calloc(1, sizeof(*ob));
	char why[HOOKS__COUNT][128] = { "" };
	int e = -ENOTSUP;

	if (!ob) {
		err__set(err, err_size, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (!opts->verbose)
		libbpf_set_print(silent_print);
	ob->on_owner = opts->on_owner;
	ob->ctx = opts->ctx;
	for (ob->set = 0; ob->set < HOOKS__COUNT && e; ob->set++)
		e = load_attach(ob, opts, ob->set, why[ob->set], sizeof(why[0]));
	ob->set--;
	if (e) {
		err__set(err, err_size, "fexit: %s; kprobe: %s; first-send tracepoint: %s; "
					"syscall tracepoint: %s", why[0], why[1], why[2], why[3]);
		goto cleanup;
	}
	/* CO-RE parsed the kernel's BTF (megabytes, up to three times): freed, but glibc keeps
	 * the pages in its heap unless asked, and they would stay in the daemon's RSS. */
	malloc_trim(0);
	/* the skeleton's copy of the object (430 KB of .rodata), read by each attempt to load it */
	pages__release_object(sockowner_bpf__elf_bytes);
	ob->rb = ringbuf__new(bpf_map__fd(ob->skel->maps.tlsmon_owner_events), on_record, ob);
	if (!ob->rb) {
		e = -errno;
		err__set(err, err_size, "creating its ring buffer consumer failed: %s", strerror(-e));
		goto cleanup;
	}
	return ob;
cleanup:
	owner_bpf__close(ob);
	errno = -e;
	return NULL;
}

const char *owner_bpf__hooks(const struct owner_bpf *ob)
{
	return hook_set_names[ob->set];
}

int owner_bpf__fd(const struct owner_bpf *ob)
{
	return ringbuf__epoll_fd(ob->rb);
}

int owner_bpf__consume(struct owner_bpf *ob)
{
	return ringbuf__consume(ob->rb);
}

uint64_t owner_bpf__dropped(const struct owner_bpf *ob)
{
	/* .bss is mmapped by the skeleton: the programs' memory, read without a syscall */
	return __atomic_load_n(&ob->skel->bss->tlsmon_owner_dropped, __ATOMIC_RELAXED);
}

void owner_bpf__forget_names(struct owner_bpf *ob, uint32_t pid)
{
	/* -ENOENT is normal: the LRU may have let the entry go already */
	bpf_map__delete_elem(ob->skel->maps.tlsmon_names_sent, &pid, sizeof(pid), 0);
}

int owner_bpf__sock_owners_fd(const struct owner_bpf *ob)
{
	return bpf_map__fd(ob->skel->maps.tlsmon_sock_owners);
}

int owner_bpf__thread_sock_fd(const struct owner_bpf *ob)
{
	return bpf_map__fd(ob->skel->maps.tlsmon_thread_sock);
}

void owner_bpf__close(struct owner_bpf *ob)
{
	if (!ob)
		return;
	ringbuf__free(ob->rb);
	sockowner_bpf__destroy(ob->skel); /* detaches the links */
	free(ob);
}
