// SPDX-License-Identifier: GPL-2.0
/* host/cgroup_path: units, containers and pods from cgroup paths as cgroup v1, hybrid and v2
 * hosts show them in /proc/PID/cgroup, for each manager's naming. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "host/cgroup_path.h"

#define ID "3f4a9c0e1b2d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7"
#define UID "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
#define UID_ "0b1c2d3e_4f50_6172_8394_a5b6c7d8e9f0"

static struct cgroup_owner o;

static int parse(const char *s)
{
	return cgroup_path__parse((const uint8_t *)s, strlen(s), &o);
}

static void expect(const char *path, const char *unit, const char *runtime, const char *id,
		   const char *pod)
{
	CHECK_EQ(parse(path), 0);
	CHECK_STR(o.unit, unit);
	CHECK_STR(o.runtime, runtime);
	CHECK_STR(o.container_id, id);
	CHECK_STR(o.pod_uid, pod);
}

static void test_systemd_units(void)
{
	/* v2 "0::" line, or v1/hybrid name=systemd line: the same path */
	expect("/system.slice/nginx.service", "nginx.service", "", "", "");
	expect("/user.slice/user-1000.slice/session-3.scope", "session-3.scope", "", "", "");
	expect("/user.slice/user-1000.slice/user@1000.service/app.slice/backup.service",
	       "backup.service", "", "", "");
	expect("/init.scope", "init.scope", "", "", "");
	expect("/", "", "", "", "");
	CHECK_EQ(cgroup_owner__score(&o), 1);
	/* v1 controller hierarchies that systemd does not manage carry no unit */
	expect("/process_api/8c9f01e271c8e15081a9221c445d439d", "", "", "", "");
}

static void test_podman(void)
{
	expect("/machine.slice/libpod-" ID ".scope", "libpod-" ID ".scope", "podman", ID, "");
	CHECK_EQ(cgroup_owner__score(&o), 3);
	/* v2 with the container's own sub-cgroup */
	expect("/machine.slice/libpod-" ID ".scope/container", "libpod-" ID ".scope", "podman", ID,
	       "");
	/* --cgroup-manager=cgroupfs, v1 or hybrid: every controller's line */
	expect("/libpod_parent/libpod-" ID, "", "podman", ID, "");
	/* rootless */
	expect("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope",
	       "libpod-" ID ".scope", "podman", ID, "");
	/* conmon, the monitor, is not the container */
	expect("/machine.slice/libpod-conmon-" ID ".scope", "libpod-conmon-" ID ".scope", "", "",
	       "");
}

static void test_docker(void)
{
	expect("/system.slice/docker-" ID ".scope", "docker-" ID ".scope", "docker", ID, "");
	expect("/docker/" ID, "", "docker", ID, "");
	/* the daemon itself is a unit, not a container */
	expect("/system.slice/docker.service", "docker.service", "", "", "");
}

static void test_containerd_crio(void)
{
	expect("/system.slice/cri-containerd-" ID ".scope", "cri-containerd-" ID ".scope",
	       "containerd", ID, "");
	expect("/user.slice/nerdctl-" ID ".scope", "nerdctl-" ID ".scope", "containerd", ID, "");
	expect("/machine.slice/crio-" ID ".scope", "crio-" ID ".scope", "cri-o", ID, "");
	expect("/machine.slice/crio-conmon-" ID ".scope", "crio-conmon-" ID ".scope", "", "", "");
	/* a bare id elsewhere: a container of some runtime */
	expect("/default/" ID, "", "", ID, "");
}

static void test_kubepods(void)
{
	/* systemd driver, v2 or v1 */
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	       ".slice/cri-containerd-" ID ".scope",
	       "cri-containerd-" ID ".scope", "containerd", ID, UID);
	expect("/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID ".scope", "crio-" ID ".scope",
	       "cri-o", ID, UID);
	/* cgroupfs driver: the UID keeps its dashes, the container is a bare id */
	expect("/kubepods/besteffort/pod" UID "/" ID, "", "cri", ID, UID);
	expect("/kubepods/pod" UID "/" ID, "", "cri", ID, UID);
	/* the pod's own cgroup (its pause container not yet there) */
	expect("/kubepods/burstable/pod" UID, "", "", "", UID);
	/* not a UID */
	expect("/kubepods/burstable/podzz", "", "", "", "");
}

static void test_malformed(void)
{
	static char big[CGROUP_PATH_MAX + 2];

	CHECK_EQ(parse(""), -EINVAL);
	CHECK_EQ(parse("system.slice/x.service"), -EINVAL);
	CHECK_EQ(cgroup_path__parse((const uint8_t *)"/a\0b", 4, &o), -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	CHECK_EQ(parse(big), -E2BIG);
	/* ids of the wrong length or case, and a unit longer than the field */
	expect("/docker-" ID "0.scope", "docker-" ID "0.scope", "", "", "");
	expect("/libpod-3F4A9C0E1B2D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7", "", "",
	       "", "");
	memset(big, 'b', 300);
	big[0] = '/';
	memcpy(big + 300, ".service", 9);
	expect(big, "", "", "", "");
	/* a type suffix alone names no unit */
	expect("/system.slice/.service", "", "", "", "");
	/* empty components and a trailing slash */
	expect("//system.slice//sshd.service/", "sshd.service", "", "", "");
	/* the parser reads only len bytes */
	CHECK_EQ(cgroup_path__parse((const uint8_t *)"/docker/" ID, 8 + 63, &o), 0);
	CHECK_STR(o.container_id, "");
}

int main(void)
{
	RUN_TEST(test_systemd_units);
	RUN_TEST(test_podman);
	RUN_TEST(test_docker);
	RUN_TEST(test_containerd_crio);
	RUN_TEST(test_kubepods);
	RUN_TEST(test_malformed);
	return check_total_failed ? 1 : 0;
}
