/* SPDX-License-Identifier: ISC */
/* -n 0, the ping mode: a line per probe as it ends, and a summary per target when a
 * signal ends the run (before the usual state line, which render.c writes). */
#ifndef CHECK_TCPPORT_PING_H
#define CHECK_TCPPORT_PING_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "resolve.h"
#include "target.h"

/* A stretch of consecutive failed probes of one target, by the wall-clock times of the
 * lines of its first and last probe. */
struct failure_run {
	uint64_t probes;	    /* 0: none */
	struct timespec first, last;
	/* the connected probes around it, when there were: the outage lasted at most
	 * from the one before to the one after */
	bool has_before, has_after;
	struct timespec before, after;
};

/* The spread of one kind of time, by Welford's method (no sum of squares that would lose
 * the spread of a long run). */
struct spread {
	uint64_t n;
	double mean_ms, m2;	    /* the mean and the sum of squared deviations */
	double min_ms, max_ms;
};

/* What -n 0 keeps of a target beyond its tally, in the same space however long it runs:
 * counts, the spread of the handshake times and of the response times (with a
 * conversation), and the failure runs. */
struct ping_target {
	uint64_t sent, connected;
	struct spread connect;	    /* of the probes that connected */
	struct spread response;	    /* of those of them whose reply began */
	struct failure_run current; /* the run still going at the last probe, if any */
	struct failure_run longest; /* the first of the longest runs */
	bool has_last_ok;
	struct timespec last_ok;    /* the line of the last probe that connected */
};

/* The ping mode of a run: written by ping_probe() as probes end, read by ping_summary(). */
#define PING_WRITE_PATIENCE_MS 1000 /* for the summary, once stopped */

struct ping {
	struct ping_target *hosts[RESOLVE_MAX_HOSTS]; /* each host's targets in plan order,
						       * from its first probe line */
	int64_t started;	    /* clock_now() at the start of the run */
	volatile sig_atomic_t *stop; /* set by a stop signal, or by a write that failed */
	const sigset_t *write_mask;  /* the mask that lets the stop signals through */
};

struct run;

void ping_probe(void *ctx, const struct target *t, unsigned probe, bool connected,
		const struct attempt *a, const struct converse *conv);
void ping_summary(const struct run *run);
bool ping_nothing_measured(const struct run *run);
void ping_free(struct ping *ping);

#endif
