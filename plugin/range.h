/* SPDX-License-Identifier: ISC */
/* Monitoring Plugins threshold ranges: 10, 10:, ~:10, 10:20, @10:20, fractional. */
#ifndef CHECK_TCPPORT_RANGE_H
#define CHECK_TCPPORT_RANGE_H

#include <stdbool.h>

#define RANGE_TEXT_MAX 48

struct range {
	bool set;		      /* a range was given */
	bool inside;		      /* '@': alert when the value is inside */
	bool no_start;		      /* '~': no lower bound */
	bool no_end;		      /* "N:": no upper bound */
	double start;
	double end;
	char text[RANGE_TEXT_MAX];    /* as given, for perfdata */
};

bool range_parse(const char *text, struct range *range);
bool range_alerts(const struct range *range, double value);
void range_perfdata(const struct range *range, char *buf, unsigned size);

#endif
