/* Numbers from the command line are parsed strictly ("10x", "", " 5", "nan", "0x10" are
 * errors, never 0 or 10), and numbers printed never depend on the locale: the program
 * never calls setlocale, so printf stays in the "C" locale with '.' as decimal point. */
#include "config.h"
#include "number.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
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

/* Prints `value` with at most `decimals` decimals and no trailing zeros ("2.5", "10",
 * "0.25"), as people write seconds on a command line. Returns what snprintf returns. */
size_t
number_format(char *buf, size_t size, double value, int decimals)
{
	int n = snprintf(buf, size, "%.*f", decimals, value);
	if (n < 0 || (size_t)n >= size)
		return n < 0 ? 0 : (size_t)n;
	if (strchr(buf, '.') != NULL) {
		while (n > 0 && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '.')
			buf[--n] = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		n = snprintf(buf, size, "0");
	return (size_t)n;
}
