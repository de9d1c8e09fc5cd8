/* What the monitoring system and the person read: the state line, perfdata, -v lines. */
#ifndef CHECK_TCPPORT_REPORT_H
#define CHECK_TCPPORT_REPORT_H

#include <stddef.h>

#include "run.h"

void report_run(const struct run *run);
void report_usage_error(const char *message);
size_t report_escape(char *dst, size_t size, const char *src, size_t len, size_t cap);

#endif
