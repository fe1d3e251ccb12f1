/* The few kernel structures the socket-owner programs read, declared by field name only: with
 * preserve_access_index every access is a CO-RE relocation that libbpf resolves against the
 * running kernel's BTF at load, so the layout here does not matter and no vmlinux.h is needed
 * (a generated one ties the build to the build host's kernel). Fields inside the kernel's
 * anonymous unions are found by name as well. */
#ifndef TLSMON_BPF_CORE_TYPES_H
#define TLSMON_BPF_CORE_TYPES_H

#include <linux/types.h>
#include <linux/in6.h>

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct ns_common {
	unsigned int inum;
};

struct net {
	struct ns_common ns;
};

typedef struct {
	struct net *net;
} possible_net_t;

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};

struct sock {
	struct sock_common __sk_common;
};

struct qstr {
	const unsigned char *name;
};

struct dentry {
	struct qstr d_name;
	struct dentry *d_parent;
};

struct path {
	struct dentry *dentry;
};

struct file {
	struct path f_path;
	void *private_data;
};

struct socket {
	struct sock *sk;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct mm_struct {
	struct file *exe_file;
};

/* Linux 6.15 renamed parent to __parent: both are declared, bpf_core_field_exists() picks. */
struct kernfs_node {
	const char *name;
	__u64 id; /* Linux 5.5 (a union kernfs_node_id before: bpf_core_field_exists() says) */
	struct kernfs_node *parent;
	struct kernfs_node *__parent;
};

struct cgroup {
	struct kernfs_node *kn;
};

struct cgroup_subsys_state {
	struct cgroup *cgroup;
};

struct css_set {
	struct cgroup_subsys_state *subsys[1];
	struct cgroup *dfl_cgrp;
};

enum cgroup_subsys_id {
	memory_cgrp_id = 4,
};

/* self_exec_id is 64 bits since Linux 5.7, 32 before: read at its size (bpf_core_field_size). */
struct task_struct {
	struct task_struct *group_leader;
	__u64 start_time;
	__u64 self_exec_id;
	struct mm_struct *mm;
	struct files_struct *files;
	struct css_set *cgroups;
};

#pragma clang attribute pop

#endif
