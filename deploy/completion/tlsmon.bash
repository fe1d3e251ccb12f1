# shellcheck shell=bash
# Bash completion for tlsmon(8): installed as /usr/share/bash-completion/completions/tlsmon.
# Commands and options come from the --help of the binary being completed (cached per binary and
# command), so they follow whichever tlsmon is on the command line. An option takes a value when
# its --help line names one in capitals ("--ports LIST"); values: interface names for -i, policy
# keys for --policy, users, groups, directories, fixed choices, else file names; files for the
# operands of read and explain.

declare -gA _TLSMON_CACHE

# _tlsmon_help BIN [COMMAND]: the --help text, cached.
_tlsmon_help()
{
	local key="$1 ${2:-}"
	if [[ -z ${_TLSMON_CACHE[$key]+set} ]]; then
		if [[ -n ${2:-} ]]; then
			_TLSMON_CACHE[$key]=$("$1" "$2" --help 2>/dev/null)
		else
			_TLSMON_CACHE[$key]=$("$1" --help 2>/dev/null)
		fi
	fi
	printf '%s\n' "${_TLSMON_CACHE[$key]}"
}

# The indented first words of the "commands:" block of the top-level usage.
_tlsmon_commands()
{
	_tlsmon_help "$1" | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }'
}

# _tlsmon_options BIN COMMAND [value]: the options COMMAND's --help names (usage line, option
# lines and text), all of them or only those that take a value: followed by a word in capitals
# ("--ports LIST", "[--since DURATION]"), or by a comma and such an option ("-i, --interface
# IFACE").
_tlsmon_options()
{
	_tlsmon_help "$1" "$2" | awk -v want="${3:-}" '
		{
			for (i = 1; i <= NF; i++) {
				w = $i
				sub(/^\[/, "", w)
				comma = sub(/,$/, "", w)
				sub(/\]$/, "", w)
				if (w !~ /^--?[a-z][a-z0-9-]*$/)
					continue
				seen[w] = 1
				if (i < NF && $(i + 1) ~ /^[A-Z]/)
					takes[w] = 1
				if (comma)
					pend[++np] = w
				else if (takes[w])
					for (; np > 0; np--)
						takes[pend[np]] = 1
				else
					np = 0
			}
			np = 0
		}
		END {
			for (w in seen)
				if (want == "" || takes[w])
					print w
		}'
}

_tlsmon_ifaces()
{
	local d
	for d in /sys/class/net/*; do
		[[ -e $d ]] && printf '%s\n' "${d##*/}"
	done
}

_tlsmon()
{
	local bin=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev="" cmd="" i w
	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# A tlsmon that is not on PATH (./build/tlsmon) is run by its path, tilde expanded.
	[[ $bin == \~/* ]] && bin=$HOME/${bin#\~/}
	command -v "$bin" >/dev/null 2>&1 || return 0

	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w != -* ]]; then
			cmd=$w
			break
		fi
	done
	if [[ -z $cmd ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_tlsmon_commands "$bin") --help --version" -- "$cur")
		return 0
	fi
	if [[ $cmd == help ]]; then
		((i == COMP_CWORD - 1)) &&
			mapfile -t COMPREPLY < <(compgen -W "$(_tlsmon_commands "$bin")" -- "$cur")
		return 0
	fi

	# The value of the option before the cursor.
	if [[ $prev == -* ]] && ((COMP_CWORD - 1 > i)) &&
		_tlsmon_options "$bin" "$cmd" value | grep -qxF -- "$prev"; then
		case $prev in
		-i | --interface)
			mapfile -t COMPREPLY < <(compgen -W "$(_tlsmon_ifaces)" -- "$cur") ;;
		--ingress)
			mapfile -t COMPREPLY < <(compgen -W "auto xdp xdp-generic tc" -- "$cur") ;;
		--not-local)
			mapfile -t COMPREPLY < <(compgen -W "mark drop analyse" -- "$cur") ;;
		--sort)
			mapfile -t COMPREPLY < <(compgen -W "ts" -- "$cur") ;;
		--format)
			if [[ $cmd == endpoints ]]; then
				mapfile -t COMPREPLY < <(compgen -W "json text" -- "$cur")
			elif [[ $cmd == inventory ]]; then
				mapfile -t COMPREPLY < <(compgen -W "cyclonedx json" -- "$cur")
			else
				mapfile -t COMPREPLY < <(compgen -W "pcapng pcap" -- "$cur")
			fi ;;
		--user)
			mapfile -t COMPREPLY < <(compgen -u -- "$cur") ;;
		--socket-group)
			mapfile -t COMPREPLY < <(compgen -g -- "$cur") ;;
		--out | --dump-dir)
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
		--policy)
			# KEY= from `tlsmon policy`; the value is the user's to type.
			compopt -o nospace 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -W "$("$bin" policy 2>/dev/null |
				awk '/^[a-z]/ { print $1 "=" }')" -- "$cur") ;;
		--log | --policy-file | --socket | --config | --web-config | --trust-store)
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
		esac
		return 0
	fi

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_tlsmon_options "$bin" "$cmd")" -- "$cur")
		return 0
	fi
	case $cmd in
	read | explain)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	esac
	return 0
}

complete -F _tlsmon tlsmon
