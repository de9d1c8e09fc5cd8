# SPDX-License-Identifier: ISC
# Shared by every test file: where the plugin is, and small assertions on its output.
# The build exports PLUGIN and TCPSERVER (absolute paths); by hand, the defaults point
# into an in-tree build.

bats_require_minimum_version 1.5.0

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$BATS_TEST_DIRNAME" && pwd)}
PLUGIN=${PLUGIN:-$TESTS_SRCDIR/../check_tcpport}
TCPSERVER=${TCPSERVER:-$TESTS_SRCDIR/helpers/tcpserver}
export PLUGIN TCPSERVER
# A hang must fail the test, never block the suite.
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-30}

# Milliseconds on a monotonic-enough clock, for loose bounds on a run's duration.
now_ms() {
	local ns
	ns=$(date +%s%N)
	echo $((ns / 1000000))
}

# first_line: the state line of the last `run` (Nagios reads only this one).
first_line() {
	printf '%s\n' "${lines[0]}"
}

# assert_first_line REGEX: the state line matches an extended regular expression.
assert_first_line() {
	if [[ ! ${lines[0]} =~ $1 ]]; then
		printf 'first line: %s\nexpected to match: %s\n' "${lines[0]}" "$1" >&2
		return 1
	fi
}

# assert_output_has TEXT: the whole output contains TEXT literally.
assert_output_has() {
	if [[ $output != *"$1"* ]]; then
		printf 'output:\n%s\nexpected to contain: %s\n' "$output" "$1" >&2
		return 1
	fi
}

# assert_output_lacks TEXT: the whole output does not contain TEXT.
assert_output_lacks() {
	if [[ $output == *"$1"* ]]; then
		printf 'output:\n%s\nexpected NOT to contain: %s\n' "$output" "$1" >&2
		return 1
	fi
}

# signal_and_wait PID SIGNAL: sends SIGNAL to PID, a job of this shell, and waits for it
# to end; sets status (its exit status) and took (ms from the signal to its end).
# shellcheck disable=SC2034 # status and took are read by the caller
signal_and_wait() {
	local start
	start=$(now_ms)
	kill "-$2" "$1"
	status=0
	wait "$1" || status=$?
	took=$(($(now_ms) - start))
}

# assert_below_ms START LIMIT: less than LIMIT ms have passed since START (now_ms).
assert_below_ms() {
	local took=$(($(now_ms) - $1))
	if ((took >= $2)); then
		printf 'took %d ms, expected under %d ms\n' "$took" "$2" >&2
		return 1
	fi
}

# same_ms SAID MEASURED: true when SAID, seconds as the state line prints them (up to
# three decimals), is MEASURED (seconds from -v or strace) to the millisecond.
same_ms() {
	if ! awk -v s="$1" -v m="$2" 'BEGIN { d = s - m; exit !(s != "" && m != "" && d < 0.0006 && d > -0.0006) }'; then
		printf 'said %s s, measured %s s\n' "$1" "$2" >&2
		return 1
	fi
}

# plugin_sanitized: the plugin under test is a build with --enable-sanitizers, read from
# the binary itself (an installed plugin has no build tree beside it). Its runtime
# cannot start under valgrind or an address-space limit, and it reads /proc and /sys.
plugin_sanitized() {
	grep -q -E '__(asan|ubsan)_' "$PLUGIN"
}

# The test servers (server_start on the host, lab_server in the namespace lab) and the lab.
# shellcheck source=lab.bash
source "$TESTS_SRCDIR/helpers/lab.bash"
