#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# What the plugin says against what happened: every outcome compared with the kernel's
# own account (nft counters of the SYN/ACKs and resets the lab's loopback carried, strace
# of the plugin's own calls). "connected" means a handshake completed, "refused" a SYN
# answered by a reset, "reset" a handshake then a reset, "N addresses tried" N connects.
# Each test here also pins a bug that once made the plugin say something else.

load helpers/common
load helpers/lab_hooks

setup() {
	lab_require_root
	lab_reset
	command -v strace >/dev/null || { [ "${CI:-}" != true ] || false; skip "strace is not installed"; }
	# LeakSanitizer cannot run under ptrace; the other tests cover leaks.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
}

teardown() {
	servers_stop
	# the ephemeral port range is the lab's own: give back the default
	if [[ -n ${LAB_PID:-} ]]; then
		lab_exec sysctl -qw net.ipv4.ip_local_port_range="32768 60999" || true
	fi
}

# count_packets PORT: adds nft counters, in the lab's output hook, of the SYN/ACKs and
# the resets sent from PORT (every packet on loopback passes there once).
count_packets() {
	lab_nft "add rule inet lab output tcp sport $1 tcp flags & (syn | ack) == syn | ack counter" \
		"add rule inet lab output tcp sport $1 tcp flags & rst == rst counter"
}

# packets KIND: the count of the counter of KIND (synack or rst) added by count_packets.
packets() {
	local n=1
	[ "$1" = synack ] || n=2
	lab_exec nft list chain inet lab output | grep -o 'counter packets [0-9]*' |
		sed -n "${n}s/counter packets //p"
}

# traced ARGS...: runs the plugin in the lab under strace (network calls only, threads
# followed), into output and status as `run` does; the trace goes to $trace.
traced() {
	trace=$BATS_TEST_TMPDIR/trace
	run --separate-stderr lab_exec strace -f -o "$trace" -e trace=network "$PLUGIN" "$@"
}

# connects PORT: how many TCP connect() calls to PORT the trace holds (the resolver's
# own, to port 53 or nscd's socket, are not counted unless asked for).
connects() {
	grep -c -E "connect\(.*sin6?_port=htons\($1\)" "$trace" || true
}

@test "connected: the kernel sent one SYN/ACK for the one connect, and no reset" {
	port=$(lab_server accept 127.0.0.1 web)
	count_packets "$port"
	traced -H 127.0.0.1 -p "$port"
	[ "$status" -eq 0 ]
	assert_first_line "^TCP OK - [0-9]\.[0-9]{6} second response time on 127\.0\.0\.1 port $port\|time=[0-9.]+s;;;0;10$"
	[ "$(connects "$port")" -eq 1 ]
	[ "$(packets synack)" -eq 1 ]
}

@test "refused: the SYN was answered by a reset, and no SYN/ACK" {
	port=$(lab_server bound 127.0.0.1 closed)
	count_packets "$port"
	traced -H 127.0.0.1 -p "$port"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "TCP CRITICAL - connect to address 127.0.0.1 and port $port: Connection refused" ]
	[ "$(connects "$port")" -eq 1 ]
	[ "$(packets rst)" -eq 1 ]
	[ "$(packets synack)" -eq 0 ]
}

@test "a listener that accepts and resets at once: connected (the handshake completed), never refused; a conversation meets the reset" {
	port=$(lab_server accept-reset 127.0.0.1 proxy)
	count_packets "$port"
	# strace holds each poll back 100 ms, so the reset is there before the plugin
	# looks: getsockopt(SO_ERROR) then says ECONNRESET, every time
	trace=$BATS_TEST_TMPDIR/trace
	run --separate-stderr lab_exec strace -f -o "$trace" -e trace=network,ppoll \
		-e inject=ppoll:delay_enter=100000 "$PLUGIN" -H 127.0.0.1 -p "$port" -v
	[ "$status" -eq 0 ]
	assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $port\|time="
	[[ ${lines[2]} =~ ^connect\ 127\.0\.0\.1\ port\ $port:\ connected\ in\ [0-9.]+\ s,\ then\ reset\ at\ once\ by\ the\ server\ \(ECONNRESET\), ]]
	grep -q 'SO_ERROR, \[ECONNRESET\]' "$trace"
	[ "$(packets synack)" -eq 1 ]
	[ "$(packets rst)" -ge 1 ]

	# the same whether or not the reset came first: no flapping
	for _ in 1 2 3 4 5; do
		run -0 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port"
	done
	# the port must stay closed: it is open
	run lab_exec strace -f -o /dev/null -e inject=ppoll:delay_enter=100000 "$PLUGIN" \
		-H 127.0.0.1 -p "$port" --state connected=critical,refused=ok,timeout=ok
	[ "$status" -eq 2 ]
	assert_first_line "^TCP CRITICAL - [0-9.]+ second response time on 127\.0\.0\.1 port $port"
	# a reply was expected: the reset is what the service said
	for _ in 1 2 3; do
		run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -e 220 -t 2
		[ "${lines[0]}" = "TCP CRITICAL - Connection reset by peer at once after connecting to 127.0.0.1 port $port" ]
	done
}

@test "a socket that connected to itself is refused: nothing listens, and -v says why" {
	# with a one-port ephemeral range, a connect to that very port leaves from it: the
	# kernel's simultaneous open "completes" with no listener at all
	lab_exec sysctl -qw net.ipv4.ip_local_port_range="41000 41000"
	traced -H 127.0.0.1 -p 41000 -v
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "TCP CRITICAL - connect to address 127.0.0.1 and port 41000: Connection refused" ]
	[[ ${lines[2]} =~ ^connect\ 127\.0\.0\.1\ port\ 41000:\ connected\ to\ itself\ in\ [0-9.]+\ s\ \(the\ kernel\ chose\ the\ destination\ port\ as\ the\ source\ port\):\ nothing\ listens\ there ]]
	# what the kernel did: one connect, that "succeeded" from port 41000 to port 41000
	[ "$(connects 41000)" -eq 1 ]
	grep -q 'getsockname(.*sin_port=htons(41000)' "$trace"
}

@test "a range over the ephemeral ports with nothing listening is never OK" {
	lab_exec sysctl -qw net.ipv4.ip_local_port_range="41000 41003"
	for _ in 1 2 3; do
		run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p 41000-41003 -t 2
		[ "${lines[0]}" = "TCP CRITICAL - 4 of 4 ports failed: 41000 refused, 41001 refused, 41002 refused, 41003 refused" ]
	done
}

@test "a Unix listener with a full queue is a stuck service: CRITICAL timeout, connect retried" {
	sock=$BATS_TEST_TMPDIR/full.sock
	lab_server full 127.0.0.1 unixfull -u "$sock" >/dev/null
	traced -H "$sock" -t 1 -v
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "TCP CRITICAL - Socket timeout after 1 seconds while connecting to socket $sock" ]
	[[ ${lines[2]} =~ ^connect\ $sock:\ no\ room\ in\ [0-9.]+\ s:\ the\ listener\'s\ queue\ stayed\ full\ \(connect\(\)\ said\ EAGAIN\ ([0-9]+)\ times\) ]]
	said=${BASH_REMATCH[1]}
	# the count is the kernel's: one EAGAIN per connect to the socket
	[ "$(grep -c "connect(.*$sock.*EAGAIN" "$trace")" -eq "$said" ]
	((said > 5))
}

@test "a name with three silent addresses: the count of addresses tried is the count of connects" {
	lab_hosts '127.0.0.2 multi.test' '127.0.0.3 multi.test' '127.0.0.4 multi.test'
	for a in 2 3 4; do lab_drop 9 "127.0.0.$a"; done
	traced -H multi.test -p 9 -t 1
	[ "$status" -eq 2 ]
	[[ ${lines[0]} =~ ^TCP\ CRITICAL\ -\ Socket\ timeout\ after\ 1\ seconds\ while\ connecting\ to\ multi\.test\ \(127\.0\.0\.[234]\)\ port\ 9\ \(3\ addresses\ tried\)\|dns= ]]
	[ "$(connects 9)" -eq 3 ]

	# 0.4 s leaves room for two: the next starts 250 ms after the one before
	traced -H multi.test -p 9 -t 0.4
	[ "$status" -eq 2 ]
	[[ ${lines[0]} =~ \(2\ of\ 3\ addresses\ tried,\ the\ deadline\ came\ first\)\|dns= ]]
	[ "$(connects 9)" -eq 2 ]
}

@test "a resolver out of descriptors is a local error (UNKNOWN), never 'name not known'" {
	# a long hosts file keeps each lookup busy long enough that the 30 lookup threads
	# overlap; with 6 descriptors some cannot open /etc/hosts (EMFILE)
	local hosts=() args=()
	for i in $(seq 1 20000); do hosts+=("10.1.$((i / 256)).$((i % 256)) filler$i"); done
	for i in $(seq 1 30); do hosts+=("127.0.0.$i n$i") args+=(-H "n$i"); done
	lab_hosts "${hosts[@]}"
	lab_nsswitch 'hosts: files'
	run lab_exec bash -c 'ulimit -n 6 && exec "$@"' - "$PLUGIN" "${args[@]}" -p 1 -t 5
	[ "$status" -eq 2 ] || [ "$status" -eq 3 ]
	assert_output_lacks "name not known"
	assert_output_lacks "Name or service not known"
	# each target is either refused (resolved) or UNKNOWN for this machine's limit
	[ "$(grep -c -E '^n[0-9]+:1: (CRITICAL - connect to address n[0-9]+ \(127\.0\.0\.[0-9]+\) and port 1: Connection refused|UNKNOWN - cannot resolve n[0-9]+: Too many open files)$' <<<"$output")" -eq 30 ]
	assert_output_has "UNKNOWN - cannot resolve"
}

@test "-d after a reset: the conversation ends at once, without spinning" {
	port=$(lab_server reset 127.0.0.1 resetter -T 'hello\r\n')
	trace=$BATS_TEST_TMPDIR/trace
	start=$(now_ms)
	run --separate-stderr lab_exec strace -f -o "$trace" -e trace=ppoll "$PLUGIN" \
		-H 127.0.0.1 -p "$port" -s 'x' -e 'nomatch' -d 2 -t 5
	took=$(($(now_ms) - start))
	[ "$status" -eq 1 ] || [ "$status" -eq 2 ]
	[[ ${lines[0]} =~ ^TCP\ (WARNING|CRITICAL)\ -\ (Unexpected\ response|Connection\ reset\ by\ peer\ after\ 7\ bytes) ]]
	# the reset came 50 ms after the banner: nothing is left to wait 2 s for
	((took < 1500))
	# a handful of polls, not tens of thousands
	(($(grep -c 'ppoll(' "$trace") < 20))
}

@test "a name whose resolver hangs: each figure and reason is what happened" {
	lab_hosts '127.0.0.1 fast.test'
	lab_dns_hang
	traced -H fast.test -H slow.test -p 9 -t 1
	[ "$status" -eq 2 ]
	# each name goes on as soon as it resolved: fast.test is tried (and refused) at once,
	# while the hanging one ends at the deadline as a resolver timeout
	[[ ${lines[0]} =~ ^TCP\ CRITICAL\ -\ 2\ of\ 2\ hosts\ failed:\ fast\.test:9\ refused,\ slow\.test:9\ resolver\ timed\ out\|\'dns_fast\.test\'=0\.[0-9]{6}s\;\;\;0\;1$ ]]
	[ "${lines[1]}" = "fast.test:9: CRITICAL - connect to address fast.test (127.0.0.1) and port 9: Connection refused" ]
	[ "${lines[2]}" = "slow.test:9: CRITICAL - Timeout after 1 seconds while resolving slow.test: the resolver did not answer" ]
	[ "$(connects 9)" -eq 1 ]
	# the connect came long before the deadline: it did not wait for the other name (the
	# kernel's clock: the first and the connect call's timestamps in the trace)
	run --separate-stderr lab_exec strace -f -ttt -o "$trace" -e trace=execve,connect \
		"$PLUGIN" -H fast.test -H slow.test -p 9 -t 1
	[ "$status" -eq 2 ]
	start=$(awk 'NR == 1 { print $2 }' "$trace")
	first=$(awk '/connect\(.*htons\(9\)/ { print $2; exit }' "$trace")
	[ -n "$first" ]
	awk -v s="$start" -v f="$first" 'BEGIN { exit !(f - s < 0.3) }'
	# the resolver really asked the (silent) nameserver
	[ "$(connects 53)" -ge 1 ]
}

@test "a name with 40 addresses: the default tries 32 and says so, --addresses=all tries all 40" {
	local hosts=()
	for i in $(seq 1 40); do hosts+=("127.0.1.$i many.test"); done
	lab_hosts "${hosts[@]}"
	traced -H many.test -p 9 -t 1 -v
	[ "$status" -eq 2 ]
	[[ ${lines[0]} == "TCP CRITICAL - connect to address many.test (127.0.1.1) and port 9: Connection refused (32 addresses tried, 8 more not: at most 32 per name)|dns="* ]]
	assert_output_has "resolve: 8 more addresses not tried: at most 32 per name"
	[ "$(connects 9)" -eq 32 ]
	traced -H many.test -p 9 -t 1 --addresses=all -v
	[ "$status" -eq 2 ]
	[[ ${lines[0]} =~ ^TCP\ CRITICAL\ -\ 40\ of\ 40\ addresses\ failed: ]]
	[ "$(connects 9)" -eq 40 ]
}

@test "a port never tried is never OK: not when the deadline comes first, nor behind --max-parallel" {
	local closed=(--state connected=critical,refused=ok,timeout=ok)
	lab_nft 'add rule inet lab input ip daddr 127.0.0.1 tcp dport 9000-9009 drop'
	port=$(lab_server accept 127.0.0.1 open -p 9500)
	run -3 lab_exec "$PLUGIN" -H 127.0.0.1 -p 9000-9010,9500 --max-parallel 10 -t 1 "${closed[@]}"
	[ "${lines[0]}" = "TCP UNKNOWN - 2 of 12 ports failed: 9010 not tried, 9500 not tried" ]
	[ "${lines[1]}" = "9000: OK - Socket timeout after 1 seconds while connecting to 127.0.0.1 port 9000" ]
	run -3 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -t 0.001 "${closed[@]}"
	[ "${lines[0]}" = "TCP UNKNOWN - Socket timeout after 0.001 seconds before trying 127.0.0.1 port $port" ]
	# a name whose second address the deadline kept from being tried
	lab_hosts '::1 dual.test' '127.0.0.1 dual.test'
	lab_drop 9500 ::1
	run -3 lab_exec "$PLUGIN" -H dual.test -p 9500 -t 0.2 "${closed[@]}"
	[[ ${lines[0]} =~ ^TCP\ UNKNOWN\ -\ Socket\ timeout\ after\ 0\.2\ seconds\ while\ connecting\ to\ dual\.test\ \(::1\)\ port\ 9500\ \(1\ of\ 2\ addresses\ tried,\ the\ deadline\ came\ first\)\|dns= ]]
}

@test "a port that must stay closed is CRITICAL when it accepts, whatever the conversation then does" {
	local closed=(--state connected=critical,refused=ok,timeout=ok)
	port=$(lab_server silent 127.0.0.1 mute)
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -e foo -t 1 "${closed[@]}"
	[ "${lines[0]}" = "TCP CRITICAL - Socket timeout after 1 seconds while waiting for the reply of 127.0.0.1 port $port" ]
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -e foo -t 1 -v
	assert_output_has "hint: the port accepts connections, but the service did not answer in time"
}

@test "an ICMP protocol unreachable is unreachable (CRITICAL), not this machine's error" {
	lab_nft 'add rule inet lab input tcp dport 9 reject with icmp type prot-unreachable'
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p 9 -t 3 -v
	[ "${lines[0]}" = "TCP CRITICAL - connect to address 127.0.0.1 and port 9: Protocol not available (ICMP protocol unreachable)" ]
	assert_output_has "ENOPROTOOPT (Protocol not available: ICMP protocol unreachable)"
}

@test "--min-ok beyond the targets there are is not met; -n with room to spare runs every probe" {
	port=$(lab_server accept 127.0.0.1 open)
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" --min-ok 2
	assert_first_line "^TCP CRITICAL - 1 of 1 targets OK, but --min-ok needs 2, slowest [0-9.]+ s \($port\)\|"
	# 20 probes that fit in -t with room to spare all run: none lost, none held back
	run -0 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -n 20 -i 0.05 -t 2 --critical-loss 0
	assert_first_line "^TCP OK - [0-9.]+ second average response time on 127\.0\.0\.1 port $port: 20 of 20 probes connected, 0% loss\|"
}

# not_run_counts: sets connected, not_run and loss from the state line of a -n 10 run
# that the deadline cut short ("N of 10 probes connected, M not run (deadline), L% loss").
not_run_counts() {
	local re="^TCP [A-Z]+ - [0-9.]+ second average response time on 127\.0\.0\.1 port $port: ([0-9]+) of 10 probes connected, ([0-9]+) not run \(deadline\), ([0-9.]+)% loss\|"
	[[ ${lines[0]} =~ $re ]] || {
		printf 'first line: %s\nexpected to match: %s\n' "${lines[0]}" "$re" >&2
		return 1
	}
	connected=${BASH_REMATCH[1]} not_run=${BASH_REMATCH[2]} loss=${BASH_REMATCH[3]}
}

@test "-n: the probes the deadline kept from starting are on the state line, add up to -n with the connects strace saw, and make the run UNKNOWN, not OK" {
	# one probe at a time, each answered 0.25 s after the handshake: about four fit
	# in -t 1, the others never start (the last one started is cut: that one is lost)
	port=$(lab_server delayed 127.0.0.1 web -w 0.25 -T 'hi\r\n')
	count_packets "$port"
	set -- -H 127.0.0.1 -p "$port" -e hi -n 10 -i 0.01 -t 1 --probe-timeout 0.5 --max-parallel 1
	traced "$@"
	[ "$status" -eq 3 ]
	[[ ${lines[0]} == "TCP UNKNOWN - "* ]]
	not_run_counts
	sent=$(connects "$port")
	((not_run >= 1 && sent + not_run == 10))
	# a connected probe is a handshake the kernel completed; the loss is of those sent
	((connected >= 1 && connected <= sent && connected <= $(packets synack)))
	awk -v l="$loss" -v s="$sent" -v c="$connected" 'BEGIN { d = l - 100 * (s - c) / s; exit !(d < 0.01 && d > -0.01) }'
	[[ ${lines[0]} =~ \ loss=${loss}%\;\;\;0\;100$ ]]
	# JSON carries the count too
	run -3 lab_exec "$PLUGIN" "$@" --output json
	[ "$(jq -r '.state' <<<"$output")" = UNKNOWN ]
	n=$(jq -r '.targets[0].not_run' <<<"$output")
	((n >= 1))
	[[ $(jq -r '.targets[0].message' <<<"$output") == *" of 10 probes connected, $n not run (deadline), "* ]]
	# a WARNING the probes found stays a WARNING: news about the service comes first
	run -1 lab_exec "$PLUGIN" "$@" -w 0.000000001
	[[ ${lines[0]} == "TCP WARNING - "* ]]
	# with several ports the first line says what each could not do (it said "connected")
	other=$(lab_server delayed 127.0.0.1 web2 -w 0.25 -T 'hi\r\n')
	run -3 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port,$other" -e hi -n 10 -i 0.01 -t 1 --probe-timeout 0.5 --max-parallel 2
	assert_first_line "^TCP UNKNOWN - 2 of 2 ports failed: $port [0-9]+ probes not run \(deadline\), $other [0-9]+ probes not run \(deadline\)\|"
	[[ ${lines[1]} =~ ^$port:\ UNKNOWN\ -\ .*\ of\ 10\ probes\ connected,\ [0-9]+\ not\ run\ \(deadline\), ]]
}

@test "-n 100 -t 0.1 without -i: the probes are spaced to all start before the deadline, and all run" {
	port=$(lab_server accept 127.0.0.1 web)
	count_packets "$port"
	# -t / -n is 1 ms, which left the last probes no time to start: they are closer now
	run -0 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -n 100 -t 0.1
	assert_first_line "^TCP OK - [0-9.]+ second average response time on 127\.0\.0\.1 port $port: 100 of 100 probes connected, 0% loss\|"
	[ "$(packets synack)" -eq 100 ]
	# a given -i that leaves the last probes no time to start is refused before any connect
	traced -H 127.0.0.1 -p "$port" -n 100 -i 0.001 -t 0.1
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "TCP UNKNOWN - 100 probes 0.001 s apart do not all start in -t 0.1 s: the last must start 0.0072 s before the end: raise -t, or lower -n or -i (see 'check_tcpport --help')" ]
	[ "$(connects "$port")" -eq 0 ]
}

@test "-n with probes the deadline kept from starting: counts are of the probes sent, as strace shows them" {
	lab_nft 'add rule inet lab input ip daddr 127.0.0.9 tcp flags syn drop'
	traced -H 127.0.0.9 -p 1-3 -n 5 -i 0.1 -t 1 --max-parallel 2 -v
	[ "$status" -eq 2 ]
	for p in 1 2 3; do
		sent=$(grep -c -E "connect\(.*sin_port=htons\($p\)" "$trace")
		((sent >= 1 && sent < 5))
		assert_output_has "$p: CRITICAL - Socket timeout after 0.2 seconds while connecting to 127.0.0.9 port $p ($sent of $sent probes sent failed, $((5 - sent)) not run: the deadline came first)"
		assert_output_has "probes $p: $sent sent, 0 connected, 100% loss, $((5 - sent)) not run (deadline), timeout $sent"
	done
	# a target that sent nothing has no loss: not in perfdata, null in JSON
	run -2 lab_exec "$PLUGIN" -H 127.0.0.9 -p 1-40 -n 5 -i 0.1 -t 1 --max-parallel 7 --output=json
	[ "$(jq '[.targets[] | select(.message | test("before trying"))] | length' <<<"$output")" -ge 1 ]
	[ "$(jq '[.targets[] | select(.message | test("before trying")) | .loss] | unique' <<<"$output")" = '[
  null
]' ]
}

@test "-v says why an address was not tried: another connected first, or the deadline" {
	lab_hosts '::1 dual.test' '127.0.0.1 dual.test'
	port=$(lab_server accept ::1 six)
	run -0 lab_exec "$PLUGIN" -H dual.test -p "$port" -v
	assert_output_has "connect 127.0.0.1 port $port: not tried, another address connected first"
}
