/* What a cgroup path says about the processes in it: the systemd unit, the container (runtime
 * and id) and the Kubernetes pod UID, from the names that systemd, podman, docker, containerd,
 * CRI-O and the kubelet give their cgroups. The same names appear in cgroup v1 hierarchies, the
 * hybrid layout's name=systemd and unified trees, and pure v2, so one parser serves all three. */
#ifndef TLSMON_HOST_CGROUP_PATH_H
#define TLSMON_HOST_CGROUP_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "verdict/hs.h"

#define CGROUP_PATH_MAX 4096 /* PATH_MAX: longer input is refused */

struct cgroup_owner {
	char unit[HS_UNIT_LEN]; /* deepest *.service or *.scope component; "" if none */
	char runtime[16]; /* "podman", "docker", "containerd", "cri-o", "cri", "" */
	char container_id[HS_CONTAINER_ID_LEN]; /* 64 lowercase hex digits, "" if none */
	char pod_uid[HS_POD_UID_LEN]; /* 8-4-4-4-12, "" if none */
};

/* Parse one path as /proc/PID/cgroup gives it ("/system.slice/nginx.service"). Returns 0 (out
 * filled, possibly with nothing found), -EINVAL when it does not start with '/' or holds a NUL,
 * -E2BIG over CGROUP_PATH_MAX. A unit name longer than out->unit holds is left out. */
int cgroup_path__parse(const uint8_t *p, size_t len, struct cgroup_owner *out);

/* How much a parsed path tells: 3 with a container, 2 with a unit, 1 otherwise. */
int cgroup_owner__score(const struct cgroup_owner *o);

#endif
