/* SPDX-License-Identifier: ISC */
/* Names of the Nagios states, parsing them from the command line, and which is worse. */
#include "config.h"
#include "state.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

static const char *const names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

/* Spellings accepted for a state: the full name, its usual abbreviation, the exit code. */
static const struct {
	const char *word;
	enum state state;
} spellings[] = {
	{"ok", STATE_OK},		{"0", STATE_OK},	  {"warning", STATE_WARNING},
	{"warn", STATE_WARNING},	{"1", STATE_WARNING},	  {"critical", STATE_CRITICAL},
	{"crit", STATE_CRITICAL},	{"2", STATE_CRITICAL},	  {"unknown", STATE_UNKNOWN},
	{"unkn", STATE_UNKNOWN},	{"3", STATE_UNKNOWN},
};

/* Returns the upper-case name of a state, "UNKNOWN" for anything out of range. */
const char *
state_name(enum state state)
{
	if ((unsigned)state > STATE_UNKNOWN)
		return names[STATE_UNKNOWN];
	return names[state];
}

/* Parses a state written as ok|warn|warning|crit|critical|unknown or 0-3, in any case.
 * Returns false and leaves *state alone for anything else. */
bool
state_parse(const char *text, enum state *state)
{
	for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
		if (strcasecmp(text, spellings[i].word) == 0) {
			*state = spellings[i].state;
			return true;
		}
	}
	return false;
}

/* check_tcp compares -r by prefix ("crit" matches "critical" and "critic"): accept a
 * word that begins with one of the short spellings, as well as every exact spelling. */
bool
state_parse_prefix(const char *text, enum state *state)
{
	static const struct {
		const char *prefix;
		enum state state;
	} prefixes[] = {
		{"ok", STATE_OK},
		{"warn", STATE_WARNING},
		{"crit", STATE_CRITICAL},
		{"unkn", STATE_UNKNOWN},
	};

	if (state_parse(text, state))
		return true;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		const char *p = prefixes[i].prefix;
		if (strncasecmp(text, p, strlen(p)) == 0) {
			*state = prefixes[i].state;
			return true;
		}
	}
	return false;
}

/* The Monitoring Plugins order of severity as a number: OK 0 < UNKNOWN 1 < WARNING 2 <
 * CRITICAL 3. */
int
state_rank(enum state state)
{
	static const int rank[] = {0, 2, 3, 1};
	return (unsigned)state > STATE_UNKNOWN ? rank[STATE_UNKNOWN] : rank[state];
}

/* The worse of two states, in that order. */
enum state
state_worst(enum state a, enum state b)
{
	return state_rank(a) >= state_rank(b) ? a : b;
}
