/* SPDX-License-Identifier: ISC */
/* -s and -q as they go on the wire: check_tcp's rules for -E and for the end of -q. */
#ifndef CHECK_TCPPORT_WIRE_H
#define CHECK_TCPPORT_WIRE_H

#include <stdbool.h>
#include <stddef.h>

size_t wire_string(char *dst, const char *src, bool escape, bool quit);

#endif
