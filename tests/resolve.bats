#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Names: found, unknown, a failing resolver, and the fallback between the addresses of a
# dual-stack name (RFC 8305: a silent address does not eat the whole budget).

load helpers/common

setup_file() {
	if lab_available; then lab_start; fi
}

teardown_file() {
	lab_stop
}

setup() {
	lab_require_root
	lab_reset
	lab_hosts '127.0.0.1 localhost' '::1 localhost' '127.0.0.1 v4.test' \
		'::1 dual.test' '127.0.0.1 dual.test'
}

@test "a name from /etc/hosts connects, naming the address, with dns perfdata" {
	port=$(lab_server accept 127.0.0.1 web)
	run -0 lab_exec "$PLUGIN" -H v4.test -p "$port"
	assert_first_line "^TCP OK - [0-9.]+ second response time on v4\.test \(127\.0\.0\.1\) port $port\|time=[0-9.]+s;;;0;10 dns=[0-9.]+s;;;0;10$"
}

@test "an unknown name is CRITICAL: Name or service not known" {
	run -2 lab_exec "$PLUGIN" -H nosuch.test -p 80
	[ "$output" = "TCP CRITICAL - cannot resolve nosuch.test: Name or service not known" ]
}

@test "a resolver that fails is CRITICAL: Temporary failure in name resolution" {
	lab_dns_refused
	run -2 lab_exec "$PLUGIN" -H nosuch.test -p 80 -t 3
	[ "$output" = "TCP CRITICAL - cannot resolve nosuch.test: Temporary failure in name resolution" ]
	run -1 lab_exec "$PLUGIN" -H nosuch.test -p 80 -t 3 --state resolver=warning
	# and it is told apart from a name that does not exist
	run -2 lab_exec "$PLUGIN" -H nosuch.test -p 80 -t 3 --state name-unknown=ok
}

@test "a name with no address of the asked family is CRITICAL" {
	run -2 lab_exec "$PLUGIN" -H v4.test -p 80 -6
	assert_first_line "^TCP CRITICAL - cannot resolve v4\.test: "
}

@test "dual stack: IPv6 refused falls back to IPv4 at once" {
	port=$(lab_server accept 127.0.0.1 v4only)
	start=$(now_ms)
	run -0 lab_exec "$PLUGIN" -H dual.test -p "$port" -v
	assert_below_ms "$start" 250
	assert_first_line "^TCP OK - [0-9.]+ second response time on dual\.test \(127\.0\.0\.1\) port $port\|"
	[[ ${lines[1]} == "resolve: dual.test -> ::1, 127.0.0.1 in "* ]]
	[[ ${lines[2]} =~ ^connect\ ::1\ port\ $port:\ ECONNREFUSED ]]
	[[ ${lines[3]} =~ ^connect\ 127\.0\.0\.1\ port\ $port:\ connected\ in ]]
}

@test "dual stack: a silent IPv6 address costs one stagger delay, not the budget" {
	port=$(lab_server accept 127.0.0.1 v4silent6)
	lab_drop "$port" ::1
	start=$(now_ms)
	run -0 lab_exec "$PLUGIN" -H dual.test -p "$port" -t 5 -v
	assert_below_ms "$start" 1000
	assert_first_line "^TCP OK - [0-9.]+ second response time on dual\.test \(127\.0\.0\.1\) port $port\|"
	[[ ${lines[2]} =~ ^connect\ ::1\ port\ $port:\ no\ answer\ in\ 0\.2[0-9]+\ s,\ given\ up:\ another\ address\ connected\ first ]]
	[[ ${lines[3]} =~ ^connect\ 127\.0\.0\.1\ port\ $port:\ connected\ in\ [0-9.]+\ s,\ started\ at\ \+0\.2[5-9] ]]
}

@test "dual stack: the response time is the answering address's own, not the wait before it" {
	port=$(lab_server accept 127.0.0.1 v4own)
	lab_drop "$port" ::1
	run -0 lab_exec "$PLUGIN" -H dual.test -p "$port" -t 5
	assert_first_line "^TCP OK - 0\.0[0-9]+ second response time"
}

@test "dual stack: -4 and -6 try one family only" {
	port=$(lab_server accept 127.0.0.1 fam)
	lab_drop "$port" ::1
	run -0 lab_exec "$PLUGIN" -H dual.test -p "$port" -4 -v
	[ "$(printf '%s\n' "$output" | grep -c '^connect ')" -eq 1 ]
	run -2 lab_exec "$PLUGIN" -H dual.test -p "$port" -6 -t 0.4
	[ "$output" = "TCP CRITICAL - Socket timeout after 0.4 seconds while connecting to dual.test (::1) port $port|dns=${output##*dns=}" ]
}

@test "dual stack: every address failing is CRITICAL and says how many were tried" {
	run -2 lab_exec "$PLUGIN" -H dual.test -p 9 -t 2
	assert_first_line "^TCP CRITICAL - connect to address dual\.test \(::1\) and port 9: Connection refused \(2 addresses tried\)\|dns="
}

@test "dual stack: the worst state speaks when addresses fail differently" {
	port=$(lab_server bound 127.0.0.1 mixed)
	lab_drop "$port" ::1
	run -2 lab_exec "$PLUGIN" -H dual.test -p "$port" -t 0.6 -r ok
	assert_first_line "^TCP CRITICAL - Socket timeout after 0\.6 seconds while connecting to dual\.test \(::1\) port $port \(2 addresses tried\)"
}
