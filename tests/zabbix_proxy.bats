#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# The template of packaging/zabbix/ on hosts that Zabbix proxies monitor: a
# real Zabbix 6.0 server, database and frontend API (helpers/zabbix_server.bash)
# whose ExternalScripts directory is empty, an active proxy and a passive one
# (zabbix_proxy, SQLite) whose ExternalScripts hold the plugin.  The checks run
# on the proxies; the values, and the problems they raise, are read on the
# server through the API.  One server and two proxies for the whole file.
#
# Needs root and the Debian packages of tests/helpers/consumers.bash; a
# missing one skips the tests, or fails them when CI=true.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/consumers
load helpers/zabbix_server

# shellcheck disable=SC2034 # read by bats
BATS_TEST_TIMEOUT=120

setup_file() {
	OPEN=$(server_start accept 127.0.0.1 -l 600) || return 1
	REFUSED=$(server_start bound 127.0.0.1 -l 600) || return 1
	export OPEN REFUSED
}

teardown_file() {
	zabbix_server_stop
	consumers_stop_all
	servers_stop
}

# _proxy_wrapper DIR: print an ExternalScripts entry that notes in DIR/ran.by
# the program that ran it (the parent of the shell Zabbix starts it with, or
# that parent itself), then runs PLUGIN.
_proxy_wrapper() {
	cat <<-EOF
		#!/bin/sh
		parent=\$(ps -o ppid= -p \$PPID | tr -d ' ')
		{ ps -o comm= -p "\$PPID,\$parent" | grep -m 1 '^zabbix_' || echo "not Zabbix: \$PPID"; } \\
			>>$(shell_quote "$1/ran.by")
		exec $(shell_quote "$PLUGIN") "\$@"
	EOF
}

# _proxy_start MODE: run the proxy "proxy-MODE" (active or passive) with the
# wrapper in its ExternalScripts; register it and its hosts MODE-open and
# MODE-refused with the server (queued for zabbix_hosts_create).
_proxy_start() {
	local mode=$1 dir port id every=("{\$TCPPORT.INTERVAL}=1s")
	dir=$(consumers_dir)/proxy-$mode
	mkdir -p "$dir/externalscripts" || return 1
	_proxy_wrapper "$dir" >"$dir/externalscripts/check_tcpport" &&
		chmod 755 "$dir/externalscripts/check_tcpport" || return 1
	if [[ $mode == active ]]; then
		zabbix_proxy_run "$dir" ProxyMode=0 "Server=127.0.0.1:$ZABBIX_SERVER_PORT" Hostname=proxy-active \
			ConfigFrequency=1 DataSenderFrequency=1 </dev/null || return 1
		id=$(zabbix_proxy_create proxy-active) || return 1
	else
		zabbix_proxy_run "$dir" ProxyMode=1 Server=127.0.0.1 Hostname=proxy-passive </dev/null || return 1
		port=$(sed -n 's/^ListenPort=//p' "$dir/zabbix_proxy.conf")
		id=$(zabbix_proxy_create proxy-passive "$port") || return 1
	fi
	# The open host's no-data period is short: the last test stops the active proxy.
	ZABBIX_HOST_PROXY=$id zabbix_host_add "$mode-open" "${every[@]}" "{\$TCPPORT.PORTS}=$OPEN" \
		"{\$TCPPORT.NODATA}=10s"
	ZABBIX_HOST_PROXY=$id zabbix_host_add "$mode-refused" "${every[@]}" "{\$TCPPORT.PORTS}=$REFUSED" \
		"{\$TCPPORT.FAILURES}=#2"
	# A port that nothing holds: refused until a test opens it.
	port=$(free_port) && printf '%s\n' "$port" >"$dir/flip.port" || return 1
	ZABBIX_HOST_PROXY=$id zabbix_host_add "$mode-flip" "${every[@]}" "{\$TCPPORT.PORTS}=$port" \
		"{\$TCPPORT.FAILURES}=#2"
}

_start_all() {
	zabbix_server_start proxies || return 1
	zabbix_import_template "$ZABBIX_TEMPLATE" >/dev/null || return 1
	_proxy_start active || return 1
	_proxy_start passive || return 1
	# The control: a host the server monitors itself, without the plugin.
	zabbix_host_add server-open "{\$TCPPORT.INTERVAL}=1s" "{\$TCPPORT.PORTS}=$OPEN"
	zabbix_hosts_create check_tcpport || return 1
	zabbix_server_reload
}

setup() {
	consumer_require "zabbix proxies" zabbix_proxy sqlite3 php curl jq dpkg-deb runuser "$PG_BIN/initdb"
	consumer_once zabbix_proxies _start_all
	zabbix_server_env
}

# _open_reaches_server MODE: the open port's values, checked on proxy-MODE,
# are on the server, with no problem; the proxy ran the check.
# shellcheck disable=SC2154 # zabbix_value, zabbix_item: set by helpers/zabbix_server.bash
_open_reaches_server() {
	zabbix_item_value "$1-open" check_tcpport.code
	[[ $zabbix_value == 0 && $(jq -r .state <<<"$zabbix_item") == 0 ]]
	zabbix_item_value "$1-open" check_tcpport.time
	[[ $zabbix_value =~ ^[0-9.]+(e-?[0-9]+)?$ && $zabbix_value != 0 ]]
	zabbix_item_value "$1-open" check_tcpport.message
	[[ $zabbix_value =~ ^[0-9.]+\ second\ response\ time\ on\ 127\.0\.0\.1\ port\ $OPEN$ ]]
	run -0 zabbix_problems "$1-open"
	[[ -z $output ]]
	# Every run of the plugin's entry was by this proxy, none by the server.
	run -0 sort -u "$(consumers_dir)/proxy-$1/ran.by"
	[[ $output == zabbix_proxy ]]
}

# _refused_fires_on_server MODE: the refused port, checked on proxy-MODE,
# opens the CRITICAL problem on the server.
# shellcheck disable=SC2154 # zabbix_event, zabbix_trigger, zabbix_value: helpers/zabbix_server.bash
_refused_fires_on_server() {
	zabbix_problem "$1-refused" 'is CRITICAL'
	[[ $zabbix_event == "check_tcpport: Port $REFUSED is CRITICAL" ]]
	[[ $(jq -r .priority <<<"$zabbix_trigger") == 4 ]] # HIGH
	zabbix_item_value "$1-refused" check_tcpport.code
	[[ $zabbix_value == 2 ]]
	zabbix_item_value "$1-refused" check_tcpport.message
	[[ $zabbix_value == "connect to address 127.0.0.1 and port $REFUSED: Connection refused" ]]
	run -0 zabbix_problems "$1-refused"
	[[ $output == "check_tcpport: Port $REFUSED is CRITICAL" ]]
}

# bats test_tags=root,slow,consumers
@test "zabbix proxies: the server has no plugin: a host it monitors itself is unsupported" {
	run -0 find "$ZABBIX_SERVER_DIR/externalscripts" -mindepth 1
	[[ -z $output ]]
	# What the proxied hosts' items would be, had the server run their checks.
	# Another error may come first (CI once saw one that did not name the
	# path): the item is checked every second, so wait for the reason itself.
	zabbix_error=
	wait_for 30 "the server's external check to fail for want of the plugin" _server_check_fails ||
		{ printf "the item's last error: '%s'\n" "$zabbix_error" >&2 && false; }
	[[ $zabbix_error == "$ZABBIX_SERVER_DIR/externalscripts/check_tcpport: [2] No such file or directory" ]]
}

# _server_check_fails: the external item of server-open is not supported, and
# says it is for want of the plugin; its error is in zabbix_error.
_server_check_fails() {
	zabbix_error=$(zabbix_api item.get '{"host":"server-open","filter":{"type":10},"output":["state","error"]}' |
		jq -r '.[0] | select(.state == "1") | .error')
	[[ $zabbix_error == *"$ZABBIX_SERVER_DIR/externalscripts/check_tcpport"* ]]
}

# bats test_tags=root,slow,consumers
@test "zabbix active proxy: an open port's state, time and message reach the server" {
	_open_reaches_server active
}

# bats test_tags=root,slow,consumers
@test "zabbix active proxy: a refused port fires the CRITICAL trigger on the server" {
	_refused_fires_on_server active
}

# bats test_tags=root,slow,consumers
@test "zabbix passive proxy: an open port's state, time and message reach the server" {
	_open_reaches_server passive
}

# bats test_tags=root,slow,consumers
@test "zabbix passive proxy: a refused port fires the CRITICAL trigger on the server" {
	_refused_fires_on_server passive
}

# _flip_resolves MODE: the refused port of MODE-flip opens; new values, not a
# replay of old ones, reach the server and resolve the CRITICAL problem.
_flip_resolves() {
	local port
	port=$(cat "$(consumers_dir)/proxy-$1/flip.port")
	zabbix_problem "$1-flip" 'is CRITICAL' 60
	[[ $zabbix_event == "check_tcpport: Port $port is CRITICAL" ]]
	server_start accept 127.0.0.1 -p "$port" -l 600 >/dev/null
	zabbix_item_is "$1-flip" check_tcpport.code 0
	zabbix_item_value "$1-flip" check_tcpport.message
	[[ $zabbix_value =~ ^[0-9.]+\ second\ response\ time\ on\ 127\.0\.0\.1\ port\ $port$ ]]
	wait_for 30 "the CRITICAL problem of $1-flip to resolve" _no_problem "$1-flip"
}

_no_problem() {
	[[ -z $(zabbix_problems "$1") ]]
}

# bats test_tags=root,slow,consumers
@test "zabbix active proxy: a refused port that opens resolves its problem on the server" {
	_flip_resolves active
}

# bats test_tags=root,slow,consumers
@test "zabbix passive proxy: a refused port that opens resolves its problem on the server" {
	_flip_resolves passive
}

# Last: it stops the active proxy.
# bats test_tags=root,slow,consumers
@test "zabbix active proxy down: the no-data problem opens on the server, the last OK does not stand" {
	zabbix_item_is active-open check_tcpport.code 0
	run -0 zabbix_problems active-open
	[[ -z $output ]]
	consumer_stop zabbix_proxy "$(consumers_dir)/proxy-active"
	# nodata(...,"strict"): without "strict", Zabbix waits for the proxy to come back.
	zabbix_problem active-open 'No data for 10s' 100
	[[ $zabbix_event == 'check_tcpport: No data for 10s' ]]
	[[ $(jq -r .priority <<<"$zabbix_trigger") == 3 ]] # AVERAGE
}
