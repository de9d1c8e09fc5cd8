#!/usr/bin/env bats
# Drop-in for check_tcp: the same command lines, without TLS, give the same state. The
# reference is check_tcp from Debian's monitoring-plugins-basic, run side by side.

load helpers/common

CHECK_TCP=${CHECK_TCP:-/usr/lib/nagios/plugins/check_tcp}

setup_file() {
	export BATS_TEST_TIMEOUT=120
}

setup() {
	if [[ ! -x $CHECK_TCP ]]; then
		[[ ${CI:-} != true ]] || { echo "check_tcp missing and CI=true" >&2; return 1; }
		skip "check_tcp (monitoring-plugins-basic) is not installed"
	fi
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
