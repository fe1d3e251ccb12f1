// SPDX-License-Identifier: GPL-2.0
#include "daemon/proc_self.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int proc_self__parse_stat(const char *s, size_t len, struct proc_stat *out)
{
	unsigned long long v[22];
	const char *p = NULL;
	char buf[1024];
	int n;

	for (size_t i = len; i > 0; i--) {
		if (s[i - 1] == ')') {
			p = s + i;
			break;
		}
	}
	if (!p || (size_t)(s + len - p) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, p, (size_t)(s + len - p));
	buf[s + len - p] = '\0';
	/* Fields 3 (state) to 24 (rss): state is a letter, the rest numbers (proc(5)). */
	n = sscanf(buf, " %*c %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
			"%llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10],
		   &v[11], &v[12], &v[13], &v[14], &v[15], &v[16], &v[17], &v[18], &v[19], &v[20]);
	if (n != 21)
		return -EINVAL;
	/* v[0] is field 4 (ppid): field N is v[N - 4]. */
	out->utime = v[10];
	out->stime = v[11];
	out->starttime = v[18];
	out->vsize = v[19];
	out->rss = v[20];
	return 0;
}

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

/* Boot time, Unix seconds: the "btime" line of /proc/stat. */
static int boot_time(uint64_t *out)
{
	char line[256];
	FILE *f = fopen("/proc/stat", "re");
	unsigned long long v;
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (rc && fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %llu", &v) == 1) {
			*out = v;
			rc = 0;
		}
	fclose(f);
	return rc;
}

/* Entries of /proc/self/fd, the directory's own descriptor included (as client_golang counts). */
static int open_fds(uint64_t *out)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint64_t n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	*out = n;
	return 0;
}

/* ticks / hz as an exact decimal (hz is 100 on Linux; any hz up to 10^6 prints exactly). */
static void put_ticks(struct sbuf *b, const char *name, uint64_t base_s, uint64_t ticks, long hz)
{
	uint64_t frac = ticks % (uint64_t)hz * 1000000 / (uint64_t)hz;

	sbuf__printf(b, "%s %llu.%06llu\n", name, (unsigned long long)(base_s + ticks / (uint64_t)hz),
		     (unsigned long long)frac);
}

static void header(struct sbuf *b, const char *name, const char *type, const char *help)
{
	sbuf__printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void proc_self__render(struct sbuf *b)
{
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	struct proc_stat st;
	struct rlimit rl;
	uint64_t btime = 0, fds = 0;
	char buf[1024];
	ssize_t n;

	n = read_file("/proc/self/stat", buf, sizeof(buf));
	if (n > 0 && hz > 0 && hz <= 1000000 && page > 0 &&
	    !proc_self__parse_stat(buf, (size_t)n, &st)) {
		header(b, "process_cpu_seconds_total", "counter",
		       "Total user and system CPU time spent in seconds.");
		put_ticks(b, "process_cpu_seconds_total", 0, st.utime + st.stime, hz);
		header(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
		sbuf__printf(b, "process_virtual_memory_bytes %llu\n", (unsigned long long)st.vsize);
		header(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
		sbuf__printf(b, "process_resident_memory_bytes %llu\n",
			     (unsigned long long)(st.rss * (uint64_t)page));
		if (!boot_time(&btime)) {
			header(b, "process_start_time_seconds", "gauge",
			       "Start time of the process since unix epoch in seconds.");
			put_ticks(b, "process_start_time_seconds", btime, st.starttime, hz);
		}
	}
	if (!open_fds(&fds)) {
		header(b, "process_open_fds", "gauge", "Number of open file descriptors.");
		sbuf__printf(b, "process_open_fds %llu\n", (unsigned long long)fds);
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		header(b, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
		/* RLIM_INFINITY is printed as the number it is, as client_golang does. */
		sbuf__printf(b, "process_max_fds %llu\n", (unsigned long long)rl.rlim_cur);
	}
}
