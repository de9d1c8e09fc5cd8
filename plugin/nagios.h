/* SPDX-License-Identifier: ISC */
/* The Nagios text: the state line with its perfdata, then one line per target. */
#ifndef CHECK_TCPPORT_NAGIOS_H
#define CHECK_TCPPORT_NAGIOS_H

#include "describe.h"
#include "outbuf.h"

void nagios_render(struct outbuf *o, const struct run *run, struct description *d);
void nagios_unknown(struct outbuf *o, const char *message);

#endif
