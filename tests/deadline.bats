#!/usr/bin/env bats
# One deadline, -t in fractional seconds, bounds the whole run: connecting and name
# resolution alike. Bounds here are loose enough for a busy machine and tight enough to
# catch a whole-second rounding or an unbounded resolver; precise figures are in bench/.

load helpers/common
load helpers/lab_hooks

@test "-t 0.3 on a silent port answers in under 0.6 s" {
	port=$(server_start full 127.0.0.1)
	start=$(now_ms)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -t 0.3
	assert_below_ms "$start" 600
	assert_first_line "^TCP CRITICAL - Socket timeout after 0\.3 seconds while connecting to 127\.0\.0\.1 port $port$"
}

@test "-t 1.25 waits at least 1.25 s, not a rounded whole second" {
	port=$(server_start full 127.0.0.1)
	start=$(now_ms)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -t 1.25
	took=$(($(now_ms) - start))
	((took >= 1250))
	assert_below_ms "$start" 1750
	assert_first_line "Socket timeout after 1\.25 seconds"
}

@test "a hanging resolver is cut at -t 1: CRITICAL in under 1.5 s, naming the phase" {
	lab_require_root
	lab_dns_hang
	start=$(now_ms)
	run -2 lab_exec "$PLUGIN" -H db.hang.test -p 80 -t 1
	assert_below_ms "$start" 1500
	[ "$output" = "TCP CRITICAL - Timeout after 1 seconds while resolving db.hang.test: the resolver did not answer" ]
}

@test "a resolver timeout is a resolver outcome, not a connect timeout" {
	lab_require_root
	lab_dns_hang
	run -3 lab_exec "$PLUGIN" -H db.hang.test -p 80 -t 0.5 --state resolver=unknown
	assert_first_line "^TCP UNKNOWN - Timeout after 0\.5 seconds while resolving"
	# "this port must stay closed" cannot be OK when the name never resolved
	run -2 lab_exec "$PLUGIN" -H db.hang.test -p 80 -t 0.5:ok --state connected=critical,refused=ok
	assert_first_line "^TCP CRITICAL - Timeout after 0\.5 seconds while resolving"
}

@test "-v on a hanging resolver says the resolver did not answer and where to look" {
	lab_require_root
	lab_dns_hang
	run -2 lab_exec "$PLUGIN" -H db.hang.test -p 80 -t 0.3 -v
	[[ ${lines[1]} =~ ^resolve:\ db\.hang\.test:\ no\ answer\ from\ the\ resolver\ before\ the\ deadline ]]
	[[ ${lines[2]} == "hint: name resolution itself failed"*"resolv.conf"* ]]
}

@test "a run ends when its last probe does, not at the deadline" {
	port=$(server_start full 127.0.0.1)
	start=$(now_ms)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -t 5 --probe-timeout 0.2
	assert_below_ms "$start" 1000
	assert_first_line "^TCP CRITICAL - Socket timeout after 0\.2 seconds while connecting"
	banner=$(server_start banner 127.0.0.1 -T 'hello\r\n')
	start=$(now_ms)
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$banner" -e bye -t 5
	assert_below_ms "$start" 1500
}
