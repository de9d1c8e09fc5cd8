#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# ./bootstrap and build-aux/install-deps on fakes: apt-get, dpkg-query, dpkg, systemctl,
# update-rc.d, id, locale, locale-gen and invoke-rc.d are scripts in a scratch directory
# that log their arguments and keep a pretend package database. Nothing is installed,
# started or changed on this machine.

bats_require_minimum_version 1.5.0

setup() {
	top=$(cd "${TESTS_SRCDIR:-$BATS_TEST_DIRNAME}/.." && pwd)
	deps=$top/build-aux/install-deps
	export FAKE=$BATS_TEST_TMPDIR/fake
	mkdir -p "$FAKE/bin" "$FAKE/units" "$FAKE/systemd"
	echo dpkg >"$FAKE/installed" # dpkg-query lists at least dpkg on Debian
	: >"$FAKE/config-files"
	: >"$FAKE/deps"
	: >"$FAKE/log"
	make_fakes
	export PATH="$FAKE/bin:$PATH"
	export BOOTSTRAP_POLICY_RC_D=$FAKE/policy-rc.d
	export BOOTSTRAP_RECORD=$FAKE/record
	export BOOTSTRAP_SYSTEMD_DIR=$FAKE/systemd
	export BOOTSTRAP_LOCALE_GEN=$FAKE/locale.gen
	export FAKE_UID=0
	printf '# de_DE.UTF-8 UTF-8\n# en_US.UTF-8 UTF-8\n' >"$FAKE/locale.gen"
	# The real commands would install on this machine: stop unless the fakes answer.
	local cmd
	for cmd in apt-get dpkg-query dpkg systemctl update-rc.d invoke-rc.d id locale locale-gen; do
		[ "$(command -v "$cmd")" = "$FAKE/bin/$cmd" ] || return 1
	done
	service_packages=$(sed -n 's/^SERVICE_PACKAGES="\(.*\)"$/\1/p' "$top/tests/helpers/services.bash")
	consumer_packages=$(sed -n 's/^CONSUMERS_PACKAGES="\(.*\)"$/\1/p' "$top/tests/helpers/consumers.bash")
	[ -n "$service_packages" ] && [ -n "$consumer_packages" ]
}

# make_fakes: the fake commands in $FAKE/bin. $FAKE/installed is dpkg's database (one
# package a line); $FAKE/deps lines "PKG: DEP..." are what installing PKG pulls in;
# $FAKE/units/PKG is what `dpkg -L PKG` lists beside a binary; $FAKE/removes lists what
# `apt-get -s install` says it would remove; $FAKE/config-files lists the packages
# removed with their configuration files kept ("rc"). FAKE_APT_SIGNAL: apt-get sends
# that signal to install-deps after installing; FAKE_DPKG_QUERY_LIST_FAIL: dpkg-query
# without names fails; FAKE_SYSTEMCTL_FAIL="VERB UNIT": that systemctl call fails.
make_fakes() {
	cat >"$FAKE/bin/apt-get" <<-'EOF'
		#!/bin/bash
		echo "apt-get $*" >>"$FAKE/log"
		simulate=false pkgs=()
		for a in "$@"; do
			case $a in
			update) exit 0 ;;
			-s) simulate=true ;;
			install | -*) ;;
			*) pkgs+=("$a") ;;
			esac
		done
		if $simulate; then
			printf 'Inst %s (1.0 Debian:12/stable [amd64])\n' "${pkgs[@]}"
			[ ! -f "$FAKE/removes" ] || sed 's/.*/Remv & [1.0]/' "$FAKE/removes"
			exit 0
		fi
		echo "FAKE apt-get installing"
		if [ -x "$BOOTSTRAP_POLICY_RC_D" ]; then
			"$BOOTSTRAP_POLICY_RC_D" ssh.service start
			echo "during install: policy-rc.d exits $?" >>"$FAKE/log"
		else
			echo "during install: no policy-rc.d" >>"$FAKE/log"
		fi
		for p in "${pkgs[@]}"; do
			echo "$p"
			sed -n "s/^$p: //p" "$FAKE/deps" | tr ' ' '\n'
		done | sed '/^$/d' >>"$FAKE/installed"
		# a postinst starts its service through invoke-rc.d
		for p in "${pkgs[@]}"; do
			[ ! -f "$FAKE/units/$p" ] || invoke-rc.d "$p" start
		done
		if [ -n "${FAKE_APT_HALF:-}" ]; then # its postinst failed: left half configured
			grep -vxF "$FAKE_APT_HALF" "$FAKE/installed" >"$FAKE/installed.new"
			mv "$FAKE/installed.new" "$FAKE/installed"
			echo "$FAKE_APT_HALF" >>"$FAKE/half"
		fi
		[ -z "${FAKE_APT_SIGNAL:-}" ] || kill -s "$FAKE_APT_SIGNAL" "$PPID"
		[ -z "${FAKE_APT_FAIL:-}" ] || exit 100
	EOF
	cat >"$FAKE/bin/invoke-rc.d" <<-'EOF'
		#!/bin/bash
		if [ -x "$BOOTSTRAP_POLICY_RC_D" ]; then
			"$BOOTSTRAP_POLICY_RC_D" "$@"
			[ $? -ne 101 ] || { echo "invoke-rc.d $*: refused" >>"$FAKE/log"; exit 0; }
		fi
		echo "invoke-rc.d $*: STARTED" >>"$FAKE/log"
	EOF
	cat >"$FAKE/bin/dpkg-query" <<-'EOF'
		#!/bin/bash
		echo "dpkg-query $*" >>"$FAKE/log"
		names=() status=0
		for a in "$@"; do
			case $a in -W | -f=*) ;; *) names+=("$a") ;; esac
		done
		if [ ${#names[@]} -eq 0 ]; then
			if [ -n "${FAKE_DPKG_QUERY_LIST_FAIL:-}" ]; then
				echo "dpkg-query: error: cannot read the status database" >&2
				exit 2
			fi
			mapfile -t names < <(cat "$FAKE/installed" "$FAKE/config-files" "$FAKE/half" 2>/dev/null | sort -u)
		fi
		for n in "${names[@]}"; do
			if grep -qxF "$n" "$FAKE/installed"; then
				echo "install ok installed $n"
			elif grep -qxsF "$n" "$FAKE/half"; then
				echo "install ok half-configured $n"
			elif grep -qxF "$n" "$FAKE/config-files"; then
				echo "deinstall ok config-files $n"
			else
				echo "dpkg-query: no packages found matching $n" >&2
				status=1
			fi
		done
		exit $status
	EOF
	cat >"$FAKE/bin/dpkg" <<-'EOF'
		#!/bin/bash
		echo "dpkg $*" >>"$FAKE/log"
		[ "$1" = -L ] || exit 2
		echo "/usr/sbin/$2"
		[ ! -f "$FAKE/units/$2" ] || cat "$FAKE/units/$2"
	EOF
	cat >"$FAKE/bin/systemctl" <<-'EOF'
		#!/bin/bash
		echo "systemctl $*" >>"$FAKE/log"
		case " $* " in
		*" ${FAKE_SYSTEMCTL_FAIL:-no such call} "*)
			echo "Failed to $2 unit: Access denied" >&2
			exit 1
			;;
		esac
		if [ "$1" = is-enabled ]; then
			! grep -qxsF "$2" "$FAKE/masked" || echo masked
			exit 0
		fi
		[ "$2" != mask ] || echo "Created symlink /etc/systemd/system/$3 -> /dev/null." >&2
	EOF
	cat >"$FAKE/bin/update-rc.d" <<-'EOF'
		#!/bin/bash
		echo "update-rc.d $*" >>"$FAKE/log"
	EOF
	cat >"$FAKE/bin/id" <<-'EOF'
		#!/bin/bash
		[ "$1" = -u ] && echo "$FAKE_UID"
	EOF
	cat >"$FAKE/bin/locale" <<-'EOF'
		#!/bin/bash
		printf 'C\nC.utf8\nPOSIX\n'
		[ ! -f "$FAKE/has_de" ] || echo de_DE.utf8
	EOF
	cat >"$FAKE/bin/locale-gen" <<-'EOF'
		#!/bin/bash
		echo "locale-gen $*" >>"$FAKE/log"
	EOF
	chmod +x "$FAKE"/bin/*
}

# install_line: the arguments of the real (not simulated) apt-get install.
install_line() {
	grep '^apt-get install ' "$FAKE/log" | sed 's/^apt-get install -y -q --no-install-recommends //'
}

# has_word LIST WORD: WORD is one of the words of LIST.
has_word() {
	[[ " $1 " == *" $2 "* ]]
}

# the units of some packages, in both places Debian puts them, and a dependency
fake_units() {
	printf '/lib/systemd/system/ssh.service\n/lib/systemd/system/ssh.socket\n/lib/systemd/system/ssh@.service\n' \
		>"$FAKE/units/openssh-server"
	printf '/lib/systemd/system/nginx.service\n/lib/systemd/system/nginx.service.d\n' >"$FAKE/units/nginx"
	printf '/usr/lib/systemd/system/redis-server.service\n/usr/lib/systemd/system/redis-server@.service\n' \
		>"$FAKE/units/redis-server"
	printf '/lib/systemd/system/dovecot.service\n/lib/systemd/system/dovecot.socket\n/usr/lib/tmpfiles.d/dovecot.conf\n' \
		>"$FAKE/units/dovecot-core"
	printf '/lib/systemd/system/exim4-base.timer\n/lib/systemd/system/exim4-base.conf\n' >"$FAKE/units/exim4-base"
	echo 'dovecot-imapd: dovecot-core' >>"$FAKE/deps"
	echo 'exim4-daemon-light: exim4-base' >>"$FAKE/deps"
}

# init scripts without a systemd unit of their name, as slapd and exim4-base ship them
fake_init_scripts() {
	echo /etc/init.d/slapd >>"$FAKE/units/slapd"
	echo /etc/init.d/exim4 >>"$FAKE/units/exim4-base"
}

# reset_fakes: the package database, the log and the record as before a first run.
reset_fakes() {
	echo dpkg >"$FAKE/installed"
	: >"$FAKE/log"
	rm -f "$BOOTSTRAP_RECORD" "$BOOTSTRAP_POLICY_RC_D"
}

@test "plain: installs exactly the build tools, no server, no monitoring system, no policy-rc.d" {
	run -0 sh "$deps"
	run -0 install_line
	[ "$output" = "gcc libc6-dev make autoconf automake autoconf-archive" ]
	local pkg
	for pkg in $service_packages $consumer_packages bats locales; do
		! grep -qw -- "$pkg" "$FAKE/log" || { echo "asked for $pkg"; cat "$FAKE/log"; return 1; }
	done
	grep -qx 'during install: no policy-rc.d' "$FAKE/log"
	run ! grep -E '^(systemctl|locale-gen)' "$FAKE/log"
	[ "$(cat "$FAKE/locale.gen")" = "$(printf '# de_DE.UTF-8 UTF-8\n# en_US.UTF-8 UTF-8')" ]
}

@test "plain, everything there: apt-get is not called" {
	printf '%s\n' gcc libc6-dev make autoconf automake autoconf-archive >"$FAKE/installed"
	run -0 sh "$deps"
	[ "$output" = "" ]
	run ! grep '^apt-get' "$FAKE/log"
}

@test "an unknown argument is a usage error" {
	run -2 sh "$deps" --test
	[[ $output == *"usage: "*"[--tests]"* ]]
	run ! grep '^apt-get' "$FAKE/log"
}

@test "an argument after --tests is a usage error, not ignored" {
	run -2 sh "$deps" --tests extra
	[[ $output == *"usage: "*"[--tests]"* ]]
	run -2 sh "$deps" --tests --tests
	run ! grep -E '^(apt-get|dpkg-query)' "$FAKE/log"
}

@test "--tests: announces the servers and monitoring systems, then installs them with the test tools" {
	run -0 sh "$deps" --tests
	local install pkg announce_at install_at i
	install=$(install_line)
	for pkg in gcc bats nftables strace locales $service_packages $consumer_packages; do
		has_word "$install" "$pkg" || { echo "not asked for: $pkg"; return 1; }
	done
	# the announcement comes before apt-get installs
	for i in "${!lines[@]}"; do
		case ${lines[i]} in
		"  servers: $service_packages") announce_at=$i ;;
		"FAKE apt-get installing") install_at=$i ;;
		esac
	done
	[ -n "${announce_at:-}" ] && [ -n "${install_at:-}" ]
	[ "$announce_at" -lt "$install_at" ]
	# each package once (iproute2 is both a test tool and a consumer's)
	[ "$(tr ' ' '\n' <<<"$install" | sort | uniq -d)" = "" ]
	[[ $output == *"  monitoring systems: $consumer_packages"* ]]
	[[ $output == *"during the install a policy-rc.d refuses every start asked through"* ]]
}

@test "--tests: the announcement says which groups are installed already" {
	printf '%s\n' $service_packages >"$FAKE/installed"
	run -0 sh "$deps" --tests
	[[ $output == *"
  servers: (all installed already)
"* ]]
	run -0 install_line
	local pkg
	for pkg in $service_packages; do
		! has_word "$output" "$pkg" || { echo "asked again for $pkg"; return 1; }
	done
}

@test "--tests: a policy-rc.d that exits 101 is there during the install, gone after" {
	fake_units
	run -0 sh "$deps" --tests
	grep -qx 'during install: policy-rc.d exits 101' "$FAKE/log"
	[ ! -e "$BOOTSTRAP_POLICY_RC_D" ]
	grep -qx 'invoke-rc.d nginx start: refused' "$FAKE/log"
	run ! grep STARTED "$FAKE/log"
}

@test "--tests: a failed install still removes the policy-rc.d, masks and records what it installed" {
	fake_units
	FAKE_APT_FAIL=1 run -100 --separate-stderr sh "$deps" --tests
	[[ $stderr == *"install-deps: apt-get install failed (exit 100)"* ]]
	grep -qx 'during install: policy-rc.d exits 101' "$FAKE/log"
	[ ! -e "$BOOTSTRAP_POLICY_RC_D" ]
	grep -qx 'systemctl --no-reload mask nginx.service' "$FAKE/log"
	grep -q '^installed: .*nginx' "$BOOTSTRAP_RECORD"
	grep -q '^masked: .*nginx.service' "$BOOTSTRAP_RECORD"
}

@test "--tests: a policy-rc.d that was there is left as it was" {
	printf '#!/bin/sh\n# the administrator'"'"'s\nexit 0\n' >"$BOOTSTRAP_POLICY_RC_D"
	chmod 700 "$BOOTSTRAP_POLICY_RC_D"
	cp -p "$BOOTSTRAP_POLICY_RC_D" "$FAKE/policy.before"
	run -0 sh "$deps" --tests
	grep -qx 'during install: policy-rc.d exits 0' "$FAKE/log"
	cmp "$FAKE/policy.before" "$BOOTSTRAP_POLICY_RC_D"
	[ "$(stat -c %a "$BOOTSTRAP_POLICY_RC_D")" = 700 ]
	[[ $output == *"$BOOTSTRAP_POLICY_RC_D exists: left as it is"* ]]
}

@test "--tests: disables and masks only the units of the packages it installed, starts none" {
	fake_units
	echo openssh-server >"$FAKE/installed" # there before: its units are the user's
	run -0 sh "$deps" --tests
	run ! grep -E '^systemctl( --[a-z-]+)* (start|restart|enable|reload-or-restart|try-restart|reload)( |$)' "$FAKE/log"
	run -0 grep '^systemctl .*mask' "$FAKE/log"
	local masked
	masked=$(printf '%s\n' "${lines[@]}" | sed 's/^systemctl --no-reload mask //' | sort | tr '\n' ' ')
	[ "$masked" = "dovecot.service dovecot.socket exim4-base.timer nginx.service redis-server.service redis-server@.service " ]
	local unit
	for unit in dovecot.service dovecot.socket exim4-base.timer nginx.service redis-server.service redis-server@.service; do
		grep -qx "systemctl --no-reload disable $unit" "$FAKE/log"
	done
	run ! grep -E '^systemctl .*ssh' "$FAKE/log"
	grep -qx 'systemctl daemon-reload' "$FAKE/log"
	# a disable comes before the mask of the same unit, daemon-reload last
	[ "$(grep '^systemctl' "$FAKE/log" | tail -n 1)" = "systemctl daemon-reload" ]
	grep -A1 -x 'systemctl --no-reload disable nginx.service' "$FAKE/log" |
		grep -qx 'systemctl --no-reload mask nginx.service'
}

@test "--tests: where systemd does not run, the units are still disabled and masked (offline), no reload" {
	fake_units
	rm -r "$BOOTSTRAP_SYSTEMD_DIR"
	run -0 sh "$deps" --tests
	# the postinst enabled them even so: a later boot with systemd would start them
	grep -qx 'systemctl --no-reload mask dovecot.service' "$FAKE/log"
	grep -qx 'systemctl --no-reload disable nginx.service' "$FAKE/log"
	run ! grep -x 'systemctl daemon-reload' "$FAKE/log"
	run ! grep -E '^systemctl (start|restart|enable|reload)' "$FAKE/log"
	grep -q '^masked: dovecot.service ' "$BOOTSTRAP_RECORD"
}

@test "--tests: records what it installed and masked, and prints how to undo exactly that" {
	fake_units
	echo openssh-server >"$FAKE/installed"
	run -0 sh "$deps" --tests
	local new
	new=$(grep -vx openssh-server "$FAKE/installed" | sort -u | tr '\n' ' ')
	new=${new% }
	has_word "$new" dovecot-core # pulled in by dovecot-imapd
	run -0 grep -v '^#' "$BOOTSTRAP_RECORD"
	[ "${lines[0]}" = "installed: $new" ]
	[ "${lines[1]}" = "masked: dovecot.service dovecot.socket exim4-base.timer nginx.service redis-server.service redis-server@.service" ]
	[ "${#lines[@]}" -eq 2 ]
	run -0 sh "$deps" --tests # nothing is missing now: nothing more recorded
	[ "$(grep -c '^installed:' "$BOOTSTRAP_RECORD")" -eq 1 ]
	rm "$FAKE/installed"
	echo openssh-server >"$FAKE/installed"
	rm "$BOOTSTRAP_RECORD"
	run -0 sh "$deps" --tests
	[[ $output == *"
  systemctl unmask dovecot.service dovecot.socket exim4-base.timer nginx.service redis-server.service redis-server@.service
  apt-get purge $new"* ]]
	[[ $output != *"purge"*"openssh-server"* ]]
}

@test "--tests: the units systemd generates from the init scripts it installed (slapd, exim4) are disabled and masked" {
	fake_units
	fake_init_scripts
	echo openssh-server >>"$FAKE/installed"
	run -0 sh "$deps" --tests
	local unit
	for unit in slapd.service exim4.service; do
		grep -qx "systemctl --no-reload disable $unit" "$FAKE/log"
		grep -qx "systemctl --no-reload mask $unit" "$FAKE/log"
	done
	grep -qx 'masked: dovecot.service dovecot.socket exim4-base.timer exim4.service nginx.service redis-server.service redis-server@.service slapd.service' "$BOOTSTRAP_RECORD"
	[[ $output == *"  systemctl unmask "*" exim4.service "*" slapd.service"* ]]
	run ! grep '^update-rc.d' "$FAKE/log"
}

@test "--tests: where systemd does not run, the init scripts it installed are disabled with update-rc.d, recorded, and the undo printed" {
	fake_units
	fake_init_scripts
	echo openssh-server >>"$FAKE/installed"
	echo /etc/init.d/ssh >>"$FAKE/units/openssh-server" # there before: left alone
	rm -r "$BOOTSTRAP_SYSTEMD_DIR"
	run -0 sh "$deps" --tests
	local printed=$output
	run -0 grep '^update-rc.d' "$FAKE/log"
	[ "$output" = "$(printf 'update-rc.d exim4 disable\nupdate-rc.d slapd disable')" ]
	# and their units masked offline for a later boot with systemd, without a reload
	grep -qx 'systemctl --no-reload mask slapd.service' "$FAKE/log"
	run ! grep -E '^systemctl .*ssh|^systemctl daemon-reload' "$FAKE/log"
	grep -qx 'update-rc.d disabled: exim4 slapd' "$BOOTSTRAP_RECORD"
	[[ $printed == *"install-deps: disabled with update-rc.d: exim4 slapd"* ]]
	[[ $printed == *"
  update-rc.d exim4 enable
  update-rc.d slapd enable
"* ]]
}

@test "--tests: SIGHUP or SIGPIPE during the install ends it with 129 or 141 and removes the policy-rc.d" {
	fake_units
	FAKE_APT_SIGNAL=HUP run -129 sh "$deps" --tests
	grep -qx 'during install: policy-rc.d exits 101' "$FAKE/log"
	[ ! -e "$BOOTSTRAP_POLICY_RC_D" ]
	reset_fakes
	FAKE_APT_SIGNAL=PIPE run -141 sh "$deps" --tests
	grep -qx 'during install: policy-rc.d exits 101' "$FAKE/log"
	[ ! -e "$BOOTSTRAP_POLICY_RC_D" ]
}

@test "--tests: a policy-rc.d carrying install-deps' marker is a leftover: replaced and removed, not the administrator's" {
	printf '#!/bin/sh\n# check_tcpport install-deps: no service starts while it installs.\nexit 101\n' \
		>"$BOOTSTRAP_POLICY_RC_D"
	chmod 755 "$BOOTSTRAP_POLICY_RC_D"
	run -0 sh "$deps" --tests
	[ ! -e "$BOOTSTRAP_POLICY_RC_D" ]
	grep -qx 'during install: policy-rc.d exits 101' "$FAKE/log"
	[[ $output == *"$BOOTSTRAP_POLICY_RC_D is a leftover of an interrupted install-deps run"* ]]
	[[ $output != *"exists: left as it is"* ]]
}

@test "--tests: SIGTERM or SIGINT during apt-get install still disables, masks and records what it installed" {
	fake_units
	local signal status
	for signal in TERM INT; do
		reset_fakes
		[ "$signal" = TERM ] && status=143 || status=130
		# a shell cannot trap a signal ignored when it started (as a background job
		# without job control ignores INT): start it with the default action
		FAKE_APT_SIGNAL=$signal run -"$status" --separate-stderr \
			env --default-signal=INT,TERM sh "$deps" --tests
		[ ! -e "$BOOTSTRAP_POLICY_RC_D" ]
		grep -qx 'systemctl --no-reload disable nginx.service' "$FAKE/log"
		grep -qx 'systemctl --no-reload mask nginx.service' "$FAKE/log"
		grep -q '^installed: .*nginx' "$BOOTSTRAP_RECORD"
		grep -q '^masked: .*nginx.service' "$BOOTSTRAP_RECORD"
		[[ $stderr == *"install-deps: interrupted while apt-get installed"* ]]
		[[ $output == *"  systemctl unmask "*"nginx.service"* ]]
		[[ $output == *"  apt-get purge "*"nginx"* ]]
	done
}

@test "--tests: with the administrator's policy-rc.d the messages say its policy decides the starts, and claim only what was done" {
	fake_units
	printf '#!/bin/sh\nexit 0\n' >"$BOOTSTRAP_POLICY_RC_D"
	chmod 755 "$BOOTSTRAP_POLICY_RC_D"
	run -0 sh "$deps" --tests
	[[ $output == *"$BOOTSTRAP_POLICY_RC_D exists: left as it is; its policy, not install-deps,
install-deps: decides whether services start during the install."* ]]
	[[ $output != *"refuses every start"* ]]
	[[ $output != *"not started"* ]]
	[[ $output != *"is started"* ]]
	[[ $output == *"
install-deps: disabled and masked: dovecot.service dovecot.socket exim4-base.timer nginx.service "* ]]
}

@test "--tests: a unit whose systemctl mask fails is neither recorded nor printed as masked, and systemctl's error is shown" {
	fake_units
	echo openssh-server >>"$FAKE/installed"
	# a service that could not be stopped from starting is a failure, said last
	FAKE_SYSTEMCTL_FAIL='mask nginx.service' run -1 --separate-stderr sh "$deps" --tests
	grep -qx 'masked: dovecot.service dovecot.socket exim4-base.timer redis-server.service redis-server@.service' "$BOOTSTRAP_RECORD"
	[[ $output != *"nginx.service"* ]]
	[[ $output == *"  systemctl unmask dovecot.service dovecot.socket exim4-base.timer redis-server.service redis-server@.service"* ]]
	[[ $stderr == *"install-deps: warning: systemctl mask nginx.service failed, not masked: Failed to mask unit: Access denied"* ]]
	[[ $stderr != *"Created symlink"* ]]
	[[ ${stderr##*$'\n'} == "install-deps: these services could not be disabled (see the warnings above): nginx.service" ]]
	reset_fakes
	FAKE_SYSTEMCTL_FAIL='disable nginx.service' run -0 --separate-stderr sh "$deps" --tests
	[[ $stderr == *"install-deps: warning: systemctl disable nginx.service failed: Failed to disable unit: Access denied"* ]]
	[[ $output == *"install-deps: masked, but systemctl disable failed: nginx.service"* ]]
	grep -q '^masked: .*nginx.service' "$BOOTSTRAP_RECORD"
}

@test "refuses when dpkg-query lists no installed package, before installing anything" {
	FAKE_DPKG_QUERY_LIST_FAIL=1 run -1 --separate-stderr sh "$deps" --tests
	[[ $stderr == *"install-deps: refusing: dpkg-query listed no installed package"* ]]
	run ! grep -E '^(apt-get install|during install|systemctl)' "$FAKE/log"
	[ ! -e "$BOOTSTRAP_POLICY_RC_D" ]
	[ ! -e "$BOOTSTRAP_RECORD" ]
}

@test "--tests: a package whose configuration files were there before is masked, and undone by remove, not purge" {
	fake_units
	echo nginx >"$FAKE/config-files"
	run -0 sh "$deps" --tests
	grep -qx 'systemctl --no-reload mask nginx.service' "$FAKE/log"
	grep -q '^installed: .*nginx' "$BOOTSTRAP_RECORD"
	local purge
	purge=$(printf '%s\n' "${lines[@]}" | sed -n 's/^  apt-get purge //p')
	has_word "$purge" redis-server
	[[ " $purge " != *" nginx "* ]]
	grep -qx 'configuration files there before: nginx' "$BOOTSTRAP_RECORD"
	[[ $output == *"
  apt-get remove nginx
"* ]]
}

@test "refuses when the install would remove a package, before installing anything" {
	echo libfoo1 >"$FAKE/removes"
	run -1 sh "$deps" --tests
	[[ $output == *"refusing: installing these packages would remove: libfoo1"* ]]
	grep -q '^apt-get -s install' "$FAKE/log"
	run ! grep -E '^(apt-get install|during install|systemctl)' "$FAKE/log"
	[ ! -e "$BOOTSTRAP_POLICY_RC_D" ]
	[ ! -e "$BOOTSTRAP_RECORD" ]
	echo libfoo1 >"$FAKE/removes"
	run -1 sh "$deps"
	run ! grep '^apt-get install' "$FAKE/log"
}

@test "not root: says what is missing and how to install it, exits 1, installs nothing" {
	export FAKE_UID=1000
	echo gcc >"$FAKE/installed"
	run -1 --separate-stderr sh "$deps"
	[ "$output" = "" ]
	[ "${stderr_lines[0]}" = "install-deps: missing: libc6-dev make autoconf automake autoconf-archive" ]
	[[ ${stderr_lines[1]} == *"sudo apt-get install --no-install-recommends libc6-dev make autoconf automake autoconf-archive" ]]
	run -1 --separate-stderr sh "$deps" --tests
	[[ ${stderr_lines[0]} == *" nginx "* ]]
	[[ $stderr == *"sudo ./bootstrap --tests"* ]]
	run ! grep -E '^(apt-get|systemctl|locale-gen)' "$FAKE/log"
}

@test "--tests generates the de_DE.UTF-8 locale; plain does not" {
	run -0 sh "$deps" --tests
	grep -qx 'de_DE.UTF-8 UTF-8' "$BOOTSTRAP_LOCALE_GEN"
	grep -qx '# en_US.UTF-8 UTF-8' "$BOOTSTRAP_LOCALE_GEN"
	grep -qx 'locale-gen ' "$FAKE/log"
	: >"$FAKE/log"
	touch "$FAKE/has_de"
	run -0 sh "$deps" --tests
	run ! grep '^locale-gen' "$FAKE/log"
}

@test "./bootstrap passes --tests to install-deps and the other arguments to ./configure" {
	local tree=$BATS_TEST_TMPDIR/tree
	mkdir -p "$tree/build-aux"
	cp "$top/bootstrap" "$tree/"
	printf '#!/bin/sh\necho "install-deps $*" >>"$FAKE/log"\n' >"$tree/build-aux/install-deps"
	printf '#!/bin/sh\necho "configure $*" >>"$FAKE/log"\n' >"$tree/configure"
	chmod +x "$tree/configure"
	touch -d '2000-01-01' "$tree/configure.ac" "$tree/Makefile.am"
	touch "$tree/Makefile.in"
	run -0 "$tree/bootstrap" --tests -q --prefix=/opt
	run -0 "$tree/bootstrap" -q
	run -0 cat "$FAKE/log"
	[ "${lines[0]}" = "install-deps --tests" ]
	[ "${lines[1]}" = "configure -q --prefix=/opt" ]
	[ "${lines[2]}" = "install-deps " ]
	[ "${lines[3]}" = "configure -q" ]
	# anywhere but first, --tests would reach configure, which only warns
	run -2 --separate-stderr "$tree/bootstrap" --prefix=/opt --tests
	[ "$stderr" = "bootstrap: --tests goes first: ./bootstrap --tests [configure options]" ]
	[ "$(wc -l <"$FAKE/log")" -eq 4 ]
}

@test "--tests: a unit the administrator masked before is left out of the record and the undo" {
	fake_units
	echo nginx.service >"$FAKE/masked"
	run -0 sh "$deps" --tests
	local printed=$output
	run ! grep -E '^systemctl( --[a-z-]+)* (disable|mask) nginx\.service' "$FAKE/log"
	run -0 grep '^masked: ' "$BOOTSTRAP_RECORD"
	[[ $output == *" dovecot.service "* && $output != *nginx* ]]
	run -0 grep '^  systemctl unmask ' <<<"$printed"
	[[ $output == *" dovecot.service "* && $output != *nginx* ]]
}

@test "--tests: a package its failed install left half configured is disabled and recorded too" {
	fake_units
	FAKE_APT_HALF=nginx FAKE_APT_FAIL=1 run -100 --separate-stderr sh "$deps" --tests
	grep -qx 'systemctl --no-reload mask nginx.service' "$FAKE/log"
	grep -q '^installed: .*nginx' "$BOOTSTRAP_RECORD"
	[[ $stderr == *"run ./bootstrap --tests"*"again to finish"* ]]
}

@test "--tests: while another run installs (its policy-rc.d names a live process), refuses and leaves it" {
	printf '#!/bin/sh\n%s\n# pid %s\nexit 101\n' \
		'# check_tcpport install-deps: no service starts while it installs.' "$$" >"$BOOTSTRAP_POLICY_RC_D"
	chmod 755 "$BOOTSTRAP_POLICY_RC_D"
	local before
	before=$(cat "$BOOTSTRAP_POLICY_RC_D")
	run -1 --separate-stderr sh "$deps" --tests
	[[ $stderr == *"install-deps: refusing: another install-deps (process $$) is installing now; wait for it"* ]]
	[ "$(cat "$BOOTSTRAP_POLICY_RC_D")" = "$before" ]
	run ! grep '^apt-get .*install' "$FAKE/log"
}

@test "--tests: a record that cannot be written is said, and the run still disables and reports" {
	fake_units
	BOOTSTRAP_RECORD=$FAKE/no/such/dir/record run -0 --separate-stderr sh "$deps" --tests
	[[ $stderr == *"install-deps: warning: could not write $FAKE/no/such/dir/record"* ]]
	[[ $stderr != *interrupted* ]]
	[[ $output == *"install-deps: installed: "*"nginx"* ]]
	[ "$(grep -c '^systemctl --no-reload mask nginx.service' "$FAKE/log")" -eq 1 ]
}
