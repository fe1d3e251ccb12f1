// SPDX-License-Identifier: GPL-2.0
#include "host/tlslib_hooks.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "capture/ringbuf.h"
#include "host/elf_getter.h"
#include "host/tlslib_probes.h"
#include "util/err.h"
#include "util/pages.h"
#include "tlslib.skel.h"

_Static_assert(sizeof(struct tlslib_event) == TLSLIB_EVENT_SIZE, "struct tlslib_event layout");

/* Where distributions put the host's shared libraries. */
static const char *const lib_dirs[] = {
	"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64",
	"/usr/lib",
};

struct lib_file {
	dev_t dev;
	ino_t ino;
};

struct tlslib_hooks {
	struct tlslib_bpf *skel;
	struct ringbuf *rb;
	struct bpf_link *sendmsg_link;
	struct bpf_link *links[TLSLIB_MAX_LIBS * TLSLIB_MAX_PROBES];
	int n_links;
	struct lib_file libs[TLSLIB_MAX_LIBS];
	int n_libs;
	tlslib_verdict_fn fn;
	void *ctx;
	struct tlslib_stats stats;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct tlslib_hooks *t = ctx;

	if (size < sizeof(struct tlslib_event))
		return 0;
	t->stats.events++;
	t->fn(t->ctx, data);
	return 0;
}

static bool known(const struct tlslib_hooks *t, const struct stat *st)
{
	for (int i = 0; i < t->n_libs; i++)
		if (t->libs[i].dev == st->st_dev && t->libs[i].ino == st->st_ino)
			return true;
	return false;
}

/* The attach cookie of probe p of family on the file at path: the family (bits 32-39) and, for
 * the context-reading role, where the file's build keeps the depth (bits 0-31; 0 when its getter
 * is not the one load elf_getter reads, and the depth stays unknown). */
static uint64_t probe_cookie(struct tlslib_hooks *t, int family, const struct tlslib_probe *p,
			     const char *path)
{
	uint32_t off = 0;

	int rc;

	if (p->role == TLSLIB_ROLE_ERROR_CTX_ENTER && p->depth_getter &&
	    (rc = elf_getter__field_offset(path, p->depth_getter, &off))) {
		/* one line per file, at most TLSLIB_MAX_LIBS */
		fprintf(stderr, "tlsmon: TLS-library depths unknown for %s: %s: %s\n", path,
			p->depth_getter, strerror(-rc));
		off = 0;
		t->stats.depth_unreadable++;
	}
	return (uint64_t)family << 32 | off;
}

/* Attach family's probes for this file (named base) at path; 1 attached, 0 already known, else
 * -errno. A file is remembered even when a probe failed: it is not retried on every scan. */
static int attach_file(struct tlslib_hooks *t, int family, const char *base, const char *path)
{
	const struct tlslib_family_def *fd = tlslib_families[family];
	struct stat st;
	int rc = 0;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return -ENOENT;
	if (known(t, &st))
		return 0;
	if (t->n_libs >= TLSLIB_MAX_LIBS) {
		t->stats.libs_refused++;
		return -E2BIG;
	}
	t->libs[t->n_libs++] = (struct lib_file){ st.st_dev, st.st_ino };
	for (int i = 0; i < TLSLIB_MAX_PROBES && fd->probes[i].symbol; i++) {
		const struct tlslib_probe *p = &fd->probes[i];
		const char *name = tlslib__role_prog(p->role);
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = p->symbol,
			    .retprobe = tlslib__role_is_return(p->role));
		struct bpf_program *prog;
		struct bpf_link *l;

		if (strcmp(p->file, base))
			continue;
		prog = name ? bpf_object__find_program_by_name(t->skel->obj, name) : NULL;
		if (!prog || t->n_links >= (int)(sizeof(t->links) / sizeof(t->links[0]))) {
			rc = -ENOENT;
			break;
		}
		uo.bpf_cookie = probe_cookie(t, family, p, path);
		l = bpf_program__attach_uprobe_opts(prog, -1, path, 0, &uo);
		if (!l) {
			rc = -errno;
			break;
		}
		t->links[t->n_links++] = l;
	}
	if (rc) {
		t->stats.lib_attach_failures++;
		return rc;
	}
	t->stats.libs_attached++;
	return 1;
}

static int attach_host_libs(struct tlslib_hooks *t, char *err, size_t err_size)
{
	char path[256], failed[256] = "";
	int found = 0, rc, last = -ENOENT;

	for (int f = 0; f < TLSLIB__COUNT; f++)
		for (int i = 0; i < TLSLIB_MAX_FILES && tlslib_families[f]->files[i]; i++)
			for (size_t d = 0; d < sizeof(lib_dirs) / sizeof(lib_dirs[0]); d++) {
				snprintf(path, sizeof(path), "%s/%s", lib_dirs[d],
					 tlslib_families[f]->files[i]);
				rc = attach_file(t, f, tlslib_families[f]->files[i], path);
				if (rc >= 0) {
					found++;
					break;
				}
				if (rc != -ENOENT) {
					last = rc;
					snprintf(failed, sizeof(failed), "%s", path);
				}
			}
	if (found)
		return 0;
	if (last == -ENOENT)
		err__set(err, err_size, "no TLS library to attach to (libcrypto.so.3 and libssl.so.3 "
					"not found)");
	else
		err__set(err, err_size, "uprobes on %s: %s (they need CAP_PERFMON or CAP_SYS_ADMIN, "
					"and perf_event_open(2) allowed)", failed, strerror(-last));
	return last;
}

struct tlslib_hooks *tlslib_hooks__open(tlslib_verdict_fn fn, void *ctx, char *err, size_t err_size)
{
	struct tlslib_hooks *t = calloc(1, sizeof(*t));
	int rc;

	if (!t) {
		err__set(err, err_size, "out of memory");
		return NULL;
	}
	t->fn = fn;
	t->ctx = ctx;
	t->skel = tlslib_bpf__open();
	if (!t->skel) {
		err__set(err, err_size, "opening the uprobe programs: %s", strerror(errno));
		goto fail;
	}
	rc = tlslib_bpf__load(t->skel);
	if (rc) {
		err__set(err, err_size, "loading the uprobe programs: %s (uprobes need BTF, and "
					"CAP_BPF with CAP_PERFMON, or CAP_SYS_ADMIN)", strerror(-rc));
		goto fail;
	}
	/* the skeleton's copy of the object (700 KB of .rodata): read, not needed resident */
	pages__release_object(tlslib_bpf__elf_bytes);
	t->sendmsg_link = bpf_program__attach(t->skel->progs.tcp_sendmsg_enter);
	if (!t->sendmsg_link) {
		err__set(err, err_size, "attaching to the tcp_sendmsg_locked tracepoint: %s", strerror(errno));
		goto fail;
	}
	/* In a container of its own (the image, the DaemonSet) the host's files are not at these
	 * paths: the running processes' mappings may still name them (with the host's PIDs). */
	if (attach_host_libs(t, err, err_size) && !(tlslib_hooks__scan(t) > 0))
		goto fail;
	t->rb = ringbuf__new(bpf_map__fd(t->skel->maps.tlslib_events), on_event, t);
	if (!t->rb) {
		err__set(err, err_size, "the verdicts' ring buffer: %s", strerror(errno));
		goto fail;
	}
	return t;
fail:
	tlslib_hooks__close(t);
	return NULL;
}

void tlslib_hooks__close(struct tlslib_hooks *t)
{
	if (!t)
		return;
	ringbuf__free(t->rb);
	for (int i = t->n_links - 1; i >= 0; i--)
		bpf_link__destroy(t->links[i]);
	bpf_link__destroy(t->sendmsg_link);
	tlslib_bpf__destroy(t->skel);
	free(t);
}

int tlslib_hooks__fd(const struct tlslib_hooks *t)
{
	return t ? ringbuf__epoll_fd(t->rb) : -1;
}

int tlslib_hooks__consume(struct tlslib_hooks *t)
{
	return t ? ringbuf__consume(t->rb) : 0;
}

/* One process's maps: the hooked files it maps, attached through the mapping itself
 * (/proc/PID/map_files/RANGE names the very file, in whatever root or mount namespace it lives),
 * else through the process's root (map_files needs CAP_SYS_ADMIN). A container's own copy is
 * another inode than the host's. */
static int scan_pid(struct tlslib_hooks *t, const char *pid)
{
	char path[512], line[512];
	int added = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/'), *base, *nl;
		int family, rc;

		if (!file)
			continue;
		nl = strchr(file, '\n');
		if (nl)
			*nl = '\0';
		base = strrchr(file, '/') + 1;
		family = tlslib__family_of_file(base);
		if (family < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/map_files/%.*s", pid, (int)strcspn(line, " "),
			 line);
		rc = attach_file(t, family, base, path);
		if (rc == -ENOENT || rc == -EACCES || rc == -EPERM) {
			snprintf(path, sizeof(path), "/proc/%s/root%s", pid, file);
			rc = attach_file(t, family, base, path);
		}
		added += rc > 0;
		t->stats.libs_from_processes += rc > 0;
	}
	fclose(f);
	return added;
}

int tlslib_hooks__scan(struct tlslib_hooks *t)
{
	DIR *d;
	struct dirent *de;
	int added = 0, seen = 0;

	if (!t || !(d = opendir("/proc")))
		return 0;
	while ((de = readdir(d)) && seen < TLSLIB_SCAN_MAX_PIDS) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		seen++;
		added += scan_pid(t, de->d_name);
	}
	closedir(d);
	return added;
}

const struct tlslib_stats *tlslib_hooks__stats(struct tlslib_hooks *t)
{
	uint32_t zero = 0;
	uint64_t dropped = 0;

	if (!bpf_map__lookup_elem(t->skel->maps.tlslib_dropped, &zero, sizeof(zero), &dropped,
				  sizeof(dropped), 0))
		t->stats.events_dropped = dropped;
	return &t->stats;
}
