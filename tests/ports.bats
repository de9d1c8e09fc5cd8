#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Many ports in one run: lists, ranges, service names, repeated -p, mixed outcomes, all
# under one deadline.

load helpers/common
load helpers/lab_hooks

@test "a list of open ports is OK: summary, one line per port, a time per port" {
	a=$(server_start accept 127.0.0.1)
	b=$(server_start accept 127.0.0.1)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$a,$b"
	assert_first_line "^TCP OK - 2 of 2 ports OK, slowest [0-9.]+ s \(($a|$b)\)\|'time_$a'=[0-9]+\.[0-9]{6}s;;;0;10 'time_$b'=[0-9]+\.[0-9]{6}s;;;0;10$"
	[[ ${lines[1]} =~ ^$a:\ OK\ -\ [0-9.]+\ second\ response\ time\ on\ 127\.0\.0\.1\ port\ $a$ ]]
	[[ ${lines[2]} =~ ^$b:\ OK\ -\ [0-9.]+\ second\ response\ time\ on\ 127\.0\.0\.1\ port\ $b$ ]]
	[ "${#lines[@]}" -eq 3 ]
}

@test "-p may be repeated, as Icinga 2 passes arrays, and a port named twice counts once" {
	a=$(server_start accept 127.0.0.1)
	b=$(server_start accept 127.0.0.1)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$a" -p "$b" -p "$a"
	assert_first_line "^TCP OK - 2 of 2 ports OK"
	[ "${#lines[@]}" -eq 3 ]
}

@test "mixed outcomes name each failure on the first line" {
	a=$(server_start accept 127.0.0.1)
	r=$(server_start bound 127.0.0.1)
	d=$(server_start full 127.0.0.1)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$a,$r,$d" -t 0.5
	assert_first_line "^TCP CRITICAL - 2 of 3 ports failed: $r refused, $d timed out\|'time_$a'=[0-9.]+s;;;0;0\.5$"
	[ "${lines[1]%% - *}" = "$a: OK" ]
	[ "${lines[2]}" = "$r: CRITICAL - connect to address 127.0.0.1 and port $r: Connection refused" ]
	[ "${lines[3]}" = "$d: CRITICAL - Socket timeout after 0.5 seconds while connecting to 127.0.0.1 port $d" ]
}

@test "each port keeps its own state: -r and thresholds apply per port" {
	a=$(server_start accept 127.0.0.1)
	r=$(server_start bound 127.0.0.1)
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$a,$r" -r warn
	assert_first_line "^TCP WARNING - 1 of 2 ports failed: $r refused\|"
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$a,$r" -r ok -c 0
	assert_first_line "^TCP CRITICAL - 1 of 2 ports failed: $a slow \([0-9.]+ s\)\|'time_$a'=[0-9.]+s;;0;0;10$"
}

@test "a range covers every port in it, and a failure list is cut after ten" {
	lab_require_root
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p 8000-8011 -t 2
	assert_first_line "^TCP CRITICAL - 12 of 12 ports failed: 8000 refused, 8001 refused, .*8009 refused, and 2 more$"
	[ "${#lines[@]}" -eq 13 ]
	[ "${lines[12]}" = "8011: CRITICAL - connect to address 127.0.0.1 and port 8011: Connection refused" ]
}

@test "service names mix with numbers in a list" {
	[ -r /etc/services ] || { [ "${CI:-}" != true ] || false; skip "no /etc/services (netbase)"; }
	lab_require_root
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p ssh,80,https -t 2
	assert_first_line "^TCP CRITICAL - 3 of 3 ports failed: 22 refused, 80 refused, 443 refused$"
}

@test "a thousand ports, half of them dropped, answer in about one -t" {
	lab_require_root
	lab_nft 'add rule inet lab input tcp dport 20000-20999 tcp dport & 1 == 0 drop'
	start=$(now_ms)
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p 20000-20999 -t 1
	assert_below_ms "$start" 2500
	assert_first_line "^TCP CRITICAL - 1000 of 1000 ports failed: 20000 timed out, 20001 refused, 20002 timed out,"
	[ "$(printf '%s\n' "$output" | grep -c ': CRITICAL - Socket timeout after 1 seconds')" -eq 500 ]
	[ "$(printf '%s\n' "$output" | grep -c ': CRITICAL - connect to address 127.0.0.1 and port [0-9]*: Connection refused$')" -eq 500 ]
}

@test "--max-parallel caps the sockets in flight: the rest wait their turn" {
	lab_require_root
	lab_nft 'add rule inet lab input tcp dport 21000-21009 drop'
	# 10 dropped ports, 2 at a time, 0.2 s each: 1 s in all
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p 21000-21009 -t 3 --probe-timeout 0.2 --max-parallel 2
	[ "$(printf '%s\n' "$output" | grep -c 'Socket timeout after 0.2 seconds while connecting')" -eq 10 ]
	# in 0.5 s: two pairs time out, the third is cut by the deadline, four are never tried
	start=$(now_ms)
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p 21000-21009 -t 0.5 --probe-timeout 0.2 --max-parallel 2 -v
	assert_below_ms "$start" 1000
	assert_first_line "^TCP CRITICAL - 10 of 10 ports failed: 21000 timed out, .*21005 timed out, 21006 not tried, 21007 not tried, 21008 not tried, 21009 not tried$"
	[ "$(printf '%s\n' "$output" | grep -c 'Socket timeout after 0.2 seconds while connecting')" -eq 4 ]
	# the third pair started about 0.4 s in and the deadline cut it after about 0.1 s:
	# each says what it waited, -v's figure to the millisecond, not -t
	[ "$(printf '%s\n' "$output" | grep -c 'Socket timeout after 0.5 seconds while connecting')" -eq 0 ]
	for p in 21004 21005; do
		waited=$(printf '%s\n' "$output" | sed -n "s/^connect 127\.0\.0\.1 port $p: no answer in \([0-9.]*\) s, started at +0\.[34].*/\1/p")
		said=$(printf '%s\n' "$output" | sed -n "s/^$p: CRITICAL - Socket timeout after \([0-9.]*\) seconds while connecting to 127\.0\.0\.1 port $p$/\1/p")
		same_ms "$said" "$waited"
		awk -v w="$waited" 'BEGIN { exit !(w > 0.05 && w < 0.15) }'
	done
	[ "$(printf '%s\n' "$output" | grep -c 'Socket timeout after 0.5 seconds before trying 127.0.0.1 port')" -eq 4 ]
	[ "$(printf '%s\n' "$output" | grep -c 'not tried, the deadline came first')" -eq 4 ]
	# the second pair starts when the first pair's sockets are freed, about 0.2 s in
	[[ $output =~ connect\ 127\.0\.0\.1\ port\ 21002:\ no\ answer\ in\ 0\.(19|20)[0-9]*\ s,\ started\ at\ \+0\.(19|2[0-4]) ]]
}

@test "a port list larger than the descriptor limit is worked in batches" {
	lab_require_root
	# 300 refused ports with at most 64 descriptors (and no way to raise the limit)
	run -2 lab_exec bash -c "ulimit -n 64 && exec \"\$0\" -H 127.0.0.1 -p 22000-22299 -t 3" "$PLUGIN"
	assert_first_line "^TCP CRITICAL - 300 of 300 ports failed: 22000 refused,"
	[ "$(printf '%s\n' "$output" | grep -c 'Connection refused$')" -eq 300 ]
}
