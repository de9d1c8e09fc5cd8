#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Every outcome of a connection, made for real: on the host's loopback where no root is
# needed, in the namespace lab (nft rules) for the rest.

load helpers/common
load helpers/lab_hooks

@test "an open port is OK with the response time and perfdata" {
	port=$(server_start accept 127.0.0.1)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port"
	[ "${#lines[@]}" -eq 1 ]
	assert_first_line "^TCP OK - [0-9]+\.[0-9]{6} second response time on 127\.0\.0\.1 port $port\|time=[0-9]+\.[0-9]{6}s;;;0;10$"
}

@test "a refused port is CRITICAL and says Connection refused" {
	port=$(server_start bound 127.0.0.1)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port"
	[ "${#lines[@]}" -eq 1 ]
	[ "$output" = "TCP CRITICAL - connect to address 127.0.0.1 and port $port: Connection refused" ]
}

@test "-r chooses the state of a refused connection, check_tcp's spellings included" {
	port=$(server_start bound 127.0.0.1)
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -r ok
	assert_first_line "^TCP OK - connect to address 127\.0\.0\.1 and port $port: Connection refused$"
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -r warn
	assert_first_line "^TCP WARNING - connect to address"
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -r critical
	assert_first_line "^TCP CRITICAL - connect to address"
	run -3 "$PLUGIN" -H 127.0.0.1 -p "$port" --refuse=UNKNOWN
	assert_first_line "^TCP UNKNOWN - connect to address"
}

@test "a port whose SYNs are not answered times out CRITICAL, naming the phase" {
	port=$(server_start full 127.0.0.1)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" -t 0.5
	[ "$output" = "TCP CRITICAL - Socket timeout after 0.5 seconds while connecting to 127.0.0.1 port $port" ]
}

@test "-t SECONDS:STATE chooses the state of a timeout" {
	port=$(server_start full 127.0.0.1)
	run -3 "$PLUGIN" -H 127.0.0.1 -p "$port" -t 0.3:UNKNOWN
	assert_first_line "^TCP UNKNOWN - Socket timeout after 0\.3 seconds while connecting to 127\.0\.0\.1 port $port$"
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" -t 0.3:warning
	assert_first_line "^TCP WARNING - Socket timeout"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -t 0.3:0
	assert_first_line "^TCP OK - Socket timeout"
}

@test "a port that must stay closed: connected is CRITICAL, refused and timed out are OK" {
	open=$(server_start accept 127.0.0.1)
	closed=$(server_start bound 127.0.0.1)
	dropped=$(server_start full 127.0.0.1)
	closed_args=(--state connected=critical,refused=ok,timeout=ok -t 0.5)
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$open" "${closed_args[@]}"
	assert_first_line "^TCP CRITICAL - [0-9.]+ second response time on 127\.0\.0\.1 port $open\|time="
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$closed" "${closed_args[@]}"
	assert_first_line "^TCP OK - connect to address 127\.0\.0\.1 and port $closed: Connection refused$"
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$dropped" "${closed_args[@]}"
	assert_first_line "^TCP OK - Socket timeout after 0\.5 seconds while connecting"
}

@test "--state is repeatable and the last word on an outcome wins" {
	port=$(server_start bound 127.0.0.1)
	run -1 "$PLUGIN" -H 127.0.0.1 -p "$port" --state refused=ok --state refused=warning
	run -0 "$PLUGIN" -H 127.0.0.1 -p "$port" -r crit --state refused=ok
	run -2 "$PLUGIN" -H 127.0.0.1 -p "$port" --state refused=ok -r crit
}

@test "an invalid name is CRITICAL: Name or service not known" {
	run -2 "$PLUGIN" -H 'bad_host!' -p 80
	[ "$output" = "TCP CRITICAL - cannot resolve bad_host!: Name or service not known" ]
	run -3 "$PLUGIN" -H 'bad_host!' -p 80 --state name-unknown=unknown
	assert_first_line "^TCP UNKNOWN - cannot resolve bad_host!"
}

@test "IPv6 loopback: open is OK, refused is CRITICAL, brackets accepted" {
	lab_require_root
	open=$(lab_server accept ::1 v6open)
	closed=$(lab_server bound ::1 v6closed)
	run -0 lab_exec "$PLUGIN" -H ::1 -p "$open"
	assert_first_line "^TCP OK - [0-9.]+ second response time on ::1 port $open\|time="
	run -0 lab_exec "$PLUGIN" -H '[::1]' -p "$open" -6
	run -2 lab_exec "$PLUGIN" -H ::1 -p "$closed"
	[ "$output" = "TCP CRITICAL - connect to address ::1 and port $closed: Connection refused" ]
}

@test "a firewall's TCP reset is CRITICAL: Connection refused" {
	lab_require_root
	port=$(lab_server accept 127.0.0.1 web)
	lab_reject_reset "$port"
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port"
	[ "$output" = "TCP CRITICAL - connect to address 127.0.0.1 and port $port: Connection refused" ]
}

@test "an ICMP host-unreachable is CRITICAL: No route to host" {
	lab_require_root
	lab_reject_hostunreach 8081
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p 8081
	[ "$output" = "TCP CRITICAL - connect to address 127.0.0.1 and port 8081: No route to host" ]
	lab_reject_hostunreach 8081 ::1
	run -2 lab_exec "$PLUGIN" -H ::1 -p 8081
	assert_first_line "No route to host$"
}

@test "an ICMP network-unreachable is CRITICAL: Network is unreachable" {
	lab_require_root
	lab_reject_netunreach 8082
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p 8082
	[ "$output" = "TCP CRITICAL - connect to address 127.0.0.1 and port 8082: Network is unreachable" ]
}

@test "--state unreachable=STATE chooses the state of both unreachables" {
	lab_require_root
	lab_reject_hostunreach 8083
	lab_reject_netunreach 8084
	run -1 lab_exec "$PLUGIN" -H 127.0.0.1 -p 8083 --state unreachable=warning
	assert_first_line "^TCP WARNING - .*No route to host$"
	run -1 lab_exec "$PLUGIN" -H 127.0.0.1 -p 8084 --state unreachable=warning
	assert_first_line "^TCP WARNING - .*Network is unreachable$"
}

@test "a firewall that drops is a timeout: CRITICAL after -t" {
	lab_require_root
	port=$(lab_server accept 127.0.0.1 dropped)
	lab_drop "$port"
	run -2 lab_exec "$PLUGIN" -H 127.0.0.1 -p "$port" -t 0.4
	[ "$output" = "TCP CRITICAL - Socket timeout after 0.4 seconds while connecting to 127.0.0.1 port $port" ]
}

@test "an address this machine cannot use is a local error: UNKNOWN with the system's words" {
	lab_require_root
	# A link-local address without a zone: the kernel refuses the connect() itself.
	run -3 lab_exec "$PLUGIN" -H fe80::1 -p 80
	[ "$output" = "TCP UNKNOWN - cannot connect to fe80::1 port 80: Invalid argument" ]
	run -2 lab_exec "$PLUGIN" -H fe80::1 -p 80 --state local-error=critical
}
