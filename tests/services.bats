#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Tests of helpers/services.bash: each real server (from its Debian
# package, our own instance on a free loopback port) starts, and answers
# the conversation of the plugin's --service preset for it.  Only bash's
# /dev/tcp, timeout, head -c and od talk to the servers, so a failing
# plugin test against these servers can be trusted to be about the plugin.
# Tests tagged "root" need root; a server that is not installed is skipped,
# or fails when CI=true (apt-get install $SERVICE_PACKAGES).

bats_require_minimum_version 1.5.0

load helpers/services

# shellcheck disable=SC2034 # read by bats
BATS_TEST_TIMEOUT=60

setup_file() {
	# A clean slate when the caller shares SERVICES_DIR between files.
	services_stop
}

teardown() {
	services_stop
}

teardown_file() {
	services_stop
}

# The conversations run as `timeout 10 bash -c SCRIPT _ PORT [SEND]`; SEND
# is a printf format (\r, \n, \xHH).  A connect failure exits 2, a missing
# line 3.

# LINE: connect, send SEND if given, print the first line received.
# shellcheck disable=SC2016
LINE='exec 5<>"/dev/tcp/127.0.0.1/$1" || exit 2
[[ -z ${2:-} ]] || printf -- "$2" >&5
IFS= read -r line <&5 || exit 3
printf "%s\n" "$line"'

# GREET_THEN: connect, print the greeting line, send SEND, print all the
# server sends until it closes the connection.
# shellcheck disable=SC2016
GREET_THEN='exec 5<>"/dev/tcp/127.0.0.1/$1" || exit 2
IFS= read -r line <&5 || exit 3
printf "%s\n" "$line"
printf -- "$2" >&5
while IFS= read -r line <&5 || [[ -n $line ]]; do
	printf "%s\n" "$line"
done'

# BYTES: connect, send SEND (may be empty), print the first COUNT bytes
# received in hex, one line, separated by single spaces.
# shellcheck disable=SC2016
BYTES='exec 5<>"/dev/tcp/127.0.0.1/$1" || exit 2
[[ -z $2 ]] || printf -- "$2" >&5
hex=$(head -c "$3" <&5 | od -An -v -tx1) || exit 3
read -r -d "" -a words <<<"$hex" || true
printf "%s\n" "${words[*]}"'

# bats test_tags=root,services
@test "ssh: the greeting starts with SSH-" {
	service_require ssh
	port=$(service_start ssh)
	run -0 timeout 10 bash -c "$LINE" _ "$port"
	[[ ${lines[0]} == SSH-2.0-* ]]
}

# bats test_tags=root,services
@test "smtp: greeting 220, QUIT answered 221" {
	service_require smtp
	port=$(service_start smtp)
	run -0 timeout 10 bash -c "$GREET_THEN" _ "$port" 'QUIT\r\n'
	[[ ${lines[0]} == $'220 '*$'\r' ]]
	[[ ${lines[1]} == $'221 '*$'\r' ]]
}

# bats test_tags=root,services
@test "ftp: greeting 220, QUIT answered 221" {
	service_require ftp
	port=$(service_start ftp)
	run -0 timeout 10 bash -c "$GREET_THEN" _ "$port" 'QUIT\r\n'
	[[ ${lines[0]} == $'220 '*$'\r' ]]
	[[ ${lines[1]} == $'221 '*$'\r' ]]
}

# bats test_tags=root,services
@test "pop: greeting +OK, QUIT answered +OK" {
	service_require pop
	port=$(service_start pop)
	run -0 timeout 10 bash -c "$GREET_THEN" _ "$port" 'QUIT\r\n'
	[[ ${lines[0]} == $'+OK '*$'\r' ]]
	[[ ${lines[1]} == $'+OK '*$'\r' ]]
}

# bats test_tags=root,services
@test "imap: greeting * OK, a1 LOGOUT answered * BYE and a1 OK" {
	service_require imap
	port=$(service_start imap)
	run -0 timeout 10 bash -c "$GREET_THEN" _ "$port" 'a1 LOGOUT\r\n'
	[[ ${lines[0]} == $'* OK '*$'\r' ]]
	[[ ${lines[1]} == $'* BYE '*$'\r' ]]
	[[ ${lines[2]} == $'a1 OK '*$'\r' ]]
}

# bats test_tags=root,services
@test "http: HEAD / HTTP/1.0 answered HTTP/1.x 200" {
	service_require http
	port=$(service_start http)
	run -0 timeout 10 bash -c "$LINE" _ "$port" 'HEAD / HTTP/1.0\r\n\r\n'
	[[ ${lines[0]} == $'HTTP/1.'[01]' 200 '*$'\r' ]]
}

# bats test_tags=root,services
@test "http-proxy: a PROXY v1 header, then HEAD, answered 200 and logged with the header's addresses; no header, no answer" {
	service_require http-proxy
	port=$(service_start http-proxy)
	dir=$(service_dir "$port")
	run -0 timeout 10 bash -c "$LINE" _ "$port" \
		'PROXY TCP4 192.0.2.1 192.0.2.2 1234 80\r\nHEAD / HTTP/1.0\r\n\r\n'
	[[ ${lines[0]} == $'HTTP/1.'[01]' 200 '*$'\r' ]]
	for _ in $(seq 250); do
		[[ -s $dir/access.log ]] && break
		sleep 0.02
	done
	[[ $(<"$dir/access.log") =~ ^192\.0\.2\.1\ 1234\ 192\.0\.2\.2\ 80\ 127\.0\.0\.1\ [0-9]+$ ]]
	run -3 timeout 10 bash -c "$LINE" _ "$port" 'HEAD / HTTP/1.0\r\n\r\n'
}

# bats test_tags=root,services
@test "redis: PING answered +PONG" {
	service_require redis
	port=$(service_start redis)
	run -0 timeout 10 bash -c "$LINE" _ "$port" 'PING\r\n'
	[[ ${lines[0]} == $'+PONG\r' ]]
}

# bats test_tags=root,services
@test "memcached: version answered VERSION" {
	service_require memcached
	port=$(service_start memcached)
	run -0 timeout 10 bash -c "$LINE" _ "$port" 'version\r\n'
	[[ ${lines[0]} == $'VERSION '*$'\r' ]]
}

# bats test_tags=root,services
@test "postgres: SSLRequest answered by one byte, S or N" {
	service_require postgres
	port=$(service_start postgres)
	run -0 timeout 10 bash -c "$BYTES" _ "$port" \
		'\x00\x00\x00\x08\x04\xd2\x16\x2f' 1
	[[ $output == 53 || $output == 4e ]]
}

# bats test_tags=root,services
@test "mysql: greeting packet, sequence 0, protocol 10" {
	service_require mysql
	port=$(service_start mysql)
	run -0 timeout 10 bash -c "$BYTES" _ "$port" '' 16
	read -r -a b <<<"$output"
	((${#b[@]} == 16))
	[[ ${b[3]} == 00 && ${b[4]} == 0a ]]
}

# bats test_tags=root,services
@test "ldap: anonymous bind answered by a BindResponse, success" {
	service_require ldap
	port=$(service_start ldap)
	run -0 timeout 10 bash -c "$BYTES" _ "$port" \
		'\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00' 14
	# SEQUENCE, messageID 1, [APPLICATION 1] BindResponse, resultCode 0.
	[[ $output == '30 '* ]]
	[[ $output == *'02 01 01 61 '* ]]
	[[ $output == *' 0a 01 00 '* ]]
}

# bats test_tags=root,services
@test "services_stop: the servers are gone, and it can be called twice" {
	service_require redis
	service_require memcached
	port1=$(service_start redis)
	port2=$(service_start memcached)
	[[ $port1 != "$port2" ]]
	run -0 timeout 10 bash -c "$LINE" _ "$port1" 'PING\r\n'
	services_stop
	run -2 timeout 10 bash -c "$LINE" _ "$port1" 'PING\r\n'
	run -2 timeout 10 bash -c "$LINE" _ "$port2" 'version\r\n'
	services_stop
}

@test "service_start and service_available refuse an unknown name" {
	run -1 service_available no-such-service
	run -1 service_start no-such-service
	[[ $output == *'unknown service "no-such-service"'* ]]
}

@test "service_require fails, not skips, an unavailable service when CI=true" {
	CI=true run -1 service_require no-such-service
	[[ $output == *'CI=true forbids skipping'* ]]
}

@test "SERVICE_PACKAGES lists a package for every non-optional name" {
	local name
	for name in $SERVICE_NAMES; do
		[[ " $SERVICE_OPTIONAL " == *" $name "* ]] && continue
		[[ " $SERVICE_PACKAGES " == *" $(_svc_package "$name") "* ]]
	done
}

# bats test_tags=root,services
@test "xmpp: a client stream header answered by the server's <?xml and stream header" {
	service_require xmpp
	port=$(service_start xmpp)
	run -0 timeout 10 bash -c "$BYTES" _ "$port" \
		"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" 35
	# <?xml version='1.0'?><stream:stream
	[[ $output == '3c 3f 78 6d 6c 20 '*' 3c 73 74 72 65 61 6d 3a 73 74 72 65 61 6d' ]]
}

# bats test_tags=root,services
@test "clamd: zPING answered by PONG and a NUL" {
	service_require clamd
	port=$(service_start clamd)
	run -0 timeout 10 bash -c "$BYTES" _ "$port" 'zPING\0' 5
	[[ $output == '50 4f 4e 47 00' ]]
}

# bats test_tags=root,services
@test "rsync: greeting @RSYNCD: and the protocol version" {
	service_require rsync
	port=$(service_start rsync)
	run -0 timeout 10 bash -c "$LINE" _ "$port"
	[[ ${lines[0]} =~ ^@RSYNCD:\ [0-9]+\.[0-9]+ ]]
}

# bats test_tags=root,services
@test "git: upload-pack of / answered by an ERR pkt-line, of r.git by a flush-pkt" {
	service_require git
	port=$(service_start git)
	run -0 timeout 10 bash -c "$BYTES" _ "$port" '0021git-upload-pack /\0\0version=2\0' 8
	[[ $output == '30 30 '*' 45 52 52 20' ]]
	run -0 timeout 10 bash -c "$BYTES" _ "$port" '001agit-upload-pack /r.git' 4
	[[ $output == '30 30 30 30' ]]
}

# bats test_tags=root,services
@test "telnet: the server opens with IAC DO or IAC WILL" {
	service_require telnet
	port=$(service_start telnet)
	run -0 timeout 10 bash -c "$BYTES" _ "$port" '' 2
	[[ $output == 'ff fd' || $output == 'ff fb' ]]
}

# bats test_tags=root,services
@test "mqtt: CONNECT answered by CONNACK, accepted" {
	service_require mqtt
	port=$(service_start mqtt)
	run -0 timeout 10 bash -c "$BYTES" _ "$port" \
		'\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00' 4
	[[ $output == '20 02 00 00' ]]
}

# bats test_tags=root,services
@test "beanstalkd: list-tube-used answered USING default" {
	service_require beanstalkd
	port=$(service_start beanstalkd)
	run -0 timeout 10 bash -c "$LINE" _ "$port" 'list-tube-used\r\n'
	[[ ${lines[0]} == $'USING default\r' ]]
}

# bats test_tags=root,services
@test "sieve: capabilities with IMPLEMENTATION and SIEVE, OK; LOGOUT answered OK" {
	service_require sieve
	port=$(service_start sieve)
	run -0 timeout 10 bash -c "$GREET_THEN" _ "$port" 'LOGOUT\r\n'
	[[ ${lines[0]} == $'"IMPLEMENTATION" '*$'\r' ]]
	[[ $output == *$'\n"SIEVE" '* ]]
	[[ $output == *$'\nOK '*$'\r\nOK "Logout completed."\r' ]]
}

# bats test_tags=root,services
@test "amqp: the AMQP 0-9-1 header answered by Connection.Start; epmd goes with the node" {
	service_require amqp
	port=$(service_start amqp)
	run -0 timeout 10 bash -c "$BYTES" _ "$port" 'AMQP\x00\x00\x09\x01' 13
	# frame type 1 (method), channel 0, a size, class 10 method 10 (Connection.Start), 0-9
	[[ $output == '01 00 00 '*' 00 0a 00 0a 00 09' ]]
	# our node boots cleanly: no error in its log, and its pid file is written
	dir=$(service_dir "$port")
	run -1 grep -F '[error]' "$dir/log/rabbit.log"
	[[ -s $dir/home/rabbit.pid ]]
	epmd_port=$(sed -n 's/^epmd -port \([0-9]*\) .*/\1/p' "$dir/run.sh")
	[[ -n $epmd_port ]]
	run -0 timeout 10 bash -c "exec 5<>/dev/tcp/127.0.0.1/$epmd_port"
	services_stop
	run -1 timeout 10 bash -c "exec 5<>/dev/tcp/127.0.0.1/$epmd_port"
	run -2 timeout 10 bash -c "$BYTES" _ "$port" 'AMQP\x00\x00\x09\x01' 13
}
