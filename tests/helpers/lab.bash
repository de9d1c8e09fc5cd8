# SPDX-License-Identifier: ISC
# lab.bash - the network namespace lab for the check_tcpport bats tests.
#
# Load it from a tests/*.bats file with `load helpers/lab`.
#
# The lab makes network and name resolution faults for real, inside a
# private network and mount namespace: a holder process is created with
# `unshare -n -m --propagation private`, brings up lo, bind-mounts lab-owned
# copies of /etc/hosts, /etc/nsswitch.conf and /etc/resolv.conf over the
# real ones (inside the namespace only) and creates the nftables table
# `inet lab`, then sleeps.  Every later command enters its namespaces with
# `nsenter -t LAB_PID -n -m`.  Nothing outside the lab directory and the
# namespace is changed.
#
# Faults are nftables rules in the chains `inet lab input` (hook input)
# and `inet lab output` (hook output).  On loopback every packet crosses
# output and then input; the canned faults all use the input hook, where a
# dropped packet is simply lost and a reject reaches the client as a real
# TCP reset or ICMP error.  (A drop in output also stalls a TCP connect,
# but makes a UDP send fail with EPERM, so DNS would fail fast instead of
# hanging.)  An ICMP reject is only taken as fatal by the kernel when it
# arrives while connect() does not hold the socket: on loopback, for IPv6
# and for blocking IPv4 connects, the answer to the first SYN is kept as a
# soft error and the error is reported after the SYN is retransmitted, i.e.
# after about 1 s.  Rules add up; lab_reset removes them all.
#
# Host-side helpers (server_start, servers_stop) need no root and start
# tcpserver on the host's own loopback.
#
# Environment:
#   TCPSERVER     the tcpserver fixture (default: tcpserver next to this file)
#   CI            when "true", a missing root or tool fails instead of skips
#   LAB_LIFETIME  seconds the holder lives at most (default 600)
#
# Set by lab_start (exported): LAB_PID, LAB_DIR, LAB_NETNS.

_LAB_HELPERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# _lab_tcpserver: print the path of the tcpserver fixture to use.
_lab_tcpserver() {
	printf '%s\n' "${TCPSERVER:-$_LAB_HELPERS_DIR/tcpserver}"
}

# _lab_now_us: print the current time in microseconds.
_lab_now_us() {
	local t=${EPOCHREALTIME//[!0-9]/}
	printf '%s\n' "$((10#$t))"
}

# _lab_problem: print why the lab cannot run here, or nothing and return 0
# when it can.  Returns 1 when it cannot.
_lab_problem() {
	local tool
	if [[ $EUID -ne 0 ]]; then
		printf 'needs root for the network namespace lab (unshare, nft)\n'
		return 1
	fi
	for tool in unshare nsenter nft ip mount; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			printf 'needs %s for the network namespace lab\n' "$tool"
			return 1
		fi
	done
	return 0
}

# lab_available: return 0 when the lab can run here (root and tools), 1 if not.
lab_available() {
	_lab_problem >/dev/null
}

# lab_require_root: skip the current test when the lab cannot run here, or
# fail it with a clear message when CI is "true".
lab_require_root() {
	local why
	why=$(_lab_problem) && return 0
	if [[ ${CI:-} == true ]]; then
		printf 'lab: %s, and CI=true forbids skipping\n' "$why" >&2
		return 1
	fi
	skip "$why"
}

# _lab_fail MESSAGE...: print an error about the lab to stderr, return 1.
_lab_fail() {
	printf 'lab: %s\n' "$*" >&2
	return 1
}

# _lab_check: return 0 when a lab has been started, or fail with a message.
_lab_check() {
	[[ -n ${LAB_PID:-} && -n ${LAB_DIR:-} ]] ||
		_lab_fail "no lab: call lab_start first"
}

# The holder script, run by bash inside the new namespaces as
# `bash -c SCRIPT lab-holder LAB_DIR LIFETIME`.  It signals readiness by
# renaming a file, then turns into a sleep of LIFETIME seconds.
# shellcheck disable=SC2016
_LAB_HOLDER_SCRIPT='
set -eu
dir=$1
ip link set lo up
for f in hosts nsswitch.conf resolv.conf; do
	mount --bind "$dir/$f" "/etc/$f"
done
nft -f - <<EOF
table inet lab {
	chain input { type filter hook input priority 0; policy accept; }
	chain output { type filter hook output priority 0; policy accept; }
}
EOF
echo ready >"$dir/ready.tmp"
mv "$dir/ready.tmp" "$dir/ready"
exec sleep "$2"
'

# _lab_default_files: (re)write the lab copies of hosts, nsswitch.conf and
# resolv.conf with their initial contents, in place.
_lab_default_files() {
	printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' \
		>"$LAB_DIR/hosts"
	printf 'hosts: files\n' >"$LAB_DIR/nsswitch.conf"
	printf 'nameserver 127.0.0.1\n' >"$LAB_DIR/resolv.conf"
}

# lab_start: create the lab directory and the namespaces, wait (at most 5 s)
# until the holder has finished its setup, and export LAB_PID, LAB_DIR and
# LAB_NETNS.  Returns 1 with a message (and the holder log) on failure.
lab_start() {
	local deadline
	_lab_problem >/dev/null || _lab_fail "$(_lab_problem)" || return 1
	[[ ${LAB_LIFETIME:-600} =~ ^[1-9][0-9]*$ ]] ||
		_lab_fail "LAB_LIFETIME must be a number of seconds" || return 1
	if [[ -n ${BATS_FILE_TMPDIR:-} ]]; then
		LAB_DIR=$(mktemp -d "$BATS_FILE_TMPDIR/lab.XXXXXX") || return 1
		_LAB_DIR_OWNED=
	else
		LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lab.XXXXXX") || return 1
		_LAB_DIR_OWNED=1
	fi
	export LAB_DIR _LAB_DIR_OWNED
	mkdir "$LAB_DIR/servers"
	_lab_default_files

	unshare -n -m --propagation private \
		bash -c "$_LAB_HOLDER_SCRIPT" lab-holder "$LAB_DIR" \
		"${LAB_LIFETIME:-600}" \
		</dev/null >"$LAB_DIR/holder.log" 2>&1 3>&- &
	LAB_PID=$!
	export LAB_PID
	printf '%s\n' "$LAB_PID" >"$LAB_DIR/holder.pid"

	deadline=$(($(_lab_now_us) + 5000000))
	while [[ ! -e $LAB_DIR/ready ]]; do
		if ! kill -0 "$LAB_PID" 2>/dev/null; then
			_lab_fail "holder exited during setup:" \
				"$(cat "$LAB_DIR/holder.log")" || true
			lab_stop
			return 1
		fi
		if (($(_lab_now_us) > deadline)); then
			_lab_fail "holder not ready after 5 s:" \
				"$(cat "$LAB_DIR/holder.log")" || true
			lab_stop
			return 1
		fi
		sleep 0.01
	done

	LAB_NETNS=$(readlink "/proc/$LAB_PID/ns/net") || true
	export LAB_NETNS
	if [[ -z $LAB_NETNS ]]; then
		_lab_fail "holder exited after setup:" \
			"$(cat "$LAB_DIR/holder.log")" || true
		lab_stop
		return 1
	fi
	if [[ $LAB_NETNS == "$(readlink /proc/self/ns/net)" ]]; then
		_lab_fail "holder is not in a network namespace of its own" || true
		LAB_NETNS=
		lab_stop
		return 1
	fi
	printf '%s\n' "$LAB_NETNS" >"$LAB_DIR/netns"
}

# _lab_is_child PID: return 0 when PID is a child process of this shell.
_lab_is_child() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	read -r _ stat _ <<<"$stat"
	[[ $stat == "$BASHPID" ]]
}

# _lab_netns_pids: print the pids of all live processes in the lab's network
# namespace (never any process of the caller's own namespace).  A zombie is
# already dead and holds nothing: only its parent can reap it, and a server
# whose parent shell has gone is reaped by init when init gets to it (on some
# machines seconds later), so it is not waited for.
_lab_netns_pids() {
	local p ns stat
	[[ -n ${LAB_NETNS:-} ]] || return 0
	[[ $LAB_NETNS != "$(readlink /proc/self/ns/net)" ]] || return 0
	for p in /proc/[0-9]*; do
		ns=$(readlink "$p/ns/net" 2>/dev/null) || continue
		[[ $ns == "$LAB_NETNS" ]] || continue
		stat=$(<"$p/stat") 2>/dev/null || continue
		stat=${stat##*) }
		[[ ${stat:0:1} == Z ]] && continue
		printf '%s\n' "${p#/proc/}"
	done
	return 0
}

# lab_stop: kill the holder and every process inside the lab, and wait (at
# most 5 s) until they are gone.  Safe to call twice, or after a failed or
# missing lab_start.  Removes the lab directory only when lab_start created
# it outside BATS_FILE_TMPDIR.
lab_stop() {
	local pids deadline child=
	if [[ -n ${LAB_PID:-} ]] && _lab_is_child "$LAB_PID"; then
		child=1
		kill -KILL "$LAB_PID" 2>/dev/null || true
	fi
	deadline=$(($(_lab_now_us) + 5000000))
	while pids=$(_lab_netns_pids) && [[ -n $pids ]]; do
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null || true
		if (($(_lab_now_us) > deadline)); then
			_lab_fail "processes still alive in the lab:" "${pids//$'\n'/ }"
			return 1
		fi
		sleep 0.01
	done
	if [[ -n $child ]]; then
		wait "$LAB_PID" 2>/dev/null || true
	fi
	if [[ -n ${_LAB_DIR_OWNED:-} && -n ${LAB_DIR:-} && -e $LAB_DIR/hosts ]]; then
		rm -rf -- "$LAB_DIR"
	fi
	unset LAB_PID LAB_NETNS _LAB_DIR_OWNED
	return 0
}

# lab_exec CMD...: run CMD inside the lab's namespaces, in the current
# directory and with the current environment.
lab_exec() {
	_lab_check || return 1
	nsenter -t "$LAB_PID" -n -m --wd="$PWD" -- "$@"
}

# lab_nft RULES...: apply nft commands (one argument or line each, e.g.
# 'add rule inet lab input tcp dport 80 drop') inside the lab.
lab_nft() {
	_lab_check || return 1
	printf '%s\n' "$@" | lab_exec nft -f -
}

# lab_hosts LINES...: replace the lab's /etc/hosts with LINES, in place.
lab_hosts() {
	_lab_check || return 1
	printf '%s\n' "$@" >"$LAB_DIR/hosts"
}

# lab_nsswitch LINES...: replace the lab's /etc/nsswitch.conf, in place.
lab_nsswitch() {
	_lab_check || return 1
	printf '%s\n' "$@" >"$LAB_DIR/nsswitch.conf"
}

# lab_resolv LINES...: replace the lab's /etc/resolv.conf, in place.
lab_resolv() {
	_lab_check || return 1
	printf '%s\n' "$@" >"$LAB_DIR/resolv.conf"
}

# lab_reset: remove every fault rule and restore the initial hosts,
# nsswitch.conf and resolv.conf.  Servers keep running.
lab_reset() {
	_lab_check || return 1
	lab_nft 'flush chain inet lab input' 'flush chain inet lab output' &&
		_lab_default_files
}

# _lab_spawn DIR NAME MODE ADDR [ARGS...] -- start tcpserver in the
# background through the command in the array _lab_wrapper (possibly
# empty), log to DIR/NAME.log, record its pid in DIR/pids, wait (at most
# 5 s) for DIR/NAME.port and print the port.
_lab_spawn() {
	local dir=$1 name=$2 mode=$3 addr=$4 bin pid deadline
	shift 4
	bin=$(_lab_tcpserver)
	[[ -x $bin ]] ||
		_lab_fail "tcpserver fixture not found at $bin (build it, or set TCPSERVER)" ||
		return 1
	rm -f -- "$dir/$name.port" "$dir/$name.port.tmp"
	"${_lab_wrapper[@]}" "$bin" "$mode" -a "$addr" -f "$dir/$name.port" "$@" \
		</dev/null >"$dir/$name.log" 2>&1 3>&- &
	pid=$!
	printf '%s\n' "$pid" >>"$dir/pids"
	deadline=$(($(_lab_now_us) + 5000000))
	while [[ ! -s $dir/$name.port ]]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			_lab_fail "tcpserver $mode $addr ($name) exited:" \
				"$(cat "$dir/$name.log")"
			return 1
		fi
		if (($(_lab_now_us) > deadline)); then
			_lab_fail "tcpserver $mode $addr ($name) not ready after 5 s"
			return 1
		fi
		sleep 0.01
	done
	cat "$dir/$name.port"
}

# lab_server MODE ADDR NAME [ARGS...]: start tcpserver (mode accept, bound
# or full) on ADDR inside the lab and print its port; extra ARGS go to
# tcpserver (e.g. -p PORT, -l LIFETIME).  lab_stop kills it.
lab_server() {
	local _lab_wrapper
	_lab_check || return 1
	[[ $# -ge 3 ]] || _lab_fail "usage: lab_server MODE ADDR NAME [ARGS...]" ||
		return 1
	_lab_wrapper=(nsenter -t "$LAB_PID" -n -m --wd="$PWD" --)
	_lab_spawn "$LAB_DIR/servers" "$3" "$1" "$2" "${@:4}"
}

# _servers_dir: print (creating it) the directory recording the host-side
# servers of the current scope: the test's own while a test runs, the
# file's in setup_file/teardown_file, SERVERS_DIR or a private one outside
# bats.
_servers_dir() {
	local dir
	if [[ -n ${SERVERS_DIR:-} ]]; then
		dir=$SERVERS_DIR
	elif [[ -n ${BATS_TEST_TMPDIR:-} ]]; then
		dir=$BATS_TEST_TMPDIR/servers
	elif [[ -n ${BATS_FILE_TMPDIR:-} ]]; then
		dir=$BATS_FILE_TMPDIR/servers
	else
		dir=${TMPDIR:-/tmp}/tcpservers.$EUID
	fi
	[[ -d $dir ]] || mkdir -m 700 -- "$dir" || return 1
	printf '%s\n' "$dir"
}

# server_start MODE ADDR [ARGS...]: start tcpserver on the host (no
# namespace, no root needed) and print its port.  servers_stop kills it.
server_start() {
	local _lab_wrapper=() dir n
	[[ $# -ge 2 ]] || _lab_fail "usage: server_start MODE ADDR [ARGS...]" ||
		return 1
	dir=$(_servers_dir) || return 1
	n=1
	if [[ -e $dir/pids ]]; then
		n=$(($(wc -l <"$dir/pids") + 1))
	fi
	_lab_spawn "$dir" "server$n" "$@"
}

# servers_stop: kill the host-side servers started by server_start in the
# current scope (only processes still running the tcpserver binary).
servers_stop() {
	local dir pid bin deadline alive
	dir=$(_servers_dir) || return 1
	[[ -e $dir/pids ]] || return 0
	bin=$(readlink -f -- "$(_lab_tcpserver)")
	deadline=$(($(_lab_now_us) + 5000000))
	while :; do
		alive=
		while read -r pid; do
			if [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$bin" ]]; then
				kill -KILL "$pid" 2>/dev/null || true
				alive=1
			fi
		done <"$dir/pids"
		[[ -n $alive ]] || break
		if (($(_lab_now_us) > deadline)); then
			_lab_fail "servers still alive after 5 s"
			return 1
		fi
		sleep 0.01
	done
	rm -f -- "$dir/pids"
}

# _lab_daddr [ADDR]: print the nft match for destination ADDR (IPv4 or
# IPv6), or nothing when ADDR is empty.
_lab_daddr() {
	case ${1:-} in
	'') ;;
	*:*) printf 'ip6 daddr %s ' "$1" ;;
	*) printf 'ip daddr %s ' "$1" ;;
	esac
}

# _lab_tcp_rule PORT ADDR VERDICT...: add an input rule for TCP packets to
# PORT (and ADDR, when not empty) with the given statement.
_lab_tcp_rule() {
	local port=$1 addr=$2
	shift 2
	[[ $port =~ ^[0-9]+$ ]] || _lab_fail "bad port: $port" || return 1
	lab_nft "add rule inet lab input $(_lab_daddr "$addr")tcp dport $port $*"
}

# lab_drop PORT [ADDR]: silently drop TCP to PORT: connect times out.
lab_drop() {
	_lab_tcp_rule "$1" "${2:-}" drop
}

# lab_reject_reset PORT [ADDR]: answer SYNs to PORT with a TCP reset:
# connect fails with ECONNREFUSED.
lab_reject_reset() {
	_lab_tcp_rule "$1" "${2:-}" reject with tcp reset
}

# lab_reject_hostunreach PORT [ADDR]: answer with ICMP host unreachable
# (ICMPv6 address unreachable): connect fails with EHOSTUNREACH.
lab_reject_hostunreach() {
	_lab_tcp_rule "$1" "${2:-}" reject with icmpx type host-unreachable
}

# lab_reject_netunreach PORT [ADDR]: answer with ICMP net unreachable
# (ICMPv6 no route): connect fails with ENETUNREACH.
lab_reject_netunreach() {
	_lab_tcp_rule "$1" "${2:-}" reject with icmpx type no-route
}

# lab_slow_syn PORT [ADDR]: drop every other client SYN to PORT, so the
# first SYN of a connection is lost and the handshake completes with the
# retransmission after about 1 s.  The counter is shared by all attempts:
# an attempt abandoned after its first SYN shifts the pattern.
lab_slow_syn() {
	_lab_tcp_rule "$1" "${2:-}" \
		'tcp flags & (syn | ack) == syn numgen inc mod 2 == 0 drop'
}

# lab_dns_hang: resolve hosts through files, then DNS at 127.0.0.1, and
# drop all DNS queries: looking up a name not in the lab hosts file hangs
# for the resolver's whole timeout.
lab_dns_hang() {
	lab_nsswitch 'hosts: files dns' &&
		lab_resolv 'nameserver 127.0.0.1' &&
		lab_nft 'add rule inet lab input udp dport 53 drop' \
			'add rule inet lab input tcp dport 53 drop'
}

# lab_dns_refused: resolve hosts through files, then DNS at 127.0.0.1 where
# nothing listens: looking up a name not in the lab hosts file fails at
# once with EAI_AGAIN.  Do not combine with lab_dns_hang (see lab_reset).
lab_dns_refused() {
	lab_nsswitch 'hosts: files dns' &&
		lab_resolv 'nameserver 127.0.0.1'
}
