// SPDX-License-Identifier: GPL-2.0
/* Privilege drop for the daemon: once the programs are attached and the sockets bound, only
 * CAP_BPF is still needed (map lookups and updates go through bpf(2)); everything else goes,
 * optionally along with root itself (--user).
 *
 * It works the same whether tlsmon started as root or as an ordinary user holding only the
 * three capabilities it needs (ambient or file capabilities, e.g. systemd's AmbientCapabilities=).
 * The effective, permitted, inheritable and ambient sets can always be lowered; the bounding set
 * only with CAP_SETPCAP, which such a user does not have. What stays there is harmless once
 * no_new_privs is set and the permitted set is CAP_BPF alone (execve() can then grant nothing
 * beyond the permitted set), so it is reported instead of treated as an error. */
#include "daemon/privs.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/sbuf.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* capabilities(7) names, by number; newer ones print as their number. */
static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid",
	"setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin",
	"net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace",
	"sys_pacct", "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
	"sys_tty_config", "mknod", "lease", "audit_write", "audit_control", "setfcap",
	"mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read",
	"perfmon", "bpf", "checkpoint_restore",
};

static int caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capget, &hdr, data) ? -errno : 0;
}

static bool cap_effective(int cap)
{
	struct __user_cap_data_struct data[2];

	return !caps_get(data) && (data[cap / 32].effective & (1u << (cap % 32)));
}

/* Permitted and effective become {keep}; inheritable becomes empty, which also empties the
 * ambient set (an ambient capability must be permitted and inheritable). */
static int capset_only(int keep)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	data[keep / 32].permitted = 1u << (keep % 32);
	data[keep / 32].effective = 1u << (keep % 32);
	return (int)syscall(SYS_capset, &hdr, data);
}

static int last_cap(void)
{
	int last = CAP_LAST_CAP;
	FILE *f;

	/* The running kernel may know more capabilities than our headers. */
	f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	if (f) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

/* Empty the bounding set but for keep. Without CAP_SETPCAP nothing can be dropped there: list
 * what stayed in note (empty when the set holds keep alone). */
static int drop_bounding(int keep, int last, char *note, size_t note_size, char *err,
			 size_t err_size)
{
	bool setpcap = cap_effective(CAP_SETPCAP);
	struct sbuf names;
	uint64_t stayed = 0;
	int n = 0;

	for (int cap = 0; cap <= last; cap++) {
		if (cap == keep || prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		if (setpcap && !prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			continue;
		/* EPERM: no CAP_SETPCAP; EINVAL: a capability this kernel does not have */
		if (setpcap && errno != EINVAL) {
			snprintf(err, err_size, "dropping capability %d: %s", cap, strerror(errno));
			return -errno;
		}
		stayed |= 1ull << cap;
		n++;
	}
	note[0] = '\0';
	if (!n)
		return 0;
	sbuf__init_fixed(&names, note, note_size);
	sbuf__printf(&names, "%d capabilities stayed in the bounding set (CapBnd %016llx; dropping "
			     "them needs CAP_SETPCAP): ", n, (unsigned long long)(stayed | 1ull << keep));
	for (int cap = 0, i = 0; cap <= last; cap++) {
		if (!(stayed & (1ull << cap)))
			continue;
		if (cap < (int)(sizeof(cap_names) / sizeof(cap_names[0])))
			sbuf__printf(&names, "%scap_%s", i++ ? "," : "", cap_names[cap]);
		else
			sbuf__printf(&names, "%s%d", i++ ? "," : "", cap);
	}
	sbuf__puts(&names, "; none is effective or permitted, and no_new_privs keeps execve() from "
			   "granting them");
	return 0;
}

static int switch_user(const char *user, char *err, size_t err_size)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		snprintf(err, err_size, "--user %s: no such user", user);
		return -ENOENT;
	}
	/* Already that user (started by systemd's User=, setpriv, a container runtime): nothing to
	 * switch, and without CAP_SETUID nothing could be. */
	if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid && getgid() == pw->pw_gid &&
	    getegid() == pw->pw_gid)
		return 0;
	if (!cap_effective(CAP_SETUID) || !cap_effective(CAP_SETGID)) {
		snprintf(err, err_size, "--user %s: running as uid %u without CAP_SETUID and "
					"CAP_SETGID, so it cannot switch users; start it as %s instead",
			 user, (unsigned)getuid(), user);
		return -EPERM;
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setgroups(0, NULL) || setgid(pw->pw_gid) ||
	    setuid(pw->pw_uid)) {
		snprintf(err, err_size, "switching to user %s: %s", user, strerror(errno));
		return -errno;
	}
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}

int privs__drop(const char *user, char *note, size_t note_size, char *err, size_t err_size)
{
	int last = last_cap(), keep, rc;

	/* pre-5.8 kernel: bpf(2) needs CAP_SYS_ADMIN, keep that instead */
	keep = last < CAP_BPF ? CAP_SYS_ADMIN : CAP_BPF;
	if (!cap_effective(keep)) {
		snprintf(err, err_size, "cap_%s is not effective: the maps cannot be read",
			 cap_names[keep]);
		return -EPERM;
	}
	/* No privilege can come back through exec or file capabilities. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, err_size, "prctl(NO_NEW_PRIVS): %s", strerror(errno));
		return -errno;
	}
	rc = drop_bounding(keep, last, note, note_size, err, err_size);
	if (rc)
		return rc;
	if (user && (rc = switch_user(user, err, err_size)))
		return rc;
	/* EINVAL: a kernel without ambient capabilities (pre-4.3), where there is none to clear */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		snprintf(err, err_size, "clearing the ambient set: %s", strerror(errno));
		return -errno;
	}
	if (capset_only(keep)) {
		snprintf(err, err_size, "capset: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int privs__effective_caps(uint64_t *out)
{
	struct __user_cap_data_struct data[2];
	int rc = caps_get(data);

	if (rc)
		return rc;
	*out = (uint64_t)data[0].effective | ((uint64_t)data[1].effective << 32);
	return 0;
}
