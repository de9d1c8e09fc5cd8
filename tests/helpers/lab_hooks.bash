# SPDX-License-Identifier: ISC
# lab_hooks.bash - the hooks of a test file that uses the namespace lab where it can
# (root): the lab lives as long as the file, each test starts with a clean lab, and no
# test server outlives its test. Without root the lab is absent and the tests that need
# it skip (fail under CI=true). A file may define its own setup() after loading this.

setup_file() {
	if lab_available; then lab_start; fi
}

teardown_file() {
	lab_stop
}

setup() {
	if [[ -n ${LAB_PID:-} ]]; then lab_reset; fi
}

teardown() {
	servers_stop
}
