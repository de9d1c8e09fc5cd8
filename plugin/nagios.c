/* SPDX-License-Identifier: ISC */
/* The output of a run, as the Monitoring Plugins guidelines shape it:
 *   TCP <STATE> - <what happened, in words>|<perfdata>
 *   <long output: one line per target when there are several>
 * (-v then adds its lines: verbose.c.) The words come from describe.c's description. */
#include "config.h"
#include "nagios.h"

#include "describe.h"

/* The state line with its perfdata, then a line per target when there are several. */
void
nagios_render(struct outbuf *o, const struct run *run, struct description *d)
{
	if (d->failed) {
		o->truncated = true; /* render.c writes the state line alone */
		return;
	}
	out_str(o, "TCP ");
	out_str(o, state_name(d->state));
	out_str(o, " - ");
	out_span(o, d, d->words);
	if (d->nperf > 0) {
		out_str(o, "|");
		describe_perfdata(o, d);
	}
	out_str(o, "\n");
	for (size_t i = 0; i < d->ntargets && d->ntargets > 1; i++) {
		struct target_words tw;
		describe_target(d, run, i, &tw);
		out_span(o, d, tw.label);
		out_fmt(o, ": %s - ", state_name(tw.state));
		out_span(o, d, tw.words);
		out_str(o, "\n");
		describe_target_forget(d, &tw);
	}
}

/* An UNKNOWN that no check produced: the state line alone, with the message escaped. */
void
nagios_unknown(struct outbuf *o, const char *message)
{
	out_fmt(o, "TCP %s - ", state_name(STATE_UNKNOWN));
	out_escaped(o, message, 512);
	out_str(o, "\n");
}
