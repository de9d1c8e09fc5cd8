#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# The main scenarios under valgrind's memcheck: every outcome, many ports, conversations,
# the output formats. Each must keep its exit code and state line, with no memory error,
# no byte definitely lost, and no descriptor of its own left open at exit. Then every
# file of the fuzz corpus, replayed by its harness built without libFuzzer (tests/fuzz/
# replay.c): memcheck finds the reads of uninitialised memory the sanitizers miss. Run by
# `make memcheck` on a build without sanitizers (valgrind cannot run an ASan binary).

load helpers/common
load helpers/lab_hooks

setup_file() {
	if ! command -v valgrind >/dev/null; then
		[ "${CI:-}" != true ] || { echo "valgrind is not installed" >&2; return 1; }
	fi
	if plugin_sanitized; then
		echo "memcheck needs a build without --enable-sanitizers" >&2
		return 1
	fi
	if lab_available; then lab_start; fi
}

setup() {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	if [[ -n ${LAB_PID:-} ]]; then lab_reset; fi
	in_lab=() fd_allowed=
}

# memcheck STATUS ARGS...: runs the plugin under memcheck (inside the lab when in_lab is
# (lab_exec)), with no descriptor but the standard three inherited, into `output` and
# `status` as `run` does; fails unless the exit code is STATUS and memcheck found nothing.
memcheck() {
	local want=$1 log=$BATS_TEST_TMPDIR/memcheck.log
	shift
	run --separate-stderr "${in_lab[@]}" valgrind --tool=memcheck --leak-check=full \
		--errors-for-leak-kinds=definite --error-exitcode=99 --track-fds=yes \
		--log-file="$log" "$PLUGIN" "$@" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
	if [ "$status" -ne "$want" ]; then
		printf 'exit code %d, expected %d; output:\n%s\n' "$status" "$want" "$output" >&2
		cat "$log" >&2
		return 1
	fi
	memcheck_clean "$log"
}

# memcheck_clean LOG: no error, nothing definitely lost, every descriptor (file or
# socket) open at exit was inherited (bats keeps some of its own open above the standard
# three) or matches the extended regular expression fd_allowed.
memcheck_clean() {
	local leaked
	grep -q 'ERROR SUMMARY: 0 errors' "$1" || { cat "$1" >&2; return 1; }
	grep -q -E 'All heap blocks were freed|definitely lost: 0 bytes' "$1" ||
		{ cat "$1" >&2; return 1; }
	grep -q 'FILE DESCRIPTORS: ' "$1" || { cat "$1" >&2; return 1; }
	leaked=$(awk '/Open (file descriptor|[A-Z0-9_]+ socket) [0-9]+:/ {
		fd = $0; getline; if ($0 !~ /inherited from parent/) print fd }' "$1")
	if [ -n "${fd_allowed:-}" ]; then
		leaked=$(grep -v -E "$fd_allowed" <<<"$leaked" || true)
	fi
	if [ -n "$leaked" ]; then
		printf 'descriptors left open:\n%s\n' "$leaked" >&2
		cat "$1" >&2
		return 1
	fi
}

@test "memcheck: connected, judged by -w/-c, is OK" {
	port=$(server_start accept 127.0.0.1)
	memcheck 0 -H 127.0.0.1 -p "$port" -w 5 -c 9
	assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $port\|time="
}

@test "memcheck: a name resolved in the helper thread, every address, -vv" {
	port=$(server_start accept 127.0.0.1)
	memcheck 0 -H localhost -p "$port" -4 --addresses=all -vv
	assert_first_line "^TCP OK - .* on localhost \(127\.0\.0\.1\) port $port\|.* dns="
	assert_output_has "resolve: localhost -> 127.0.0.1"
}

@test "memcheck: refused is CRITICAL" {
	port=$(server_start bound 127.0.0.1)
	memcheck 2 -H 127.0.0.1 -p "$port" -v
	assert_first_line "^TCP CRITICAL - connect to address 127\.0\.0\.1 and port $port: Connection refused$"
}

@test "memcheck: a timeout while connecting is CRITICAL" {
	port=$(server_start full 127.0.0.1)
	memcheck 2 -H 127.0.0.1 -p "$port" -t 1
	assert_first_line "^TCP CRITICAL - Socket timeout after 1 seconds while connecting to 127\.0\.0\.1 port $port$"
}

@test "memcheck: an unknown name is CRITICAL" {
	memcheck 2 -H 'bad_host!' -p 80
	assert_first_line "^TCP CRITICAL - cannot resolve bad_host!: "
}

@test "memcheck: usage errors, --help, --version and discovery" {
	memcheck 3 -H 127.0.0.1 -p 0
	assert_first_line "^TCP UNKNOWN - invalid port '0'"
	memcheck 3 -H 127.0.0.1 -p 80 --expect-regex '('
	assert_first_line "^TCP UNKNOWN - invalid --expect-regex '\(': "
	memcheck 0 --help
	memcheck 0 --version
	memcheck 0 -H db -H web -p 22,80 --output lld
	[ "$output" = '[{"{#HOST}":"db","{#PORT}":"22"},{"{#HOST}":"db","{#PORT}":"80"},{"{#HOST}":"web","{#PORT}":"22"},{"{#HOST}":"web","{#PORT}":"80"}]' ]
}

@test "memcheck: two hundred ports, most refused, in JSON and in batches" {
	open=$(server_start accept 127.0.0.1)
	refused=$(server_start bound 127.0.0.1)
	memcheck 2 -H 127.0.0.1 -p "$open,$refused,30000-30197" --max-parallel 16 --output json -t 5
	[[ $output == '{"state":"CRITICAL","code":2,'* ]]
	[ "$(grep -o '"outcome":"refused"' <<<"$output" | wc -l)" -ge 198 ]
	[ "$(grep -o '"outcome":"connected"' <<<"$output" | wc -l)" -eq 1 ]
}

@test "memcheck: repeated probes with loss thresholds" {
	port=$(server_start accept 127.0.0.1)
	memcheck 0 -H 127.0.0.1 -p "$port" -n 3 -i 0.05 --warning-loss 50 -v
	assert_first_line "^TCP OK - .* 3 of 3 probes connected, 0% loss\|"
}

@test "memcheck: a conversation that matches, and one that does not" {
	port=$(server_start reply 127.0.0.1 -U 'PING\r\n' -T '+PONG\r\n')
	memcheck 0 -H 127.0.0.1 -p "$port" -s 'PING\r\n' -E -e '+PONG' -q QUIT
	assert_first_line "^TCP OK - .* \[\+PONG\]\|time="
	port=$(server_start banner 127.0.0.1 -T '220 mail.test ESMTP ready\r\n')
	memcheck 1 -H 127.0.0.1 -p "$port" -e 250 --expect-regex '^5' -A
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: 220 mail"
}

@test "memcheck: hostile servers: a flood, a trickle, a reset, a silent close" {
	port=$(server_start flood 127.0.0.1)
	memcheck 1 -H 127.0.0.1 -p "$port" -e nothing -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: xxxx"
	port=$(server_start trickle 127.0.0.1 -w 0.02 -T 'hello world\r\n')
	memcheck 0 -H 127.0.0.1 -p "$port" -e world
	assert_first_line "^TCP OK - "
	port=$(server_start reset 127.0.0.1 -T 'partial')
	memcheck 2 -H 127.0.0.1 -p "$port" -e 220
	assert_first_line "^TCP CRITICAL - Connection reset by peer after 7 bytes from 127\.0\.0\.1 port $port: partial$"
	port=$(server_start close 127.0.0.1)
	memcheck 2 -H 127.0.0.1 -p "$port" -e 220
	assert_first_line "^TCP CRITICAL - No data received from host 127\.0\.0\.1 port $port$"
}

@test "memcheck: a Unix socket and a preset" {
	sock=$BATS_TEST_TMPDIR/app.sock
	server_start banner 127.0.0.1 -u "$sock" -T 'hello unix\n' >/dev/null
	memcheck 0 -H "$sock" -e hello --output json
	[[ $output == '{"state":"OK","code":0,'* ]]
	port=$(server_start reply 127.0.0.1 -U 'PING\r\n' -T '+PONG\r\n')
	memcheck 0 -H 127.0.0.1 -p "$port" --service redis
	assert_first_line "^TCP OK - "
}

@test "memcheck: unreachable, and a resolver that fails, in the lab" {
	lab_require_root
	in_lab=(lab_exec)
	lab_reject_hostunreach 8081
	memcheck 2 -H 127.0.0.1 -p 8081
	assert_first_line "^TCP CRITICAL - connect to address 127\.0\.0\.1 and port 8081: No route to host$"
	lab_dns_refused
	memcheck 2 -H nosuch.test -p 80 -t 3
	assert_first_line "^TCP CRITICAL - cannot resolve nosuch.test: Temporary failure in name resolution$"
}

@test "memcheck: --addresses=all with 300 addresses of a name, 255 kept in a block of their own" {
	lab_require_root
	in_lab=(lab_exec)
	local lines=() i
	for ((i = 1; i <= 300; i++)); do
		lines+=("127.$((i / 256)).$((i % 256)).1 big.test")
	done
	lab_hosts "${lines[@]}"
	lab_reject_reset 8082
	memcheck 2 -H big.test -p 8082 --addresses=all -t 3 -v
	assert_first_line "^TCP CRITICAL - 45 of 300 addresses of big\.test not checked: at most 255 per name; 255 of 255 addresses failed: "
}

@test "memcheck: a resolver that hangs is abandoned at the deadline" {
	lab_require_root
	in_lab=(lab_exec)
	lab_dns_hang
	# the query of the abandoned thread is still open when the process leaves: its only
	# socket, owned by libc, closed by the kernel at exit
	fd_allowed='socket [0-9]+: 127\.0\.0\.1:[0-9]+ <-> 127\.0\.0\.1:53$'
	memcheck 2 -H nosuch.test -p 80 -t 1
	assert_first_line "^TCP CRITICAL - Timeout after 1 seconds while resolving nosuch\.test"
}

# replay_corpus HARNESS: every file of tests/fuzz/corpus/HARNESS given to the harness
# (its replay build, made by `make memcheck`) in one process under memcheck: no error, no
# invariant broken (an abort), nothing definitely lost. Memcheck writes to the same
# stderr as the replay, so the log names each input just before the errors it causes.
replay_corpus() {
	local replay=${FUZZ_REPLAY_DIR:-$(dirname "$PLUGIN")/tests/fuzz}/replay_${1#fuzz_}
	local corpus=$TESTS_SRCDIR/fuzz/corpus/$1 log=$BATS_TEST_TMPDIR/replay.log files rc=0
	if [ ! -x "$replay" ]; then
		[ "${CI:-}" != true ] || { echo "$replay is missing: make memcheck builds it" >&2; return 1; }
		skip "$replay is missing: make memcheck builds it"
	fi
	files=("$corpus"/*)
	[ "${#files[@]}" -ge 5 ] && [ -f "${files[0]}" ]
	valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=99 --track-origins=yes --log-fd=2 "$replay" "${files[@]}" >/dev/null 2>"$log" || rc=$?
	if [ "$rc" -ne 0 ]; then
		printf 'replay of %s: exit %d; the inputs followed by an error:\n' "$1" "$rc" >&2
		awk '/^replay: / { input = $2 }
			/^==[0-9]+== [A-Z]/ && !/Memcheck,|Copyright|Using Valgrind|Command:|Parent PID|HEAP SUMMARY|LEAK SUMMARY|ERROR SUMMARY|For lists|For counts|All heap|Rerun with|Use --track-origins/ && input != "" && !(input in seen) { seen[input] = 1; print "  " input ": " $0 }' "$log" >&2
		cat "$log" >&2
		return 1
	fi
	# every file was given to the harness
	[ "$(grep -c '^replay: ' "$log")" -eq "${#files[@]}" ]
	grep -q 'ERROR SUMMARY: 0 errors' "$log" || { cat "$log" >&2; return 1; }
	grep -q -E 'All heap blocks were freed|definitely lost: 0 bytes' "$log" ||
		{ cat "$log" >&2; return 1; }
}

@test "memcheck: the fuzz corpus of the options harness" {
	replay_corpus fuzz_options
}

@test "memcheck: the fuzz corpus of the range harness" {
	replay_corpus fuzz_range
}

@test "memcheck: the fuzz corpus of the escape harness" {
	replay_corpus fuzz_escape
}

@test "memcheck: the fuzz corpus of the expect harness" {
	replay_corpus fuzz_expect
}
