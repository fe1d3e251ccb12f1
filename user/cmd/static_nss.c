// SPDX-License-Identifier: GPL-2.0
/* Account lookups for the static binary only (`make static` links this file; build/tlsmon and
 * the tests do not): users from /etc/passwd, groups from /etc/group, nothing else.
 *
 * Why: a statically linked glibc still dlopen()s the NSS modules that /etc/nsswitch.conf lists
 * after "files", and they need the shared glibc of the build host. On Debian 12 ("passwd: files
 * systemd") getpwnam() of a name absent from /etc/passwd crashed a static binary inside
 * libnss_systemd.so.2. The linker takes a symbol from libc.a only when no object before it
 * defines it, so these definitions replace glibc's for every caller in tlsmon (--user,
 * --socket-group, and any later one): the link then prints no "Using 'getpwnam' in statically
 * linked applications" warning, which tests/live/static_binary.sh checks.
 * Accounts that exist only in LDAP, SSSD or systemd's DynamicUser= are not found ("no such
 * user"): a static tlsmon needs its user in /etc/passwd (the .deb creates one there).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <stdbool.h>
#include <sys/types.h>

/* Room for one entry of the non-reentrant calls; a group with a long member list needs more
 * than a passwd line. ERANGE past it, as glibc's would with a small buffer. */
#define ENTRY_BUF 16384

/* fgetpwent_r()/fgetgrent_r() parse the files themselves: no NSS module is involved. They
 * return ENOENT at the end of the file, which the *_r lookups report as "not found" (0 with a
 * NULL result), as glibc does. One walk for both files: next() reads an entry, match() tests it
 * against the name (or, without one, the id). */
struct ent_file {
	const char *path;
	int (*next)(FILE *f, void *ent, char *buf, size_t buflen, bool *got);
	bool (*match)(const void *ent, const char *name, unsigned int id);
};

static int ent_search(const struct ent_file *db, const char *name, unsigned int id, void *ent,
		      char *buf, size_t buflen, bool *found)
{
	FILE *f = fopen(db->path, "re");
	int rc;

	*found = false;
	if (!f)
		return errno == ENOENT ? 0 : errno;
	while (!(rc = db->next(f, ent, buf, buflen, found)) && *found && !db->match(ent, name, id))
		;
	if (rc)
		*found = false;
	fclose(f);
	return rc == ENOENT ? 0 : rc;
}

static int pw_next(FILE *f, void *ent, char *buf, size_t buflen, bool *got)
{
	struct passwd *res = NULL;
	int rc = fgetpwent_r(f, ent, buf, buflen, &res);

	*got = res != NULL;
	return rc;
}

static bool pw_match(const void *ent, const char *name, unsigned int id)
{
	const struct passwd *pw = ent;

	return name ? !strcmp(pw->pw_name, name) : pw->pw_uid == id;
}

static int gr_next(FILE *f, void *ent, char *buf, size_t buflen, bool *got)
{
	struct group *res = NULL;
	int rc = fgetgrent_r(f, ent, buf, buflen, &res);

	*got = res != NULL;
	return rc;
}

static bool gr_match(const void *ent, const char *name, unsigned int id)
{
	const struct group *gr = ent;

	return name ? !strcmp(gr->gr_name, name) : gr->gr_gid == id;
}

static const struct ent_file passwd_file = { "/etc/passwd", pw_next, pw_match };
static const struct ent_file group_file = { "/etc/group", gr_next, gr_match };

static int pw_search(const char *name, uid_t uid, struct passwd *pwd, char *buf, size_t buflen,
		     struct passwd **result)
{
	bool found;
	int rc = ent_search(&passwd_file, name, uid, pwd, buf, buflen, &found);

	*result = found ? pwd : NULL;
	return rc;
}

static int gr_search(const char *name, gid_t gid, struct group *grp, char *buf, size_t buflen,
		     struct group **result)
{
	bool found;
	int rc = ent_search(&group_file, name, gid, grp, buf, buflen, &found);

	*result = found ? grp : NULL;
	return rc;
}

int getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t buflen,
	       struct passwd **result)
{
	return pw_search(name, 0, pwd, buf, buflen, result);
}

int getpwuid_r(uid_t uid, struct passwd *pwd, char *buf, size_t buflen, struct passwd **result)
{
	return pw_search(NULL, uid, pwd, buf, buflen, result);
}

int getgrnam_r(const char *name, struct group *grp, char *buf, size_t buflen,
	       struct group **result)
{
	return gr_search(name, 0, grp, buf, buflen, result);
}

int getgrgid_r(gid_t gid, struct group *grp, char *buf, size_t buflen, struct group **result)
{
	return gr_search(NULL, gid, grp, buf, buflen, result);
}

/* The classic calls return static storage, like glibc's; errno set only on a real error. */
static struct passwd *pw_static(const char *name, uid_t uid)
{
	static struct passwd pwd;
	static char buf[ENTRY_BUF];
	struct passwd *res;
	int rc = pw_search(name, uid, &pwd, buf, sizeof(buf), &res);

	if (rc)
		errno = rc;
	return res;
}

static struct group *gr_static(const char *name, gid_t gid)
{
	static struct group grp;
	static char buf[ENTRY_BUF];
	struct group *res;
	int rc = gr_search(name, gid, &grp, buf, sizeof(buf), &res);

	if (rc)
		errno = rc;
	return res;
}

struct passwd *getpwnam(const char *name)
{
	return pw_static(name, 0);
}

struct passwd *getpwuid(uid_t uid)
{
	return pw_static(NULL, uid);
}

struct group *getgrnam(const char *name)
{
	return gr_static(name, 0);
}

struct group *getgrgid(gid_t gid)
{
	return gr_static(NULL, gid);
}
