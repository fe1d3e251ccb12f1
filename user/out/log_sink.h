/* The daemon's JSON Lines log (--log): a file, or stdout for containers and journald ("-").
 * A file is reopened on request (SIGHUP, after logrotate moved it away) and created with the
 * configured mode and owner, so a log shipper in the log group can read it and a daemon that
 * dropped root can still create it again after a rotation. */
#ifndef TLSMON_LOG_SINK_H
#define TLSMON_LOG_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Why a write failed, for tlsmon_log_errors_total{reason}: a bounded set. */
enum log_error_reason {
	LOG_ERR_NO_SPACE, /* ENOSPC, EDQUOT */
	LOG_ERR_FILE_TOO_LARGE, /* EFBIG (RLIMIT_FSIZE, the file system's limit) */
	LOG_ERR_IO, /* EIO */
	LOG_ERR_OTHER,
	LOG_ERR__COUNT,
};

const char *log_sink__reason_name(enum log_error_reason r); /* "no_space", ... */

struct log_sink_opts {
	const char *path; /* "-" or "/dev/stdout" = stdout, "/dev/stderr" = stderr */
	mode_t mode; /* of a file this sink creates, and of the file at open */
	uid_t uid; /* owner at open, (uid_t)-1 to leave it */
	gid_t gid; /* group at open and of files created at reopen, (gid_t)-1 to leave it */
};

struct log_sink;

/* Opens (creating if need be) and sets mode and owner as opts say. The last component of the
 * path is never followed if it is a symbolic link (-ELOOP), and an existing regular file owned
 * by neither this process's user nor opts->uid is refused (-EPERM): a local user who can write
 * the log's directory must not make the daemon append to a file of someone else's. NULL with -errno in *err and
 * a one-line reason in msg; *err is 1 when the file is open but mode or owner could not be set
 * (msg says why), else 0. */
struct log_sink *log_sink__open(const struct log_sink_opts *opts, int *err, char *msg,
				size_t msg_size);

/* Opens the path again and switches to it; on failure keeps writing to the old file. Stdout is
 * never reopened (returns 0). Returns 0; 1 when the new file could not be given its mode or group
 * (it is used all the same; msg says why); or -errno with a reason in msg. */
int log_sink__reopen(struct log_sink *s, char *msg, size_t msg_size);

/* Appends buf (whole lines). A write that stops short (a full disk) is cut back off the file, so
 * the file only ever holds whole lines and the next line starts on a line of its own. Returns 0,
 * or the -errno of the write that failed; failures are counted by reason. */
int log_sink__write(struct log_sink *s, const void *buf, size_t len);

/* The same, held in memory (up to 64 KiB, then written) until log_sink__flush(), which the
 * daemon calls once per loop turn: one write() for many lines. A failed write loses and counts
 * every line it held. log_sink__write(), __reopen() and __close() flush first. Returns 0 or the
 * -errno of a write it had to make. */
int log_sink__append(struct log_sink *s, const void *buf, size_t len);
/* log_sink__append() of buf and a newline: one line without the caller copying it first. */
int log_sink__append_line(struct log_sink *s, const void *buf, size_t len);
int log_sink__flush(struct log_sink *s);

uint64_t log_sink__errors(const struct log_sink *s); /* all reasons */
uint64_t log_sink__errors_by(const struct log_sink *s, enum log_error_reason r);
bool log_sink__is_stdout(const struct log_sink *s);
void log_sink__close(struct log_sink *s);

#endif
