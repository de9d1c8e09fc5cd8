#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# --service presets against the real servers from Debian's packages, each started on a
# loopback port of its own by tests/helpers/services.bash.

load helpers/common
load helpers/services

setup_file() {
	export BATS_TEST_TIMEOUT=60
}

teardown() {
	services_stop
}

# preset_ok NAME REPLY_REGEX: the preset is OK against the real server, shows the start of
# the reply, and has the time split in perfdata.
preset_ok() {
	service_require "$1"
	port=$(service_start "$1")
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service "$1"
	assert_first_line "^TCP OK - [0-9]+\.[0-9]{6} second response time on 127\.0\.0\.1 port $port \[$2.*\]\|time=[0-9.]+s;;;0;10 connect=[0-9.]+s;;;0;10 response=[0-9.]+s;;;0;10$"
}

@test "ssh: the greeting starts with SSH-" {
	preset_ok ssh 'SSH-2\.0-OpenSSH'
}

@test "smtp: greeting 220, and QUIT is sent" {
	preset_ok smtp '220 '
}

@test "ftp: greeting 220" {
	preset_ok ftp '220 '
}

@test "pop: greeting +OK" {
	preset_ok pop '\+OK '
}

@test "imap: greeting * OK" {
	preset_ok imap '\* OK '
}

@test "http: HEAD / answered with HTTP/1.x" {
	preset_ok http 'HTTP/1\.[01] 200 OK'
}

@test "redis: PING answered +PONG" {
	preset_ok redis '\+PONG'
}

@test "memcached: version answered VERSION" {
	preset_ok memcached 'VERSION 1\.'
}

@test "postgres: SSLRequest answered S or N" {
	preset_ok postgres '[SN]'
}

@test "mysql: the greeting packet of protocol 10" {
	preset_ok mysql '.\\x00\\x00\\x00\\n5\.5\.5-'
}

@test "ldap: an anonymous bind answered by a bindResponse" {
	preset_ok ldap '0\\x0c\\x02\\x01\\x01a'
}

@test "ldap: the preset's probe written by hand with -E -s and -e" {
	service_require ldap
	port=$(service_start ldap)
	bind='\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00'
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -s "$bind" -e '\x02\x01\x01\x61'
	assert_first_line "port $port \[0\\\\x0c\\\\x02\\\\x01\\\\x01a"
	# a bindResponse to message id 2 is not the answer to this bind (id 1)
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -E -s "$bind" -e '\x02\x01\x02\x61'
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: 0\\\\x0c"
}

@test "a preset's port is the default: --service without -p" {
	service_require redis
	port=$(service_start redis)
	# the default port 6379 is not ours: nothing listens there in a fresh namespace, or
	# something else does; -p must override it
	run -0 "$PLUGIN" -H 127.0.0.1 --service redis -p "$port" -vv
	assert_first_line "port $port \[\+PONG\]"
}

@test "the wrong service on a port is a mismatch: WARNING with what came" {
	service_require ssh
	port=$(service_start ssh)
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service redis -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: SSH-2\.0-"
}

@test "-e and -s override a preset" {
	service_require smtp
	port=$(service_start smtp)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service smtp -e ESMTP
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service smtp -e 'no such words' -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket"
}
