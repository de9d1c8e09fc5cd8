# SPDX-License-Identifier: ISC
# services.bash - real protocol servers from Debian packages, for the
# --service preset tests of check_tcpport.
#
# Load it from a tests/*.bats file with `load helpers/services` (or source
# it from bash).  It is `set -u` safe and changes nothing outside its own
# state directory, except that sshd needs its privilege separation directory
# /run/sshd, which is created (empty, root, 0755) when it is missing, and
# that under bats the run directory ($BATS_RUN_TMPDIR, 0700) is given o+x
# so that servers running as their own system users can reach their files.
#
# Each server is our own instance: a background process (in a process group
# of its own) listening on 127.0.0.1 on a free port, with its configuration,
# data, pid file and logs in a private directory.  The system's own
# configuration and system services are never used, started or stopped.
#
# Functions:
#   service_available NAME   0 when NAME's server is installed, else 1 (silent)
#   service_require NAME     skip the current bats test when NAME is not
#                            available; when CI is "true", print why on
#                            stderr and return 1 instead (unless NAME is
#                            optional, see SERVICE_OPTIONAL)
#   service_start NAME       start an instance, wait (15 s at most, amqp 45 s)
#                            until it accepts a TCP connection, print its port;
#                            on failure print its logs on stderr, return 1
#   services_stop            stop every instance started (10 s at most);
#                            safe to call twice
#
# Names: ssh smtp ftp pop imap nntp http http-proxy redis memcached postgres
# mysql ldap xmpp clamd telnet rsync git mqtt amqp beanstalkd sieve
# (http-proxy: nginx expecting the PROXY protocol header, see
# _svc_start_http-proxy)
#
# Variables:
#   SERVICE_NAMES      every NAME known here
#   SERVICE_PACKAGES   the Debian packages that provide all but the optional
#                      ones (for CI: apt-get install -y $SERVICE_PACKAGES)
#   SERVICE_OPTIONAL   NAMEs whose package is not in SERVICE_PACKAGES: nntp,
#                      because inn2's postinst fails on a host whose name has
#                      no domain (no FQDN), leaving it half-configured;
#                      service_require always skips these when missing
#   SERVICES_DIR       the state directory: $BATS_FILE_TMPDIR/services under
#                      bats, else a mktemp -d made when this file is sourced
#
# Usage in a bats file:
#   load helpers/services
#   setup_file() { services_stop; }      # or start shared instances here
#   teardown_file() { services_stop; }
#   @test "redis answers PING" {
#       service_require redis
#       port=$(service_start redis)
#       ...
#   }
#
# Needs root for most servers (they switch to their own system users).
#
# amqp (RabbitMQ) is an Erlang node: it boots in about 6 s here, so its start
# may take up to SERVICE_START_TIMEOUT_AMQP (45 s); its epmd runs in its own
# process group on a port of its own, never the system's on 4369.

# shellcheck source=SCRIPTDIR/free_port.bash
source "$(dirname "${BASH_SOURCE[0]}")/free_port.bash"

# shellcheck disable=SC2034 # for the callers
SERVICE_NAMES="ssh smtp ftp pop imap nntp http http-proxy redis memcached postgres mysql ldap"
SERVICE_NAMES+=" xmpp clamd rsync git telnet"
SERVICE_NAMES+=" mqtt amqp beanstalkd sieve"
# shellcheck disable=SC2034 # for the callers (CI installs them)
# (inetutils-telnetd brings inetutils-inetd and inetutils-syslogd, which the telnet
# server needs here, only where no other inetd or syslog daemon is installed: naming
# them would make apt remove rsyslog or openbsd-inetd, so they are not named)
SERVICE_PACKAGES="openssh-server exim4-daemon-light vsftpd dovecot-pop3d dovecot-imapd nginx redis-server memcached postgresql mariadb-server slapd prosody clamav-daemon rsync git inetutils-telnetd mosquitto rabbitmq-server beanstalkd dovecot-managesieved"
SERVICE_OPTIONAL="nntp"

if [[ -z ${SERVICES_DIR:-} ]]; then
	if [[ -n ${BATS_FILE_TMPDIR:-} ]]; then
		SERVICES_DIR=$BATS_FILE_TMPDIR/services
		_SERVICES_DIR_OWNED=
	else
		SERVICES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/services.XXXXXX")
		_SERVICES_DIR_OWNED=1
	fi
fi
_SERVICES_DIR_OWNED=${_SERVICES_DIR_OWNED:-}

# Seconds to wait for a server to accept, and for all of them to stop.
SERVICE_START_TIMEOUT=${SERVICE_START_TIMEOUT:-15}
SERVICE_START_TIMEOUT_AMQP=${SERVICE_START_TIMEOUT_AMQP:-45}
SERVICE_STOP_TIMEOUT=${SERVICE_STOP_TIMEOUT:-10}

# _svc_now_ms: print a monotonic-enough time in milliseconds.
_svc_now_ms() {
	local t=${EPOCHREALTIME//[!0-9]/}
	printf '%s\n' "$((10#$t / 1000))"
}

# _svc_postgres_bindir: print the bin directory of the newest PostgreSQL
# server installed (prefer 15), or return 1.
_svc_postgres_bindir() {
	local d best=
	if [[ -x /usr/lib/postgresql/15/bin/postgres ]]; then
		printf '%s\n' /usr/lib/postgresql/15/bin
		return 0
	fi
	for d in /usr/lib/postgresql/*/bin; do
		[[ -x $d/postgres && -x $d/initdb ]] && best=$d
	done
	[[ -n $best ]] || return 1
	printf '%s\n' "$best"
}

# _svc_files NAME: print the files (one a line) that must exist and be
# executable for NAME; return 1 for an unknown NAME.
_svc_files() {
	case $1 in
	ssh) printf '%s\n' /usr/sbin/sshd /usr/bin/ssh-keygen ;;
	smtp) printf '%s\n' /usr/sbin/exim4 ;;
	ftp) printf '%s\n' /usr/sbin/vsftpd ;;
	pop) printf '%s\n' /usr/sbin/dovecot /usr/lib/dovecot/pop3-login \
		/usr/lib/dovecot/pop3 ;;
	imap) printf '%s\n' /usr/sbin/dovecot /usr/lib/dovecot/imap-login \
		/usr/lib/dovecot/imap ;;
	nntp) printf '%s\n' /usr/lib/news/bin/nnrpd /usr/lib/news/bin/tdx-util ;;
	http | http-proxy) printf '%s\n' /usr/sbin/nginx ;;
	redis) printf '%s\n' /usr/bin/redis-server ;;
	memcached) printf '%s\n' /usr/bin/memcached ;;
	postgres)
		local d
		d=$(_svc_postgres_bindir) || d=/usr/lib/postgresql/15/bin
		printf '%s\n' "$d/postgres" "$d/initdb"
		;;
	mysql) printf '%s\n' /usr/sbin/mariadbd /usr/bin/mariadb-install-db ;;
	ldap) printf '%s\n' /usr/sbin/slapd ;;
	xmpp) printf '%s\n' /usr/bin/prosody ;;
	clamd) printf '%s\n' /usr/sbin/clamd ;;
	rsync) printf '%s\n' /usr/bin/rsync ;;
	git) printf '%s\n' /usr/bin/git /usr/lib/git-core/git-daemon ;;
	telnet) printf '%s\n' /usr/sbin/telnetd /usr/sbin/inetutils-inetd \
		/usr/sbin/syslogd /usr/bin/unshare ;;
	mqtt) printf '%s\n' /usr/sbin/mosquitto ;;
	amqp) printf '%s\n' /usr/lib/rabbitmq/bin/rabbitmq-server /usr/bin/epmd ;;
	beanstalkd) printf '%s\n' /usr/bin/beanstalkd ;;
	sieve) printf '%s\n' /usr/sbin/dovecot \
		/usr/lib/dovecot/managesieve-login /usr/lib/dovecot/managesieve ;;
	*) return 1 ;;
	esac
}

# _svc_package NAME: print the Debian package that provides NAME.
_svc_package() {
	case $1 in
	ssh) echo openssh-server ;;
	smtp) echo exim4-daemon-light ;;
	ftp) echo vsftpd ;;
	pop) echo dovecot-pop3d ;;
	imap) echo dovecot-imapd ;;
	nntp) echo inn2 ;;
	http | http-proxy) echo nginx ;;
	redis) echo redis-server ;;
	memcached) echo memcached ;;
	postgres) echo postgresql ;;
	mysql) echo mariadb-server ;;
	ldap) echo slapd ;;
	xmpp) echo prosody ;;
	clamd) echo clamav-daemon ;;
	rsync) echo rsync ;;
	git) echo git ;;
	telnet) echo inetutils-telnetd ;;
	mqtt) echo mosquitto ;;
	amqp) echo rabbitmq-server ;;
	beanstalkd) echo beanstalkd ;;
	sieve) echo dovecot-managesieved ;;
	*) return 1 ;;
	esac
}

# _svc_problem NAME: print why NAME cannot run here and return 1, or print
# nothing and return 0.
_svc_problem() {
	local files f
	if ! files=$(_svc_files "$1"); then
		printf 'unknown service "%s" (known: %s)\n' "$1" "$SERVICE_NAMES"
		return 1
	fi
	while IFS= read -r f; do
		if [[ ! -x $f ]]; then
			printf 'service %s needs %s (Debian package %s)\n' \
				"$1" "$f" "$(_svc_package "$1")"
			return 1
		fi
	done <<<"$files"
	if [[ $EUID -ne 0 && $1 != redis && $1 != memcached && $1 != http* ]]; then
		printf 'service %s needs root here\n' "$1"
		return 1
	fi
	return 0
}

# service_available NAME: return 0 when NAME's server is installed, else 1.
service_available() {
	[[ $# -eq 1 ]] || return 1
	_svc_problem "$1" >/dev/null
}

# service_require NAME: skip the current bats test when NAME is not
# available, or fail (return 1, message on stderr) when CI is "true" and
# NAME is not optional.
service_require() {
	local why
	why=$(_svc_problem "${1:-}") && return 0
	if [[ ${CI:-} == true && " $SERVICE_OPTIONAL " != *" ${1:-} "* ]]; then
		printf 'services: %s, and CI=true forbids skipping\n' "$why" >&2
		return 1
	fi
	skip "$why"
}

# _svc_fail MESSAGE...: print an error to stderr, return 1.
_svc_fail() {
	printf 'services: %s\n' "$*" >&2
	return 1
}

# _svc_open_path DIR TOP: give "others" search (x) permission on DIR and
# its parents up to TOP, those that are ours and lack it, so that servers
# which switch to their own system user can reach their directories (bats
# makes its run directory 0700).  Above TOP nothing is changed, but every
# directory must already be searchable.
_svc_open_path() {
	local d=$1 top=$2
	while [[ -n $d && $d != / ]]; do
		if [[ $(stat -c %A "$d") != ?????????[xt] ]]; then
			if [[ ( $d == "$top" || $d == "$top"/* ) && -O $d ]]; then
				chmod o+x "$d" || return 1
			else
				_svc_fail "$d is not searchable by other users;" \
					"the servers' own users need it" || return 1
			fi
		fi
		d=$(dirname "$d")
	done
}

# _svc_state_dir: make sure SERVICES_DIR exists (and is reachable) and
# print it.
_svc_state_dir() {
	local top=$SERVICES_DIR
	if [[ ! -d $SERVICES_DIR ]]; then
		mkdir -m 0711 "$SERVICES_DIR" 2>/dev/null ||
			[[ -d $SERVICES_DIR ]] ||
			_svc_fail "cannot create $SERVICES_DIR" || return 1
	fi
	if [[ -n ${BATS_RUN_TMPDIR:-} && $SERVICES_DIR == "$BATS_RUN_TMPDIR"/* ]]
	then
		top=$BATS_RUN_TMPDIR
	fi
	_svc_open_path "$SERVICES_DIR" "$top" || return 1
	printf '%s\n' "$SERVICES_DIR"
}

# _svc_accepts PORT: return 0 when a TCP connect to 127.0.0.1:PORT succeeds.
_svc_accepts() {
	(exec 5<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# _svc_pgrp_pids PGID: print the pids (not zombies) of process group PGID.
_svc_pgrp_pids() {
	local f stat rest state pgrp pid
	for f in /proc/[0-9]*/stat; do
		{ read -r stat <"$f"; } 2>/dev/null || continue
		rest=${stat##*) }
		read -r state _ pgrp _ <<<"$rest"
		[[ $pgrp == "$1" && $state != Z ]] || continue
		pid=${f#/proc/}
		printf '%s\n' "${pid%/stat}"
	done
}

# _svc_alive PGID: return 0 while the leader PGID or some process of its
# group lives.  (PostgreSQL's children leave the group: each makes a session
# of its own; the postmaster outlives them.)
_svc_alive() {
	local stat rest state
	if { read -r stat <"/proc/$1/stat"; } 2>/dev/null; then
		rest=${stat##*) }
		state=${rest%% *}
		[[ $state != Z ]] && return 0
	fi
	[[ -n $(_svc_pgrp_pids "$1") ]]
}

# _svc_spawn DIR CMD...: start CMD in the background in a new session,
# stdin from /dev/null, stdout and stderr into DIR/server.log, fd 3 closed
# (bats waits for it otherwise).  Its pid, which is also its process group
# and session, goes into DIR/pgid.  The subshell has no job control, so the
# child does not lead a group and setsid(1) runs CMD in place, without a
# fork: $! is CMD's pid.
_svc_spawn() {
	local dir=$1
	shift
	(
		setsid "$@" </dev/null >"$dir/server.log" 2>&1 3>&- &
		printf '%s\n' "$!" >"$dir/pgid"
	)
}

# _svc_logs DIR: print the logs of the instance in DIR (last 40 lines of
# each *.log) on stderr.
_svc_logs() {
	local f
	for f in "$1"/*.log "$1"/*/*.log; do
		[[ -f $f ]] || continue
		printf -- '--- %s\n' "$f" >&2
		tail -n 40 "$f" >&2
	done
}

# _svc_run DIR CMD...: run a preparation command in the foreground, its
# output appended to DIR/prep.log.
_svc_run() {
	local dir=$1
	shift
	"$@" </dev/null >>"$dir/prep.log" 2>&1 3>&-
}

# Each _svc_start_NAME DIR PORT prepares DIR and spawns the server with
# _svc_spawn.  DIR is the instance's own directory (0711, ours).

_svc_start_ssh() {
	local dir=$1 port=$2
	# The privilege separation directory is compiled in; the package's
	# service unit normally creates it.
	if [[ ! -d /run/sshd ]]; then
		mkdir -m 0755 /run/sshd || return 1
	fi
	_svc_run "$dir" ssh-keygen -q -t ed25519 -N '' -C test-host-key \
		-f "$dir/ssh_host_ed25519_key" || return 1
	cat >"$dir/sshd_config" <<-EOF
		Port $port
		ListenAddress 127.0.0.1
		HostKey $dir/ssh_host_ed25519_key
		PidFile $dir/sshd.pid
		UsePAM no
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PubkeyAuthentication no
		PermitRootLogin no
		AuthorizedKeysFile none
		UseDNS no
		LogLevel INFO
	EOF
	_svc_spawn "$dir" /usr/sbin/sshd -D -e -f "$dir/sshd_config"
}

_svc_start_smtp() {
	local dir=$1 port=$2 user=Debian-exim
	id -u "$user" >/dev/null 2>&1 || user=exim
	mkdir -m 0750 "$dir/spool" "$dir/log" || return 1
	chown "$user:" "$dir/spool" "$dir/log" || return 1
	cat >"$dir/exim.conf" <<-EOF
		keep_environment =
		primary_hostname = test.invalid
		spool_directory = $dir/spool
		log_file_path = $dir/log/%s.log
		pid_file_path = $dir/exim.pid
		daemon_smtp_ports = $port
		local_interfaces = 127.0.0.1
		tls_advertise_hosts =
		host_lookup =
		rfc1413_hosts =
		acl_smtp_rcpt = acl_check_rcpt
		begin acl
		acl_check_rcpt:
		  deny
	EOF
	# -bdf: listening daemon in the foreground; no queue runner.
	_svc_spawn "$dir" /usr/sbin/exim4 -bdf -C "$dir/exim.conf"
}

_svc_start_ftp() {
	local dir=$1 port=$2
	mkdir -m 0755 "$dir/empty" || return 1
	cat >"$dir/vsftpd.conf" <<-EOF
		listen=YES
		listen_ipv6=NO
		listen_address=127.0.0.1
		listen_port=$port
		background=NO
		anonymous_enable=YES
		anon_root=$dir/empty
		no_anon_password=YES
		anon_upload_enable=NO
		anon_mkdir_write_enable=NO
		local_enable=NO
		write_enable=NO
		connect_from_port_20=NO
		secure_chroot_dir=$dir/empty
		xferlog_enable=NO
		vsftpd_log_file=$dir/vsftpd.log
		dual_log_enable=NO
		syslog_enable=NO
		nopriv_user=nobody
		ftp_username=nobody
		pam_service_name=vsftpd
		seccomp_sandbox=NO
		ssl_enable=NO
	EOF
	_svc_spawn "$dir" /usr/sbin/vsftpd "$dir/vsftpd.conf"
}

# _svc_start_dovecot DIR PORT PROTOCOL: one dovecot serving only PROTOCOL
# (imap, pop3, or sieve: ManageSieve, from dovecot-managesieved) on PORT.
_svc_start_dovecot() {
	local dir=$1 port=$2 proto=$3 login=$3-login
	[[ $proto == sieve ]] && login=managesieve-login
	mkdir -m 0755 "$dir/run" "$dir/state" "$dir/home" || return 1
	cat >"$dir/dovecot.conf" <<-EOF
		instance_name = test-$proto-$port
		base_dir = $dir/run
		state_dir = $dir/state
		log_path = $dir/dovecot.log
		protocols = $proto
		listen = 127.0.0.1
		ssl = no
		auth_mechanisms = plain
		disable_plaintext_auth = no
		default_internal_user = dovecot
		default_login_user = dovenull
		mail_location = maildir:~/Maildir
		passdb {
		  driver = static
		  args = password=unused-test-password
		}
		userdb {
		  driver = static
		  args = uid=nobody gid=nogroup home=$dir/home/%u
		}
		service $login {
		  inet_listener $proto {
		    address = 127.0.0.1
		    port = $port
		  }
		}
		service anvil {
		  chroot =
		}
	EOF
	_svc_dovecot_listeners_off "$proto" >>"$dir/dovecot.conf" || return 1
	_svc_spawn "$dir" /usr/sbin/dovecot -F -c "$dir/dovecot.conf"
}

# _svc_dovecot_listeners_off PROTOCOL: print the configuration that gives
# port 0 (no listener) to the TLS listener of imap or pop3 and to both
# listeners of the other one.  ManageSieve has no TLS listener, and imap and
# pop3 are not started beside it (they are not in "protocols").
_svc_dovecot_listeners_off() {
	local listener
	case $1 in
	imap) set -- imap-login:imaps pop3-login:pop3 pop3-login:pop3s ;;
	pop3) set -- pop3-login:pop3s imap-login:imap imap-login:imaps ;;
	*) return 0 ;;
	esac
	for listener; do
		printf 'service %s {\n  inet_listener %s {\n    port = 0\n  }\n}\n' \
			"${listener%%:*}" "${listener#*:}"
	done
}

_svc_start_pop() {
	_svc_start_dovecot "$1" "$2" pop3
}

_svc_start_imap() {
	_svc_start_dovecot "$1" "$2" imap
}

_svc_start_sieve() {
	_svc_start_dovecot "$1" "$2" sieve
}

_svc_start_nntp() {
	local dir=$1 port=$2 d
	for d in etc db run spool log tmp over; do
		mkdir -m 0755 "$dir/$d" || return 1
	done
	cat >"$dir/etc/inn.conf" <<-EOF
		domain: test.invalid
		pathhost: test.invalid
		fromhost: test.invalid
		server: 127.0.0.1
		mta: "/bin/true"
		organization: "check_tcpport tests"
		ovmethod: tradindexed
		hismethod: hisv6
		readerswhenstopped: true
		pathnews: /usr/lib/news
		patharchive: $dir/spool
		pathdb: $dir/db
		pathetc: $dir/etc
		pathhttp: $dir/tmp
		pathincoming: $dir/spool
		pathlog: $dir/log
		pathoutgoing: $dir/spool
		pathoverview: $dir/over
		pathrun: $dir/run
		pathspool: $dir/spool
		pathtmp: $dir/tmp
	EOF
	cat >"$dir/etc/readers.conf" <<-'EOF'
		auth "all" {
		  hosts: "*"
		  default: "<all>"
		}
		access "all" {
		  users: "*"
		  newsgroups: "*"
		  access: R
		}
	EOF
	cat >"$dir/etc/storage.conf" <<-'EOF'
		method tradspool {
		  newsgroups: *
		  class: 0
		}
	EOF
	printf 'junk 0000000000 0000000001 n\n' >"$dir/db/active"
	: >"$dir/db/active.times"
	: >"$dir/db/newsgroups"
	chown -R news:news "$dir/etc" "$dir/db" "$dir/run" "$dir/spool" \
		"$dir/log" "$dir/tmp" "$dir/over" || return 1
	# An overview index, else every reader is told "400 unavailable".
	_svc_run "$dir" env INNCONF="$dir/etc/inn.conf" \
		setpriv --reuid=news --regid=news --init-groups -- \
		/usr/lib/news/bin/tdx-util -c -n junk || return 1
	# nnrpd as a standalone daemon (-D), in the foreground (-f).
	_svc_spawn "$dir" env INNCONF="$dir/etc/inn.conf" \
		setpriv --reuid=news --regid=news --init-groups -- \
		/usr/lib/news/bin/nnrpd -D -f -b 127.0.0.1 -p "$port"
}

_svc_start_http() {
	_svc_start_nginx "$1" "$2" ''
}

# http-proxy: nginx behind an imaginary proxy: its listeners (127.0.0.1,
# [::1] and the Unix socket DIR/http.sock) take the PROXY protocol header
# (versions 1 and 2) first, and access.log has one line per request:
# the addresses and ports of the header (source, then destination; "-"
# when it gave none), then the connection's own peer as the kernel saw it.
_svc_start_http-proxy() {
	_svc_start_nginx "$1" "$2" proxy_protocol
}

# _svc_start_nginx DIR PORT PROXY: nginx serving DIR/www on 127.0.0.1:PORT;
# with PROXY "proxy_protocol", on [::1]:PORT and DIR/http.sock too, every
# listener expecting the PROXY protocol header.
_svc_start_nginx() {
	local dir=$1 port=$2 proxy=$3 user="" listen log level=""
	mkdir -m 0755 "$dir/www" "$dir/tmp" || return 1
	printf 'check_tcpport test page\n' >"$dir/www/index.html"
	[[ $EUID -eq 0 ]] && user="user nobody nogroup;"
	listen="listen 127.0.0.1:$port;"
	log="access_log $dir/access.log;"
	if [[ -n $proxy ]]; then
		printf -v listen '%s\n    ' "listen 127.0.0.1:$port $proxy;" \
			"listen [::1]:$port $proxy;" \
			"listen unix:$dir/http.sock $proxy;"
		log='$proxy_protocol_addr $proxy_protocol_port'
		log+=' $proxy_protocol_server_addr $proxy_protocol_server_port'
		log+=' $remote_addr $remote_port'
		printf -v log '%s\n  ' "log_format proxied '$log';" \
			"access_log $dir/access.log proxied;"
		# what nginx says of a connection without a header
		level=info
	fi
	cat >"$dir/nginx.conf" <<-EOF
		daemon off;
		master_process on;
		worker_processes 1;
		$user
		pid $dir/nginx.pid;
		error_log $dir/error.log $level;
		events {
		  worker_connections 64;
		}
		http {
		  $log
		  client_body_temp_path $dir/tmp/body;
		  proxy_temp_path $dir/tmp/proxy;
		  fastcgi_temp_path $dir/tmp/fastcgi;
		  uwsgi_temp_path $dir/tmp/uwsgi;
		  scgi_temp_path $dir/tmp/scgi;
		  server {
		    $listen
		    root $dir/www;
		  }
		}
	EOF
	# -e: the error log used before the configuration is read.
	_svc_spawn "$dir" /usr/sbin/nginx -p "$dir/" -e "$dir/error.log" \
		-c "$dir/nginx.conf"
}

_svc_start_redis() {
	local dir=$1 port=$2
	_svc_spawn "$dir" /usr/bin/redis-server --port "$port" \
		--bind 127.0.0.1 --save '' --appendonly no --daemonize no \
		--dir "$dir" --logfile '' --supervised no
}

_svc_start_memcached() {
	local dir=$1 port=$2 user=()
	[[ $EUID -eq 0 ]] && user=(-u nobody)
	_svc_spawn "$dir" /usr/bin/memcached -l 127.0.0.1 -p "$port" -U 0 \
		-m 16 "${user[@]}"
}

_svc_start_postgres() {
	local dir=$1 port=$2 bin
	bin=$(_svc_postgres_bindir) || return 1
	mkdir -m 0700 "$dir/data" || return 1
	mkdir -m 0755 "$dir/socket" || return 1
	chown postgres: "$dir/data" "$dir/socket" || return 1
	_svc_run "$dir" setpriv --reuid=postgres --regid=postgres \
		--init-groups -- "$bin/initdb" -D "$dir/data" -U postgres \
		--auth=trust --encoding=UTF8 --no-locale --no-sync ||
		return 1
	_svc_spawn "$dir" setpriv --reuid=postgres --regid=postgres \
		--init-groups -- "$bin/postgres" -D "$dir/data" \
		-k "$dir/socket" -p "$port" -c listen_addresses=127.0.0.1 \
		-c fsync=off -c logging_collector=off -c shared_buffers=16MB
}

# --skip-grant-tables: with --skip-name-resolve a client from 127.0.0.1
# matches no account of a fresh install (only root@localhost and friends),
# and the server answers with an error packet (0xff, 1130 "Host '127.0.0.1'
# is not allowed to connect") instead of its greeting.
_svc_start_mysql() {
	local dir=$1 port=$2
	mkdir -m 0750 "$dir/data" || return 1
	mkdir -m 0755 "$dir/run" || return 1
	chown mysql: "$dir/data" "$dir/run" || return 1
	_svc_run "$dir" mariadb-install-db --no-defaults --user=mysql \
		--datadir="$dir/data" --auth-root-authentication-method=socket \
		--skip-test-db --skip-name-resolve || return 1
	_svc_spawn "$dir" /usr/sbin/mariadbd --no-defaults --user=mysql \
		--datadir="$dir/data" --socket="$dir/run/mysqld.sock" \
		--pid-file="$dir/run/mysqld.pid" --port="$port" \
		--bind-address=127.0.0.1 --skip-log-bin --skip-name-resolve \
		--skip-grant-tables \
		--innodb-buffer-pool-size=16M --innodb-log-file-size=8M \
		--log-error="$dir/mariadbd.log"
}

_svc_start_ldap() {
	local dir=$1 port=$2
	mkdir -m 0700 "$dir/db" || return 1
	cat >"$dir/slapd.conf" <<-EOF
		include /etc/ldap/schema/core.schema
		pidfile $dir/slapd.pid
		argsfile $dir/slapd.args
		modulepath /usr/lib/ldap
		moduleload back_mdb
		database mdb
		maxsize 16777216
		suffix "dc=test,dc=invalid"
		rootdn "cn=admin,dc=test,dc=invalid"
		directory $dir/db
	EOF
	# -d 0: stay in the foreground, no debug output.
	_svc_spawn "$dir" /usr/sbin/slapd -d 0 -f "$dir/slapd.conf" \
		-h "ldap://127.0.0.1:$port/"
}

# Prosody as its own user, serving the host "localhost" on our port only
# (no s2s, no HTTP), logging at info level (Debian's default for its log
# file) into log/.  The empty certs/ keeps it from logging an error about a
# missing directory at startup; without a certificate it offers no TLS.
_svc_start_xmpp() {
	local dir=$1 port=$2
	mkdir -m 0755 "$dir/log" "$dir/data" "$dir/certs" || return 1
	chown prosody: "$dir/log" "$dir/data" || return 1
	cat >"$dir/prosody.cfg.lua" <<-EOF
		pidfile = "$dir/log/prosody.pid"
		data_path = "$dir/data"
		certificates = "$dir/certs"
		log = { info = "$dir/log/prosody.log" }
		interfaces = { "127.0.0.1" }
		c2s_ports = { $port }
		c2s_interfaces = { "127.0.0.1" }
		c2s_direct_tls_ports = { }
		legacy_ssl_ports = { }
		modules_enabled = { }
		modules_disabled = { "s2s" }
		VirtualHost "localhost"
	EOF
	_svc_spawn "$dir" setpriv --reuid=prosody --regid=prosody \
		--init-groups -- /usr/bin/prosody -F --config "$dir/prosody.cfg.lua"
}

# clamd in the foreground as the clamav user, on our TCP port only (no
# local socket), with a database of one signature of our own: the MD5 of a
# line of text (a .hdb line: hash, size, name), so it starts in a moment and
# nothing is downloaded.  LogVerbose: clamd would log what a probe did.
_svc_start_clamd() {
	local dir=$1 port=$2 sum
	mkdir -m 0755 "$dir/db" "$dir/log" || return 1
	printf 'check_tcpport test sample\n' >"$dir/sample"
	sum=$(md5sum <"$dir/sample") || return 1
	printf '%s:%s:CheckTcpport.Test.Sample\n' "${sum%% *}" \
		"$(stat -c %s "$dir/sample")" >"$dir/db/test.hdb"
	chown -R clamav: "$dir/db" "$dir/log" || return 1
	cat >"$dir/clamd.conf" <<-EOF
		Foreground yes
		User clamav
		TCPSocket $port
		TCPAddr 127.0.0.1
		DatabaseDirectory $dir/db
		LogFile $dir/log/clamd.log
		LogTime yes
		LogVerbose yes
		PidFile $dir/log/clamd.pid
	EOF
	_svc_spawn "$dir" /usr/sbin/clamd --config-file="$dir/clamd.conf"
}

# rsync --daemon in the foreground, one read-only module of an empty
# directory, no chroot, its log file in DIR.
_svc_start_rsync() {
	local dir=$1 port=$2
	mkdir -m 0755 "$dir/module" || return 1
	cat >"$dir/rsyncd.conf" <<-EOF
		use chroot = no
		address = 127.0.0.1
		pid file = $dir/rsyncd.pid
		log file = $dir/rsyncd.log
		[test]
		path = $dir/module
		read only = yes
	EOF
	_svc_spawn "$dir" /usr/bin/rsync --daemon --no-detach --port="$port" \
		--config="$dir/rsyncd.conf"
}

# git daemon serving DIR/repos, where the empty bare repository r.git is
# exported; --verbose logs each connection, request and disconnection (with
# "(with error)" when the request failed) on stderr, DIR/server.log.  No
# system or user git configuration is read.
_svc_start_git() {
	local dir=$1 port=$2
	mkdir -m 0755 "$dir/repos" || return 1
	_svc_run "$dir" env GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
		/usr/bin/git init -q --bare "$dir/repos/r.git" || return 1
	: >"$dir/repos/r.git/git-daemon-export-ok"
	_svc_spawn "$dir" env GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
		/usr/bin/git daemon --listen=127.0.0.1 --port="$port" --reuseaddr \
		--verbose --log-destination=stderr --base-path="$dir/repos" \
		"$dir/repos"
}

# The telnet server: inetutils telnetd started per connection by
# inetutils-inetd on our port, as Debian runs it.  telnetd logs only through
# syslog(3), to /dev/log, so the pair runs in a mount namespace of its own
# whose /dev (a tmpfs holding the host's null, zero, tty... and pts) has a
# /dev/log that leads to our own syslogd's socket; syslogd writes every
# message to log/all.log and those of priority warning and above also to
# log/warning.log.  Nothing outside the namespace changes.
# shellcheck disable=SC2016 # expanded by the bash that runs it
_SVC_TELNET_NS='d=$1
mount --rbind /dev "$d/dev" &&
	mount -t tmpfs -o mode=0755,size=64k tmpfs /dev || exit 1
for n in null zero full random urandom tty; do
	: >"/dev/$n" && mount --bind "$d/dev/$n" "/dev/$n" || exit 1
done
mkdir /dev/pts && mount --rbind "$d/dev/pts" /dev/pts || exit 1
ln -s pts/ptmx /dev/ptmx && ln -s "$d/log.sock" /dev/log || exit 1
exec /usr/sbin/inetutils-inetd -d --pidfile="$d/inetd.pid" "$d/inetd.conf"'
# shellcheck disable=SC2016
_SVC_TELNET='d=$1
/usr/sbin/syslogd -n --no-klog -m 0 -f "$d/syslog.conf" -p "$d/log.sock" \
	-P "$d/syslogd.pid" &
for _ in {1..500}; do
	[[ -S $d/log.sock ]] && break
	sleep 0.01
done
exec unshare --mount --propagation private -- bash -c "$2" _ "$d"'

_svc_start_telnet() {
	local dir=$1 port=$2
	mkdir -m 0755 "$dir/log" "$dir/dev" || return 1
	printf '*.debug\t%s\n*.warning\t%s\n' "$dir/log/all.log" \
		"$dir/log/warning.log" >"$dir/syslog.conf"
	: >"$dir/log/all.log"
	: >"$dir/log/warning.log"
	printf '127.0.0.1:%s stream tcp nowait root /usr/sbin/telnetd telnetd\n' \
		"$port" >"$dir/inetd.conf"
	_svc_spawn "$dir" bash -c "$_SVC_TELNET" _ "$dir" "$_SVC_TELNET_NS"
}

# log_type all: the log tells a client that sent DISCONNECT ("Client ID
# disconnected.") from one that just closed ("Client ID closed its
# connection."); mosquitto writes it as its own user.
_svc_start_mqtt() {
	local dir=$1 port=$2
	mkdir -m 0755 "$dir/log" || return 1
	if [[ $EUID -eq 0 ]]; then
		chown mosquitto: "$dir/log" || return 1
	fi
	cat >"$dir/mosquitto.conf" <<-EOF
		listener $port 127.0.0.1
		allow_anonymous true
		persistence false
		log_dest file $dir/log/mosquitto.log
		log_type all
		connection_messages true
	EOF
	_svc_spawn "$dir" /usr/sbin/mosquitto -c "$dir/mosquitto.conf"
}

# RabbitMQ, as its own user, with every file in DIR: no configuration, no
# plugins, the log in DIR/log/rabbit.log, the Erlang cookie in DIR/home.
# Its epmd is started by DIR/run.sh on a free port of its own (ERL_EPMD_PORT)
# in the server's process group, and the node waits for it, so that neither
# the system's epmd on 4369 is used nor a daemonized one is left behind;
# distribution listens on 127.0.0.1 only.
_svc_start_amqp() {
	local dir=$1 port=$2 epmd_port dist_port
	epmd_port=$(free_port) || return 1
	dist_port=$(free_port) || return 1
	mkdir -m 0755 "$dir/home" "$dir/mnesia" "$dir/log" || return 1
	# The node lists the parent of its working directory at boot (an
	# [error] eacces in its log when it cannot): DIR is readable.
	chmod 0755 "$dir" || return 1
	: >"$dir/rabbitmq-env.conf"
	cat >"$dir/run.sh" <<-EOF
		#!/bin/sh
		cd "$dir/home" || exit 1
		epmd -port $epmd_port -address 127.0.0.1 &
		i=0
		until epmd -port $epmd_port -names >/dev/null 2>&1; do
		    i=\$((i + 1))
		    [ \$i -lt 500 ] || exit 1
		    sleep 0.02
		done
		exec /usr/lib/rabbitmq/bin/rabbitmq-server
	EOF
	if [[ $EUID -eq 0 ]]; then
		chown -R rabbitmq: "$dir/home" "$dir/mnesia" "$dir/log" || return 1
	fi
	_svc_spawn "$dir" env HOME="$dir/home" LC_ALL=C.UTF-8 \
		RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" \
		RABBITMQ_CONFIG_FILE="$dir/rabbitmq" \
		RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
		RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
		RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
		RABBITMQ_LOGS="$dir/log/rabbit.log" \
		RABBITMQ_PID_FILE="$dir/home/rabbit.pid" \
		RABBITMQ_NODENAME="rabbit-test-$port@localhost" \
		RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$port" \
		RABBITMQ_DIST_PORT="$dist_port" \
		RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
		ERL_EPMD_PORT="$epmd_port" ERL_EPMD_ADDRESS=127.0.0.1 \
		setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups -- \
		sh "$dir/run.sh"
}

# -VV: a log line for each command and reply, so the log shows the quit.
_svc_start_beanstalkd() {
	local dir=$1 port=$2 user=()
	[[ $EUID -eq 0 ]] && user=(-u nobody)
	_svc_spawn "$dir" /usr/bin/beanstalkd -l 127.0.0.1 -p "$port" -VV \
		"${user[@]}"
}

# _svc_start_timeout NAME: print the seconds NAME's server may take to
# accept: SERVICE_START_TIMEOUT, or for an Erlang node (amqp) the larger of
# it and SERVICE_START_TIMEOUT_AMQP.
_svc_start_timeout() {
	local t=$SERVICE_START_TIMEOUT
	if [[ $1 == amqp ]] && ((SERVICE_START_TIMEOUT_AMQP > t)); then
		t=$SERVICE_START_TIMEOUT_AMQP
	fi
	printf '%s\n' "$t"
}

# _svc_wait DIR PORT DEADLINE_MS: wait until 127.0.0.1:PORT accepts while
# the group in DIR/pgid lives.  Returns 0 when it accepts, 1 when the
# server died, 2 at the deadline.
_svc_wait() {
	local dir=$1 port=$2 deadline=$3 pgid
	pgid=$(<"$dir/pgid")
	while :; do
		if ! _svc_alive "$pgid"; then
			return 1
		fi
		if _svc_accepts "$port"; then
			return 0
		fi
		if (($(_svc_now_ms) > deadline)); then
			return 2
		fi
		sleep 0.02
	done
}

# _svc_stop_group PGID NAME: ask the server of group PGID to stop (KILL is
# services_stop's job).  PostgreSQL: SIGINT, its fast shutdown (SIGTERM
# waits for clients, and its checkpointer ignores SIGTERM).
_svc_stop_group() {
	local sig=TERM
	[[ ${2:-} == postgres ]] && sig=INT
	kill "-$sig" -- "-$1" 2>/dev/null || kill "-$sig" "$1" 2>/dev/null ||
		true
}

# service_start NAME: start our own instance of NAME on 127.0.0.1 on a free
# port; print the port once it accepts connections.
service_start() {
	local name=${1:-} state dir port attempt deadline rc pgid start timeout
	[[ $# -eq 1 ]] || _svc_fail "usage: service_start NAME" || return 1
	_svc_problem "$name" >/dev/null ||
		_svc_fail "$(_svc_problem "$name")" || return 1
	state=$(_svc_state_dir) || return 1
	timeout=$(_svc_start_timeout "$name")
	start=$(_svc_now_ms)
	deadline=$((start + timeout * 1000))
	for attempt in 1 2 3; do
		port=$(free_port) || return 1
		dir=$(mktemp -d "$state/$name.XXXXXX") || return 1
		chmod 0711 "$dir" || return 1
		printf '%s\n' "$port" >"$dir/port"
		if ! "_svc_start_$name" "$dir" "$port"; then
			_svc_fail "$name: could not prepare or start (in $dir)" || true
			_svc_logs "$dir"
			[[ -e $dir/pgid ]] && _svc_stop_group "$(<"$dir/pgid")" "$name"
			[[ -e $dir/pgid ]] &&
				printf '%s %s %s %s\n' "$(<"$dir/pgid")" "$name" \
					"$port" "$dir" >>"$state/instances"
			return 1
		fi
		pgid=$(<"$dir/pgid")
		printf '%s %s %s %s\n' "$pgid" "$name" "$port" "$dir" \
			>>"$state/instances"
		rc=0
		_svc_wait "$dir" "$port" "$deadline" || rc=$?
		if ((rc == 0)); then
			printf '%s\n' "$(($(_svc_now_ms) - start))" >"$dir/start_ms"
			printf '%s\n' "$port"
			return 0
		fi
		_svc_stop_group "$pgid" "$name"
		# A lost race for the port: try another one.
		if ((rc == 1)) && ((attempt < 3)) &&
			grep -qsi 'address already in use\|EADDRINUSE\|errno: 98' \
				"$dir"/*.log "$dir"/*/*.log; then
			continue
		fi
		if ((rc == 1)); then
			_svc_fail "$name exited before accepting on 127.0.0.1:$port" \
				"(in $dir)" || true
		else
			_svc_fail "$name did not accept on 127.0.0.1:$port within" \
				"$timeout s (in $dir)" || true
		fi
		_svc_logs "$dir"
		return 1
	done
	return 1
}

# service_dir PORT: print the directory of the instance started on PORT.
service_dir() {
	local pgid name port dir
	[[ -f $SERVICES_DIR/instances ]] || return 1
	while read -r pgid name port dir; do
		[[ $port == "${1:-}" ]] && printf '%s\n' "$dir" && return 0
	done <"$SERVICES_DIR/instances"
	_svc_fail "no instance on port ${1:-}"
}

# _svc_log_sizes DIR: the size and name of each log file in DIR, one a line.
_svc_log_sizes() {
	local f
	for f in "$1"/*.log "$1"/*/*.log; do
		[[ -f $f ]] || continue
		printf '%s %s\n' "$(stat -c %s "$f")" "$f"
	done
}

# service_log_mark PORT: remember where the logs of the instance on PORT end
# now, so that service_log_since shows only what comes later.  It first waits
# (5 s at most) until the logs have not grown for 300 ms: a server can log the
# start-up check's connection late, and that line is not the probe's.
service_log_mark() {
	local dir sizes last deadline quiet_since now
	dir=$(service_dir "$1") || return 1
	deadline=$(($(_svc_now_ms) + 5000))
	last=$(_svc_log_sizes "$dir")
	quiet_since=$(_svc_now_ms)
	while :; do
		sleep 0.05
		sizes=$(_svc_log_sizes "$dir")
		now=$(_svc_now_ms)
		if [[ $sizes != "$last" ]]; then
			last=$sizes quiet_since=$now
		fi
		((now - quiet_since >= 300 || now > deadline)) && break
	done
	printf '%s\n' "$last" >"$dir/log_mark"
}

# _svc_log_new DIR: print the lines written to the logs in DIR since the
# mark (whole files that are new since then).
_svc_log_new() {
	local dir=$1 f size
	for f in "$dir"/*.log "$dir"/*/*.log; do
		[[ -f $f ]] || continue
		size=$(sed -n "s|^\([0-9]*\) $f\$|\1|p" "$dir/log_mark")
		tail -c "+$((${size:-0} + 1))" "$f"
	done
}

# service_log_since PORT REGEX: wait (5 s at most) until the lines logged by
# the instance on PORT since service_log_mark match the extended REGEX (the
# server's record of the probe's connection, so the probe is all in), then
# print them.  Returns 1, printing what came, at the deadline.
service_log_since() {
	local dir deadline new
	dir=$(service_dir "$1") || return 1
	deadline=$(($(_svc_now_ms) + 5000))
	while :; do
		new=$(_svc_log_new "$dir")
		if [[ $new =~ $2 ]]; then
			printf '%s\n' "$new"
			return 0
		fi
		if (($(_svc_now_ms) > deadline)); then
			printf '%s\n' "$new"
			_svc_fail "no log line matching '$2' from port $1"
			return 1
		fi
		sleep 0.02
	done
}

# services_stop: stop every instance started from this state directory and
# wait until all their processes are gone (KILL after the deadline).
services_stop() {
	local list=$SERVICES_DIR/instances pgid name port dir deadline left
	local pgids=() dirs=() p
	if [[ ! -f $list ]]; then
		if [[ -n $_SERVICES_DIR_OWNED ]]; then
			rmdir -- "$SERVICES_DIR" 2>/dev/null || true
		fi
		return 0
	fi
	while read -r pgid name port dir; do
		[[ $pgid =~ ^[0-9]+$ ]] || continue
		pgids+=("$pgid")
		dirs+=("$dir")
		_svc_stop_group "$pgid" "$name"
	done <"$list"
	deadline=$(($(_svc_now_ms) + SERVICE_STOP_TIMEOUT * 1000))
	while :; do
		left=()
		for p in "${pgids[@]}"; do
			_svc_alive "$p" && left+=("$p")
		done
		((${#left[@]} == 0)) && break
		if (($(_svc_now_ms) > deadline)); then
			for p in "${left[@]}"; do
				kill -KILL -- "-$p" 2>/dev/null ||
					kill -KILL "$p" 2>/dev/null || true
			done
			_svc_fail "killed after ${SERVICE_STOP_TIMEOUT} s:" \
				"process groups ${left[*]}" || true
			sleep 0.1
			break
		fi
		sleep 0.05
	done
	rm -f "$list"
	if [[ -n $_SERVICES_DIR_OWNED ]]; then
		for p in "${dirs[@]}"; do
			[[ $p == "$SERVICES_DIR"/* ]] && rm -rf -- "$p"
		done
		rmdir -- "$SERVICES_DIR" 2>/dev/null || true
	fi
	return 0
}
