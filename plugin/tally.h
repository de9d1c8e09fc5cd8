/* SPDX-License-Identifier: ISC */
/* The engine's arithmetic: each probe's end, counted into its target's tally (and its
 * detail, when the run keeps one). No I/O, no clock: everything comes in the arguments. */
#ifndef CHECK_TCPPORT_TALLY_H
#define CHECK_TCPPORT_TALLY_H

#include "converse.h"
#include "state.h"
#include "target.h"

void tally_success(struct tally *tl, struct detail *d, const struct converse_config *cc,
		   const struct attempt *a, const struct converse *conv);
void tally_failure(struct tally *tl, struct detail *d, const enum state *states,
		   enum outcome outcome, struct failure f);
void tally_not_run(struct tally *tl, struct detail *d, const enum state *states,
		   unsigned addr);

#endif
