#!/usr/bin/env bats
# The shape of the output: the state line, perfdata, -v, escaping, the locale.

load helpers/common

setup() {
	port=$(server_start accept 127.0.0.1)
	closed=$(server_start bound 127.0.0.1)
}

teardown() {
	servers_stop
}

@test "the response time has microsecond precision and perfdata has the guidelines' shape" {
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 1 -c 2 -t 3.5
	assert_first_line "^TCP OK - 0\.[0-9]{6} second response time on 127\.0\.0\.1 port $port\|time=0\.[0-9]{6}s;1;2;0;3\.5$"
	# the same number in the words and in perfdata
	words=${lines[0]#TCP OK - }
	words=${words%% *}
	assert_first_line "time=${words}s;"
}

@test "a resolved name adds the address to the words and dns to perfdata" {
	run -0 "$PLUGIN" -H localhost -p "$port" -4
	assert_first_line "^TCP OK - [0-9.]+ second response time on localhost \(127\.0\.0\.1\) port $port\|time=[0-9.]+s;;;0;10 dns=[0-9]+\.[0-9]{6}s;;;0;10$"
}

@test "a failure has no time perfdata" {
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$closed"
	assert_output_lacks "|"
	run -2 "$PLUGIN" -H localhost -p "$closed" -4
	assert_first_line "^TCP CRITICAL - connect to address localhost \(127\.0\.0\.1\) and port $closed: Connection refused\|dns=[0-9.]+s;;;0;10$"
}

@test "the decimal point is '.' whatever the locale" {
	LC_ALL=de_DE.UTF-8 LC_NUMERIC=de_DE.UTF-8 LANG=de_DE.UTF-8 run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -w 0.5 -t 2.5
	assert_first_line "^TCP OK - 0\.[0-9]{6} second .*\|time=0\.[0-9]{6}s;0\.5;;0;2\.5$"
}

@test "-v explains each phase after the state line and gives a hint" {
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -v
	assert_first_line "^TCP OK - "
	[ "${lines[1]}" = "resolve: 127.0.0.1 is an address, nothing to resolve" ]
	[[ ${lines[2]} =~ ^connect\ 127\.0\.0\.1\ port\ $port:\ connected\ in\ [0-9.]+\ s,\ started\ at\ \+[0-9.]+\ s$ ]]
	[[ ${lines[3]} == "hint: the port accepts connections"* ]]
	[ "${#lines[@]}" -eq 4 ]
}

@test "-v on a refusal names the errno and says where to look" {
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$closed" -v
	[[ ${lines[2]} =~ ^connect\ 127\.0\.0\.1\ port\ $closed:\ ECONNREFUSED\ \(Connection\ refused\)\ after\ [0-9.]+\ s ]]
	[[ ${lines[3]} == "hint: nothing listens on that port"*"ss -ntlp"* ]]
}

@test "-v on a timeout and on an unknown name gives their hints" {
	dropped=$(server_start full 127.0.0.1)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$dropped" -t 0.3 -v
	[[ ${lines[2]} =~ ^connect\ 127\.0\.0\.1\ port\ $dropped:\ no\ answer\ in\ 0\.[0-9]+\ s ]]
	[[ ${lines[3]} == "hint: no answer at all"*"firewall"* ]]
	run -2 "$PLUGIN" -H 'bad_host!' -p 80 -v
	[[ ${lines[1]} =~ ^resolve:\ bad_host!:\ Name\ or\ service\ not\ known\ \(EAI_NONAME\)\ after ]]
	[[ ${lines[2]} == "hint: the name does not exist"*"getent hosts"* ]]
}

@test "-vv adds the settings and the state of every outcome" {
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -vv -w 0.5 -t 2 -r warn
	[ "${lines[1]}" = "settings: timeout 2 s for the whole run, IPv4 and IPv6, warning 0.5, critical none" ]
	[ "${lines[2]}" = "states: connected=OK refused=WARNING timeout=CRITICAL unreachable=CRITICAL name-unknown=CRITICAL resolver=CRITICAL local-error=UNKNOWN mismatch=WARNING no-data=CRITICAL reset=CRITICAL" ]
}

@test "a '|' or a non-ASCII byte in the host never reaches the output raw" {
	run -2 "$PLUGIN" -H $'bad|host\xff' -p 80
	[ "$output" = 'TCP CRITICAL - cannot resolve bad\x7chost\xff: Name or service not known' ]
}

@test "nothing is written to stderr" {
	run -0 --separate-stderr "$PLUGIN" -H 127.0.0.1 -p "$port" -vv
	[ -z "$stderr" ]
	run -2 --separate-stderr "$PLUGIN" -H 127.0.0.1 -p "$closed" -vv
	[ -z "$stderr" ]
}
