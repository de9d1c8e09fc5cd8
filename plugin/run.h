/* Everything one run knows, filled stage by stage and read by the report. */
#ifndef CHECK_TCPPORT_RUN_H
#define CHECK_TCPPORT_RUN_H

#include <stddef.h>

#include "clock.h"
#include "evaluate.h"
#include "options.h"
#include "probe.h"
#include "resolve.h"

struct run {
	struct options opts;
	struct deadline deadline;
	struct resolution resolution;
	struct attempt attempts[RESOLVE_MAX_ADDRESSES];
	size_t count;	/* attempts planned */
	long winner;	/* the attempt that connected, or -1 */
	struct verdict verdict;
};

#endif
