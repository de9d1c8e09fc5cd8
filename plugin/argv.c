/* SPDX-License-Identifier: ISC */
/* Spellings of check_tcp that getopt_long cannot take as they are. */
#include "config.h"
#include "argv.h"

#include <string.h>

/* check_tcp's old spellings "-to", "-wt" and "-ct" mean -t, -w and -c with the value in
 * the next word; getopt reads "-to" as -t with the value "o". Whether `word`, just read
 * by getopt as option `c` with the value `value` attached, is one of them. Asked only of
 * a word getopt read as an option, never of an option's value, so "-e -ct" still
 * expects the text "-ct". */
bool
argv_is_legacy(int c, const char *word, const char *value)
{
	static const char *const spellings[] = {"-to", "-wt", "-ct"};
	static const char letters[] = "twc";

	for (size_t i = 0; i < sizeof letters - 1; i++)
		if (c == letters[i] && strcmp(word, spellings[i]) == 0 && value == word + 2)
			return true;
	return false;
}
