#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Binary protocols (issue 13): with -E, \xNN and \0 in -s, -q and -e; a reply holding
# NUL bytes matched byte for byte and shown escaped. The servers are the tcpserver
# fixture's, whose -T and -U take the same escapes.

load helpers/common

teardown() {
	servers_stop
}

# bytes_of FILE: the bytes of FILE as lowercase hex pairs, one space apart.
bytes_of() {
	od -An -v -tx1 "$1" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}

# wait_for_bytes FILE HEX: wait (bounded) until the fixture has recorded HEX.
wait_for_bytes() {
	for _ in $(seq 100); do
		[[ -e $1 && $(bytes_of "$1") == "$2" ]] && return 0
		sleep 0.02
	done
	echo "got: $(bytes_of "$1"), wanted: $2" >&2
	return 1
}

@test "-E -e matches bytes with NULs inside byte for byte; one byte wrong after a NUL is a mismatch" {
	port=$(server_start banner 127.0.0.1 -T '\x30\x0c\x02\x01\x01\x61\x00\x0a\x00\xffEND')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e '\x61\x00\x0a\x00\xff'
	assert_first_line "^TCP OK - .* port $port \[0\\\\x0c\\\\x02\\\\x01\\\\x01a\\\\x00\\\\n\\\\x00\\\\xffEND\]\|"
	# hex digits in either case; \0 is the same NUL
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e '\x61\0\x0A\x00\xFFEND'
	# the last byte differs, after the NULs: a match cut at a NUL would say OK
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e '\x61\x00\x0a\x00\xfe'
	[ "$output" = 'TCP WARNING - Unexpected response from host/socket 127.0.0.1 port '"$port"': 0\x0c\x02\x01\x01a\x00\n\x00\xffEND' ]
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e '\x00\x0b' -M crit
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e '\x00\x00'
}

@test "-E -e: several are any of them, -A all of them, and a match may span two reads" {
	port=$(server_start split 127.0.0.1 -T 'ab\0' -w 0.3 -U '\0cd\xfe')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e 'b\x00\x00c'
	assert_first_line "^TCP OK - 0\.[3-9][0-9]* second response time .*\[ab\\\\x00\\\\x00cd\\\\xfe\]"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e '\x01' -e 'd\xfe'
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e '\x01' -e 'd\xfe' -A
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e 'a' -e '\0\0' -e 'd\xfe' -A
}

@test "-E -s sends exactly the bytes typed, NUL and high bytes included; -E -q adds nothing" {
	got=$BATS_TEST_TMPDIR/got
	port=$(server_start reply 127.0.0.1 -U '\x00\xff' -T '\x00ok' -o "$got")
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -s 'A\x00\xff\0B' -e '\0ok' -q '\x00Q\xFE'
	wait_for_bytes "$got" '41 00 ff 00 42 00 51 fe'
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -s '\x7f\x00\xff' -e 'ok'
	wait_for_bytes "$got" '41 00 ff 00 42 00 51 fe 7f 00 ff'
}

@test "a reply the plugin showed, pasted into -E -e, matches it" {
	port=$(server_start banner 127.0.0.1 -T 'a|b\0c\nd\r\x1b[31m\\red\xff')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e zzz
	shown=${output##*: }
	[ "$shown" = 'a\x7cb\x00c\nd\r\x1b[31m\\red\xff' ]
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e "$shown"
}

@test "a malformed escape under -E is UNKNOWN naming it, before any traffic" {
	hint='-E takes a backslash before n, r, t, 0, a backslash, or x and two hex digits'
	for opt in -s -q -e; do
		for bad in 'ab\x' 'ab\x4' 'ab\xZZ' 'ab\x4g' 'ab\q' 'ab\1'; do
			run -3 "$PLUGIN" -H 127.0.0.1 -p 1 -E "$opt" "$bad"
			[ "${#lines[@]}" -eq 1 ]
			# the report doubles a backslash of the user's, as everywhere
			[ "$output" = "TCP UNKNOWN - invalid escape '\\${bad#ab}' in $opt: $hint (see 'check_tcpport --help')" ]
		done
		run -3 "$PLUGIN" -H 127.0.0.1 -p 1 "$opt" 'ab\' -E
		[ "$output" = "TCP UNKNOWN - $opt ends in a lone backslash: $hint (see 'check_tcpport --help')" ]
	done
	# in JSON the escape reads as typed
	run -3 "$PLUGIN" -H 127.0.0.1 -p 1 -E -e 'x\q' --output json
	[[ $output == *"\"message\":\"invalid escape '\\\\q' in -e: "* ]]
	# without -E a backslash is a byte like any other, as in check_tcp
	run -2 "$PLUGIN" -H 127.0.0.1 -p 1 -s 'ab\q\x4' -e 'a\' -q '\'
	assert_first_line "Connection refused"
}

@test "--output json with a binary reply is valid JSON with the reply escaped" {
	port=$(server_start banner 127.0.0.1 -T '\x30\x0c\x00"\\\xff\x01')
	run -0 --separate-stderr "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e '\x00"' --output json
	printf '%s' "$output" | python3 -m json.tool >/dev/null
	message=$(printf '%s' "$output" | python3 -c 'import json,sys; print(json.load(sys.stdin)["message"])')
	[[ $message == *'[0\x0c\x00"\\\xff\x01]' ]]
	run -1 --separate-stderr "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e '\x00\x00' --output json
	printf '%s' "$output" | python3 -m json.tool >/dev/null
}

@test "-v shows a binary reply escaped, and the bytes sent as a count" {
	port=$(server_start reply 127.0.0.1 -U '\0' -T '\x00\x01ok\xff')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -s '\0\0' -e '\x01ok' -v
	[[ $output == *'converse: sent 2 of 2 bytes, received 5 bytes'* ]]
	[[ $output == *'reply: \x00\x01ok\xff'* ]]
	[[ $output != *$'\x01'* ]]
}

@test "-vv shows the bytes to send, expect and quit escaped, never raw" {
	run -2 "$PLUGIN" -H 127.0.0.1 -p 1 -E -s 'A\x00\x1b|' -e '\x00\xff' -e 'ok' -A -q '\x01' -vv
	[[ $output == *$'\n''conversation: send '"'"'A\x00\x1b\x7c'"'"' (4 bytes), expect '"'"'\x00\xff'"'"' and '"'"'ok'"'"', quit '"'"'\x01'"'"' (1 byte)'$'\n'* ]]
	[[ $output != *$'\x1b'* && $output != *$'\x01'* ]]
}

@test "-m holds for a binary reply: the bytes past it are not matched" {
	port=$(server_start banner 127.0.0.1 -T '\x00\x00\x00\x01\x00')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e '\x00\x01' -m 3
	assert_first_line ": \\\\x00\\\\x00\\\\x00$"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -e '\x00\x01' -m 4
}

@test "-E leaves --expect-regex as typed: a regular expression has its own backslashes" {
	port=$(server_start banner 127.0.0.1 -T 'a.b\r\n')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -E --expect-regex '^a\.b'
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -E --expect-regex '^a\.c'
}
