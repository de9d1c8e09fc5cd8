/* What the monitoring system and the person read: the state line, perfdata, long output. */
#ifndef CHECK_TCPPORT_REPORT_H
#define CHECK_TCPPORT_REPORT_H

#include <stdbool.h>

#include "outbuf.h"
#include "run.h"
#include "target.h"

void report_run(const struct run *run);
void report_words(struct outbuf *o, const struct run *run);
void report_target_words(struct outbuf *o, const struct run *run, const struct target *t);
void report_perfdata(struct outbuf *o, const struct run *run);
void report_usage_error(const char *message, enum output_format format);
void report_write(struct outbuf *o, enum output_format format, enum state state);
void report_target_label(struct outbuf *o, const struct run *run, const struct target *t);
void report_target_host(struct outbuf *o, const struct run *run, const struct target *t,
			unsigned addr);
void out_address(struct outbuf *o, const struct address *addr);

/* The formats for machines: value, state, json, lld (machine.c). */
void report_machine(struct outbuf *o, const struct run *run);
void report_discovery(const struct options *opts);
void report_machine_unknown(struct outbuf *o, const char *message);

/* -v: the lines that explain the run (verbose.c). */
void verbose_report(struct outbuf *o, const struct run *run);
void verbose_probe(void *ctx, const struct target *t, unsigned probe, bool connected,
		   long attempt);

#endif
