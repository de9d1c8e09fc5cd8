/* SPDX-License-Identifier: ISC */
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

/* Writes `value` rounded to `decimals` decimals (at most 9) into `buf`, exactly as
 * snprintf's "%.*f" would ("-12.345600"; ties to even, as glibc rounds the exact binary
 * value), but without printf: the report is on the path of every check, and printf's
 * floating-point code costs more than the rest of a run's own work. Every time the
 * plugin prints goes through here, so one quantity never shows two roundings. Returns
 * the length written, or 0 when `size` is too small, the value is not finite or not
 * below 1e12 (the caller then uses printf). */
size_t
number_fixed(char *buf, size_t size, double value, int decimals)
{
#ifdef __SIZEOF_INT128__
	char digits[48];
	size_t n = 0, len = 0;
	uint64_t bits, scale = 1;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	memcpy(&bits, &value, sizeof bits);
	bool negative = bits >> 63;
	int exponent = (int)((bits >> 52) & 0x7ff);
	uint64_t mantissa = bits & ((UINT64_C(1) << 52) - 1);
	if (exponent == 0x7ff || !(value < 1e12 && value > -1e12))
		return 0;
	/* value = mantissa * 2^power exactly; below 1e12 the power is negative */
	int power = exponent == 0 ? -1074 : exponent - 1075;
	if (exponent != 0)
		mantissa |= UINT64_C(1) << 52;
	unsigned __int128 scaled = (unsigned __int128)mantissa * scale; /* < 2^83 */
	unsigned __int128 wide;
	if (power >= 0) {
		wide = scaled << power;
	} else if (power < -100) {
		wide = 0; /* far below half a unit of the last decimal */
	} else {
		unsigned shift = (unsigned)-power;
		unsigned __int128 rest = scaled & ((((unsigned __int128)1) << shift) - 1);
		unsigned __int128 half = ((unsigned __int128)1) << (shift - 1);
		wide = scaled >> shift;
		if (rest > half || (rest == half && (wide & 1)))
			wide++;
	}
	/* 1e12 with 9 decimals does not fit in 64 bits: printf takes those */
	if (wide > UINT64_MAX)
		return 0;
	uint64_t q = (uint64_t)wide;
	uint64_t whole = q / scale, frac = q % scale;

	for (int i = 0; i < decimals; i++, frac /= 10)
		digits[n++] = (char)('0' + frac % 10);
	if (decimals > 0)
		digits[n++] = '.';
	do {
		digits[n++] = (char)('0' + whole % 10);
		whole /= 10;
	} while (whole > 0);
	if (negative)
		digits[n++] = '-'; /* printf writes "-0.000000" too */
	if (n + 1 > size)
		return 0;
	while (n > 0)
		buf[len++] = digits[--n];
	buf[len] = '\0';
	return len;
#else
	int n = snprintf(buf, size, "%.*f", decimals < 0 ? 0 : decimals > 9 ? 9 : decimals,
			 value);
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
#endif
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

/* sqrt() without libm (the plugin links libc only): Newton's iteration, enough for a
 * standard deviation printed to the microsecond. */
double
number_square_root(double x)
{
	if (!(x > 0))
		return 0;
	double r = x > 1 ? x : 1;
	for (int i = 0; i < 64; i++) {
		double next = 0.5 * (r + x / r);
		if (next >= r)
			break;
		r = next;
	}
	return r;
}
