// SPDX-License-Identifier: GPL-2.0
/* The cgroup readers on arbitrary bytes: cgroup names are chosen by whoever creates the cgroup
 * (a container's name, a unit's), and /proc/PID/cgroup is text the daemon parses. Checked:
 * - cgroup_path__parse returns 0, -EINVAL or -E2BIG and reads only the bytes given (the input
 *   is copied to a buffer of exactly its size, so ASan catches a read past it);
 * - what it finds is well formed: a container id is 64 lowercase hex digits with a known
 *   runtime or none, a pod UID 8-4-4-4-12 hex, a unit a NUL-terminated *.service or *.scope;
 * - proc_names__pick_cgroup on the same bytes as a whole file returns 0 or -EINVAL, and its path
 *   is one of the file's lines' paths (a prefix of one, when cut to the field's size). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "host/cgroup_path.h"
#include "host/proc_names.h"

static bool hex_lower(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static void check_owner(const struct cgroup_owner *o)
{
	static const char *const runtimes[] = { "", "podman", "docker", "containerd", "cri-o", "cri" };
	size_t ulen = strnlen(o->unit, sizeof(o->unit));
	bool known = false;

	FUZZ_ASSERT(ulen < sizeof(o->unit));
	if (ulen)
		FUZZ_ASSERT((ulen > 8 && !strcmp(o->unit + ulen - 8, ".service")) ||
			    (ulen > 6 && !strcmp(o->unit + ulen - 6, ".scope")));
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
		known |= !strcmp(o->runtime, runtimes[i]);
	FUZZ_ASSERT(known);
	if (o->container_id[0])
		FUZZ_ASSERT(strlen(o->container_id) == 64 && hex_lower(o->container_id, 64));
	else
		FUZZ_ASSERT(!o->runtime[0]);
	if (o->pod_uid[0]) {
		FUZZ_ASSERT(strlen(o->pod_uid) == 36);
		for (int i = 0; i < 36; i++)
			FUZZ_ASSERT((i == 8 || i == 13 || i == 18 || i == 23) ? o->pod_uid[i] == '-' :
										 hex_lower(o->pod_uid + i, 1));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct cgroup_owner o;
	struct proc_names n;
	int rc;

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	rc = cgroup_path__parse(copy, size, &o);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -E2BIG);
	if (!rc)
		check_owner(&o);
	memset(&n, 0, sizeof(n));
	rc = proc_names__pick_cgroup((const char *)copy, size, &n);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	if (!rc) {
		size_t plen = strlen(n.cgroup);

		check_owner(&n.owner);
		FUZZ_ASSERT(plen > 0 && n.cgroup[0] == '/');
		FUZZ_ASSERT(memmem(copy, size, n.cgroup, plen) != NULL);
	}
	free(copy);
	return 0;
}
