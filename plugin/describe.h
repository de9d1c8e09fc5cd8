/* The words of a run, built once for every renderer: nothing here writes to stdout. */
#ifndef CHECK_TCPPORT_DESCRIBE_H
#define CHECK_TCPPORT_DESCRIBE_H

#include "outbuf.h"
#include "run.h"
#include "target.h"

#define HOST_SHOW_MAX 255 /* bytes of a host name echoed before it is cut */

void describe_run_words(struct outbuf *o, const struct run *run);
void describe_target_words(struct outbuf *o, const struct run *run, const struct target *t);
void describe_perfdata(struct outbuf *o, const struct run *run);
void target_label(struct outbuf *o, const struct run *run, const struct target *t);
void target_host(struct outbuf *o, const struct run *run, const struct target *t, unsigned addr);
void address_words(struct outbuf *o, const struct address *addr);

#endif
