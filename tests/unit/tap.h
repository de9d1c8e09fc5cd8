/* SPDX-License-Identifier: ISC */
/* The few lines of TAP the unit tests print, read by automake's tap-driver.sh:
 *   plan(N)          "1..N" before the first test, when the count is known
 *   ok(cond, ...)    "ok N - ..." or "not ok N - ..."; returns cond
 *   skip(...)        "ok N # SKIP ...", for a test this machine cannot run
 *   diag(...)        "# ..." a comment after a failure: what came, what was expected
 *   done()           "1..N" at the end when plan() was not called; the exit status
 * Everything is static inline: each test program includes it once, and a function it
 * does not use costs nothing and warns about nothing. */
#ifndef CHECK_TCPPORT_TAP_H
#define CHECK_TCPPORT_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int tap_planned = -1;
static int tap_run;
static int tap_failed;

static inline void
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
}

static inline bool ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline bool
ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return cond;
}

/* A test that cannot run here (a file the machine lacks): "ok N # SKIP why". */
static inline void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void
skip(const char *fmt, ...)
{
	va_list ap;

	tap_run++;
	printf("ok %d # SKIP ", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void
diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* The exit status: the driver judges by the "ok" lines, this is for a run by hand. */
static inline int
done(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_run);
	else if (tap_planned != tap_run)
		diag("planned %d tests, ran %d", tap_planned, tap_run);
	fflush(stdout);
	return tap_failed > 0 || (tap_planned >= 0 && tap_planned != tap_run);
}

/* Shows bytes as C would write them, for a description or a diagnostic: TAP lines must
 * stay on one line, and '#' would start a directive. Cut to fit `size`. */
static inline const char *
tap_quote(char *buf, size_t size, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (size_t i = 0; i < len && n + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '#') {
			buf[n++] = (char)c;
		} else {
			buf[n++] = '\\';
			buf[n++] = 'x';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
		}
	}
	buf[n] = '\0';
	return buf;
}

#define TAP_COUNT(table) (sizeof(table) / sizeof((table)[0]))

#endif
