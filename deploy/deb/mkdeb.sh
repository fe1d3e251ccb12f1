#!/bin/sh
# mkdeb.sh STATIC_BIN VERSION ARCH OUT.deb: the tlsmon .deb (`make deb` calls it from the
# repository root), built with dpkg-deb alone, no debhelper and no root (--root-owner-group).
#
# Contents: the static binary as /usr/bin/tlsmon (it needs nothing at run time: no Depends but
# adduser, which the maintainer scripts call), the man page, bash completion, the copyright
# file, and whatever of these exists in deploy/ (each /etc file is a conffile):
#   deploy/systemd/*.service                 /lib/systemd/system/ (ExecStart=/usr/local/bin/tlsmon
#                                            becomes /usr/bin/tlsmon)
#   deploy/systemd/tlsmon.sysusers           /usr/lib/sysusers.d/tlsmon.conf
#   deploy/systemd/tlsmon.default, deploy/default/tlsmon, deploy/tlsmon.default
#                                            /etc/default/tlsmon
#   deploy/logrotate/tlsmon                  /etc/logrotate.d/tlsmon
#   deploy/tlsmon.conf, deploy/config/tlsmon.conf   /etc/tlsmon/tlsmon.conf
# postinst creates the system user tlsmon; postrm removes it on purge (deploy/deb/).
set -eu

if [ $# -ne 4 ]; then
	echo "usage: deploy/deb/mkdeb.sh STATIC_BIN VERSION ARCH OUT.deb" >&2
	exit 2
fi
BIN=$1
VERSION=$2
ARCH=$3
OUT=$4
MAINTAINER=${DEB_MAINTAINER:-tlsmon maintainers <tlsmon@localhost>}
umask 022

S=$OUT.root
rm -rf "$S"
mkdir -p "$S/DEBIAN" "$S/usr/bin" "$S/usr/share/man/man8" "$S/usr/share/doc/tlsmon" \
	"$S/usr/share/bash-completion/completions"
install -m 0755 "$BIN" "$S/usr/bin/tlsmon"
gzip -9n <man/tlsmon.8 >"$S/usr/share/man/man8/tlsmon.8.gz"
install -m 0644 deploy/completion/tlsmon.bash "$S/usr/share/bash-completion/completions/tlsmon"
install -m 0644 deploy/deb/copyright "$S/usr/share/doc/tlsmon/copyright"

: >"$S/DEBIAN/conffiles"
# put SRC DEST MODE: install SRC at DEST inside the package if SRC exists; /etc files are
# conffiles (kept on remove, asked about on upgrade when changed, deleted on purge).
put()
{
	[ -f "$1" ] || return 0
	mkdir -p "$S$(dirname "$2")"
	install -m "$3" "$1" "$S$2"
	case $2 in
	/etc/*) echo "$2" >>"$S/DEBIAN/conffiles" ;;
	esac
}
for f in deploy/systemd/*.service; do
	[ -f "$f" ] || continue
	sed 's|/usr/local/bin/tlsmon|/usr/bin/tlsmon|g' "$f" >"$S.unit"
	put "$S.unit" "/lib/systemd/system/$(basename "$f")" 0644
	rm -f "$S.unit"
done
put deploy/systemd/tlsmon.sysusers /usr/lib/sysusers.d/tlsmon.conf 0644
for f in deploy/systemd/tlsmon.default deploy/default/tlsmon deploy/tlsmon.default; do
	put "$f" /etc/default/tlsmon 0644
done
put deploy/logrotate/tlsmon /etc/logrotate.d/tlsmon 0644
for f in deploy/tlsmon.conf deploy/config/tlsmon.conf; do
	put "$f" /etc/tlsmon/tlsmon.conf 0644
done
sort -u -o "$S/DEBIAN/conffiles" "$S/DEBIAN/conffiles"
[ -s "$S/DEBIAN/conffiles" ] || rm -f "$S/DEBIAN/conffiles"

for f in postinst prerm postrm; do
	install -m 0755 "deploy/deb/$f" "$S/DEBIAN/$f"
done
cat >"$S/DEBIAN/control" <<EOF
Package: tlsmon
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $(du -sk --exclude=DEBIAN "$S" | cut -f1)
Depends: adduser
Section: net
Priority: optional
Description: watch TLS handshakes with eBPF, report weak crypto and failures
 tlsmon attaches XDP/TC programs that forward only the frames of TLS handshakes,
 analyses each handshake and certificate chain in userspace with OpenSSL and
 reports weak cryptography and why handshakes failed: Prometheus metrics, a
 JSON Lines log, and pcapng dumps of the flagged handshakes. It also reads
 pcap/pcapng files. The binary is statically linked and needs no library.
EOF
dpkg-deb --root-owner-group -Zxz --build "$S" "$OUT" >/dev/null
rm -rf "$S"
