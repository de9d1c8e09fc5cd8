#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# The command line: help, version, and every bad input answered with one UNKNOWN line
# before any network traffic.

load helpers/common

# usage_error ARGS...: the plugin must exit 3 with exactly one line, the UNKNOWN state
# word, and a pointer to --help.
usage_error() {
	run -3 --separate-stderr "$PLUGIN" "$@"
	[ "${#lines[@]}" -eq 1 ]
	assert_first_line "^TCP UNKNOWN - .+ \(see 'check_tcpport --help'\)$"
	[ -z "$stderr" ]
}

@test "--help documents every option, the outcomes and the examples" {
	run -0 "$PLUGIN" --help
	for opt in --hostname --port --use-ipv4 --use-ipv6 --warning --critical --timeout \
		--refuse --state --addresses --min-ok --count --interval --probe-timeout \
		--warning-loss --critical-loss --max-parallel --source-address --send --expect \
		--expect-regex --all --quit --escape --maxbytes --delay --mismatch --jail --service \
		--proxy-protocol --output --verbose --help --version; do
		assert_output_has "$opt"
	done
	for outcome in connected refused timeout unreachable name-unknown resolver local-error; do
		assert_output_has "$outcome"
	done
	assert_output_has "--state connected=critical,refused=ok,timeout=ok"
	assert_output_has "'time_[::1]:443'"
	assert_output_has "-vv"
	assert_output_has " -6"
}

@test "-h is --help" {
	run -0 "$PLUGIN" -h
	assert_output_has "Usage:"
}

@test "--version prints check_tcpport vX.Y.Z" {
	run -0 "$PLUGIN" --version
	[[ $output =~ ^check_tcpport\ v[0-9]+\.[0-9]+\.[0-9]+$ ]]
	run -0 "$PLUGIN" -V
	[[ $output =~ ^check_tcpport\ v[0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "no arguments at all is UNKNOWN and names the missing host" {
	usage_error
	assert_output_has "no host given"
}

@test "missing -H is UNKNOWN" {
	usage_error -p 80
	assert_output_has "no host given: use -H HOST, or check_tcpport HOST PORT"
}

@test "missing -p is UNKNOWN" {
	usage_error -H 127.0.0.1
	assert_output_has "no port given: use -p PORT, or give it after the host: check_tcpport HOST PORT"
}

@test "port 0 is UNKNOWN" {
	usage_error -H 127.0.0.1 -p 0
	assert_output_has "invalid port '0'"
}

@test "port above 65535 is UNKNOWN" {
	usage_error -H 127.0.0.1 -p 65536
	assert_output_has "invalid port '65536'"
	usage_error -H 127.0.0.1 -p 99999999999999999999
}

@test "negative, empty and partly numeric ports are UNKNOWN" {
	usage_error -H 127.0.0.1 -p -1
	usage_error -H 127.0.0.1 -p ''
	usage_error -H 127.0.0.1 -p 80x
	assert_output_has "invalid port '80x'"
}

@test "bad port lists are UNKNOWN: reversed ranges, zero, empty items" {
	usage_error -H 127.0.0.1 -p 80-20
	assert_output_has "invalid port '80-20'"
	usage_error -H 127.0.0.1 -p 0-10
	usage_error -H 127.0.0.1 -p 1-65536
	usage_error -H 127.0.0.1 -p ,
	assert_output_has "invalid port list ','"
	usage_error -H 127.0.0.1 -p 22,
	usage_error -H 127.0.0.1 -p ,22
	usage_error -H 127.0.0.1 -p 22,,80
	usage_error -H 127.0.0.1 -p 80--1
	usage_error -H 127.0.0.1 -p 22 -p 0
	assert_output_has "invalid port '0'"
}

@test "too many hosts is UNKNOWN" {
	args=()
	for i in $(seq 1 65); do args+=(-H "127.0.0.$i"); done
	usage_error "${args[@]}" -p 80
	assert_output_has "too many -H: at most 64 hosts"
}

@test "junk in the options of many ports and repeated probes is UNKNOWN" {
	usage_error -H 127.0.0.1 -p 80 --addresses=some
	assert_output_has "invalid --addresses 'some': use first or all"
	for bad in -1 x 1.5 10001; do
		usage_error -H 127.0.0.1 -p 80 -n "$bad"
		assert_output_has "invalid -n"
	done
	for bad in 0 x -1; do
		usage_error -H 127.0.0.1 -p 80 -n 2 -i "$bad"
		assert_output_has "invalid -i"
		usage_error -H 127.0.0.1 -p 80 --probe-timeout "$bad"
		assert_output_has "invalid --probe-timeout"
		usage_error -H 127.0.0.1 -p 80 --max-parallel "$bad"
		assert_output_has "invalid --max-parallel"
	done
	for bad in 0 x 101% 0% -5 %; do
		usage_error -H 127.0.0.1 -p 80 --min-ok "$bad"
		assert_output_has "invalid --min-ok"
	done
	for bad in x 10x 5:2; do
		usage_error -H 127.0.0.1 -p 80 -n 2 --warning-loss "$bad"
		assert_output_has "invalid --warning-loss"
		usage_error -H 127.0.0.1 -p 80 -n 2 --critical-loss "$bad"
		assert_output_has "invalid --critical-loss"
	done
}

@test "probes that cannot fit in -t are UNKNOWN" {
	usage_error -H 127.0.0.1 -p 80 -n 5 -i 1 -t 2
	assert_output_has "5 probes 1 s apart, each waiting up to 0.4 s, do not fit in -t 2 s"
	usage_error -H 127.0.0.1 -p 80 --probe-timeout 3 -t 2
	assert_output_has "--probe-timeout is longer than -t"
}

@test "a bad -b is UNKNOWN, and -b must agree with -4/-6 and the host" {
	usage_error -H 127.0.0.1 -p 80 -b not-an-address
	assert_output_has "invalid -b 'not-an-address'"
	usage_error -H 127.0.0.1 -p 80 -b 127.0.0.1 -b 127.0.0.2
	assert_output_has "-b given twice"
	usage_error -H 127.0.0.1 -p 80 -b 127.0.0.1 -6
	assert_output_has "-b an IPv4 address given with -6"
	usage_error -H ::1 -p 80 -b 127.0.0.1
	assert_output_has "-b with an IPv4 address given, but ::1 is an IPv6 address"
}

@test "an unknown service name is UNKNOWN" {
	usage_error -H 127.0.0.1 -p no-such-service
	assert_output_has "invalid port 'no-such-service': use 1-65535, a range LOW-HIGH, or a tcp service name"
}

@test "a service name from /etc/services gives its port" {
	[ -r /etc/services ] || { [ "${CI:-}" != true ] || false; skip "no /etc/services (netbase)"; }
	run -2 "$PLUGIN" -H 127.0.0.1 -p tcpmux -t 2
	assert_first_line "port 1: Connection refused$"
}

@test "junk in -w is UNKNOWN" {
	for bad in foo 10x 5:2 @ : nan inf 0x10 ' 1' '1 ' 1e999 '~' '@~'; do
		usage_error -H 127.0.0.1 -p 80 -w "$bad"
		assert_output_has "invalid -w"
	done
}

@test "junk in -c is UNKNOWN" {
	for bad in bar 1..2 '2:1' '--1' '1:2:3'; do
		usage_error -H 127.0.0.1 -p 80 -c "$bad"
		assert_output_has "invalid -c"
	done
}

@test "junk, zero and negative -t are UNKNOWN" {
	for bad in 0 -1 abc 10x '' 0.0 1e999 :critical 0.0001; do
		usage_error -H 127.0.0.1 -p 80 -t "$bad"
		assert_output_has "invalid -t"
	done
}

@test "an unknown state after -t is UNKNOWN" {
	usage_error -H 127.0.0.1 -p 80 -t 5:bogus
	assert_output_has "invalid state in -t '5:bogus'"
	usage_error -H 127.0.0.1 -p 80 -t 5:
}

@test "an unknown -r state is UNKNOWN" {
	usage_error -H 127.0.0.1 -p 80 -r bogus
	assert_output_has "invalid -r 'bogus'"
}

@test "--state with an unknown outcome or state is UNKNOWN" {
	usage_error -H 127.0.0.1 -p 80 --state bogus=ok
	assert_output_has "invalid --state 'bogus=ok'"
	usage_error -H 127.0.0.1 -p 80 --state refused=bogus
	assert_output_has "invalid state 'bogus' in --state"
	usage_error -H 127.0.0.1 -p 80 --state refused
	usage_error -H 127.0.0.1 -p 80 --state refused=
	usage_error -H 127.0.0.1 -p 80 --state refused=ok,
	usage_error -H 127.0.0.1 -p 80 --state ''
}

@test "-4 with -6 is UNKNOWN" {
	usage_error -H localhost -p 80 -4 -6
	assert_output_has "-4 and -6 exclude each other"
}

@test "-4 with an IPv6 address, -6 with an IPv4 address are UNKNOWN" {
	usage_error -H ::1 -p 80 -4
	assert_output_has "-4 given, but ::1 is an IPv6 address"
	usage_error -H 127.0.0.1 -p 80 -6
	assert_output_has "-6 given, but 127.0.0.1 is an IPv4 address"
}

@test "an unknown option is UNKNOWN" {
	usage_error -H 127.0.0.1 -p 80 -x
	assert_output_has "unknown option '-x'"
	usage_error -H 127.0.0.1 -p 80 --bogus
	assert_output_has "unknown option '--bogus'"
}

@test "an option without its value is UNKNOWN" {
	usage_error -H 127.0.0.1 -p
	assert_output_has "option '-p' needs a value"
	usage_error -H 127.0.0.1 -p 80 --timeout
	assert_output_has "option '--timeout' needs a value"
}

@test "an extra argument is UNKNOWN, named with the reason it has no place" {
	usage_error -H 127.0.0.1 -p 80 extra
	[ "${lines[0]}" = "TCP UNKNOWN - unexpected argument 'extra': the host and the port are given with -H and -p already (see 'check_tcpport --help')" ]
	usage_error -H 127.0.0.1 extra
	[ "${lines[0]}" = "TCP UNKNOWN - unexpected argument 'extra': the host is given with -H already (see 'check_tcpport --help')" ]
	# a port where the host goes would be the address 0.0.0.80
	usage_error 80 127.0.0.1
	[ "${lines[0]}" = "TCP UNKNOWN - unexpected argument '80': the host comes first, then the port: check_tcpport HOST PORT (see 'check_tcpport --help')" ]
	# an empty -H value took the next option: that is said, not the word after it
	usage_error -H -p 80
	[ "${lines[0]}" = "TCP UNKNOWN - no host after -H: '-p' is an option (see 'check_tcpport --help')" ]
	usage_error 127.0.0.1 -p 80 extra
	[ "${lines[0]}" = "TCP UNKNOWN - unexpected argument 'extra': the port is given with -p already (see 'check_tcpport --help')" ]
	usage_error 127.0.0.1 80 443
	[ "${lines[0]}" = "TCP UNKNOWN - unexpected argument '443': after the options come at most a host and a port (see 'check_tcpport --help')" ]
	usage_error 127.0.0.1 notaport
	assert_output_has "invalid port 'notaport'"
	# an empty word (an unset macro in quotes) says nothing
	run -2 "$PLUGIN" 127.0.0.1 1 ''
	[ "${lines[0]}" = "TCP CRITICAL - connect to address 127.0.0.1 and port 1: Connection refused" ]
}

@test "check_tcp's -to, -wt and -ct are options only where an option stands, never an option's value" {
	port=$(server_start banner 127.0.0.1 -T 'status: x-c failing\r\n')
	# -e -ct expects the text "-ct", which the reply lacks: a mismatch, not -e -c
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e -ct
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -e x-c
	# as options they take the next word
	run -2 "$PLUGIN" -H 127.0.0.1 -p 1 -to 3 -wt 1 -ct 2
	[ "${lines[0]}" = "TCP CRITICAL - connect to address 127.0.0.1 and port 1: Connection refused" ]
	usage_error -H 127.0.0.1 -p 1 -to
	[ "${lines[0]}" = "TCP UNKNOWN - option '-to' needs a value (see 'check_tcpport --help')" ]
	servers_stop
}

@test "HOST PORT, as telnet and nc take them, is -H HOST -p PORT, options anywhere" {
	port=$(server_start accept 127.0.0.1)
	run -0 "$PLUGIN" 127.0.0.1 "$port"
	assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $port\|time=[0-9.]+s;;;0;10$"
	run -1 "$PLUGIN" -w 0 127.0.0.1 "$port" -c 5
	assert_first_line "^TCP WARNING - [0-9.]+ second response time on 127\.0\.0\.1 port $port\|time=[0-9.]+s;0;5;0;10$"
	# the closed port is named as with -p
	run -2 "$PLUGIN" 127.0.0.1 1
	[ "${lines[0]}" = "TCP CRITICAL - connect to address 127.0.0.1 and port 1: Connection refused" ]
	# a port list and a service name, as -p takes them
	run -2 "$PLUGIN" 127.0.0.1 "$port,1" --output json
	[ "$(jq '.targets | length' <<<"$output")" -eq 2 ]
	servers_stop
}

@test "an empty host or a blank in the host is UNKNOWN" {
	usage_error -H '' -p 80
	usage_error -H 'a b' -p 80
	usage_error -H $'a\nb' -p 80
	assert_output_has 'a\nb'
}

@test "a host name longer than 255 bytes is UNKNOWN" {
	usage_error -H "$(printf 'a%.0s' {1..300})" -p 80
	assert_output_has "host name too long"
}

@test "a usage error never opens a socket nor looks up a name" {
	command -v strace >/dev/null || { [ "${CI:-}" != true ] || false; skip "strace not installed"; }
	# LeakSanitizer cannot run under ptrace; the other tests cover leaks.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	for args in "-H localhost -p 80 -w junk" "-H localhost -p 0" "-H localhost -p 80 -t 0" \
		"-H localhost -p 80 -4 -6" "-H localhost -p 80 -x" "-H localhost -p 80 extra"; do
		# shellcheck disable=SC2086
		run -3 strace -f -qq -e trace=socket,connect -o "$BATS_TEST_TMPDIR/trace" "$PLUGIN" $args
		run -0 cat "$BATS_TEST_TMPDIR/trace"
		[ -z "$output" ]
	done
}

@test "a Unix socket path too long for sun_path is a usage error, never '0 of 0 OK'" {
	path=/tmp/$(printf 'a%.0s' {1..103})
	usage_error -H "$path"
	[ "${lines[0]}" = "TCP UNKNOWN - Unix socket path too long (108 bytes, at most 107): '$path' (see 'check_tcpport --help')" ]
	# 107 bytes still fit: nothing listens there
	run -2 "$PLUGIN" -H "${path%a}"
	assert_first_line "^TCP CRITICAL - connect to socket ${path%a}: No such file or directory$"
}

@test "a long option given a value it does not take names the option typed" {
	usage_error --all=1 -H 127.0.0.1 -p 1
	assert_output_has "option '--all' takes no value"
	usage_error --escape=yes -H 127.0.0.1 -p 1
	assert_output_has "option '--escape' takes no value"
}

@test "the TLS refusal names the option, not its value" {
	usage_error -D 30 -H 127.0.0.1 -p 443
	assert_output_has "TLS is not supported: this plugin uses libc only (-D/--certificate)"
	usage_error --ssl -H 127.0.0.1 -p 443
	assert_output_has "(-S/--ssl)"
	usage_error --sni=example.com -H 127.0.0.1 -p 443
	assert_output_has "(--sni)"
}

@test "too many targets is a usage error with its numbers, before any lookup, in the format asked for" {
	local args=()
	# LeakSanitizer cannot run under ptrace; the other tests cover leaks.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	for i in $(seq 1 16); do args+=(-H "name$i.invalid"); done
	run -3 --separate-stderr strace -f -o "$BATS_TEST_TMPDIR/trace" -e trace=network \
		"$PLUGIN" "${args[@]}" -p 1-65535
	[ "${lines[0]}" = "TCP UNKNOWN - too many targets: 16 hosts x 65535 ports = 1048560, at most 1000000: split the check (see 'check_tcpport --help')" ]
	! grep -q -E 'socket\(|connect\(' "$BATS_TEST_TMPDIR/trace"
	run -3 "$PLUGIN" "${args[@]}" -p 1-65535 --output=json
	[ "$(jq -r .state <<<"$output")" = UNKNOWN ]
	[ "$(jq -r .code <<<"$output")" = 3 ]
	[[ $(jq -r .message <<<"$output") == "too many targets: 16 hosts x 65535 ports"* ]]
	[ "$(jq '.targets | length' <<<"$output")" -eq 0 ]
}

@test "every usage error honours --output, wherever --output stands" {
	run -3 "$PLUGIN" --output=json -H 127.0.0.1 -p 80 -w abc
	[ "$(jq -r .state <<<"$output")" = UNKNOWN ]
	[[ $(jq -r .message <<<"$output") == "invalid -w 'abc'"* ]]
	run -3 "$PLUGIN" -w abc -H 127.0.0.1 -p 80 --output json
	[ "$(jq -r .code <<<"$output")" = 3 ]
	run -3 "$PLUGIN" --bogus --output=lld -H h -p 1
	[ "$(jq -r .state <<<"$output")" = UNKNOWN ]
	run -3 "$PLUGIN" --output=state -H 127.0.0.1 -p 0
	[ "$output" = 3 ]
	# value: the state line, not a number Zabbix would store as a response time
	run -3 "$PLUGIN" --output=value -H 127.0.0.1 -p 0
	assert_first_line "^TCP UNKNOWN - invalid port"
}

@test "a usage error reads --output as a run would: abbreviated, and never an option's value" {
	# --out is --output to getopt: the usage error must not fall back to the state line
	run -3 "$PLUGIN" -H 127.0.0.1 -p 0 --out json
	[ "$(jq -r .code <<<"$output")" = 3 ]
	[[ $(jq -r .message <<<"$output") == "invalid port '0'"* ]]
	run -3 "$PLUGIN" -p 0 --output json --out state
	[ "$output" = 3 ]
	# "--output" as the value of -s or -e is data, as it is when the line parses
	run -3 "$PLUGIN" -H 127.0.0.1 -p 22 -s --output --output json -w x
	[[ $(jq -r .message <<<"$output") == "invalid -w 'x'"* ]]
	run -3 "$PLUGIN" -p 0 -e --output --output state
	[ "$output" = 3 ]
	run -3 "$PLUGIN" --output json -s --output=nagios -w x
	[ "$(jq -r .state <<<"$output")" = UNKNOWN ]
	# after "--" nothing is an option
	run -3 "$PLUGIN" --output json -w x -- --output=state
	[ "$(jq -r .code <<<"$output")" = 3 ]
}

@test "--min-ok with a long percentage is read, not an uninitialised buffer" {
	run -2 "$PLUGIN" -H 127.0.0.1 -p 1 --min-ok=0000000000000000050%
	assert_first_line "^TCP CRITICAL - connect to address 127\.0\.0\.1 and port 1: Connection refused"
	usage_error -H 127.0.0.1 -p 1 --min-ok=00000000000000000000000000000000050%
	[ "${lines[0]}" = "TCP UNKNOWN - invalid --min-ok '00000000000000000000000000000000050%': use a number of targets (1 or more) or a percentage (1%-100%) (see 'check_tcpport --help')" ]
}

@test "the same host given twice is checked once: one target, one perfdata label" {
	port=$(server_start accept 127.0.0.1)
	run -0 "$PLUGIN" -H 127.0.0.1 -H 127.0.0.1 -H '[127.0.0.1]' -p "$port"
	assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $port\|time=[0-9.]+s;;;0;10$"
	[ "${#lines[@]}" -eq 1 ]
	run -0 "$PLUGIN" -H 127.0.0.1 -H localhost -H 127.0.0.1 -p "$port" -4
	assert_first_line "^TCP OK - 2 of 2 hosts OK"
	[ "$(grep -o "'time_127\.0\.0\.1:$port'" <<<"${lines[0]}" | wc -l)" -eq 1 ]
	servers_stop
}

@test "HOST:PORT and [ADDRESS]:PORT give a host its own port: each host is checked on its port alone" {
	a=$(server_start accept 127.0.0.1)
	b=$(server_start accept 127.0.0.1)
	run -0 "$PLUGIN" -H "127.0.0.1:$a"
	assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $a\|time=[0-9.]+s;;;0;10$"
	run -0 "$PLUGIN" "127.0.0.1:$a" -w 5
	assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $a\|time=[0-9.]+s;5;;0;10$"
	# two hosts, two ports: two targets, not four
	run -2 "$PLUGIN" -H "127.0.0.1:$a" -H "127.0.0.2:$b" --output json
	[ "$(jq -c '[.targets[] | [.host, .port]]' <<<"$output")" = "[[\"127.0.0.1\",$a],[\"127.0.0.2\",$b]]" ]
	# a host without its own port takes -p's
	run -0 "$PLUGIN" -H "127.0.0.1:$a" -H localhost -p "$b" -4 --output lld
	[ "$output" = "[{\"{#HOST}\":\"127.0.0.1\",\"{#PORT}\":\"$a\"},{\"{#HOST}\":\"localhost\",\"{#PORT}\":\"$b\"}]" ]
	# a preset's port is for the hosts that have none
	run -0 "$PLUGIN" --service=smtp -H "127.0.0.1:$a" --output lld
	[ "$output" = "[{\"{#HOST}\":\"127.0.0.1\",\"{#PORT}\":\"$a\"}]" ]
	if v6=$(server_start accept ::1 2>/dev/null); then
		run -0 "$PLUGIN" "[::1]:$v6"
		assert_first_line "^TCP OK - [0-9.]+ second response time on ::1 port $v6\|"
	fi
	servers_stop
}

@test "a port that cannot be read one way only, or is given twice, is UNKNOWN with the form that works" {
	usage_error -H ::1:80
	[ "${lines[0]}" = "TCP UNKNOWN - '::1:80' can be read two ways: write [::1]:80 for port 80 of ::1, or [::1:80] for the address (see 'check_tcpport --help')" ]
	usage_error -H 127.0.0.1:80 -p 443
	assert_output_has "port given twice: '127.0.0.1:80' and -p: give it one way"
	usage_error 127.0.0.1:80 443
	assert_output_has "unexpected argument '443': the port is given after the host already (127.0.0.1:80)"
	usage_error -H 127.0.0.1:80 -H 127.0.0.1:443
	assert_output_has "host '127.0.0.1' given twice, its port written two ways: list it once, as -H 127.0.0.1 -p PORT,PORT"
	usage_error -H 127.0.0.1:80 -H 127.0.0.1 -p 80
	assert_output_has "host '127.0.0.1' given twice, its port written two ways"
	# an IPv6 address takes its port in brackets, also when it reads one way only
	usage_error -H ::1:18082
	assert_output_has "invalid host '::1:18082': an IPv6 address takes its port as [::1]:18082"
	usage_error -H '[::1]:80' -H ::2
	assert_output_has "no port for host '::2': give it as [::2]:PORT, or use -p"
	usage_error '[::1]:80' 443
	assert_output_has "the port is given after the host already ([::1]:80)"
	# the kernel would read the zone "lo:80" as "lo", and port 80 would be lost
	usage_error -H 'fe80::1%lo:80' -p 1
	assert_output_has "invalid host 'fe80::1%lo:80': a zone holds no ':' (an IPv6 address with a zone takes its port as [ADDRESS%ZONE]:PORT)"
	usage_error -H '[fe80::1%lo:80]:1'
	assert_output_has "a zone holds no ':'"
	# a Unix socket takes no port, written either way
	usage_error -H '[/run/x.sock]:80'
	assert_output_has "invalid host '[/run/x.sock]:80': a Unix socket takes no port"
	usage_error /run/x.sock 80
	assert_output_has "unexpected argument '80': a Unix socket takes no port"
	usage_error -H '[::1]:80' -p 1
	assert_output_has "port given twice: '[::1]:80' and -p: give it one way"
	# an unset macro where the host goes
	usage_error '' 80
	[ "${lines[0]}" = "TCP UNKNOWN - empty host name where the host goes: check_tcpport HOST PORT (see 'check_tcpport --help')" ]
	usage_error -H 127.0.0.1:80 -H 127.0.0.2
	assert_output_has "no port for host '127.0.0.2': give it as 127.0.0.2:PORT, or use -p"
	usage_error -H 127.0.0.1:80,443
	assert_output_has "invalid port '80,443' in '127.0.0.1:80,443': one port, 1-65535 or a tcp service name"
	usage_error -H '[::1' -p 80
	assert_output_has "invalid host '[::1': use [ADDRESS] or [ADDRESS]:PORT"
	usage_error -H :80
	assert_output_has "invalid host ':80': no host before the port"
	# usage errors touch no network: nothing was resolved or connected (one line each)
	[ "${#lines[@]}" -eq 1 ]
	# an IPv6 address alone keeps working, with or without brackets
	run -2 "$PLUGIN" -H ::1 -p 1
	[ "${lines[0]}" = "TCP CRITICAL - connect to address ::1 and port 1: Connection refused" ]
	run -2 "$PLUGIN" -H '[::1]' -p 1
	[ "${lines[0]}" = "TCP CRITICAL - connect to address ::1 and port 1: Connection refused" ]
	# and its label puts it in brackets, as its port follows
	run -2 "$PLUGIN" -H ::1 -H 127.0.0.1 -p 1
	[ "${lines[0]}" = "TCP CRITICAL - 2 of 2 hosts failed: [::1]:1 refused, 127.0.0.1:1 refused" ]
}
