#!/bin/bash
# The static binary (`make static`, issue 12 "one artefact per host"); needs root for chroot and
# the test namespace.
#   linked     `file` says "statically linked", ldd "not a dynamic executable", and the link log
#              has no glibc NSS warning (user/cmd/static_nss.c replaces getpwnam and friends)
#   chroot     in a private mount namespace, chrooted into a directory holding only the binary and
#              captures: `tlsmon version` starts "tlsmon VERSION", `--help` exits 0, and `tlsmon read` of
#              every capture (../shared/pcaps when present, and one made by pcapgen from
#              tests/data's hellos) prints byte for byte what the dynamic build prints outside
#   user       `run --user` in a test namespace: an unknown user is refused ("no such user",
#              exit 1; glibc's own static lookup crashed in libnss_systemd here), and
#              --user nobody runs as uid 65534
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
T=static_binary
STATIC=$ROOT/$BUILD/tlsmon-static
SHARED_PCAPS=$ROOT/../shared/pcaps

live_begin "$T" file ldd unshare chroot python3 cmp
if [ ! -x "$STATIC" ] || [ ! -x "$BUILD/tools/pcapgen" ]; then
	fail "$T" "$STATIC or $BUILD/tools/pcapgen not built (make static all)"
	t_done
fi

desc=$(file -b "$STATIC")
case $desc in
*"statically linked"*) pass "$T/file statically linked" ;;
*) fail "$T/file statically linked" "$desc" ;;
esac
if ldd "$STATIC" 2>&1 | grep -q 'not a dynamic executable'; then
	pass "$T/ldd not a dynamic executable"
else
	fail "$T/ldd not a dynamic executable" "$(ldd "$STATIC" 2>&1 | head -3 | tr '\n' ' ')"
fi
if [ ! -f "$STATIC.link.log" ]; then
	fail "$T/link log" "$STATIC.link.log missing"
elif grep -qE "Using '(getpw|getgr)" "$STATIC.link.log"; then
	fail "$T/no NSS lookups from libc.a" "$(grep -oE "Using '[a-z_]+'" "$STATIC.link.log" | sort -u | tr '\n' ' ')"
else
	pass "$T/no NSS lookups from libc.a"
fi

# The clean root: the binary and the captures, nothing else (no /lib, /etc, /proc, /dev).
R=$W/root
if ! mkdir -p "$R/p" || ! cp "$STATIC" "$R/tlsmon"; then
	fail "$T/root" "cannot populate $R"
	t_done
fi
for f in "$SHARED_PCAPS"/*.pcap "$SHARED_PCAPS"/*.pcapng; do
	[ -f "$f" ] && cp "$f" "$R/p/"
done
# A generated capture always: a ClientHello and a ServerHello from tests/data, one record each.
python3 - "$W" <<'EOF' || { fail "$T/hellos" "cannot convert tests/data hex"; t_done; }
import sys
for side, name in (("c", "ch_ldap"), ("s", "sh_ldap")):
    hexes = [l.split("#")[0] for l in open(f"tests/data/tls/{name}.hex")]
    msg = bytes.fromhex("".join(hexes).replace(" ", "").replace("\n", ""))
    rec = b"\x16\x03\x01" + len(msg).to_bytes(2, "big") + msg
    open(f"{sys.argv[1]}/{side}.bin", "wb").write(rec)
EOF
if ! "$BUILD/tools/pcapgen" -o "$R/p/generated.pcap" "c:$W/c.bin" "s:$W/s.bin" >"$W/gen.log" 2>&1; then
	fail "$T/pcapgen" "$(tail -1 "$W/gen.log")"
	t_done
fi
extra=$(find "$R" -mindepth 1 ! -path "$R/p" ! -path "$R/p/*" ! -path "$R/tlsmon")
[ -z "$extra" ] || fail "$T/root holds only the binary and captures" "$extra"

# in_root ARGS...: the binary inside the clean root, in its own mount namespace.
in_root()
{
	unshare -m chroot "$R" /tlsmon "$@"
}

v=$(in_root version 2>&1 | head -1)
if [ "$v" = "tlsmon $(cat VERSION)" ]; then
	pass "$T/chroot version"
else
	fail "$T/chroot version" "got '$v'"
fi
if in_root --help >"$W/help.out" 2>&1 && grep -q '^usage: tlsmon' "$W/help.out"; then
	pass "$T/chroot --help"
else
	fail "$T/chroot --help" "$(head -2 "$W/help.out" | tr '\n' ' ')"
fi

# the same trust store inside and outside the chroot (untrusted_chain), relative to $R, which is
# both the working directory outside and / inside
TRUST=()
if [ -r /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$R/ca.pem"
then
	TRUST=(--trust-store ca.pem)
fi
n=0
bad=""
hs=0
for f in "$R"/p/*; do
	b=$(basename "$f")
	n=$((n + 1))
	(cd "$R" && "$ROOT/$BUILD/tlsmon" read "${TRUST[@]}" "p/$b") >"$W/dyn.json" 2>&1
	rc_d=$?
	(cd "$R" && unshare -m chroot "$R" /tlsmon read "${TRUST[@]}" "p/$b") >"$W/sta.json" 2>&1
	rc_s=$?
	if [ "$rc_d" -ne "$rc_s" ] || ! cmp -s "$W/dyn.json" "$W/sta.json"; then
		bad+=" $b"
	fi
	hs=$((hs + $(grep -c '^{' "$W/sta.json")))
done
if [ -n "$bad" ]; then
	fail "$T/chroot read = dynamic read" "differs on$bad"
elif [ "$hs" -lt 1 ]; then
	fail "$T/chroot read = dynamic read" "no handshake reported from $n captures"
else
	pass "$T/chroot read = dynamic read ($n captures, $hs handshakes)"
fi

# --user in a test namespace (veth0 there, never used): the static binary's own user lookup
# refuses an unknown user as a usage error, before attaching.
live_netns "$T" 61
# shellcheck disable=SC2034 # tm_spawn runs $TLSMON
TLSMON=$STATIC
tm_spawn "$NS_A" "$W/nouser.err" --socket "$W/nouser.sock" --user "tlsmon-no-such-user-$$"
if wait_exit "$TM_PID" 10; then
	wait "$TM_PID" 2>/dev/null
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q 'no such user' "$W/nouser.err"; then
		pass "$T/--user unknown refused (exit 2)"
	else
		fail "$T/--user unknown refused" "exit $rc: $(tail -1 "$W/nouser.err")"
	fi
else
	fail "$T/--user unknown refused" "still running after 10 s"
	t_kill "$TM_PID"
fi

tm_start "$NS_A" "$W/nobody.err" --socket "$W/nobody.sock" --user nobody
# shellcheck disable=SC2317 # called through tm_wait
uid_ok()
{
	awk '$1 == "Uid:" { exit !($2 == 65534) }' "/proc/$TM_PID/status"
}
if tm_wait "$TM_PID" uid_ok; then
	pass "$T/--user nobody runs as uid 65534"
else
	tm_fail_start "$T/--user nobody runs as uid 65534"
fi
tm_stop "$TM_PID"
t_done
