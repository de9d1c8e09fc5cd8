#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# One deadline, -t in fractional seconds, bounds the whole run: connecting and name
# resolution alike. Bounds here are loose enough for a busy machine and tight enough to
# catch a whole-second rounding or an unbounded resolver; precise figures are in bench/.

load helpers/common
load helpers/lab_hooks

@test "-t 0.3 on a silent port answers in under 0.6 s" {
	port=$(server_start full 127.0.0.1)
	start=$(now_ms)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -t 0.3
	assert_below_ms "$start" 600
	assert_first_line "^TCP CRITICAL - Socket timeout after 0\.3 seconds while connecting to 127\.0\.0\.1 port $port$"
}

@test "-t 1.25 waits at least 1.25 s, not a rounded whole second" {
	port=$(server_start full 127.0.0.1)
	start=$(now_ms)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -t 1.25
	took=$(($(now_ms) - start))
	((took >= 1250))
	assert_below_ms "$start" 1750
	assert_first_line "Socket timeout after 1\.25 seconds"
}

@test "a hanging resolver is cut at -t 1: CRITICAL in under 1.5 s, naming the phase" {
	lab_require_root
	lab_dns_hang
	start=$(now_ms)
	run -2 lab_exec "$PLUGIN" -H db.hang.test -p 80 -t 1
	assert_below_ms "$start" 1500
	[ "$output" = "TCP CRITICAL - Timeout after 1 seconds while resolving db.hang.test: the resolver did not answer" ]
}

@test "a resolver timeout is a resolver outcome, not a connect timeout" {
	lab_require_root
	lab_dns_hang
	run -3 lab_exec "$PLUGIN" -H db.hang.test -p 80 -t 0.5 --state resolver=unknown
	assert_first_line "^TCP UNKNOWN - Timeout after 0\.5 seconds while resolving"
	# "this port must stay closed" cannot be OK when the name never resolved
	run -2 lab_exec "$PLUGIN" -H db.hang.test -p 80 -t 0.5:ok --state connected=critical,refused=ok
	assert_first_line "^TCP CRITICAL - Timeout after 0\.5 seconds while resolving"
}

@test "-v on a hanging resolver says the resolver did not answer and where to look" {
	lab_require_root
	lab_dns_hang
	run -2 lab_exec "$PLUGIN" -H db.hang.test -p 80 -t 0.3 -v
	[[ ${lines[1]} =~ ^resolve:\ db\.hang\.test:\ no\ answer\ from\ the\ resolver\ before\ the\ deadline ]]
	[[ ${lines[2]} == "hint: name resolution itself failed"*"resolv.conf"* ]]
}

@test "a run ends when its last probe does, not at the deadline" {
	port=$(server_start full 127.0.0.1)
	start=$(now_ms)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -t 5 --probe-timeout 0.2
	assert_below_ms "$start" 1000
	assert_first_line "^TCP CRITICAL - Socket timeout after 0\.2 seconds while connecting"
	banner=$(server_start banner 127.0.0.1 -T 'hello\r\n')
	start=$(now_ms)
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$banner" -e bye -t 5
	assert_below_ms "$start" 1500
}

# A literal address needs no lookup: it is probed at once, beside a name whose resolver
# hangs, and only the name's own target ends as a resolver timeout at the deadline. The
# words are those of any 2-host run where one host fails (see addresses.bats).
@test "a hanging name beside a literal: the literal is probed, only the name times out" {
	lab_require_root
	lab_dns_hang
	port=$(lab_server accept 127.0.0.1 beside)
	start=$(now_ms)
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -H db.hang.test -p "$port" -t 2
	assert_below_ms "$start" 2500
	assert_first_line "^TCP CRITICAL - 1 of 2 hosts failed: db\.hang\.test:$port resolver timed out\|'time_127\.0\.0\.1:$port'=[0-9]+\.[0-9]{6}s;;;0;2$"
	[[ ${lines[1]} =~ ^127\.0\.0\.1:$port:\ OK\ -\ [0-9]+\.[0-9]{6}\ second\ response\ time\ on\ 127\.0\.0\.1\ port\ $port$ ]]
	[ "${lines[2]}" = "db.hang.test:$port: CRITICAL - Timeout after 2 seconds while resolving db.hang.test: the resolver did not answer" ]
	[ "${#lines[@]}" -eq 3 ]
}

@test "a hanging name beside a literal: --min-ok 1 is satisfied by the literal" {
	lab_require_root
	lab_dns_hang
	port=$(lab_server accept 127.0.0.1 minok)
	start=$(now_ms)
	run -0 lab_exec "$PLUGIN" -H 127.0.0.1 -H db.hang.test -p "$port" -t 2 --min-ok 1
	assert_below_ms "$start" 2500
	assert_first_line "^TCP OK - 1 of 2 hosts OK, 1 needed; 1 failed: db\.hang\.test:$port resolver timed out\|'time_127\.0\.0\.1:$port'=[0-9]+\.[0-9]{6}s;;;0;2$"
	[[ ${lines[1]} == "127.0.0.1:$port: OK - "*" second response time on 127.0.0.1 port $port" ]]
	[ "${lines[2]}" = "db.hang.test:$port: CRITICAL - Timeout after 2 seconds while resolving db.hang.test: the resolver did not answer" ]
}

@test "a hanging name beside a literal, in JSON: connected and resolver, each on its target" {
	lab_require_root
	lab_dns_hang
	port=$(lab_server accept 127.0.0.1 json)
	start=$(now_ms)
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -H db.hang.test -p "$port" -t 2 --output=json
	assert_below_ms "$start" 2500
	[[ $output == '{"state":"CRITICAL","code":2,"message":"1 of 2 hosts failed: db.hang.test:'"$port"' resolver timed out","perfdata":"'"'time_127.0.0.1:$port'"'='* ]]
	# the literal's target, whole: no lookup, so no dns time
	assert_output_has '{"host":"127.0.0.1","address":"127.0.0.1","port":'"$port"',"state":"OK","code":0,"outcome":"connected","time":0.'
	[[ $output =~ \"outcome\":\"connected\",\"time\":([0-9.]+),\"connect\":([0-9.]+),\"response\":null,\"dns\":null, ]]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
	assert_output_has '{"host":"db.hang.test","address":null,"port":'"$port"',"state":"CRITICAL","code":2,"outcome":"resolver","time":null,"connect":null,"response":null,"dns":null,"loss":null,"not_run":null,"message":"Timeout after 2 seconds while resolving db.hang.test: the resolver did not answer"}]}'
	assert_output_lacks '"outcome":"timeout"'
}

@test "a host whose address cannot be made (an unknown zone) ends at once, not at -t" {
	# with no address, no host needs a socket: the budget was 0, and it waited for -t
	start=$(now_ms)
	run -2 "$PLUGIN" -H '::1%nosuch0' -p 80 -t 5
	assert_below_ms "$start" 2000
	[ "${lines[0]}" = "TCP CRITICAL - cannot resolve ::1%nosuch0: Name or service not known" ]
	start=$(now_ms)
	run -2 "$PLUGIN" -H '[::1%nosuch0]:80' -H '[::1%nosuch1]:81' -t 5
	assert_below_ms "$start" 2000
}

# waited_in_trace PORT: seconds from the connect() to PORT to the close() of its socket,
# in the strace -ttt output $trace: how long the plugin really waited for that port.
waited_in_trace() {
	awk -v port="htons($1)" '
		index($0, port) && $3 ~ /^connect\(/ { fd = $3; sub(/^connect\(/, "", fd); sub(/,$/, "", fd); start = $2 }
		start != "" && $3 == "close(" fd ")" { print $2 - start; start = "" }' "$trace"
}

@test "ports held back by --max-parallel say what each waited before the deadline cut it, not -t" {
	lab_require_root
	lab_nft 'add rule inet lab input tcp dport { 6000, 6001 } drop'
	trace=$BATS_TEST_TMPDIR/trace
	# -t 1 shared by -n 2: 0.5 s a probe; 6001 waits for 6000's socket, starts 0.5 s in,
	# and the deadline cuts it after 0.5 s, not 1 s
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 # LSan cannot be traced
	run -2 lab_exec strace -f -ttt -o "$trace" -e trace=connect,close \
		"$PLUGIN" -H 127.0.0.1 -p 6000,6001 --max-parallel 1 -n 2 -t 1
	assert_first_line "^TCP CRITICAL - 2 of 2 ports failed: 6000 timed out, 6001 timed out\|'loss_6000'=100%;;;0;100 'loss_6001'=100%;;;0;100$"
	for p in 6000 6001; do
		said=$(sed -n "s/^$p: CRITICAL - Socket timeout after \([0-9.]*\) seconds while connecting to 127\.0\.0\.1 port $p (1 of 1 probes sent failed, 1 not run: the deadline came first)$/\1/p" <<<"$output")
		seen=$(waited_in_trace "$p")
		printf '# %s: said %s s, strace saw %s s\n' "$p" "$said" "$seen" >&3
		awk -v s="$said" -v k="$seen" 'BEGIN { d = s - k; exit !(s != "" && k > 0.4 && k < 0.6 && d < 0.005 && d > -0.005) }'
	done
}
