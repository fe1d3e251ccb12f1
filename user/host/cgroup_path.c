// SPDX-License-Identifier: GPL-2.0
/* Cgroup path -> systemd unit, container and pod, by the component names each manager uses:
 *   systemd       /system.slice/nginx.service, /user.slice/user-1000.slice/session-3.scope
 *   podman        /machine.slice/libpod-ID.scope[/container], cgroupfs: /libpod_parent/libpod-ID
 *   docker        /system.slice/docker-ID.scope, cgroupfs: /docker/ID
 *   containerd    /system.slice/cri-containerd-ID.scope (also under kubepods), nerdctl-ID.scope
 *   CRI-O         crio-ID.scope (crio-conmon-ID.scope is its monitor, not the container)
 *   kubelet       /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podUID.slice/...
 *                 (UID with '_' for '-'), cgroupfs: /kubepods/burstable/podUID/ID
 * The deepest match wins: a container started inside another one is the one that runs. */
#include "host/cgroup_path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ID_HEX 64
#define UID_LEN 36

struct comp {
	const uint8_t *p;
	size_t len;
};

static int is_hex_id(const uint8_t *p, size_t len)
{
	if (len != ID_HEX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

static int has_prefix(struct comp c, const char *pfx)
{
	size_t n = strlen(pfx);

	return c.len >= n && !memcmp(c.p, pfx, n);
}

static int has_suffix(struct comp c, const char *sfx)
{
	size_t n = strlen(sfx);

	return c.len >= n && !memcmp(c.p + c.len - n, sfx, n);
}

static int equals(struct comp c, const char *s)
{
	return c.len == strlen(s) && !memcmp(c.p, s, c.len);
}

/* "PREFIX<64 hex>[.scope]" -> the id. */
static int prefixed_id(struct comp c, const char *pfx, const uint8_t **id)
{
	size_t n = strlen(pfx), len;

	if (!has_prefix(c, pfx))
		return 0;
	len = c.len - n;
	if (has_suffix(c, ".scope"))
		len -= 6;
	if (!is_hex_id(c.p + n, len))
		return 0;
	*id = c.p + n;
	return 1;
}

static void set_container(struct cgroup_owner *o, const char *runtime, const uint8_t *id)
{
	snprintf(o->runtime, sizeof(o->runtime), "%s", runtime);
	memcpy(o->container_id, id, ID_HEX);
	o->container_id[ID_HEX] = '\0';
}

/* A pod UID: RFC 4122 text form, hex digits in 8-4-4-4-12 groups, '_' allowed for '-' (the
 * systemd driver's escaping). */
static int pod_uid(const uint8_t *p, size_t len, char out[HS_POD_UID_LEN])
{
	if (len != UID_LEN)
		return 0;
	for (size_t i = 0; i < UID_LEN; i++) {
		uint8_t c = p[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-' && c != '_')
				return 0;
			out[i] = '-';
		} else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
			out[i] = (char)c;
		} else {
			return 0;
		}
	}
	out[UID_LEN] = '\0';
	return 1;
}

/* "pod<UID>" (cgroupfs) or "kubepods[-QOS]-pod<UID>.slice" (systemd). */
static int pod_component(struct comp c, char out[HS_POD_UID_LEN])
{
	const uint8_t *pod;

	if (has_prefix(c, "pod"))
		return pod_uid(c.p + 3, c.len - 3, out);
	if (!has_prefix(c, "kubepods") || !has_suffix(c, ".slice") || c.len < 6 + 3 + UID_LEN)
		return 0;
	pod = c.p + c.len - 6 - UID_LEN;
	return !memcmp(pod - 3, "pod", 3) && pod_uid(pod, UID_LEN, out);
}

static void component(struct comp c, struct comp parent, int in_pod, struct cgroup_owner *o)
{
	const uint8_t *id;
	char uid[HS_POD_UID_LEN];

	if (pod_component(c, uid)) {
		memcpy(o->pod_uid, uid, sizeof(uid));
		return;
	}
	/* a unit has a name before its type suffix */
	if (((c.len > 8 && has_suffix(c, ".service")) || (c.len > 6 && has_suffix(c, ".scope"))) &&
	    c.len < sizeof(o->unit)) {
		memcpy(o->unit, c.p, c.len);
		o->unit[c.len] = '\0';
	}
	if (prefixed_id(c, "libpod-", &id))
		set_container(o, "podman", id);
	else if (prefixed_id(c, "docker-", &id))
		set_container(o, "docker", id);
	else if (prefixed_id(c, "cri-containerd-", &id) || prefixed_id(c, "nerdctl-", &id))
		set_container(o, "containerd", id);
	else if (prefixed_id(c, "crio-", &id))
		set_container(o, "cri-o", id);
	else if (is_hex_id(c.p, c.len))
		/* A bare id: docker's cgroupfs driver puts it under /docker, the kubelet's under
		 * the pod, whichever CRI runtime made it. */
		set_container(o, equals(parent, "docker") ? "docker" : in_pod ? "cri" : "", c.p);
}

int cgroup_path__parse(const uint8_t *p, size_t len, struct cgroup_owner *out)
{
	struct comp parent = { p, 0 }, c;
	size_t i = 1, start;

	memset(out, 0, sizeof(*out));
	if (len > CGROUP_PATH_MAX)
		return -E2BIG;
	if (!len || p[0] != '/' || memchr(p, '\0', len))
		return -EINVAL;
	while (i < len) {
		start = i;
		while (i < len && p[i] != '/')
			i++;
		c = (struct comp){ p + start, i - start };
		if (c.len)
			component(c, parent, out->pod_uid[0] != '\0', out);
		parent = c;
		i++;
	}
	return 0;
}

int cgroup_owner__score(const struct cgroup_owner *o)
{
	return o->container_id[0] ? 3 : o->unit[0] ? 2 : 1;
}
