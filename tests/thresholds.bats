#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# The response time judged against -w and -c in the Monitoring Plugins range syntax, with
# fractional seconds; a slowed handshake in the lab for times that are not near zero.

load helpers/common
load helpers/lab_hooks

# Every test here checks one port that accepts.
setup() {
	if [[ -n ${LAB_PID:-} ]]; then lab_reset; fi
	port=$(server_start accept 127.0.0.1)
}

@test "under both thresholds is OK, and perfdata carries them" {
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 0.5 -c 1
	assert_first_line "^TCP OK - [0-9]+\.[0-9]{6} second response time on 127\.0\.0\.1 port $port\|time=[0-9]+\.[0-9]{6}s;0\.5;1;0;10$"
}

@test "a plain number keeps check_tcp's meaning: alert above it" {
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 0 -c 1
	assert_first_line "^TCP WARNING - [0-9.]+ second response time on 127\.0\.0\.1 port $port\|time=[0-9.]+s;0;1;0;10$"
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 0 -c 0
	assert_first_line "^TCP CRITICAL - [0-9.]+ second response time"
}

@test "critical wins over warning" {
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 0 -c 0.0000001
	assert_first_line "^TCP CRITICAL - "
}

@test "N: alerts below N" {
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 5:
	assert_first_line "^TCP WARNING - .*\|time=[0-9.]+s;5:;;0;10$"
}

@test "~:N has no lower bound, N:M alerts outside, @N:M alerts inside" {
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -w '~:0.5'
	assert_first_line "\|time=[0-9.]+s;~:0\.5;;0;10$"
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 1:2
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 0:2
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -c @0:2
	assert_first_line "^TCP CRITICAL - .*\|time=[0-9.]+s;;@0:2;0;10$"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -c @1:2
}

@test "a threshold too large to print as a number keeps its text in perfdata" {
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 1e13 -c 99999999999999999999
	assert_first_line "^TCP OK - .*\|time=[0-9.]+s;1e13;99999999999999999999;0;10$"
}

@test "numbers as Icinga 2 passes them (0.250000) are understood" {
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 0.250000 -c 0.500000 -t 2.000000
	assert_first_line "\|time=[0-9.]+s;0\.25;0\.5;0;2$"
}

@test "an empty -w or -c means no threshold, as an unset macro arrives" {
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -w '' -c ''
	assert_first_line "\|time=[0-9.]+s;;;0;10$"
}

@test "a connection mapped to CRITICAL stays CRITICAL under the thresholds" {
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 1 -c 2 --state connected=critical
	assert_first_line "^TCP CRITICAL - [0-9.]+ second response time"
}

@test "a one-second handshake is judged: WARNING over -w, CRITICAL over -c, OK under" {
	lab_require_root
	slow=$(lab_server accept 127.0.0.1 slow)
	lab_slow_syn "$slow"
	run -1 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$slow" -w 0.5 -c 3 -t 5
	assert_first_line "^TCP WARNING - (0\.9|1\.[0-4])[0-9]* second response time on 127\.0\.0\.1 port $slow\|time=(0\.9|1\.[0-4])[0-9]*s;0\.5;3;0;5$"
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$slow" -w 0.3 -c 0.5 -t 5
	assert_first_line "^TCP CRITICAL - (0\.9|1\.[0-4])[0-9]* second response time"
	run -0 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$slow" -w 2 -c 3 -t 5
	assert_first_line "^TCP OK - (0\.9|1\.[0-4])[0-9]* second response time"
}
