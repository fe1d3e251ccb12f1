// SPDX-License-Identifier: GPL-2.0
/* /proc/PID/exe and /proc/PID/cgroup, and the per-pid cache in front of them. */
#include "host/proc_names.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int line_rank(const char *line, size_t len)
{
	if (len >= 2 && !memcmp(line, "0:", 2))
		return 2; /* v2 (or the hybrid layout's unified tree) */
	return memmem(line, len, ":name=systemd:", 14) ? 1 : 0;
}

int proc_names__pick_cgroup(const char *text, size_t len, struct proc_names *out)
{
	const char *p = text, *end = text + len, *nl, *path;
	struct cgroup_owner o;
	int best = -1, score;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		/* the path follows the second colon; controller names hold none */
		path = memchr(p, ':', (size_t)(nl - p));
		path = path ? memchr(path + 1, ':', (size_t)(nl - path - 1)) : NULL;
		if (path && !cgroup_path__parse((const uint8_t *)path + 1, (size_t)(nl - path - 1), &o)) {
			/* the root says nothing: a v1 controller's own path may */
			score = cgroup_owner__score(&o) * 8 + (nl - path - 1 > 1) * 4 +
				line_rank(p, (size_t)(nl - p));
			if (score > best) {
				best = score;
				out->owner = o;
				snprintf(out->cgroup, sizeof(out->cgroup), "%.*s", (int)(nl - path - 1),
					 path + 1);
			}
		}
		p = nl + 1;
	}
	return best < 0 ? -EINVAL : 0;
}

int proc_names__read(const char *proc_root, uint32_t pid, struct proc_names *out)
{
	char path[128], text[4096];
	ssize_t n;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/%u/cgroup", proc_root, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? -ENOENT : -errno;
	/* One read: the kernel produces the whole file at once for a buffer this size. */
	n = read(fd, text, sizeof(text));
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc)
		return rc == -ESRCH ? -ENOENT : rc;
	if (!n)
		return -ENOENT; /* a zombie's cgroup file is empty */
	proc_names__pick_cgroup(text, (size_t)n, out);
	snprintf(path, sizeof(path), "%s/%u/exe", proc_root, pid);
	n = readlink(path, out->exe, sizeof(out->exe) - 1);
	out->exe[n > 0 ? n : 0] = '\0';
	return 0;
}

_Static_assert(sizeof(struct tlsmon_owner_event) == TLSMON_OWNER_EVENT_SIZE,
	       "struct tlsmon_owner_event layout");

/* The next list of the event's packed names: its components (leaf first) as pointers into
 * names, at most TLSMON_PATH_DEPTH; *off moves past it. Stops at names_len whatever the counts
 * say. */
static int next_list(const struct tlsmon_owner_event *ev, int list, size_t *off,
		     const char *parts[TLSMON_PATH_DEPTH])
{
	size_t len = ev->names_len < sizeof(ev->names) ? ev->names_len : sizeof(ev->names);
	int n = 0;

	for (int i = 0; i < ev->count[list] && *off < len; i++) {
		const char *p = ev->names + *off, *nul = memchr(p, '\0', len - *off);

		if (!nul)
			break;
		if (n < TLSMON_PATH_DEPTH)
			parts[n++] = p;
		*off += (size_t)(nul - p) + 1;
	}
	return n;
}

/* "/" + the components root first, then leaf when given; "/..." first when the kernel stopped
 * short of the root. */
static void join_path(char *out, size_t size, const char *const *parts, int n, bool truncated,
		      const char *leaf, size_t leaf_len)
{
	size_t len = 0;

	out[0] = '\0';
	if (truncated)
		len += (size_t)snprintf(out + len, size - len, "/...");
	while (n-- > 0 && len < size)
		len += (size_t)snprintf(out + len, size - len, "/%s", parts[n]);
	if (leaf && len < size)
		len += (size_t)snprintf(out + len, size - len, "/%.*s", (int)strnlen(leaf, leaf_len),
					leaf);
	if (!len)
		snprintf(out, size, "/");
}

void proc_names__from_kernel(const struct tlsmon_owner_event *ev, struct proc_names *out)
{
	char path[TLSMON_PATH_DEPTH * TLSMON_NAME_MAX + 8];
	const char *parts[TLSMON_PATH_DEPTH];
	struct cgroup_owner o;
	int best = -1, score, n;
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	n = next_list(ev, TLSMON_NAMES_EXE_DIRS, &off, parts);
	if (ev->o.exe_name[0])
		join_path(out->exe, sizeof(out->exe), parts, n,
			  ev->truncated[TLSMON_NAMES_EXE_DIRS], ev->o.exe_name,
			  sizeof(ev->o.exe_name));
	for (int t = TLSMON_NAMES_UNIFIED; t <= TLSMON_NAMES_MEMORY; t++) {
		n = next_list(ev, t, &off, parts);
		join_path(path, sizeof(path), parts, n, ev->truncated[t], NULL, 0);
		if (cgroup_path__parse((const uint8_t *)path, strlen(path), &o))
			continue;
		score = cgroup_owner__score(&o) * 8 + (strlen(path) > 1) * 4 +
			(t == TLSMON_NAMES_UNIFIED) * 2;
		if (score > best) {
			best = score;
			out->owner = o;
			snprintf(out->cgroup, sizeof(out->cgroup), "%.*s",
				 (int)sizeof(out->cgroup) - 1, path);
		}
	}
}

/* PROC_PID_INIT_INO (include/linux/proc_ns.h): the init pid namespace's inode, fixed since
 * Linux 3.8. */
#define PID_NS_INIT_INO 0xEFFFFFFCu

bool proc_names__host_pids(void)
{
	struct stat st;

	return !stat("/proc/self/ns/pid", &st) && st.st_ino == PID_NS_INIT_INO;
}

struct proc_cache_entry {
	uint32_t pid;
	uint64_t gen;
	uint64_t read_ns; /* 0: empty */
	struct proc_names names;
};

struct proc_cache {
	char proc_root[64];
	uint32_t mask;
	uint64_t ttl_ns;
	struct proc_cache_stats stats;
	struct proc_cache_entry *slots;
};

struct proc_cache *proc_cache__new(const char *proc_root, uint32_t slots, uint64_t ttl_ns)
{
	struct proc_cache *c;

	if (!slots || (slots & (slots - 1)))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->slots = calloc(slots, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return NULL;
	}
	snprintf(c->proc_root, sizeof(c->proc_root), "%s", proc_root);
	c->mask = slots - 1;
	c->ttl_ns = ttl_ns;
	return c;
}

void proc_cache__free(struct proc_cache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c);
}

/* Direct-mapped: one slot per pid hash, a colliding pid replaces the entry (counted). */
const struct proc_names *proc_cache__get(struct proc_cache *c, uint32_t pid, uint64_t gen,
					 uint64_t now_ns)
{
	struct proc_cache_entry *e = &c->slots[(pid * 2654435761u) & c->mask];
	bool same = e->read_ns && e->pid == pid && e->gen == gen;
	struct proc_names fresh;

	if (same && now_ns - e->read_ns < c->ttl_ns) {
		c->stats.hits++;
		return &e->names;
	}
	if (proc_names__read(c->proc_root, pid, &fresh)) {
		c->stats.gone++;
		/* an expired entry of the same process is still the best guess for one that just
		 * exited */
		return same ? &e->names : NULL;
	}
	c->stats.reads++;
	if (e->read_ns && e->pid != pid && now_ns - e->read_ns < c->ttl_ns)
		c->stats.evictions++;
	e->pid = pid;
	e->gen = gen;
	e->read_ns = now_ns ? now_ns : 1;
	e->names = fresh;
	return &e->names;
}

const struct proc_cache_stats *proc_cache__stats(const struct proc_cache *c)
{
	return &c->stats;
}
