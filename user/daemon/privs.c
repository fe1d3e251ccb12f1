// SPDX-License-Identifier: GPL-2.0
/* Privilege drop for the daemon: once the programs are attached and the sockets bound, only
 * CAP_BPF is still needed (map lookups and updates go through bpf(2)); everything else goes,
 * optionally along with root itself (--user). */
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

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int capset_only(int keep, bool keep_it)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (keep_it) {
		data[keep / 32].permitted = 1u << (keep % 32);
		data[keep / 32].effective = 1u << (keep % 32);
	}
	return (int)syscall(SYS_capset, &hdr, data);
}

int privs__drop(const char *user, char *err, size_t err_size)
{
	struct passwd *pw = NULL;
	bool have_bpf = true;
	int last_cap = CAP_LAST_CAP;
	FILE *f;

	if (user) {
		pw = getpwnam(user);
		if (!pw) {
			snprintf(err, err_size, "--user %s: no such user", user);
			return -ENOENT;
		}
	}
	/* The running kernel may know more capabilities than our headers. */
	f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	if (f) {
		if (fscanf(f, "%d", &last_cap) != 1)
			last_cap = CAP_LAST_CAP;
		fclose(f);
	}
	if (last_cap < CAP_BPF)
		have_bpf = false; /* pre-5.8 kernel: bpf(2) needs CAP_SYS_ADMIN, keep that instead */

	/* No privilege can come back through exec or file capabilities. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, err_size, "prctl(NO_NEW_PRIVS): %s", strerror(errno));
		return -errno;
	}
	for (int cap = 0; cap <= last_cap; cap++) {
		if (cap == (have_bpf ? CAP_BPF : CAP_SYS_ADMIN))
			continue;
		/* EINVAL: a capability this kernel does not have; anything else is an error. */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL) {
			snprintf(err, err_size, "dropping capability %d: %s", cap, strerror(errno));
			return -errno;
		}
	}
	if (pw) {
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setgroups(0, NULL) ||
		    setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
			snprintf(err, err_size, "switching to user %s: %s", user, strerror(errno));
			return -errno;
		}
		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	}
	if (capset_only(have_bpf ? CAP_BPF : CAP_SYS_ADMIN, true)) {
		snprintf(err, err_size, "capset: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int privs__effective_caps(uint64_t *out)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	*out = (uint64_t)data[0].effective | ((uint64_t)data[1].effective << 32);
	return 0;
}
