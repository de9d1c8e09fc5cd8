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
	servers_stop
}

# preset_ok NAME REPLY_REGEX: the preset is OK against the real server, shows the start of
# the reply, and has the time split in perfdata.
preset_ok() {
	service_require "$1"
	port=$(service_start "$1")
	preset_ok_at "$1" "$2"
}

# preset_ok_at NAME REPLY_REGEX: the same against the server already started on $port.
preset_ok_at() {
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

# PostgreSQL answers S or N and then waits for the client: the one byte is the whole reply
# only once nothing more came for the settle period (0.5 s), which the check waits out;
# the time it reports is the reply's.
@test "postgres: the one-byte reply is judged after the settle period, timed when it came" {
	service_require postgres
	port=$(service_start postgres)
	start=$(now_ms)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -v
	took=$(($(now_ms) - start))
	((took >= 500))
	assert_first_line "^TCP OK - 0\.[0-3][0-9]* second response time on 127\.0\.0\.1 port $port \[[SN]\]\|time=0\.[0-3][0-9]*s;;;0;10 connect=[0-9.]+s;;;0;10 response=0\.[0-3][0-9]*s;;;0;10$"
	assert_output_has " s (judged once nothing more came for 0.500 s)"
	# a probe's time shorter than the settle period: the S or N is judged as it stands
	# when the time is up (-n 20's 0.5 s a probe was a loss of 90% on a healthy server)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -t 0.4 -v
	assert_first_line "^TCP OK - 0\.[0-3][0-9]* second response time on 127\.0\.0\.1 port $port \[[SN]\]\|time=0\.[0-3][0-9]*s;;;0;0\.4 connect=[0-9.]+s;;;0;0\.4 response=0\.[0-3][0-9]*s;;;0;0\.4$"
	assert_output_has " s (judged as it stood when the time was up)"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -n 4 -t 1.6 --warning-loss 1
	assert_first_line "^TCP OK - 0\.[0-3][0-9]* second average response time on 127\.0\.0\.1 port $port: 4 of 4 probes connected, 0% loss \[[SN]\]\|"
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

# preset_quiet NAME REPLY_REGEX LOGGED_REGEX: preset_ok, and the server logs the probe's
# connection (LOGGED_REGEX, waited for) and nothing that reads as an error or warning.
preset_quiet() {
	service_require "$1"
	port=$(service_start "$1")
	service_log_mark "$port"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service "$1"
	assert_first_line "^TCP OK - [0-9]+\.[0-9]{6} second response time on 127\.0\.0\.1 port $port \[$2.*\]\|time=[0-9.]+s;;;0;10 connect=[0-9.]+s;;;0;10 response=[0-9.]+s;;;0;10$"
	logged=$(service_log_since "$port" "$3")
	assert_log_clean "$logged"
}

# assert_log_clean TEXT: no line of the server's log TEXT reads as an error or warning.
assert_log_clean() {
	if grep -Ei 'error|warn|fatal|fail|denied|refus|invalid|unknown|not ' <<<"$1"; then
		printf 'the server logged the lines above for the probe\n' >&2
		return 1
	fi
}

@test "xmpp: a client stream header answered by a stream header; prosody logs no warning" {
	preset_quiet xmpp "<\?xml version='1\.0'\?><stream:stream" 'Client disconnected'
}

@test "xmpp: the log check can fail: a header to a served host without TLS is a warning" {
	service_require xmpp
	port=$(service_start xmpp)
	service_log_mark "$port"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service xmpp -s "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"
	logged=$(service_log_since "$port" 'Client disconnected')
	run ! assert_log_clean "$logged"
	assert_output_has 'No stream features to offer'
}

@test "jabber is xmpp" {
	service_require xmpp
	port=$(service_start xmpp)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service jabber -vv
	assert_first_line "port $port \[<\?xml version='1\.0'\?><stream:stream "
	assert_output_has "xmlns='jabber:client'"
	run -3 "$PLUGIN" -H 127.0.0.1 --service jabbe
}

@test "xmpp: another protocol's request on its port is a mismatch" {
	service_require xmpp
	port=$(service_start xmpp)
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service http -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: <\?xml"
}

# clamd logs nothing for a connection, whatever it asks (an unknown command, a command
# that times out): the log check below holds with any probe and cannot fail here.
@test "clamd: zPING answered by PONG, and clamd logs nothing" {
	preset_quiet clamd 'PONG\\x00' ''
}

@test "clamd: another protocol's request on its port is a mismatch" {
	service_require clamd
	port=$(service_start clamd)
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service redis -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: PONG"
}

@test "rsync: greeting @RSYNCD:, and rsync logs only the connection" {
	preset_quiet rsync '@RSYNCD: [0-9]+\.[0-9]+' 'connect from'
}

@test "rsync: the log check can fail: asking for a module that does not exist" {
	service_require rsync
	port=$(service_start rsync)
	service_log_mark "$port"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service rsync -E -s '@RSYNCD: 31.0\nno-such-module\n'
	logged=$(service_log_since "$port" 'no-such-module')
	run ! assert_log_clean "$logged"
	assert_output_has "unknown module 'no-such-module'"
}

@test "rsync: another protocol's preset on its port is a mismatch" {
	service_require rsync
	port=$(service_start rsync)
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service ssh -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: @RSYNCD: "
}

# git daemon logs a line for any probe that names no repository it exports (a bare
# connect: "the remote end hung up unexpectedly"); the preset's is the one below.
@test "git: upload-pack of / answered by an ERR pkt-line; git daemon logs that / is no repository" {
	service_require git
	port=$(service_start git)
	service_log_mark "$port"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service git
	assert_first_line "^TCP OK - [0-9]+\.[0-9]{6} second response time on 127\.0\.0\.1 port $port \[[0-9a-f]{4}ERR access denied or repository not exported: /\]\|time=[0-9.]+s;;;0;10 connect=[0-9.]+s;;;0;10 response=[0-9.]+s;;;0;10$"
	logged=$(service_log_since "$port" 'Disconnected')
	run ! assert_log_clean "$logged"
	# the two lines flagged, and the message
	[[ ${#lines[@]} -eq 3 ]]
	[[ ${lines[0]} == *"/repos/' does not appear to be a git repository" ]]
	[[ ${lines[1]} == *"Disconnected (with error)" ]]
}

@test "git: a request naming an exported repository, and the quit 0000, leave no error" {
	service_require git
	port=$(service_start git)
	service_log_mark "$port"
	# protocol v0: the advertisement of an empty repository is a flush-pkt
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service git -E -s '001agit-upload-pack /r.git' -e 0000
	logged=$(service_log_since "$port" 'Disconnected')
	assert_log_clean "$logged"
	[[ $logged == *"Request upload-pack for '/r.git'"* ]]
}

@test "git: the git preset on another service's port is a mismatch" {
	service_require clamd
	port=$(service_start clamd)
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service git -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: UNKNOWN COMMAND"
}

# telnet has no quit before a login: a client leaves by closing, and inetutils telnetd
# logs that at info level for anyone who leaves during the option negotiation (the
# start-up check of services.bash too). The preset leaves that one line, nothing of
# priority warning or above.
@test "telnet: the option negotiation (IAC DO / IAC WILL); telnetd logs one info line" {
	service_require telnet
	port=$(service_start telnet)
	# the start-up check's own line comes late under load: wait for it, or it is
	# taken for the probe's
	dir=$(service_dir "$port")
	for ((i = 0; i < 250; i++)); do
		grep -q 'peer died' "$dir/log/all.log" && break
		sleep 0.02
	done
	service_log_mark "$port"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service telnet
	assert_first_line "^TCP OK - [0-9]+\.[0-9]{6} second response time on 127\.0\.0\.1 port $port \[\\\\xff\\\\x(fb|fd).*\]\|time=[0-9.]+s;;;0;10 connect=[0-9.]+s;;;0;10 response=[0-9.]+s;;;0;10$"
	logged=$(service_log_since "$port" 'telnetd\[[0-9]+\]: ')
	# syslog's lines, not inetd's debugging output on its stderr
	run -0 grep -E '^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} ' <<<"$logged"
	[[ ${#lines[@]} -eq 1 && ${lines[0]} =~ telnetd\[[0-9]+\]:\ ttloop:\ +peer\ died ]]
	[[ ! -s $dir/log/warning.log ]]
}

@test "telnet: another protocol's preset on its port is a mismatch" {
	service_require telnet
	port=$(service_start telnet)
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service ssh -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: \\\\xff"
}

# log_after FILE COUNT: the lines of FILE after its first COUNT.
log_after() {
	tail -n "+$(($2 + 1))" -- "$1"
}

# wait_log FILE COUNT ERE: wait (10 s at most) until a line after the first COUNT lines of
# FILE matches ERE: servers log a closed connection a moment after the plugin is done
# (RabbitMQ logs a failed handshake some 3 s later).
wait_log() {
	local deadline=$(($(now_ms) + 10000))
	while (($(now_ms) < deadline)); do
		log_after "$1" "$2" | grep -qE -- "$3" && return 0
		sleep 0.02
	done
	printf 'no line matching %s in %s after line %s:\n' "$3" "$1" "$2" >&2
	log_after "$1" "$2" >&2
	return 1
}

# refute_log FILE COUNT ERE: no line after the first COUNT lines of FILE matches ERE.
refute_log() {
	if log_after "$1" "$2" | grep -E -- "$3" >&2; then
		printf 'lines above (in %s) match %s\n' "$1" "$3" >&2
		return 1
	fi
}

@test "mqtt: CONNECT answered by CONNACK 0, then DISCONNECT: mosquitto logs a clean disconnect" {
	service_require mqtt
	port=$(service_start mqtt)
	log=$(service_dir "$port")/log/mosquitto.log
	n=$(wc -l <"$log")
	preset_ok_at mqtt ' \\x02\\x00\\x00'
	wait_log "$log" "$n" '^[0-9]+: Client auto-[^ ]+ disconnected\.$'
	# the readiness check of service_start is the client <unknown>
	refute_log "$log" "$n" 'Client auto-[^ ]+ closed its connection|[Ee]rror|[Ww]arning'
}

# The log test above can fail: a client that closes after the CONNACK without DISCONNECT
# (here bash, as -q cannot send the bytes of none) is logged otherwise.
@test "mqtt: without DISCONNECT mosquitto logs that the client closed its connection" {
	service_require mqtt
	port=$(service_start mqtt)
	log=$(service_dir "$port")/log/mosquitto.log
	n=$(wc -l <"$log")
	run -0 timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1" &&
		printf "\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00" >&5 && head -c 4 <&5 | od -An -tx1' _ "$port"
	[[ $output == ' 20 02 00 00' ]]
	wait_log "$log" "$n" '^[0-9]+: Client auto-[^ ]+ closed its connection\.$'
	refute_log "$log" "$n" 'Received DISCONNECT'
}

@test "mqtt: a CONNACK refusing the credentials (5) is OK, server unavailable (3) a mismatch" {
	port=$(server_start reply 127.0.0.1 -U 'MQTT' -T '\x20\x02\x00\x05')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service mqtt
	assert_first_line "^TCP OK - .* port $port \[ \\\\x02\\\\x00\\\\x05\]\|"
	port=$(server_start reply 127.0.0.1 -U 'MQTT' -T '\x20\x02\x00\x03')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service mqtt -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port:  \\\\x02\\\\x00\\\\x03$"
}

@test "beanstalkd: list-tube-used answered USING, then quit: beanstalkd logs the quit" {
	service_require beanstalkd
	port=$(service_start beanstalkd)
	log=$(service_dir "$port")/server.log
	n=$(wc -l <"$log")
	preset_ok_at beanstalkd 'USING default'
	wait_log "$log" "$n" '^<[0-9]+ command quit$'
	refute_log "$log" "$n" 'check_err|[Ee]rror|[Ww]arning'
}

# The log test above can fail: with another quit (stats) there is no quit in the log.
@test "beanstalkd: with another quit string the log has no quit command" {
	service_require beanstalkd
	port=$(service_start beanstalkd)
	log=$(service_dir "$port")/server.log
	n=$(wc -l <"$log")
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service beanstalkd -q stats
	wait_log "$log" "$n" '^<[0-9]+ command stats$'
	refute_log "$log" "$n" 'command quit'
}

@test "sieve: the greeting has IMPLEMENTATION, then LOGOUT: dovecot logs a logout" {
	service_require sieve
	port=$(service_start sieve)
	log=$(service_dir "$port")/dovecot.log
	# the connection of service_start's readiness check, logged first
	wait_log "$log" 0 'Disconnected:'
	n=$(wc -l <"$log")
	preset_ok_at sieve '"IMPLEMENTATION" "Dovecot'
	wait_log "$log" "$n" 'managesieve-login: Info: Disconnected: Aborted login by logging out'
	refute_log "$log" "$n" '(Error|Warning|Fatal|Panic):|failed'
}

# The log test above can fail: with another quit (NOOP) dovecot logs no logout.
@test "sieve: with another quit string dovecot logs no logout" {
	service_require sieve
	port=$(service_start sieve)
	log=$(service_dir "$port")/dovecot.log
	# the connection of service_start's readiness check, logged first
	wait_log "$log" 0 'Disconnected:'
	n=$(wc -l <"$log")
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service sieve -q NOOP
	wait_log "$log" "$n" 'Disconnected:'
	refute_log "$log" "$n" 'logging out'
}

# RabbitMQ logs a client that closes before logging in as a warning, and offers no way out
# before it: a Connection.Close at that stage is logged as an error (shown below).
@test "amqp: the AMQP 0-9-1 header answered by Connection.Start; RabbitMQ logs no error" {
	service_require amqp
	port=$(service_start amqp)
	log=$(service_dir "$port")/log/rabbit.log
	# the listener opens before the boot is done, and logged
	wait_log "$log" 0 'Server startup complete'
	n=$(wc -l <"$log")
	preset_ok_at amqp '\\x01\\x00\\x00.*\\x00\\n\\x00\\n\\x00\\t'
	wait_log "$log" "$n" '\[warning\] .* client unexpectedly closed TCP connection$'
	refute_log "$log" "$n" '\[(error|critical|alert|emergency)\]'
	warnings=$(log_after "$log" "$n" | grep -F '[warning]' |
		grep -v -e 'closing AMQP connection <' -e 'client unexpectedly closed TCP connection$' ||
		true)
	if [[ -n $warnings ]]; then
		printf 'other warnings:\n%s\n' "$warnings" >&2
		return 1
	fi
	n=$(wc -l <"$log")
	run -0 timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1" &&
		printf "AMQP\x00\x00\x09\x01" >&5 && head -c 13 <&5 | od -An -tx1 &&
		printf "\x01\x00\x00\x00\x00\x00\x0b\x00\x0a\x00\x32\x00\xc8\x00\x00\x00\x00\x00\xce" >&5 &&
		sleep 0.2' _ "$port"
	wait_log "$log" "$n" '\[error\] .*unexpected method in connection state starting'
}

# imap: a greeting ending in OK, as ManageSieve's, and a server that answers what it does
# not understand without closing
@test "mqtt, amqp, beanstalkd and sieve on an imap server are a mismatch" {
	service_require imap
	port=$(service_start imap)
	for name in mqtt amqp beanstalkd sieve; do
		run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service "$name" -t 3
		assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: \* OK "
	done
}

# A server that sends back what it gets (an echo service, a reflecting proxy) holds every
# preset's request: where the expected reply is part of the request (http's HTTP/1.,
# xmpp's <stream:stream), finding it anywhere was a false OK.
@test "an echo server is no service: every preset that sends a request is a mismatch there" {
	port=$(server_start echo 127.0.0.1)
	for name in http ldap postgres redis memcached xmpp clamd git mqtt amqp beanstalkd; do
		run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service "$name" -t 3
		assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: "
	done
	# -e finds its text anywhere, as check_tcp's does: the user's own choice
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -s 'HEAD / HTTP/1.0' -e 'HTTP/1.' -t 3
	assert_first_line "^TCP OK - "
}

# A preset's reply is read where its protocol puts it: PostgreSQL's one byte S was found
# at the start of an SSH greeting, nntp's 200 inside an SMTP greeting (false OKs).
@test "a preset's expected reply counts only where its protocol puts it" {
	port=$(server_start delayed 127.0.0.1 -T 'SSH-2.0-OpenSSH_9.2p1\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: SSH-2\.0-OpenSSH_9\.2p1$"
	port=$(server_start delayed 127.0.0.1 -T '220 mail.example.com ESMTP 200 ready\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service nntp -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: 220 mail"
	port=$(server_start delayed 127.0.0.1 -T '<html>HTTP/1.1 is spoken here</html>\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service http -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: <html>"
	# git's ERR comes after a pkt-line's length, not in a saturated redis's -ERR line
	port=$(server_start delayed 127.0.0.1 -T '-ERR max number of clients reached\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service git -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: -ERR max"
	# telnet's IAC opens the conversation; inside other bytes it proves nothing
	port=$(server_start delayed 127.0.0.1 -T 'hello \xff\xfb\x01\r\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service telnet -t 3
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: hello \\\\xff\\\\xfb"
	# the same replies where the protocol puts them are OK
	port=$(server_start delayed 127.0.0.1 -T '0019ERR no such repository')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service git -t 3
	port=$(server_start delayed 127.0.0.1 -T '\xff\xfb\x01')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service telnet -t 3
	port=$(server_start delayed 127.0.0.1 -T 'N')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service postgres -t 3
	port=$(server_start delayed 127.0.0.1 -T '200 news.example.com ready\r\n')
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service nntp -t 3
}

# A preset's quit is a command of its protocol, said only to a service that answered as
# that protocol: ftp's QUIT after a timeout on a clamd port shut clamd down (clamd reads
# QUIT as SHUTDOWN). -q is the user's own and is sent as check_tcp sends it.
@test "a preset's quit goes only to its own service: clamd outlives a wrong ftp check" {
	service_require clamd
	port=$(service_start clamd)
	for name in ftp smtp pop nntp; do
		run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" --service "$name" -t 1
		assert_first_line "^TCP CRITICAL - Socket timeout after 1 seconds? while waiting for the reply of 127\.0\.0\.1 port $port"
	done
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service clamd
	assert_first_line "^TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port $port \[PONG\\\\x00\]"
}

@test "a preset's quit is not sent after a mismatch or a timeout; -q's is" {
	got=$BATS_TEST_TMPDIR/got
	port=$(server_start banner 127.0.0.1 -T 'SSH-2.0-x\r\n' -o "$got")
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service imap -t 2
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: SSH-2\.0-x$"
	sleep 0.2
	[[ ! -s $got ]]
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service imap -q 'a1 LOGOUT' -t 2
	sleep 0.2
	[[ $(cat "$got") == $'a1 LOGOUT\r' ]]
	# the preset's own service still gets it
	port=$(server_start banner 127.0.0.1 -T '* OK ready\r\n' -o "$got.2")
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service imap -t 2
	sleep 0.2
	[[ $(cat "$got.2") == $'a1 LOGOUT\r' ]]
}

# The server's stream header carries an id (RFC 6120), the preset's own does not: its
# echo, whole, byte by byte or after other bytes (a device console that echoes what is
# typed) was OK.
@test "xmpp: a stream header without an id is no XMPP server, however it comes" {
	port=$(server_start trickle 127.0.0.1 -w 0.01 -T "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service xmpp -t 5
	assert_first_line "^TCP WARNING - Unexpected response from host/socket 127\.0\.0\.1 port $port: <stream:stream "
	port=$(server_start delayed 127.0.0.1 -T "\xff\xfb\x01login: <stream:stream xmlns='jabber:client'>")
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --service xmpp -t 3
	port=$(server_start delayed 127.0.0.1 -T "<?xml version='1.0'?><stream:stream xmlns='jabber:client' id='a1b2' from='example.org' version='1.0'>")
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --service xmpp -t 3
}
