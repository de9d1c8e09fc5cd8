/* From what happened to the state: the user's mapping, the thresholds, the worst case. */
#ifndef CHECK_TCPPORT_EVALUATE_H
#define CHECK_TCPPORT_EVALUATE_H

#include <stddef.h>

#include "options.h"
#include "outcome.h"
#include "probe.h"
#include "resolve.h"
#include "state.h"

struct verdict {
	enum state state;
	enum outcome outcome;
	long attempt;	/* the attempt the message speaks of; -1 when resolution failed */
	double seconds; /* the connect time, when connected */
};

struct verdict evaluate(const struct options *opts, const struct resolution *res,
			const struct attempt *attempts, size_t count, long winner);

#endif
