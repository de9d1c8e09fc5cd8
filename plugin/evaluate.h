/* SPDX-License-Identifier: ISC */
/* From what happened to the state: the user's mapping, the thresholds, the worst case. */
#ifndef CHECK_TCPPORT_EVALUATE_H
#define CHECK_TCPPORT_EVALUATE_H

#include <stddef.h>

#include "options.h"
#include "resolve.h"
#include "state.h"
#include "target.h"

/* The state of the whole run. */
struct summary {
	enum state state;
	size_t total;	/* targets */
	size_t ok;	/* targets whose state is OK */
	size_t needed;	/* targets that must be OK: all, or --min-ok */
	size_t unchecked; /* --addresses=all: targets of the addresses past the cap per name */
};

struct summary evaluate(const struct options *opts, const struct resolution *resolutions,
			struct target *targets, const struct detail *details, size_t count,
			size_t unchecked);
struct verdict target_verdict(const struct options *opts, const struct resolution *res,
			      const struct target *t, const struct detail *d);

#endif
