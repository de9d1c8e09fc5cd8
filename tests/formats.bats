#!/usr/bin/env bats
# --output: the formats for Zabbix and other machines. The exit code stays the state.

load helpers/common

setup() {
	open=$(server_start accept 127.0.0.1)
	closed=$(server_start bound 127.0.0.1)
}

teardown() {
	servers_stop
}

@test "--output=value prints the response time alone, 0 when nothing connected" {
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$open" --output value
	[[ $output =~ ^0\.[0-9]{6}$ ]]
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$closed" --output value
	[ "$output" = "0.000000" ]
}

@test "--output=state prints the state as a number" {
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$open" --output state
	[ "$output" = "0" ]
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$closed" --output state
	[ "$output" = "2" ]
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$closed" --output state -r warn
	[ "$output" = "1" ]
}

@test "--output=json has the state, the message, perfdata and every target" {
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$open,$closed" --output json
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == '{"state":"CRITICAL","code":2,"message":"1 of 2 ports failed: '"$closed"' refused","perfdata":"'"'time_$open'"'='* ]]
	[[ $output == *'"targets":[{"host":"127.0.0.1","address":"127.0.0.1","port":'"$open"',"state":"OK","code":0,"outcome":"connected","time":0.'* ]]
	[[ $output == *'{"host":"127.0.0.1","address":"127.0.0.1","port":'"$closed"',"state":"CRITICAL","code":2,"outcome":"refused","time":null,"connect":null,"response":null,"dns":null,"loss":null,"message":"connect to address 127.0.0.1 and port '"$closed"': Connection refused"}]}' ]]
}

@test "--output=json is valid JSON even with hostile bytes from a server" {
	command -v python3 >/dev/null || skip "python3 not installed to validate the JSON"
	port=$(server_start banner 127.0.0.1 -T '"quoted" \\back\x01\xff|pipe\n')
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -e nothing --output json -n 2 -i 0.05
	printf '%s' "$output" | python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["code"] == 1 and d["targets"][0]["outcome"] == "mismatch" and d["targets"][0]["loss"] == 100'
}

@test "--output=lld lists the targets without connecting" {
	command -v strace >/dev/null || { [ "${CI:-}" != true ] || false; skip "strace not installed"; }
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	run -0 strace -f -qq -e trace=socket,connect -o "$BATS_TEST_TMPDIR/trace" "$PLUGIN" -H 127.0.0.1 -H db.test -p 22,443 --output lld
	[ "$output" = '[{"{#HOST}":"127.0.0.1","{#PORT}":"22"},{"{#HOST}":"127.0.0.1","{#PORT}":"443"},{"{#HOST}":"db.test","{#PORT}":"22"},{"{#HOST}":"db.test","{#PORT}":"443"}]' ]
	[ ! -s "$BATS_TEST_TMPDIR/trace" ]
}

@test "an unknown --output is UNKNOWN" {
	run -3 "$PLUGIN" -H 127.0.0.1 -p 1 --output xml
	[ "$output" = "TCP UNKNOWN - invalid --output 'xml': use nagios, value, state, json or lld (see 'check_tcpport --help')" ]
}
