#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# The plugin in an Icinga 2 cluster: a master and a satellite, two `icinga2
# daemon` processes of the Debian package with their own directories, API
# ports and certificates (`icinga2 pki`, one CA), both knowing the tcpport
# CheckCommand (packaging/icinga2/check_tcpport.conf, or with `make
# check-installed` the package's copy through `include <plugins-contrib>`).
# The master schedules, the satellite runs the plugin: services of the
# master with command_endpoint = the satellite, and a service in the master's
# zones.d/satellite/ that the config sync delivers to the satellite.  The
# master's API must show the satellite's result.  Only the satellite's
# PluginDir holds the plugin, so a check that ran on the master cannot pass.
#
# Everything runs in the namespace lab (helpers/lab.bash): the dropped port
# is an nftables drop rule in front of a listening server, as a firewall
# would drop it.  Needs root and the packages of helpers/consumers.bash.

# shellcheck disable=SC2154 # icinga_* are set by icinga_result
bats_require_minimum_version 1.5.0

load helpers/common
load helpers/consumers

# shellcheck disable=SC2034 # read by bats
BATS_TEST_TIMEOUT=120

setup_file() {
	# Without root or tools, every test skips (or fails with CI=true) in cluster_up.
	lab_available || return 0
	lab_start || return 1
	OPEN=$(lab_server accept 127.0.0.1 open) || return 1
	REFUSED=$(lab_server bound 127.0.0.1 refused) || return 1
	DROPPED=$(lab_server accept 127.0.0.1 dropped) || return 1
	lab_drop "$DROPPED" || return 1
	CONSUMERS_NETNS=$LAB_PID
	export OPEN REFUSED DROPPED CONSUMERS_NETNS
}

teardown_file() {
	consumers_stop_all
	lab_stop
}

# A service with a command_endpoint needs a zone: outside zones.d/ it is set
# by hand.
_master_services() {
	cat <<-EOF
		template Service "on-satellite" {
			import "fast"
			zone = "master"
			command_endpoint = "satellite"
		}
		object Service "on-master" {
			import "fast"
			vars.tcpport_port = [ $OPEN ]
		}
	EOF
	icinga_port_services on-satellite
}

# The satellite zone's own objects: the master's host and template stay on
# the master (objects outside zones.d are not synced).
_zone_services() {
	cat <<-EOF
		object Host "satellite-host" {
			address = "127.0.0.1"
			check_command = "dummy"
			check_interval = 1s
		}
		object Service "zoned-open" {
			host_name = "satellite-host"
			check_command = "tcpport"
			check_interval = 1s
			retry_interval = 1s
			max_check_attempts = 1
			vars.tcpport_port = [ $OPEN ]
		}
	EOF
}

_start_cluster() {
	icinga_cluster_start "$(_master_services)" "$(_zone_services)"
}

cluster_up() {
	lab_require_root
	consumer_require icinga2 icinga2 curl jq nsenter
	consumer_once icinga2-cluster _start_cluster
	icinga_env icinga2-master
	# Only a check that starts now counts: a result from before proves nothing
	# about a satellite that may have stopped since.
	# shellcheck disable=SC2034 # read by icinga_result (helpers/consumers.bash)
	ICINGA_SINCE=$(date +%s)
}

# cluster_result [HOST!]SERVICE: the result of a check that starts now.
cluster_result() {
	local service=$1
	[[ $service == *!* ]] || service=loopback!$service
	icinga_check_now "$service"
	icinga_result "$service"
}

# assert_ran_on_satellite: the last result came from the satellite, which ran
# the plugin from its own PluginDir.
assert_ran_on_satellite() {
	[[ $icinga_source == satellite ]]
	[[ $(jq -r '.[0]' <<<"$icinga_command") == "$PLUGIN" ]]
}

# bats test_tags=root,consumers
@test "cluster: an open port checked on the satellite is OK on the master" {
	cluster_up
	cluster_result open
	icinga_assert_result open "$OPEN"
	assert_ran_on_satellite
}

# bats test_tags=root,consumers
@test "cluster: a refused port checked on the satellite is CRITICAL on the master" {
	cluster_up
	cluster_result refused
	icinga_assert_result refused "$REFUSED"
	assert_ran_on_satellite
}

# bats test_tags=root,consumers
@test "cluster: a dropped port checked on the satellite is CRITICAL after tcpport_timeout" {
	cluster_up
	cluster_result dropped
	icinga_assert_result dropped "$DROPPED"
	assert_ran_on_satellite
}

# bats test_tags=root,consumers
@test "cluster: a service in zones.d/satellite/ is synced, checked there, shown on the master" {
	cluster_up
	cluster_result 'satellite-host!zoned-open'
	icinga_assert_result open "$OPEN"
	assert_ran_on_satellite
	# The satellite has it from the config sync, not from a file of its own.
	[[ -e $(consumers_dir)/icinga2-satellite/lib/api/zones/satellite/_etc/services.conf ]]
}

# bats test_tags=root,consumers
@test "cluster: the same check run by the master itself finds no plugin (the control)" {
	cluster_up
	cluster_result on-master
	[[ $icinga_state == 3 && $icinga_source == master ]]
	[[ $icinga_output == *"$ICINGA_DIR/no-plugins-here/check_tcpport"* ]]
}
