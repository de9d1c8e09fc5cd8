#!/bin/sh
# SPDX-License-Identifier: ISC
# `make demo`: opens a real port on 127.0.0.1 with the test server, checks it, then checks
# a port that refuses. Usage: demo.sh PLUGIN TCPSERVER
set -eu
plugin=$1
tcpserver=$2
dir=$(mktemp -d)
trap 'kill $open_pid $closed_pid 2>/dev/null || true; rm -rf "$dir"' EXIT INT TERM
open_pid='' closed_pid=''

# Starts a test server in MODE and prints the port it bound.
start() {
	"$tcpserver" "$1" -a 127.0.0.1 -p 0 -f "$dir/$1.port" -l 30 >"$dir/$1.log" 2>&1 &
	pid=$!
	i=0
	while [ ! -s "$dir/$1.port" ]; do
		i=$((i + 1))
		[ "$i" -le 500 ] || { echo "demo: the test server did not start" >&2; exit 1; }
		sleep 0.01
	done
}

start accept; open_pid=$pid
start bound; closed_pid=$pid
open=$(cat "$dir/accept.port")
closed=$(cat "$dir/bound.port")

run() {
	echo "\$ check_tcpport $*"
	set +e
	"$plugin" "$@"
	echo "(exit $?)"
	set -e
	echo
}
run -H 127.0.0.1 -p "$open" -w 0.5 -c 1
run -H localhost -p "$open" -v
run -H 127.0.0.1 -p "$closed"
run -H 127.0.0.1 -p "$closed" --state connected=critical,refused=ok,timeout=ok
