/* SPDX-License-Identifier: ISC */
/* The engine: non-blocking connects for every target, one poll loop, one deadline. Hosts
 * join as their names resolve. */
#ifndef CHECK_TCPPORT_PROBE_H
#define CHECK_TCPPORT_PROBE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "converse.h"
#include "options.h"
#include "plan.h"
#include "resolve.h"
#include "target.h"

/* RFC 8305's "Connection Attempt Delay": an address that has not answered after this long
 * does not hold up the next one, which starts beside it. */
#define PROBE_STAGGER_NS (250 * NS_PER_MSEC)

/* Told after each probe; `a` is the attempt that connected or failed first, or NULL for a
 * probe the deadline kept from starting; `conv` is the probe's conversation, if any. */
typedef void probe_hook(void *ctx, const struct target *target, unsigned probe, bool connected,
			const struct attempt *a, const struct converse *conv);

struct probe_config {
	const struct options *opts;	      /* what to plan for a host that resolves */
	struct resolution *resolutions;	      /* indexed by target->host */
	struct resolver *resolver;	      /* the lookups still running */
	unsigned count;			      /* probes per target; 0: until *stop */
	int64_t interval;		      /* from the start of a probe to the next */
	int64_t probe_timeout;		      /* how long one probe may wait */
	unsigned max_parallel;		      /* sockets in flight at most, 0 = no cap */
	const struct address *source;	      /* bind to it before connecting, or NULL */
	const struct converse_config *converse; /* what to say once connected, or NULL */
	const enum state *states;	      /* the outcome-to-state map: which failure speaks */
	int64_t report_ns;		      /* what writing one target's report costs (ns) */
	probe_hook *hook;		      /* or NULL */
	void *hook_ctx;
	/* -n 0: set by a signal handler. The run then starts nothing more and ends; a probe
	 * still in flight is dropped uncounted (its hook is not called). NULL otherwise. */
	const volatile sig_atomic_t *stop;
	const sigset_t *wait_mask;	      /* the signal mask while waiting, or NULL */
	int64_t resolve_end;		      /* lookups still pending then fail; 0: at the
					       * deadline */
};

int probe_run(struct plan *plan, const struct probe_config *cfg, const struct deadline *dl);

#endif
