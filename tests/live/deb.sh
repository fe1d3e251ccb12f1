#!/bin/bash
# The .deb (`make deb`, deploy/deb/mkdeb.sh), installed on this machine and purged again (needs
# root). The EXIT trap purges the package and removes the user whatever happened, so the
# machine is left as it was found; the test refuses to run if tlsmon is installed already.
#   control    Depends names no library (the binary is static): adduser only
#   layout     mkdeb.sh on a copy of the tree with a unit, defaults, sysusers, logrotate snippet
#              and config in deploy/: each lands where it belongs, the /etc ones as conffiles,
#              the unit's ExecStart points at /usr/bin/tlsmon
#   install    dpkg -i: every file of the package exists, `tlsmon` on PATH is /usr/bin/tlsmon,
#              static, --help exits 0, version = VERSION, man finds tlsmon(8), the completion
#              registers; system user and group tlsmon (uid < 1000, nologin); dpkg -i again
#   remove     dpkg -r: the binary is gone, the user stays
#   purge      dpkg --purge: not installed, no file of the package left, no user, no group
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
T=deb
DEB=$ROOT/$BUILD/tlsmon_$(cat VERSION)_$(dpkg --print-architecture).deb

live_begin "$T" dpkg dpkg-deb dpkg-query man file getent adduser setsid
if [ ! -f "$DEB" ]; then
	fail "$T" "$DEB not built (make deb)"
	t_done
fi
if dpkg-query -W -f='${Status}' tlsmon 2>/dev/null | grep -qv 'not-installed'; then
	skip "$T" "a tlsmon package is installed on this machine: not touching it"
	t_done
fi
if getent passwd tlsmon >/dev/null || getent group tlsmon >/dev/null || [ -e /usr/bin/tlsmon ]; then
	skip "$T" "user/group tlsmon or /usr/bin/tlsmon exists already: not touching it"
	t_done
fi

# deb_cleanup: whatever state the test left, back to none.
# shellcheck disable=SC2317 # run by the EXIT trap
deb_cleanup()
{
	if dpkg-query -W -f='${Status}' tlsmon 2>/dev/null | grep -qv 'not-installed'; then
		dpkg_run --purge tlsmon >/dev/null 2>&1
	fi
	getent passwd tlsmon >/dev/null && userdel tlsmon 2>/dev/null
	getent group tlsmon >/dev/null && groupdel tlsmon 2>/dev/null
	return 0
}
t_on_exit deb_cleanup

# dpkg_run ARGS...: dpkg, retried for up to 60 s while another dpkg or apt holds the lock. dpkg
# runs in its own session (setsid -w waits for it): a TERM or KILL sent to this test's process
# group (the runner's timeout, ^C) must not stop dpkg halfway, which leaves packages half
# configured (man-db's trigger); the EXIT trap's purge then waits for the lock instead.
dpkg_run()
{
	local i rc
	for ((i = 0; i < 60; i++)); do
		setsid -w dpkg "$@" 2>"$W/dpkg.err"
		rc=$?
		grep -q 'lock' "$W/dpkg.err" || break
		sleep 1
	done
	cat "$W/dpkg.err" >&2
	return "$rc"
}

status()
{
	dpkg-query -W -f='${Status}' tlsmon 2>/dev/null
}

deps=$(dpkg-deb -f "$DEB" Depends)
if [ "$deps" = adduser ]; then
	pass "$T/control Depends: adduser only"
else
	fail "$T/control Depends: adduser only" "Depends: $deps"
fi

# The optional deploy/ files, on a copy of the tree (this package is only inspected).
L=$W/tree
mkdir -p "$L/deploy/systemd" "$L/deploy/logrotate" "$L/deploy/completion"
cp -r man deploy/deb "$L/" && mv "$L/deb" "$L/deploy/deb"
cp deploy/completion/tlsmon.bash "$L/deploy/completion/"
printf '[Service]\nExecStart=/usr/local/bin/tlsmon run\n' >"$L/deploy/systemd/tlsmon.service"
echo 'u tlsmon - "tlsmon" /var/lib/tlsmon' >"$L/deploy/systemd/tlsmon.sysusers"
echo 'ARGS=' >"$L/deploy/systemd/tlsmon.default"
echo '/var/log/tlsmon/*.jsonl {}' >"$L/deploy/logrotate/tlsmon"
echo 'ports = 443' >"$L/deploy/tlsmon.conf"
if (cd "$L" && deploy/deb/mkdeb.sh "$ROOT/$BUILD/tlsmon-static" 1.0 "$(dpkg --print-architecture)" \
	"$W/layout.deb") >"$W/layout.log" 2>&1; then
	dpkg-deb -c "$W/layout.deb" | awk '{ print $NF }' | sed 's|^\./|/|' >"$W/layout.files"
	dpkg-deb --ctrl-tarfile "$W/layout.deb" | tar -xO ./conffiles >"$W/layout.conffiles"
	miss=""
	for f in /lib/systemd/system/tlsmon.service /etc/default/tlsmon /etc/logrotate.d/tlsmon \
		/etc/tlsmon/tlsmon.conf /usr/lib/sysusers.d/tlsmon.conf; do
		grep -qxF "$f" "$W/layout.files" || miss+=" $f"
	done
	dpkg-deb --fsys-tarfile "$W/layout.deb" | tar -xO ./lib/systemd/system/tlsmon.service |
		grep -qx 'ExecStart=/usr/bin/tlsmon run' || miss+=" ExecStart=/usr/bin/tlsmon"
	conf=$(tr '\n' ' ' <"$W/layout.conffiles")
	want="/etc/default/tlsmon /etc/logrotate.d/tlsmon /etc/tlsmon/tlsmon.conf "
	if [ -z "$miss" ] && [ "$conf" = "$want" ]; then
		pass "$T/layout: deploy/ files packaged, /etc ones as conffiles"
	else
		fail "$T/layout" "missing:${miss:- none}; conffiles '$conf'"
	fi
else
	fail "$T/layout" "mkdeb.sh: $(tail -1 "$W/layout.log")"
fi

# Install.
if ! dpkg_run -i "$DEB" >"$W/install.log" 2>&1 || [ "$(status)" != "install ok installed" ]; then
	fail "$T/dpkg -i" "$(tail -2 "$W/install.log" | tr '\n' ' ') status '$(status)'"
	t_done
fi
pass "$T/dpkg -i"
dpkg -L tlsmon >"$W/files"
miss=""
while read -r f; do
	[ -e "$f" ] || miss+=" $f"
done <"$W/files"
for f in /usr/bin/tlsmon /usr/share/man/man8/tlsmon.8.gz /usr/share/bash-completion/completions/tlsmon; do
	grep -qxF "$f" "$W/files" || miss+=" $f(not in package)"
done
if [ -z "$miss" ]; then
	pass "$T/every packaged file installed ($(wc -l <"$W/files") paths)"
else
	fail "$T/every packaged file installed" "missing:$miss"
fi

where=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v tlsmon)
if [ "$where" = /usr/bin/tlsmon ] && /usr/bin/tlsmon --help >"$W/help.out" 2>&1 &&
	grep -q '^usage: tlsmon' "$W/help.out"; then
	pass "$T/tlsmon --help from /usr/bin"
else
	fail "$T/tlsmon --help from /usr/bin" "found '$where': $(head -1 "$W/help.out")"
fi
v=$(/usr/bin/tlsmon version | head -1)
if [ "$v" = "tlsmon $(cat VERSION)" ]; then pass "$T/version $v"; else fail "$T/version" "got '$v'"; fi
case $(file -b /usr/bin/tlsmon) in
*"statically linked"*) pass "$T/installed binary statically linked" ;;
*) fail "$T/installed binary statically linked" "$(file -b /usr/bin/tlsmon)" ;;
esac
mp=$(man -w tlsmon 2>&1)
if [ "$mp" = /usr/share/man/man8/tlsmon.8.gz ]; then pass "$T/man -w tlsmon"; else fail "$T/man -w tlsmon" "$mp"; fi
if bash -c '. /usr/share/bash-completion/completions/tlsmon && complete -p tlsmon' 2>&1 |
	grep -q -- '-F _tlsmon'; then
	pass "$T/completion registers"
else
	fail "$T/completion registers"
fi

IFS=: read -r _ _ uid gid _ home shell < <(getent passwd tlsmon)
if [ -n "${uid:-}" ] && [ "$uid" -lt 1000 ] && [ "$shell" = /usr/sbin/nologin ] &&
	[ "$home" = /var/lib/tlsmon ] && [ "$(getent group tlsmon | cut -d: -f3)" = "$gid" ]; then
	pass "$T/system user and group tlsmon (uid $uid)"
else
	fail "$T/system user and group tlsmon" "$(getent passwd tlsmon) / $(getent group tlsmon)"
fi
if dpkg_run -i "$DEB" >"$W/reinstall.log" 2>&1 && [ "$(status)" = "install ok installed" ]; then
	pass "$T/dpkg -i again (user exists)"
else
	fail "$T/dpkg -i again" "$(tail -2 "$W/reinstall.log" | tr '\n' ' ')"
fi

# Remove, then purge.
if dpkg_run -r tlsmon >"$W/remove.log" 2>&1 && [ ! -e /usr/bin/tlsmon ] &&
	getent passwd tlsmon >/dev/null; then
	pass "$T/dpkg -r: binary gone, user kept"
else
	fail "$T/dpkg -r" "status '$(status)': $(tail -1 "$W/remove.log")"
fi
dpkg_run --purge tlsmon >"$W/purge.log" 2>&1
st=$(status)
left=""
while read -r f; do
	# Directories shared with other packages (/usr/bin, ...) stay; files and our own go.
	if [ -e "$f" ] && { [ ! -d "$f" ] || [ "${f#*tlsmon}" != "$f" ]; }; then
		left+=" $f"
	fi
done <"$W/files"
if [ -z "$st" ] || [ "${st%not-installed}" != "$st" ]; then
	pass "$T/dpkg --purge: not installed"
else
	fail "$T/dpkg --purge" "status '$st': $(tail -1 "$W/purge.log")"
fi
if [ -z "$left" ]; then pass "$T/purge: no file left"; else fail "$T/purge: no file left" "$left"; fi
if ! getent passwd tlsmon >/dev/null && ! getent group tlsmon >/dev/null; then
	pass "$T/purge: user and group gone"
else
	fail "$T/purge: user and group gone" "$(getent passwd tlsmon) $(getent group tlsmon)"
fi
t_done
