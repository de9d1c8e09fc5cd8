/* check_tcpport: can I open a TCP connection to this host and port, how long did it take,
 * and if not, why not? One run is one pipeline: options, resolve, plan, probe, evaluate,
 * report. This file only calls the stages in order and owns the exit code. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "evaluate.h"
#include "options.h"
#include "plan.h"
#include "probe.h"
#include "report.h"
#include "resolve.h"
#include "run.h"

int
main(int argc, char *argv[])
{
	/* The deadline counts from here: the run's own start-up is part of the budget. */
	int64_t start = clock_now();
	static struct run run;
	char err[512];

	switch (options_parse(argc, argv, &run.opts, err, sizeof err)) {
	case OPTIONS_HELP:
		options_print_help();
		return STATE_OK;
	case OPTIONS_VERSION:
		options_print_version();
		return STATE_OK;
	case OPTIONS_USAGE_ERROR:
		report_usage_error(err);
		return STATE_UNKNOWN;
	case OPTIONS_RUN:
		break;
	}
	run.deadline = deadline_make(start, run.opts.timeout_ns);
	resolve_host(run.opts.host, run.opts.family, &run.deadline, &run.resolution);
	run.count = plan_attempts(&run.resolution, run.opts.port, run.attempts,
				  RESOLVE_MAX_ADDRESSES);
	run.winner = probe_run(run.attempts, run.count, &run.deadline);
	run.verdict = evaluate(&run.opts, &run.resolution, run.attempts, run.count, run.winner);
	report_run(&run);
	probe_close(run.attempts, run.count);

	/* A resolver thread still blocked in getaddrinfo may hold libc locks that exit()'s
	 * clean-up would wait for: leave at once, the output is already written. */
	if (run.resolution.abandoned)
		_exit((int)run.verdict.state);
	return (int)run.verdict.state;
}
