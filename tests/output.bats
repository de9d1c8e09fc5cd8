#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# The shape of the output: the state line, perfdata, -v, escaping, the locale.

load helpers/common

setup() {
	port=$(server_start accept 127.0.0.1)
	closed=$(server_start bound 127.0.0.1)
}

teardown() {
	servers_stop
}

@test "the response time has microsecond precision and perfdata has the guidelines' shape" {
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 1 -c 2 -t 3.5
	assert_first_line "^TCP OK - 0\.[0-9]{6} second response time on 127\.0\.0\.1 port $port\|time=0\.[0-9]{6}s;1;2;0;3\.5$"
	# the same number in the words and in perfdata
	words=${lines[0]#TCP OK - }
	words=${words%% *}
	assert_first_line "time=${words}s;"
}

@test "a resolved name adds the address to the words and dns to perfdata" {
	run -0 "$PLUGIN" -H localhost -p "$port" -4
	assert_first_line "^TCP OK - [0-9.]+ second response time on localhost \(127\.0\.0\.1\) port $port\|time=[0-9.]+s;;;0;10 dns=[0-9]+\.[0-9]{6}s;;;0;10$"
}

@test "a failure has no time perfdata" {
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$closed"
	assert_output_lacks "|"
	run -2 "$PLUGIN" -H localhost -p "$closed" -4
	assert_first_line "^TCP CRITICAL - connect to address localhost \(127\.0\.0\.1\) and port $closed: Connection refused\|dns=[0-9.]+s;;;0;10$"
}

# require_locale_de: de_DE.UTF-8, whose decimal point is ',', is installed
# (./bootstrap --tests generates it as root). Without it a test of the decimal point
# could not fail: glibc would fall back to "C". Missing, it is a skip that says so (a
# package build, a user without root), and a failure under CI=true, where
# ./bootstrap --tests must have made it.
require_locale_de() {
	if ! locale -a 2>/dev/null | grep -qx 'de_DE\.utf8'; then
		if [ "${CI:-}" = true ]; then
			echo "the de_DE.UTF-8 locale is missing: run ./bootstrap --tests as root" >&2
			return 1
		fi
		skip "the de_DE.UTF-8 locale is missing (./bootstrap --tests as root generates it)"
	fi
	# and it really has ',' as its decimal point
	[ "$(LC_ALL=de_DE.UTF-8 locale decimal_point)" = "," ]
}

@test "the decimal point is '.' whatever the locale" {
	require_locale_de
	export LC_ALL=de_DE.UTF-8 LC_NUMERIC=de_DE.UTF-8 LANG=de_DE.UTF-8
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 0.5 -t 2.5
	assert_first_line "^TCP OK - 0\.[0-9]{6} second response time on 127\.0\.0\.1 port $port\|time=0\.[0-9]{6}s;0\.5;;0;2\.5$"
	[ "${#lines[@]}" -eq 1 ]
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 0.5 -t 2.5 -v
	assert_first_line "^TCP OK - 0\.[0-9]{6} second response time on 127\.0\.0\.1 port $port\|time=0\.[0-9]{6}s;0\.5;;0;2\.5$"
	[[ ${lines[2]} =~ ^connect\ 127\.0\.0\.1\ port\ $port:\ connected\ in\ 0\.[0-9]{6}\ s,\ started\ at\ \+0\.[0-9]{6}\ s$ ]]
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 0.5 -t 2.5 -vv
	[ "${lines[1]}" = "settings: timeout 2.5 s for the whole run, IPv4 and IPv6, warning 0.5, critical none" ]
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port,$closed" -t 2.5 --output json
	[[ $output =~ \"time\":0\.[0-9]{6},\"connect\":0\.[0-9]{6}, ]]
	assert_output_has "'time_$port'=0."
	[[ ! $output =~ [0-9],[0-9] ]]
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --output value
	[[ $output =~ ^0\.[0-9]{6}$ ]]
}

@test "a threshold or a timeout written with a decimal comma is a usage error, whatever the locale" {
	for loc in C de_DE.UTF-8; do
		[ "$loc" = C ] || require_locale_de
		LC_ALL=$loc run -3 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 0,5
		[ "$output" = "TCP UNKNOWN - invalid -w '0,5': use seconds or a range such as 0.5, 0.5:, ~:0.5, 0.2:0.5 or @0.2:0.5 (see 'check_tcpport --help')" ]
		LC_ALL=$loc run -3 "$PLUGIN" -H 127.0.0.1 -p "$port" -c 0,5
		assert_first_line "^TCP UNKNOWN - invalid -c '0,5': "
		LC_ALL=$loc run -3 "$PLUGIN" -H 127.0.0.1 -p "$port" -t 2,5
		assert_first_line "^TCP UNKNOWN - invalid -t '2,5': "
	done
}

@test "-v explains each phase after the state line and gives a hint" {
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -v
	assert_first_line "^TCP OK - "
	[ "${lines[1]}" = "resolve: 127.0.0.1 is an address, nothing to resolve" ]
	[[ ${lines[2]} =~ ^connect\ 127\.0\.0\.1\ port\ $port:\ connected\ in\ [0-9.]+\ s,\ started\ at\ \+[0-9.]+\ s$ ]]
	[[ ${lines[3]} == "hint: the port accepts connections"* ]]
	[ "${#lines[@]}" -eq 4 ]
}

@test "-v on a refusal names the errno and says where to look" {
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$closed" -v
	[[ ${lines[2]} =~ ^connect\ 127\.0\.0\.1\ port\ $closed:\ ECONNREFUSED\ \(Connection\ refused\)\ after\ [0-9.]+\ s ]]
	[[ ${lines[3]} == "hint: nothing listens on that port"*"ss -ntlp"* ]]
}

@test "-v on a timeout and on an unknown name gives their hints" {
	dropped=$(server_start full 127.0.0.1)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$dropped" -t 0.3 -v
	[[ ${lines[2]} =~ ^connect\ 127\.0\.0\.1\ port\ $dropped:\ no\ answer\ in\ 0\.[0-9]+\ s ]]
	[[ ${lines[3]} == "hint: no answer at all"*"firewall"* ]]
	run -2 "$PLUGIN" -H 'bad_host!' -p 80 -v
	[[ ${lines[1]} =~ ^resolve:\ bad_host!:\ Name\ or\ service\ not\ known\ \(EAI_NONAME\)\ after ]]
	[[ ${lines[2]} == "hint: the name does not exist"*"getent hosts"* ]]
}

@test "-vv adds the settings and the state of every outcome" {
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -vv -w 0.5 -t 2 -r warn
	[ "${lines[1]}" = "settings: timeout 2 s for the whole run, IPv4 and IPv6, warning 0.5, critical none" ]
	[ "${lines[2]}" = "states: connected=OK refused=WARNING timeout=CRITICAL unreachable=CRITICAL name-unknown=CRITICAL resolver=CRITICAL local-error=UNKNOWN mismatch=WARNING no-data=CRITICAL reset=CRITICAL" ]
}

@test "a '|' or a non-ASCII byte in the host never reaches the output raw" {
	run -2 "$PLUGIN" -H $'bad|host\xff' -p 80
	[ "$output" = 'TCP CRITICAL - cannot resolve bad\x7chost\xff: Name or service not known' ]
}

@test "nothing is written to stderr" {
	run -0 --separate-stderr "$PLUGIN" -H 127.0.0.1 -p "$port" -vv
	[ -z "$stderr" ]
	run -2 --separate-stderr "$PLUGIN" -H 127.0.0.1 -p "$closed" -vv
	[ -z "$stderr" ]
}

@test "thousands of targets: one state line, one '|' before their perfdata, a line each" {
	run -2 "$PLUGIN" -H 127.0.0.1 -p 1-3000 -n 2 -i 0.01 -t 5
	[ "${#lines[@]}" -eq 3001 ]
	first=${lines[0]}
	[[ $first =~ ^TCP\ CRITICAL\ -\ ([0-9]+)\ of\ 3000\ ports\ failed:\ 1\ refused,\ 2\ refused,\ .*,\ and\ ([0-9]+)\ more\| ]]
	[ "${BASH_REMATCH[2]}" -eq $((BASH_REMATCH[1] - 10)) ]
	bars=${first//[^|]/}
	[ "${#bars}" -eq 1 ]
	perf=${first#*|}
	[[ $perf == "'loss_1'=100%;;;0;100 'loss_2'=100%;;;0;100 "* ]]
	[[ $perf == *" 'loss_3000'=100%;;;0;100" ]]
	[ "${lines[1]}" = "1: CRITICAL - connect to address 127.0.0.1 and port 1: Connection refused (2 of 2 probes failed)" ]
	[ "${lines[3000]}" = "3000: CRITICAL - connect to address 127.0.0.1 and port 3000: Connection refused (2 of 2 probes failed)" ]
	# no '|' anywhere after the first line
	[ "$(printf '%s\n' "$output" | tail -n +2 | grep -c '|')" -eq 0 ]
}

# failalloc: builds the shim that makes realloc() fail above REALLOC_LIMIT bytes into
# $shim, or skips where it cannot act (no compiler, a static or sanitized plugin). Called
# as it is, not in $(...): a skip in a subshell would not skip the test.
failalloc() {
	command -v "${CC:-cc}" >/dev/null || skip "no C compiler to build the realloc shim"
	ldd "$PLUGIN" 2>/dev/null | grep -q 'libc\.so' || skip "the plugin is not linked with a shared libc"
	! ldd "$PLUGIN" | grep -q 'libasan\|libubsan' || skip "the sanitizers' allocator would ignore the shim"
	shim=$BATS_TEST_TMPDIR/failalloc.so
	"${CC:-cc}" -shared -fPIC -o "$shim" "$TESTS_SRCDIR/helpers/failalloc.c" -ldl
}

@test "an answer larger than the memory left stays valid: whole, or a short JSON object" {
	failalloc
	# the whole answer (530 KiB) is larger than any block realloc() may give: it goes out
	# in order as it is built, so its buffer never needs that much and nothing is lost
	LD_PRELOAD=$shim REALLOC_LIMIT=450000 "$PLUGIN" -H 127.0.0.1 -p 1-3000 -n 2 -i 0.001 -v >"$BATS_TEST_TMPDIR/out" && status=0 || status=$?
	[ "$status" -eq 2 ]
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/out")" -gt 450000 ]
	mapfile -t lines <"$BATS_TEST_TMPDIR/out"
	[[ ${lines[0]} =~ ^TCP\ CRITICAL\ -\ [0-9]+\ of\ 3000\ ports\ failed:\ .*\|.*\ \'loss_3000\'=100%\;\;\;0\;100$ ]]
	[ "${lines[1]}" = "1: CRITICAL - connect to address 127.0.0.1 and port 1: Connection refused (2 of 2 probes failed)" ]
	[ "$(grep -c '^[0-9]*: [A-Z]* - ' "$BATS_TEST_TMPDIR/out")" -eq 3000 ]
	[ "$(grep -c '^probes [0-9]*: 2 sent' "$BATS_TEST_TMPDIR/out")" -eq 3000 ]
	[ "$(tail -c 1 "$BATS_TEST_TMPDIR/out" | od -An -c | tr -d ' ')" = '\n' ]
	[[ $(tail -n 1 "$BATS_TEST_TMPDIR/out") =~ ^hint ]]
	# nothing fits: the state line alone, and for json one short object
	run -2 env LD_PRELOAD="$shim" REALLOC_LIMIT=40000 "$PLUGIN" -H 127.0.0.1 -p 1-3000 -n 2 -i 0.001
	[ "$output" = "TCP CRITICAL - the report did not fit in memory" ]
	run -2 env LD_PRELOAD="$shim" REALLOC_LIMIT=40000 "$PLUGIN" -H 127.0.0.1 -p 1-3000 -n 2 -i 0.001 --output=json
	[ "$output" = '{"state":"CRITICAL","code":2,"message":"the report did not fit in memory","perfdata":"","targets":[],"truncated":true}' ]
	[ "$(jq -r .truncated <<<"$output")" = true ]
	# the engine too: a poll set that cannot grow past 64 sockets works in batches of 64,
	# and every port is still tried (refused), not lost
	run -2 env LD_PRELOAD="$shim" REALLOC_LIMIT=3000 "$PLUGIN" -H 127.0.0.1 -p 1-3000 --output=state
	[ "$output" = 2 ]
	run -2 env LD_PRELOAD="$shim" REALLOC_LIMIT=3000 "$PLUGIN" -H 127.0.0.1 -p 1-100 -t 5
	[[ ${lines[0]} =~ ^TCP\ CRITICAL\ -\ [0-9]+\ of\ 100\ ports\ failed:\ 1\ refused, ]]
	[ "${#lines[@]}" -eq 101 ]
	[ "${lines[100]}" = "100: CRITICAL - connect to address 127.0.0.1 and port 100: Connection refused" ]
	[[ $output != *"not tried"* && $output != *"before trying"* ]]
}
