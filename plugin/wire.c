/* SPDX-License-Identifier: ISC */
/* What the user typed for -s, -q and -e, turned into bytes. With -E, \n \r \t \\ (as
 * check_tcp reads them), \0 and \xNN (two hex digits, any case) become their bytes, so a
 * binary request or reply can be written out; any other backslash is a mistake, never
 * sent as typed. Without -E, -q ends with "\r\n" as check_tcp appends it, and -s is sent
 * as typed. The escapes are those the report writes a reply with (outbuf.c), so a reply
 * shown by the plugin can be pasted into -e. */
#include "config.h"
#include "wire.h"

#include <string.h>

static int letter_escape(char c);
static int hex_digit(char c);
static void copy_bad(char bad[WIRE_BAD_MAX], const char *at);

/* Writes the bytes for `src` into `dst` (room for strlen(src) + 3 bytes), followed by a
 * NUL, and their length into *len. Returns false, with the malformed escape as typed in
 * `bad`, when -E is given and `src` holds one. */
bool
wire_string(char *dst, const char *src, bool escape, bool quit, size_t *len, char bad[WIRE_BAD_MAX])
{
	size_t n = strlen(src);

	if (escape)
		return wire_unescape(dst, src, len, bad);
	memcpy(dst, src, n);
	if (quit) {
		memcpy(dst + n, "\r\n", 2);
		n += 2;
	}
	dst[n] = '\0';
	*len = n;
	return true;
}

/* Copies `src` into `dst` (room for strlen(src) + 1 bytes) with the escapes of -E turned
 * into their bytes, NUL-terminated (the bytes may hold NULs too); their length goes to
 * *len. Returns false, with the malformed escape as typed in `bad` ("\q", "\x4", a lone
 * "\" at the end), when there is one. */
bool
wire_unescape(char *dst, const char *src, size_t *len, char bad[WIRE_BAD_MAX])
{
	size_t n = 0;

	for (const char *p = src; *p != '\0'; p++) {
		if (*p != '\\') {
			dst[n++] = *p;
			continue;
		}
		int byte = letter_escape(p[1]);
		if (byte >= 0) {
			dst[n++] = (char)byte;
			p++;
		} else if (p[1] == 'x' && hex_digit(p[2]) >= 0 && hex_digit(p[3]) >= 0) {
			dst[n++] = (char)(hex_digit(p[2]) << 4 | hex_digit(p[3]));
			p += 3;
		} else {
			copy_bad(bad, p);
			return false;
		}
	}
	dst[n] = '\0';
	*len = n;
	return true;
}

/* The byte of \n \r \t \\ or \0, given the character after the backslash; -1 for any
 * other. */
static int
letter_escape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case '\\':
		return '\\';
	case '0':
		return 0;
	default:
		return -1;
	}
}

/* The value of a hex digit, or -1 (also for the NUL that ends the string). */
static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The malformed escape starting at `at` (a backslash), as typed: the backslash and the
 * byte after it, and for \x the two that should have been hex digits, where they exist. */
static void
copy_bad(char bad[WIRE_BAD_MAX], const char *at)
{
	size_t n = 1;

	if (at[1] != '\0')
		n = 2;
	if (at[1] == 'x')
		while (n < 4 && at[n] != '\0')
			n++;
	memcpy(bad, at, n);
	bad[n] = '\0';
}
