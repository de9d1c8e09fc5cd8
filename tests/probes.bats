#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Repeated probes (-n, -i): min/avg/max, jitter, loss, loss thresholds, all inside -t.

load helpers/common
load helpers/lab_hooks

# perf NAME: the value of perfdata item NAME on the first line, without its unit.
perf() {
	local item=${lines[0]#*|}
	item=" $item "
	item=${item#* $1=}
	item=${item%%;*}
	echo "${item%[s%]}"
}

@test "-n 5 reports the average, min, max, jitter and loss" {
	port=$(server_start accept 127.0.0.1)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -n 5 -i 0.05 -w 1 -c 2
	assert_first_line "^TCP OK - [0-9]+\.[0-9]{6} second average response time on 127\.0\.0\.1 port $port: 5 of 5 probes connected, 0% loss\|time=[0-9.]+s;1;2;0;10 time_min=[0-9.]+s;;;0;10 time_max=[0-9.]+s;;;0;10 jitter=[0-9.]+s;;;0; loss=0%;;;0;100$"
	avg=$(perf time) min=$(perf time_min) max=$(perf time_max)
	awk -v a="$avg" -v l="$min" -v h="$max" 'BEGIN { exit !(l <= a && a <= h && l > 0) }'
}

@test "probes start -i apart" {
	port=$(server_start accept 127.0.0.1)
	start=$(now_ms)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -n 3 -i 0.3
	took=$(($(now_ms) - start))
	((took >= 600))
	assert_below_ms "$start" 1500
}

@test "probes keep to the -i grid: the loop's lateness does not add up over -n probes" {
	command -v strace >/dev/null || { [ "${CI:-}" != true ] || false; skip "strace is not installed"; }
	port=$(server_start accept 127.0.0.1)
	trace=$BATS_TEST_TMPDIR/trace
	# LeakSanitizer cannot run under ptrace
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	# strace makes each start late; 100 probes added that up to 20-40 ms
	run -0 strace -f -ttt -o "$trace" -e trace=connect "$PLUGIN" -H 127.0.0.1 -p "$port" -n 100 -i 0.01 -t 2
	assert_first_line ": 100 of 100 probes connected, 0% loss\|"
	# each start's lateness behind the grid of the first: the median of the last ten
	# is that of the first ten (one start late under load is noise, not drift)
	grep "htons($port)" "$trace" |
		awk 'NR == 1 { first = $2 } { printf "%.6f\n", $2 - first - (NR - 1) * 0.01 }' >"$trace.late"
	[ "$(wc -l <"$trace.late")" -eq 100 ]
	early=$(head -n 10 "$trace.late" | sort -g | sed -n 5,6p | awk '{ s += $1 } END { print s / 2 }')
	late=$(tail -n 10 "$trace.late" | sort -g | sed -n 5,6p | awk '{ s += $1 } END { print s / 2 }')
	printf '# median lateness: first ten %s s, last ten %s s\n' "$early" "$late" >&3
	awk -v a="$early" -v b="$late" 'BEGIN { d = b - a; exit !(d < 0.004 && d > -0.004) }'
}

@test "every probe refused is the refusal's state, with 100% loss" {
	port=$(server_start bound 127.0.0.1)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -n 3 -i 0.05
	[ "$output" = "TCP CRITICAL - connect to address 127.0.0.1 and port $port: Connection refused (3 of 3 probes failed)|loss=100%;;;0;100" ]
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -n 3 -i 0.05 -r ok
}

@test "each probe waits -t divided by -n, so the run stays inside -t" {
	port=$(server_start full 127.0.0.1)
	start=$(now_ms)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -n 3 -t 0.6
	assert_below_ms "$start" 1000
	assert_first_line "^TCP CRITICAL - Socket timeout after 0\.2 seconds while connecting to 127\.0\.0\.1 port $port \(3 of 3 probes failed\)\|loss=100%;;;0;100$"
}

@test "--probe-timeout sets each probe's wait" {
	port=$(server_start full 127.0.0.1)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -n 2 -i 0.1 --probe-timeout 0.15 -t 2
	assert_first_line "^TCP CRITICAL - Socket timeout after 0\.15 seconds while connecting"
}

@test "loss is judged by --warning-loss and --critical-loss: every other SYN lost" {
	lab_require_root
	port=$(lab_server accept 127.0.0.1 lossy)
	lab_slow_syn "$port"
	# each probe waits 0.5 s: a lost first SYN is not retried in time, so every other
	# probe is lost
	run -1 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -n 4 -t 2 --warning-loss 25 --critical-loss 75%
	assert_first_line "^TCP WARNING - 0\.[0-9]+ second average response time on 127\.0\.0\.1 port $port: 2 of 4 probes connected, 50% loss\|.* loss=50%;25;75;0;100$"
	lab_reset
	lab_slow_syn "$port"
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -n 4 -t 2 --critical-loss 40
	assert_first_line "^TCP CRITICAL - .* 2 of 4 probes connected, 50% loss\|"
	lab_reset
	lab_slow_syn "$port"
	run -0 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -n 4 -t 2
	assert_first_line "^TCP OK - .* 2 of 4 probes connected, 50% loss\|"
}

@test "-w and -c judge the average time of the probes" {
	lab_require_root
	port=$(lab_server accept 127.0.0.1 slowavg)
	lab_slow_syn "$port"
	run -1 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -n 2 -i 1.2 -t 4 -w 0.5 -c 3
	assert_first_line "^TCP WARNING - (0\.9|1\.[0-4])[0-9]* second average response time on 127\.0\.0\.1 port $port: 2 of 2 probes connected, 0% loss\|time=(0\.9|1\.[0-4])[0-9]*s;0\.5;3;0;4 "
}

@test "several ports with -n get per-port statistics with quoted labels" {
	a=$(server_start accept 127.0.0.1)
	r=$(server_start bound 127.0.0.1)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$a,$r" -n 2 -i 0.05
	assert_first_line "^TCP CRITICAL - 1 of 2 ports failed: $r refused\|'time_$a'=[0-9.]+s;;;0;10 'time_min_$a'=[0-9.]+s;;;0;10 'time_max_$a'=[0-9.]+s;;;0;10 'jitter_$a'=[0-9.]+s;;;0; 'loss_$a'=0%;;;0;100 'loss_$r'=100%;;;0;100$"
	[[ ${lines[1]} == "$a: OK - "*" second average response time on 127.0.0.1 port $a: 2 of 2 probes connected, 0% loss" ]]
	[ "${lines[2]}" = "$r: CRITICAL - connect to address 127.0.0.1 and port $r: Connection refused (2 of 2 probes failed)" ]
}

@test "-v at a terminal prints each probe as it happens, then the summary" {
	command -v script >/dev/null || skip "script (util-linux) not installed"
	port=$(server_start accept 127.0.0.1)
	run -0 script -qec "'$PLUGIN' -H 127.0.0.1 -p $port -n 3 -i 0.05 -v" /dev/null
	[[ ${lines[0]} =~ ^probe\ 1/3\ 127\.0\.0\.1\ port\ $port:\ connected\ to\ 127\.0\.0\.1\ in\ [0-9.]+\ s ]]
	[[ ${lines[1]} =~ ^probe\ 2/3 ]]
	[[ ${lines[2]} =~ ^probe\ 3/3 ]]
	[[ ${lines[3]} =~ ^TCP\ OK\ -\ [0-9.]+\ second\ average ]]
	[[ $output == *"probes $port: 3 sent, 3 connected, 0% loss, time min/avg/max/jitter "* ]]
}

@test "-v at a terminal with json, value or state prints the answer alone: no probe lines" {
	command -v script >/dev/null || skip "script (util-linux) not installed"
	port=$(server_start accept 127.0.0.1)
	run -0 script -qec "'$PLUGIN' -H 127.0.0.1 -p $port -n 2 -i 0.05 -v --output json" /dev/null
	[ "${#lines[@]}" -eq 1 ]
	[ "$(tr -d '\r' <<<"$output" | jq -r .state)" = OK ]
	run -0 script -qec "'$PLUGIN' -H 127.0.0.1 -p $port -n 2 -i 0.05 -v --output state" /dev/null
	[ "$(tr -d '\r' <<<"$output")" = 0 ]
	run -0 script -qec "'$PLUGIN' -H 127.0.0.1 -p $port -n 2 -i 0.05 -v --output value" /dev/null
	[[ $(tr -d '\r' <<<"$output") =~ ^0\.[0-9]{6}$ ]]
}

@test "-v into a pipe keeps the state line first: no probe lines" {
	port=$(server_start accept 127.0.0.1)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -n 3 -i 0.05 -v
	assert_first_line "^TCP OK - "
	assert_output_lacks "probe 1/3"
	[[ ${lines[2]} == "probes $port: 3 sent, 3 connected, 0% loss, time min/avg/max/jitter "* ]]
}
