#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Every address of a name, several hosts, how many must be OK, and the source address.

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
	lab_hosts '127.0.0.1 localhost' '::1 dual.test' '127.0.0.1 dual.test' \
		'127.0.0.1 one.test' '127.0.0.1 two.test'
}

@test "--addresses=all: IPv6 broken, IPv4 fine becomes visible" {
	port=$(lab_server accept 127.0.0.1 v4)
	lab_server accept ::1 v6 -p "$port" >/dev/null
	lab_drop "$port" ::1
	run -2 lab_exec "$PLUGIN" -H dual.test -p "$port" --addresses=all -t 0.5
	assert_first_line "^TCP CRITICAL - 1 of 2 addresses failed: \[::1\]:$port timed out\|'time_127\.0\.0\.1:$port'=[0-9.]+s;;;0;0\.5 dns=[0-9.]+s;;;0;0\.5$"
	[ "${lines[1]}" = "[::1]:$port: CRITICAL - Socket timeout after 0.5 seconds while connecting to dual.test (::1) port $port" ]
	[[ ${lines[2]} == "127.0.0.1:$port: OK - "*" second response time on dual.test (127.0.0.1) port $port" ]]
	# the default, first, is satisfied by IPv4
	run -0 lab_exec "$PLUGIN" -H dual.test -p "$port" -t 0.5
}

@test "--addresses=all with every address listening is OK" {
	port=$(lab_server accept 127.0.0.1 v4ok)
	lab_server accept ::1 v6ok -p "$port" >/dev/null
	run -0 lab_exec "$PLUGIN" -H dual.test -p "$port" --addresses=all
	assert_first_line "^TCP OK - 2 of 2 addresses OK, slowest [0-9.]+ s \((\[::1\]|127\.0\.0\.1):$port\)\|'time_\[::1\]:$port'=[0-9.]+s;;;0;10 'time_127\.0\.0\.1:$port'=[0-9.]+s;;;0;10 dns="
}

@test "several -H: one line per host, labels name the host" {
	port=$(lab_server accept 127.0.0.1 hosts)
	run -0 lab_exec "$PLUGIN" -H one.test -H two.test -p "$port"
	assert_first_line "^TCP OK - 2 of 2 hosts OK, .*\|'time_one\.test:$port'=[0-9.]+s;;;0;10 'time_two\.test:$port'=[0-9.]+s;;;0;10 'dns_one\.test'=[0-9.]+s;;;0;10 'dns_two\.test'=[0-9.]+s;;;0;10$"
	[[ ${lines[1]} == "one.test:$port: OK - "* ]]
	[[ ${lines[2]} == "two.test:$port: OK - "* ]]
}

@test "a host that does not resolve fails on its own, the others still run" {
	port=$(lab_server accept 127.0.0.1 partial)
	run -2 lab_exec "$PLUGIN" -H one.test -H nosuch.test -p "$port"
	assert_first_line "^TCP CRITICAL - 1 of 2 hosts failed: nosuch\.test:$port name not known\|'time_one\.test:$port'="
	[ "${lines[2]}" = "nosuch.test:$port: CRITICAL - cannot resolve nosuch.test: Name or service not known" ]
}

@test "--min-ok N: enough targets OK is OK, too few takes the worst state" {
	port=$(lab_server accept 127.0.0.1 pool)
	run -0 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port,9,10" --min-ok 1
	assert_first_line "^TCP OK - 1 of 3 ports OK, 1 needed; 2 failed: 9 refused, 10 refused\|"
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port,9,10" --min-ok 2
	assert_first_line "^TCP CRITICAL - 1 of 3 ports OK, 2 needed; 2 failed: 9 refused, 10 refused\|"
	run -1 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port,9,10" --min-ok 2 -r warning
	assert_first_line "^TCP WARNING - 1 of 3 ports OK, 2 needed"
}

@test "--min-ok P%: a percentage of the targets, rounded up" {
	port=$(lab_server accept 127.0.0.1 pct)
	run -0 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port,9,10" --min-ok 33%
	assert_first_line "^TCP OK - 1 of 3 ports OK, 1 needed;"
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port,9,10" --min-ok 34%
	assert_first_line "^TCP CRITICAL - 1 of 3 ports OK, 2 needed;"
}

@test "-b binds the source address: only 127.0.0.2 is let through" {
	port=$(lab_server accept 127.0.0.1 src)
	lab_nft "add rule inet lab input ip saddr != 127.0.0.2 tcp dport $port drop"
	run -0 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -b 127.0.0.2 -t 1
	assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $port\|"
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -t 0.3
	assert_first_line "^TCP CRITICAL - Socket timeout"
}

@test "-b chooses the family: a dual-stack name is reached over IPv6 from ::1" {
	port=$(lab_server accept ::1 src6)
	run -0 lab_exec "$PLUGIN" -H dual.test -p "$port" -b ::1 -v
	assert_first_line "^TCP OK - [0-9.]+ second response time on dual\.test \(::1\) port $port\|"
	[ "$(printf '%s\n' "$output" | grep -c '^connect ')" -eq 1 ]
}

@test "a source address this machine does not have is UNKNOWN with the system's words" {
	run -3 lab_exec "$PLUGIN" -H 127.0.0.1 -p 80 -b 192.0.2.1
	[ "$output" = "TCP UNKNOWN - cannot bind to source address 192.0.2.1: Cannot assign requested address" ]
}

# big_name PORT N: big.test gets N IPv4 addresses in this order: 127.0.0.1 to
# 127.0.0.255, then 127.0.1.1 on. nft counts the SYNs to PORT of the first 255 (kept) and
# of the others (past) apart, so the tests compare what the plugin says with what the
# kernel saw.
big_name() {
	local lines=('127.0.0.1 localhost') i
	for ((i = 1; i <= $2; i++)); do
		if ((i <= 255)); then
			lines+=("127.0.0.$i big.test")
		else
			lines+=("127.0.1.$((i - 255)) big.test")
		fi
	done
	lab_hosts "${lines[@]}"
	lab_nft "add rule inet lab input ip daddr 127.0.0.1-127.0.0.255 tcp dport $1 tcp flags & (syn | ack) == syn counter comment \"kept\"" \
		"add rule inet lab input ip daddr 127.0.1.0-127.0.1.255 tcp dport $1 tcp flags & (syn | ack) == syn counter comment \"past\""
}

# syns COMMENT: the SYNs counted by big_name's rule COMMENT (kept or past).
syns() {
	lab_exec nft list chain inet lab input |
		sed -n -E "s/.*counter packets ([0-9]+) bytes.*comment \"$1\".*/\\1/p"
}

# big_perfdata PORT N: the perfdata of the first line, one time for each of 127.0.0.1 to
# 127.0.0.N, then dns; the time of FAILED (an address) is left out.
big_perfdata() {
	local re="" i
	for ((i = 1; i <= $2; i++)); do
		[ "127.0.0.$i" = "${3:-}" ] ||
			re+="'time_127\\.0\\.0\\.$i:$1'=[0-9.]+s;;;0;10 "
	done
	printf '%s' "\\|${re}dns=[0-9.]+s;;;0;10\$"
}

# The fixture listens on every loopback address with room for all the SYNs at once.
big_server() {
	lab_server accept 0.0.0.0 big -b 1024
}

@test "--addresses=all: a name with 40 addresses checks all 40, the 40th refusing is CRITICAL" {
	port=$(big_server)
	big_name "$port" 40
	lab_reject_reset "$port" 127.0.0.40
	run -2 lab_exec "$PLUGIN" -H big.test -p "$port" --addresses=all
	assert_first_line "^TCP CRITICAL - 1 of 40 addresses failed: 127\.0\.0\.40:$port refused$(big_perfdata "$port" 40 127.0.0.40)"
	[ "${lines[40]}" = "127.0.0.40:$port: CRITICAL - connect to address big.test (127.0.0.40) and port $port: Connection refused" ]
	[ "$(syns kept)" = 40 ]
	[ "$(syns past)" = 0 ]
}

@test "--addresses=all: 40 open addresses are OK, and the first line, perfdata and JSON count the 40 SYNs the kernel saw" {
	port=$(big_server)
	big_name "$port" 40
	run -0 lab_exec "$PLUGIN" -H big.test -p "$port" --addresses=all
	assert_first_line "^TCP OK - 40 of 40 addresses OK, slowest [0-9.]+ s \(127\.0\.0\.[0-9]+:$port\)$(big_perfdata "$port" 40)"
	[ "${#lines[@]}" -eq 41 ]
	[ "$(syns kept)" = 40 ]
	run -0 lab_exec "$PLUGIN" -H big.test -p "$port" --addresses=all --output json
	printf '%s' "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["state"] == "OK" and d["code"] == 0, d["state"]
assert d["message"].startswith("40 of 40 addresses OK, slowest "), d["message"]
addrs = [t["address"] for t in d["targets"]]
assert addrs == ["127.0.0.%d" % i for i in range(1, 41)], addrs
assert all(t["state"] == "OK" and t["outcome"] == "connected" for t in d["targets"])
assert d["perfdata"].count("time_") == 40, d["perfdata"]
'
	[ "$(syns kept)" = 80 ]
	[ "$(syns past)" = 0 ]
}

@test "--addresses=all: past 255 addresses of a name the run is never OK and says how many were not checked" {
	port=$(big_server)
	big_name "$port" 300
	run -3 lab_exec "$PLUGIN" -H big.test -p "$port" --addresses=all
	assert_first_line "^TCP UNKNOWN - 45 of 300 addresses of big\.test not checked: at most 255 per name; 255 of 255 addresses OK, slowest [0-9.]+ s \(127\.0\.0\.[0-9]+:$port\)$(big_perfdata "$port" 255)"
	[ "${#lines[@]}" -eq 256 ]
	[ "$(syns kept)" = 255 ]
	[ "$(syns past)" = 0 ]
	run -3 lab_exec "$PLUGIN" -H big.test -p "$port" --addresses=all --output json
	printf '%s' "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["state"] == "UNKNOWN" and d["code"] == 3, d["state"]
assert d["message"].startswith("45 of 300 addresses of big.test not checked: at most 255 per name; 255 of 255 addresses OK"), d["message"]
assert len(d["targets"]) == 255 and all(t["state"] == "OK" for t in d["targets"])
assert d["perfdata"].count("time_") == 255, d["perfdata"]
'
	[ "$(syns kept)" = 510 ]
	[ "$(syns past)" = 0 ]
	# an unchecked address that refuses changes nothing: it was not checked
	lab_reject_reset "$port" 127.0.1.45
	run -3 lab_exec "$PLUGIN" -H big.test -p "$port" --addresses=all -v
	assert_output_has "resolve: 45 more addresses not tried: at most 255 per name"
	# a checked address that fails is known: CRITICAL, and the count is still there
	lab_reject_reset "$port" 127.0.0.7
	run -2 lab_exec "$PLUGIN" -H big.test -p "$port" --addresses=all
	assert_first_line "^TCP CRITICAL - 45 of 300 addresses of big\.test not checked: at most 255 per name; 1 of 255 addresses failed: 127\.0\.0\.7:$port refused$(big_perfdata "$port" 255 127.0.0.7)"
	[ "$(syns past)" = 0 ]
}

@test "--addresses=all: a --min-ok percentage counts the addresses not checked" {
	port=$(big_server)
	big_name "$port" 300
	# 85% of 300 is 255: the 255 checked suffice
	run -0 lab_exec "$PLUGIN" -H big.test -p "$port" --addresses=all --min-ok 85%
	assert_first_line "^TCP OK - 45 of 300 addresses of big\.test not checked: at most 255 per name; 255 of 255 addresses OK, slowest [0-9.]+ s \(127\.0\.0\.[0-9]+:$port\)$(big_perfdata "$port" 255)"
	# 86% is 258: only an unchecked address could have made it
	run -3 lab_exec "$PLUGIN" -H big.test -p "$port" --addresses=all --min-ok 86%
	assert_first_line "^TCP UNKNOWN - 45 of 300 addresses of big\.test not checked: at most 255 per name; 255 of 255 addresses OK, but --min-ok needs 258, slowest [0-9.]+ s \(127\.0\.0\.[0-9]+:$port\)$(big_perfdata "$port" 255)"
	[ "$(syns past)" = 0 ]
}

@test "--addresses=first (the default) keeps 32 addresses of a name: one connected suffices, -v names the rest" {
	port=$(big_server)
	big_name "$port" 40
	run -0 lab_exec "$PLUGIN" -H big.test -p "$port"
	assert_first_line "^TCP OK - [0-9.]+ second response time on big\.test \(127\.0\.0\.1\) port $port\|time=[0-9.]+s;;;0;10 dns=[0-9.]+s;;;0;10$"
	[ "$(syns kept)" = 1 ]
	run -0 lab_exec "$PLUGIN" -H big.test -p "$port" -v
	assert_output_has "resolve: 8 more addresses not tried: at most 32 per name"
}

@test "--addresses=first, must stay closed: 32 refused while an untried 40th address listens is UNKNOWN, not OK" {
	port=$(big_server)
	big_name "$port" 40
	lab_nft "add rule inet lab input ip daddr != 127.0.0.40 tcp dport $port reject with tcp reset"
	run -3 lab_exec "$PLUGIN" -H big.test -p "$port" --state connected=critical,refused=ok,timeout=ok
	[ "$output" = "TCP UNKNOWN - connect to address big.test (127.0.0.1) and port $port: Connection refused (32 addresses tried, 8 more not: at most 32 per name)|dns=${output##*|dns=}" ]
	assert_first_line "\|dns=[0-9.]+s;;;0;10$"
	[ "$(syns kept)" = 32 ]
	[ "$(syns past)" = 0 ]
	run -3 lab_exec "$PLUGIN" -H big.test -p "$port" --state connected=critical,refused=ok,timeout=ok --output json
	printf '%s' "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["state"] == "UNKNOWN" and d["code"] == 3, d["state"]
assert d["message"].endswith("Connection refused (32 addresses tried, 8 more not: at most 32 per name)"), d["message"]
assert [(t["state"], t["outcome"]) for t in d["targets"]] == [("UNKNOWN", "refused")]
'
	# by default the refusals are CRITICAL, and the same words say what was left out
	run -2 lab_exec "$PLUGIN" -H big.test -p "$port"
	assert_first_line "^TCP CRITICAL - connect to address big\.test \(127\.0\.0\.1\) and port $port: Connection refused \(32 addresses tried, 8 more not: at most 32 per name\)\|dns=[0-9.]+s;;;0;10$"
	# the address that was never tried is the one that connects
	run -0 lab_exec "$PLUGIN" -H 127.0.0.40 -p "$port"
	assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.40 port $port\|time="
}
