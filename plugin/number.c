/* Numbers from the command line are parsed strictly ("10x", "", " 5", "nan", "0x10" are
 * errors, never 0 or 10), and numbers printed never depend on the locale: the program
 * never calls setlocale, so printf stays in the "C" locale with '.' as decimal point. */
#include "config.h"
#include "number.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses the first `len` bytes of `text` as [+-]digits[.digits][e[+-]digits].
 * Returns false for anything else, and for values that overflow a double. */
bool
number_parse_double(const char *text, size_t len, double *value)
{
	char buf[64];
	size_t i = 0;
	bool digits = false;

	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';

	/* strtod alone would take hex, "inf", "nan" and leading blanks: check the shape. */
	if (buf[i] == '+' || buf[i] == '-')
		i++;
	while (buf[i] >= '0' && buf[i] <= '9')
		i++, digits = true;
	if (buf[i] == '.')
		for (i++; buf[i] >= '0' && buf[i] <= '9'; i++)
			digits = true;
	if (!digits)
		return false;
	if (buf[i] == 'e' || buf[i] == 'E') {
		i++;
		if (buf[i] == '+' || buf[i] == '-')
			i++;
		if (!(buf[i] >= '0' && buf[i] <= '9'))
			return false;
		while (buf[i] >= '0' && buf[i] <= '9')
			i++;
	}
	if (buf[i] != '\0')
		return false;

	errno = 0;
	char *end;
	double v = strtod(buf, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v))
		return false;
	*value = v;
	return true;
}

/* Parses a whole decimal integer within [min, max]. */
bool
number_parse_long(const char *text, long min, long max, long *value)
{
	const char *p = text;

	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	errno = 0;
	char *end;
	long v = strtol(text, &end, 10);
	if (*end != '\0' || errno == ERANGE || v < min || v > max)
		return false;
	*value = v;
	return true;
}

/* Writes `value` rounded to `decimals` decimals (at most 9) into `buf` as "-12.345600",
 * without printf: the report is on the path of every check, and printf's floating-point
 * code costs more than the rest of a run's own work. Returns the length written (0 when
 * `size` is too small or the value too large to print this way). */
size_t
number_fixed(char *buf, size_t size, double value, int decimals)
{
	char digits[48];
	size_t n = 0, len = 0;
	uint64_t scale = 1;
	bool negative = value < 0;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	if (negative)
		value = -value;
	/* 1e12 with 9 decimals would not fit in 64 bits: the bound is on the scaled value */
	double rounded = value * (double)scale + 0.5;
	if (!(value < 1e12) || !(rounded < 1e19)) /* also NaN */
		return 0;
	uint64_t scaled = (uint64_t)rounded;
	uint64_t whole = scaled / scale, frac = scaled % scale;

	for (int i = 0; i < decimals; i++, frac /= 10)
		digits[n++] = (char)('0' + frac % 10);
	if (decimals > 0)
		digits[n++] = '.';
	do {
		digits[n++] = (char)('0' + whole % 10);
		whole /= 10;
	} while (whole > 0);
	if (negative && scaled > 0)
		digits[n++] = '-';
	if (n + 1 > size)
		return 0;
	while (n > 0)
		buf[len++] = digits[--n];
	buf[len] = '\0';
	return len;
}

/* Prints `value` with at most `decimals` decimals and no trailing zeros ("2.5", "10",
 * "0.25"), as people write seconds on a command line. Returns the length written. */
size_t
number_format(char *buf, size_t size, double value, int decimals)
{
	size_t n = number_fixed(buf, size, value, decimals);

	if (n == 0 || strchr(buf, '.') == NULL)
		return n;
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return n;
}
