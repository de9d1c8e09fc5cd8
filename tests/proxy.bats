#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# --proxy-protocol: the PROXY protocol header (HAProxy's specification, versions 1 and 2)
# goes out first on each connection, with that connection's own addresses. Checked two
# ways: against the real nginx of tests/helpers/services.bash listening with
# proxy_protocol, whose access log puts the addresses of the header beside those the
# kernel saw; and byte for byte against tcpserver, which records what came and the
# address and port of each peer (-P).

load helpers/common
load helpers/services

setup_file() {
	export BATS_TEST_TIMEOUT=60
}

teardown() {
	services_stop
	servers_stop
}

SIG=0d0a0d0a000d0a515549540a # the version 2 signature, in hex

# usage_error ARGS...: exit 3, one UNKNOWN line on stdout, nothing on stderr.
usage_error() {
	run -3 --separate-stderr "$PLUGIN" "$@"
	[ "${#lines[@]}" -eq 1 ]
	assert_first_line "^TCP UNKNOWN - .+ \(see 'check_tcpport --help'\)$"
	[ -z "$stderr" ]
}

# wait_lines FILE N: wait (5 s at most) until FILE has N lines; a server writes its log
# in its own time, after the plugin has gone.
wait_lines() {
	local i
	for ((i = 0; i < 250; i++)); do
		[[ -f $1 && $(wc -l <"$1") -ge $2 ]] && return 0
		sleep 0.02
	done
	printf 'waited 5 s for %s lines in %s, got:\n' "$2" "$1" >&2
	cat "$1" >&2 2>/dev/null || true
	return 1
}

# wait_bytes FILE N: wait (5 s at most) until FILE holds N bytes.
wait_bytes() {
	local i
	for ((i = 0; i < 250; i++)); do
		[[ -f $1 && $(stat -c %s "$1") -ge $2 ]] && return 0
		sleep 0.02
	done
	printf 'waited 5 s for %s bytes in %s, got:\n' "$2" "$1" >&2
	od -c "$1" >&2 2>/dev/null || true
	return 1
}

# wait_grep FILE TEXT: wait (5 s at most) until FILE contains TEXT.
wait_grep() {
	local i
	for ((i = 0; i < 250; i++)); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	printf 'waited 5 s for "%s" in %s, got:\n' "$2" "$1" >&2
	cat "$1" >&2 2>/dev/null || true
	return 1
}

# hex FILE: the bytes of FILE in lower-case hex, one word.
hex() {
	od -An -v -tx1 "$1" | tr -d ' \n'
}

# port_hex PORT: a port as the four hex digits of its network byte order.
port_hex() {
	printf '%04x' "$1"
}

# nginx_proxied VERSION HOST SERVER_ADDR [ARGS...]: against nginx's proxy_protocol
# listener, the check of HOST with the header of VERSION is OK and nginx's access log
# shows that the header carried the connection's real addresses: the source the plugin
# sent is nginx's $remote_addr and $remote_port, the destination SERVER_ADDR and the
# listener's port. Leaves the source port in $source_port.
nginx_proxied() {
	local version=$1 host=$2 server=$3 dir paddr pport saddr sport raddr rport
	shift 3
	service_require http-proxy
	port=$(service_start http-proxy)
	dir=$(service_dir "$port")
	run -0 "$PLUGIN" -H "$host" -p "$port" --proxy-protocol="$version" -v "$@"
	assert_first_line "^TCP OK - [0-9.]+ second response time on .* port $port \[HTTP/1\.1 200 OK"
	wait_lines "$dir/access.log" 1
	read -r paddr pport saddr sport raddr rport <"$dir/access.log"
	[ "$paddr" = "$raddr" ]
	[ "$pport" = "$rport" ]
	[ "$saddr" = "$server" ]
	[ "$sport" = "$port" ]
	[ "$raddr" = "$server" ] # loopback: the source is the destination's address
	source_port=$rport
	assert_output_has "proxy: sent "
}

@test "v1 over IPv4, --service=http: nginx behind proxy_protocol logs the plugin's real address and port" {
	nginx_proxied v1 127.0.0.1 127.0.0.1 --service=http
	assert_output_has "bytes of the PROXY v1 header: PROXY TCP4 127.0.0.1 127.0.0.1 $source_port $port\r\n"
}

@test "v2 over IPv4, -s -E -e: nginx logs the plugin's real address and port" {
	nginx_proxied v2 127.0.0.1 127.0.0.1 -s 'HEAD / HTTP/1.0\r\n\r\n' -E -e HTTP/1.
	assert_output_has "sent 28 of 28 bytes of the PROXY v2 header: \r\n\r\n\x00\r\nQUIT\n!\x11\x00\x0c"
}

@test "v1 over IPv6, --service=http: nginx logs the plugin's real address and port" {
	nginx_proxied v1 ::1 ::1 --service=http
	assert_output_has "bytes of the PROXY v1 header: PROXY TCP6 ::1 ::1 $source_port $port\r\n"
}

@test "v2 over IPv6, -s -E -e: nginx logs the plugin's real address and port" {
	nginx_proxied v2 ::1 ::1 -s 'HEAD / HTTP/1.0\r\n\r\n' -E -e HTTP/1.
	assert_output_has "sent 52 of 52 bytes of the PROXY v2 header: \r\n\r\n\x00\r\nQUIT\n!!\x00\$"
}

@test "an IPv4-mapped IPv6 address is IPv4 on the wire: the header says TCP4 with the IPv4 addresses" {
	nginx_proxied v1 ::ffff:127.0.0.1 127.0.0.1 --service=http
	assert_output_has "PROXY TCP4 127.0.0.1 127.0.0.1 $source_port $port\r\n"
	services_stop
	nginx_proxied v2 ::ffff:127.0.0.1 127.0.0.1 --service=http
}

@test "without --proxy-protocol, a proxy_protocol listener closes at once: CRITICAL no data, nginx logs a broken header" {
	service_require http-proxy
	port=$(service_start http-proxy)
	dir=$(service_dir "$port")
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" --service=http
	[ "$output" = "TCP CRITICAL - No data received from host 127.0.0.1 port $port" ]
	wait_grep "$dir/error.log" 'broken header: "HEAD / HTTP/1.0'
	[ ! -s "$dir/access.log" ]
}

@test "--proxy-protocol alone sends the header, then closes: OK with the handshake time, and nginx took the header" {
	service_require http-proxy
	port=$(service_start http-proxy)
	dir=$(service_dir "$port")
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --proxy-protocol=v2
	assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $port\|time=[0-9.]+s;;;0;10$"
	# the header was read; then no request came, which nginx notes at the info level
	wait_grep "$dir/error.log" "client closed connection while waiting for request"
	run ! grep -F "broken header" "$dir/error.log"
}

@test "a Unix socket: v1 sends PROXY UNKNOWN, v2 the LOCAL command; nginx takes both and uses the socket's own endpoints" {
	service_require http-proxy
	port=$(service_start http-proxy)
	dir=$(service_dir "$port")
	run -0 "$PLUGIN" -H "$dir/http.sock" --proxy-protocol=v1 -s 'HEAD / HTTP/1.0\r\n\r\n' -E -e HTTP/1. -v
	assert_output_has 'proxy: sent 15 of 15 bytes of the PROXY v1 header: PROXY UNKNOWN\r\n'
	run -0 "$PLUGIN" -H "$dir/http.sock" --proxy-protocol=v2 -s 'HEAD / HTTP/1.0\r\n\r\n' -E -e HTTP/1. -v
	assert_output_has 'proxy: sent 16 of 16 bytes of the PROXY v2 header: \r\n\r\n\x00\r\nQUIT\n \x00\x00\x00'
	wait_lines "$dir/access.log" 2
	[ "$(sed -n 1p "$dir/access.log")" = "- - - - unix: " ]
	[ "$(sed -n 2p "$dir/access.log")" = "- - - - unix: " ]
}

@test "the v1 header, byte for byte: the connection's source and destination as the server saw them" {
	got=$BATS_TEST_TMPDIR/got peers=$BATS_TEST_TMPDIR/peers
	port=$(server_start silent 127.0.0.1 -o "$got" -P "$peers")
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --proxy-protocol=v1
	wait_lines "$got" 1
	read -r addr sport <"$peers"
	[ "$addr" = 127.0.0.1 ]
	[ "$(cat "$got")" = "PROXY TCP4 127.0.0.1 127.0.0.1 $sport $port"$'\r' ]
}

@test "the v2 header over IPv4, byte for byte, and -s right after it" {
	got=$BATS_TEST_TMPDIR/got peers=$BATS_TEST_TMPDIR/peers
	port=$(server_start silent 127.0.0.1 -o "$got" -P "$peers")
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --proxy-protocol=v2 -s HELLO
	wait_bytes "$got" 33
	read -r addr sport <"$peers"
	[ "$(hex "$got")" = "${SIG}2111000c7f0000017f000001$(port_hex "$sport")$(port_hex "$port")48454c4c4f" ]
}

@test "the v2 header over IPv6, byte for byte" {
	got=$BATS_TEST_TMPDIR/got peers=$BATS_TEST_TMPDIR/peers
	port=$(server_start silent ::1 -o "$got" -P "$peers")
	run -0 "$PLUGIN" -H ::1 -p "$port" --proxy-protocol=v2
	wait_bytes "$got" 52
	read -r addr sport <"$peers"
	[ "$addr" = ::1 ]
	loopback=00000000000000000000000000000001
	[ "$(hex "$got")" = "${SIG}21210024$loopback$loopback$(port_hex "$sport")$(port_hex "$port")" ]
}

@test "the v2 header to a Unix socket: the LOCAL command, no addresses" {
	sock=$BATS_TEST_TMPDIR/app.sock got=$BATS_TEST_TMPDIR/got
	server_start silent 127.0.0.1 -u "$sock" -o "$got" >/dev/null
	run -0 "$PLUGIN" -H "$sock" --proxy-protocol=v2 -s x
	wait_bytes "$got" 17
	[ "$(hex "$got")" = "${SIG}2000000078" ]
}

@test "each connection has its own header: several ports, -n probes" {
	a_got=$BATS_TEST_TMPDIR/a a_peers=$BATS_TEST_TMPDIR/a.peers
	b_got=$BATS_TEST_TMPDIR/b b_peers=$BATS_TEST_TMPDIR/b.peers
	a=$(server_start silent 127.0.0.1 -o "$a_got" -P "$a_peers")
	b=$(server_start silent 127.0.0.1 -o "$b_got" -P "$b_peers")
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$a,$b" -n 3 -i 0.05 --proxy-protocol=v1
	for p in "$a" "$b"; do
		got=$BATS_TEST_TMPDIR/$([[ $p == "$a" ]] && echo a || echo b)
		wait_lines "$got" 3
		expected=$(while read -r addr sport; do
			printf 'PROXY TCP4 %s 127.0.0.1 %s %s\r\n' "$addr" "$sport" "$p"
		done <"$got.peers" | sort)
		[ "$(sort "$got")" = "$expected" ]
		# three connections, three source ports
		[ "$(cut -d' ' -f5 "$got" | sort -u | wc -l)" -eq 3 ]
	done
}

@test "a service that resets the connection: CRITICAL, a reset, with or without the header out" {
	port=$(server_start accept-reset 127.0.0.1)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" --proxy-protocol=v1 -e anything
	assert_first_line "^TCP CRITICAL - Connection reset by peer .*127\.0\.0\.1 port $port$"
}

@test "-vv shows the --proxy-protocol setting" {
	port=$(server_start silent 127.0.0.1)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --proxy-protocol=v2 -vv
	assert_output_has "proxy: a PROXY protocol v2 header first on each connection, with its own addresses"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -vv
	assert_output_lacks "PROXY"
}

@test "--proxy-protocol takes v1 or v2: anything else, or nothing, is one UNKNOWN line" {
	usage_error -H 127.0.0.1 -p 80 --proxy-protocol=v3
	[ "$output" = "TCP UNKNOWN - invalid --proxy-protocol 'v3': use v1 or v2 (see 'check_tcpport --help')" ]
	usage_error -H 127.0.0.1 -p 80 --proxy-protocol
	[ "$output" = "TCP UNKNOWN - option '--proxy-protocol' needs a value (see 'check_tcpport --help')" ]
	usage_error -H 127.0.0.1 -p 80 --proxy-protocol=V1
	usage_error -H 127.0.0.1 -p 80 --proxy-protocol 1
	usage_error -H 127.0.0.1 -p 80 --proxy-protocol=v1,v2
}

@test "an empty --proxy-protocol (an unset macro) sends no header" {
	got=$BATS_TEST_TMPDIR/got
	port=$(server_start silent 127.0.0.1 -o "$got")
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --proxy-protocol= -s HELLO
	wait_bytes "$got" 5
	[ "$(cat "$got")" = HELLO ]
}

# With the header alone the check is the handshake's, as without --proxy-protocol: a
# listener that resets at once is connected whether its reset beat the header's write
# (strace holds each poll back 100 ms so that it does) or not. It flapped between OK and
# CRITICAL.
@test "a listener that resets at once: the header alone never changes the state" {
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 # LSan cannot be traced
	port=$(server_start accept-reset 127.0.0.1)
	for v in v1 v2; do
		run -0 strace -f -o /dev/null -e inject=ppoll:delay_enter=100000 "$PLUGIN" \
			-H 127.0.0.1 -p "$port" --proxy-protocol="$v" -v
		assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $port\|time=[0-9.]+s;;;0;10$"
		assert_output_has "no PROXY $v header sent: the connection was gone first"
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --proxy-protocol="$v"
			assert_first_line "^TCP OK - "
		done
	done
	# with -e there is a reply to wait for: the reset is the answer
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" --proxy-protocol=v1 -e x
	assert_first_line "^TCP CRITICAL - Connection reset by peer"
}
