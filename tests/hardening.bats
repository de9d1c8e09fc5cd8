#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Faults from the machine and the monitoring core, answered cleanly: exit 0-3, one state
# line, within the deadline. And the binary is built hardened.

load helpers/common
load helpers/lab_hooks

@test "the binary is hardened: PIE, full RELRO, stack protector, fortified calls" {
	command -v readelf >/dev/null || { [ "${CI:-}" != true ] || false; skip "readelf (binutils) not installed"; }
	grep -q '^HARDEN_LDFLAGS = .*-z,now' "$(dirname "$PLUGIN")/Makefile" || skip "built with --disable-hardening"
	run -0 readelf -h "$PLUGIN"
	assert_output_has "DYN (Position-Independent Executable file)"
	run -0 readelf -l "$PLUGIN"
	assert_output_has "GNU_RELRO"
	run -0 readelf -d "$PLUGIN"
	assert_output_has "BIND_NOW"
	# A static PIE (--enable-static-pie) imports nothing: its own symbol table names the calls.
	if readelf -l "$PLUGIN" | grep -q INTERP; then
		run -0 readelf --dyn-syms -W "$PLUGIN"
	else
		run -0 readelf --syms -W "$PLUGIN"
	fi
	assert_output_has "__stack_chk_fail"
	[[ $output =~ __[a-z]+_chk(@|[[:space:]]) ]] # a fortified libc call such as __memcpy_chk
}

@test "SIGTERM from the monitoring core: one UNKNOWN line at once" {
	port=$(server_start full 127.0.0.1)
	"$PLUGIN" -H 127.0.0.1 -p "$port" -t 10 >"$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	sleep 0.3
	signal_and_wait "$pid" TERM
	[ "$status" -eq 3 ]
	# shellcheck disable=SC2154 # took: signal_and_wait
	((took < 500))
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "TCP UNKNOWN - terminated by a signal before the check finished (the monitoring core's timeout is shorter than -t?)" ]
}

@test "SIGTERM while the report is being written: that report stays the one answer" {
	# A long report into a pipe nobody reads yet: the plugin blocks in write(), its
	# answer decided; a SIGTERM then must neither add a line nor cut the report.
	fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	"$PLUGIN" -H 127.0.0.1 -p 21000-22999 -t 3 -v >"$fifo" 3>&- &
	pid=$!
	exec 4<"$fifo"
	deadline=$(($(now_ms) + 5000))
	until grep -q 'pipe_write' "/proc/$pid/wchan" 2>/dev/null; do
		(($(now_ms) < deadline)) || false
		sleep 0.01
	done
	kill -TERM "$pid"
	cat <&4 >"$BATS_TEST_TMPDIR/out"
	exec 4<&-
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 2 ]
	run cat "$BATS_TEST_TMPDIR/out"
	assert_first_line "^TCP CRITICAL - [0-9]+ of 2000 ports failed: "
	assert_output_lacks "terminated by a signal"
	# every port's line, to the last one: nothing was cut
	[ "$(grep -c -E '^[0-9]+: (OK|CRITICAL) - ' "$BATS_TEST_TMPDIR/out")" -eq 2000 ]
}

@test "a closed stdout or a full one changes nothing but the output: the exit code stays" {
	port=$(server_start bound 127.0.0.1)
	run -2 bash -c '"$0" -H 127.0.0.1 -p "$1" >&-' "$PLUGIN" "$port"
	run -2 bash -c '"$0" -H 127.0.0.1 -p "$1" >/dev/full' "$PLUGIN" "$port"
	run -2 bash -c '"$0" -H 127.0.0.1 -p "$1" -v | head -c 1 >/dev/null; exit ${PIPESTATUS[0]}' "$PLUGIN" "$port"
}

@test "a reader that goes away (SIGPIPE) does not kill a long report" {
	lab_require_root
	run -2 lab_exec bash -c '"$0" -H 127.0.0.1 -p 20000-20999 -t 2 | head -c 10 >/dev/null; exit ${PIPESTATUS[0]}' "$PLUGIN"
}

@test "a reader gone before the first byte: usage errors, help and discovery keep their codes" {
	# stdout on a pipe whose reader has already closed it: the first write raises SIGPIPE
	fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	(exec 3<"$fifo") &
	exec 4>"$fifo"
	wait $!
	for args in "3 -H 127.0.0.1 -p 0" "0 --help" "0 --version" "0 -H db -p 22 --output lld"; do
		status=0
		# shellcheck disable=SC2086
		"$PLUGIN" ${args#* } >&4 || status=$?
		[ "$status" -eq "${args%% *}" ] || {
			echo "$args: exit $status" >&2
			false
		}
	done
	exec 4>&-
}

@test "a descriptor limit smaller than the ports: worked in batches, nothing lost" {
	lab_require_root
	run -2 lab_exec bash -c 'ulimit -n 12 && exec "$0" -H 127.0.0.1 -p 23000-23049 -t 3' "$PLUGIN"
	assert_first_line "^TCP CRITICAL - 50 of 50 ports failed: 23000 refused,"
	[ "$(printf '%s\n' "$output" | grep -c 'Connection refused$')" -eq 50 ]
}

@test "one target under the tightest descriptor limit a process can start with still works" {
	port=$(server_start accept 127.0.0.1)
	# 0-2 are stdio; the dynamic loader needs the fourth to open libc, then the socket
	run -0 bash -c 'ulimit -n 4 && exec "$0" -H 127.0.0.1 -p "$1"' "$PLUGIN" "$port" 3>&-
	assert_first_line "^TCP OK - "
}

@test "no descriptor left for the one socket of a single target: UNKNOWN, Too many open files" {
	command -v strace >/dev/null || { [ "${CI:-}" != true ] || false; skip "strace not installed"; }
	# A limit alone cannot leave a one-target run without a socket: the loader frees the
	# descriptor it needed just before. So socket() is made to fail as a full table does.
	port=$(server_start accept 127.0.0.1)
	# LeakSanitizer (a sanitizer build) cannot work under a tracer
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	run -3 strace -f -qq -o /dev/null -e trace=socket -e inject=socket:error=EMFILE \
		"$PLUGIN" -H 127.0.0.1 -p "$port"
	[ "$output" = "TCP UNKNOWN - cannot connect to 127.0.0.1 port $port: Too many open files" ]
	run -3 strace -f -qq -o /dev/null -e trace=socket -e inject=socket:error=EMFILE \
		"$PLUGIN" -H 127.0.0.1 -p "$port" -v
	assert_output_has "connect 127.0.0.1 port $port: EMFILE (Too many open files)"
	assert_output_has "check its limits (ulimit -n)"
}

# The reply never completes: a timeout (as check_tcp's), not a mismatch of its start.
@test "a server that trickles forever times out at the deadline: one line, in time" {
	port=$(server_start trickle 127.0.0.1 -w 0.1 -T "$(printf 'a%.0s' {1..300})")
	start=$(now_ms)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e never -t 1
	assert_below_ms "$start" 1500
	[ "${#lines[@]}" -eq 1 ]
	assert_first_line "^TCP CRITICAL - Socket timeout after 1 seconds while waiting for the reply of 127\.0\.0\.1 port $port, still incomplete after [0-9]+ bytes: a+$"
}

@test "a huge host name, newlines and non-UTF-8 bytes in arguments: one UNKNOWN line" {
	# Linux takes at most 128 KiB in one argument (MAX_ARG_STRLEN): a 1 MB host name
	# cannot even reach the plugin; the largest that can is tested.
	big=$(head -c 131000 /dev/zero | tr '\0' a)
	run -3 "$PLUGIN" -H "$big" -p 80
	[ "${#lines[@]}" -eq 1 ]
	assert_first_line "^TCP UNKNOWN - host name too long \(131000 bytes, at most 255\)"
	# a megabyte in all: eight such arguments; the message stays one short line
	run -3 "$PLUGIN" -p 80 -H x -s "$big" -e "$big" -q "$big" --expect-regex "$big" \
		-m "$big" -d "$big" -w "$big"
	[ "${#lines[@]}" -eq 1 ]
	assert_first_line "^TCP UNKNOWN - invalid -m 'a+"
	((${#output} < 400))
	run -3 "$PLUGIN" -H 127.0.0.1 -p 80 -e $'a\nb' -w $'1\n2'
	[ "${#lines[@]}" -eq 1 ]
	assert_first_line "^TCP UNKNOWN - invalid -w '1\\\\n2'"
	run -3 "$PLUGIN" -H 127.0.0.1 -p $'\xff\xfe'
	[ "${#lines[@]}" -eq 1 ]
	assert_first_line "^TCP UNKNOWN - invalid port '\\\\xff\\\\xfe'"
}

@test "a tiny virtual memory limit still answers with a state" {
	# AddressSanitizer reserves terabytes of address space for its shadow memory:
	# a sanitizer build cannot even start under this limit.
	if plugin_sanitized; then
		skip "the plugin is built with AddressSanitizer, which needs more address space"
	fi
	port=$(server_start accept 127.0.0.1)
	run bash -c 'ulimit -v 20000 && exec "$0" -H localhost -p "$1" -4' "$PLUGIN" "$port"
	((status >= 0 && status <= 3))
	assert_first_line "^TCP (OK|UNKNOWN) - "
}

@test "it runs no other program, writes no file, and reads only what libc reads" {
	command -v strace >/dev/null || { [ "${CI:-}" != true ] || false; skip "strace not installed"; }
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 # LSan cannot be traced
	allowed='^/etc/(ld\.so\.cache|hosts|host\.conf|nsswitch\.conf|resolv\.conf|services|gai\.conf)$|^(/usr)?/lib/.*\.so[.0-9]*$'
	# a sanitizer's runtime reads the process's own maps and the system's limits
	if plugin_sanitized; then
		allowed="$allowed|^/proc/|^/sys/"
	fi
	port=$(server_start banner 127.0.0.1 -T 'hello\r\n')
	trace=$BATS_TEST_TMPDIR/trace
	run -0 strace -f -qq -o "$trace" \
		-e trace=execve,execveat,fork,vfork,clone,clone3,open,openat,creat \
		"$PLUGIN" -H localhost -4 -p "$port,ssh" --min-ok 1 -e hello -s 'hi\r\n' -v
	assert_first_line "^TCP OK - "
	# one program, the plugin itself; threads (the resolver's), never a child process
	[ "$(grep -c -E 'execve(at)?\(' "$trace")" -eq 1 ]
	run ! grep -E '(v?fork)\(' "$trace"
	[ -z "$(grep -E 'clone3?\(' "$trace" | grep -v CLONE_THREAD)" ]
	# every file opened read-only, and only those libc needs for names and services
	opened=$(grep -E '(open|openat|creat)\(' "$trace")
	[ -n "$opened" ]
	run ! grep -E 'O_(WRONLY|RDWR|CREAT)|creat\(' <<<"$opened"
	paths=$(sed -E 's/.*open(at)?\((AT_FDCWD, )?"([^"]*)".*/\3/' <<<"$opened" | sort -u)
	if grep -v -E "$allowed" <<<"$paths"; then false; fi
}

@test "as the unprivileged user nobody, the check works" {
	[ "$(id -u)" = 0 ] || skip "needs root to become nobody"
	port=$(server_start accept 127.0.0.1)
	cp "$PLUGIN" "$BATS_TEST_TMPDIR/check_tcpport"
	chmod 755 "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/check_tcpport"
	run -0 setpriv --reuid=65534 --regid=65534 --clear-groups "$BATS_TEST_TMPDIR/check_tcpport" -H 127.0.0.1 -p "$port"
	assert_first_line "^TCP OK - "
}

@test "a signal's answer comes in the --output format asked for" {
	port=$(server_start full 127.0.0.1)
	"$PLUGIN" -H 127.0.0.1 -p "$port" -t 5 --output=json >"$BATS_TEST_TMPDIR/out" &
	pid=$!
	sleep 0.3
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 3 ]
	[ "$(jq -r .state "$BATS_TEST_TMPDIR/out")" = UNKNOWN ]
	[[ $(jq -r .message "$BATS_TEST_TMPDIR/out") == "terminated by a signal"* ]]
	"$PLUGIN" -H 127.0.0.1 -p "$port" -t 5 --output=state >"$BATS_TEST_TMPDIR/out" &
	pid=$!
	sleep 0.3
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = 3 ]
}

@test "SIGHUP, SIGALRM and SIGUSR1 get the same one UNKNOWN line as SIGTERM" {
	port=$(server_start full 127.0.0.1)
	for sig in HUP ALRM USR1; do
		"$PLUGIN" -H 127.0.0.1 -p "$port" -t 5 >"$BATS_TEST_TMPDIR/out" &
		pid=$!
		sleep 0.3
		kill -"$sig" "$pid"
		rc=0
		wait "$pid" || rc=$?
		[ "$rc" -eq 3 ]
		[[ $(cat "$BATS_TEST_TMPDIR/out") == "TCP UNKNOWN - terminated by a signal before the check finished"* ]]
	done
}
