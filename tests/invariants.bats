#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Invariants every run must keep, whatever the target and the output format: a matrix of
# targets (open, refused, dropped, accept-then-reset, a Unix socket, an unknown name, a
# Unix path too long for sun_path, a socket connected to itself) crossed with every
# --output format, each run with -t 1, by default and as a "must stay closed" check
# (--state connected=critical,refused=ok,timeout=ok):
#   - nagios: exactly one state line, the first; json and lld: valid JSON (jq); value: one
#     number; state: one digit;
#   - the exit code is the state the output gives (word, "code", digit);
#   - a target that did not connect is never OK by default, and a run that checked
#     nothing never says OK;
#   - a port that must stay closed is never OK when it accepts (open, accept-reset).
# lld only discovers the targets, without connecting: it keeps the first two only.
# The servers and runs are on the host's loopback, but for two targets that need the
# namespace lab (root): the unknown name, which must never reach a real resolver, and the
# self-connect, which needs an ephemeral port range of its own.
# Each test loops over its combinations and reports every one that fails.

load helpers/common
load helpers/lab_hooks

# The formats, from the plugin's own usage error ("use nagios, value, ... or lld"), so a
# new format is in the matrix without a change here.
FORMATS=$("$PLUGIN" -H 127.0.0.1 -p 1 --output '?' 2>&1 |
	sed -n "s/.*invalid --output '?': use \(.*\) (see .*/\1/p" | sed 's/,/ /g; s/ or / /')
read -r -a FORMATS <<<"$FORMATS"
CLOSED_POLICY=connected=critical,refused=ok,timeout=ok

setup() {
	if [[ -n ${LAB_PID:-} ]]; then lab_reset; fi
	in_lab=() failures=()
}

# use_lab: the runs of this test go inside the lab (skip without root, fail under CI).
use_lab() {
	lab_require_root
	in_lab=(nsenter -t "$LAB_PID" -n -m --wd="$PWD" --)
}

# state_code WORD: the exit code of a state word.
state_code() {
	case $1 in
	OK) echo 0 ;; WARNING) echo 1 ;; CRITICAL) echo 2 ;; UNKNOWN) echo 3 ;; *) echo x ;;
	esac
}

# fail_combo TEXT: records a failed invariant of the current combination (`combo`).
fail_combo() {
	failures+=("$combo: $1")
}

# check_run KIND ARGS...: check_one for every format, by default and with the "must stay
# closed" states.
check_run() {
	local format policy
	[ "${#FORMATS[@]}" -ge 2 ]
	for policy in default closed; do
		for format in "${FORMATS[@]}"; do
			check_one "$1" "$policy" "$format" "${@:2}"
		done
	done
}

# check_one KIND POLICY FORMAT ARGS...: runs the plugin once with ARGS, -t 1 and
# --output FORMAT (and the "must stay closed" states when POLICY is closed), and records
# in `failures` every invariant it breaks. KIND says what the target does: open
# (connects), failed (never connects) or reset (accepts and resets at once: never called
# refused, and not OK when it must stay closed).
check_one() {
	local kind=$1 policy=$2 format=$3 extra=() rc code=x word n
	shift 3
	[ "$policy" = default ] || extra=(--state "$CLOSED_POLICY")
	combo="$kind target ($*) --output $format, $policy states"
	run "${in_lab[@]}" "$PLUGIN" "$@" -t 1 --output "$format" "${extra[@]}"
	rc=$status
	if ((rc < 0 || rc > 3)); then
		fail_combo "exit $rc is no state: $output"
		return 0
	fi
	case $format in
	nagios)
		word=$(sed -n '1s/^TCP \(OK\|WARNING\|CRITICAL\|UNKNOWN\) - .*/\1/p' <<<"$output")
		code=$(state_code "$word")
		[ "$code" != x ] || fail_combo "no state line first: ${lines[0]:-}"
		n=$(grep -c -E '^TCP (OK|WARNING|CRITICAL|UNKNOWN) - ' <<<"$output")
		((n == 1)) || fail_combo "$n state lines: $output"
		if [[ $word == OK && $output =~ (^|[^0-9])0\ of\ 0\  ]]; then
			fail_combo "OK with nothing checked: ${lines[0]}"
		fi
		;;
	json)
		if ! jq -e . >/dev/null 2>&1 <<<"$output"; then
			fail_combo "not JSON: $output"
			return 0
		fi
		word=$(jq -r .state <<<"$output") code=$(jq -r .code <<<"$output")
		[ "$(state_code "$word")" = "$code" ] ||
			fail_combo "state $word with code $code: $output"
		if [ "$word" = OK ] && [ "$(jq '.targets | length' <<<"$output")" -eq 0 ]; then
			fail_combo "OK with no target: $output"
		fi
		;;
	lld)
		# a usage error is one JSON object, UNKNOWN, as in json
		if ((rc == 3)) && jq -e '.state == "UNKNOWN" and .code == 3' >/dev/null 2>&1 <<<"$output"; then
			return 0
		fi
		jq -e 'type == "array" and length >= 1 and
			all(.[]; has("{#HOST}") and has("{#PORT}"))' >/dev/null 2>&1 <<<"$output" ||
			fail_combo "not a discovery array: $output"
		((rc == 0)) || fail_combo "discovery exit $rc: $output"
		return 0 # connects nothing: nothing more to judge
		;;
	value)
		# a number; a usage error is its UNKNOWN line, so that Zabbix marks the item
		# unsupported and shows why instead of storing a time
		[[ $output =~ ^[0-9]+\.[0-9]{6}$ ]] ||
			[[ $rc -eq 3 && $output =~ ^TCP\ UNKNOWN\ -\ [^$'\n']+$ ]] ||
			fail_combo "not one number: $output"
		code=$rc
		;;
	state)
		[[ $output =~ ^[0-3]$ ]] || fail_combo "not one digit: $output"
		code=$output
		;;
	*)
		fail_combo "a format this test does not know: $output"
		return 0
		;;
	esac
	[ "$code" = "$rc" ] || fail_combo "exit $rc but the output says $code: $output"
	case $kind/$policy in
	open/default)
		((rc == 0)) || fail_combo "exit $rc for a port that accepts: $output" ;;
	open/closed | reset/closed)
		((rc != 0)) || fail_combo "OK although the port accepts: $output" ;;
	failed/default)
		((rc != 0)) || fail_combo "OK although nothing connected: $output" ;;
	reset/default)
		# the handshake completed: "connected" (OK) when the reset came after the
		# plugin saw it, "reset" (CRITICAL) before; never "refused"
		[[ $output != *efused* ]] || fail_combo "an accepted connection called refused: $output" ;;
	esac
}

# report_failures: fails the test with every combination that broke an invariant.
report_failures() {
	if ((${#failures[@]} > 0)); then
		printf '%d failing combinations:\n' "${#failures[@]}" >&2
		printf '  %s\n' "${failures[@]}" >&2
		return 1
	fi
}

@test "the matrix has every output format of the plugin" {
	[[ " ${FORMATS[*]} " == *" nagios "* && " ${FORMATS[*]} " == *" json "* ]]
	run -0 "$PLUGIN" --help
	for format in "${FORMATS[@]}"; do
		assert_output_has "$format"
	done
}

@test "invariants: an open port" {
	port=$(server_start accept 127.0.0.1)
	check_run open -H 127.0.0.1 -p "$port"
	report_failures
}

@test "invariants: a refused port" {
	port=$(server_start bound 127.0.0.1)
	check_run failed -H 127.0.0.1 -p "$port"
	report_failures
}

@test "invariants: a dropped port" {
	port=$(server_start full 127.0.0.1)
	check_run failed -H 127.0.0.1 -p "$port"
	report_failures
}

@test "invariants: a listener that accepts and resets at once" {
	port=$(server_start accept-reset 127.0.0.1)
	check_run reset -H 127.0.0.1 -p "$port"
	report_failures
}

@test "invariants: a Unix socket" {
	sock=$BATS_TEST_TMPDIR/app.sock
	server_start accept 127.0.0.1 -u "$sock" >/dev/null
	[ -S "$sock" ]
	check_run open -H "$sock"
	report_failures
}

@test "invariants: a name that does not resolve" {
	# on the host a name goes to whatever resolver the machine has: only in the lab,
	# whose hosts come from its own /etc/hosts
	use_lab
	check_run failed -H nonexistent.invalid -p 80
	report_failures
}

@test "invariants: a Unix path longer than sun_path" {
	path=/tmp/$(printf 'a%.0s' {1..103})
	[ "${#path}" -eq 108 ]
	check_run failed -H "$path"
	report_failures
}

# self_connect_runs: every format and policy against a port of 127.0.0.1 where nothing
# listens, from an ephemeral range of that one port: the kernel connects the socket to
# itself (TCP simultaneous open). Each run gets a port of its own, as the self-connected
# pair lingers in TIME_WAIT and would make the next connect fail with EADDRNOTAVAIL.
@test "invariants: a socket that connects to itself" {
	use_lab
	port=$((41000 + 100 * (BATS_TEST_NUMBER % 100)))
	for policy in default closed; do
		for format in "${FORMATS[@]}"; do
			"${in_lab[@]}" sysctl -q -w net.ipv4.ip_local_port_range="$port $port"
			check_one failed "$policy" "$format" -H 127.0.0.1 -p "$port"
			port=$((port + 1))
		done
	done
	"${in_lab[@]}" sysctl -q -w net.ipv4.ip_local_port_range="32768 60999"
	report_failures
}
