#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# What a release promises beside the plugin: the ISC licence said in every file and in
# the packages, NEWS and the packages at the plugin's version, and the README's two
# set-up commands the ones CI runs.

load helpers/common

setup() {
	top=$(cd "$TESTS_SRCDIR/.." && pwd)
}

# The files of the project that are code, tests or build: each must carry the licence.
licensed_files() {
	local f
	shopt -s nullglob
	for f in "$top"/plugin/*.[ch] "$top"/plugin/*.in "$top"/tests/*.bats \
		"$top"/tests/helpers/*.bash "$top"/tests/helpers/*.sh "$top"/tests/helpers/*.c \
		"$top"/tests/unit/*.[ch] "$top"/tests/fuzz/*.[ch] "$top"/tests/fuzz/run \
		"$top"/tests/analyze "$top"/tests/differential "$top"/bench/run "$top"/bench/scale "$top"/bench/*.c \
		"$top"/configure.ac "$top"/Makefile.am "$top"/bootstrap "$top"/build-aux/install-deps \
		"$top"/packaging/debian/rules "$top"/packaging/rpm/*.spec.in \
		"$top"/packaging/nagios/*.cfg "$top"/packaging/icinga2/*.conf \
		"$top"/packaging/zabbix/*.conf "$top"/.ci/run; do
		[[ -f $f ]] && echo "$f"
	done
}

@test "every source, test and build file says SPDX-License-Identifier: ISC near its top" {
	local f missing=() n=0
	while read -r f; do
		n=$((n + 1))
		head -n 3 "$f" | grep -q 'SPDX-License-Identifier: ISC' || missing+=("${f#"$top"/}")
	done < <(licensed_files)
	[ "$n" -gt 100 ] # the globs found the tree
	if [ "${#missing[@]}" -gt 0 ]; then
		printf 'no licence line: %s\n' "${missing[@]}"
		return 1
	fi
}

@test "COPYING is the ISC licence; the Debian and RPM packages say ISC, no placeholder" {
	run -0 head -n 3 "$top/COPYING"
	[ "${lines[0]}" = "ISC License" ]
	[ "${lines[1]}" = "Copyright (c) 2026 the check_tcpport authors" ]
	grep -q '^Permission to use, copy, modify, and/or distribute this software for any$' "$top/COPYING"
	run -0 grep -c '^License: ISC$' "$top/packaging/debian/copyright"
	[ "$output" -eq 2 ] # the Files: paragraph and the licence's own
	run -0 grep '^License:' "$top/packaging/rpm/check_tcpport.spec.in"
	[[ $output =~ ^License:\ +ISC$ ]]
	grep -qx '%license COPYING' "$top/packaging/rpm/check_tcpport.spec.in"
	run grep -l LicenseRef "$top/packaging/debian/copyright" "$top/packaging/rpm/check_tcpport.spec.in" "$top/README" "$top/COPYING"
	[ "$status" -eq 1 ]
}

@test "NEWS, the Debian changelog and the RPM spec are at the plugin's version" {
	local version
	run -0 "$PLUGIN" --version
	[[ $output =~ ^check_tcpport\ v([0-9]+\.[0-9]+\.[0-9]+)$ ]]
	version=${BASH_REMATCH[1]}
	# NEWS: the newest release first, in the form automake's check-news reads.
	run -0 grep -m 1 '^\* Noteworthy changes in release ' "$top/NEWS"
	[[ $output == "* Noteworthy changes in release $version ("????-??-??")" ]]
	run -0 head -n 1 "$top/packaging/debian/changelog"
	[[ $output == "check-tcpport ($version-1) unstable; urgency=medium" ]]
	run -0 grep -A1 -m 1 '^%changelog' "$top/packaging/rpm/check_tcpport.spec.in"
	[[ ${lines[1]} == *" - @PACKAGE_VERSION@-1" ]]
}

@test "the README starts with the two set-up commands, and CI runs the second" {
	run -0 grep -m 2 -E '^    \./bootstrap' "$top/README"
	[[ ${lines[0]} =~ ^\ {4}\./bootstrap\ \&\&\ make\ demo\ +# ]]
	[[ ${lines[1]} =~ ^\ {4}\./bootstrap\ --tests\ \&\&\ make\ check\ +# ]]
	# within the first screen
	run -0 grep -n -m 1 -E '^    \./bootstrap --tests' "$top/README"
	[ "${output%%:*}" -le 25 ]
	[[ -f $top/.ci/run ]] || skip "not a git checkout: .ci/run is not in the tarball"
	grep -qE '^\./bootstrap --tests && make check( VERBOSE=1)? \|\| status=1$' "$top/.ci/run"
}
