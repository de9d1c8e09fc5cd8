/* Everything one run knows, filled stage by stage and read by the report. */
#ifndef CHECK_TCPPORT_RUN_H
#define CHECK_TCPPORT_RUN_H

#include <stddef.h>

#include "clock.h"
#include "evaluate.h"
#include "options.h"
#include "plan.h"
#include "resolve.h"

struct run {
	struct options opts;
	struct deadline deadline;
	struct resolution resolutions[RESOLVE_MAX_HOSTS];
	struct plan plan;
	int error;		/* errno of a local failure before any target was tried */
	struct summary summary;
};

#endif
