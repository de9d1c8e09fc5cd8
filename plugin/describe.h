/* SPDX-License-Identifier: ISC */
/* The words of a run, built once for every renderer: nothing here writes to stdout. */
#ifndef CHECK_TCPPORT_DESCRIBE_H
#define CHECK_TCPPORT_DESCRIBE_H

#include "outbuf.h"
#include "run.h"
#include "target.h"

#define HOST_SHOW_MAX 255 /* bytes of a host name echoed before it is cut */

/* A piece of a description's text. */
struct span {
	size_t at, len;
};

/* One perfdata item: label=value[unit];warn;crit;min;max, each part as written (the label
 * quoted when it names a target, an empty span for a part left out). */
struct perf_item {
	struct span label, value;
	const char *unit; /* "s", "%" */
	struct span warn, crit, min, max;
};

/* A target's long-output line: "LABEL: STATE - WORDS". */
struct target_words {
	struct span label;
	enum state state;
	struct span words;
};

/* What a run said, built once by describe_run() and formatted by each renderer. */
struct description {
	struct outbuf text; /* every span below is a piece of it */
	enum state state;
	struct span words;	      /* the state line's, after "TCP STATE - " */
	size_t ntargets;	      /* describe_target() describes each */
	struct perf_item *perf;
	size_t nperf, perf_cap;
	bool failed; /* out of memory: the description is not whole */
	char first[2048]; /* the text's first buffer: most runs need no other */
};

void describe_run(struct description *d, const struct run *run);
void description_free(struct description *d);
void describe_target(struct description *d, const struct run *run, size_t i,
		     struct target_words *tw);
void describe_target_forget(struct description *d, const struct target_words *tw);
void describe_perfdata(struct outbuf *o, const struct description *d);
void out_span(struct outbuf *o, const struct description *d, struct span s);
void target_label(struct outbuf *o, const struct run *run, const struct target *t);
void target_host(struct outbuf *o, const struct run *run, const struct target *t, unsigned addr);
void target_endpoint(struct outbuf *o, const struct run *run, const struct target *t,
		     unsigned addr);
void address_words(struct outbuf *o, const struct address *addr);
void errno_words(struct outbuf *o, enum outcome outcome, int err, bool nested);

#endif
