#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
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
	[[ $output == *'{"host":"127.0.0.1","address":"127.0.0.1","port":'"$closed"',"state":"CRITICAL","code":2,"outcome":"refused","time":null,"connect":null,"response":null,"dns":null,"loss":null,"not_run":0,"message":"connect to address 127.0.0.1 and port '"$closed"': Connection refused"}]}' ]]
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

@test "JSON and LLD write a UTF-8 host name as its characters, and any other byte escaped" {
	run -0 "$PLUGIN" -H café.example -p 80 --output=lld
	[ "$output" = '[{"{#HOST}":"café.example","{#PORT}":"80"}]' ]
	[ "$(jq -r '.[0]["{#HOST}"]' <<<"$output")" = café.example ]
	run -0 "$PLUGIN" -H $'caf\xe9' -H $'\xf0\x9f\x98\x80x\xc3' -p 80 --output=lld
	[ "$output" = '[{"{#HOST}":"caf\\xe9","{#PORT}":"80"},{"{#HOST}":"😀x\\xc3","{#PORT}":"80"}]' ]
	jq -e . <<<"$output" >/dev/null
	run -2 "$PLUGIN" -H 'nosuch-café.invalid' -p 80 --output=json -t 1
	[ "$(jq -r '.targets[0].host' <<<"$output")" = nosuch-café.invalid ]
}

@test "an IPv6 zone stays in the messages, -v and JSON" {
	run -2 "$PLUGIN" -H 'fe80::1%lo' -p 1 -t 0.5 -v
	[[ ${lines[0]} == "TCP CRITICAL - connect to address fe80::1%lo and port 1: "* ]]
	[[ ${lines[2]} == "connect fe80::1%lo port 1: "* ]]
	run -2 "$PLUGIN" -H 'fe80::1%lo' -p 1 -t 0.5 --output=json
	[ "$(jq -r '.targets[0].address' <<<"$output")" = 'fe80::1%lo' ]
}

@test "a Unix socket path is shown whole and escaped in -v, the state line and JSON" {
	dir=$BATS_TEST_TMPDIR/$(printf 'd%.0s' {1..40})
	mkdir -p "$dir"
	path="$dir/a|b"
	run -2 "$PLUGIN" -H "$path" -v
	esc=${path//|/\\x7c}
	[ "${lines[0]}" = "TCP CRITICAL - connect to socket $esc: No such file or directory" ]
	[[ ${lines[2]} == "connect $esc: ENOENT (No such file or directory) after "* ]]
	assert_output_lacks "a|b"
	run -2 "$PLUGIN" -H "$path" --output=json
	[ "$(jq -r '.targets[0].address' <<<"$output")" = "$path" ]
}

@test "every time the plugin prints has the same rounding: the state line, perfdata, JSON" {
	port=$(server_start accept 127.0.0.1)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" --output=json
	[[ $output =~ \"time\":([0-9]+\.[0-9]{6}), ]] # as written: jq would reformat it
	t=${BASH_REMATCH[1]}
	[[ $(jq -r .message <<<"$output") == "$t second response time on"* ]]
	[[ $(jq -r .perfdata <<<"$output") == "time=${t}s;;;0;10" ]]
}

@test "--output=json for 10,000 targets is one JSON object with every target" {
	run -2 "$PLUGIN" -H 127.0.0.1 -p 1-10000 -t 2 --output=json
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == '{"state":"CRITICAL","code":2,"message":"'* ]]
	[ "$(jq -r .state <<<"$output")" = CRITICAL ]
	[ "$(jq .code <<<"$output")" -eq 2 ]
	[ "$(jq '.targets | length' <<<"$output")" -eq 10000 ]
	# a port of the machine's own may listen in that range: the rest were refused
	connected=$(jq '[.targets[] | select(.outcome == "connected")] | length' <<<"$output")
	refused=$(jq '[.targets[] | select(.outcome == "refused")] | length' <<<"$output")
	[ $((connected + refused)) -eq 10000 ]
	[[ $(jq -r .message <<<"$output") == "$refused of 10000 ports failed: "*", and $((refused - 10)) more" ]]
	[ "$(jq -r '.targets[9999] | "\(.port) \(.host)"' <<<"$output")" = "10000 127.0.0.1" ]
}

@test "--output=json stays one object when its perfdata alone is larger than a page" {
	# 800 loss items: the perfdata string was once written ahead of the object
	run -2 "$PLUGIN" -H 127.0.0.1 -p 1-800 -n 2 -i 0.01 --output=json
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == '{"state":"CRITICAL","code":2,"message":"'* ]]
	jq -e . <<<"$output" >/dev/null
	[ "$(jq '.targets | length' <<<"$output")" -eq 800 ]
	[[ $(jq -r .perfdata <<<"$output") == "'loss_1'=100%;;;0;100 'loss_2'=100%;;;0;100 "* ]]
	[[ $(jq -r .perfdata <<<"$output") == *" 'loss_800'=100%;;;0;100" ]]
	[ "$(jq '[.targets[] | select(.outcome == "refused" and .loss == 100)] | length' <<<"$output")" -ge 799 ]
}
