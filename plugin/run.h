/* SPDX-License-Identifier: ISC */
/* Everything one run knows, filled stage by stage and read by the report. */
#ifndef CHECK_TCPPORT_RUN_H
#define CHECK_TCPPORT_RUN_H

#include <stddef.h>

#include "clock.h"
#include "evaluate.h"
#include "options.h"
#include "ping.h"
#include "plan.h"
#include "resolve.h"

struct run {
	struct options opts;
	struct deadline deadline;
	struct resolution resolutions[RESOLVE_MAX_HOSTS];
	struct resolver resolver;
	struct plan plan;
	int error;		/* errno of a local failure before any target was tried, or
				 * ECANCELED: -n 0 stopped before any probe ended */
	struct summary summary;
	struct ping ping;	/* -n 0 */
};

/* The verdict of one of the run's targets, computed when it is read: a target keeps only
 * its tally and state. */
static inline struct verdict
run_verdict(const struct run *run, const struct target *t)
{
	return target_verdict(&run->opts, &run->resolutions[t->host], t,
			      plan_detail(&run->plan, t));
}

/* The last conversation of a target, or an empty one when the run had none. */
static inline const struct converse *
run_reply(const struct run *run, const struct target *t)
{
	static const struct converse none;
	const struct detail *d = plan_detail(&run->plan, t);

	return d != NULL && d->reply != NULL ? d->reply : &none;
}

#endif
