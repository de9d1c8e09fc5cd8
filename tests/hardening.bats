#!/usr/bin/env bats
# Faults from the machine and the monitoring core, answered cleanly: exit 0-3, one state
# line, within the deadline. And the binary is built hardened.

load helpers/common

setup_file() {
	if lab_available; then lab_start; fi
}

teardown_file() {
	lab_stop
}

setup() {
	if [[ -n ${LAB_PID:-} ]]; then lab_reset; fi
}

teardown() {
	servers_stop
}

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
	start=$(now_ms)
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 3 ]
	assert_below_ms "$start" 500
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "TCP UNKNOWN - terminated by a signal before the check finished (the monitoring core's timeout is shorter than -t?)" ]
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

@test "a descriptor limit smaller than the ports: worked in batches, nothing lost" {
	lab_require_root
	run -2 lab_exec bash -c 'ulimit -n 12 && exec "$0" -H 127.0.0.1 -p 23000-23049 -t 3' "$PLUGIN"
	assert_first_line "^TCP CRITICAL - 50 of 50 ports failed: 23000 refused,"
	[ "$(printf '%s\n' "$output" | grep -c 'Connection refused$')" -eq 50 ]
}

@test "a huge host name, newlines and non-UTF-8 bytes in arguments: one UNKNOWN line" {
	# Linux takes at most 128 KiB in one argument (MAX_ARG_STRLEN): a 1 MB host name
	# cannot even reach the plugin; the largest that can is tested.
	big=$(head -c 131000 /dev/zero | tr '\0' a)
	run -3 "$PLUGIN" -H "$big" -p 80
	[ "${#lines[@]}" -eq 1 ]
	assert_first_line "^TCP UNKNOWN - host name too long \(131000 bytes, at most 255\)"
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
	if grep -q __asan_init "$PLUGIN"; then
		skip "the plugin is built with AddressSanitizer, which needs more address space"
	fi
	port=$(server_start accept 127.0.0.1)
	run bash -c 'ulimit -v 20000 && exec "$0" -H localhost -p "$1" -4' "$PLUGIN" "$port"
	((status >= 0 && status <= 3))
	assert_first_line "^TCP (OK|UNKNOWN) - "
}

@test "as the unprivileged user nobody, the check works" {
	[ "$(id -u)" = 0 ] || skip "needs root to become nobody"
	port=$(server_start accept 127.0.0.1)
	cp "$PLUGIN" "$BATS_TEST_TMPDIR/check_tcpport"
	chmod 755 "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/check_tcpport"
	run -0 setpriv --reuid=65534 --regid=65534 --clear-groups "$BATS_TEST_TMPDIR/check_tcpport" -H 127.0.0.1 -p "$port"
	assert_first_line "^TCP OK - "
}
