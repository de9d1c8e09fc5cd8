/* SPDX-License-Identifier: ISC */
/* The command line as check_tcp users type it. */
#ifndef CHECK_TCPPORT_ARGV_H
#define CHECK_TCPPORT_ARGV_H

#include <stdbool.h>

bool argv_is_legacy(int c, const char *word, const char *value);

#endif
