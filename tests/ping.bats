#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# -n 0, the ping mode: probes until INT, TERM or HUP, a line per probe as it ends, then a
# summary per target and the usual state line and exit code. The counts are checked
# against what the kernel saw (nft counters in the namespace lab).

load helpers/common
load helpers/lab_hooks

PROBE_LINE='\(probe [0-9]+\)$'

# ping_start OUT [lab_exec] ARGS...: runs the plugin with ARGS in the background (in the
# lab after lab_exec), its output to OUT. PING_PID is the plugin's own pid: a shell
# function in the background would be a subshell between, and nsenter without a pid
# namespace execs the plugin in its own process.
ping_start() {
	local out=$1
	shift
	if [[ $1 == lab_exec ]]; then
		shift
		set -- nsenter -t "$LAB_PID" -n -m --wd="$PWD" -- "$@"
	fi
	"$@" >"$out" 2>&1 3>&- &
	PING_PID=$!
}

# probe_lines FILE [REGEX]: how many probe lines FILE holds (matching REGEX too).
probe_lines() {
	grep -E "$PROBE_LINE" "$1" | grep -c -E -- "${2:-.}" || true
}

# wait_probe_lines FILE N [REGEX]: waits (at most 10 s) until FILE holds N probe lines
# (matching REGEX), while the plugin runs.
wait_probe_lines() {
	local deadline=$(($(now_ms) + 10000))
	while (($(probe_lines "$1" "${3:-}") < $2)); do
		if ! kill -0 "$PING_PID" 2>/dev/null; then
			printf 'the plugin ended early:\n%s\n' "$(cat "$1")" >&2
			return 1
		fi
		if (($(now_ms) > deadline)); then
			printf 'fewer than %d probe lines after 10 s:\n%s\n' "$2" "$(cat "$1")" >&2
			return 1
		fi
		sleep 0.01
	done
}

# ping_stop SIGNAL FILE: sends SIGNAL to the plugin, waits for it; then status, output
# and lines as `run` sets them.
ping_stop() {
	kill "-$1" "$PING_PID"
	status=0
	wait "$PING_PID" || status=$?
	output=$(cat "$2")
	mapfile -t lines <<<"$output"
}

# state_line: the state line, the one starting with "TCP ".
state_line() {
	grep -E '^TCP ' <<<"$output"
}

# nft_packets HANDLE_COMMENT: the packets counted by the lab's input rule whose comment is
# HANDLE_COMMENT.
nft_packets() {
	lab_exec nft list chain inet lab input |
		sed -n -E "s/.*counter packets ([0-9]+) bytes.*comment \"$1\".*/\\1/p"
}

@test "-n 0 to an open port, ended by INT: the summary counts every SYN the kernel saw, OK, exit 0" {
	lab_require_root
	port=$(lab_server accept 127.0.0.1 open)
	lab_nft "add rule inet lab input tcp dport $port tcp flags & (syn | ack) == syn counter comment \"syns\""
	out=$BATS_TEST_TMPDIR/out
	ping_start "$out" lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -n 0 -i 0.05 -w 1 -c 2
	wait_probe_lines "$out" 5
	ping_stop INT "$out"
	[ "$status" -eq 0 ]
	n=$(probe_lines "$out")
	[ "$n" -ge 5 ]
	[ "$(nft_packets syns)" -eq "$n" ]
	[ "$(probe_lines "$out" "^127\.0\.0\.1 port $port: connected in [0-9]+\.[0-9]{3} ms")" -eq "$n" ]
	assert_output_has "--- 127.0.0.1 port $port ---"
	assert_output_has "$n probes sent, $n connected, 0% loss, "
	[[ $output =~ connect\ min/avg/max/mdev\ =\ [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}\ ms ]]
	assert_output_has "no failed probe"
	[[ $(state_line) =~ ^TCP\ OK\ -\ [0-9.]+\ second\ average\ response\ time\ on\ 127\.0\.0\.1\ port\ $port:\ $n\ of\ $n\ probes\ connected,\ 0%\ loss\|time=[0-9.]+s\;1\;2\;0\; ]]
	# the state line is the last line: a monitoring wrapper reading the tail finds it
	[[ ${lines[-1]} == "TCP OK - "* ]]
}

@test "-n 0 to a refused port: every probe refused, CRITICAL, exit 2, still failing at the end" {
	port=$(server_start bound 127.0.0.1)
	out=$BATS_TEST_TMPDIR/out
	ping_start "$out" "$PLUGIN" -H 127.0.0.1 -p "$port" -n 0 -i 0.05
	wait_probe_lines "$out" 3
	ping_stop INT "$out"
	[ "$status" -eq 2 ]
	n=$(probe_lines "$out")
	[ "$(probe_lines "$out" ": refused after [0-9.]+ ms")" -eq "$n" ]
	assert_output_has "$n probes sent, 0 connected, 100% loss, "
	[[ $output =~ longest\ failure\ run:\ $n\ probes,\ from\ .*\ to\ .*,\ still\ failing\ at\ the\ end ]]
	[ "$(state_line)" = "TCP CRITICAL - connect to address 127.0.0.1 and port $port: Connection refused ($n of $n probes failed)|loss=100%;;;0;100" ]
}

@test "-n 0 through a drop window: the longest failure run has the dropped probes and their times" {
	lab_require_root
	port=$(lab_server accept 127.0.0.1 window)
	out=$BATS_TEST_TMPDIR/out
	ping_start "$out" lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -n 0 -i 0.1 -t 0.05 --timestamp \
		--critical-loss 20
	wait_probe_lines "$out" 3
	before=$EPOCHREALTIME
	lab_nft "add rule inet lab input tcp dport $port tcp flags & (syn | ack) == syn counter drop comment \"window\""
	wait_probe_lines "$out" 4 "timed out after"
	# an accept rule put first ends the window; the drop rule's counter stays as it was
	lab_nft "insert rule inet lab input tcp dport $port accept"
	after=$EPOCHREALTIME
	connected=$(probe_lines "$out" connected)
	wait_probe_lines "$out" $((connected + 3)) connected
	ping_stop INT "$out"
	[ "$status" -eq 2 ]
	[[ $(state_line) == "TCP CRITICAL - "*" probes connected, "*"% loss|"* ]]
	failed=$(probe_lines "$out" "timed out after")
	[ "$(nft_packets window)" -eq "$failed" ]
	# the run is the timed-out lines, from the first to the last, in one stretch
	first=$(grep -m1 'timed out after' "$out" | cut -c1-23)
	last=$(grep 'timed out after' "$out" | tail -n1 | cut -c1-23)
	[ "$(grep -E "$PROBE_LINE" "$out" | grep -n 'timed out' | cut -d: -f1 | sed -n '1p;$p' |
		paste -sd- | bc)" -eq $((1 - failed)) ]
	assert_output_has "longest failure run: $failed probes, from $first to $last ("
	assert_output_lacks "still failing"
	# the times are the wall clock's, inside the window
	begin=$(date -d "$first" +%s.%N)
	end=$(date -d "$last" +%s.%N)
	(($(bc <<<"$begin >= $before - 0.001 && $begin <= $before + 0.5")))
	(($(bc <<<"$end <= $after + 0.001 && $end >= $after - 0.5")))
	# and the span it gives is theirs (the lines show milliseconds, the span is exact)
	span=$(sed -n -E 's/^longest failure run: .* \(([0-9.]+) s\)$/\1/p' <<<"$output")
	(($(bc <<<"d = $span - ($end - $begin); d < 0.002 && d > -0.002")))
	n=$(probe_lines "$out")
	assert_output_has "$n probes sent, $((n - failed)) connected, "
	# the most it lasted: from the connected line before the run to the one after it
	ok_before=$(grep -B1 -m1 'timed out after' "$out" | head -n1 | cut -c1-23)
	ok_after=$(grep -A1 'timed out after' "$out" | tail -n1 | cut -c1-23)
	[[ $(grep -A1 'timed out after' "$out" | tail -n1) == *"connected in"* ]]
	assert_output_has "down at most "
	assert_output_has " s: connected at $ok_before, and again at $ok_after"
	most=$(sed -n -E 's/^down at most ([0-9.]+) s: .*/\1/p' <<<"$output")
	(($(bc <<<"d = $most - ($(date -d "$ok_after" +%s.%N) - $(date -d "$ok_before" +%s.%N)); d < 0.002 && d > -0.002")))
	(($(bc <<<"$most > $span")))
}

@test "-n 0 lines reach a pipe as they happen, before the plugin ends" {
	port=$(server_start accept 127.0.0.1)
	out=$BATS_TEST_TMPDIR/out fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	cat "$fifo" >"$out" 3>&- &
	reader=$!
	ping_start "$fifo" "$PLUGIN" -H 127.0.0.1 -p "$port" -n 0 -i 0.05
	wait_probe_lines "$out" 2
	# still running, writing into a pipe: the lines came as they happened
	[ -p "/proc/$PING_PID/fd/1" ]
	ping_stop INT "$out"
	[ "$status" -eq 0 ]
	wait "$reader"
	grep -q "^TCP OK - " "$out"
}

@test "-n 0 --timestamp dates each probe line with the local time to the millisecond" {
	port=$(server_start accept 127.0.0.1)
	out=$BATS_TEST_TMPDIR/out
	ping_start "$out" "$PLUGIN" -H 127.0.0.1 -p "$port" -n 0 -i 0.05 --timestamp
	wait_probe_lines "$out" 2
	ping_stop INT "$out"
	[[ ${lines[0]} =~ ^([0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3})\ 127\.0\.0\.1\ port\ $port:\ connected\ in\ [0-9]+\.[0-9]{3}\ ms\ \(probe\ 1\)$ ]]
	stamp=$(date -d "${BASH_REMATCH[1]}" +%s)
	(($(date +%s) - stamp < 5))
}

@test "-n 0 ended by TERM or HUP gives the summary and the state too" {
	port=$(server_start accept 127.0.0.1)
	out=$BATS_TEST_TMPDIR/out
	for sig in TERM HUP; do
		ping_start "$out" "$PLUGIN" -H 127.0.0.1 -p "$port" -n 0 -i 0.05
		wait_probe_lines "$out" 2
		ping_stop "$sig" "$out"
		[ "$status" -eq 0 ]
		assert_output_has " connected, 0% loss, "
		[[ $(state_line) == "TCP OK - "* ]]
		assert_output_lacks "terminated by a signal"
	done
}

@test "-n 0 under timeout(1), which signals the plugin and then its process group: the state, not the signal's death" {
	# timeout(1) signals the process group as well: under the sanitizers that signal can
	# reach LeakSanitizer's exit-time tracer and stall it; -k turns any hang into a failure
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	# a reply that never completes keeps a probe in flight when the signals come
	port=$(server_start trickle 127.0.0.1 -w 0.3 -T '220 hello world\r\n')
	for sig in INT TERM; do
		for _ in 1 2; do
			# the second signal came while the first was being handled, and killed the
			# run once the summary was written (130, 143)
			run -2 timeout --preserve-status -k 10 -s "$sig" 1.2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e world -t 0.5 -n 0 -i 0.1
			assert_output_has " probes sent, 0 connected, 100% loss, "
			[[ ${lines[-1]} == "TCP CRITICAL - Socket timeout after 0.5 seconds while waiting for the reply of 127.0.0.1 port $port, still incomplete after "* ]]
		done
	done
}

@test "-n 0 whose reader stops reading: a signal ends it within the summary's second, however large the summary" {
	# 400 refused ports with -v: a summary far larger than a pipe, and a reader that
	# holds the pipe without reading (a paused pager); one write() of it blocked for as
	# long as the reader did, with the signals that end a run then ignored
	fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	# shellcheck disable=SC2217 # the reader holds the fifo open, and never reads
	sleep 15 <"$fifo" &
	reader=$!
	"$PLUGIN" -n 0 -H 127.0.0.1 -p 1-400 -v >"$fifo" &
	pid=$!
	sleep 0.5
	signal_and_wait "$pid" INT
	kill "$reader" 2>/dev/null || true
	# shellcheck disable=SC2154 # took: signal_and_wait
	printf '# ended %s ms after INT, status %s\n' "$took" "$status" >&3
	[ "$status" -eq 2 ]
	((took < 2500))
}

@test "-n 0 ends by itself when its reader goes away (| head)" {
	port=$(server_start accept 127.0.0.1)
	start=$(now_ms)
	run -0 bash -c '"$1" -H 127.0.0.1 -p "$2" -n 0 -i 0.05 | head -n 2 >/dev/null; echo "${PIPESTATUS[0]}"' \
		ping "$PLUGIN" "$port"
	assert_below_ms "$start" 5000
	[ "$output" = 0 ]
}

@test "-n 0 stopped before any probe ended is UNKNOWN: nothing was measured, the probe in flight is not lost" {
	port=$(server_start full 127.0.0.1)
	out=$BATS_TEST_TMPDIR/out
	ping_start "$out" "$PLUGIN" -H 127.0.0.1 -p "$port" -n 0 -t 5
	sleep 0.3
	ping_stop INT "$out"
	[ "$status" -eq 3 ]
	[ "$output" = "TCP UNKNOWN - stopped before any probe ended: nothing was measured" ]
}

@test "-n 0 -vv says what -t is there: each probe's timeout and the lookups' bound" {
	port=$(server_start accept 127.0.0.1)
	out=$BATS_TEST_TMPDIR/out
	ping_start "$out" "$PLUGIN" -H 127.0.0.1 -p "$port" -n 0 -t 3 -vv
	wait_probe_lines "$out" 1
	ping_stop INT "$out"
	[ "$status" -eq 0 ]
	assert_output_has "settings: timeout 3 s for each probe and the lookups (-n 0), "
}

@test "-n 0 -w: the thresholds on the time give the exit code" {
	port=$(server_start accept 127.0.0.1)
	out=$BATS_TEST_TMPDIR/out
	ping_start "$out" "$PLUGIN" -H 127.0.0.1 -p "$port" -n 0 -i 0.05 -w 0.000000001
	wait_probe_lines "$out" 2
	ping_stop INT "$out"
	[ "$status" -eq 1 ]
	[[ $(state_line) == "TCP WARNING - "* ]]
}

# perf VALUE_NAME: the number of the perfdata item VALUE_NAME on the state line, in seconds.
perf() {
	state_line | sed -n -E "s/.*[| ]$1=([0-9.]+)s;.*/\\1/p"
}

# spread FIELD WHAT: FIELD (1 min, 2 avg, 3 max) of the summary's "WHAT min/avg/max/mdev".
spread() {
	sed -n -E "s|^$2 min/avg/max/mdev = ([0-9.]+)/([0-9.]+)/([0-9.]+)/([0-9.]+) ms$|\\$1|p" <<<"$output"
}

# below A B, at_least A B: numeric comparisons of decimals.
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

@test "-n 0 -e against a server that answers 200 ms after accepting: connect is the handshake, response the wait, in every line and in perfdata" {
	port=$(server_start delayed 127.0.0.1 -w 0.2 -T 'hello\r\n')
	out=$BATS_TEST_TMPDIR/out
	ping_start "$out" "$PLUGIN" -H 127.0.0.1 -p "$port" -e hello -n 0 -i 0.05
	wait_probe_lines "$out" 2
	ping_stop INT "$out"
	[ "$status" -eq 0 ]
	n=$(probe_lines "$out")
	[ "$(probe_lines "$out" ": connected in [0-9.]+ ms, response [0-9.]+ ms \(probe")" -eq "$n" ]
	# the server's 200 ms are in the response, never in the connect time (the plugin
	# may see its handshake complete a moment after the server's accept started the
	# 200 ms: a loaded machine measured 199.x)
	while read -r c r; do
		below "$c" 50
		at_least "$r" 150
	done < <(sed -n -E 's/.*: connected in ([0-9.]+) ms, response ([0-9.]+) ms .*/\1 \2/p' "$out")
	assert_output_has "$n probes sent, $n connected, 0% loss, "
	below "$(spread 3 connect)" 50
	at_least "$(spread 1 response)" 150
	[[ $(state_line) =~ ^TCP\ OK\ -\ [0-9.]+\ second\ average\ response\ time\ on\ 127\.0\.0\.1\ port\ $port:\ $n\ of\ $n\ probes\ connected,\ 0%\ loss\ \[hello\]\| ]]
	# the summary's averages are the perfdata's, in ms
	below "$(perf connect)" 0.05
	at_least "$(perf response)" 0.15
	at_least "$(perf time)" 0.15
	awk -v a="$(spread 2 connect)" -v b="$(perf connect)" 'BEGIN { d = a - 1000 * b; exit !(d < 0.002 && d > -0.002) }'
	awk -v a="$(spread 2 response)" -v b="$(perf response)" 'BEGIN { d = a - 1000 * b; exit !(d < 0.002 && d > -0.002) }'
}

@test "-n 0 -e -d 0.3: -d's wait is in no time it prints, as in the state line's and perfdata's" {
	port=$(server_start banner 127.0.0.1 -T 'hello\r\n')
	out=$BATS_TEST_TMPDIR/out
	ping_start "$out" "$PLUGIN" -H 127.0.0.1 -p "$port" -e hello -d 0.3 -n 0 -i 0.05
	wait_probe_lines "$out" 2
	ping_stop INT "$out"
	[ "$status" -eq 0 ]
	while read -r c r; do
		below "$c" 50
		below "$r" 100
	done < <(sed -n -E 's/.*: connected in ([0-9.]+) ms, response ([0-9.]+) ms .*/\1 \2/p' "$out")
	below "$(spread 3 connect)" 50
	below "$(spread 3 response)" 100
	below "$(perf time)" 0.1
	below "$(perf response)" 0.1
}

@test "-e -d 0.3 -v: the first byte's time leaves -d out, the same figure as response=" {
	port=$(server_start banner 127.0.0.1 -T 'hello\r\n')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -e hello -d 0.3 -v
	first=$(sed -n -E 's/.*received 7 bytes \(the first ([0-9.]+) s after sending\): expectation met after ([0-9.]+) s \(-d.s wait of 0\.3[0-9]* s left out\)$/\1/p' <<<"$output")
	[ -n "$first" ]
	[ "${first}s" = "$(perf response)s" ]
	below "$first" 0.1
}

@test "-n 0 with json, value, state or lld output is a usage error" {
	for format in json value state lld; do
		run -3 "$PLUGIN" -H 127.0.0.1 -p 1 -n 0 --output "$format"
		[ "${#lines[@]}" -eq 1 ]
		[[ $output == *"-n 0 runs until interrupted"* || $output == 3 ]]
	done
	run -3 "$PLUGIN" -H 127.0.0.1 -p 1 -n 3 --timestamp
	[ "$output" = "TCP UNKNOWN - --timestamp is for -n 0, whose probe lines it dates (see 'check_tcpport --help')" ]
}

@test "-n 0: a name that does not resolve within -t ends the run by itself" {
	lab_require_root
	lab_dns_hang
	start=$(now_ms)
	run -2 lab_exec "$PLUGIN" -H nosuch.lab.test -p 80 -n 0 -t 0.5
	assert_below_ms "$start" 3000
	assert_first_line "^TCP CRITICAL - .*nosuch\.lab\.test"
}

# A stop during the lookup was told as a resolver timeout of -t, which never came.
@test "-n 0 stopped during the name lookup is UNKNOWN, not a resolver timeout" {
	lab_require_root
	lab_dns_hang
	out=$BATS_TEST_TMPDIR/out
	ping_start "$out" lab_exec "$PLUGIN" -H nosuch.lab.test -p 80 -n 0 -t 5
	sleep 0.5
	start=$(now_ms)
	ping_stop INT "$out"
	assert_below_ms "$start" 1000
	[ "$status" -eq 3 ]
	[ "$output" = "TCP UNKNOWN - stopped before any probe ended: nothing was measured" ]
}

# A reader that stops reading (a full pipe, a paused pager) held the plugin in write(),
# deaf to Ctrl-C. The signal now ends the run, and the summary waits a second at most.
@test "-n 0 into a pipe nobody reads: Ctrl-C still ends it, within seconds" {
	port=$(server_start accept 127.0.0.1)
	fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	# the reader opens the fifo and never reads: the pipe fills
	sleep 30 <"$fifo" &
	reader=$!
	"$PLUGIN" -H 127.0.0.1 -p "$port" -n 0 -i 0.001 >"$fifo" 2>/dev/null &
	PING_PID=$!
	# wait until the plugin is blocked on the full pipe
	for ((i = 0; i < 200; i++)); do
		[[ $(cat "/proc/$PING_PID/wchan" 2>/dev/null) == *pipe_write* ]] && break
		sleep 0.05
	done
	[[ $(cat "/proc/$PING_PID/wchan") == *pipe_write* ]]
	start=$(now_ms)
	kill -INT "$PING_PID"
	status=0
	wait "$PING_PID" || status=$?
	assert_below_ms "$start" 4000
	# its state, not a death by the signal: the probes connected
	[ "$status" -eq 0 ]
	kill "$reader" 2>/dev/null || true
}

# With stdout closed, a probe socket took fd 1 and the other targets' probe lines went
# into that server's connection (found by an attack). The standard fds are held on
# /dev/null, and a ping with nowhere to show its probes does not start.
@test "stdout closed: no line ever reaches a server, and -n 0 does not start" {
	got=$BATS_TEST_TMPDIR/got
	held=$(server_start silent 127.0.0.1 -o "$got")
	closing=$(server_start accept 127.0.0.1)
	run -3 bash -c '"$1" -H 127.0.0.1 -p "$2,$3" -n 0 -i 0.05 -t 2 -e XYZ >&-' _ "$PLUGIN" "$held" "$closing"
	[ "$output" = "check_tcpport: -n 0 shows its probes on stdout, which is closed: nothing was run" ]
	# a monitoring run with stdout closed still runs, and writes nowhere but /dev/null
	run -2 bash -c '"$1" -H 127.0.0.1 -p "$2,$3" -e XYZ -t 1 -v >&-' _ "$PLUGIN" "$held" "$closing"
	sleep 0.2
	[[ ! -s $got ]]
}

# bats test_tags=slow
@test "-n 0 keeps its memory and descriptors through thousands of fast probes" {
	port=$(server_start bound 127.0.0.1)
	out=$BATS_TEST_TMPDIR/out
	ping_start "$out" "$PLUGIN" -H 127.0.0.1 -p "$port" -n 0 -i 0.001
	wait_probe_lines "$out" 500
	rss1=$(awk '/^VmRSS/ {print $2}' "/proc/$PING_PID/status")
	fds1=$(ls "/proc/$PING_PID/fd" | wc -l)
	wait_probe_lines "$out" 3000
	rss2=$(awk '/^VmRSS/ {print $2}' "/proc/$PING_PID/status")
	fds2=$(ls "/proc/$PING_PID/fd" | wc -l)
	ping_stop INT "$out"
	[ "$status" -eq 2 ]
	# at most the socket of the probe in flight when a count was taken (every probe has
	# one for a moment, and a sanitizer build's probes last longer)
	((fds2 <= fds1 + 1))
	# kB: a page or two for the stack, never a byte a probe (AddressSanitizer's
	# quarantine holds freed memory for a while: its RSS is not the plugin's)
	plugin_sanitized || ((rss2 - rss1 < 64))
	n=$(probe_lines "$out")
	assert_output_has "$n probes sent, 0 connected, 100% loss"
}
