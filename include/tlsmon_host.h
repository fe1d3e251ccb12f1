/* Types shared by the socket-owner programs (bpf/sockowner.bpf.c) and their loader
 * (user/host/owner_bpf.c): who connected or accepted a TCP socket. Fixed-width types, explicit
 * padding: the layout is an ABI between the two compilers. */
#ifndef TLSMON_HOST_H
#define TLSMON_HOST_H

#include <linux/types.h>

#define TLSMON_COMM_LEN 16 /* TASK_COMM_LEN */
#define TLSMON_EXE_NAME_LEN 64 /* the executable's file name (its dentry), not its path */
#define TLSMON_OWNER_SOCKS 16384 /* socket cookie -> owner, LRU */
#define TLSMON_OWNER_THREADS 16384 /* thread id -> its last socket, LRU */
/* Processes whose names the kernel side sent last (tlsmon_names_sent), LRU: more than the
 * daemon keeps (user/host/attrib.c), which deletes the entries of the pids it lets go. */
#define TLSMON_OWNER_PROCS 4096
/* ~110 records: the collector drains it at every loop turn and before every verdict; the
 * mapping counts fully in the daemon's RSS. Full, records are dropped and counted. */
#define TLSMON_OWNER_RINGBUF_BYTES (256u << 10)
/* Path components an event carries per list, leaf first: enough for the cgroup trees of
 * systemd, podman, docker, containerd, CRI-O and the kubelet, and for most executables'
 * directories. */
#define TLSMON_PATH_DEPTH 8
#define TLSMON_NAME_MAX 128 /* bytes of one component read at most, NUL included (cut beyond) */
#define TLSMON_OWNER_NAMES_MAX 2048 /* packed name bytes of one event at most */

/* How the socket came to the process: it connected (outbound, the process is the client) or
 * accepted (inbound, the process is the server). */
enum tlsmon_owner_kind {
	TLSMON_OWNER_CONNECT = 1,
	TLSMON_OWNER_ACCEPT = 2,
};

/* One socket's owner at connect/accept time, with the socket's 4-tuple as the wire shows it
 * (IPv4 for a v4-mapped IPv6 socket) and its network namespace, so the collector can join it
 * to a flow. The same record is the value of tlsmon_sock_owners (keyed by socket cookie), which
 * later programs (uprobes on TLS libraries) look up from the socket or, through
 * tlsmon_thread_sock, from the thread. */
struct tlsmon_owner {
	__u64 cookie; /* socket cookie (bpf_get_socket_cookie) */
	__u64 ts_ns; /* bpf_ktime_get_ns() at connect/accept */
	__u64 cgroup_id; /* cgroup v2 id of the task (the unified hierarchy) */
	__u32 pid; /* thread group id, as user space calls a pid (init pid namespace) */
	__u32 tid;
	__u32 uid;
	__u32 gid;
	__u32 netns; /* inode number of the socket's network namespace */
	__u16 local_port, remote_port; /* host order */
	__u8 family; /* 4 or 6 */
	__u8 kind; /* enum tlsmon_owner_kind */
	__u8 pad[6];
	__u8 local_addr[16], remote_addr[16]; /* IPv4 in the first 4 bytes, rest zero */
	char comm[TLSMON_COMM_LEN];
	char exe_name[TLSMON_EXE_NAME_LEN];
};

#define TLSMON_OWNER_SIZE 168

/* The name lists of struct tlsmon_owner_event, in the order they are packed. */
enum tlsmon_name_list {
	TLSMON_NAMES_EXE_DIRS = 0, /* the executable's directories (its mount's root left out) */
	TLSMON_NAMES_UNIFIED = 1, /* cgroup v2 path (the hybrid layout's unified tree) */
	TLSMON_NAMES_MEMORY = 2, /* the memory controller's: v1 and hybrid place containers there */
	TLSMON_NAMES__COUNT,
};

/* What tells one process's names from another's under the same pid: a reused pid starts at
 * another time, an exec counts up the exec id, a move to another cgroup changes a cgroup id
 * (cgroup ids are never reused). With tlsmon_owner.cgroup_id (the unified tree's), the key of
 * the names the kernel side sent last for a pid (tlsmon_names_sent) and of those the daemon
 * keeps. Not covered: a directory of the executable renamed, prctl(PR_SET_MM_EXE_FILE). */
struct tlsmon_owner_identity {
	__u64 start_ns; /* the thread group leader's start_time (CLOCK_MONOTONIC) */
	__u64 exec_id; /* task_struct.self_exec_id: +1 at every exec */
	__u64 memory_cgroup_id; /* the memory controller's cgroup (v1 and hybrid: its own tree) */
};

/* The kernel left the names out (names_len 0, exe_name ""): the last record it sent for this
 * pid with the same identity carried them, and the daemon, which holds them, did not ask it to
 * forget them (it deletes the pid's entry of tlsmon_names_sent when it drops the names). */
#define TLSMON_OWNER_NAMES_OMITTED 1

/* What the ring buffer carries: the owner and the names userspace cannot read from /proc when
 * the process is gone or hidden (ProtectProc=invisible, no CAP_SYS_PTRACE). names holds the
 * lists' components one after another, each NUL-terminated, leaf first, count[] of each list;
 * truncated[] says a list stopped short of its root (depth, or names over
 * TLSMON_OWNER_NAMES_MAX). A record is TLSMON_OWNER_EVENT_HDR + names_len bytes long: most are a
 * few hundred, those with the names omitted TLSMON_OWNER_EVENT_HDR. The executable's path is
 * within its mount (a mount above its directory is not crossed). The identity and flags are
 * the record's only: the socket's owner (tlsmon_sock_owners, the owner table) is o alone. */
struct tlsmon_owner_event {
	struct tlsmon_owner o;
	struct tlsmon_owner_identity id;
	__u32 flags; /* TLSMON_OWNER_NAMES_* */
	__u32 pad;
	__u8 count[TLSMON_NAMES__COUNT];
	__u8 truncated[TLSMON_NAMES__COUNT];
	__u16 names_len;
	char names[TLSMON_OWNER_NAMES_MAX + TLSMON_NAME_MAX];
};

#define TLSMON_OWNER_IDENTITY_SIZE 24
#define TLSMON_OWNER_EVENT_HDR (TLSMON_OWNER_SIZE + TLSMON_OWNER_IDENTITY_SIZE + 16)
#define TLSMON_OWNER_EVENT_SIZE (TLSMON_OWNER_EVENT_HDR + TLSMON_OWNER_NAMES_MAX + TLSMON_NAME_MAX)

#endif
