/* SPDX-License-Identifier: ISC */
/* libFuzzer harness: threshold ranges. The input is the text given to -w/-c; whatever
 * range_parse() accepts must be a consistent range, alert as the guidelines define, and
 * print as perfdata within any buffer, NUL-terminated. */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "range.h"

/* The guidelines' definition, written independently of range.c. They say nothing of NaN
 * (no measurement is ever one): the caller only checks that it does not crash. */
static bool
expected_alert(const struct range *r, double v)
{
	bool below = !r->no_start && v < r->start;
	bool above = !r->no_end && v > r->end;
	bool outside = below || above;

	return r->inside ? !outside : outside;
}

/* range_perfdata() into a buffer of exactly `size` bytes (ASan sees any overrun). */
static void
check_perfdata(const struct range *r, unsigned size, char *out, size_t out_size)
{
	char *buf = malloc(size > 0 ? size : 1);

	FUZZ_CHECK(buf != NULL);
	buf[0] = 'X';
	range_perfdata(r, buf, size);
	if (size == 0) {
		FUZZ_CHECK(buf[0] == 'X'); /* nothing written */
	} else {
		FUZZ_CHECK(memchr(buf, '\0', size) != NULL);
		size_t len = strlen(buf);
		FUZZ_CHECK(len < size);
		for (size_t i = 0; i < len; i++)
			FUZZ_CHECK((unsigned char)buf[i] > ' ' && buf[i] != ';' && buf[i] != '|' &&
			           buf[i] != '\'' && buf[i] != '=');
		if (out != NULL && len < out_size)
			memcpy(out, buf, len + 1);
	}
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct range r, before;

	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&r, 0xa5, sizeof r);
	before = r;

	if (!range_parse(text, &r)) {
		FUZZ_CHECK(memcmp(&r, &before, sizeof r) == 0); /* untouched on failure */
		free(text);
		return 0;
	}

	/* The range as given. */
	size_t len = strlen(text);
	FUZZ_CHECK(r.set);
	FUZZ_CHECK(len > 0 && len < RANGE_TEXT_MAX && strcmp(r.text, text) == 0);
	FUZZ_CHECK(r.inside == (text[0] == '@'));
	FUZZ_CHECK(r.no_start || isfinite(r.start));
	FUZZ_CHECK(r.no_end || isfinite(r.end));
	FUZZ_CHECK(r.no_start || r.no_end || r.start <= r.end);
	FUZZ_CHECK(!r.no_start || strchr(text, '~') != NULL);
	FUZZ_CHECK(!r.no_end || text[len - 1] == ':');

	/* Alerts, on the bounds, around them, far away and on the special values. */
	double values[] = {0,
	                   -0.0,
	                   1,
	                   -1,
	                   r.start,
	                   r.end,
	                   nextafter(r.start, -INFINITY),
	                   nextafter(r.end, INFINITY),
	                   r.start / 2 + r.end / 2,
	                   -1e300,
	                   1e300,
	                   INFINITY,
	                   -INFINITY,
	                   NAN};
	struct range flipped = r;
	flipped.inside = !r.inside;
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		double v = values[i];
		if (isnan(v)) {
			(void)range_alerts(&r, v);
			continue;
		}
		FUZZ_CHECK(range_alerts(&r, v) == expected_alert(&r, v));
		FUZZ_CHECK(range_alerts(&flipped, v) != range_alerts(&r, v));
	}
	struct range unset = r;
	unset.set = false;
	FUZZ_CHECK(!range_alerts(&unset, r.end));

	/* Perfdata in every buffer size from none to more than enough. */
	char full[RANGE_TEXT_MAX] = "";
	for (unsigned s = 0; s <= RANGE_TEXT_MAX + 2; s++)
		check_perfdata(&r, s, s == RANGE_TEXT_MAX ? full : NULL, sizeof full);
	check_perfdata(&unset, RANGE_TEXT_MAX, NULL, 0);

	/* In the buffer the report gives it, a set range never prints as nothing, and what
	 * prints is a range again: the threshold itself, or its "0:N" end as a number
	 * (rounded to 6 decimals). */
	FUZZ_CHECK(full[0] != '\0');
	struct range again;
	FUZZ_CHECK(range_parse(full, &again));
	FUZZ_CHECK(again.inside == r.inside && again.no_start == r.no_start &&
	           again.no_end == r.no_end);
	if (!r.no_end)
		FUZZ_CHECK(fabs(again.end - r.end) <= 5e-7 * (1 + fabs(r.end)));

	free(text);
	return 0;
}
