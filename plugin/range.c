/* SPDX-License-Identifier: ISC */
/* The threshold syntax of the Monitoring Plugins development guidelines:
 *   [@]start:end   alert when the value is outside start..end (inside with '@')
 *   end            is 0:end          start:  is start..infinity
 *   ~:end          is -infinity..end, bounds are inclusive. */
#include "config.h"
#include "range.h"

#include <stdio.h>
#include <string.h>

#include "number.h"

/* Parses `text` into `range`. Returns false, leaving `range` unset, when the text is not
 * a range, when start > end, or when it is too long to be a sensible threshold. */
bool
range_parse(const char *text, struct range *range)
{
	struct range r = {.set = true};
	size_t len = strlen(text);
	const char *p = text;

	if (len == 0 || len >= sizeof r.text)
		return false;
	memcpy(r.text, text, len + 1);

	if (*p == '@') {
		r.inside = true;
		p++;
	}
	const char *colon = strchr(p, ':');
	if (colon == NULL) {
		if (!number_parse_double(p, strlen(p), &r.end))
			return false;
		r.start = 0;
	} else {
		size_t start_len = (size_t)(colon - p);
		const char *end = colon + 1;
		if (start_len == 1 && *p == '~')
			r.no_start = true;
		else if (!number_parse_double(p, start_len, &r.start))
			return false;
		if (*end == '\0')
			r.no_end = true;
		else if (!number_parse_double(end, strlen(end), &r.end))
			return false;
	}
	if (!r.no_start && !r.no_end && r.start > r.end)
		return false;
	*range = r;
	return true;
}

/* True when `value` should raise the alert this range stands for. */
bool
range_alerts(const struct range *range, double value)
{
	if (!range->set)
		return false;
	bool within = (range->no_start || value >= range->start) &&
		      (range->no_end || value <= range->end);
	return range->inside ? within : !within;
}

/* Writes the range for the warn/crit field of perfdata: a plain number when the range is
 * the common "0:N" (what graphing tools understand), else the range as the user wrote it. */
void
range_perfdata(const struct range *range, char *buf, unsigned size)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	if (!range->set)
		return;
	/* a number too large to print as one keeps the text, rather than an empty field */
	if (range->inside || range->no_start || range->no_end || range->start != 0 ||
	    number_format(buf, size, range->end, 6) == 0)
		snprintf(buf, size, "%s", range->text);
}
