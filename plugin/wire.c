/* SPDX-License-Identifier: ISC */
/* What the user typed for -s and -q, turned into the bytes sent: with -E, \n \r \t and \\
 * become their bytes (any other backslash stays as it is); without it, -q ends with
 * "\r\n" as check_tcp appends it, and -s is sent as typed. */
#include "config.h"
#include "wire.h"

#include <string.h>

static size_t unescape(char *dst, const char *src);

/* Writes the bytes for `src` into `dst` (room for strlen(src) + 3 bytes), followed by a
 * NUL. Returns their length. */
size_t
wire_string(char *dst, const char *src, bool escape, bool quit)
{
	size_t len = strlen(src);

	if (escape)
		return unescape(dst, src);
	memcpy(dst, src, len);
	if (quit) {
		memcpy(dst + len, "\r\n", 2);
		len += 2;
	}
	dst[len] = '\0';
	return len;
}

/* Copies `src` into `dst` with \n \r \t \\ turned into their bytes. Returns the length
 * written. */
static size_t
unescape(char *dst, const char *src)
{
	size_t n = 0;

	for (const char *p = src; *p != '\0'; p++) {
		if (*p == '\\' && (p[1] == 'n' || p[1] == 'r' || p[1] == 't' || p[1] == '\\')) {
			p++;
			dst[n++] = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p == 't' ? '\t' : '\\';
		} else {
			dst[n++] = *p;
		}
	}
	dst[n] = '\0';
	return n;
}
