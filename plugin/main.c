/* SPDX-License-Identifier: ISC */
/* check_tcpport: can I open a TCP connection to this host and port, how long did it take,
 * and if not, why not? One run is one pipeline: options; resolve, plan and probe, which
 * stream (each host is planned and probed as soon as its name resolved); evaluate;
 * report. This file only calls the stages in order and owns the exit code. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "evaluate.h"
#include "options.h"
#include "outbuf.h"
#include "ping.h"
#include "plan.h"
#include "probe.h"
#include "render.h"
#include "resolve.h"
#include "run.h"

/* Taken by whichever answers first, the report or on_terminate(): one state line. */
static atomic_flag answered = ATOMIC_FLAG_INIT;

/* -n 0 runs until a signal: a deadline a century away. */
#define PING_FOREVER_NS (INT64_C(100) * 365 * 24 * 3600 * NS_PER_SEC)

#define TERMINATED "terminated by a signal before the check finished (the monitoring " \
		   "core's timeout is shorter than -t?)"

/* The answer to a signal, in each --output format (Zabbix parses json and state). */
static const char *const terminated_lines[] = {
	[OUTPUT_NAGIOS] = "TCP UNKNOWN - " TERMINATED "\n",
	[OUTPUT_VALUE] = "TCP UNKNOWN - " TERMINATED "\n",
	[OUTPUT_STATE] = "3\n",
	[OUTPUT_JSON] = "{\"state\":\"UNKNOWN\",\"code\":3,\"message\":\"" TERMINATED
			"\",\"perfdata\":\"\",\"targets\":[]}\n",
	[OUTPUT_LLD] = "TCP UNKNOWN - " TERMINATED "\n",
};
static const char *terminated_line;

/* -n 0: the signals that end the run with its summary (Ctrl-C, timeout(1) and kill, the
 * terminal closed). */
static const int ping_stops[] = {SIGINT, SIGTERM, SIGHUP};
#define PING_STOPS (sizeof ping_stops / sizeof ping_stops[0])

/* -n 0, once the probes are over: the stop signals are ignored, pending ones dropped,
 * and PIPE is ignored again (a failed write is told by its errno). A stop has been
 * heard; another is the same request. timeout(1) sends its signal twice, to the plugin
 * and to its process group, and the second one, let through by default, killed the
 * run after its summary (exit 130 or 143 instead of the state). The summary cannot
 * hang on a full pipe: it waits PING_WRITE_PATIENCE_MS at most. */
static void
stop_signals_ignored(void)
{
	sigset_t unblock;

	/* let through too: a blocked signal is queued even when ignored, and one left
	 * pending at exit hung LeakSanitizer's stop of the threads */
	sigemptyset(&unblock);
	for (size_t i = 0; i < PING_STOPS; i++) {
		signal(ping_stops[i], SIG_IGN);
		sigaddset(&unblock, ping_stops[i]);
	}
	signal(SIGPIPE, SIG_IGN);
	pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
}

/* The monitoring core's own timeout: Icinga 2 and Nagios send SIGTERM and would turn
 * silence into their own UNKNOWN. Say so in one line and leave at once; only
 * async-signal-safe calls here. Once the report is being written, it is the answer. */
static void
on_terminate(int sig)
{
	const char *line = terminated_line;
	size_t len = 0;

	(void)sig;
	if (atomic_flag_test_and_set(&answered))
		return;
	while (line[len] != '\0')
		len++;
	ssize_t n = write(STDOUT_FILENO, line, len);
	(void)n;
	_exit(STATE_UNKNOWN);
}

/* -n 0: a signal that ends the run with its summary, set by on_stop(). */
static volatile sig_atomic_t stop_asked;

/* -n 0: INT (Ctrl-C), TERM (timeout(1), kill) and HUP (the terminal closed) end the run
 * with its summary and state, as ping does. Only the flag here: the engine sees it when
 * its wait returns. */
static void
on_stop(int sig)
{
	(void)sig;
	stop_asked = 1;
}

/* -n 0: the stop signals and PIPE set stop_asked. The stop signals are blocked from here
 * on, in the resolver threads too (which inherit the mask), and unblocked only while the
 * engine waits or a probe line is written, so that one always ends that wait at once.
 * Fills *wait_mask for the engine. */
static void
stop_on_signals(sigset_t *wait_mask)
{
	struct sigaction sa = {.sa_handler = on_stop};
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (size_t i = 0; i < PING_STOPS; i++) {
		sigaction(ping_stops[i], &sa, NULL);
		sigaddset(&block, ping_stops[i]);
	}
	sigprocmask(SIG_BLOCK, &block, wait_mask);
	for (size_t i = 0; i < PING_STOPS; i++)
		sigdelset(wait_mask, ping_stops[i]);
	/* A reader that went away (| head) ends the run as Ctrl-C does, rather than leave
	 * it probing for nobody. PIPE comes from the write that failed, in this thread:
	 * never blocked. */
	sigaction(SIGPIPE, &sa, NULL);
}

/* What writing one target's share of the answer costs, kept inside the deadline: the
 * engine stops waiting that much earlier for every target. Measured with a million
 * targets on a 2-core machine: about 0.8 us a target for the Nagios text, 2.3 us for
 * JSON, 1.3 us more with -v; a figure or a state costs nothing per target. */
static int64_t
report_cost(const struct options *opts)
{
	int64_t ns = opts->output == OUTPUT_JSON     ? 3000
		     : opts->output == OUTPUT_NAGIOS ? 1000
						     : 100;

	return opts->verbose > 0 && opts->output == OUTPUT_NAGIOS ? ns + 1500 : ns;
}

/* Holds fds 0, 1 and 2 open on /dev/null where the caller closed them: a socket must
 * never take the number of stdout, or the answer (and -n 0's probe lines) would be
 * written into a server's connection. Returns whether stdout was closed. */
static bool
hold_standard_fds(void)
{
	bool stdout_closed = false;

	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		stdout_closed |= fd == STDOUT_FILENO;
		/* open() takes the lowest free number: this one */
		if (open("/dev/null", O_RDWR) != fd)
			_exit(STATE_UNKNOWN);
	}
	return stdout_closed;
}

int
main(int argc, char *argv[])
{
	bool stdout_closed = hold_standard_fds();
	/* The deadline counts from here: the run's own start-up is part of the budget. */
	int64_t start = clock_now();
	static struct run run;
	char err[512];

	/* A reader that went away must not kill the run: the exit code still tells. Before
	 * anything is written, usage errors and --help included. */
	signal(SIGPIPE, SIG_IGN);
	switch (options_parse(argc, argv, &run.opts, err, sizeof err)) {
	case OPTIONS_HELP:
		options_print_help();
		return STATE_OK;
	case OPTIONS_VERSION:
		options_print_version();
		return STATE_OK;
	case OPTIONS_USAGE_ERROR:
		report_usage_error(err, options_output_wanted(argc, argv));
		options_free(&run.opts);
		return STATE_UNKNOWN;
	case OPTIONS_RUN:
		break;
	}
	if (run.opts.count == 0 && stdout_closed) {
		/* a TCP ping for nobody would run until it is killed */
		static const char why[] = "check_tcpport: -n 0 shows its probes on stdout, "
					  "which is closed: nothing was run\n";
		ssize_t n = write(STDERR_FILENO, why, sizeof why - 1);
		(void)n;
		options_free(&run.opts);
		return STATE_UNKNOWN;
	}
	if (run.opts.output == OUTPUT_LLD) {
		/* discovery lists the targets; it neither resolves nor connects */
		report_discovery(&run.opts);
		options_free(&run.opts);
		return STATE_OK;
	}
	terminated_line = terminated_lines[run.opts.output];
	signal(SIGTERM, on_terminate);
	signal(SIGINT, on_terminate);
	/* the other signals that would end the process without a word */
	signal(SIGHUP, on_terminate);
	signal(SIGALRM, on_terminate);
	signal(SIGUSR1, on_terminate);
	signal(SIGUSR2, on_terminate);
	const struct options *opts = &run.opts;
	bool ping = opts->count == 0;
	sigset_t wait_mask;
	/* -n 0 has no deadline but a signal: -t bounds each probe, and the lookups */
	run.deadline = deadline_make(start, ping ? PING_FOREVER_NS : opts->timeout_ns);
	if (ping) {
		stop_on_signals(&wait_mask);
		run.ping.started = start;
		run.ping.stop = &stop_asked;
		run.ping.write_mask = &wait_mask;
	}
	resolve_begin(&run.resolver, opts->hosts, opts->nhosts, opts->family,
		      opts->all_addresses ? RESOLVE_MAX_ALL_ADDRESSES : RESOLVE_MAX_ADDRESSES,
		      run.resolutions);

	struct probe_config cfg = {
		.opts = opts,
		.resolutions = run.resolutions,
		.resolver = &run.resolver,
		.count = opts->count,
		.interval = opts->interval_ns,
		.probe_timeout = opts->probe_timeout_ns,
		.max_parallel = opts->max_parallel,
		.source = opts->has_source ? &opts->source : NULL,
		.converse = &opts->converse,
		.states = opts->states,
		.report_ns = report_cost(opts),
		/* ping-style lines only for a person watching the nagios format: a json,
		 * value or state answer is one piece that a program reads, even at a tty */
		.hook = ping ? ping_probe
			: opts->verbose > 0 && opts->count > 1 && opts->output == OUTPUT_NAGIOS &&
					isatty(STDOUT_FILENO)
				? verbose_probe
				: NULL,
		.hook_ctx = &run,
		.stop = ping ? &stop_asked : NULL,
		.wait_mask = ping ? &wait_mask : NULL,
		.resolve_end = ping ? start + opts->timeout_ns : 0,
	};
	run.error = probe_run(&run.plan, &cfg, &run.deadline);
	if (run.error == 0)
		run.error = plan_join(&run.plan);
	/* -n 0 stopped before a probe ended: ECANCELED, told as such by the report */
	if (run.error == 0 && ping && ping_nothing_measured(&run))
		run.error = ECANCELED;
	if (run.error == 0)
		run.summary = evaluate(opts, run.resolutions, run.plan.targets, run.plan.details,
				       run.plan.count, run.plan.unchecked);
	/* If the handler answered first (in another thread), it is ending the process. */
	if (atomic_flag_test_and_set(&answered))
		for (;;)
			pause();
	/* The summary may meet a full pipe too: it waits a second at most for the reader. */
	if (ping) {
		stop_signals_ignored();
		out_write_patience(PING_WRITE_PATIENCE_MS);
	}
	if (ping && run.error == 0)
		ping_summary(&run);
	report_run(&run);
	ping_free(&run.ping);
	plan_free(&run.plan);
	resolve_free(run.resolutions, opts->nhosts < RESOLVE_MAX_HOSTS ? opts->nhosts
								   : RESOLVE_MAX_HOSTS);
	options_free(&run.opts);

	/* A resolver thread still blocked in getaddrinfo may hold libc locks that exit()'s
	 * clean-up would wait for: leave at once, the output is already written. */
	for (size_t h = 0; h < opts->nhosts; h++)
		if (run.resolutions[h].abandoned)
			_exit(run.error != 0 ? STATE_UNKNOWN : (int)run.summary.state);
	return run.error != 0 ? STATE_UNKNOWN : (int)run.summary.state;
}
