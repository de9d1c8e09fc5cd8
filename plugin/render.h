/* SPDX-License-Identifier: ISC */
/* The output stage as main.c sees it: a run, a usage error or a discovery, written to
 * stdout in the format --output asked for; and the hook that prints each probe with -v. */
#ifndef CHECK_TCPPORT_RENDER_H
#define CHECK_TCPPORT_RENDER_H

#include "run.h"
#include "verbose.h" /* verbose_probe, the hook main.c hands to the probe engine */

void report_run(const struct run *run);
void report_usage_error(const char *message, enum output_format format);
void report_discovery(const struct options *opts);

#endif
