// SPDX-License-Identifier: GPL-2.0
/* host/proc_names: the telling line of /proc/PID/cgroup on v1, hybrid and v2 hosts, the names
 * from the kernel's record, and the per-pid cache over a fake /proc. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "host/proc_names.h"

#define ID "3f4a9c0e1b2d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7"

static struct proc_names n;

static int pick(const char *text)
{
	memset(&n, 0, sizeof(n));
	return proc_names__pick_cgroup(text, strlen(text), &n);
}

static void test_pick(void)
{
	/* v2 */
	CHECK_EQ(pick("0::/system.slice/nginx.service\n"), 0);
	CHECK_STR(n.cgroup, "/system.slice/nginx.service");
	CHECK_STR(n.owner.unit, "nginx.service");
	/* hybrid, as on this project's test machine: a podman container (cgroupfs manager) shows
	 * in the v1 controllers, the unified tree says "/" */
	CHECK_EQ(pick("9:name=systemd:/\n8:pids:/libpod_parent/libpod-" ID "\n"
		      "4:memory:/libpod_parent/libpod-" ID "\n0::/\n"), 0);
	CHECK_STR(n.owner.runtime, "podman");
	CHECK_STR(n.owner.container_id, ID);
	CHECK_STR(n.cgroup, "/libpod_parent/libpod-" ID);
	/* hybrid under systemd: the unit from name=systemd, the same in the unified tree */
	CHECK_EQ(pick("12:memory:/system.slice/sshd.service\n1:name=systemd:/system.slice/sshd.service\n"
		      "0::/system.slice/sshd.service\n"), 0);
	CHECK_STR(n.owner.unit, "sshd.service");
	/* v1 only, a docker container */
	CHECK_EQ(pick("11:cpu,cpuacct:/docker/" ID "\n3:memory:/docker/" ID), 0);
	CHECK_STR(n.owner.runtime, "docker");
	/* the root says less than a v1 controller's own path */
	CHECK_EQ(pick("4:memory:/process_api/abc\n0::/\n"), 0);
	CHECK_STR(n.cgroup, "/process_api/abc");
	/* nothing parsable */
	CHECK_EQ(pick(""), -EINVAL);
	CHECK_EQ(pick("garbage\n1:x\n"), -EINVAL);
}

/* Append a name to list (lists filled in their order), as the kernel side packs them. */
static void add_name(struct tlsmon_owner_event *ev, int list, const char *name)
{
	size_t len = strlen(name) + 1;

	memcpy(ev->names + ev->names_len, name, len);
	ev->names_len = (uint16_t)(ev->names_len + len);
	ev->count[list]++;
}

static void test_from_kernel(void)
{
	static struct tlsmon_owner_event ev;

	snprintf(ev.o.exe_name, sizeof(ev.o.exe_name), "curl");
	add_name(&ev, TLSMON_NAMES_EXE_DIRS, "bin");
	add_name(&ev, TLSMON_NAMES_EXE_DIRS, "usr");
	/* unified: none (the root, as on hybrid hosts); memory controller: the container */
	add_name(&ev, TLSMON_NAMES_MEMORY, "libpod-" ID);
	add_name(&ev, TLSMON_NAMES_MEMORY, "libpod_parent");
	proc_names__from_kernel(&ev, &n);
	CHECK_STR(n.exe, "/usr/bin/curl");
	CHECK_STR(n.cgroup, "/libpod_parent/libpod-" ID);
	CHECK_STR(n.owner.container_id, ID);
	/* deeper than the kernel walks: said, not hidden */
	ev.truncated[TLSMON_NAMES_EXE_DIRS] = 1;
	proc_names__from_kernel(&ev, &n);
	CHECK_STR(n.exe, "/.../usr/bin/curl");
	/* counts that claim more than names_len holds: read no further than names_len */
	ev.names_len = 8; /* "bin\0usr\0" */
	ev.count[TLSMON_NAMES_MEMORY] = 200;
	proc_names__from_kernel(&ev, &n);
	CHECK_STR(n.cgroup, "/");
	/* a last name without its NUL within names_len is dropped */
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.o.exe_name, sizeof(ev.o.exe_name), "x");
	memcpy(ev.names, "usrbin", 6);
	ev.names_len = 3;
	ev.count[TLSMON_NAMES_EXE_DIRS] = 1;
	proc_names__from_kernel(&ev, &n);
	CHECK_STR(n.exe, "/x");
	/* an exe name without its NUL (the kernel filled the buffer) stays within it */
	memset(&ev, 0, sizeof(ev));
	memset(ev.o.exe_name, 'x', sizeof(ev.o.exe_name));
	proc_names__from_kernel(&ev, &n);
	CHECK_EQ(strlen(n.exe), 1 + sizeof(ev.o.exe_name));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_cache(void)
{
	char root[] = "/tmp/tlsmon-proc-XXXXXX", path[256];
	struct proc_cache *c;
	const struct proc_names *p;

	if (!mkdtemp(root)) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/42", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/42/cgroup", root);
	write_file(path, "0::/system.slice/backup.service\n");
	snprintf(path, sizeof(path), "%s/42/exe", root);
	CHECK_EQ(symlink("/usr/bin/backup", path), 0);
	c = proc_cache__new(root, 4, 1000);
	CHECK(proc_cache__new(root, 3, 1000) == NULL);
	p = proc_cache__get(c, 42, 7, 1);
	CHECK(p != NULL);
	if (p) {
		CHECK_STR(p->exe, "/usr/bin/backup");
		CHECK_STR(p->owner.unit, "backup.service");
	}
	p = proc_cache__get(c, 42, 7, 2);
	CHECK_EQ(proc_cache__stats(c)->hits, 1);
	CHECK_EQ(proc_cache__stats(c)->reads, 1);
	/* another gen (an exec, a move): read again at once, not after the ttl */
	unlink(path);
	CHECK_EQ(symlink("/usr/bin/restore", path), 0);
	p = proc_cache__get(c, 42, 8, 3);
	CHECK(p != NULL && !strcmp(p->exe, "/usr/bin/restore"));
	CHECK_EQ(proc_cache__stats(c)->reads, 2);
	p = proc_cache__get(c, 42, 8, 4);
	CHECK_EQ(proc_cache__stats(c)->hits, 2);
	/* gone: the expired entry of the same pid is still the best guess */
	unlink(path);
	snprintf(path, sizeof(path), "%s/42/cgroup", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/42", root);
	rmdir(path);
	p = proc_cache__get(c, 42, 8, 5000);
	CHECK(p != NULL && !strcmp(p->exe, "/usr/bin/restore"));
	/* but not one of another process under the same pid */
	CHECK(proc_cache__get(c, 42, 9, 5000) == NULL);
	CHECK(proc_cache__get(c, 43, 8, 5000) == NULL);
	CHECK_EQ(proc_cache__stats(c)->gone, 3);
	proc_cache__free(c);
	rmdir(root);
}

int main(void)
{
	RUN_TEST(test_pick);
	RUN_TEST(test_from_kernel);
	RUN_TEST(test_cache);
	return check_total_failed ? 1 : 0;
}
