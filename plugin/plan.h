/* The targets of a run: which hosts, addresses and ports, in which order. */
#ifndef CHECK_TCPPORT_PLAN_H
#define CHECK_TCPPORT_PLAN_H

#include <stddef.h>

#include "options.h"
#include "resolve.h"
#include "target.h"


struct plan {
	struct target *targets;
	size_t count;
	struct attempt *attempts; /* the storage of every target's attempts */
};

int plan_targets(const struct options *opts, struct resolution *resolutions, struct plan *plan);
void plan_free(struct plan *plan);

#endif
