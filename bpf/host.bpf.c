// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Socket owners: at connect (fexit of tcp_v4_connect/tcp_v6_connect) and accept (fexit of
 * inet_csk_accept) the current task is the process that owns the socket: the connecting client
 * or the accepting server. Its identity is taken here, in that task's context, so a process
 * that exits right after its handshake is still known; userspace joins the record to the flow
 * by 4-tuple and network namespace. Loaded only with process attribution on (user/host/). */
#include <linux/bpf.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "core_types.h"
#include "tlsmon_host.h"

#define AF_INET 2
#define AF_INET6 10

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Every record, for the collector. Userspace may resize it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TLSMON_OWNER_RINGBUF_BYTES);
} tlsmon_owner_events SEC(".maps");

/* Socket cookie -> owner: what a later hook on the same socket (a TLS library's uprobe that
 * knows the socket) joins on. LRU: closed sockets age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TLSMON_OWNER_SOCKS);
	__type(key, __u64);
	__type(value, struct tlsmon_owner);
} tlsmon_sock_owners SEC(".maps");

/* Thread id -> cookie of the socket it connected or accepted last: what a hook that knows only
 * the thread (a uprobe on SSL_do_handshake) joins on. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TLSMON_OWNER_THREADS);
	__type(key, __u32);
	__type(value, __u64);
} tlsmon_thread_sock SEC(".maps");

/* Records the ring buffer had no room for (userspace reads it from .bss). */
__u64 tlsmon_owner_dropped;

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

static __always_inline void record(struct sock *sk, __u8 kind)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid(), uid_gid = bpf_get_current_uid_gid();
	const unsigned char *exe;
	struct tlsmon_owner *o;
	__u32 tid = (__u32)pid_tgid;

	o = bpf_ringbuf_reserve(&tlsmon_owner_events, sizeof(*o), 0);
	if (!o) {
		__sync_fetch_and_add(&tlsmon_owner_dropped, 1);
		return;
	}
	__builtin_memset(o, 0, sizeof(*o));
	if (sock_tuple(sk, o)) {
		bpf_ringbuf_discard(o, 0);
		return;
	}
	o->kind = kind;
	o->cookie = bpf_get_socket_cookie(sk);
	o->ts_ns = bpf_ktime_get_ns();
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->pid = (__u32)(pid_tgid >> 32);
	o->tid = tid;
	o->uid = (__u32)uid_gid;
	o->gid = (__u32)(uid_gid >> 32);
	bpf_get_current_comm(o->comm, sizeof(o->comm));
	exe = BPF_CORE_READ(task, mm, exe_file, f_path.dentry, d_name.name);
	if (exe)
		bpf_probe_read_kernel_str(o->exe_name, sizeof(o->exe_name), exe);
	bpf_map_update_elem(&tlsmon_sock_owners, &o->cookie, o, BPF_ANY);
	bpf_map_update_elem(&tlsmon_thread_sock, &tid, &o->cookie, BPF_ANY);
	bpf_ringbuf_submit(o, 0);
}

/* A failed connect leaves no connection to attribute. A v4-mapped tcp_v6_connect calls
 * tcp_v4_connect, which records it. */
SEC("fexit/tcp_v4_connect")
int BPF_PROG(host_connect4, struct sock *sk, void *uaddr, int addr_len, int ret)
{
	if (!ret)
		record(sk, TLSMON_OWNER_CONNECT);
	return 0;
}

SEC("fexit/tcp_v6_connect")
int BPF_PROG(host_connect6, struct sock *sk, void *uaddr, int addr_len, int ret)
{
	if (!ret && BPF_CORE_READ(sk, __sk_common.skc_family) == AF_INET6)
		record(sk, TLSMON_OWNER_CONNECT);
	return 0;
}

/* inet_csk_accept() has two arguments since Linux 6.10 (sk, struct proto_accept_arg *) and
 * four before (sk, flags, err, kern); the loader keeps the one that matches the kernel's BTF. */
SEC("fexit/inet_csk_accept")
int BPF_PROG(host_accept, struct sock *sk, void *arg, struct sock *newsk)
{
	if (newsk)
		record(newsk, TLSMON_OWNER_ACCEPT);
	return 0;
}

SEC("fexit/inet_csk_accept")
int BPF_PROG(host_accept_old, struct sock *sk, int flags, int *err, _Bool kern, struct sock *newsk)
{
	if (newsk)
		record(newsk, TLSMON_OWNER_ACCEPT);
	return 0;
}
