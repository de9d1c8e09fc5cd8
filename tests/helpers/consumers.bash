# SPDX-License-Identifier: ISC
# consumers.bash - real monitoring cores running check_tcpport, for tests/consumers.bats.
#
# Each consumer is the Debian-packaged program, run as root in the
# foreground with every file it writes (configuration, state, logs, sockets,
# certificates, databases) in a private directory under BATS_FILE_TMPDIR,
# listening on 127.0.0.1 only.  Nothing under /etc or /var is read or
# changed, and no system service is touched.
#
#   Icinga 2     icinga2 daemon with -DConfiguration.*Dir overrides, our
#                CheckCommand, results read back through its REST API (curl);
#                also a master and a satellite (icinga_cluster_start)
#   Nagios 4     nagios4 with its own nagios.cfg, results read from status.dat
#   Zabbix       zabbix_agentd with our UserParameter file, asked by zabbix_get;
#                zabbix_proxy (passive, SQLite) running the template's items
#                as external checks, values read from its proxy_history table
#
# Processes are started with consumer_spawn and stopped with consumer_stop
# (SIGTERM to the recorded process and its recorded descendants, SIGKILL to
# those still alive after 10 s, only if they still run the same program).
# Waiting is polling with a deadline, never a fixed sleep.
#
# Environment:
#   PLUGIN, TCPSERVER   from helpers/common (the build under test), as is now_ms
#   CI                  "true": a missing program or root fails instead of skips
#   CONSUMERS_SRCDIR    the source tree (default: the parent of tests/)
#   CONSUMERS_NETNS     a pid (the namespace lab's holder): the consumers run, and
#                       are asked, in its network and mount namespaces
#
# Debian packages: see CONSUMERS_PACKAGES below (zabbix_get comes with
# zabbix-proxy-sqlite3 in Debian 12).  zabbix-server-pgsql is not among them:
# it conflicts with the proxy, so helpers/zabbix_server.bash downloads and
# unpacks it into a cache instead of installing it.

# shellcheck source=SCRIPTDIR/free_port.bash
source "$(dirname "${BASH_SOURCE[0]}")/free_port.bash"

CONSUMERS_SRCDIR=${CONSUMERS_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

# What tests/consumers.bats needs (apt-get install --no-install-recommends); one
# line, as build-aux/install-deps (./bootstrap --tests) reads it from here.
# shellcheck disable=SC2034 # read by the tests and by build-aux/install-deps
CONSUMERS_PACKAGES="icinga2-bin icinga2-common nagios4-core zabbix-agent zabbix-proxy-sqlite3 sqlite3 curl jq python3 python3-yaml iproute2 postgresql-15 zabbix-frontend-php php8.2-cli php8.2-cgi php8.2-pgsql"

# ---------------------------------------------------------------------------
# Generic: skip or fail, time, ports, processes.

# consumers_dir: print (creating it) the directory of this file's consumers.
consumers_dir() {
	local dir=${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/consumers
	[[ -d $dir ]] || mkdir -p -m 700 -- "$dir" || return 1
	printf '%s\n' "$dir"
}

# consumer_require WHAT PROGRAM...: skip the test (fail it when CI=true) unless
# we are root and every PROGRAM is on PATH.  WHAT names the consumer.
consumer_require() {
	local what=$1 prog why=
	shift
	if [[ $EUID -ne 0 ]]; then
		why="$what: needs root (the daemons run as root with AllowRoot/RunAsUser=root)"
	else
		for prog in "$@"; do
			if ! command -v "$prog" >/dev/null 2>&1; then
				why="$what: $prog is not installed (apt-get install $CONSUMERS_PACKAGES)"
				break
			fi
		done
	fi
	[[ -z $why ]] && return 0
	if [[ ${CI:-} == true ]]; then
		printf '%s, and CI=true forbids skipping\n' "$why" >&2
		return 1
	fi
	skip "$why"
}

# wait_for SECONDS DESCRIPTION COMMAND...: run COMMAND every 0.1 s until it
# succeeds; fail with DESCRIPTION after SECONDS, or at once when COMMAND
# returns 99 (it knows that it never will succeed: the daemon died).
wait_for() {
	local limit=$1 what=$2 deadline rc
	shift 2
	deadline=$(($(now_ms) + limit * 1000))
	while :; do
		"$@" && return 0
		rc=$?
		if ((rc == 99)); then
			printf 'gave up waiting for %s\n' "$what" >&2
			return 1
		fi
		if (($(now_ms) > deadline)); then
			printf 'timed out after %s s waiting for %s\n' "$limit" "$what" >&2
			return 1
		fi
		sleep 0.1
	done
}

# _consumers_tree PID: print PID and its descendants as "pid exe" lines.
_consumers_tree() {
	local -A kids=()
	local pid ppid queue=("$1") exe
	while read -r pid ppid; do
		kids[$ppid]+=" $pid"
	done < <(ps -e -o pid=,ppid=)
	while ((${#queue[@]})); do
		pid=${queue[0]}
		queue=("${queue[@]:1}")
		exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
		printf '%s %s\n' "$pid" "$exe"
		# shellcheck disable=SC2206 # word splitting of a pid list
		queue+=(${kids[$pid]:-})
	done
}

# _consumers_enter: set the array consumers_enter to the command prefix that
# enters the consumers' network: none for the host's, nsenter into that of
# process CONSUMERS_NETNS (the namespace lab's LAB_PID) when set.  nsenter
# execs the command: it keeps nsenter's pid.
_consumers_enter() {
	consumers_enter=()
	[[ -z ${CONSUMERS_NETNS:-} ]] || consumers_enter=(nsenter -t "$CONSUMERS_NETNS" -n -m --)
}

# consumer_netns COMMAND...: run COMMAND in the consumers' network.
consumer_netns() {
	local consumers_enter
	_consumers_enter
	"${consumers_enter[@]}" "$@"
}

# consumer_spawn NAME DIR COMMAND...: start COMMAND in the background (in the
# consumers' network, see consumer_netns) with its output in DIR/NAME.out;
# record its pid in DIR/NAME.spawned (the command's own: no shell between).
consumer_spawn() {
	local name=$1 dir=$2 consumers_enter
	shift 2
	_consumers_enter
	"${consumers_enter[@]}" "$@" </dev/null >"$dir/$name.out" 2>&1 3>&- &
	printf '%s\n' "$!" >"$dir/$name.spawned"
}

# consumer_alive NAME DIR: the recorded process is still running.
consumer_alive() {
	local pid
	pid=$(cat "$2/$1.spawned" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null
}

# consumer_stop NAME DIR: stop the process recorded by consumer_spawn and its
# descendants: SIGTERM, then SIGKILL after 10 s to those still running the
# same program.
consumer_stop() {
	local name=$1 dir=$2 pid tree deadline alive p exe
	pid=$(cat "$dir/$name.spawned" 2>/dev/null) || return 0
	tree=$(_consumers_tree "$pid")
	kill -TERM "$pid" 2>/dev/null || true
	deadline=$(($(now_ms) + 10000))
	while :; do
		alive=
		while read -r p exe; do
			[[ -n $p && $(readlink "/proc/$p/exe" 2>/dev/null) == "$exe" ]] && alive+=" $p"
		done <<<"$tree"
		[[ -n $alive ]] || break
		if (($(now_ms) > deadline)); then
			printf '%s: still running after 10 s, killing%s\n' "$name" "$alive" >&2
			for p in $alive; do kill -KILL "$p" 2>/dev/null || true; done
			break
		fi
		sleep 0.05
	done
	rm -f -- "$dir/$name.spawned"
}

# consumer_once NAME FUNCTION: run FUNCTION (which starts consumer NAME) the
# first time only; later calls return its first result, so that one broken
# start fails every test of that consumer quickly and with the same reason.
consumer_once() {
	local name=$1 fn=$2 dir
	dir=$(consumers_dir) || return 1
	[[ -e $dir/$name.up ]] && return 0
	if [[ -e $dir/$name.broken ]]; then
		cat "$dir/$name.broken" >&2
		return 1
	fi
	# A start that a test's time limit cut short is broken too: starting again
	# would leave the first attempt's processes to nobody.
	if [[ -e $dir/$name.starting ]]; then
		printf '%s did not start within the time limit of the test that started it\n' "$name" |
			tee "$dir/$name.broken" >&2
		return 1
	fi
	touch "$dir/$name.starting" || return 1
	if "$fn" 2>"$dir/$name.start.err"; then
		touch "$dir/$name.up"
		return 0
	fi
	{
		printf '%s did not start:\n' "$name"
		cat "$dir/$name.start.err"
	} >"$dir/$name.broken"
	cat "$dir/$name.broken" >&2
	return 1
}

# consumers_stop_all: stop every consumer of this file (teardown_file).
consumers_stop_all() {
	local dir f
	dir=$(consumers_dir) || return 1
	for f in "$dir"/*/*.spawned; do
		[[ -e $f ]] || continue
		consumer_stop "$(basename "$f" .spawned)" "$(dirname "$f")"
	done
}

# shell_quote ARG: ARG in single quotes, each ' written as '\'' (what
# Zabbix's zbx_dyn_escape_shell_single_quote does to external check parameters).
shell_quote() {
	local q="'\\''"
	printf "'%s'" "${1//\'/$q}"
}

# ---------------------------------------------------------------------------
# Icinga 2.

ICINGA_CONF=${ICINGA_CONF:-$CONSUMERS_SRCDIR/packaging/icinga2/check_tcpport.conf}
# How the configuration reaches the CheckCommand: the file above by its path, or (for
# an installed package) the includes of Debian's icinga2.conf:
# ICINGA_INCLUDE='include <plugins>; include <plugins-contrib>'.
ICINGA_INCLUDE=${ICINGA_INCLUDE:-include \"$ICINGA_CONF\"}

# icinga_defs DIR: set the array icinga_defs to the -D options that put every
# directory of an icinga2 instance under DIR (created here).
icinga_defs() {
	local dir=$1
	mkdir -p "$dir"/{etc/zones.d,lib/certs,log,cache,spool,run} || return 1
	icinga_defs=(
		-DConfiguration.ConfigDir="$dir/etc" -DConfiguration.DataDir="$dir/lib"
		-DConfiguration.ZonesDir="$dir/etc/zones.d"
		-DConfiguration.LogDir="$dir/log" -DConfiguration.CacheDir="$dir/cache"
		-DConfiguration.SpoolDir="$dir/spool" -DConfiguration.InitRunDir="$dir/run"
		-DConfiguration.RunAsUser=root -DConfiguration.RunAsGroup=root
	)
}

# icinga_cert DIR NAME CADIR: the API's TLS identity of the instance in DIR:
# key and certificate for NAME (its endpoint name) in DIR/lib/certs, signed by
# the CA in CADIR/lib/ca (made there by `icinga2 pki new-ca` the first time),
# and a copy of the CA certificate, as `icinga2 node setup` would leave them.
icinga_cert() {
	local dir=$1 name=$2 cadir=$3 certs=$1/lib/certs icinga_defs
	icinga_defs "$dir" && icinga_defs "$cadir" || return 1
	{
		[[ -e $cadir/lib/ca/ca.crt ]] || icinga2 pki new-ca "${icinga_defs[@]}"
	} >>"$dir/pki.log" 2>&1 &&
		icinga2 pki new-cert "${icinga_defs[@]}" --cn "$name" \
			--key "$certs/$name.key" --csr "$certs/$name.csr" >>"$dir/pki.log" 2>&1 &&
		icinga2 pki sign-csr "${icinga_defs[@]}" --csr "$certs/$name.csr" \
			--cert "$certs/$name.crt" >>"$dir/pki.log" 2>&1 &&
		cp "$cadir/lib/ca/ca.crt" "$certs/ca.crt" || {
		cat "$dir/pki.log" >&2
		return 1
	}
}

# icinga_node_conf NAME PORT PLUGINDIR [APILISTENER]: print the start of an
# icinga2.conf for endpoint NAME in zone NAME: PluginDir, the ITL, our
# CheckCommand, an API on 127.0.0.1:PORT (APILISTENER: more of its
# attributes), API user test (password test) and the checker.
icinga_node_conf() {
	cat <<-EOF
		const PluginDir = "$3"
		const PluginContribDir = "$3"
		const NodeName = "$1"
		const ZoneName = "$1"

		include <itl>
		$ICINGA_INCLUDE

		object ApiListener "api" {
			bind_host = "127.0.0.1"
			bind_port = $2
			${4:-}
		}
		object ApiUser "test" {
			password = "test"
			permissions = [ "objects/query/*", "actions/reschedule-check" ]
		}
		object CheckerComponent "checker" { }
	EOF
}

# icinga_fast_objects: print the host "loopback" (address 127.0.0.1, address6
# ::1, check_command dummy) and the template Service "fast" (host loopback,
# check_command tcpport, checked every second, hard at the first result).
icinga_fast_objects() {
	cat <<-'EOF'
		object Host "loopback" {
			address = "127.0.0.1"
			address6 = "::1"
			check_command = "dummy"
			check_interval = 1s
		}
		template Service "fast" {
			host_name = "loopback"
			check_command = "tcpport"
			check_interval = 1s
			retry_interval = 1s
			max_check_attempts = 1
		}
	EOF
}

# icinga_daemon NAME DIR: validate DIR/etc/icinga2.conf on its own (as a
# package's reload does), then run `icinga2 daemon` in the foreground as
# consumer NAME of DIR, and wait until its API (DIR/api.url) knows endpoint
# NAME.
icinga_daemon() {
	local name=$1 dir=$2 icinga_defs
	icinga_defs "$dir" || return 1
	if ! consumer_netns icinga2 daemon -C -c "$dir/etc/icinga2.conf" "${icinga_defs[@]}" \
		>"$dir/validate.log" 2>&1; then
		grep -E 'critical|Error|^\S*\([0-9]+\)' "$dir/validate.log" >&2
		return 1
	fi
	consumer_spawn "$name" "$dir" icinga2 daemon -c "$dir/etc/icinga2.conf" "${icinga_defs[@]}"
	if ! wait_for 30 "the Icinga 2 API of $name" _icinga_ready "$name" "$dir"; then
		tail -n 20 "$dir/$name.out" >&2
		return 1
	fi
}

# ICINGA_NODE: the endpoint name of the instance icinga_start runs, and the name
# consumer_spawn records its daemon under (ICINGA_DIR/ICINGA_NODE.spawned).
ICINGA_NODE=consumers.test

# icinga_start SERVICES: run icinga2 with the ITL, our CheckCommand, the
# objects of icinga_fast_objects and the Icinga DSL in SERVICES (objects that
# may import the template "fast").  Exports ICINGA_DIR and ICINGA_API
# (https://127.0.0.1:PORT, user test, password test).
icinga_start() {
	local services=$1 dir port
	dir=$(consumers_dir)/icinga2 || return 1
	icinga_cert "$dir" "$ICINGA_NODE" "$dir" || return 1
	port=$(free_port) || return 1
	{
		icinga_node_conf "$ICINGA_NODE" "$port" "$(dirname "$PLUGIN")"
		cat <<-EOF
			object Endpoint NodeName { }
			object Zone ZoneName { endpoints = [ NodeName ] }
		EOF
		icinga_fast_objects
		printf '%s\n' "$services"
	} >"$dir/etc/icinga2.conf" || return 1
	printf 'https://127.0.0.1:%s\n' "$port" >"$dir/api.url"
	icinga_daemon "$ICINGA_NODE" "$dir" || return 1
	icinga_env
}

# icinga_cluster_start SERVICES ZONE_SERVICES: run two icinga2 daemons, each
# with its own directories, API port and certificate from one CA (made with
# `icinga2 pki`): endpoint "master" in zone "master", and endpoint
# "satellite" in zone "satellite" whose parent is "master".  The satellite
# connects to the master and accepts commands and configuration from it.
# Both read the ITL and our CheckCommand, but only the satellite's PluginDir
# holds the plugin: the master's does not exist, so a check that runs on
# the master cannot find it.  SERVICES is Icinga DSL in the master's own
# configuration, next to icinga_fast_objects; ZONE_SERVICES goes into the
# master's zones.d/satellite/, which the config sync delivers to the
# satellite.  Exports ICINGA_DIR and ICINGA_API of the master.
icinga_cluster_start() {
	local services=$1 zone_services=$2 top master sat mport sport zones
	top=$(consumers_dir) || return 1
	master=$top/icinga2-master sat=$top/icinga2-satellite
	icinga_cert "$master" master "$master" && icinga_cert "$sat" satellite "$master" || return 1
	mport=$(free_port) && sport=$(free_port) || return 1
	zones=$(
		cat <<-EOF
			object Endpoint "master" { host = "127.0.0.1"; port = $mport }
			object Endpoint "satellite" { }
			object Zone "master" { endpoints = [ "master" ] }
			object Zone "satellite" { endpoints = [ "satellite" ]; parent = "master" }
		EOF
	)
	{
		icinga_node_conf master "$mport" "$master/no-plugins-here"
		printf '%s\n' "$zones"
		icinga_fast_objects
		printf '%s\n' "$services"
	} >"$master/etc/icinga2.conf" || return 1
	mkdir -p "$master/etc/zones.d/satellite" &&
		printf '%s\n' "$zone_services" >"$master/etc/zones.d/satellite/services.conf" || return 1
	{
		icinga_node_conf satellite "$sport" "$(dirname "$PLUGIN")" \
			'accept_commands = true; accept_config = true'
		printf '%s\n' "$zones"
	} >"$sat/etc/icinga2.conf" || return 1
	printf 'https://127.0.0.1:%s\n' "$mport" >"$master/api.url"
	printf 'https://127.0.0.1:%s\n' "$sport" >"$sat/api.url"
	# The master listens first: the satellite's first connection attempt
	# then succeeds, instead of waiting for the next one 10 s later.
	icinga_daemon master "$master" && icinga_daemon satellite "$sat" || return 1
	icinga_env icinga2-master
}

# icinga_env [DIR]: set ICINGA_DIR and ICINGA_API of the running daemon
# whose directory is DIR under consumers_dir (default icinga2): each bats test
# is a process of its own, and the daemon was started by an earlier one.
icinga_env() {
	ICINGA_DIR=$(consumers_dir)/${1:-icinga2}
	ICINGA_API=$(cat "$ICINGA_DIR/api.url" 2>/dev/null)
	export ICINGA_DIR ICINGA_API
}

# _icinga_ready NAME DIR: the API of consumer NAME of DIR knows endpoint NAME;
# 99 (give up) when the daemon died.
_icinga_ready() {
	consumer_alive "$1" "$2" || {
		tail -n 20 "$2/$1.out" >&2
		return 99
	}
	_icinga_curl "$(cat "$2/api.url")/v1/objects/endpoints/$1?attrs=name" -o /dev/null
}

# _icinga_curl URL [CURL OPTIONS...]: ask an Icinga 2 API as user test, in the
# consumers' network (its certificate is our own CA's: not verified).
_icinga_curl() {
	consumer_netns curl -sfk -u test:test -H 'Accept: application/json' "$@"
}

# icinga_get PATH: GET from the API, print the JSON.
icinga_get() {
	_icinga_curl "$ICINGA_API$1"
}

# icinga_check_now HOST!SERVICE: ask Icinga to check SERVICE now, whatever its
# schedule says (a remote check lost in a reload delays the next one by the
# command timeout plus 30 s).
icinga_check_now() {
	local filter
	filter=$(jq -n -c --arg h "${1%%!*}" --arg s "${1#*!}" \
		'{type: "Service", filter: "host.name == h && service.name == s",
		  filter_vars: {h: $h, s: $s}, force: true}')
	_icinga_curl "$ICINGA_API/v1/actions/reschedule-check" -X POST -d "$filter" >/dev/null
}

# icinga_port_services TEMPLATE: print the Services "open", "refused" and
# "dropped" (tcpport_timeout 1) importing TEMPLATE, for the ports in OPEN,
# REFUSED and DROPPED.
icinga_port_services() {
	cat <<-EOF
		object Service "open" {
			import "$1"
			vars.tcpport_port = [ $OPEN ]
		}
		object Service "refused" {
			import "$1"
			vars.tcpport_port = [ $REFUSED ]
		}
		object Service "dropped" {
			import "$1"
			vars.tcpport_port = [ $DROPPED ]
			vars.tcpport_timeout = 1
		}
	EOF
}

# icinga_assert_result open|refused|dropped PORT: the result read by
# icinga_result is the plugin's for 127.0.0.1 port PORT when the port is
# open, refused, or dropped with -t 1: state, exit code, output line and
# perfdata; prints the result and fails if not.
icinga_assert_result() {
	local port=$2 ok=
	case $1 in
	open)
		[[ $icinga_state == 0 && $icinga_exit == 0 &&
			$icinga_output =~ ^TCP\ OK\ -\ [0-9.]+\ second\ response\ time\ on\ 127\.0\.0\.1\ port\ $port$ &&
			$icinga_perfdata =~ ^time=[0-9.]+s\;\;\;0\;10$ ]] && ok=1
		;;
	refused)
		[[ $icinga_state == 2 && $icinga_exit == 2 && -z $icinga_perfdata &&
			$icinga_output == "TCP CRITICAL - connect to address 127.0.0.1 and port $port: Connection refused" ]] &&
			ok=1
		;;
	dropped)
		[[ $icinga_state == 2 && $icinga_exit == 2 && -z $icinga_perfdata &&
			$icinga_output == "TCP CRITICAL - Socket timeout after 1 seconds while connecting to 127.0.0.1 port $port" ]] &&
			ok=1
		;;
	esac
	[[ -n $ok ]] && return 0
	printf 'not the result of a port %s: state %s, exit %s, output %s, perfdata %s, from %s\n' \
		"$1" "$icinga_state" "$icinga_exit" "$icinga_output" "$icinga_perfdata" "$icinga_source" >&2
	return 1
}

# icinga_result [HOST!]SERVICE [SECONDS]: wait (default 30 s) until SERVICE of
# HOST (default loopback) has a check result (one that started at ICINGA_SINCE,
# seconds since the epoch, or later, when that is set), then set (as globals)
# icinga_state, icinga_exit, icinga_output, icinga_perfdata (the
# performance_data strings joined by spaces), icinga_command (the argv, one
# JSON array) and icinga_source (the endpoint that ran the check).
icinga_result() {
	local service=$1 limit=${2:-30}
	[[ $service == *!* ]] || service=loopback!$service
	wait_for "$limit" "a check result of Icinga service $service" _icinga_fetch "$service"
}

# shellcheck disable=SC2034 # the globals are read by the tests
_icinga_fetch() {
	local json
	json=$(icinga_get "/v1/objects/services/$1?attrs=last_check_result") || return 1
	json=$(jq -ce '.results[0].attrs.last_check_result // empty' <<<"$json") || return 1
	# A result from before ICINGA_SINCE is not the one waited for.
	if [[ -n ${ICINGA_SINCE:-} ]]; then
		jq -e --argjson since "$ICINGA_SINCE" '.execution_start >= $since' <<<"$json" >/dev/null ||
			return 1
	fi
	icinga_state=$(jq -r '.state' <<<"$json")
	icinga_exit=$(jq -r '.exit_status' <<<"$json")
	icinga_output=$(jq -r '.output' <<<"$json")
	icinga_perfdata=$(jq -r '(.performance_data // []) | map(tostring) | join(" ")' <<<"$json")
	icinga_command=$(jq -c '.command' <<<"$json")
	icinga_source=$(jq -r '.check_source' <<<"$json")
	icinga_state=${icinga_state%.*} icinga_exit=${icinga_exit%.*}
}

# ---------------------------------------------------------------------------
# Nagios 4.

NAGIOS_COMMANDS=${NAGIOS_COMMANDS:-$CONSUMERS_SRCDIR/packaging/nagios/check_tcpport.cfg}

# nagios_start SERVICES: run nagios4 with the packaged command definitions,
# $USER1$ = the plugin's directory, one host "loopback"
# (127.0.0.1) and the object definitions in SERVICES (services may use the
# template "fast": host loopback, checked every second).  Exports NAGIOS_DIR.
nagios_start() {
	local services=$1 dir commands
	dir=$(consumers_dir)/nagios4 || return 1
	mkdir -p "$dir/checkresults" || return 1
	commands=$NAGIOS_COMMANDS
	[[ -r $commands ]] || {
		printf '%s: missing\n' "$commands" >&2
		return 1
	}
	printf '$USER1$=%s\n' "$(dirname "$PLUGIN")" >"$dir/resource.cfg"
	cat >"$dir/objects.cfg" <<-EOF || return 1
		define timeperiod {
			timeperiod_name	always
			alias		always
			sunday		00:00-24:00
			monday		00:00-24:00
			tuesday		00:00-24:00
			wednesday	00:00-24:00
			thursday	00:00-24:00
			friday		00:00-24:00
			saturday	00:00-24:00
		}
		define command {
			command_name	notify-nobody
			command_line	/bin/true
		}
		define contact {
			contact_name			nobody
			host_notifications_enabled	0
			service_notifications_enabled	0
			host_notification_period	always
			service_notification_period	always
			host_notification_options	n
			service_notification_options	n
			host_notification_commands	notify-nobody
			service_notification_commands	notify-nobody
		}
		define host {
			host_name		loopback
			address			127.0.0.1
			max_check_attempts	1
			check_period		always
			contacts		nobody
			notification_period	always
		}
		define service {
			name			fast
			register		0
			host_name		loopback
			max_check_attempts	1
			check_interval		1
			retry_interval		1
			check_period		always
			contacts		nobody
			notification_period	always
		}
		$services
	EOF
	# interval_length=1: check_interval counts seconds.  No spreading of the
	# first checks, results reaped and status.dat written every second.
	cat >"$dir/nagios.cfg" <<-EOF || return 1
		cfg_file=$commands
		cfg_file=$dir/objects.cfg
		resource_file=$dir/resource.cfg
		log_file=$dir/nagios.log
		status_file=$dir/status.dat
		status_update_interval=1
		temp_file=$dir/nagios.tmp
		temp_path=$dir
		lock_file=$dir/nagios.lock
		check_result_path=$dir/checkresults
		object_cache_file=$dir/objects.cache
		precached_object_file=$dir/objects.precache
		retain_state_information=0
		state_retention_file=$dir/retention.dat
		check_external_commands=1
		command_file=$dir/nagios.cmd
		query_socket=$dir/nagios.qh
		nagios_user=root
		nagios_group=root
		interval_length=1
		check_result_reaper_frequency=1
		service_inter_check_delay_method=n
		host_inter_check_delay_method=n
		max_service_check_spread=1
		max_host_check_spread=1
		enable_notifications=0
		use_syslog=0
		illegal_macro_output_chars=\`~\$&|'"<>
	EOF
	# The pre-flight check an administrator runs, then the daemon.
	if ! nagios4 -v "$dir/nagios.cfg" >"$dir/verify.log" 2>&1; then
		grep -E 'Error|Warning' "$dir/verify.log" >&2
		return 1
	fi
	nagios_env
	consumer_spawn nagios4 "$dir" nagios4 "$dir/nagios.cfg"
	wait_for 20 "Nagios to write $dir/status.dat" _nagios_ready
}

# nagios_env: set NAGIOS_DIR of the running daemon.
nagios_env() {
	NAGIOS_DIR=$(consumers_dir)/nagios4
	export NAGIOS_DIR
}

_nagios_ready() {
	consumer_alive nagios4 "$NAGIOS_DIR" || {
		tail -n 20 "$NAGIOS_DIR/nagios4.out" >&2
		return 99
	}
	[[ -s $NAGIOS_DIR/status.dat ]]
}

# nagios_result SERVICE [SECONDS]: wait until SERVICE has been checked, then
# set nagios_state (current_state), nagios_output (plugin_output),
# nagios_long (long_plugin_output), nagios_perfdata (performance_data) and
# nagios_command (check_command) from status.dat.
nagios_result() {
	wait_for "${2:-30}" "a check result of Nagios service $1" _nagios_fetch "$1"
}

_nagios_fetch() {
	local block
	# status.dat is written to a temporary file and renamed: a read sees one
	# whole version.
	block=$(awk -v svc="$1" '
		/^servicestatus \{/ { inblk = 1; buf = ""; next }
		inblk && /^\t}/ { inblk = 0; if (found) { printf "%s", buf; exit } next }
		inblk {
			line = $0; sub(/^\t/, "", line)
			if (line == "service_description=" svc) found = 1
			buf = buf line "\n"
		}' "$NAGIOS_DIR/status.dat" 2>/dev/null)
	[[ $block == *$'\nhas_been_checked=1\n'* ]] || return 1
	_nagios_field() { sed -n "s/^$1=//p" <<<"$block" | head -n 1; }
	nagios_state=$(_nagios_field current_state)
	nagios_output=$(_nagios_field plugin_output)
	nagios_long=$(_nagios_field long_plugin_output)
	nagios_perfdata=$(_nagios_field performance_data)
	# shellcheck disable=SC2034 # read by the tests
	nagios_command=$(_nagios_field check_command)
}

# ---------------------------------------------------------------------------
# mod_gearman: a worker runs the command line the core has already expanded.
# Debian 12 has no mod_gearman, so this runs what its worker would run, the way
# it runs it: the core expands every macro into the line (values go in raw),
# and the worker, a daemon of its own user, gives a line with shell characters
# (ours all quote) to `/bin/sh -c`, with stdout and stderr read from pipes, in
# a process group of its own.

# GEARMAN_USER: the worker's user (never root: that is the point).
GEARMAN_USER=${GEARMAN_USER:-nobody}

# as_gearman_user COMMAND...: run COMMAND as GEARMAN_USER, with no other group.
as_gearman_user() {
	setpriv --reuid="$GEARMAN_USER" --regid=nogroup --clear-groups -- "$@"
}

# nagios_command_line NAME: print the command_line of command NAME in
# NAGIOS_COMMANDS (a definition's fields are tab- or space-separated).
nagios_command_line() {
	awk -v name="$1" '
		/^[ \t]*define[ \t]+command[ \t]*\{/ { inblk = 1; cname = ""; cline = ""; next }
		inblk && /^[ \t]*}/ {
			inblk = 0
			if (cname == name) { print cline; found = 1; exit }
			next
		}
		inblk && $1 == "command_name" { cname = $2 }
		inblk && $1 == "command_line" { sub(/^[ \t]*command_line[ \t]+/, ""); cline = $0 }
		END { exit !found }' "$NAGIOS_COMMANDS"
}

# gearman_expand CHECK_COMMAND HOSTADDRESS USER1: print the command line that
# the core hands to a worker for CHECK_COMMAND (NAME!ARG1!ARG2...), with
# $USER1$, $HOSTADDRESS$ and each $ARGn$ replaced by its value, unquoted and
# unescaped, as Nagios does.
gearman_expand() {
	local IFS='!' parts line i
	read -r -a parts <<<"$1"
	line=$(nagios_command_line "${parts[0]}") || {
		printf 'no command %s in %s\n' "${parts[0]}" "$NAGIOS_COMMANDS" >&2
		return 1
	}
	# A quoted replacement is literal: no & or \ of bash 5.2 in it.
	line=${line//\$USER1\$/"$3"}
	line=${line//\$HOSTADDRESS\$/"$2"}
	for ((i = 1; i < ${#parts[@]}; i++)); do
		line=${line//\$ARG$i\$/"${parts[i]}"}
	done
	# Nagios leaves no macro unexpanded: an $ARGn$ without a value is empty.
	line=$(sed -E 's/\$ARG[0-9]+\$//g' <<<"$line")
	printf '%s\n' "$line"
}

# gearman_user1: print the plugin directory as a worker's $USER1$: PLUGIN's
# own directory when GEARMAN_USER can run it there, else a copy in a
# directory of the file's (a build tree under a private home is not
# reachable by another user).
gearman_user1() {
	local dir
	if as_gearman_user test -x "$PLUGIN"; then
		dirname "$PLUGIN"
		return
	fi
	dir=$(consumers_dir)/gearman-plugins
	mkdir -p "$dir" && cp "$PLUGIN" "$dir/check_tcpport" && chmod 755 "$dir" || return 1
	gearman_reachable "$dir" || return 1
	as_gearman_user test -x "$dir/check_tcpport" || {
		printf '%s cannot run %s\n' "$GEARMAN_USER" "$dir/check_tcpport" >&2
		return 1
	}
	printf '%s\n' "$dir"
}

# gearman_reachable DIR: let the worker's user pass through (not list) the
# private directories of bats above DIR.
gearman_reachable() {
	local d
	d=$(dirname "$1")
	while [[ -n ${BATS_RUN_TMPDIR:-} && $d == "$BATS_RUN_TMPDIR"* ]]; do
		chmod o+x "$d" || return 1
		d=$(dirname "$d")
	done
}

# gearman_run CHECK_COMMAND HOSTADDRESS: run CHECK_COMMAND as a worker
# would, as GEARMAN_USER with a worker's bare environment; sets $status,
# $output and $stderr (bats `run --separate-stderr`) and gearman_line (what
# /bin/sh was given).
gearman_run() {
	local user1 env=(PATH=/usr/local/bin:/usr/bin:/bin)
	user1=$(gearman_user1) || return 1
	gearman_line=$(gearman_expand "$1" "$2" "$user1") || return 1
	# A sanitizer build keeps its exit codes for findings.
	[[ -z ${ASAN_OPTIONS:-} ]] || env+=("ASAN_OPTIONS=$ASAN_OPTIONS")
	[[ -z ${UBSAN_OPTIONS:-} ]] || env+=("UBSAN_OPTIONS=$UBSAN_OPTIONS")
	run --separate-stderr as_gearman_user env -i "${env[@]}" setsid -w /bin/sh -c "$gearman_line" \
		</dev/null
}

# ---------------------------------------------------------------------------
# Zabbix: the agent with our UserParameter file.

ZABBIX_DIR_SRC=${ZABBIX_DIR_SRC:-$CONSUMERS_SRCDIR/packaging/zabbix}

# zabbix_agent_start: run zabbix_agentd on 127.0.0.1 with our
# userparameter_check_tcpport.conf, the plugin path replaced by PLUGIN.
# Exports ZABBIX_AGENT_DIR and ZABBIX_AGENT_PORT.
zabbix_agent_start() {
	local dir port
	dir=$(consumers_dir)/zabbix_agentd || return 1
	mkdir -p "$dir" || return 1
	sed "s|/usr/lib/nagios/plugins/check_tcpport|$PLUGIN|" \
		"$ZABBIX_DIR_SRC/userparameter_check_tcpport.conf" >"$dir/userparameter_check_tcpport.conf" ||
		return 1
	grep -q "^UserParameter=check_tcpport\[\*\],$PLUGIN " "$dir/userparameter_check_tcpport.conf" || {
		echo "userparameter_check_tcpport.conf: no UserParameter=check_tcpport[*] line with the plugin path" >&2
		return 1
	}
	port=$(free_port) || return 1
	# Timeout=3 is the agent's default, written out because the file's -t
	# depends on it.  Empty ServerActive: passive checks only.
	cat >"$dir/zabbix_agentd.conf" <<-EOF || return 1
		LogType=file
		LogFile=$dir/zabbix_agentd.log
		PidFile=$dir/zabbix_agentd.pid
		ListenIP=127.0.0.1
		ListenPort=$port
		Server=127.0.0.1
		ServerActive=
		StartAgents=3
		Timeout=3
		AllowRoot=1
		Include=$dir/userparameter_check_tcpport.conf
	EOF
	consumer_spawn zabbix_agentd "$dir" zabbix_agentd -f -c "$dir/zabbix_agentd.conf"
	zabbix_agent_env
	wait_for 20 "zabbix_agentd on port $port" _zabbix_agent_ready
}

# zabbix_agent_env: set ZABBIX_AGENT_DIR and ZABBIX_AGENT_PORT of the running agent.
zabbix_agent_env() {
	ZABBIX_AGENT_DIR=$(consumers_dir)/zabbix_agentd
	ZABBIX_AGENT_PORT=$(sed -n 's/^ListenPort=//p' "$ZABBIX_AGENT_DIR/zabbix_agentd.conf" 2>/dev/null)
	export ZABBIX_AGENT_DIR ZABBIX_AGENT_PORT
}

_zabbix_agent_ready() {
	consumer_alive zabbix_agentd "$ZABBIX_AGENT_DIR" || {
		tail -n 20 "$ZABBIX_AGENT_DIR/zabbix_agentd.out" "$ZABBIX_AGENT_DIR/zabbix_agentd.log" >&2
		return 99
	}
	[[ $(zabbix_get -s 127.0.0.1 -p "$ZABBIX_AGENT_PORT" -t 5 -k agent.ping 2>/dev/null) == 1 ]]
}

# zabbix_agent_get KEY: the agent's answer to KEY, as zabbix_get prints it.
zabbix_agent_get() {
	zabbix_get -s 127.0.0.1 -p "$ZABBIX_AGENT_PORT" -t 30 -k "$1"
}

# ---------------------------------------------------------------------------
# Zabbix: an external check, run the way the server and proxy run one.

# zabbix_key_params KEY: print the parameters of an item key, one per line
# as NUL-terminated strings, parsed by Zabbix's rules: a parameter is either
# quoted ("...", where \" is a quote) or unquoted (up to the next , or ]),
# spaces before a parameter are skipped.  Nested [] arrays are not supported.
zabbix_key_params() {
	local key=$1 rest i c param quoted
	[[ $key == *\[*\] ]] || return 0
	rest=${key#*\[}
	rest=${rest%\]}
	i=0
	while :; do
		while [[ ${rest:i:1} == ' ' ]]; do ((i++)); done
		param= quoted=
		if [[ ${rest:i:1} == '"' ]]; then
			quoted=1
			((i++))
			while ((i < ${#rest})); do
				c=${rest:i:1}
				if [[ $c == '\' && ${rest:i+1:1} == '"' ]]; then
					param+='"'
					((i += 2))
				elif [[ $c == '"' ]]; then
					((i++))
					break
				else
					param+=$c
					((i++))
				fi
			done
			while [[ ${rest:i:1} == ' ' ]]; do ((i++)); done
		else
			while ((i < ${#rest})) && [[ ${rest:i:1} != , ]]; do
				param+=${rest:i:1}
				((i++))
			done
			# trailing spaces of an unquoted parameter are kept by Zabbix
		fi
		printf '%s\0' "$param"
		((i < ${#rest})) || break
		[[ ${rest:i:1} == , ]] || {
			printf 'bad item key: %s\n' "$key" >&2
			return 1
		}
		((i++))
	done
	: "$quoted"
}

# zabbix_external_check DIR TIMEOUT KEY: what a Zabbix server or proxy does
# for an external check item KEY: the command is DIR/<key name> followed by
# each parameter in single quotes (' written as '\''), run by /bin/sh -c,
# killed after TIMEOUT seconds (Timeout=, 1-30); the value is standard output
# with trailing white space removed, whatever the exit code.  Prints the
# value; returns 1 (with Zabbix's message) when the item would become
# unsupported.
zabbix_external_check() {
	local dir=$1 limit=$2 key=$3 cmd param out rc
	cmd=$(shell_quote "$dir/${key%%\[*}")
	cmd=${cmd:1:${#cmd}-2} # Zabbix does not quote the script path
	while IFS= read -r -d '' param; do
		cmd+=" $(shell_quote "$param")"
	done < <(zabbix_key_params "$key")
	[[ -x $dir/${key%%\[*} ]] || {
		printf '%s: not executable\n' "$dir/${key%%\[*}" >&2
		return 1
	}
	out=$(timeout -s KILL "$limit" /bin/sh -c "$cmd")
	rc=$?
	if ((rc == 137)); then
		printf 'Timeout while executing a shell script.\n' >&2
		return 1
	fi
	# rtrim of " \t\r\n" as zbx_rtrim(buf, ZBX_WHITESPACE)
	out=${out%"${out##*[!$' \t\r\n']}"}
	printf '%s\n' "$out"
}

# ---------------------------------------------------------------------------
# Zabbix: a passive proxy on SQLite running the template's items.

ZABBIX_TEMPLATE=${ZABBIX_TEMPLATE:-$ZABBIX_DIR_SRC/zbx_check_tcpport_template.yaml}

# consumers_python: print a python3 that can import yaml, or fail.
consumers_python() {
	local py
	for py in python3 /usr/bin/python3; do
		if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import yaml' 2>/dev/null; then
			command -v "$py"
			return 0
		fi
	done
	echo "no python3 with the yaml module (apt-get install python3-yaml)" >&2
	return 1
}

# zabbix_template_check: validate the template against the Zabbix 6.0 YAML
# export format as far as it can be checked without a server; prints what is
# wrong and fails, or prints a summary line.
zabbix_template_check() {
	local py
	py=$(consumers_python) || return 1
	"$py" - "$ZABBIX_TEMPLATE" <<-'PYEOF'
		import re, sys, yaml
		path = sys.argv[1]
		errors = []
		def err(msg): errors.append(msg)
		doc = yaml.safe_load(open(path, encoding="utf-8"))
		exp = doc.get("zabbix_export") if isinstance(doc, dict) else None
		if not isinstance(exp, dict):
		    sys.exit("no zabbix_export mapping at the top")
		if exp.get("version") != "6.0":
		    err("zabbix_export.version must be the string '6.0', is %r" % exp.get("version"))
		uuids = []
		def uuid(obj, where):
		    u = obj.get("uuid")
		    if not isinstance(u, str) or not re.fullmatch(r"[0-9a-f]{32}", u):
		        err("%s: uuid %r is not 32 lowercase hex digits" % (where, u))
		    else:
		        # UUIDv4 as Zabbix generates them: version nibble 4, variant 8-b
		        if u[12] != "4" or u[16] not in "89ab":
		            err("%s: uuid %s is not a version 4 UUID" % (where, u))
		        uuids.append(u)
		groups = exp.get("groups") or []
		gnames = set()
		for g in groups:
		    uuid(g, "group %s" % g.get("name"))
		    gnames.add(g.get("name"))
		if "template_groups" in exp:
		    err("template_groups is the 6.2 format; 6.0 uses groups")
		ITEM_TYPES = {"ZABBIX_PASSIVE", "TRAP", "SNMP_TRAP", "INTERNAL", "ZABBIX_ACTIVE", "EXTERNAL",
		              "ODBC", "IPMI", "SSH", "TELNET", "CALCULATED", "JMX", "DEPENDENT", "HTTP_AGENT",
		              "SNMP_AGENT", "SCRIPT", "SIMPLE"}
		VALUE_TYPES = {"FLOAT", "CHAR", "LOG", "UNSIGNED", "TEXT"}
		PRIORITIES = {"NOT_CLASSIFIED", "INFO", "WARNING", "AVERAGE", "HIGH", "DISASTER"}
		PREPROC = {"MULTIPLIER", "RTRIM", "LTRIM", "TRIM", "REGEX", "BOOL_TO_DECIMAL", "OCTAL_TO_DECIMAL",
		           "HEX_TO_DECIMAL", "SIMPLE_CHANGE", "CHANGE_PER_SECOND", "XMLPATH", "JSONPATH", "IN_RANGE",
		           "MATCHES_REGEX", "NOT_MATCHES_REGEX", "CHECK_JSON_ERROR", "CHECK_XML_ERROR",
		           "CHECK_REGEX_ERROR", "DISCARD_UNCHANGED", "DISCARD_UNCHANGED_HEARTBEAT", "JAVASCRIPT",
		           "PROMETHEUS_PATTERN", "PROMETHEUS_TO_JSON", "CSV_TO_JSON", "STR_REPLACE",
		           "CHECK_NOT_SUPPORTED"}
		HANDLERS = {"ORIGINAL_ERROR", "DISCARD_VALUE", "CUSTOM_VALUE", "CUSTOM_ERROR"}
		templates = exp.get("templates") or []
		if not templates:
		    err("no templates")
		nitems = ntriggers = 0
		trigs, deps = set(), []
		for t in templates:
		    tname = t.get("template")
		    uuid(t, "template %s" % tname)
		    if not tname or not t.get("name"):
		        err("a template needs template and name")
		    for g in t.get("groups") or []:
		        if g.get("name") not in gnames:
		            err("template %s: group %r is not exported under groups" % (tname, g.get("name")))
		    if not t.get("groups"):
		        err("template %s: no groups" % tname)
		    items = t.get("items") or []
		    keys = {}
		    for it in items:
		        keys[it.get("key")] = it
		    macros = {m.get("macro") for m in t.get("macros") or []}
		    for m in t.get("macros") or []:
		        if not re.fullmatch(r"\{\$[A-Z0-9_.]+(:.*)?\}", m.get("macro") or ""):
		            err("macro %r is not {$NAME}" % m.get("macro"))
		    def triggers_of(owner, where):
		        global ntriggers
		        for tr in owner.get("triggers") or []:
		            ntriggers += 1
		            uuid(tr, "%s trigger %s" % (where, tr.get("name")))
		            if tr.get("priority", "NOT_CLASSIFIED") not in PRIORITIES:
		                err("trigger %s: priority %r" % (tr.get("name"), tr.get("priority")))
		            expr = tr.get("expression") or ""
		            refs = re.findall(r"/([^/]+)/((?:[^,()\[]|\[[^\]]*\])+)", expr)
		            if not refs:
		                err("trigger %s: expression %r names no item" % (tr.get("name"), expr))
		            for host, key in refs:
		                if host != tname:
		                    err("trigger %s: host %r is not the template %r" % (tr.get("name"), host, tname))
		                if key not in keys:
		                    err("trigger %s: item %r is not in the template" % (tr.get("name"), key))
		            if not tr.get("name"):
		                err("a trigger has no name")
		            # A dependency names another trigger by name and expression.
		            trigs.add((tr.get("name"), expr))
		            deps.extend((tr.get("name"), d.get("name"), d.get("expression"))
		                        for d in tr.get("dependencies") or [])
		    for it in items:
		        nitems += 1
		        where = "item %s" % it.get("key")
		        uuid(it, where)
		        if not it.get("name") or not it.get("key"):
		            err("%s: needs name and key" % where)
		        typ = it.get("type", "ZABBIX_PASSIVE")
		        if typ not in ITEM_TYPES:
		            err("%s: type %r" % (where, typ))
		        vt = it.get("value_type", "UNSIGNED")
		        if vt not in VALUE_TYPES:
		            err("%s: value_type %r" % (where, vt))
		        if vt in ("TEXT", "CHAR", "LOG") and str(it.get("trends", "")) != "0":
		            err("%s: a %s item must have trends: '0'" % (where, vt))
		        if typ == "DEPENDENT":
		            mk = (it.get("master_item") or {}).get("key")
		            if mk not in keys:
		                err("%s: master_item key %r is not an item of the template" % (where, mk))
		            if str(it.get("delay", "0")) != "0":
		                err("%s: a dependent item has delay '0'" % where)
		        for step in it.get("preprocessing") or []:
		            if step.get("type") not in PREPROC:
		                err("%s: preprocessing type %r" % (where, step.get("type")))
		            if not isinstance(step.get("parameters"), list):
		                err("%s: preprocessing parameters must be a list" % where)
		            h = step.get("error_handler")
		            if h is not None and h not in HANDLERS:
		                err("%s: error_handler %r" % (where, h))
		        for ref in re.findall(r"\{\$[A-Z0-9_.]+\}", it.get("key") or ""):
		            if ref not in macros:
		                err("%s: macro %s is not defined in the template" % (where, ref))
		        triggers_of(it, where)
		    for d in t.get("discovery_rules") or []:
		        uuid(d, "discovery rule %s" % d.get("key"))
		        for p in d.get("item_prototypes") or []:
		            uuid(p, "item prototype %s" % p.get("key"))
		            keys[p.get("key")] = p
		            triggers_of(p, "item prototype %s" % p.get("key"))
		        for tp in d.get("trigger_prototypes") or []:
		            uuid(tp, "trigger prototype %s" % tp.get("name"))
		        for g in d.get("graph_prototypes") or []:
		            uuid(g, "graph prototype %s" % g.get("name"))
		            for gi in g.get("graph_items") or []:
		                if (gi.get("item") or {}).get("key") not in keys:
		                    err("graph prototype %s: item %r is not in the template" % (g.get("name"), gi.get("item")))
		        if d.get("type") == "DEPENDENT" and (d.get("master_item") or {}).get("key") not in keys:
		            err("discovery rule %s: master_item is not an item of the template" % d.get("key"))
		for owner, name, expr in deps:
		    if (name, expr) not in trigs:
		        err("trigger %s: depends on %r, not a trigger of the template with that expression" % (owner, name))
		if len(uuids) != len(set(uuids)):
		    err("uuids are not unique")
		if errors:
		    print("\n".join(errors))
		    sys.exit(1)
		print("%d templates, %d items, %d triggers" % (len(templates), nitems, ntriggers))
	PYEOF
}

# zabbix_template_sql HOSTID HOST MACRO=VALUE...: print SQL that adds host
# HOSTID named HOST to a proxy database, with an agent interface on
# 127.0.0.1, the template's macros (overridden by MACRO=VALUE) and the
# template's items with their preprocessing, as a server would send them to
# the proxy.  Item ids are HOSTID*100 + the item's position.
zabbix_template_sql() {
	local py
	py=$(consumers_python) || return 1
	"$py" - "$ZABBIX_TEMPLATE" "$@" <<-'PYEOF'
		import sys, yaml
		path, hostid, host = sys.argv[1], int(sys.argv[2]), sys.argv[3]
		over = dict(a.split("=", 1) for a in sys.argv[4:])
		t = yaml.safe_load(open(path, encoding="utf-8"))["zabbix_export"]["templates"][0]
		ITEM = {"EXTERNAL": 10, "DEPENDENT": 18, "ZABBIX_PASSIVE": 0, "SIMPLE": 3, "CALCULATED": 15}
		VALUE = {"FLOAT": 0, "CHAR": 1, "LOG": 2, "UNSIGNED": 3, "TEXT": 4}
		PRE = {"MULTIPLIER": 1, "RTRIM": 2, "LTRIM": 3, "TRIM": 4, "REGEX": 5, "BOOL_TO_DECIMAL": 6,
		       "OCTAL_TO_DECIMAL": 7, "HEX_TO_DECIMAL": 8, "SIMPLE_CHANGE": 9, "CHANGE_PER_SECOND": 10,
		       "XMLPATH": 11, "JSONPATH": 12, "IN_RANGE": 13, "MATCHES_REGEX": 14,
		       "NOT_MATCHES_REGEX": 15, "CHECK_JSON_ERROR": 16, "CHECK_XML_ERROR": 17,
		       "CHECK_REGEX_ERROR": 18, "DISCARD_UNCHANGED": 19, "DISCARD_UNCHANGED_HEARTBEAT": 20,
		       "JAVASCRIPT": 21, "PROMETHEUS_PATTERN": 22, "PROMETHEUS_TO_JSON": 23, "CSV_TO_JSON": 24,
		       "STR_REPLACE": 25, "CHECK_NOT_SUPPORTED": 26}
		HANDLER = {"ORIGINAL_ERROR": 0, "DISCARD_VALUE": 1, "CUSTOM_VALUE": 2, "CUSTOM_ERROR": 3}
		def q(s): return "'" + str(s).replace("'", "''") + "'"
		out = []
		iface = hostid
		out.append("INSERT INTO hosts (hostid, host, name, status) VALUES (%d, %s, %s, 0);" % (hostid, q(host), q(host)))
		out.append("INSERT INTO interface (interfaceid, hostid, main, type, useip, ip, dns, port) "
		           "VALUES (%d, %d, 1, 1, 1, '127.0.0.1', '', '10050');" % (iface, hostid))
		macros = {m["macro"]: str(m.get("value", "")) for m in t.get("macros") or []}
		macros.update(over)
		for n, (name, value) in enumerate(sorted(macros.items())):
		    out.append("INSERT INTO hostmacro (hostmacroid, hostid, macro, value, type) VALUES (%d, %d, %s, %s, 0);"
		               % (hostid * 100 + n, hostid, q(name), q(value)))
		ids = {}
		items = t.get("items") or []
		for n, it in enumerate(items, 1):
		    ids[it["key"]] = hostid * 100 + n
		preproc = hostid * 1000
		for it in items:
		    iid = ids[it["key"]]
		    typ = ITEM[it.get("type", "ZABBIX_PASSIVE")]
		    master = ids[it["master_item"]["key"]] if typ == 18 else None
		    out.append("INSERT INTO items (itemid, type, hostid, name, key_, delay, value_type, status, "
		               "interfaceid, master_itemid, units) VALUES (%d, %d, %d, %s, %s, %s, %d, 0, %s, %s, %s);"
		               % (iid, typ, hostid, q(it["name"]), q(it["key"]), q(it.get("delay", "1m")),
		                  VALUE[it.get("value_type", "UNSIGNED")], iface if typ != 18 else "NULL",
		                  master if master else "NULL", q(it.get("units", ""))))
		    out.append("INSERT INTO item_rtdata (itemid) VALUES (%d);" % iid)
		    for step, p in enumerate(it.get("preprocessing") or [], 1):
		        preproc += 1
		        out.append("INSERT INTO item_preproc (item_preprocid, itemid, step, type, params, error_handler, "
		                   "error_handler_params) VALUES (%d, %d, %d, %d, %s, %d, %s);"
		                   % (preproc, iid, step, PRE[p["type"]], q("\n".join(str(x) for x in p.get("parameters") or [])),
		                      HANDLER[p.get("error_handler", "ORIGINAL_ERROR")], q(p.get("error_handler_params", ""))))
		print("\n".join(out))
	PYEOF
}

# zabbix_proxy_start SQLFILE: run zabbix_proxy (passive, SQLite) whose
# database holds the schema and SQLFILE, with ExternalScripts holding a link
# to PLUGIN named check_tcpport, and every item's delay forced to 1s.
# Exports ZABBIX_PROXY_DIR.
zabbix_proxy_start() {
	local sql=$1 dir
	dir=$(consumers_dir)/zabbix_proxy || return 1
	mkdir -p "$dir/externalscripts" || return 1
	ln -sf "$PLUGIN" "$dir/externalscripts/check_tcpport" || return 1
	zabbix_proxy_env
	# Passive: the proxy waits for a server that never comes, but polls its
	# items from the configuration already in its database, preprocesses
	# them and keeps the values in proxy_history.
	{
		cat "$sql"
		echo "UPDATE items SET delay = '1s' WHERE type <> 18;"
	} | zabbix_proxy_run "$dir" ProxyMode=1 Server=127.0.0.1 Hostname=consumers-proxy
}

# zabbix_proxy_run DIR CONF...: run zabbix_proxy (SQLite) in DIR, listening
# on a free port of 127.0.0.1, ExternalScripts DIR/externalscripts (the
# caller fills it), its database the schema then the SQL read from stdin,
# configured with the lines CONF (ProxyMode, Server, Hostname...) and those
# every test proxy has: the pollers the template needs, none of the others.
zabbix_proxy_run() {
	local dir=$1 port schema=/usr/share/zabbix-proxy-sqlite3/schema.sql.gz
	shift
	[[ -r $schema ]] || {
		echo "$schema is missing (zabbix-proxy-sqlite3)" >&2
		return 1
	}
	rm -f "$dir/proxy.db"
	{
		zcat "$schema"
		cat
	} | sqlite3 "$dir/proxy.db" || return 1
	port=$(free_port) || return 1
	{
		printf '%s\n' "$@" "DBName=$dir/proxy.db" StartPreprocessors=1
		zabbix_daemon_conf zabbix_proxy "$dir" "$port"
	} >"$dir/zabbix_proxy.conf" || return 1
	consumer_spawn zabbix_proxy "$dir" zabbix_proxy -f -c "$dir/zabbix_proxy.conf"
	wait_for 20 "zabbix_proxy to start its pollers" zabbix_pollers_ready zabbix_proxy "$dir"
}

# zabbix_daemon_conf PROG DIR PORT: print the configuration lines that
# zabbix_server and zabbix_proxy share in the tests: on 127.0.0.1 PORT, as
# root, files in DIR, ExternalScripts DIR/externalscripts, Timeout 3 s, the
# pollers an external check needs and none of the others.
zabbix_daemon_conf() {
	local prog=$1 dir=$2 port=$3
	cat <<-EOF
		ListenIP=127.0.0.1
		ListenPort=$port
		LogType=file
		LogFile=$dir/$prog.log
		PidFile=$dir/$prog.pid
		SocketDir=$dir
		ExternalScripts=$dir/externalscripts
		AllowRoot=1
		Timeout=3
		HousekeepingFrequency=0
		StartPollers=2
		StartPollersUnreachable=1
		StartTrappers=1
		StartPingers=0
		StartDiscoverers=0
		StartHTTPPollers=0
		StartODBCPollers=0
	EOF
}

# zabbix_proxy_env: set ZABBIX_PROXY_DIR of the running proxy.
zabbix_proxy_env() {
	ZABBIX_PROXY_DIR=$(consumers_dir)/zabbix_proxy
	export ZABBIX_PROXY_DIR
}

# zabbix_pollers_ready PROG DIR: PROG (zabbix_server or zabbix_proxy) of DIR
# has started its pollers; 99 (give up) when it died, with its last words.
zabbix_pollers_ready() {
	local prog=$1 dir=$2
	consumer_alive "$prog" "$dir" || {
		tail -n 20 "$dir/$prog.out" "$dir/$prog.log" >&2
		return 99
	}
	grep -q 'started \[poller #1\]' "$dir/$prog.log" 2>/dev/null
}

# zabbix_proxy_value ITEMID [SECONDS]: wait until the proxy has stored a
# value of ITEMID (rows flagged "no value", flags bit 2, do not count), then set zabbix_value (the latest value) and zabbix_vstate
# (0 normal, 1 not supported: the value is then the error message).
zabbix_proxy_value() {
	wait_for "${2:-30}" "a value of item $1 in proxy_history" _zabbix_proxy_fetch "$1"
}

_zabbix_proxy_fetch() {
	local row
	row=$(sqlite3 -cmd '.timeout 5000' -separator $'\x1f' "$ZABBIX_PROXY_DIR/proxy.db" \
		"SELECT state, value FROM proxy_history WHERE itemid = $1 AND (flags & 2) = 0
		 ORDER BY id DESC LIMIT 1;" \
		2>/dev/null) || return 1
	[[ -n $row ]] || return 1
	zabbix_vstate=${row%%$'\x1f'*}
	# shellcheck disable=SC2034 # read by the tests
	zabbix_value=${row#*$'\x1f'}
}
