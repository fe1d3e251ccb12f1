// SPDX-License-Identifier: GPL-2.0
#include "out/log_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct log_sink {
	struct log_sink_opts o;
	int fd;
	uint64_t errors;
};

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

	fd = open(o->path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, o->mode);
	if (fd < 0 && errno == EEXIST) {
		created = false;
		fd = open(o->path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
	}
	if (fd < 0) {
		e = -errno;
		snprintf(msg, msg_size, "%s: %s", o->path, strerror(-e));
		return e;
	}
	if (!created && !set_owner)
		return fd;
	/* /dev/stdout, a fifo, a tty: not ours to chmod */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
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
	return !strcmp(o->path, "-");
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
	s->fd = is_stdout(opts) ? STDOUT_FILENO : open_file(opts, true, &warned, msg, msg_size);
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
	fd = open_file(&s->o, false, &warned, msg, msg_size);
	if (fd < 0)
		return fd;
	close(s->fd);
	s->fd = fd;
	return warned ? 1 : 0;
}

int log_sink__write(struct log_sink *s, const void *buf, size_t len)
{
	ssize_t n = write(s->fd, buf, len);

	if (n == (ssize_t)len)
		return 0;
	s->errors++;
	return n < 0 ? -errno : -EIO;
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
	if (s->fd >= 0 && !is_stdout(&s->o))
		close(s->fd);
	free(s);
}
