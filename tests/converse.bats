#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Talking to the service: send, expect, quit, limits, and every way a server can answer
# badly. The servers are the tcpserver fixture's talking modes.

load helpers/common

teardown() {
	servers_stop
}

@test "an expected banner is OK, shows the reply and splits the time" {
	port=$(server_start banner 127.0.0.1 -T '220 mail.test ESMTP ready\r\n')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -e 220
	assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $port \[220 mail\.test ESMTP ready\]\|time=[0-9.]+s;;;0;10 connect=[0-9.]+s;;;0;10 response=[0-9.]+s;;;0;10$"
}

@test "a reply without the expected text is a mismatch: WARNING with what came" {
	port=$(server_start banner 127.0.0.1 -T '220 mail.test ESMTP ready\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e 250
	[ "$output" = 'TCP WARNING - Unexpected response from host/socket 127.0.0.1 port '"$port"': 220 mail.test ESMTP ready' ]
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e 250 -M critical
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e 250 --state mismatch=crit
}

@test "-e is any of them, -A every one of them; --expect-regex counts too" {
	port=$(server_start banner 127.0.0.1 -T '220 mail.test ESMTP ready\r\n')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -e 250 -e ESMTP
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e 250 -e ESMTP -A
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -e 220 -e ESMTP -A
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --expect-regex '^220 [a-z.]+ ESMTP'
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --expect-regex '^250'
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --expect-regex '^220' -e ready -A
}

@test "an invalid --expect-regex is UNKNOWN before any traffic" {
	run -3 "$PLUGIN" -H 127.0.0.1 -p 1 --expect-regex 'a('
	assert_first_line "^TCP UNKNOWN - invalid --expect-regex 'a\(': "
}

@test "a delayed banner is waited for; -d is not counted in the time" {
	port=$(server_start delayed 127.0.0.1 -w 0.3 -T 'hello\r\n')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -e hello
	assert_first_line "^TCP OK - 0\.[3-9][0-9]* second response time .*response=0\.[3-9]"
	banner=$(server_start banner 127.0.0.1 -T 'hello\r\n')
	start=$(now_ms)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$banner" -e hello -d 0.4
	took=$(($(now_ms) - start))
	((took >= 400))
	assert_first_line "^TCP OK - 0\.[0-2][0-9]* second response time"
}

@test "a server that says nothing is a timeout while waiting for the reply" {
	port=$(server_start silent 127.0.0.1)
	start=$(now_ms)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e x -t 0.5
	assert_below_ms "$start" 1000
	[ "$output" = "TCP CRITICAL - Socket timeout after 0.5 seconds while waiting for the reply of 127.0.0.1 port $port" ]
	run -3 "$PLUGIN" -H 127.0.0.1 -p "$port" -e x -t 0.5:unknown
}

@test "a server that closes at once is CRITICAL: No data received from host" {
	port=$(server_start close 127.0.0.1)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e x
	[ "$output" = "TCP CRITICAL - No data received from host 127.0.0.1 port $port" ]
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e x --state no-data=warning
}

@test "a reset in the middle of the reply is CRITICAL and shows what came" {
	port=$(server_start reset 127.0.0.1 -T 'partial')
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e complete
	[ "$output" = "TCP CRITICAL - Connection reset by peer after 7 bytes from 127.0.0.1 port $port: partial" ]
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e complete --state reset=warning
}

@test "megabytes from a server are cut: a mismatch once the reply buffer is full" {
	port=$(server_start flood 127.0.0.1)
	start=$(now_ms)
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e 'never sent' -t 5
	assert_below_ms "$start" 3000
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: "
	[ "${#lines[@]}" -eq 1 ]
	[ "${#output}" -lt 500 ]
}

@test "a reply that trickles in one byte at a time is read until it matches" {
	port=$(server_start trickle 127.0.0.1 -w 0.02 -T 'hello world\r\n')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -e world
	assert_first_line "\[hello world\]"
}

@test "an expected text split across two packets still matches" {
	port=$(server_start split 127.0.0.1 -T 'hel' -w 0.2 -U 'lo world\r\n')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -e 'hello'
	assert_first_line "^TCP OK - 0\.[2-9][0-9]* second response time .*\[hello world\]"
}

@test "NUL, '|', newlines and escape codes from a server are escaped on one line" {
	port=$(server_start banner 127.0.0.1 -T 'a|b\0c\nd\r\x1b[31mred\xff')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e zzz
	[ "${#lines[@]}" -eq 1 ]
	[ "$output" = 'TCP WARNING - Unexpected response from host/socket 127.0.0.1 port '"$port"': a\x7cb\x00c\nd\r\x1b[31mred\xff' ]
}

@test "a long reply is cut at 80 characters in the state line" {
	long=$(printf 'x%.0s' {1..300})
	port=$(server_start banner 127.0.0.1 -T "$long")
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e zzz
	assert_first_line ": x{80}\.\.\.$"
}

@test "-j never shows the reply" {
	port=$(server_start banner 127.0.0.1 -T 'secret banner\r\n')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -e secret -j -v
	assert_output_lacks "secret banner"
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e public -j -v
	assert_output_lacks "secret banner"
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port$"
}

@test "-s sends, -E escapes wherever it stands, -q quits with \\r\\n appended unless -E" {
	port=$(server_start reply 127.0.0.1 -U 'PING\r\n' -T '+PONG\r\n' -o "$BATS_TEST_TMPDIR/got")
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -s 'PING\r\n' -e PONG -q 'QUIT\r\n' -E
	assert_first_line "\[\+PONG\]"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -s 'PING\r\n' -e PONG
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -s $'PING\r\n' -e PONG -q QUIT
	# the server records in its own time: wait (bounded) for the last quit to land
	for _ in $(seq 50); do
		[[ $(od -An -c "$BATS_TEST_TMPDIR/got" | tr -d ' \n') == *'QUIT\r\nPING\r\nPING\r\nQUIT\r\n' ]] && break
		sleep 0.02
	done
	[ "$(od -An -c "$BATS_TEST_TMPDIR/got" | tr -d ' \n')" = 'PING\r\nQUIT\r\nPING\r\nPING\r\nQUIT\r\n' ]
}

@test "-m stops reading after N bytes" {
	port=$(server_start banner 127.0.0.1 -T '220 mail.test ESMTP ready\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e ready -m 5
	assert_first_line ": 220 m$"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -e 220 -m 5
}

@test "-v shows the conversation: bytes, times and the reply" {
	port=$(server_start reply 127.0.0.1 -U 'PING' -T '+PONG\r\n')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -s PING -e PONG -q QUIT -v
	[[ $output == *"converse: sent 4 of 4 bytes, received 7 bytes (the first "*" s after sending): expectation met after "*" s, then quit (6 bytes)"* ]]
	[[ $output == *'reply: +PONG\r\n'* ]]
	# -s alone reads nothing: no expectation was met, none was set
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -s PING -v
	[[ $output == *"converse: sent 4 of 4 bytes: sent, nothing to expect after "* ]]
	[[ $output != *"expectation met"* ]]
}

@test "several ports talk at once, each with its own perfdata" {
	a=$(server_start banner 127.0.0.1 -T 'ok one\r\n')
	b=$(server_start banner 127.0.0.1 -T 'ok two\r\n')
	c=$(server_start close 127.0.0.1)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$a,$b,$c" -e ok
	assert_first_line "^TCP CRITICAL - 1 of 3 ports failed: $c no data\|'time_$a'=[0-9.]+s;;;0;10 'connect_$a'=[0-9.]+s;;;0;10 'response_$a'=[0-9.]+s;;;0;10 'time_$b'="
	[[ ${lines[1]} == "$a: OK - "*"[ok one]" ]]
	[[ ${lines[2]} == "$b: OK - "*"[ok two]" ]]
}

@test "a Unix socket: OK with its reply, refused when nothing listens" {
	sock=$BATS_TEST_TMPDIR/app.sock
	# in a command substitution, as everywhere: the server must not hold the test's output
	started=$(server_start banner 127.0.0.1 -u "$sock" -T 'hello unix\n')
	[ "$started" = 0 ]
	run -0 "$PLUGIN" -H "$sock" -e hello
	assert_first_line "^TCP OK - [0-9.]+ second response time on socket $sock \[hello unix\]\|time="
	run -0 "$PLUGIN" "$sock"
	assert_first_line "^TCP OK - [0-9.]+ second response time on socket $sock\|time="
	run -1 "$PLUGIN" -H "$sock" -e bye
	assert_first_line "^TCP WARNING - Unexpected response from host/socket $sock: hello unix$"
	run -2 "$PLUGIN" -H "$BATS_TEST_TMPDIR/none.sock"
	[ "$output" = "TCP CRITICAL - connect to socket $BATS_TEST_TMPDIR/none.sock: No such file or directory" ]
}

@test "the nntp preset: greeting 200 or 201, then QUIT (inn2 is not installable everywhere)" {
	port=$(server_start banner 127.0.0.1 -T '200 news.test InterNetNews ready\r\n' -o "$BATS_TEST_TMPDIR/got")
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service nntp
	assert_first_line "\[200 news\.test InterNetNews ready\]\|"
	other=$(server_start banner 127.0.0.1 -T '201 news.test ready (no posting)\r\n')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$other" --service nntp
	for _ in $(seq 50); do
		[ "$(od -An -c "$BATS_TEST_TMPDIR/got" | tr -d ' \n')" = 'QUIT\r\n' ] && break
		sleep 0.02
	done
	[ "$(od -An -c "$BATS_TEST_TMPDIR/got" | tr -d ' \n')" = 'QUIT\r\n' ]
}

@test "an unknown --service is UNKNOWN and lists the known ones" {
	run -3 "$PLUGIN" -H 127.0.0.1 --service gopher
	assert_first_line "^TCP UNKNOWN - unknown --service 'gopher': use ftp, ssh, smtp, http, pop, nntp, imap, ldap, mysql, postgres, redis, memcached, xmpp \\(jabber\\), clamd, rsync, git, telnet, mqtt, amqp, beanstalkd or sieve \\(see 'check_tcpport --help'\\)$"
}

@test "a server that closes before the expected text came: a mismatch that says so" {
	port=$(server_start banner-close 127.0.0.1 -T '554 go away\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e 220
	[ "$output" = "TCP WARNING - Unexpected response from host/socket 127.0.0.1 port $port: 554 go away (closed by the server)" ]
}

# A rule that more bytes could undo is judged only on a complete reply (the server closed,
# or nothing more came for the settle period, 0.5 s): PostgreSQL's whole reply S was judged
# after each read, and passed an SSH greeting whose first byte came alone (a false OK).
@test "a preset's whole reply is judged only once complete: an SSH greeting that trickles in is no PostgreSQL" {
	port=$(server_start trickle 127.0.0.1 -w 0.05 -T 'SSH-2.0-OpenSSH_9.2\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -t 5
	[ "$output" = "TCP WARNING - Unexpected response from host/socket 127.0.0.1 port $port: SSH-2.0-OpenSSH_9.2" ]
	port=$(server_start split 127.0.0.1 -T 'N' -w 0.2 -U 'OT A POSTGRES SERVER')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -t 5
	[ "$output" = "TCP WARNING - Unexpected response from host/socket 127.0.0.1 port $port: NOT A POSTGRES SERVER" ]
}

@test "a whole reply that pauses is complete: OK after the settle period, timed when it came" {
	port=$(server_start banner 127.0.0.1 -T 'N')
	start=$(now_ms)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -t 5
	took=$(($(now_ms) - start))
	((took >= 500))
	# the time is the reply's, not the pause that showed it complete
	assert_first_line "^TCP OK - 0\.[0-3][0-9]* second response time on 127\.0\.0\.1 port $port \[N\]\|time=0\.[0-3][0-9]*s;;;0;5 connect=[0-9.]+s;;;0;5 response=0\.[0-3][0-9]*s;;;0;5$"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -t 5 -v
	assert_output_has "expectation met after "
	assert_output_has " s (judged once nothing more came for 0.500 s)"
	# a server that closes after its reply needs no pause
	port=$(server_start banner-close 127.0.0.1 -T 'S')
	start=$(now_ms)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -t 5
	assert_below_ms "$start" 450
	assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $port \[S\]\|time="
}

@test "--expect-regex anchored at the end of the reply waits for the complete reply" {
	port=$(server_start split 127.0.0.1 -T '220 ok' -w 0.2 -U ' but busy\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --expect-regex 'ok$' -t 5
	[ "$output" = "TCP WARNING - Unexpected response from host/socket 127.0.0.1 port $port: 220 ok but busy" ]
	# a word's end (GNU's \>) looks past the match as $ does
	port=$(server_start split 127.0.0.1 -T '220 wor' -w 0.2 -U 'ld\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --expect-regex 'wor\>' -t 5
	# the reply that does end there is OK
	port=$(server_start banner 127.0.0.1 -T '220 ok')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --expect-regex 'ok$' -t 5
	assert_first_line "^TCP OK - 0\.[0-3][0-9]* second response time on 127\.0\.0\.1 port $port \[220 ok\]\|time=0\.[0-3]"
	# a match that bytes after it already fix counts at once, the rest of the reply unread
	port=$(server_start split 127.0.0.1 -T '220 ok\r\n' -w 3 -U 'more')
	start=$(now_ms)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --expect-regex '^220 ok' -t 5
	assert_below_ms "$start" 450
}

# check_tcp says "Socket timeout" there too; the mismatch (WARNING, OK with -M ok) judged
# the first bytes of a reply that was still coming.
@test "a reply still coming when the time is up is a timeout, not a mismatch" {
	port=$(server_start trickle 127.0.0.1 -w 0.3 -T '220 hello world\r\n')
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e world -t 1
	[[ $output =~ ^TCP\ CRITICAL\ -\ Socket\ timeout\ after\ 1\ seconds\ while\ waiting\ for\ the\ reply\ of\ 127\.0\.0\.1\ port\ $port,\ still\ incomplete\ after\ [1-4]\ bytes:\ 2[20\ ]*$ ]]
	[ "${#lines[@]}" -eq 1 ]
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e world -t 1 -M ok
	assert_first_line "^TCP CRITICAL - Socket timeout after 1 seconds while waiting"
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e world -t 1:warning
	assert_first_line "^TCP WARNING - Socket timeout after 1 seconds while waiting"
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e world -t 1 -v
	assert_output_has ": reply still incomplete in time after "
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e world -t 1 -j
	[[ $output =~ ^TCP\ CRITICAL\ -\ Socket\ timeout\ after\ 1\ seconds\ while\ waiting\ for\ the\ reply\ of\ 127\.0\.0\.1\ port\ $port,\ still\ incomplete\ after\ [1-4]\ bytes$ ]]
}

@test "a reply still coming at the deadline is a timeout for each port and each probe too" {
	port=$(server_start trickle 127.0.0.1 -w 0.3 -T '220 hello world\r\n')
	other=$(server_start banner 127.0.0.1 -T 'hello world\r\n')
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port,$other" -e world -t 1
	assert_first_line "^TCP CRITICAL - 1 of 2 ports failed: $port timed out\|'time_$other'=[0-9.]+s;;;0;1 'connect_$other'=[0-9.]+s;;;0;1 'response_$other'=[0-9.]+s;;;0;1$"
	[[ ${lines[1]} == "$port: CRITICAL - Socket timeout after 1 seconds while waiting for the reply of 127.0.0.1 port $port, still incomplete after "*" bytes: 2"* ]]
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e world -t 2 -n 3
	assert_first_line "^TCP CRITICAL - Socket timeout after 0\.667 seconds while waiting for the reply of 127\.0\.0\.1 port $port, still incomplete after [1-3] bytes: 2.* \(3 of 3 probes failed\)\|loss=100%;;;0;100$"
	# -n 0: each probe's line says it, and the summary's state
	# timeout(1) signals the process group as well: under the sanitizers that signal can
	# reach LeakSanitizer's exit-time tracer and stall it; -k turns any hang into a failure
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	run -2 timeout --preserve-status -k 10 -s INT 1.7 "$PLUGIN" -H 127.0.0.1 -p "$port" -e world -t 0.5 -n 0 -i 0.1
	probes=$(grep -c -E "^127\.0\.0\.1 port $port: connected in [0-9.]+ ms, response [0-9.]+ ms, then timeout after 5[0-9]{2}\.[0-9]{3} ms \(probe [0-9]+\)$" <<<"$output")
	((probes >= 2))
	[ "$(grep -c '^127\.0\.0\.1 port ' <<<"$output")" -eq "$probes" ]
	assert_first_line "^127\.0\.0\.1 port $port: connected in [0-9.]+ ms, response [0-9.]+ ms, then timeout after "
	[[ ${lines[-1]} =~ ^TCP\ CRITICAL\ -\ Socket\ timeout\ after\ 0\.5\ seconds\ while\ waiting\ for\ the\ reply\ of\ 127\.0\.0\.1\ port\ $port,\ still\ incomplete\ after\ [12]\ bytes ]]
}

@test "at the deadline a reply is judged as it stands where that settles it: no byte to come could make it the preset's, or it is the whole answer" {
	# hello can never become smtp's 220: a wrong service, not a slow one, whatever
	# -t's state (-t 0.6:ok made it OK)
	port=$(server_start delayed 127.0.0.1 -w 0.3 -T 'hello\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service smtp -t 0.6:ok
	[ "$output" = "TCP WARNING - Unexpected response from host/socket 127.0.0.1 port $port: hello" ]
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service smtp -t 0.6 --state timeout=ok
	[ "$output" = "TCP WARNING - Unexpected response from host/socket 127.0.0.1 port $port: hello" ]
	# an SSH banner still coming a byte at a time: SSH-2.0 is no 220 either
	port=$(server_start trickle 127.0.0.1 -w 0.3 -T 'SSH-2.0-OpenSSH_9.6 Debian\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service smtp -t 2:ok
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: SSH-2\.0"
	# ... nor SS PostgreSQL's whole S; while -e may yet come: a timeout, as check_tcp says
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -t 2
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: SSH-2\.0"
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e Debian -t 1
	assert_first_line "^TCP CRITICAL - Socket timeout after 1 seconds while waiting for the reply of 127\.0\.0\.1 port $port, still incomplete after [2-4] bytes: SS"
	# a one-byte S, silent since, is PostgreSQL's whole answer when the time is up
	port=$(server_start reply 127.0.0.1 -T S)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -t 0.4 -v
	assert_first_line "^TCP OK - 0\.[0-3][0-9]* second response time on 127\.0\.0\.1 port $port \[S\]\|time=[0-9.]+s;;;0;0\.4 connect=[0-9.]+s;;;0;0\.4 response=[0-9.]+s;;;0;0\.4$"
	assert_output_has ": expectation met after "
	assert_output_has " s (judged as it stood when the time was up)"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -n 5 -t 2 --warning-loss 1
	assert_first_line "^TCP OK - [0-9.]+ second average response time on 127\.0\.0\.1 port $port: 5 of 5 probes connected, 0% loss \[S\]\|"
	# a regex's match that reaches the last byte is no whole answer: "220 ok" may be
	# the start of "220 ok but busy" (it was OK when the time came first)
	port=$(server_start split 127.0.0.1 -T '220 ok' -U ' but busy' -w 0.4)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" --expect-regex 'ok$' -t 0.3
	[ "$output" = "TCP CRITICAL - Socket timeout after 0.3 seconds while waiting for the reply of 127.0.0.1 port $port, still incomplete after 6 bytes: 220 ok" ]
	# one byte is one byte
	port=$(server_start trickle 127.0.0.1 -w 0.3 -T '220 hello world\r\n')
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -e world -t 0.2
	[[ $output =~ ^TCP\ CRITICAL\ -\ Socket\ timeout\ after\ 0\.2\ seconds\ while\ waiting\ for\ the\ reply\ of\ 127\.0\.0\.1\ port\ $port,\ still\ incomplete\ after\ 1\ byte:\ 2$ ]]
}

@test "a reply that fell silent before the deadline is judged: a mismatch, not a timeout" {
	port=$(server_start trickle 127.0.0.1 -w 0.9 -T '220 hello world\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e world -t 2
	[ "$output" = "TCP WARNING - Unexpected response from host/socket 127.0.0.1 port $port: 2" ]
}

# -m stops reading, it does not end the reply: what was cut may go on.
@test "a reply cut by -m is not complete: a rule that more bytes could undo does not pass it" {
	port=$(server_start trickle 127.0.0.1 -w 0.05 -T 'SSH-2.0-OpenSSH_9.2\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -m 1 -t 5
	[ "$output" = "TCP WARNING - Unexpected response from host/socket 127.0.0.1 port $port: S" ]
	port=$(server_start split 127.0.0.1 -T '220 ok' -w 0.2 -U ' but busy\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --expect-regex 'ok$' -m 6 -t 5
	[ "$output" = "TCP WARNING - Unexpected response from host/socket 127.0.0.1 port $port: 220 ok" ]
	# what no further byte can undo still counts within -m
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --expect-regex '^220 o' -m 6 -t 5
	assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $port \[220 ok\]\|time=[0-9.]+s;;;0;5 connect="
}
