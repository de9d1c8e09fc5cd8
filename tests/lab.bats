#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Tests of the test machinery itself: the network namespace lab
# (helpers/lab.bash) and the tcpserver fixture.  They prove that each
# canned fault does what it says, using only bash's /dev/tcp, timeout and
# getent, so that a failing plugin test can be trusted to be about the
# plugin.  Tests tagged "root" need root; elsewhere they are skipped, or
# fail when CI=true.

bats_require_minimum_version 1.7.0

load helpers/lab

BATS_TEST_TIMEOUT=30

setup_file() {
	if lab_available; then
		lab_start
	fi
}

teardown_file() {
	lab_stop
}

teardown() {
	if [[ -n ${LAB_PID:-} ]]; then
		lab_reset
	fi
	servers_stop
}

# probe SECONDS ADDR PORT: connect with bash's /dev/tcp on the host, killed
# after SECONDS (status 124).
probe() {
	timeout "$1" bash -c 'exec 5<>"/dev/tcp/$1/$2"' probe "$2" "$3"
}

# lab_probe SECONDS ADDR PORT: the same, inside the lab.
lab_probe() {
	lab_exec timeout "$1" bash -c 'exec 5<>"/dev/tcp/$1/$2"' probe "$2" "$3"
}

# now_us: print the current time in microseconds.
now_us() {
	local t=${EPOCHREALTIME//[!0-9]/}
	echo "$((10#$t))"
}

@test "tcpserver on the host: accept connects, bound refuses, full hangs" {
	local addr port
	for addr in 127.0.0.1 ::1; do
		port=$(server_start accept "$addr")
		run -0 probe 3 "$addr" "$port"

		port=$(server_start bound "$addr")
		run -1 probe 3 "$addr" "$port"
		[[ $output == *"Connection refused"* ]]

		port=$(server_start full "$addr")
		run -124 probe 2 "$addr" "$port"
	done
}

@test "tcpserver: usage errors exit 2, lifetime over exits 0" {
	local bin
	bin=$(_lab_tcpserver)
	run -2 "$bin"
	run -2 "$bin" listen
	run -2 "$bin" accept -p 65536
	run -2 "$bin" accept -a localhost
	run -2 "$bin" accept -l 0
	run -0 "$bin" bound -l 1
	[[ $output =~ ^[0-9]+$ ]]
}

# bats test_tags=root
@test "lab: private network namespace with lo up, IPv4 and IPv6" {
	lab_require_root
	[[ $LAB_NETNS == "$(readlink "/proc/$LAB_PID/ns/net")" ]]
	[[ $LAB_NETNS != "$(readlink /proc/self/ns/net)" ]]
	run -0 lab_exec ip -o link show
	[[ ${#lines[@]} -eq 1 && ${lines[0]} == *"lo:"*"UP"* ]]
	local addr port
	for addr in 127.0.0.1 ::1; do
		port=$(lab_server accept "$addr" "ok$addr")
		run -0 lab_probe 3 "$addr" "$port"
		port=$(lab_server bound "$addr" "bound$addr")
		run -1 lab_probe 3 "$addr" "$port"
		[[ $output == *"Connection refused"* ]]
		port=$(lab_server full "$addr" "full$addr")
		run -124 lab_probe 2 "$addr" "$port"
	done
}

# bats test_tags=root
@test "lab_drop: connect hangs" {
	lab_require_root
	local addr port
	for addr in 127.0.0.1 ::1; do
		port=$(lab_server accept "$addr" "drop$addr")
		lab_drop "$port"
		run -124 lab_probe 2 "$addr" "$port"
	done
}

# bats test_tags=root
@test "lab_drop with an address only drops that address" {
	lab_require_root
	local port
	port=$(lab_server accept 127.0.0.1 drop4)
	lab_drop "$port" 127.0.0.2
	run -0 lab_probe 3 127.0.0.1 "$port"
	lab_drop "$port" 127.0.0.1
	run -124 lab_probe 2 127.0.0.1 "$port"
}

# bats test_tags=root
@test "lab_reject_reset: connection refused at once" {
	lab_require_root
	local addr port start
	for addr in 127.0.0.1 ::1; do
		port=$(lab_server accept "$addr" "reset$addr")
		lab_reject_reset "$port"
		start=$(now_us)
		run -1 lab_probe 3 "$addr" "$port"
		[[ $output == *"Connection refused"* ]]
		(($(now_us) - start < 500000))
	done
}

# bats test_tags=root
@test "lab_reject_hostunreach: no route to host" {
	lab_require_root
	local addr port
	for addr in 127.0.0.1 ::1; do
		port=$(lab_server accept "$addr" "host$addr")
		lab_reject_hostunreach "$port"
		run -1 lab_probe 3 "$addr" "$port"
		[[ $output == *"No route to host"* ]]
	done
}

# bats test_tags=root
@test "lab_reject_netunreach: network is unreachable" {
	lab_require_root
	local addr port
	for addr in 127.0.0.1 ::1; do
		port=$(lab_server accept "$addr" "net$addr")
		lab_reject_netunreach "$port"
		run -1 lab_probe 3 "$addr" "$port"
		[[ $output == *"Network is unreachable"* ]]
	done
}

# bats test_tags=root
@test "lab_slow_syn: every handshake takes about one second" {
	lab_require_root
	local addr port i start elapsed
	for addr in 127.0.0.1 ::1; do
		port=$(lab_server accept "$addr" "slow$addr")
		lab_slow_syn "$port"
		for i in 1 2 3; do
			start=$(now_us)
			run -0 lab_probe 3 "$addr" "$port"
			elapsed=$(($(now_us) - start))
			echo "$addr attempt $i: ${elapsed} us"
			((elapsed >= 800000 && elapsed < 1800000))
		done
	done
}

# bats test_tags=root
@test "lab_hosts: rewritten in place, seen inside the lab only" {
	lab_require_root
	lab_hosts '127.0.0.1 localhost' '::1 dual.lab.test' \
		'127.0.0.1 dual.lab.test'
	run -0 lab_exec getent ahosts dual.lab.test
	[[ ${lines[0]} == "::1 "* ]]
	[[ $output == *"127.0.0.1 "* ]]
	run -0 lab_exec getent hosts localhost
	[[ $output == "127.0.0.1 "*localhost ]]
	run -1 grep -F dual.lab.test /etc/hosts
}

# bats test_tags=root
@test "lab_dns_hang: looking up an unknown name hangs" {
	lab_require_root
	lab_dns_hang
	run -0 lab_exec getent hosts localhost
	run -124 lab_exec timeout 3 getent ahosts nosuch.lab.test
}

# bats test_tags=root
@test "lab_dns_refused: temporary failure in name resolution at once" {
	lab_require_root
	lab_dns_refused
	local start
	start=$(now_us)
	run -1 lab_exec timeout 3 bash -c 'exec 5<>/dev/tcp/nosuch.lab.test/80'
	[[ $output == *"Temporary failure in name resolution"* ]]
	(($(now_us) - start < 1000000))
	run -2 lab_exec timeout 3 getent ahosts nosuch.lab.test
}

# bats test_tags=root
@test "lab_reset: removes rules and restores the files" {
	lab_require_root
	local port
	port=$(lab_server accept 127.0.0.1 reset)
	lab_drop "$port"
	lab_dns_hang
	lab_reset
	run -0 lab_probe 3 127.0.0.1 "$port"
	run -0 lab_exec cat /etc/nsswitch.conf
	[[ $output == "hosts: files" ]]
	run -2 lab_exec timeout 3 getent ahosts nosuch.lab.test
}

# bats test_tags=root
@test "lab_stop: kills holder and servers, safe to call twice" {
	lab_require_root
	(
		lab_start
		holder=$LAB_PID
		lab_server accept 127.0.0.1 doomed >/dev/null
		server=$(head -n 1 "$LAB_DIR/servers/pids")
		kill -0 "$holder"
		kill -0 "$server"
		lab_stop
		run -1 kill -0 "$holder"
		[[ -z $(readlink "/proc/$server/exe") ]]
		lab_stop
		[[ -z ${LAB_PID:-} ]]
	)
	(
		unset LAB_PID LAB_NETNS
		lab_stop
	)
}
