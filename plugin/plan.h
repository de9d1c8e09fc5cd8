/* The targets of a run: which address and port to try, in which order. */
#ifndef CHECK_TCPPORT_PLAN_H
#define CHECK_TCPPORT_PLAN_H

#include <stddef.h>

#include "probe.h"
#include "resolve.h"

size_t plan_attempts(const struct resolution *res, unsigned port, struct attempt *out,
		     size_t max);

#endif
