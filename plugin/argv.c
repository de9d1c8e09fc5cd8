/* SPDX-License-Identifier: ISC */
/* Spellings that getopt_long cannot take as they are, rewritten in argv before it runs. */
#include "config.h"
#include "argv.h"

#include <string.h>

/* check_tcp's old spellings "-to", "-wt" and "-ct" mean -t, -w and -c (getopt would read
 * "-to" as -t with the value "o"). Nothing after "--" is touched. */
void
argv_legacy_aliases(int argc, char *argv[])
{
	static char t[] = "-t", w[] = "-w", c[] = "-c";

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-to") == 0)
			argv[i] = t;
		else if (strcmp(argv[i], "-wt") == 0)
			argv[i] = w;
		else if (strcmp(argv[i], "-ct") == 0)
			argv[i] = c;
	}
}
