/* SPDX-License-Identifier: ISC */
/* The four Nagios states and their exit codes. */
#ifndef CHECK_TCPPORT_STATE_H
#define CHECK_TCPPORT_STATE_H

#include <stdbool.h>

enum state {
	STATE_OK = 0,
	STATE_WARNING = 1,
	STATE_CRITICAL = 2,
	STATE_UNKNOWN = 3,
};

const char *state_name(enum state state);
bool state_parse(const char *text, enum state *state);
bool state_parse_prefix(const char *text, enum state *state);
int state_rank(enum state state);
enum state state_worst(enum state a, enum state b);

#endif
