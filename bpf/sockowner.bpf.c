// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Socket owners: at connect (fexit of tcp_v4_connect/tcp_v6_connect) and accept (fexit of
 * inet_csk_accept) the current task is the process that owns the socket: the connecting client
 * or the accepting server. Its identity is taken here, in that task's context, so a process
 * that exits right after its handshake is still known; userspace joins the record to the flow
 * by 4-tuple and network namespace. Loaded only with process attribution on (user/host/). */
#include <linux/bpf.h>
#include <asm/ptrace.h> /* struct pt_regs, for the kprobes */
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "core_types.h"
#include "tlsmon_host.h"
#include "tlsmon_shared.h"

#define AF_INET 2
#define AF_INET6 10

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Every record, for the collector. Userspace may resize it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TLSMON_OWNER_RINGBUF_BYTES);
} tlsmon_owner_events SEC(".maps");

/* Socket (the kernel address of its struct sock) -> owner: what a later hook on the same
 * socket (a TLS library's uprobe that finds the socket from its descriptor) joins on. LRU:
 * closed sockets age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TLSMON_OWNER_SOCKS);
	__type(key, __u64);
	__type(value, struct tlsmon_owner);
} tlsmon_sock_owners SEC(".maps");

/* The kprobe fallback: thread id -> the socket its tcp_v[46]_connect() is working on, from
 * entry to return. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TLSMON_OWNER_THREADS);
	__type(key, __u32);
	__type(value, __u64);
} tlsmon_connecting SEC(".maps");

/* Thread id -> the socket (as in tlsmon_sock_owners) it connected or accepted last: what a hook
 * that knows only the thread (a uprobe on SSL_do_handshake) joins on. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TLSMON_OWNER_THREADS);
	__type(key, __u32);
	__type(value, __u64);
} tlsmon_thread_sock SEC(".maps");

/* What a pid's last record with names was sent with: its identity, and the unified tree's
 * cgroup id (tlsmon_owner.cgroup_id). */
struct sent_names {
	struct tlsmon_owner_identity id;
	__u64 cgroup_id;
};

/* Thread group id -> what the last record with names for it was sent with: a record of the
 * same process finds it equal and leaves the names out (4.5 us of path reads a record on
 * Linux 6.18, most of a record's cost). Written only once that record is in the ring buffer,
 * so a record without names is always behind the one with them; a record the ring had no room
 * for writes nothing. The daemon deletes a pid's entry when it lets its names go; LRU: an
 * entry gone costs one record with names. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TLSMON_OWNER_PROCS);
	__type(key, __u32);
	__type(value, struct sent_names);
} tlsmon_names_sent SEC(".maps");

/* Where a record is assembled (record()); busy while a program fills it. */
struct owner_scratch {
	__u32 busy;
	__u32 pad;
	struct tlsmon_owner_event ev;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct owner_scratch);
} tlsmon_owner_scratch SEC(".maps");

/* Records the ring buffer had no room for (userspace reads it from .bss). */
__u64 tlsmon_owner_dropped;

/* The monitored TCP ports, as the capture filter's tlsmon_ports (userspace sets both): a socket
 * neither of whose ports is watched never carries a handshake tlsmon reports. */
__u64 tlsmon_owner_ports[TLSMON_PORT_WORDS];

static __always_inline int owner_port_watched(__u16 port)
{
	return (tlsmon_owner_ports[(port >> 6) & (TLSMON_PORT_WORDS - 1)] >> (port & 63)) & 1;
}

/* ::ffff:a.b.c.d (RFC 4291 2.5.5.2): the wire carries IPv4, so the record does too. */
static __always_inline int v4_mapped(const struct in6_addr *a)
{
	return a->in6_u.u6_addr32[0] == 0 && a->in6_u.u6_addr32[1] == 0 &&
	       a->in6_u.u6_addr32[2] == bpf_htonl(0xffff);
}

static __always_inline int sock_tuple(struct sock *sk, struct tlsmon_owner *o)
{
	unsigned short family = BPF_CORE_READ(sk, __sk_common.skc_family);
	struct in6_addr l6, r6;

	o->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	o->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	o->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&l6, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&r6, sk, __sk_common.skc_v6_daddr);
		if (!v4_mapped(&r6)) {
			o->family = 6;
			__builtin_memcpy(o->local_addr, &l6, 16);
			__builtin_memcpy(o->remote_addr, &r6, 16);
			return 0;
		}
	} else if (family != AF_INET) {
		return -1;
	}
	o->family = 4;
	*(__be32 *)o->local_addr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
	*(__be32 *)o->remote_addr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
	return 0;
}

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ(kn, parent);
}

/* Append one name to the event's packed lists; returns the new end. A name that does not fit
 * any more, or that cannot be read, is left out and said (truncated). */
static __always_inline __u64 put_name(struct tlsmon_owner_event *ev, __u64 off, int list,
				      const void *name)
{
	long n;

	if (off >= TLSMON_OWNER_NAMES_MAX) {
		ev->truncated[list] = 1;
		return off;
	}
	n = bpf_probe_read_kernel_str(ev->names + (off & (TLSMON_OWNER_NAMES_MAX - 1)),
				      TLSMON_NAME_MAX, name);
	if (n <= 0) {
		ev->truncated[list] = 1;
		return off;
	}
	ev->count[list]++;
	return off + (__u64)n;
}

/* A cgroup's path, leaf first, up to the hierarchy's root (whose name is left out). */
static __always_inline __u64 cgroup_names(struct tlsmon_owner_event *ev, __u64 off, int list,
					  struct cgroup *cg)
{
	struct kernfs_node *kn = cg ? BPF_CORE_READ(cg, kn) : NULL, *up;
	int i;

	for (i = 0; i < TLSMON_PATH_DEPTH && kn; i++) {
		up = kn_parent(kn);
		if (!up)
			return off;
		off = put_name(ev, off, list, BPF_CORE_READ(kn, name));
		kn = up;
	}
	if (kn && kn_parent(kn))
		ev->truncated[list] = 1;
	return off;
}

static __always_inline __u64 exe_dir_names(struct tlsmon_owner_event *ev, __u64 off,
					   struct dentry *d)
{
	struct dentry *up;
	int i;

	for (i = 0; i < TLSMON_PATH_DEPTH && d; i++) {
		up = BPF_CORE_READ(d, d_parent);
		if (!up || up == d)
			return off;
		d = up;
		up = BPF_CORE_READ(d, d_parent);
		if (!up || up == d)
			return off; /* d is the mount's root: no name of its own */
		off = put_name(ev, off, TLSMON_NAMES_EXE_DIRS, BPF_CORE_READ(d, d_name.name));
	}
	ev->truncated[TLSMON_NAMES_EXE_DIRS] = 1;
	return off;
}

/* The process's identity (struct tlsmon_owner_identity); mem: its memory controller's cgroup,
 * NULL when the kernel has none. */
static __always_inline void identity(struct tlsmon_owner_identity *id, struct task_struct *task,
				     struct cgroup *mem)
{
	struct kernfs_node *kn = mem ? BPF_CORE_READ(mem, kn) : NULL;

	id->start_ns = BPF_CORE_READ(task, group_leader, start_time);
	/* every thread of the group has the exec'ing thread's: the others died at the exec */
	bpf_core_read(&id->exec_id, bpf_core_field_size(task->self_exec_id), &task->self_exec_id);
	if (kn && bpf_core_field_exists(kn->id))
		id->memory_cgroup_id = BPF_CORE_READ(kn, id);
}

static __always_inline int names_were_sent(const struct tlsmon_owner_event *ev)
{
	struct sent_names *sent = bpf_map_lookup_elem(&tlsmon_names_sent, &ev->o.pid);

	return sent && sent->id.start_ns == ev->id.start_ns &&
	       sent->id.exec_id == ev->id.exec_id &&
	       sent->id.memory_cgroup_id == ev->id.memory_cgroup_id &&
	       sent->cgroup_id == ev->o.cgroup_id;
}

/* Fill ev for sk; returns the record's length, 0 when the socket is not one to record. The
 * names are left out (TLSMON_OWNER_NAMES_OMITTED) when the last record of the process that
 * carried them was sent with the same identity. */
static __always_inline __u64 fill(struct tlsmon_owner_event *ev, struct sock *sk, __u8 kind,
				  __u64 cookie)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid(), uid_gid = bpf_get_current_uid_gid();
	struct tlsmon_owner *o = &ev->o;
	struct cgroup *mem = NULL;
	struct css_set *cgroups;
	struct dentry *exe;
	__u64 off = 0; /* 64 bits: a 32-bit one is bounded on a zero-extended copy the verifier
			* does not relate to it */

	__builtin_memset(o, 0, sizeof(*o));
	/* identity, flags, counts: all of the header after o */
	__builtin_memset(&ev->id, 0,
			 TLSMON_OWNER_EVENT_HDR - __builtin_offsetof(struct tlsmon_owner_event, id));
	if (sock_tuple(sk, o))
		return 0;
	o->kind = kind;
	o->cookie = cookie;
	o->ts_ns = bpf_ktime_get_ns();
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->pid = (__u32)(pid_tgid >> 32);
	o->tid = (__u32)pid_tgid;
	o->uid = (__u32)uid_gid;
	o->gid = (__u32)(uid_gid >> 32);
	bpf_get_current_comm(o->comm, sizeof(o->comm));
	cgroups = BPF_CORE_READ(task, cgroups);
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		mem = BPF_CORE_READ(cgroups,
				    subsys[bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id)],
				    cgroup);
	identity(&ev->id, task, mem);
	if (names_were_sent(ev)) {
		ev->flags = TLSMON_OWNER_NAMES_OMITTED;
		return TLSMON_OWNER_EVENT_HDR;
	}
	exe = BPF_CORE_READ(task, mm, exe_file, f_path.dentry);
	if (exe) {
		bpf_probe_read_kernel_str(o->exe_name, sizeof(o->exe_name),
					  BPF_CORE_READ(exe, d_name.name));
		off = exe_dir_names(ev, off, exe);
	}
	off = cgroup_names(ev, off, TLSMON_NAMES_UNIFIED, BPF_CORE_READ(cgroups, dfl_cgrp));
	if (mem)
		off = cgroup_names(ev, off, TLSMON_NAMES_MEMORY, mem);
	/* Bound off where the verifier sees it: the compiler would test a copy of it. */
	asm volatile("" : "+r"(off));
	if (off > TLSMON_OWNER_NAMES_MAX + TLSMON_NAME_MAX)
		off = TLSMON_OWNER_NAMES_MAX + TLSMON_NAME_MAX;
	asm volatile("" : "+r"(off));
	ev->names_len = (__u16)off;
	return TLSMON_OWNER_EVENT_HDR + off;
}

static __always_inline void remember(struct sock *sk, const struct tlsmon_owner *o)
{
	__u64 sock_key = (__u64)(long)sk;
	__u32 tid = o->tid;

	bpf_map_update_elem(&tlsmon_sock_owners, &sock_key, o, BPF_ANY);
	bpf_map_update_elem(&tlsmon_thread_sock, &tid, &sock_key, BPF_ANY);
}

/* After the record with ev's names is in the ring buffer: the next ones of the process may
 * leave them out. */
static __always_inline void names_sent(const struct sent_names *sent, __u32 pid)
{
	bpf_map_update_elem(&tlsmon_names_sent, &pid, sent, BPF_ANY);
}

/* No wakeup per record: the collector drains them at every turn of its loop, which the capture
 * filter's frames wake, and before every verdict, the only time it needs them. It is woken
 * only when the ring buffer fills up (connections it does not capture: other namespaces). */
static __always_inline __u64 wakeup_flags(void)
{
	return bpf_ringbuf_query(&tlsmon_owner_events, BPF_RB_AVAIL_DATA) >
			       TLSMON_OWNER_RINGBUF_BYTES / 4 ?
		       BPF_RB_FORCE_WAKEUP :
		       BPF_RB_NO_WAKEUP;
}

/* A record is assembled in this CPU's scratch and written out as long as its names: most are
 * a few hundred bytes, and the ring buffer holds that many more of them. A program preempted
 * on this CPU (preemptible kernels) leaves the scratch busy; the one that finds it so assembles
 * its record in a full-size reservation instead. */
static __always_inline void record(struct sock *sk, __u8 kind, __u64 cookie)
{
	struct owner_scratch *s;
	struct tlsmon_owner_event *ev;
	struct sent_names sent;
	__u32 zero = 0, pid, omitted;
	__u64 len;

	/* Most sockets of a host are not on a watched port: two loads and out. */
	if (!owner_port_watched(BPF_CORE_READ(sk, __sk_common.skc_num)) &&
	    !owner_port_watched(bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport))))
		return;
	s = bpf_map_lookup_elem(&tlsmon_owner_scratch, &zero);
	if (s && !s->busy) {
		s->busy = 1;
		len = fill(&s->ev, sk, kind, cookie);
		if (len) {
			remember(sk, &s->ev.o);
			if (bpf_ringbuf_output(&tlsmon_owner_events, &s->ev, len, wakeup_flags())) {
				__sync_fetch_and_add(&tlsmon_owner_dropped, 1);
			} else if (!(s->ev.flags & TLSMON_OWNER_NAMES_OMITTED)) {
				sent.id = s->ev.id;
				sent.cgroup_id = s->ev.o.cgroup_id;
				names_sent(&sent, s->ev.o.pid);
			}
		}
		s->busy = 0;
		return;
	}
	ev = bpf_ringbuf_reserve(&tlsmon_owner_events, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&tlsmon_owner_dropped, 1);
		return;
	}
	if (!fill(ev, sk, kind, cookie)) {
		bpf_ringbuf_discard(ev, 0);
		return;
	}
	remember(sk, &ev->o);
	/* ev is the consumer's once submitted */
	sent.id = ev->id;
	sent.cgroup_id = ev->o.cgroup_id;
	pid = ev->o.pid;
	omitted = ev->flags & TLSMON_OWNER_NAMES_OMITTED;
	bpf_ringbuf_submit(ev, wakeup_flags());
	if (!omitted)
		names_sent(&sent, pid);
}

/* A failed connect leaves no connection to attribute. A v4-mapped tcp_v6_connect calls
 * tcp_v4_connect, which records it. */
SEC("fexit/tcp_v4_connect")
int BPF_PROG(host_connect4, struct sock *sk, void *uaddr, int addr_len, int ret)
{
	if (!ret)
		record(sk, TLSMON_OWNER_CONNECT, bpf_get_socket_cookie(sk));
	return 0;
}

SEC("fexit/tcp_v6_connect")
int BPF_PROG(host_connect6, struct sock *sk, void *uaddr, int addr_len, int ret)
{
	if (!ret && BPF_CORE_READ(sk, __sk_common.skc_family) == AF_INET6)
		record(sk, TLSMON_OWNER_CONNECT, bpf_get_socket_cookie(sk));
	return 0;
}

/* inet_csk_accept() has two arguments since Linux 6.10 (sk, struct proto_accept_arg *) and
 * four before (sk, flags, err, kern); the loader keeps the one that matches the kernel's BTF. */
SEC("fexit/inet_csk_accept")
int BPF_PROG(host_accept, struct sock *sk, void *arg, struct sock *newsk)
{
	if (newsk)
		record(newsk, TLSMON_OWNER_ACCEPT, bpf_get_socket_cookie(newsk));
	return 0;
}

SEC("fexit/inet_csk_accept")
int BPF_PROG(host_accept_old, struct sock *sk, int flags, int *err, _Bool kern, struct sock *newsk)
{
	if (newsk)
		record(newsk, TLSMON_OWNER_ACCEPT, bpf_get_socket_cookie(newsk));
	return 0;
}

/* The same hooks as kprobes, for kernels that refuse fexit programs (no BPF trampoline: built
 * without ftrace direct calls, or an architecture without them). Slower (a breakpoint per call)
 * and without the socket cookie, which only tracing programs may read. */
static __always_inline void connect_entry(struct sock *sk)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 v = (__u64)(long)sk;

	bpf_map_update_elem(&tlsmon_connecting, &tid, &v, BPF_ANY);
}

static __always_inline void connect_return(int ret, int v6)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *v = bpf_map_lookup_elem(&tlsmon_connecting, &tid);
	struct sock *sk;

	if (!v)
		return; /* a v4-mapped tcp_v6_connect: its inner tcp_v4_connect took it */
	sk = (struct sock *)(long)*v;
	bpf_map_delete_elem(&tlsmon_connecting, &tid);
	if (!ret && (!v6 || BPF_CORE_READ(sk, __sk_common.skc_family) == AF_INET6))
		record(sk, TLSMON_OWNER_CONNECT, 0);
}

SEC("kprobe/tcp_v4_connect")
int BPF_KPROBE(host_kconnect4_in, struct sock *sk)
{
	connect_entry(sk);
	return 0;
}

SEC("kretprobe/tcp_v4_connect")
int BPF_KRETPROBE(host_kconnect4, int ret)
{
	connect_return(ret, 0);
	return 0;
}

SEC("kprobe/tcp_v6_connect")
int BPF_KPROBE(host_kconnect6_in, struct sock *sk)
{
	connect_entry(sk);
	return 0;
}

SEC("kretprobe/tcp_v6_connect")
int BPF_KRETPROBE(host_kconnect6, int ret)
{
	connect_return(ret, 1);
	return 0;
}

SEC("kretprobe/inet_csk_accept")
int BPF_KRETPROBE(host_kaccept, struct sock *newsk)
{
	if (newsk)
		record(newsk, TLSMON_OWNER_ACCEPT, 0);
	return 0;
}

/* For kernels with neither BPF trampolines nor kprobes but with the tcp_sendmsg_locked BTF
 * tracepoint (Linux 6.2): a socket on a watched port is named at its first send (a TLS client's
 * ClientHello, a server's ServerHello, or the alert that refuses a ClientHello), by the task
 * that sends, in that task's context. The cost is at TCP sends, not at every system call of the
 * host as with the syscall tracepoints below: sockets on other ports leave after two loads, and
 * the socket's own storage marks one as named. Sockets whose remote port is watched are the
 * connecting side's, the others the accepting side's. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} tlsmon_sock_named SEC(".maps");

SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(host_first_send, struct sock *sk)
{
	/* Loads straight from the socket, which a BTF tracepoint may make (CO-RE still relocates
	 * them): BPF_CORE_READ would be a bpf_probe_read_kernel() call each, and this runs at every
	 * segment a TCP send fills, host-wide (iperf3 to port 443 on the 2-core VM: 91 ns a run with
	 * the two calls, as much BPF time as the TC programs; bench/README.md, "host impact"). */
	int remote = owner_port_watched(bpf_ntohs(sk->__sk_common.skc_dport));
	__u8 *named;

	if (!remote && !owner_port_watched(sk->__sk_common.skc_num))
		return 0;
	named = bpf_sk_storage_get(&tlsmon_sock_named, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!named || *named)
		return 0;
	*named = 1;
	record(sk, remote ? TLSMON_OWNER_CONNECT : TLSMON_OWNER_ACCEPT, bpf_get_socket_cookie(sk));
	return 0;
}

/* The same hooks at the system call boundary, for kernels with neither BPF trampolines nor
 * kprobes (built without ftrace and kprobes): raw tracepoints sys_enter/sys_exit run for every
 * system call, so the entry filters on the call number first and the exit on one map lookup.
 * The socket comes from the descriptor: connect's argument, accept's result. */
#if defined(__TARGET_ARCH_x86)
#define NR_CONNECT 42
#define NR_ACCEPT 43
#define NR_ACCEPT4 288
#elif defined(__TARGET_ARCH_arm64)
#define NR_CONNECT 203
#define NR_ACCEPT 202
#define NR_ACCEPT4 242
#endif

#define EINPROGRESS 115

struct sys_call {
	__u32 nr;
	__s32 fd;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TLSMON_OWNER_THREADS);
	__type(key, __u32);
	__type(value, struct sys_call);
} tlsmon_in_syscall SEC(".maps");

/* Threads inside a connect or accept that sys_enter noted (tlsmon_in_syscall's entries, give or
 * take an entry the LRU evicted): while none is, sys_exit returns after one load of a line that
 * only connect and accept write. */
__u64 in_syscall_count;

static __always_inline struct sock *fd_sock(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	unsigned int max = BPF_CORE_READ(task, files, fdt, max_fds);
	struct file *f = NULL;
	struct socket *sock;

	if (fd < 0 || (unsigned int)fd >= max)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return NULL;
	sock = BPF_CORE_READ(f, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

#ifdef NR_CONNECT
SEC("raw_tracepoint/sys_enter")
int host_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	long nr = (long)ctx->args[1];
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	struct sys_call c = { .nr = (__u32)nr, .fd = -1 };
	__u32 tid;

	if (nr != NR_CONNECT && nr != NR_ACCEPT && nr != NR_ACCEPT4)
		return 0;
	if (nr == NR_CONNECT) {
		unsigned long fd = 0;

		bpf_probe_read_kernel(&fd, sizeof(fd), &PT_REGS_PARM1(regs));
		c.fd = (__s32)fd;
	}
	tid = (__u32)bpf_get_current_pid_tgid();
	if (!bpf_map_update_elem(&tlsmon_in_syscall, &tid, &c, BPF_ANY))
		__sync_fetch_and_add(&in_syscall_count, 1);
	return 0;
}

/* Every system call of the host ends here, so the program must leave the others fast. Per run
 * (kernel.bpf_stats_enabled, 2-vCPU VM, other jobs running; 3 interleaved rounds): an empty
 * program 54 ns; the hash lookup by thread that this did first, 184-271 ns; the thread's own
 * storage (BPF_MAP_TYPE_TASK_STORAGE) instead, 157-220 ns; the count of noted threads first,
 * then the call's number (a BTF tracepoint may load from the registers directly; on x86 the
 * UAPI layout is the kernel's), then the lookup: 137-156 ns. The count is not zero while some
 * server on the host blocks in accept(), so the number is what filters most. */
SEC("tp_btf/sys_exit")
int BPF_PROG(host_sys_exit, struct pt_regs *regs, long ret)
{
	struct sock *sk = NULL;
	struct sys_call *c;
	__u32 tid;

	if (!in_syscall_count)
		return 0;
#if defined(__TARGET_ARCH_x86)
	unsigned long nr = regs->orig_rax;

	if (nr != NR_CONNECT && nr != NR_ACCEPT && nr != NR_ACCEPT4)
		return 0;
#endif
	tid = (__u32)bpf_get_current_pid_tgid();
	c = bpf_map_lookup_elem(&tlsmon_in_syscall, &tid);
	if (!c)
		return 0;
	if (c->nr == NR_CONNECT && (ret == 0 || ret == -EINPROGRESS))
		sk = fd_sock(c->fd);
	else if (c->nr != NR_CONNECT && ret >= 0)
		sk = fd_sock((int)ret);
	if (sk)
		record(sk, c->nr == NR_CONNECT ? TLSMON_OWNER_CONNECT : TLSMON_OWNER_ACCEPT, 0);
	if (!bpf_map_delete_elem(&tlsmon_in_syscall, &tid) && in_syscall_count)
		__sync_fetch_and_add(&in_syscall_count, -1);
	return 0;
}
#endif
