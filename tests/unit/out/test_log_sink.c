// SPDX-License-Identifier: GPL-2.0
/* out/log_sink: the --log file: created with its mode whatever the umask, reopened after a
 * rotation (rename) into a new file with the same mode, whole lines appended; "-" is stdout. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "out/log_sink.h"

static char dir[] = "/tmp/tlsmon-log-XXXXXX";
static char path[PATH_MAX], rotated[PATH_MAX];

static long file_size(const char *p)
{
	struct stat st;

	return stat(p, &st) ? -1 : (long)st.st_size;
}

static unsigned file_mode(const char *p)
{
	struct stat st;

	return stat(p, &st) ? 0 : (unsigned)(st.st_mode & 07777);
}

static void test_create_rotate(void)
{
	struct log_sink_opts o = { .path = path, .mode = 0640, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	struct log_sink *s;
	char msg[256] = "";
	mode_t old = umask(0077); /* the group's read bit must survive it */
	int err = -1;

	s = log_sink__open(&o, &err, msg, sizeof(msg));
	umask(old);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(err, 0);
	CHECK_EQ(file_mode(path), 0640);
	CHECK(!log_sink__is_stdout(s));
	CHECK_EQ(log_sink__write(s, "one\n", 4), 0);
	CHECK_EQ(rename(path, rotated), 0);
	CHECK_EQ(log_sink__write(s, "two\n", 4), 0); /* still the old file until the reopen */
	old = umask(0077);
	CHECK_EQ(log_sink__reopen(s, msg, sizeof(msg)), 0);
	umask(old);
	CHECK_EQ(file_mode(path), 0640);
	CHECK_EQ(log_sink__write(s, "three\n", 6), 0);
	CHECK_EQ(file_size(rotated), 8);
	CHECK_EQ(file_size(path), 6);
	CHECK_EQ(log_sink__errors(s), 0);
	/* an existing file is opened for appending, not truncated */
	CHECK_EQ(log_sink__reopen(s, msg, sizeof(msg)), 0);
	CHECK_EQ(log_sink__write(s, "four\n", 5), 0);
	CHECK_EQ(file_size(path), 11);
	log_sink__close(s);
	unlink(path);
	unlink(rotated);
}

static void test_errors_and_stdout(void)
{
	struct log_sink_opts o = { .path = "/nonexistent-dir-tlsmon/x.jsonl", .mode = 0640,
				   .uid = (uid_t)-1, .gid = (gid_t)-1 };
	struct log_sink *s;
	char msg[256] = "";
	int err = 0;

	CHECK(log_sink__open(&o, &err, msg, sizeof(msg)) == NULL);
	CHECK_EQ(err, -ENOENT);
	CHECK(strstr(msg, "/nonexistent-dir-tlsmon/x.jsonl: No such file") == msg);
	/* a reopen that fails keeps the old file */
	o.path = path;
	s = log_sink__open(&o, &err, msg, sizeof(msg));
	CHECK(s != NULL);
	if (s) {
		CHECK_EQ(rmdir(dir), -1); /* not empty */
		CHECK_EQ(unlink(path), 0);
		CHECK_EQ(chmod(dir, 0500), 0);
		/* root may create files in it anyway: only then is there nothing to check */
		if (access(dir, W_OK)) {
			CHECK(log_sink__reopen(s, msg, sizeof(msg)) < 0);
			CHECK_EQ(log_sink__write(s, "x\n", 2), 0);
		}
		CHECK_EQ(chmod(dir, 0700), 0);
		log_sink__close(s);
		unlink(path);
	}
	o.path = "-";
	s = log_sink__open(&o, &err, msg, sizeof(msg));
	CHECK(s != NULL && log_sink__is_stdout(s));
	if (s) {
		CHECK_EQ(log_sink__reopen(s, msg, sizeof(msg)), 0);
		log_sink__close(s);
	}
	/* closing the sink leaves stdout open */
	CHECK(fcntl(STDOUT_FILENO, F_GETFD) != -1);
}

/* A planted symbolic link is refused, not followed (the target stays untouched); as root, so is
 * an existing file owned by another user. */
static void test_link_and_owner_refused(void)
{
	struct log_sink_opts o = { .path = path, .mode = 0640, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	char target[PATH_MAX + 8], msg[512] = "";
	int err = 0, fd;

	snprintf(target, sizeof(target), "%s.victim", path);
	fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_EQ(symlink(target, path), 0);
	CHECK(log_sink__open(&o, &err, msg, sizeof(msg)) == NULL);
	CHECK_EQ(err, -ELOOP);
	CHECK(strstr(msg, "symbolic link") != NULL);
	CHECK_EQ(file_size(target), 0);
	unlink(path);
	if (!geteuid()) {
		CHECK_EQ(chown(target, 12345, 12345), 0);
		o.path = target;
		CHECK(log_sink__open(&o, &err, msg, sizeof(msg)) == NULL);
		CHECK_EQ(err, -EPERM);
		CHECK(strstr(msg, "owned by uid 12345") != NULL);
		o.uid = 12345; /* the daemon's --user owns it: fine */
		struct log_sink *s = log_sink__open(&o, &err, msg, sizeof(msg));

		CHECK(s != NULL);
		log_sink__close(s);
	}
	unlink(target);
}

/* RLIMIT_FSIZE stops a line halfway: the fragment is cut off again, the failure is counted as
 * file_too_large with EFBIG, and the file holds whole lines only. */
static void test_partial_line_cut(void)
{
	struct log_sink_opts o = { .path = path, .mode = 0640, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	static const char line[] = "{\"n\":\"0123456789012345678901234\"}\n"; /* 33 bytes */
	struct rlimit old, lim;
	struct log_sink *s;
	char msg[256] = "";
	int err = 0, rc[4];

	s = log_sink__open(&o, &err, msg, sizeof(msg));
	CHECK(s != NULL);
	if (!s)
		return;
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 80; /* two lines and 14 bytes of a third */
	CHECK_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (int i = 0; i < 4; i++)
		rc[i] = log_sink__write(s, line, sizeof(line) - 1);
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK_EQ(rc[0], 0);
	CHECK_EQ(rc[1], 0);
	CHECK_EQ(rc[2], -EFBIG);
	CHECK_EQ(rc[3], -EFBIG);
	CHECK_EQ(file_size(path), 2 * (long)(sizeof(line) - 1));
	CHECK_EQ(log_sink__errors(s), 2);
	CHECK_EQ(log_sink__errors_by(s, LOG_ERR_FILE_TOO_LARGE), 2);
	CHECK_EQ(log_sink__errors_by(s, LOG_ERR_NO_SPACE), 0);
	CHECK_STR(log_sink__reason_name(LOG_ERR_FILE_TOO_LARGE), "file_too_large");
	/* room again: the next line starts on a line of its own */
	CHECK_EQ(log_sink__write(s, line, sizeof(line) - 1), 0);
	CHECK_EQ(file_size(path), 3 * (long)(sizeof(line) - 1));
	log_sink__close(s);
	unlink(path);
}

/* log_sink__append() holds lines until log_sink__flush() (or 64 KiB, a write, a reopen, the
 * close), in order; a batch cut short by RLIMIT_FSIZE is cut off whole and every line in it is
 * counted. */
static void test_append_batches(void)
{
	struct log_sink_opts o = { .path = path, .mode = 0640, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	static const char line[] = "{\"n\":\"0123456789012345678901234\"}\n";
	const long n = sizeof(line) - 1, fit = (64 * 1024) / n;
	struct rlimit old, lim;
	struct log_sink *s;
	char msg[256] = "";
	int err = 0, i, rc = 0;

	s = log_sink__open(&o, &err, msg, sizeof(msg));
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(log_sink__append(s, line, n), 0);
	CHECK_EQ(log_sink__append(s, line, n), 0);
	CHECK_EQ(file_size(path), 0);
	CHECK_EQ(log_sink__flush(s), 0);
	CHECK_EQ(file_size(path), 2 * n);
	CHECK_EQ(log_sink__flush(s), 0); /* nothing held: nothing written */
	CHECK_EQ(file_size(path), 2 * n);
	/* a write goes after what was held */
	CHECK_EQ(log_sink__append(s, line, n), 0);
	CHECK_EQ(log_sink__write(s, line, n), 0);
	CHECK_EQ(file_size(path), 4 * n);
	/* 64 KiB at most in memory: the line that would not fit writes those before it */
	for (i = 0; i < fit + 1; i++)
		rc |= log_sink__append(s, line, n);
	CHECK_EQ(rc, 0);
	CHECK_EQ(file_size(path), (4 + fit) * n);
	CHECK_EQ(log_sink__flush(s), 0);
	CHECK_EQ(file_size(path), (4 + fit + 1) * n);

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)((4 + fit + 1 + 1) * n + 14); /* one more line and 14 bytes */
	CHECK_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (i = 0; i < 3; i++)
		CHECK_EQ(log_sink__append(s, line, n), 0);
	rc = log_sink__flush(s);
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK_EQ(rc, -EFBIG);
	CHECK_EQ(file_size(path), (4 + fit + 1) * n);
	CHECK_EQ(log_sink__errors(s), 3);
	CHECK_EQ(log_sink__errors_by(s, LOG_ERR_FILE_TOO_LARGE), 3);
	/* the close writes what is held */
	CHECK_EQ(log_sink__append(s, line, n), 0);
	log_sink__close(s);
	CHECK_EQ(file_size(path), (4 + fit + 2) * n);
	unlink(path);
}

/* log_sink__append_line(): the line and its newline, held like log_sink__append()'s; a line
 * longer than the batch is written at once, whole. */
static void test_append_line(void)
{
	struct log_sink_opts o = { .path = path, .mode = 0640, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	static const char line[] = "{\"n\":1}";
	const size_t big_len = 70 * 1024;
	char *big = malloc(big_len), *got = malloc(big_len + 64);
	struct log_sink *s;
	char msg[256] = "";
	int err = 0;
	FILE *f;
	size_t n;

	s = log_sink__open(&o, &err, msg, sizeof(msg));
	CHECK(s != NULL && big && got);
	if (!s || !big || !got)
		goto out;
	memset(big, 'x', big_len);
	CHECK_EQ(log_sink__append_line(s, line, sizeof(line) - 1), 0);
	CHECK_EQ(file_size(path), 0);
	CHECK_EQ(log_sink__append_line(s, big, big_len), 0); /* flushes, then written alone */
	CHECK_EQ(file_size(path), (long)(sizeof(line) + big_len + 1));
	CHECK_EQ(log_sink__append_line(s, line, sizeof(line) - 1), 0);
	log_sink__close(s);
	f = fopen(path, "r");
	n = f ? fread(got, 1, big_len + 64, f) : 0;
	if (f)
		fclose(f);
	CHECK_EQ(n, 2 * sizeof(line) + big_len + 1);
	CHECK(n > big_len && !memcmp(got, "{\"n\":1}\nxxx", 11));
	CHECK(n > big_len && got[sizeof(line) + big_len] == '\n');
	CHECK(n > big_len && !memcmp(got + n - sizeof(line), "{\"n\":1}\n", sizeof(line)));
	unlink(path);
out:
	free(big);
	free(got);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("FAIL mkdtemp\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/tlsmon.jsonl", dir);
	snprintf(rotated, sizeof(rotated), "%s/tlsmon.jsonl.1", dir);
	RUN_TEST(test_create_rotate);
	RUN_TEST(test_errors_and_stdout);
	RUN_TEST(test_link_and_owner_refused);
	RUN_TEST(test_partial_line_cut);
	RUN_TEST(test_append_batches);
	RUN_TEST(test_append_line);
	rmdir(dir);
	return CHECK_DONE();
}
