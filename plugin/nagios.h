/* The Nagios text: the state line with its perfdata, then one line per target. */
#ifndef CHECK_TCPPORT_NAGIOS_H
#define CHECK_TCPPORT_NAGIOS_H

#include "outbuf.h"
#include "run.h"

void nagios_render(struct outbuf *o, const struct run *run);
void nagios_unknown(struct outbuf *o, const char *message);

#endif
