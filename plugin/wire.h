/* SPDX-License-Identifier: ISC */
/* -s, -q and -e as they go on (or come off) the wire: check_tcp's rules for -E and for
 * the end of -q, and the byte escapes of -E. */
#ifndef CHECK_TCPPORT_WIRE_H
#define CHECK_TCPPORT_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#define WIRE_BAD_MAX 5 /* a malformed escape as typed ("\xZZ"), with its NUL */

bool wire_string(char *dst, const char *src, bool escape, bool quit, size_t *len,
                 char bad[WIRE_BAD_MAX]);
bool wire_unescape(char *dst, const char *src, size_t *len, char bad[WIRE_BAD_MAX]);

#endif
