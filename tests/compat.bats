#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Drop-in for check_tcp: the same command lines, without TLS, give the same state, except
# the differences on purpose of doc/check_tcp.md ("Differences"), each asserted here. The
# reference is check_tcp from Debian's monitoring-plugins-basic, run side by side; without
# it, the side-by-side tests skip and the differences check our side only.

load helpers/common

CHECK_TCP=${CHECK_TCP:-/usr/lib/nagios/plugins/check_tcp}

# The lab (root) gives the ICMP errors; the loopback listeners need no root.
setup_file() {
	export BATS_TEST_TIMEOUT=120
	if lab_available; then lab_start; fi
}

teardown_file() {
	lab_stop
}

# needs_check_tcp: skip the test when check_tcp is not installed (fail under CI=true).
needs_check_tcp() {
	[[ ! -x $CHECK_TCP ]] || return 0
	[[ ${CI:-} != true ]] || { echo "check_tcp missing and CI=true" >&2; return 1; }
	skip "check_tcp (monitoring-plugins-basic) is not installed"
}

setup() {
	if [[ -n ${LAB_PID:-} ]]; then lab_reset; fi
	open=$(server_start accept 127.0.0.1)
	closed=$(server_start bound 127.0.0.1)
	banner=$(server_start banner 127.0.0.1 -T '220 mail.test ESMTP ready\r\n')
	silent=$(server_start silent 127.0.0.1)
	mute=$(server_start close 127.0.0.1)
	pong=$(server_start reply 127.0.0.1 -U 'PING' -T '+PONG\r\n')
}

teardown() {
	servers_stop
}

# same_state ARGS...: check_tcp and check_tcpport exit with the same state.
same_state() {
	needs_check_tcp
	run "$CHECK_TCP" "$@"
	local theirs=$status their_line=${lines[0]:-}
	run "$PLUGIN" "$@"
	if [[ $status -ne $theirs ]]; then
		printf 'args: %s\ncheck_tcp: %s (exit %s)\ncheck_tcpport: %s (exit %s)\n' "$*" \
			"$their_line" "$theirs" "${lines[0]:-}" "$status" >&2
		return 1
	fi
	# and ours always names the state
	assert_first_line "^TCP (OK|WARNING|CRITICAL|UNKNOWN) - "
}

@test "open, refused and -r give check_tcp's states" {
	same_state -H 127.0.0.1 -p "$open"
	same_state -H 127.0.0.1 -p "$closed"
	same_state -H 127.0.0.1 -p "$closed" -r ok
	same_state -H 127.0.0.1 -p "$closed" -r warn
	same_state -H 127.0.0.1 -p "$closed" -r crit
	same_state -H 127.0.0.1 -p "$closed" -r critical
	same_state -H 127.0.0.1 -p "$closed" --refuse=warning
}

@test "the positional host and the legacy -wt -ct -to work as in check_tcp" {
	same_state 127.0.0.1 -p "$open"
	same_state -H 127.0.0.1 -p "$open" -wt 1 -ct 2 -to 3
	same_state -H 127.0.0.1 -p "$open" -w 0 -c 1
	same_state -H 127.0.0.1 -p "$open" -w 0 -c 0
	same_state -H 127.0.0.1 -p "$open" -w 5 -c 10 -t 12
}

@test "expect, mismatch and -M give check_tcp's states" {
	same_state -H 127.0.0.1 -p "$banner" -e 220
	same_state -H 127.0.0.1 -p "$banner" -e ESMTP
	same_state -H 127.0.0.1 -p "$banner" -e 250
	same_state -H 127.0.0.1 -p "$banner" -e 250 -M crit
	same_state -H 127.0.0.1 -p "$banner" -e 250 -M critical
	same_state -H 127.0.0.1 -p "$banner" -e 250 -M ok
	same_state -H 127.0.0.1 -p "$banner" -e 250 -e 220
	same_state -H 127.0.0.1 -p "$banner" -e 250 -e 220 -A
	same_state -H 127.0.0.1 -p "$banner" -e ESMTP -e 220 -A
	same_state -H 127.0.0.1 -p "$banner" -e 220 -j
	same_state -H 127.0.0.1 -p "$banner" -e 250 -j
}

@test "send, escape and quit give check_tcp's states" {
	same_state -H 127.0.0.1 -p "$pong" -s 'PING\r\n' -E -e PONG
	same_state -H 127.0.0.1 -p "$pong" -E -s 'PING\r\n' -e PONG -q QUIT
	same_state -H 127.0.0.1 -p "$pong" -s PING -e PONG -q 'QUIT'
	same_state -H 127.0.0.1 -p "$banner" -s 'HELO test' -e 220 -q QUIT
	same_state -H 127.0.0.1 -p "$banner" -e 220 -m 3
	same_state -H 127.0.0.1 -p "$banner" -e 220 -d 1
}

@test "no data and a silent server give check_tcp's states" {
	# (check_tcp 2.3.3 has no -t SECONDS:STATE: it is a usage error there)
	same_state -H 127.0.0.1 -p "$mute" -e 220
	same_state -H 127.0.0.1 -p "$silent" -e 220 -t 1
	same_state -H 127.0.0.1 -p "$silent" -e 220 -t 2 -M crit
}

@test "names, families and unknown hosts give check_tcp's states" {
	same_state -H localhost -p "$open" -4
	same_state -H 'bad_host!' -p 80
	same_state -H localhost -p "$closed" -4
}

@test "the TLS options are refused with a clear UNKNOWN line" {
	for args in "-S" "-D 30" "--sni=example.org" "--ssl" "--certificate=30"; do
		# shellcheck disable=SC2086
		run -3 "$PLUGIN" -H 127.0.0.1 -p "$open" $args
		assert_first_line "^TCP UNKNOWN - TLS is not supported: this plugin uses libc only"
	done
}

# --- The differences on purpose (doc/check_tcp.md, "Differences"; tests/differential) ---

# differs THEIRS OURS REGEX ARGS...: a command line whose state differs on purpose:
# check_tcpport exits OURS with a first line matching REGEX, and check_tcp, when it is
# installed, exits THEIRS, so that the documented difference stays true. Both run
# through the command in the array `via` (empty: here; (lab_exec): in the lab).
via=()
differs() {
	local theirs=$1 ours=$2 regex=$3
	shift 3
	run "${via[@]}" "$PLUGIN" "$@"
	if [[ $status -ne $ours ]]; then
		printf 'args: %s\ncheck_tcpport: %s (exit %s, expected %s)\n' "$*" "${lines[0]:-}" \
			"$status" "$ours" >&2
		return 1
	fi
	assert_first_line "$regex"
	[[ -x $CHECK_TCP ]] || return 0
	run "${via[@]}" "$CHECK_TCP" "$@"
	if [[ $status -ne $theirs ]]; then
		printf 'args: %s\ncheck_tcp: %s (exit %s, documented %s)\n' "$*" "${lines[0]:-}" \
			"$status" "$theirs" >&2
		return 1
	fi
}

# The line of an OK connection to 127.0.0.1 port $1, with perfdata warn $2, crit $3 and
# timeout $4 (default 10).
ok_line() {
	printf '^TCP OK - [0-9]+\\.[0-9]{6} second response time on 127\\.0\\.0\\.1 port %s\\|time=[0-9]+\\.[0-9]{6}s;%s;%s;0;%s$' \
		"$1" "$2" "$3" "${4:-10}"
}

usage() {
	printf "^TCP UNKNOWN - %s \\\\(see 'check_tcpport --help'\\\\)$" "$1"
}

@test "differs: a broken command line is a usage error here, where check_tcp connects anyway" {
	differs 0 3 "$(usage 'no host given: use -H HOST, or check_tcpport HOST PORT')" -p "$open"
	differs 2 3 "$(usage 'no port given: use -p PORT, or give it after the host: check_tcpport HOST PORT')" -H 127.0.0.1
	differs 2 3 "$(usage "invalid port '65536': use 1-65535, a range LOW-HIGH, or a tcp service name from /etc/services")" \
		-H 127.0.0.1 -p 65536
	differs 2 3 "$(usage 'empty host name after -H')" -H '' -p "$open"
	differs 2 3 "$(usage '-6 given, but 127\.0\.0\.1 is an IPv4 address')" -H 127.0.0.1 -p "$open" -6
	differs 2 3 "$(usage '-4 given, but ::1 is an IPv6 address')" -H ::1 -p "$open" -4
	differs 2 3 "$(usage '-4 and -6 exclude each other')" -H localhost -p "$open" -4 -6
	differs 0 3 "$(usage "unexpected argument 'extra': the host and the port are given with -H and -p already")" -H 127.0.0.1 -p "$open" extra
}

@test "differs: an empty -w or -c is no threshold, where check_tcp reads 0 and always alerts" {
	differs 1 0 "$(ok_line "$open" '' '')" -H 127.0.0.1 -p "$open" -w ''
	differs 2 0 "$(ok_line "$open" '' '')" -H 127.0.0.1 -p "$open" -c ''
	differs 2 0 "$(ok_line "$open" '' '')" -H 127.0.0.1 -p "$open" -w '' -c ''
}

@test "differs: junk in -w or -c is a usage error, where check_tcp reads what it can" {
	local range="use seconds or a range such as 0\\.5, 0\\.5:, ~:0\\.5, 0\\.2:0\\.5 or @0\\.2:0\\.5"
	differs 1 3 "$(usage "invalid -w 'foo': $range")" -H 127.0.0.1 -p "$open" -w foo
	differs 2 3 "$(usage "invalid -c 'foo': $range")" -H 127.0.0.1 -p "$open" -c foo
	differs 1 3 "$(usage "invalid -w '-1': $range")" -H 127.0.0.1 -p "$open" -w -1
	differs 2 3 "$(usage "invalid -c '-1': $range")" -H 127.0.0.1 -p "$open" -c -1
	differs 0 3 "$(usage "invalid -w '1,5': $range")" -H 127.0.0.1 -p "$open" -w 1,5
	differs 0 3 "$(usage "invalid -w '0x10': $range")" -H 127.0.0.1 -p "$open" -w 0x10
}

@test "differs: -w and -c are ranges, where check_tcp reads the leading number only" {
	differs 0 1 "^TCP WARNING - [0-9]+\\.[0-9]{6} second response time on 127\\.0\\.0\\.1 port $open\\|time=[0-9.]+s;10:;;0;10$" \
		-H 127.0.0.1 -p "$open" -w 10:
	differs 0 2 "^TCP CRITICAL - [0-9]+\\.[0-9]{6} second response time on 127\\.0\\.0\\.1 port $open\\|time=[0-9.]+s;;10:;0;10$" \
		-H 127.0.0.1 -p "$open" -c 10:
	# (0:1 is printed in its plain form, 1)
	differs 1 0 "$(ok_line "$open" 1 '')" -H 127.0.0.1 -p "$open" -w 0:1
	differs 1 0 "$(ok_line "$open" '~:1' '')" -H 127.0.0.1 -p "$open" -w '~:1'
}

@test "differs: fractional -t and -d, and -t SECONDS:STATE, where check_tcp refuses them" {
	differs 3 0 "$(ok_line "$open" '' '' 0.5)" -H 127.0.0.1 -p "$open" -t 0.5
	differs 3 0 "$(ok_line "$open" '' '' 2)" -H 127.0.0.1 -p "$open" -t 2:ok
	differs 3 0 "^TCP OK - [0-9.]+ second response time on 127\\.0\\.0\\.1 port $banner \\[220 mail\\.test ESMTP ready\\]\\|time=[0-9.]+s;;;0;10 connect=[0-9.]+s;;;0;10 response=[0-9.]+s;;;0;10$" \
		-H 127.0.0.1 -p "$banner" -e 220 -d 0.5
}

@test "differs: states in any case and as numbers, where check_tcp refuses them" {
	differs 3 0 "^TCP OK - connect to address 127\\.0\\.0\\.1 and port $closed: Connection refused$" \
		-H 127.0.0.1 -p "$closed" -r OK
	differs 3 1 "^TCP WARNING - connect to address 127\\.0\\.0\\.1 and port $closed: Connection refused$" \
		-H 127.0.0.1 -p "$closed" -r 1
	differs 3 2 "^TCP CRITICAL - Unexpected response from host/socket 127\\.0\\.0\\.1 port $banner: 220 mail\\.test ESMTP ready$" \
		-H 127.0.0.1 -p "$banner" -e 250 -M 2
}

@test "differs: -r is for refusals only: an ICMP unreachable stays CRITICAL, where check_tcp applies -r" {
	lab_require_root
	local port
	port=$(lab_server accept 127.0.0.1 unreach)
	lab_reject_hostunreach "$port"
	via=(lab_exec)
	differs 0 2 "^TCP CRITICAL - connect to address 127\\.0\\.0\\.1 and port $port: No route to host$" \
		-H 127.0.0.1 -p "$port" -t 2 -r ok
	differs 1 2 "^TCP CRITICAL - connect to address 127\\.0\\.0\\.1 and port $port: No route to host$" \
		-H 127.0.0.1 -p "$port" -t 2 -r warn
	lab_reset
	lab_reject_netunreach "$port"
	differs 0 2 "^TCP CRITICAL - connect to address 127\\.0\\.0\\.1 and port $port: Network is unreachable$" \
		-H 127.0.0.1 -p "$port" -t 2 -r ok
	# and the refusal that -r is about still follows it, in both
	lab_reset
	lab_reject_reset "$port"
	same_state -H 127.0.0.1 -p "$port" -t 2 -r ok
}

@test "an ICMPv6 administratively prohibited (firewalld's IPv6 reject) is CRITICAL, as check_tcp says" {
	lab_require_root
	needs_check_tcp
	lab_nft 'add rule inet lab input ip6 daddr ::1 tcp dport 8086 reject with icmpv6 type admin-prohibited'
	run -2 lab_exec "$CHECK_TCP" -H ::1 -p 8086 -t 3
	[ "$output" = "connect to address ::1 and port 8086: Permission denied" ]
	run -2 lab_exec "$PLUGIN" -H ::1 -p 8086 -t 3
	[ "$output" = "TCP CRITICAL - connect to address ::1 and port 8086: Permission denied (administratively prohibited)" ]
}

@test "differs: a reply without the -e text is a mismatch once it pauses, where check_tcp times out" {
	local line="Unexpected response from host/socket 127\\.0\\.0\\.1 port $banner: 220 mail\\.test ESMTP ready$"
	differs 2 1 "^TCP WARNING - $line" -H 127.0.0.1 -p "$banner" -e 250 -t 2
	differs 2 0 "^TCP OK - $line" -H 127.0.0.1 -p "$banner" -e 250 -M ok -t 2
	differs 2 1 "^TCP WARNING - Unexpected response from host/socket 127\\.0\\.0\\.1 port $pong: \\+PONG$" \
		-H 127.0.0.1 -p "$pong" -s PING -e NOPE -t 2
}

@test "differs: the rest of a reply after a pause over 0.5 s is not waited for, where check_tcp waits" {
	local split
	split=$(server_start split 127.0.0.1 -T '220 mail' -U ' ESMTP ready\r\n' -w 0.8)
	differs 0 1 "^TCP WARNING - Unexpected response from host/socket 127\\.0\\.0\\.1 port $split: 220 mail$" \
		-H 127.0.0.1 -p "$split" -e ready -t 2
}

@test "differs: a reset before the expected text is CRITICAL, where check_tcp calls it a mismatch" {
	local reset
	reset=$(server_start reset 127.0.0.1 -T '220 busy\r\n')
	differs 1 2 "^TCP CRITICAL - Connection reset by peer after 10 bytes from 127\\.0\\.0\\.1 port $reset: 220 busy$" \
		-H 127.0.0.1 -p "$reset" -e 250 -t 2
}

@test "differs: -m N judges exactly N bytes, where check_tcp judges the whole read that passed N" {
	differs 0 1 "^TCP WARNING - Unexpected response from host/socket 127\\.0\\.0\\.1 port $banner: 220$" \
		-H 127.0.0.1 -p "$banner" -e ready -m 3 -t 2
}

@test "differs: several -p, a port list and [::1] are checked, where check_tcp takes the last or refuses" {
	local open6
	differs 0 2 "^TCP CRITICAL - 1 of 2 ports failed: $closed refused\\|'time_$open'=[0-9.]+s;;;0;10$" \
		-H 127.0.0.1 -p "$closed" -p "$open"
	differs 3 2 "^TCP CRITICAL - 1 of 2 ports failed: $closed refused\\|'time_$open'=[0-9.]+s;;;0;10$" \
		-H 127.0.0.1 -p "$open,$closed"
	open6=$(server_start accept ::1)
	differs 2 0 "^TCP OK - [0-9.]+ second response time on ::1 port $open6\\|time=[0-9.]+s;;;0;10$" \
		-H '[::1]' -p "$open6"
}

@test "differs: TLS options are UNKNOWN without connecting, where check_tcp talks TLS" {
	differs 2 3 "$(usage "TLS is not supported: this plugin uses libc only \\(-S/--ssl\\)")" \
		-H 127.0.0.1 -p "$closed" -S
	differs 2 3 "$(usage "TLS is not supported: this plugin uses libc only \\(--sni\\)")" \
		-H 127.0.0.1 -p "$closed" --sni=example.org
}

@test "differs: --help and --version exit 0, where check_tcp exits 3" {
	differs 3 0 '^check_tcpport v[0-9]+\.[0-9]+\.[0-9]+$' -V
	differs 3 0 '^check_tcpport v[0-9]+\.[0-9]+\.[0-9]+$' --version
	differs 3 0 '^check_tcpport v[0-9]+\.[0-9]+\.[0-9]+$' -h
	assert_output_has 'Usage:'
}
