// SPDX-License-Identifier: GPL-2.0
/* TLS libraries' own certificate verdicts (issue 15): uprobes on exported functions of the
 * libraries record, per thread, the error code and depth of a chain verification; the next
 * tcp_sendmsg of that thread (the alert or the Finished the handshake sends right after
 * verifying) names the socket, and the verdict goes to userspace with the 4-tuple. The programs
 * know no library: each is a role (the verification starts, returns, its error is read...) that
 * a library's row in user/host/ (tlslib_openssl.c) attaches to its own exported functions. The
 * attach cookie says which library (bits 32-39) and, for the context-reading role, where the
 * library keeps the depth (bits 0-31), read from the library's own exported getter's code
 * (user/host/elf_getter.c): no struct offset of one build is compiled in. Loaded only without
 * --no-uprobes. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "tlslib_event.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10

enum phase {
	PHASE_VERIFYING = 1, /* inside X509_verify_cert() */
	PHASE_RETURNED, /* X509_verify_cert() returned; libssl asks the error next */
	PHASE_READY, /* the final error is known: waiting for the thread's next send */
};

/* One thread's verification in progress. */
struct verify_state {
	__s32 code, depth, ret;
	__u8 phase; /* enum phase */
	__u8 want_depth; /* a callback read a non-zero error: its next depth read goes with it */
	__u8 library; /* the row of user/host/tlslib_probes.c, from the attach cookie */
	__u8 has_final_depth; /* final_depth was read from the context the error was read from */
	__s32 err_seen; /* that error */
	__s32 final_depth;
	__u32 pad;
};

/* By thread id; LRU: a thread that verified and never sends is forgotten, not leaked. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct verify_state);
} verify_by_tid SEC(".maps");

/* SSL_VERIFY_* last set by each process (tgid): SSL_CTX_set_verify / SSL_set_verify. A process
 * with several contexts of different modes is reported with the last one it set. The process's
 * start time tells a reused pid from the process that set the mode. */
struct verify_mode {
	__u64 start_time;
	__s32 mode;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct verify_mode);
} mode_by_tgid SEC(".maps");

static __always_inline __u64 process_start_time(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, group_leader, start_time);
}

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} tlslib_events SEC(".maps");

/* [0] events the ring buffer had no room for */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} tlslib_dropped SEC(".maps");

static __always_inline __u32 tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/* Threads with a verdict waiting for their next send, counted by tid % READY_SLOTS: the send
 * hook runs at every TCP send of the host, and looks the thread's state up only when its slot
 * is not zero (a load instead of a hash lookup for the others). A count left behind (a state
 * the LRU evicted, a thread that never sent) only costs that slot's threads the lookup. */
#define READY_SLOTS 4096
__u64 ready_slots[READY_SLOTS];

static __always_inline void mark_ready(struct verify_state *s, __u32 t)
{
	s->phase = PHASE_READY;
	__sync_fetch_and_add(&ready_slots[t & (READY_SLOTS - 1)], 1);
}

static __always_inline void unmark_ready(__u32 t)
{
	__u64 *c = &ready_slots[t & (READY_SLOTS - 1)];

	if (*c)
		__sync_fetch_and_add(c, -1);
}

#define COOKIE_LIBRARY(c) ((__u8)((c) >> 32))
#define COOKIE_OFFSET(c) ((__u32)(c))
#define MAX_DEPTH 100 /* OpenSSL's default limit; a larger value was not a depth */

/* The verification of a chain starts (OpenSSL: X509_verify_cert). */
SEC("uprobe")
int BPF_KPROBE(verify_enter)
{
	struct verify_state s = { .code = 0, .depth = TLSLIB_UNKNOWN, .phase = PHASE_VERIFYING };
	__u32 t = tid();

	struct verify_state *old = bpf_map_lookup_elem(&verify_by_tid, &t);

	if (old && old->phase == PHASE_READY)
		unmark_ready(t); /* verifying again before it sent: the first verdict is lost */
	s.library = COOKIE_LIBRARY(bpf_get_attach_cookie(ctx));

	bpf_map_update_elem(&verify_by_tid, &t, &s, BPF_ANY);
	return 0;
}

/* It returns: > 0 verified (or a callback accepted). */
SEC("uretprobe")
int BPF_KRETPROBE(verify_exit, int ret)
{
	__u32 t = tid();
	struct verify_state *s = bpf_map_lookup_elem(&verify_by_tid, &t);

	if (!s || s->phase != PHASE_VERIFYING)
		return 0;
	s->ret = ret;
	s->phase = PHASE_RETURNED;
	/* A verification that failed with no callback reading the error still needs libssl's
	 * X509_STORE_CTX_get_error(); one that succeeded is ready as it stands. */
	if (ret > 0 && !s->err_seen)
		mark_ready(s, t);
	return 0;
}

/* The error getter's entry, after the verification returned (OpenSSL: libssl's
 * ssl_verify_cert_chain() calling X509_STORE_CTX_get_error(ctx)): the depth of that error is in
 * the same context, at the offset the library's depth getter reads (the cookie; 0: unknown).
 * Clients without a verify callback (curl, Python) never read the depth themselves. */
SEC("uprobe")
int BPF_KPROBE(error_ctx_enter, void *store_ctx)
{
	__u32 t = tid(), off = COOKIE_OFFSET(bpf_get_attach_cookie(ctx));
	struct verify_state *s = bpf_map_lookup_elem(&verify_by_tid, &t);
	__s32 depth;

	if (!s || s->phase != PHASE_RETURNED || !off || !store_ctx)
		return 0;
	if (bpf_probe_read_user(&depth, sizeof(depth), (char *)store_ctx + off) || depth < 0 ||
	    depth > MAX_DEPTH)
		return 0;
	s->final_depth = depth;
	s->has_final_depth = 1;
	return 0;
}

/* During verification: a callback (s_client's, an application's) reading the error; after it:
 * libssl taking the final one into SSL_get_verify_result(). */
SEC("uretprobe")
int BPF_KRETPROBE(error_exit, int err)
{
	__u32 t = tid();
	struct verify_state *s = bpf_map_lookup_elem(&verify_by_tid, &t);

	if (!s)
		return 0;
	if (s->phase == PHASE_VERIFYING) {
		if (err) {
			s->err_seen = err;
			s->want_depth = 1;
		}
		return 0;
	}
	if (s->phase != PHASE_RETURNED)
		return 0;
	s->code = err;
	if (err && s->has_final_depth)
		s->depth = s->final_depth; /* the library's own pair of error and depth */
	else if (err != s->err_seen)
		s->depth = TLSLIB_UNKNOWN; /* the depth read was of another error */
	mark_ready(s, t);
	return 0;
}

/* During verification: a callback reading the depth of the error it was given. */
SEC("uretprobe")
int BPF_KRETPROBE(depth_exit, int depth)
{
	__u32 t = tid();
	struct verify_state *s = bpf_map_lookup_elem(&verify_by_tid, &t);

	if (!s || s->phase != PHASE_VERIFYING || !s->want_depth)
		return 0;
	s->depth = depth;
	s->want_depth = 0;
	return 0;
}

static __always_inline int remember_mode(int mode)
{
	__u32 tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	struct verify_mode m = { .start_time = process_start_time(), .mode = mode };

	bpf_map_update_elem(&mode_by_tgid, &tgid, &m, BPF_ANY);
	return 0;
}

/* The verify mode, the second argument (OpenSSL: SSL_CTX_set_verify(SSL_CTX *, int mode, cb),
 * SSL_set_verify(SSL *, int mode, cb)). */
SEC("uprobe")
int BPF_KPROBE(mode_arg2_enter, void *obj, int mode)
{
	return remember_mode(mode);
}

static __always_inline void read_addrs(struct sock *sk, struct tlslib_event *e)
{
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);

	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (fam == AF_INET) {
		e->family = 4;
		bpf_core_read(e->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->daddr, 4, &sk->__sk_common.skc_daddr);
		return;
	}
	bpf_core_read(e->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	bpf_core_read(e->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	e->family = 6;
	/* an IPv4 peer of an IPv6 socket (::ffff:a.b.c.d) is an IPv4 flow on the wire */
	if (*(__u64 *)e->saddr == 0 && *(__u32 *)(e->saddr + 8) == 0xffff0000 &&
	    *(__u64 *)e->daddr == 0 && *(__u32 *)(e->daddr + 8) == 0xffff0000) {
		e->family = 4;
		*(__u32 *)e->saddr = *(__u32 *)(e->saddr + 12);
		*(__u32 *)e->daddr = *(__u32 *)(e->daddr + 12);
		__builtin_memset(e->saddr + 4, 0, 12);
		__builtin_memset(e->daddr + 4, 0, 12);
	}
}

/* The tracepoint in tcp_sendmsg_locked() (once per segment it fills; the first one names the
 * socket): a BTF tracepoint, because fentry needs ftrace direct calls that hardened kernels
 * may refuse. */
SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(tcp_sendmsg_enter, struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 t = (__u32)id, tgid = (__u32)(id >> 32), zero = 0;
	struct verify_state *s;
	struct tlslib_event *e;
	struct verify_mode *mode;
	__u64 *dropped;

	if (!ready_slots[t & (READY_SLOTS - 1)])
		return 0;
	s = bpf_map_lookup_elem(&verify_by_tid, &t);
	if (!s || s->phase != PHASE_READY)
		return 0;
	unmark_ready(t);
	e = bpf_ringbuf_reserve(&tlslib_events, sizeof(*e), 0);
	if (!e) {
		dropped = bpf_map_lookup_elem(&tlslib_dropped, &zero);
		if (dropped)
			__sync_fetch_and_add(dropped, 1);
		bpf_map_delete_elem(&verify_by_tid, &t);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = tgid;
	e->tid = t;
	e->code = s->code;
	e->depth = s->depth;
	e->verify_ret = s->ret;
	e->library = s->library;
	mode = bpf_map_lookup_elem(&mode_by_tgid, &tgid);
	e->verify_mode = mode && mode->start_time == process_start_time() ? mode->mode :
								   TLSLIB_UNKNOWN;
	read_addrs(sk, e);
	e->netns_ino = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	if (bpf_core_field_exists(struct net, net_cookie))
		e->netns_cookie = BPF_CORE_READ(sk, __sk_common.skc_net.net, net_cookie);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	bpf_map_delete_elem(&verify_by_tid, &t);
	return 0;
}
