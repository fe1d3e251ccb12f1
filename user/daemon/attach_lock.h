/* One tlsmon per interface, without CAP_SYS_ADMIN: an attach lock per interface.
 *
 * The kernel tells an unprivileged caller which programs are attached to an interface (their
 * ids) but not whose they are: reading a program's name needs a descriptor, and
 * bpf_prog_get_fd_by_id() needs CAP_SYS_ADMIN. So each tlsmon holds, for each interface it
 * watches, a Unix socket bound to the abstract name "tlsmon/attach/IFINDEX". Abstract names
 * belong to the network namespace, which is exactly the scope of an ifindex and of who can
 * attach to that interface, and they need no directory: two instances conflict whatever their
 * uid, mount namespace (systemd's ProtectSystem/PrivateTmp, a hostNetwork container) or runtime
 * directory. The kernel releases the name when the holder dies, even by kill -9. */
#ifndef TLSMON_ATTACH_LOCK_H
#define TLSMON_ATTACH_LOCK_H

#include <stddef.h>

/* Take the lock for the interface with this index. Returns a descriptor to keep open while
 * attached (close() releases it), -EEXIST when another process holds it (err says which pid
 * when the kernel tells), or another -errno (err set). */
int attach_lock__take(int ifindex, const char *ifname, char *err, size_t err_size);

/* What the link query still tells without CAP_SYS_ADMIN: the ids of the programs on the
 * interface's XDP and TCX hooks, but not their names, which need a descriptor
 * (bpf_prog_get_fd_by_id(), CAP_SYS_ADMIN). When such unnamed programs are there, one of them
 * could be a tlsmon older than the lock: returns 1 with a one-line note saying so, else 0. */
int attach_lock__unnamed_note(int ifindex, const char *ifname, char *note, size_t note_size);

#endif
