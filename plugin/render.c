/* SPDX-License-Identifier: ISC */
/* The output stage: builds the whole answer in memory with the renderer of the format
 * asked for, then writes it to stdout at once. The renderers are leaves that never call
 * one another: the Nagios text (nagios.c), followed with -v by the lines that explain the
 * run (verbose.c), or one of the formats for machines (machine.c); the words they share
 * are described once by describe.c. */
#include "config.h"
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "describe.h"
#include "machine.h"
#include "nagios.h"
#include "outbuf.h"
#include "verbose.h"

static void report_unknown(enum output_format format, const char *message);
static void answer_write(struct outbuf *o, enum output_format format, enum state state);

/* Writes the whole report of a run to stdout, in the format -o asked for. */
void
report_run(const struct run *run)
{
	char first[4096];
	struct outbuf o = {.buf = first, .cap = sizeof first, .borrowed = true, .stream = true};
	struct description d = {0};

	if (run->error != 0) {
		char message[256];
		if (run->error == ECANCELED)
			snprintf(message, sizeof message,
				 "stopped before any probe ended: nothing was measured");
		else
			snprintf(message, sizeof message, "cannot run the check: %s",
				 run->error == E2BIG
					 ? "too many targets once the names are resolved (at "
					   "most " MAX_TARGETS_TEXT "; --addresses=all counts "
					   "every address of every port)"
					 : strerror(run->error));
		report_unknown(run->opts.output, message);
		return;
	}
	/* value and state are figures: they need no words */
	if (run->opts.output == OUTPUT_NAGIOS || run->opts.output == OUTPUT_JSON)
		describe_run(&d, run);
	if (run->opts.output != OUTPUT_NAGIOS) {
		machine_render(&o, run, &d);
	} else {
		nagios_render(&o, run, &d);
		if (run->opts.verbose > 0)
			verbose_render(&o, run);
	}
	description_free(&d);
	answer_write(&o, run->opts.output, run->summary.state);
}

/* Writes the one line of a usage error, in the format asked for. */
void
report_usage_error(const char *message, enum output_format format)
{
	char text[512];

	snprintf(text, sizeof text, "%s (see 'check_tcpport --help')", message);
	report_unknown(format, text);
}

/* --output=lld: the targets for Zabbix low-level discovery, without any traffic. */
void
report_discovery(const struct options *opts)
{
	struct outbuf o = {0};

	machine_discovery(&o, opts);
	answer_write(&o, OUTPUT_LLD, STATE_UNKNOWN);
}

/* An UNKNOWN that no check produced (a usage error, a run that could not start), in the
 * format asked for: the state as a number for state; one JSON object for json and lld
 * (Zabbix shows its message); otherwise the state line, for value too: Zabbix then marks
 * the item unsupported and shows why, where a number would be stored as a response
 * time. */
static void
report_unknown(enum output_format format, const char *message)
{
	struct outbuf o = {0};

	switch (format) {
	case OUTPUT_STATE:
		out_fmt(&o, "%d\n", (int)STATE_UNKNOWN);
		break;
	case OUTPUT_JSON:
	case OUTPUT_LLD:
		machine_unknown(&o, message);
		break;
	default:
		nagios_unknown(&o, message);
		break;
	}
	answer_write(&o, format, STATE_UNKNOWN);
}

/* Writes the rest of an answer to stdout and frees its buffer. An answer that did not fit
 * in memory (the buffer is then a prefix of it, see outbuf.c) is made valid again: the
 * Nagios text keeps its whole lines, or becomes the state line alone when not even the
 * first one is whole (value too, as for an UNKNOWN); JSON (json, lld) becomes one short
 * object with the state, no target and "truncated":true; state is a number that needs no
 * memory. Only the words of the state line can run out so: once the answer has streamed
 * its first 64 KiB, its buffer keeps that room and the appends that follow are small.
 * Nothing here allocates. */
static void
answer_write(struct outbuf *o, enum output_format format, enum state state)
{
	static const char why[] = "the report did not fit in memory";
	char text[256];
	int n;

	if (!o->truncated) {
		out_flush(o);
		out_free(o);
		return;
	}
	out_cut_to_line(o);
	if ((format == OUTPUT_NAGIOS && o->len > 0) || o->streamed > 0) {
		out_flush(o);
		out_free(o);
		return;
	}
	out_free(o);
	if (format == OUTPUT_STATE)
		n = snprintf(text, sizeof text, "%d\n", (int)state);
	else if (format == OUTPUT_JSON || format == OUTPUT_LLD)
		n = snprintf(text, sizeof text,
			     "{\"state\":\"%s\",\"code\":%d,\"message\":\"%s\",\"perfdata\":\"\","
			     "\"targets\":[],\"truncated\":true}\n",
			     state_name(state), (int)state, why);
	else
		n = snprintf(text, sizeof text, "TCP %s - %s\n", state_name(state), why);
	if (n > 0)
		out_write(text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}
