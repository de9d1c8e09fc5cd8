/* SPDX-License-Identifier: ISC */
/* plugin/range.c: the threshold syntax of the Monitoring Plugins guidelines, what alerts,
 * and how a range is written back into perfdata. */
#include "config.h"

#include <float.h>
#include <string.h>

#include "plugin/range.h"
#include "tap.h"

/* A 47-character range fits range.text with its NUL; 48 characters do not. */
#define LONG47 "00000000000000000000000000000000000000000000010"
#define LONG48 "000000000000000000000000000000000000000000000010"

static const struct {
	const char *text;
	bool valid;
	bool inside, no_start, no_end;
	double start, end;
} parses[] = {
	{"10", true, false, false, false, 0, 10},
	{"0", true, false, false, false, 0, 0},
	{"2.5", true, false, false, false, 0, 2.5},
	{"1e3", true, false, false, false, 0, 1000},
	{"10:", true, false, false, true, 10, 0},
	{"-10:", true, false, false, true, -10, 0},
	{"~:10", true, false, true, false, 0, 10},
	{"~:-10", true, false, true, false, 0, -10},
	{"~:", true, false, true, true, 0, 0},
	{"10:20", true, false, false, false, 10, 20},
	{"10:10", true, false, false, false, 10, 10},
	{"-10:-5", true, false, false, false, -10, -5},
	{"-5:5", true, false, false, false, -5, 5},
	{"0.001:0.5", true, false, false, false, 0.001, 0.5},
	{"@10:20", true, true, false, false, 10, 20},
	{"@10", true, true, false, false, 0, 10},
	{"@10:", true, true, false, true, 10, 0},
	{"@~:10", true, true, true, false, 0, 10},
	{"@~:", true, true, true, true, 0, 0},
	{LONG47, true, false, false, false, 0, 10},
	{"", false, false, false, false, 0, 0},
	{"@", false, false, false, false, 0, 0},
	{"@@10", false, false, false, false, 0, 0},
	{":", false, false, false, false, 0, 0},
	{":10", false, false, false, false, 0, 0},
	{"@:10", false, false, false, false, 0, 0},
	{"~", false, false, false, false, 0, 0},
	{"~10", false, false, false, false, 0, 0},
	{"~:~", false, false, false, false, 0, 0},
	{"10:~", false, false, false, false, 0, 0},
	{"~~:10", false, false, false, false, 0, 0},
	{"-5", false, false, false, false, 0, 0}, /* 0:-5, start above the end */
	{"20:10", false, false, false, false, 0, 0},
	{"@20:10", false, false, false, false, 0, 0},
	{"-5:-10", false, false, false, false, 0, 0},
	{"10:20:30", false, false, false, false, 0, 0},
	{"10::20", false, false, false, false, 0, 0},
	{"10x", false, false, false, false, 0, 0},
	{"10:20x", false, false, false, false, 0, 0},
	{" 10", false, false, false, false, 0, 0},
	{"10 :20", false, false, false, false, 0, 0},
	{"abc", false, false, false, false, 0, 0},
	{"nan", false, false, false, false, 0, 0},
	{"inf:", false, false, false, false, 0, 0},
	{"0x10", false, false, false, false, 0, 0},
	{"1e400", false, false, false, false, 0, 0},
	{"1:1e400", false, false, false, false, 0, 0},
	{"10,20", false, false, false, false, 0, 0},
	{LONG48, false, false, false, false, 0, 0},
};

static const struct {
	const char *range; /* NULL: a range never given */
	double value;
	bool alerts;
} alerts[] = {
	{"10", -0.001, true},
	{"10", 0, false},
	{"10", 5, false},
	{"10", 10, false},
	{"10", 10.000001, true},
	{"10:", 9.999, true},
	{"10:", 10, false},
	{"10:", DBL_MAX, false},
	{"~:10", -DBL_MAX, false},
	{"~:10", 10, false},
	{"~:10", 10.5, true},
	{"10:20", 9.9, true},
	{"10:20", 10, false},
	{"10:20", 20, false},
	{"10:20", 20.1, true},
	{"-10:-5", -7, false},
	{"-10:-5", 0, true},
	{"@10:20", 9.9, false},
	{"@10:20", 10, true},
	{"@10:20", 15, true},
	{"@10:20", 20, true},
	{"@10:20", 20.1, false},
	{"@10", 0, true},
	{"@10", -1, false},
	{"@10:", 1e300, true},
	{"@10:", 9, false},
	{"10:10", 10, false},
	{"10:10", 10.000001, true},
	{"~:", -DBL_MAX, false},
	{"~:", DBL_MAX, false},
	{"@~:", 0, true},
	{"@~:", -DBL_MAX, true},
	{NULL, 0, false},
	{NULL, -1e300, false},
};

/* range_perfdata(size): "0:N" as the plain number N, anything else as written. */
static const struct {
	const char *range; /* NULL: a range never given */
	unsigned size;
	const char *expected;
} perfdata[] = {
	{"10", 48, "10"},
	{"0:10", 48, "10"},
	{"10.5", 48, "10.5"},
	{"2.500", 48, "2.5"},
	{"1e3", 48, "1000"},
	{"0.000001", 48, "0.000001"},
	{"0.25", 48, "0.25"},
	{"10:", 48, "10:"},
	{"0:", 48, "0:"},
	{"~:10", 48, "~:10"},
	{"5:10", 48, "5:10"},
	{"-5:10", 48, "-5:10"},
	{"@10:20", 48, "@10:20"},
	{"@10", 48, "@10"},
	{"@0:10", 48, "@0:10"},
	{"~:", 48, "~:"},
	{"1e12", 48, "1e12"},	/* too large for the number formatter: the text */
	{"0:1e15", 48, "0:1e15"},
	{"10:20", 4, "10:"},	/* cut to the buffer */
	{"10", 2, "1"},
	{"12345", 4, "123"},
	{"10", 1, ""},
	{NULL, 48, ""},
};

int
main(void)
{
	plan((int)(TAP_COUNT(parses) + TAP_COUNT(alerts) + TAP_COUNT(perfdata) + 2));

	for (size_t i = 0; i < TAP_COUNT(parses); i++) {
		struct range r = {.start = -42};
		bool got = range_parse(parses[i].text, &r);
		bool good = got == parses[i].valid;
		if (got && parses[i].valid)
			good = r.set && r.inside == parses[i].inside &&
			       r.no_start == parses[i].no_start && r.no_end == parses[i].no_end &&
			       (r.no_start || r.start == parses[i].start) &&
			       (r.no_end || r.end == parses[i].end) &&
			       strcmp(r.text, parses[i].text) == 0;
		else if (!got)
			good = good && !r.set && r.start == -42; /* a refusal leaves it alone */
		if (!ok(good, "range_parse('%s') %s", parses[i].text,
			parses[i].valid ? "is a range" : "is refused"))
			diag("returned %d: set %d inside %d no_start %d no_end %d %g:%g '%s'", got,
			     r.set, r.inside, r.no_start, r.no_end, r.start, r.end, r.text);
	}

	for (size_t i = 0; i < TAP_COUNT(alerts); i++) {
		struct range r = {0};
		const char *text = alerts[i].range;
		if (text != NULL && !range_parse(text, &r)) {
			ok(false, "range '%s' parses", text);
			continue;
		}
		ok(range_alerts(&r, alerts[i].value) == alerts[i].alerts, "range '%s' %s at %.17g",
		   text != NULL ? text : "(none)", alerts[i].alerts ? "alerts" : "is quiet",
		   alerts[i].value);
	}

	for (size_t i = 0; i < TAP_COUNT(perfdata); i++) {
		struct range r = {0};
		char buf[64];
		const char *text = perfdata[i].range;
		if (text != NULL && !range_parse(text, &r)) {
			ok(false, "range '%s' parses", text);
			continue;
		}
		memset(buf, 'X', sizeof buf);
		range_perfdata(&r, buf, perfdata[i].size);
		if (!ok(strcmp(buf, perfdata[i].expected) == 0, "range '%s' in perfdata (%u bytes) is '%s'",
			text != NULL ? text : "(none)", perfdata[i].size, perfdata[i].expected))
			diag("got '%.63s'", buf);
	}

	/* a zero-sized buffer is not written at all */
	struct range r;
	char c = 'X';
	ok(range_parse("10", &r), "range '10' parses");
	range_perfdata(&r, &c, 0);
	ok(c == 'X', "range_perfdata with size 0 writes nothing");
	return done();
}
