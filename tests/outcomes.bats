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

@test "an ICMPv6 reject that forbids (firewalld's admin-prohibited) is unreachable, CRITICAL: not a local error" {
	lab_require_root
	# Linux turns ICMPv6 admin-prohibited, policy-fail and reject-route into EACCES, which
	# comes through SO_ERROR after connect() said EINPROGRESS: the network's answer
	for type in admin-prohibited policy-fail reject-route; do
		lab_reset
		lab_nft "add rule inet lab input ip6 daddr ::1 tcp dport 8085 reject with icmpv6 type $type"
		run -2 lab_exec "$PLUGIN" -H ::1 -p 8085 -t 3
		[ "$output" = "TCP CRITICAL - connect to address ::1 and port 8085: Permission denied (administratively prohibited)" ]
	done
	run -1 lab_exec "$PLUGIN" -H ::1 -p 8085 -t 3 --state unreachable=warning
	[ "$output" = "TCP WARNING - connect to address ::1 and port 8085: Permission denied (administratively prohibited)" ]
	run -2 lab_exec "$PLUGIN" -H ::1 -p 8085 -t 3 -v
	assert_output_has "connect ::1 port 8085: EACCES (Permission denied: administratively prohibited) after "
	assert_output_has "hint: a router or firewall answered that the host cannot be reached, or that it forbids the connection"
	assert_output_lacks "ulimit"
	# beside an open port the summary names it, and the open port keeps its perfdata
	open=$(lab_server accept ::1 v6open)
	run -2 lab_exec "$PLUGIN" -H ::1 -p "$open,8085" -t 3
	assert_first_line "^TCP CRITICAL - 1 of 2 ports failed: 8085 administratively prohibited\|'time_$open'=[0-9]+\.[0-9]{6}s;;;0;3$"
}

# kernel_gives_up_traced ARGS...: the plugin with ARGS under strace (times in seconds
# since the epoch, to $trace) in a network namespace of its own, where TCP to port 6000
# is dropped and the kernel gives up a connect after one SYN retry, about 3 s
# (tcp_syn_retries belongs to the namespace: no other test sees it).
kernel_gives_up_traced() {
	trace=$BATS_TEST_TMPDIR/trace
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 # LSan cannot be traced
	run unshare -n sh -c 'ip link set lo up && sysctl -qw net.ipv4.tcp_syn_retries=1 &&
		nft add table inet t && nft add chain inet t in "{ type filter hook input priority 0; }" &&
		nft add rule inet t in tcp dport 6000 drop &&
		exec strace -f -ttt -o "$0" -e trace=connect,getsockopt "$@"' "$trace" "$PLUGIN" "$@"
}

@test "a kernel that gives up the SYN before -t is a timeout that says so, with the time it really took" {
	lab_require_root
	kernel_gives_up_traced -H 127.0.0.1 -p 6000 -t 10 -v
	[ "$status" -eq 2 ]
	said=$(sed -n 's/^TCP CRITICAL - Connection timed out after \([0-9.]*\) seconds (the kernel gave up retrying the SYN) while connecting to 127\.0\.0\.1 port 6000$/\1/p' <<<"${lines[0]}")
	# the time -v measured, to the millisecond, and what strace saw from connect() to
	# SO_ERROR's ETIMEDOUT; not the 10 s of -t
	measured=$(sed -n 's/^connect 127\.0\.0\.1 port 6000: ETIMEDOUT (Connection timed out: the kernel gave up retrying the SYN) after \([0-9.]*\) s, .*/\1/p' <<<"$output")
	same_ms "$said" "$measured"
	seen=$(awk '/htons\(6000\)/ { start = $2 } /SO_ERROR, \[ETIMEDOUT\]/ { print $2 - start }' "$trace")
	awk -v s="$said" -v k="$seen" 'BEGIN { d = s - k; exit !(k > 2.5 && k < 5 && d < 0.005 && d > -0.005) }'
	assert_output_has "hint: the kernel gave up before -t"
	kernel_gives_up_traced -H 127.0.0.1 -p 6000 -t 10 --state timeout=warning
	[ "$status" -eq 1 ]
	assert_first_line "^TCP WARNING - Connection timed out after [0-9.]+ seconds \(the kernel gave up retrying the SYN\) while connecting to 127\.0\.0\.1 port 6000$"
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
