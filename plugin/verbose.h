/* SPDX-License-Identifier: ISC */
/* -v: the lines that explain the run, after the Nagios text; and with -n, each probe's
 * line as it ends (verbose_probe, the probe engine's hook, which main.c takes through
 * render.h). */
#ifndef CHECK_TCPPORT_VERBOSE_H
#define CHECK_TCPPORT_VERBOSE_H

#include <stdbool.h>

#include "outbuf.h"
#include "run.h"
#include "target.h"

void verbose_render(struct outbuf *o, const struct run *run);
void verbose_probe(void *ctx, const struct target *t, unsigned probe, bool connected,
		   const struct attempt *a, const struct converse *conv);

#endif
