/* SPDX-License-Identifier: ISC */
/* The command line as check_tcp users type it, rewritten into what getopt knows. */
#ifndef CHECK_TCPPORT_ARGV_H
#define CHECK_TCPPORT_ARGV_H

void argv_legacy_aliases(int argc, char *argv[]);

#endif
