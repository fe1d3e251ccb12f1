// SPDX-License-Identifier: GPL-2.0
#include "out/log_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What log_sink__append() may hold before it writes: the lines of one turn of the daemon's
 * loop at tens of thousands of handshakes per second. */
#define LOG_SINK_BATCH_BYTES (64 * 1024)

struct log_sink {
	struct log_sink_opts o;
	int fd;
	uint64_t errors;
	uint64_t by_reason[LOG_ERR__COUNT];
	uint8_t *batch; /* LOG_SINK_BATCH_BYTES, allocated at the first append */
	size_t batch_len;
	uint64_t batch_lines;
};

const char *log_sink__reason_name(enum log_error_reason r)
{
	static const char *const names[LOG_ERR__COUNT] = {
		[LOG_ERR_NO_SPACE] = "no_space",
		[LOG_ERR_FILE_TOO_LARGE] = "file_too_large",
		[LOG_ERR_IO] = "io",
		[LOG_ERR_OTHER] = "other",
	};

	return r < LOG_ERR__COUNT ? names[r] : "other";
}

/* The standard streams by name: /dev/stdout is a symbolic link (to /proc/self/fd/1), which
 * O_NOFOLLOW would refuse; -1 for any other path. */
static int std_fd(const char *path)
{
	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	return -1;
}

/* A file this call created gets mode and group; at startup (set_owner) an existing one gets
 * them too, with the owner, because an older tlsmon left it root's, 0600. A daemon that is not
 * root may not be allowed to: *warned says so, and the file is used anyway (monitoring without
 * the log shipper's access beats no monitoring; at a reopen, writing on into the rotated file
 * would be worse). */
static int open_file(const struct log_sink_opts *o, bool set_owner, bool *warned, char *msg,
		     size_t msg_size)
{
	bool created = true;
	struct stat st;
	int fd, e;

	/* O_NOFOLLOW: a symbolic link planted where the log goes must not redirect a root
	 * daemon's appends into another file. (O_EXCL already refuses links when creating.) */
	fd = open(o->path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW,
		  o->mode);
	if (fd < 0 && errno == EEXIST) {
		created = false;
		fd = open(o->path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	}
	if (fd < 0) {
		e = -errno;
		snprintf(msg, msg_size, "%s: %s", o->path,
			 e == -ELOOP ? "is a symbolic link; refused (give the file itself)" :
				       strerror(-e));
		return e;
	}
	/* a fifo, a tty: not ours to chmod, nor to judge by owner */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return fd;
	if (!created && st.st_uid != geteuid() && (o->uid == (uid_t)-1 || st.st_uid != o->uid)) {
		snprintf(msg, msg_size, "%s: owned by uid %u, not by this daemon's user; refused",
			 o->path, (unsigned)st.st_uid);
		close(fd);
		return -EPERM;
	}
	if (!created && !set_owner)
		return fd;
	/* fchmod: the umask must not take the group's read bit away */
	if (fchmod(fd, o->mode) || fchown(fd, set_owner ? o->uid : (uid_t)-1, o->gid)) {
		e = -errno;
		snprintf(msg, msg_size, "%s: setting mode %04o, owner %d:%d: %s", o->path,
			 (unsigned)o->mode, set_owner ? (int)o->uid : -1, (int)o->gid, strerror(-e));
		*warned = true;
	}
	return fd;
}

static bool is_stdout(const struct log_sink_opts *o)
{
	return std_fd(o->path) >= 0;
}

struct log_sink *log_sink__open(const struct log_sink_opts *opts, int *err, char *msg,
				size_t msg_size)
{
	struct log_sink *s = calloc(1, sizeof(*s));
	bool warned = false;

	if (!s) {
		*err = -ENOMEM;
		snprintf(msg, msg_size, "%s", strerror(ENOMEM));
		return NULL;
	}
	s->o = *opts;
	s->fd = is_stdout(opts) ? std_fd(opts->path) : open_file(opts, true, &warned, msg, msg_size);
	if (s->fd < 0) {
		*err = s->fd;
		free(s);
		return NULL;
	}
	*err = warned ? 1 : 0;
	return s;
}

int log_sink__reopen(struct log_sink *s, char *msg, size_t msg_size)
{
	bool warned = false;
	int fd;

	if (is_stdout(&s->o))
		return 0;
	log_sink__flush(s); /* what came before the rotation goes into the old file */
	fd = open_file(&s->o, false, &warned, msg, msg_size);
	if (fd < 0)
		return fd;
	close(s->fd);
	s->fd = fd;
	return warned ? 1 : 0;
}

static enum log_error_reason reason_of(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
		return LOG_ERR_NO_SPACE;
	case EFBIG:
		return LOG_ERR_FILE_TOO_LARGE;
	case EIO:
		return LOG_ERR_IO;
	default:
		return LOG_ERR_OTHER;
	}
}

/* A write that stopped after some bytes: on a regular file, cut them off again (the file must
 * hold whole lines, or the next line would be glued onto the partial one). Elsewhere (a pipe)
 * there is nothing to cut. */
static void cut_partial(int fd, size_t written)
{
	struct stat st;
	off_t end;

	if (!written || fstat(fd, &st) || !S_ISREG(st.st_mode))
		return;
	end = lseek(fd, 0, SEEK_CUR); /* O_APPEND: just past what this write added */
	if (end >= (off_t)written && ftruncate(fd, end - (off_t)written) == 0)
		return;
	/* cannot cut: end the fragment, so that at least the next line stands alone */
	if (write(fd, "\n", 1) < 0)
		return;
}

/* Writes lines whole lines (buf) at once; a failure loses and counts all of them. */
static int write_lines(struct log_sink *s, const void *buf, size_t len, uint64_t lines)
{
	const uint8_t *p = buf;
	size_t done = 0;
	int err = 0;

	while (done < len) {
		ssize_t n = write(s->fd, p + done, len - done);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* n == 0 cannot happen for len > 0; a short write's cause is what the write of the
		 * rest returns, so the errno reported is the real one (ENOSPC, EFBIG) */
		err = n < 0 ? errno : EIO;
		break;
	}
	if (!err)
		return 0;
	cut_partial(s->fd, done);
	if (!s->errors)
		fprintf(stderr, "tlsmon: writing %s: %s; the line was dropped (further failures are "
				"counted in tlsmon_log_errors_total)\n", s->o.path, strerror(err));
	s->errors += lines;
	s->by_reason[reason_of(err)] += lines;
	return -err;
}

int log_sink__write(struct log_sink *s, const void *buf, size_t len)
{
	int rc = log_sink__flush(s); /* in order */
	int rc_line = write_lines(s, buf, len, 1);

	return rc_line ? rc_line : rc;
}

/* Room for len more bytes in the batch, which is written out first when they would not fit
 * (*rc: that write's result); NULL when len is more than a batch holds or there is no memory
 * for one: the caller writes its line alone. */
static uint8_t *batch_room(struct log_sink *s, size_t len, int *rc)
{
	*rc = 0;
	if (s->batch_len + len > LOG_SINK_BATCH_BYTES)
		*rc = log_sink__flush(s);
	if (len > LOG_SINK_BATCH_BYTES || (!s->batch && !(s->batch = malloc(LOG_SINK_BATCH_BYTES))))
		return NULL;
	return s->batch + s->batch_len;
}

int log_sink__append(struct log_sink *s, const void *buf, size_t len)
{
	uint8_t *p;
	int rc, rc_line;

	p = batch_room(s, len, &rc);
	if (!p) {
		rc_line = write_lines(s, buf, len, 1);
		return rc_line ? rc_line : rc;
	}
	memcpy(p, buf, len);
	s->batch_len += len;
	s->batch_lines++;
	return rc;
}

int log_sink__append_line(struct log_sink *s, const void *buf, size_t len)
{
	uint8_t *p, *line;
	int rc, rc_line;

	p = batch_room(s, len + 1, &rc);
	if (p) {
		memcpy(p, buf, len);
		p[len] = '\n';
		s->batch_len += len + 1;
		s->batch_lines++;
		return rc;
	}
	/* written alone, with its newline */
	line = malloc(len + 1);
	if (!line) { /* lost, and counted as a failed write is */
		s->errors++;
		s->by_reason[LOG_ERR_OTHER]++;
		return rc ? rc : -ENOMEM;
	}
	memcpy(line, buf, len);
	line[len] = '\n';
	rc_line = write_lines(s, line, len + 1, 1);
	free(line);
	return rc_line ? rc_line : rc;
}

int log_sink__flush(struct log_sink *s)
{
	int rc;

	if (!s->batch_len)
		return 0;
	rc = write_lines(s, s->batch, s->batch_len, s->batch_lines);
	s->batch_len = 0;
	s->batch_lines = 0;
	return rc;
}

uint64_t log_sink__errors_by(const struct log_sink *s, enum log_error_reason r)
{
	return r < LOG_ERR__COUNT ? s->by_reason[r] : 0;
}

uint64_t log_sink__errors(const struct log_sink *s)
{
	return s->errors;
}

bool log_sink__is_stdout(const struct log_sink *s)
{
	return is_stdout(&s->o);
}

void log_sink__close(struct log_sink *s)
{
	if (!s)
		return;
	log_sink__flush(s);
	if (s->fd >= 0 && !is_stdout(&s->o))
		close(s->fd);
	free(s->batch);
	free(s);
}
