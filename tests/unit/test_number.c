/* SPDX-License-Identifier: ISC */
/* plugin/number.c: strict parsing of the command line's numbers, and the fixed-point
 * formatter every number of the report goes through, which must print exactly what
 * printf's "%.6f" prints: the plugin has one way to write a time, whichever path prints it. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plugin/number.h"
#include "tap.h"

/* number_parse_double(text, len): len < 0 means strlen(text). */
static const struct {
	const char *text;
	int len;
	bool valid;
	double value;
} doubles[] = {
	{"10", -1, true, 10},
	{"0", -1, true, 0},
	{"-5", -1, true, -5},
	{"+5", -1, true, 5},
	{"0.5", -1, true, 0.5},
	{".5", -1, true, 0.5},
	{"5.", -1, true, 5},
	{"-.25", -1, true, -0.25},
	{"1e3", -1, true, 1000},
	{"1E-3", -1, true, 0.001},
	{"2.5e+2", -1, true, 250},
	{"007", -1, true, 7},
	{"1.7976931348623157e308", -1, true, 1.7976931348623157e308},
	{"10:20", 2, true, 10},	 /* the start of a range: only len bytes count */
	{"3.5xyz", 3, true, 3.5},
	{"", -1, false, 0},
	{"10", 0, false, 0},
	{"-", -1, false, 0},
	{"+", -1, false, 0},
	{".", -1, false, 0},
	{"-.", -1, false, 0},
	{"--5", -1, false, 0},
	{"+-5", -1, false, 0},
	{"10x", -1, false, 0},
	{" 5", -1, false, 0},
	{"5 ", -1, false, 0},
	{"5\n", -1, false, 0},
	{"1,5", -1, false, 0},
	{"1.2.3", -1, false, 0},
	{"e5", -1, false, 0},
	{"1e", -1, false, 0},
	{"1e+", -1, false, 0},
	{"1e-", -1, false, 0},
	{"1e5.5", -1, false, 0},
	{"nan", -1, false, 0},
	{"NAN", -1, false, 0},
	{"inf", -1, false, 0},
	{"-infinity", -1, false, 0},
	{"0x10", -1, false, 0},
	{"0x1p3", -1, false, 0},
	{"1e400", -1, false, 0},	 /* overflows a double */
	{"-1e400", -1, false, 0},
	{"1e-400", -1, false, 0},	 /* underflows: strtod says ERANGE */
	{"1.8e308", -1, false, 0},
	/* 63 characters fit the parser's buffer, 64 do not */
	{"000000000000000000000000000000000000000000000000000000000000001", -1, true, 1},
	{"0000000000000000000000000000000000000000000000000000000000000001", -1, false, 0},
};

static const struct {
	const char *text;
	long min, max;
	bool valid;
	long value;
} longs[] = {
	{"443", 1, 65535, true, 443},
	{"1", 1, 65535, true, 1},
	{"65535", 1, 65535, true, 65535},
	{"0", 1, 65535, false, 0},
	{"65536", 1, 65535, false, 0},
	{"-1", 1, 65535, false, 0},
	{"-1", -10, 10, true, -1},
	{"+5", 1, 10, true, 5},
	{"007", 1, 10, true, 7},
	{"0", 0, 0, true, 0},
	{"-0", 0, 0, true, 0},
	{"", 1, 10, false, 0},
	{"-", -10, 10, false, 0},
	{"+", 1, 10, false, 0},
	{" 5", 1, 10, false, 0},
	{"5 ", 1, 10, false, 0},
	{"5x", 1, 10, false, 0},
	{"x5", 1, 10, false, 0},
	{"5.0", 1, 10, false, 0},
	{"1e2", 1, 1000, false, 0},
	{"0x10", 0, 100, false, 0},
	{"--5", -10, 10, false, 0},
	{"9223372036854775807", LONG_MIN, LONG_MAX, true, LONG_MAX},
	{"-9223372036854775808", LONG_MIN, LONG_MAX, true, LONG_MIN},
	{"9223372036854775808", LONG_MIN, LONG_MAX, false, 0}, /* ERANGE */
	{"-9223372036854775809", LONG_MIN, LONG_MAX, false, 0},
	{"99999999999999999999999", 1, 10000000, false, 0},
};

/* number_fixed with what it must write; NULL: it returns 0 and leaves buf alone (the
 * buffer is too small, or the value too large or not a number). */
static const struct {
	double value;
	int decimals;
	size_t size;
	const char *expected;
} fixed[] = {
	{0, 6, 48, "0.000000"},
	{0.000491, 6, 48, "0.000491"},
	{1.5, 6, 48, "1.500000"},
	{-12.3456, 6, 48, "-12.345600"},
	{10, 0, 48, "10"},
	{2.4, 0, 48, "2"},
	{2.6, 0, 48, "3"},
	{0.24, 1, 48, "0.2"},
	{1.23456789, 9, 48, "1.234567890"},
	{1.5, -3, 48, "2"},		/* decimals below 0 count as 0 */
	{1.25, 12, 48, "1.250000000"},	/* above 9 as 9 */
	{999999999999.0, 0, 48, "999999999999"},
	{-999999999999.0, 0, 48, "-999999999999"},
	{1e12, 6, 48, NULL},		/* too large for this formatter */
	{1e300, 0, 48, NULL},
	{-1e12, 6, 48, NULL},
	{NAN, 6, 48, NULL},
	{INFINITY, 6, 48, NULL},
	{-INFINITY, 6, 48, NULL},
	{0.5, 6, 9, "0.500000"},	/* exactly fits with its NUL */
	{0.5, 6, 8, NULL},		/* one byte short */
	{-0.5, 6, 10, "-0.500000"},
	{-0.5, 6, 9, NULL},
	{7, 0, 2, "7"},
	{7, 0, 1, NULL},
	{7, 0, 0, NULL},
};

/* Values whose "%.6f" the formatter must reproduce: ties and near-ties at the sixth
 * decimal, where rounding the scaled value (value * 1e6 + 0.5) and rounding the exact
 * binary value part ways. */
static const double like_printf[] = {
	0.0274265,
	0.0000005,
	0.0000015,
	0.0000025,
	1.0000005,
	2.5e-7,
	123.4567895,
	0.1234565,
	999999.9999995,
	0.0004905,
	0,
	0.000001,
	0.000491,
	0.1,
	0.2,
	0.3,
	1.0 / 3,
	2.0 / 3,
	9.9999995,
	10.0000005,
	0.0009995,
	-1.0000005,
	-0.1234565,
	-123.4567895,
	4294.967295,
	86400.123456,
	999999999.999999,
	999999999999.0,	/* the largest it takes: 1e18 scaled, past a double's 2^53 */
};

static const struct {
	double value;
	int decimals;
	const char *expected;
} formatted[] = {
	{2.5, 3, "2.5"},
	{10, 3, "10"},
	{100, 0, "100"},	/* no decimal point: its zeros stay */
	{0.001, 3, "0.001"},
	{0.25, 3, "0.25"},
	{0, 3, "0"},
	{0.0004, 3, "0"},
	{1.2004, 3, "1.2"},
	{-2.5, 3, "-2.5"},
	{60, 6, "60"},
	{1e12, 3, ""},	/* too large: 0, nothing written */
};

/* Compares number_fixed(v, 6) with "%.6f" over `count` values from `value(i)`; one test,
 * with the first few differences as diagnostics. */
static void
sweep(const char *name, double (*value)(int), int count)
{
	int bad = 0;

	for (int i = 0; i < count; i++) {
		double v = value(i);
		char got[64], want[64];
		if (number_fixed(got, sizeof got, v, 6) == 0)
			got[0] = '\0';
		snprintf(want, sizeof want, "%.6f", v);
		if (strcmp(got, want) != 0 && bad++ < 5)
			diag("%s: %.17g gives '%s', printf '%s'", name, v, got, want);
	}
	ok(bad == 0, "number_fixed(v, 6) is \"%%.6f\" for v = %s, i in 0..%d (%d differ)", name,
	   count - 1, bad);
}

static double
tenth_micro(int i)
{
	return i * 0.0000001 + 0.00000005;
}

static double
half_micro(int i)
{
	return (i + 0.5) / 1e6;
}

static double
half_milli(int i)
{
	return 1000.0 * i + (i % 1000) / 1e3 + 0.0000005;
}

int
main(void)
{
	char q[80];

	plan((int)(TAP_COUNT(doubles) + TAP_COUNT(longs) + TAP_COUNT(fixed) +
		   TAP_COUNT(like_printf) + TAP_COUNT(formatted) + 3));

	for (size_t i = 0; i < TAP_COUNT(doubles); i++) {
		const char *t = doubles[i].text;
		size_t len = doubles[i].len < 0 ? strlen(t) : (size_t)doubles[i].len;
		double v = -42;
		bool r = number_parse_double(t, len, &v);
		bool good = r == doubles[i].valid &&
			    (r ? v == doubles[i].value : v == -42); /* a failure leaves it alone */
		if (!ok(good, "number_parse_double('%s', %zu) is %s", tap_quote(q, sizeof q, t, len),
			len, doubles[i].valid ? "a number" : "refused"))
			diag("returned %d, value %.17g", r, v);
	}

	for (size_t i = 0; i < TAP_COUNT(longs); i++) {
		long v = -42;
		bool r = number_parse_long(longs[i].text, longs[i].min, longs[i].max, &v);
		bool good = r == longs[i].valid && (r ? v == longs[i].value : v == -42);
		if (!ok(good, "number_parse_long('%s', %ld, %ld) is %s",
			tap_quote(q, sizeof q, longs[i].text, strlen(longs[i].text)), longs[i].min,
			longs[i].max, longs[i].valid ? "a number" : "refused"))
			diag("returned %d, value %ld", r, v);
	}

	for (size_t i = 0; i < TAP_COUNT(fixed); i++) {
		char buf[64];
		const char *want = fixed[i].expected;
		memset(buf, 'X', sizeof buf);
		buf[sizeof buf - 1] = '\0';
		size_t n = number_fixed(buf, fixed[i].size, fixed[i].value, fixed[i].decimals);
		bool good = want != NULL ? n == strlen(want) && strcmp(buf, want) == 0
					 : n == 0 && buf[0] == 'X';
		if (!ok(good, "number_fixed(size %zu, %.17g, %d) is '%s'", fixed[i].size,
			fixed[i].value, fixed[i].decimals, want != NULL ? want : "(nothing)"))
			diag("returned %zu, wrote '%.20s'", n, buf);
	}

	for (size_t i = 0; i < TAP_COUNT(like_printf); i++) {
		char got[64], want[64];
		double v = like_printf[i];
		if (number_fixed(got, sizeof got, v, 6) == 0)
			got[0] = '\0';
		snprintf(want, sizeof want, "%.6f", v);
		if (!ok(strcmp(got, want) == 0, "number_fixed(%.17g, 6) is '%s', as printf's %%.6f",
			v, want))
			diag("got '%s'", got);
	}
	sweep("i * 0.0000001 + 0.00000005", tenth_micro, 200001);
	sweep("(i + 0.5) / 1e6", half_micro, 200001);
	sweep("1000 i + (i % 1000) / 1e3 + 0.0000005", half_milli, 100000);

	for (size_t i = 0; i < TAP_COUNT(formatted); i++) {
		char buf[64] = "";
		size_t n = number_format(buf, sizeof buf, formatted[i].value, formatted[i].decimals);
		const char *want = formatted[i].expected;
		if (!ok(n == strlen(want) && strcmp(buf, want) == 0,
			"number_format(%.17g, %d) is '%s'", formatted[i].value, formatted[i].decimals,
			want))
			diag("returned %zu, wrote '%s'", n, buf);
	}
	return done();
}
