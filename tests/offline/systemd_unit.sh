#!/usr/bin/env bash
# shellcheck disable=SC2016 # $MAINPID and $TLSMON_OPTS are the unit's, not ours
# deploy/systemd/tlsmon.service without systemd as PID 1:
#   verify     `systemd-analyze verify` on a copy whose ExecStart is the built binary (verify
#              wants ExecStart to exist), and on what `make install DESTDIR PREFIX=/usr` put
#              there (ExecStart pointed into DESTDIR), with no message
#   hardening  the settings issue 12 asks for, and exactly CAP_BPF CAP_NET_ADMIN CAP_PERFMON in
#              AmbientCapabilities= and CapabilityBoundingSet=
#   security   `systemd-analyze security --offline=true`: the overall exposure (printed, with
#              what still counts against it) must be at most MAX_EXPOSURE
#   default    every flag in tlsmon.default's TLSMON_OPTS is one `tlsmon run --help` lists
#   install    `make install` puts the unit (ExecStart under PREFIX), the default file (not
#              overwriting one already there) and the sysusers.d file, which systemd-sysusers
#              accepts and turns into a tlsmon user
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
TLSMON=$ROOT/$BUILD/tlsmon
UNIT=$ROOT/deploy/systemd/tlsmon.service
DEFAULTS=$ROOT/deploy/systemd/tlsmon.default
T=systemd_unit
# The exposure is 1.7 today; above this, something was loosened.
MAX_EXPOSURE=2.0
CAPS='CAP_BPF CAP_NET_ADMIN CAP_PERFMON'

require_cmd "$T" systemd-analyze systemd-sysusers || exit 0
[ -x "$TLSMON" ] || { skip "$T" "$TLSMON not built"; exit 0; }
t_tmpdir || exit 1
W=$T_TMP

# ---- verify ----
mkdir -p "$W/unit"
sed "s|^ExecStart=/usr/local/bin/tlsmon |ExecStart=$TLSMON |" "$UNIT" >"$W/unit/tlsmon.service"
if ! grep -q "^ExecStart=$TLSMON run " "$W/unit/tlsmon.service"; then
	fail "$T/verify" "no ExecStart=/usr/local/bin/tlsmon run ... line to point at $TLSMON"
fi
# --man=no: the man page comes with the package, not with the source tree.
out=$(systemd-analyze verify --man=no "$W/unit/tlsmon.service" 2>&1)
rc=$?
if [ $rc = 0 ] && [ -z "$out" ]; then
	pass "$T/verify"
else
	fail "$T/verify" "exit $rc: $(tr '\n' '|' <<<"$out")"
fi

# ---- hardening ----
# value KEY: the unit's (last) KEY= value
value()
{
	sed -n "s/^$1=//p" "$UNIT" | tail -1
}
for kv in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
	RuntimeDirectory=tlsmon LogsDirectory=tlsmon Restart=on-failure User=tlsmon \
	'ExecReload=/bin/kill -HUP $MAINPID'; do
	k=${kv%%=*}
	if [ "$(value "$k")" = "${kv#*=}" ]; then
		pass "$T/hardening/$kv"
	else
		fail "$T/hardening/$kv" "got '$(value "$k")'"
	fi
done
for k in AmbientCapabilities CapabilityBoundingSet; do
	got=$(value $k | tr ' ' '\n' | sort | paste -sd ' ')
	if [ "$(grep -c "^$k=" "$UNIT")" = 1 ] && [ "$got" = "$CAPS" ]; then
		pass "$T/hardening/$k=$CAPS"
	else
		fail "$T/hardening/$k" "want exactly '$CAPS' on one line, got '$got'"
	fi
done

# ---- security ----
systemd-analyze security --offline=true --no-pager "$W/unit/tlsmon.service" >"$W/security" 2>&1
score=$(sed -n 's/.*Overall exposure level for tlsmon.service: \([0-9.]*\).*/\1/p' "$W/security")
printf '# %s: exposure %s (at most %s); still counted:\n' "$T" "${score:-?}" "$MAX_EXPOSURE"
grep '✗' "$W/security" | awk '{ printf "#   %s %s\n", $2, $NF }'
if [ -z "$score" ]; then
	fail "$T/security" "no score: $(tail -3 "$W/security" | tr '\n' '|')"
elif awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
	pass "$T/security/exposure $score <= $MAX_EXPOSURE"
else
	fail "$T/security/exposure" "$score > $MAX_EXPOSURE"
fi

# ---- default ----
"$TLSMON" run --help >"$W/help" 2>&1
# shellcheck disable=SC1090 # the file is what is tested
opts=$(TLSMON_OPTS='' && . "$DEFAULTS" && echo "$TLSMON_OPTS")
bad=''
for o in $opts; do
	[[ $o == -* ]] || continue
	grep -qE -- "(^|[ ,])$o( |,|$)" "$W/help" || bad+="$o "
done
if [ -n "$opts" ] && [ -z "$bad" ]; then
	pass "$T/default/flags known to tlsmon run: $opts"
else
	fail "$T/default/flags" "TLSMON_OPTS '$opts': unknown to tlsmon run --help: '$bad'"
fi

# ---- install ----
D=$W/root
mkdir -p "$D/etc/default"
echo 'TLSMON_OPTS="-i kept"' >"$D/etc/default/tlsmon"
if make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr BUILD="$BUILD" >"$W/install" 2>&1; then
	pass "$T/install/make install DESTDIR PREFIX=/usr"
else
	fail "$T/install/make install" "$(tail -3 "$W/install" | tr '\n' '|')"
fi
U=$D/usr/lib/systemd/system/tlsmon.service
if grep -q '^ExecStart=/usr/bin/tlsmon run \$TLSMON_OPTS$' "$U" 2>/dev/null &&
	[ -x "$D/usr/bin/tlsmon" ]; then
	pass "$T/install/unit with ExecStart=/usr/bin/tlsmon"
else
	fail "$T/install/unit" "$(grep '^ExecStart' "$U" 2>&1)"
fi
# (verify --root wants a whole system in DESTDIR: sysinit.target, /bin/kill)
mkdir -p "$W/installed"
sed "s|^ExecStart=/usr/bin/tlsmon |ExecStart=$D/usr/bin/tlsmon |" "$U" \
	>"$W/installed/tlsmon.service" 2>/dev/null
out=$(systemd-analyze verify --man=no "$W/installed/tlsmon.service" 2>&1)
rc=$?
if [ $rc = 0 ] && [ -z "$out" ]; then
	pass "$T/install/verify (the installed unit, ExecStart in DESTDIR)"
else
	fail "$T/install/verify" "exit $rc: $(tr '\n' '|' <<<"$out")"
fi
if [ "$(cat "$D/etc/default/tlsmon")" = 'TLSMON_OPTS="-i kept"' ]; then
	pass "$T/install/existing /etc/default/tlsmon kept"
else
	fail "$T/install/existing /etc/default/tlsmon kept" "overwritten"
fi
rm -f "$D/etc/default/tlsmon"
make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr BUILD="$BUILD" >"$W/install2" 2>&1
if cmp -s "$DEFAULTS" "$D/etc/default/tlsmon"; then
	pass "$T/install/default file installed"
else
	fail "$T/install/default file installed" "$(find "$D/etc/default" 2>&1 | tr '\n' ' ')"
fi
S=$D/usr/lib/sysusers.d/tlsmon.conf
: >"$D/etc/passwd"
: >"$D/etc/group"
if [ -f "$S" ] && systemd-sysusers --root="$D" "$S" >"$W/sysusers" 2>&1 &&
	grep -q '^tlsmon:x:[0-9]*:[0-9]*:tlsmon TLS handshake monitor:/var/lib/tlsmon:' \
		"$D/etc/passwd"; then
	pass "$T/install/sysusers.d: $(grep '^tlsmon:' "$D/etc/passwd")"
else
	fail "$T/install/sysusers.d" "$(cat "$W/sysusers" "$D/etc/passwd" 2>&1 | tr '\n' '|')"
fi

t_done
