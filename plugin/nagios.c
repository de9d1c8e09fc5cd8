/* The output of a run, as the Monitoring Plugins guidelines shape it:
 *   TCP <STATE> - <what happened, in words>|<perfdata>
 *   <long output: one line per target when there are several>
 * (-v then adds its lines: verbose.c.) The words come from describe.c. */
#include "config.h"
#include "nagios.h"

#include "describe.h"

/* The state line with its perfdata, then a line per target when there are several. */
void
nagios_render(struct outbuf *o, const struct run *run)
{
	const struct plan *plan = &run->plan;
	struct outbuf perf = {0};

	out_str(o, "TCP ");
	out_str(o, state_name(run->summary.state));
	out_str(o, " - ");
	describe_run_words(o, run);
	describe_perfdata(&perf, run);
	o->truncated |= perf.truncated;
	if (perf.len > 0) {
		out_str(o, "|");
		out_mem(o, perf.buf, perf.len);
	}
	out_free(&perf);
	out_str(o, "\n");
	if (plan->count > 1) {
		for (size_t i = 0; i < plan->count; i++) {
			const struct target *t = &plan->targets[i];
			target_label(o, run, t);
			out_fmt(o, ": %s - ", state_name(t->verdict.state));
			describe_target_words(o, run, t);
			out_str(o, "\n");
		}
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
