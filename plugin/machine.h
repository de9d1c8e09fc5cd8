/* SPDX-License-Identifier: ISC */
/* The formats for machines: value, state, json, lld. */
#ifndef CHECK_TCPPORT_MACHINE_H
#define CHECK_TCPPORT_MACHINE_H

#include "describe.h"
#include "outbuf.h"
#include "run.h"

void machine_render(struct outbuf *o, const struct run *run, struct description *d);
void machine_unknown(struct outbuf *o, const char *message);
void machine_discovery(struct outbuf *o, const struct options *opts);

#endif
