# SPDX-License-Identifier: ISC
# zabbix_server.bash - a real Zabbix 6.0 server, database and frontend API on
# loopback, for the template tests of tests/consumers.bats.  Source it after
# helpers/consumers.bash (it uses consumer_spawn, wait_for, free_port).
#
# Debian 12's zabbix-server-pgsql conflicts with zabbix-proxy-sqlite3, so the
# server is never installed: its package is downloaded (apt-get download) and
# unpacked (dpkg-deb -x) into ZABBIX_SERVER_CACHE, and zabbix_server runs from
# there.  PostgreSQL 15 runs a cluster of its own as the postgres user, its
# socket in a temporary directory, no TCP.  The fresh Zabbix database is
# cached as a stopped data directory (a tar) so that later runs skip the
# schema import.  The frontend (zabbix-frontend-php, php8.2-cli, php8.2-pgsql)
# runs in PHP's built-in web server for its JSON-RPC API; Debian's frontend
# reads its configuration from /etc/zabbix/zabbix.conf.php only, so PHP runs
# in a mount namespace of its own where a directory of the test is mounted on
# /etc/zabbix: the machine's file is never touched, and two test files (or
# two checkouts) can run servers at once.

ZABBIX_SERVER_CACHE=${ZABBIX_SERVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/check_tcpport}
ZABBIX_SERVER_ROOT=$ZABBIX_SERVER_CACHE/zabbix-server-pgsql
ZABBIX_FRONTEND=${ZABBIX_FRONTEND:-/usr/share/zabbix}
ZABBIX_FRONTEND_CONF=${ZABBIX_FRONTEND_CONF:-/etc/zabbix/zabbix.conf.php}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# zabbix_server_unpack: make sure ZABBIX_SERVER_ROOT holds an unpacked
# zabbix-server-pgsql whose zabbix_server finds all its libraries.
zabbix_server_unpack() {
	local root=$ZABBIX_SERVER_ROOT deb missing
	if [[ ! -x $root/usr/sbin/zabbix_server ]]; then
		mkdir -p "$ZABBIX_SERVER_CACHE/debs" || return 1
		rm -f "$ZABBIX_SERVER_CACHE"/debs/zabbix-server-pgsql_*.deb
		# _apt cannot write into root's home: download unsandboxed, quietly.
		(cd "$ZABBIX_SERVER_CACHE/debs" &&
			apt-get -q -o APT::Sandbox::User=root download zabbix-server-pgsql) >&2 || return 1
		deb=("$ZABBIX_SERVER_CACHE"/debs/zabbix-server-pgsql_*.deb)
		rm -rf "$root.tmp" && dpkg-deb -x "${deb[0]}" "$root.tmp" && mv "$root.tmp" "$root" || return 1
	fi
	missing=$(ldd "$root/usr/sbin/zabbix_server" | grep 'not found')
	if [[ -n $missing ]]; then
		printf 'zabbix_server needs libraries that are missing:\n%s\n' "$missing" >&2
		return 1
	fi
}

# zabbix_server_version: print the version of the unpacked server (6.0.14).
zabbix_server_version() {
	"$ZABBIX_SERVER_ROOT/usr/sbin/zabbix_server" -V | sed -n '1s/.* \([0-9][0-9.]*\).*/\1/p'
}

# _pg DIR COMMAND ARGS...: run a PostgreSQL program of PG_BIN as postgres.
_pg() {
	local dir=$1 prog=$2
	shift 2
	(cd "$dir" && runuser -u postgres -- "$PG_BIN/$prog" "$@")
}

# _zabbix_db_create DIR PORT: a new cluster in DIR/data with the database
# zabbix holding the server package's schema, images and data, left running.
_zabbix_db_create() {
	local dir=$1 port=$2 sql=$ZABBIX_SERVER_ROOT/usr/share/zabbix-server-pgsql part
	_pg "$dir" initdb -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		return 1
	}
	_zabbix_db_start "$dir" "$port" || return 1
	_pg "$dir" createdb -h "$dir" -p "$port" -U postgres zabbix || return 1
	for part in schema images data; do
		zcat "$sql/$part.sql.gz" |
			_pg "$dir" psql -q -X -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres zabbix >/dev/null ||
			return 1
	done
}

# _zabbix_db_start DIR PORT: start the cluster of DIR/data, socket in DIR.
_zabbix_db_start() {
	local dir=$1 port=$2
	# A throw-away database: no fsync, no TCP.
	_pg "$dir" pg_ctl -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir' -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >/dev/null || {
		tail -n 20 "$dir/postgres.log" >&2
		return 1
	}
}

# zabbix_db_start DIR: a running cluster in DIR (owned by postgres) with a fresh
# Zabbix database, from the cached data directory when there is one for this
# server and PostgreSQL version, else created and then cached.  Exports PG_DIR
# and PG_PORT.
zabbix_db_start() {
	local dir=$1 port cache
	port=$(free_port) || return 1
	cache=$ZABBIX_SERVER_CACHE/pgdata-zabbix-$(zabbix_server_version)-pg$("$PG_BIN/pg_ctl" -V | sed 's/.* \([0-9]*\)\..*/\1/').tar
	PG_DIR=$dir PG_PORT=$port
	export PG_DIR PG_PORT
	if [[ -s $cache ]]; then
		tar -C "$dir" -xf "$cache" && chown -R postgres: "$dir/data" || return 1
		_zabbix_db_start "$dir" "$port"
		return
	fi
	_zabbix_db_create "$dir" "$port" || return 1
	# Cache the stopped cluster: unpacking it takes a fraction of the import.
	_pg "$dir" pg_ctl -D "$dir/data" -w stop >/dev/null &&
		tar -C "$dir" -cf "$cache.tmp" data && mv "$cache.tmp" "$cache" &&
		_zabbix_db_start "$dir" "$port"
}

# zabbix_server_start [proxies]: run the database, zabbix_server (ExternalScripts
# holding PLUGIN as check_tcpport, through _zabbix_external_wrapper; config
# cache reloaded every second) and the frontend API.  With "proxies", the
# server's ExternalScripts is empty (the checks must run on proxies), and a
# proxy poller gives passive proxies their configuration and takes their
# values every second.  Exports ZABBIX_SERVER_DIR, ZABBIX_SERVER_CONF,
# ZABBIX_SERVER_PORT, ZABBIX_API_URL.
zabbix_server_start() {
	local dir port webport proxypollers=0 proxyfreq=
	zabbix_server_unpack || return 1
	# The postgres user must reach the cluster: not under the 0700 bats dirs.
	dir=$(mktemp -d /tmp/check_tcpport-zabbix.XXXXXX) || return 1
	printf '%s\n' "$dir" >"$(consumers_dir)/zabbix_server.dir"
	chmod 755 "$dir" && chown postgres: "$dir" || return 1
	zabbix_db_start "$dir" || return 1
	mkdir -p "$dir/externalscripts" || return 1
	if [[ ${1:-} == proxies ]]; then
		proxypollers=1
		proxyfreq=$'ProxyConfigFrequency=1\nProxyDataFrequency=1'
	else
		_zabbix_external_wrapper "$dir" >"$dir/externalscripts/check_tcpport" &&
			chmod 755 "$dir/externalscripts/check_tcpport" || return 1
	fi
	port=$(free_port) || return 1
	# One process of each kind that the tests need, none of the others.
	{
		zabbix_daemon_conf zabbix_server "$dir" "$port"
		cat <<-EOF
			DBHost=$dir
			DBPort=$PG_PORT
			DBName=zabbix
			DBUser=postgres
			CacheUpdateFrequency=1
			StartTimers=1
			StartEscalators=1
			StartAlerters=1
			StartPreprocessors=2
			StartLLDProcessors=1
			StartHistoryPollers=1
			StartDBSyncers=1
			StartProxyPollers=$proxypollers
			$proxyfreq
			StartReportWriters=0
			EOF
	} >"$dir/zabbix_server.conf" || return 1
	ZABBIX_SERVER_DIR=$dir ZABBIX_SERVER_CONF=$dir/zabbix_server.conf ZABBIX_SERVER_PORT=$port
	export ZABBIX_SERVER_DIR ZABBIX_SERVER_CONF ZABBIX_SERVER_PORT
	consumer_spawn zabbix_server "$dir" "$ZABBIX_SERVER_ROOT/usr/sbin/zabbix_server" -f -c "$dir/zabbix_server.conf"
	wait_for 30 "zabbix_server to start its pollers" zabbix_pollers_ready zabbix_server "$ZABBIX_SERVER_DIR" || return 1
	zabbix_frontend_conf "$dir" "$port" || return 1
	webport=$(free_port) || return 1
	# shellcheck disable=SC2016 # expanded by that sh
	consumer_spawn php "$dir" unshare -m --propagation private sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' \
		sh "$dir/frontend-conf" "$(dirname "$ZABBIX_FRONTEND_CONF")" php -S "127.0.0.1:$webport" -t "$ZABBIX_FRONTEND"
	ZABBIX_API_URL=http://127.0.0.1:$webport/api_jsonrpc.php
	export ZABBIX_API_URL
	wait_for 30 "the Zabbix API on port $webport" _zabbix_api_ready
}

# _zabbix_external_wrapper DIR: print the ExternalScripts entry: it runs
# PLUGIN with the item's parameters, except that
# - the port "garbage" answers something that is not JSON, as a broken
#   installation could;
# - a port "seq:A/B/C" is A on the first run, B on the second, then C for
#   good (a count per list in DIR), so that a test can make one host's
#   answer change from one check to the next with the plugin's real answers.
_zabbix_external_wrapper() {
	cat <<-EOF
		#!/bin/sh
		n=\$#
		for arg; do
			case \$arg in
			garbage) echo 'this is not JSON'; exit 0 ;;
			seq:*)
				list=\${arg#seq:}
				count=$(shell_quote "$1")/seq.\$(printf '%s' "\$list" | cksum | cut -d' ' -f1)
				k=\$((\$(cat "\$count" 2>/dev/null || echo 0) + 1))
				echo "\$k" >"\$count"
				arg=\$(printf '%s\\n' "\$list" | tr / '\\n' | awk -v k="\$k" 'NR <= k { v = \$0 } END { print v }')
				;;
			esac
			set -- "\$@" "\$arg"
		done
		shift "\$n"
		exec $(shell_quote "$PLUGIN") "\$@"
	EOF
}

# zabbix_server_env: set the variables of zabbix_server_start again (tests
# run in subshells of the one that started it).
zabbix_server_env() {
	local dir
	dir=$(cat "$(consumers_dir)/zabbix_server.dir" 2>/dev/null) || return 1
	ZABBIX_SERVER_DIR=$dir ZABBIX_SERVER_CONF=$dir/zabbix_server.conf
	ZABBIX_SERVER_PORT=$(sed -n 's/^ListenPort=//p' "$ZABBIX_SERVER_CONF")
	ZABBIX_API_URL=$(cat "$dir/api.url" 2>/dev/null)
	export ZABBIX_SERVER_DIR ZABBIX_SERVER_CONF ZABBIX_SERVER_PORT ZABBIX_API_URL
}

_zabbix_api_ready() {
	consumer_alive php "$ZABBIX_SERVER_DIR" || {
		tail -n 20 "$ZABBIX_SERVER_DIR/php.out" >&2
		return 99
	}
	zabbix_api apiinfo.version '{}' >/dev/null 2>&1 || return 1
	printf '%s\n' "$ZABBIX_API_URL" >"$ZABBIX_SERVER_DIR/api.url"
}

# zabbix_frontend_conf DIR SERVERPORT: write the frontend's configuration for
# the database and server of DIR into DIR/frontend-conf, the directory that
# PHP sees as the one of ZABBIX_FRONTEND_CONF.
zabbix_frontend_conf() {
	local dir=$1 port=$2
	mkdir -p "$dir/frontend-conf" || return 1
	cat >"$dir/frontend-conf/$(basename "$ZABBIX_FRONTEND_CONF")" <<-EOF
		<?php
		// Written by check_tcpport's tests/helpers/zabbix_server.bash.
		\$DB['TYPE'] = 'POSTGRESQL';
		\$DB['SERVER'] = '$dir';
		\$DB['PORT'] = '$PG_PORT';
		\$DB['DATABASE'] = 'zabbix';
		\$DB['USER'] = 'postgres';
		\$DB['PASSWORD'] = '';
		\$DB['SCHEMA'] = '';
		\$DB['ENCRYPTION'] = false;
		\$DB['KEY_FILE'] = '';
		\$DB['CERT_FILE'] = '';
		\$DB['CA_FILE'] = '';
		\$DB['VERIFY_HOST'] = false;
		\$DB['CIPHER_LIST'] = '';
		\$DB['VAULT_URL'] = '';
		\$DB['VAULT_DB_PATH'] = '';
		\$DB['VAULT_TOKEN'] = '';
		\$DB['DOUBLE_IEEE754'] = true;
		\$ZBX_SERVER = '127.0.0.1';
		\$ZBX_SERVER_PORT = '$port';
		\$ZBX_SERVER_NAME = 'check_tcpport tests';
		\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
	EOF
}

# zabbix_server_stop: stop the frontend, the server and the database and
# remove the directory
# (teardown_file; harmless when nothing was started).
zabbix_server_stop() {
	local dir
	dir=$(cat "$(consumers_dir)/zabbix_server.dir" 2>/dev/null) || return 0
	[[ -d $dir ]] || return 0
	consumer_stop php "$dir"
	consumer_stop zabbix_server "$dir"
	if [[ -e $dir/data/postmaster.pid ]]; then
		_pg "$dir" pg_ctl -D "$dir/data" -w -m immediate stop >/dev/null 2>&1
	fi
	if [[ ${ZABBIX_KEEP:-} == 1 ]]; then
		printf 'kept %s\n' "$dir" >&2
	else
		rm -rf -- "$dir"
	fi
}

# zabbix_server_reload: make the server read its configuration now.
zabbix_server_reload() {
	"$ZABBIX_SERVER_ROOT/usr/sbin/zabbix_server" -c "$ZABBIX_SERVER_CONF" -R config_cache_reload >/dev/null
}

# zabbix_api METHOD PARAMS: call the JSON-RPC API (logged in as Admin once,
# the token kept in ZABBIX_SERVER_DIR) and print the compact .result; fail
# printing the error.
zabbix_api() {
	local method=$1 params=$2 auth=null tokenfile=$ZABBIX_SERVER_DIR/api.token answer
	if [[ $method != apiinfo.version && $method != user.login ]]; then
		if [[ ! -s $tokenfile ]]; then
			zabbix_api user.login '{"username":"Admin","password":"zabbix"}' | jq -r . >"$tokenfile.tmp" &&
				mv "$tokenfile.tmp" "$tokenfile" || return 1
		fi
		auth=$(jq -R . <"$tokenfile")
	fi
	answer=$(jq -n -c --arg m "$method" --argjson p "$params" --argjson a "$auth" \
		'{jsonrpc:"2.0",method:$m,params:$p,id:1} + (if $a then {auth:$a} else {} end)' |
		curl -sS --max-time 60 -H 'Content-Type: application/json-rpc' --data-binary @- "$ZABBIX_API_URL") ||
		return 1
	if ! jq -e 'has("result")' <<<"$answer" >/dev/null 2>&1; then
		printf '%s %s\n' "$method" "$answer" >&2
		return 1
	fi
	jq -c .result <<<"$answer"
}

# zabbix_import_template FILE: import a YAML template with every rule on.
zabbix_import_template() {
	local rule='{"createMissing":true,"updateExisting":true}'
	zabbix_api configuration.import "$(jq -n -c --rawfile src "$1" --argjson r "$rule" '{
		format: "yaml", source: $src,
		rules: {groups: {createMissing: true}, templates: $r, items: $r, triggers: $r,
			discoveryRules: $r, graphs: $r, valueMaps: $r, templateLinkage: {createMissing: true}}}')"
}

# zabbix_host_add HOST MACRO=VALUE...: queue HOST (an agent interface on
# 127.0.0.1 for {HOST.CONN}) with the host macros given, for zabbix_hosts_create;
# monitored by the proxy whose id is ZABBIX_HOST_PROXY when that is set.
zabbix_host_add() {
	local host=$1
	shift
	printf '%s\n' "$@" | jq -R -s -c --arg h "$host" --arg p "${ZABBIX_HOST_PROXY:-}" '{host: $h, macros: (split("\n") |
		map(select(length > 0) | {macro: (split("=")[0]), value: (split("=")[1:] | join("="))})),
		interfaces: [{type: 1, main: 1, useip: 1, ip: "127.0.0.1", dns: "", port: "10050"}]}
		+ (if $p == "" then {} else {proxy_hostid: $p} end)' \
		>>"$ZABBIX_SERVER_DIR/hosts.queue"
}

# zabbix_proxy_create NAME [PORT]: register the proxy NAME with the server and
# print its id: active (it connects to the server), or passive (the server
# connects to it on 127.0.0.1 PORT) when PORT is given.  Status 5 and 6 are
# 6.0's active and passive proxy.
zabbix_proxy_create() {
	zabbix_api proxy.create "$(jq -n -c --arg h "$1" --arg p "${2:-}" 'if $p == "" then {host: $h, status: 5}
		else {host: $h, status: 6, interface: {useip: 1, ip: "127.0.0.1", dns: "", port: $p}} end')" |
		jq -r '.proxyids[0]'
}

# zabbix_hosts_create TEMPLATE: create the queued hosts in the group
# "check_tcpport tests", linked to TEMPLATE, with one call (the API links a
# template to many hosts at once far faster than host by host).
zabbix_hosts_create() {
	local groupid templateid
	groupid=$(zabbix_api hostgroup.create '{"name":"check_tcpport tests"}' | jq -r '.groupids[0]') || return 1
	templateid=$(zabbix_api template.get "$(jq -n -c --arg t "$1" '{filter:{host:[$t]}}')" |
		jq -r '.[0].templateid // empty')
	[[ -n $templateid ]] || {
		echo "no template $1" >&2
		return 1
	}
	zabbix_api host.create "$(jq -s -c --arg g "$groupid" --arg t "$templateid" \
		'map(. + {groups: [{groupid: $g}], templates: [{templateid: $t}]})' \
		"$ZABBIX_SERVER_DIR/hosts.queue")" >/dev/null && rm -f "$ZABBIX_SERVER_DIR/hosts.queue"
}

# zabbix_item_value HOST KEY [SECONDS]: wait until item KEY of HOST has a
# value, then set zabbix_value (its last value) and zabbix_item (the item's JSON).
zabbix_item_value() {
	wait_for "${3:-30}" "a value of $2 on $1" _zabbix_item_fetch "$1" "$2"
}

_zabbix_item_fetch() {
	local items
	items=$(zabbix_api item.get "$(jq -n -c --arg h "$1" --arg k "$2" \
		'{host:$h, filter:{key_:[$k]}, output:["itemid","key_","lastvalue","lastclock","state","error"]}')") ||
		return 1
	[[ $(jq -r '.[0].lastclock // "0"' <<<"$items") != 0 ]] || return 1
	zabbix_item=$(jq -c '.[0]' <<<"$items")
	# shellcheck disable=SC2034 # read by the tests
	zabbix_value=$(jq -r .lastvalue <<<"$zabbix_item")
}

# zabbix_item_is HOST KEY VALUE: wait until the last value of KEY on HOST is VALUE.
zabbix_item_is() {
	wait_for 30 "$2 on $1 to be $3" _zabbix_item_is "$@"
}
_zabbix_item_is() {
	_zabbix_item_fetch "$1" "$2" && [[ $zabbix_value == "$3" ]]
}

# zabbix_history_matches HOST KEY REGEX: wait until the values of the numeric
# item KEY of HOST, oldest first and written one after the other ("2232"),
# match REGEX (grep -E).
zabbix_history_matches() {
	wait_for 30 "the history of $2 on $1 to match $3" _zabbix_history_matches "$@"
}
_zabbix_history_matches() {
	local values
	_zabbix_item_fetch "$1" "$2" || return 1
	values=$(zabbix_api history.get "$(jq -n -c --arg i "$(jq -r .itemid <<<"$zabbix_item")" \
		'{itemids:[$i], history:3, sortfield:"clock", sortorder:"ASC", output:["value"]}')" |
		jq -r 'map(.value) | join("")') || return 1
	grep -qE "$3" <<<"$values"
}

# zabbix_problem HOST NAMEPART [SECONDS]: wait until HOST has a trigger in
# PROBLEM whose description (the trigger name) contains NAMEPART; set
# zabbix_trigger (the trigger's JSON) and zabbix_event (its problem's name).
zabbix_problem() {
	wait_for "${3:-30}" "a problem \"$2\" on $1" _zabbix_problem_fetch "$1" "$2"
}

_zabbix_problem_fetch() {
	local triggers problems
	triggers=$(zabbix_api trigger.get "$(jq -n -c --arg h "$1" '{host:$h, only_true:true,
		filter:{value:1}, expandDescription:true, output:["triggerid","description","priority","opdata"]}')") ||
		return 1
	zabbix_trigger=$(jq -c --arg n "$2" 'map(select(.description | contains($n))) | .[0] // empty' <<<"$triggers")
	[[ -n $zabbix_trigger ]] || return 1
	problems=$(zabbix_api problem.get "$(jq -n -c --arg t "$(jq -r .triggerid <<<"$zabbix_trigger")" \
		'{objectids:[$t], output:["eventid","name","opdata"]}')") || return 1
	# shellcheck disable=SC2034 # read by the tests
	zabbix_event=$(jq -r '.[0].name // empty' <<<"$problems")
	[[ -n $zabbix_event ]]
}

# zabbix_problems HOST: print the names of HOST's triggers in PROBLEM, one a line.
zabbix_problems() {
	zabbix_api trigger.get "$(jq -n -c --arg h "$1" '{host:$h, only_true:true, filter:{value:1},
		expandDescription:true, output:["description"]}')" | jq -r '.[].description'
}
