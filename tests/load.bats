#!/usr/bin/env bats
# Load: hundreds of runs at once against one listener whose accept queue holds one
# connection, and against a port whose SYNs are dropped. Every run must answer with the
# right state within its deadline, leave no process behind, and give back every
# descriptor. Loopback only; bounded in count (LOAD_RUNS) and in time.

load helpers/common

RUNS=${LOAD_RUNS:-500}

setup() {
	export BATS_TEST_TIMEOUT=120
	# In a sanitizer build, LeakSanitizer stops each process at exit to scan its memory:
	# 500 exits at the same moment on a small machine take seconds that no deadline of
	# the plugin can cover. Leaks are what the rest of the suite and valgrind look for.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
}

teardown() {
	servers_stop
}

# server_pid PORT: the pid of the test server listening on 127.0.0.1:PORT.
server_pid() {
	ss -H -ltnp "sport = :$1" | sed -n 's/.*pid=\([0-9]*\),.*/\1/p' | head -n 1
}

# fd_count PID: how many descriptors the process has open.
fd_count() {
	local fds=(/proc/"$1"/fd/*)
	echo "${#fds[@]}"
}

# plugin_processes: the pids of running plugins of this build, zombies included.
plugin_processes() {
	local exe p
	exe=$(readlink -f -- "$PLUGIN")
	for p in /proc/[0-9]*; do
		[[ $(readlink "$p/exe" 2>/dev/null) == "$exe" ]] && echo "${p#/proc/}"
	done
	# a zombie has no exe any more: find it by name among this shell's children
	ps -o pid=,stat=,comm= --ppid "$BASHPID" | awk '$2 ~ /^Z/ { print $1 }'
}

# load_run ARGS...: starts RUNS plugins with ARGS at once, waits for all of them, and
# leaves in $BATS_TEST_TMPDIR/N.out the output and in N.res "EXIT SECONDS" of run N,
# SECONDS from just before the start of the process to its end.
load_run() {
	local i pids=()
	for ((i = 1; i <= RUNS; i++)); do
		(
			start=$EPOCHREALTIME
			rc=0
			"$PLUGIN" "$@" >"$BATS_TEST_TMPDIR/$i.out" 2>&1 || rc=$?
			end=$EPOCHREALTIME
			echo "$rc $(((${end/./} - ${start/./}) / 1000))" >"$BATS_TEST_TMPDIR/$i.res"
		) 3>&- &
		pids+=($!)
	done
	wait "${pids[@]}"
}

# load_check EXIT REGEX MAX_MS: every run exited with EXIT, printed one line matching
# REGEX, and took at most MAX_MS milliseconds. Prints the figures for the report.
load_check() {
	local i rc ms max=0 bad=0
	for ((i = 1; i <= RUNS; i++)); do
		read -r rc ms <"$BATS_TEST_TMPDIR/$i.res"
		((ms > max)) && max=$ms
		if ((rc != $1)) || [[ ! $(cat "$BATS_TEST_TMPDIR/$i.out") =~ $2 ]] ||
			(($(wc -l <"$BATS_TEST_TMPDIR/$i.out") != 1)) || ((ms > $3)); then
			((bad < 5)) && printf 'run %d: exit %d in %d ms: %s\n' "$i" "$rc" "$ms" \
				"$(cat "$BATS_TEST_TMPDIR/$i.out")" >&2
			bad=$((bad + 1))
		fi
	done
	echo "# $RUNS runs, $bad wrong, slowest $max ms" >&3
	((bad == 0))
}

@test "$RUNS runs at once against a listener with a backlog of 1: every one connects" {
	port=$(server_start accept 127.0.0.1 -b 1)
	pid=$(server_pid "$port")
	[ -n "$pid" ]
	server_fds=$(fd_count "$pid") shell_fds=$(fd_count "$BASHPID")

	# The queue overflows: the kernel drops SYNs and the clients send them again after
	# 1 s, 3 s and 7 s, so every run connects well within -t 10.
	load_run -H 127.0.0.1 -p "$port" -t 10
	load_check 0 "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $port\|time=" 11000

	[ -z "$(plugin_processes)" ]
	[ "$(fd_count "$BASHPID")" -eq "$shell_fds" ]
	# the listener closes each connection it accepts: its descriptors come back
	[ "$(fd_count "$pid")" -eq "$server_fds" ]
	[ -z "$(ss -H -tn state syn-sent "dport = :$port")" ]
}

@test "$RUNS runs at once against a dropped port: every one times out at its deadline" {
	port=$(server_start full 127.0.0.1)
	pid=$(server_pid "$port")
	[ -n "$pid" ]
	server_fds=$(fd_count "$pid") shell_fds=$(fd_count "$BASHPID")

	load_run -H 127.0.0.1 -p "$port" -t 2
	load_check 2 "^TCP CRITICAL - Socket timeout after 2 seconds while connecting to 127\.0\.0\.1 port $port$" 3000

	[ -z "$(plugin_processes)" ]
	[ "$(fd_count "$BASHPID")" -eq "$shell_fds" ]
	[ "$(fd_count "$pid")" -eq "$server_fds" ]
	# no half-open connection is left behind
	[ -z "$(ss -H -tn state syn-sent "dport = :$port")" ]
}
