// SPDX-License-Identifier: GPL-2.0
/* The directories `tlsmon run` prepares while still root (run_dirs.h). */
#include "cmd/run_dirs.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/ctl.h"

/* CTL_RUNTIME_DIR is root's, 0755 (ctl__listen() makes it so): whoever owns it can replace the
 * socket, and root's `tlsmon dump` would write what they serve. An older tlsmon handed it to
 * --user: take it back. Not a symbolic link: lchown/chmod act on what is there. */
void run__reclaim_runtime_dir(void)
{
	struct stat st;

	if (lstat(CTL_RUNTIME_DIR, &st) || !S_ISDIR(st.st_mode))
		return;
	if (st.st_uid == 0 && st.st_gid == 0 && (st.st_mode & 07777) == 0755)
		return;
	if (lchown(CTL_RUNTIME_DIR, 0, 0) || chmod(CTL_RUNTIME_DIR, 0755))
		fprintf(stderr, "tlsmon: %s: taking it back (root, 0755): %s\n", CTL_RUNTIME_DIR,
			strerror(errno));
	else
		fprintf(stderr, "tlsmon: %s was uid %u, mode %04o: now root's, 0755 (its owner could "
				"replace the control socket)\n", CTL_RUNTIME_DIR, (unsigned)st.st_uid,
			(unsigned)(st.st_mode & 07777));
}

/* While still root: SIGUSR1 writes dumps into --dump-dir as the user the daemon becomes, who
 * may not create it then (/var/lib is root's). Made 0700 and given to that user: dumps hold the
 * handshakes' frames. One that exists is left as it is. */
void run__make_dump_dir(const struct run_opts *o)
{
	const char *dir = o->dump_dir ? o->dump_dir : RUN_DEFAULT_DUMP_DIR;
	struct passwd *pw = o->user ? getpwnam(o->user) : NULL;

	if (!mkdir(dir, 0700)) {
		if (pw && chown(dir, pw->pw_uid, pw->pw_gid))
			fprintf(stderr, "tlsmon: --dump-dir %s: chown to %s: %s\n", dir, o->user,
				strerror(errno));
	} else if (errno != EEXIST) {
		fprintf(stderr, "tlsmon: --dump-dir %s: %s; SIGUSR1 dumps will fail until it "
				"exists\n", dir, strerror(errno));
	}
}
