/* SPDX-License-Identifier: ISC */
/* plugin/state.c: the Nagios states' names, their spellings on the command line (exact,
 * and by prefix as check_tcp's -r takes them), and the order of severity. */
#include "config.h"

#include <string.h>

#include "plugin/state.h"
#include "tap.h"

#define NOT_A_STATE ((enum state)99) /* what a refusal must leave alone */

static const struct {
	const char *text;
	enum state exact;  /* state_parse; NOT_A_STATE: refused */
	enum state prefix; /* state_parse_prefix */
} spellings[] = {
	{"ok", STATE_OK, STATE_OK},
	{"OK", STATE_OK, STATE_OK},
	{"0", STATE_OK, STATE_OK},
	{"warning", STATE_WARNING, STATE_WARNING},
	{"Warn", STATE_WARNING, STATE_WARNING},
	{"1", STATE_WARNING, STATE_WARNING},
	{"critical", STATE_CRITICAL, STATE_CRITICAL},
	{"CRIT", STATE_CRITICAL, STATE_CRITICAL},
	{"2", STATE_CRITICAL, STATE_CRITICAL},
	{"unknown", STATE_UNKNOWN, STATE_UNKNOWN},
	{"unkn", STATE_UNKNOWN, STATE_UNKNOWN},
	{"3", STATE_UNKNOWN, STATE_UNKNOWN},
	{"critic", NOT_A_STATE, STATE_CRITICAL},
	{"okay", NOT_A_STATE, STATE_OK},
	{"warnings", NOT_A_STATE, STATE_WARNING},
	{"unknowable", NOT_A_STATE, STATE_UNKNOWN},
	{"", NOT_A_STATE, NOT_A_STATE},
	{"4", NOT_A_STATE, NOT_A_STATE},
	{"-1", NOT_A_STATE, NOT_A_STATE},
	{"00", NOT_A_STATE, NOT_A_STATE},
	{"o", NOT_A_STATE, NOT_A_STATE},
	{"war", NOT_A_STATE, NOT_A_STATE},
	{"cri", NOT_A_STATE, NOT_A_STATE},
	{"unk", NOT_A_STATE, NOT_A_STATE},
	{" ok", NOT_A_STATE, NOT_A_STATE},
	{"ok ", NOT_A_STATE, STATE_OK},
	{"pending", NOT_A_STATE, NOT_A_STATE},
};

static const struct {
	enum state state;
	const char *name;
	int rank;
} names[] = {
	{STATE_OK, "OK", 0},
	{STATE_WARNING, "WARNING", 2},
	{STATE_CRITICAL, "CRITICAL", 3},
	{STATE_UNKNOWN, "UNKNOWN", 1},
	{(enum state)4, "UNKNOWN", 1},
	{(enum state)-1, "UNKNOWN", 1},
};

/* OK < UNKNOWN < WARNING < CRITICAL, whichever comes first. */
static const struct {
	enum state a, b, worst;
} worst[] = {
	{STATE_OK, STATE_OK, STATE_OK},
	{STATE_OK, STATE_WARNING, STATE_WARNING},
	{STATE_WARNING, STATE_OK, STATE_WARNING},
	{STATE_OK, STATE_UNKNOWN, STATE_UNKNOWN},
	{STATE_UNKNOWN, STATE_WARNING, STATE_WARNING},
	{STATE_WARNING, STATE_UNKNOWN, STATE_WARNING},
	{STATE_UNKNOWN, STATE_CRITICAL, STATE_CRITICAL},
	{STATE_CRITICAL, STATE_WARNING, STATE_CRITICAL},
	{STATE_CRITICAL, STATE_UNKNOWN, STATE_CRITICAL},
	{STATE_UNKNOWN, STATE_UNKNOWN, STATE_UNKNOWN},
};

int
main(void)
{
	plan((int)(2 * TAP_COUNT(spellings) + 2 * TAP_COUNT(names) + TAP_COUNT(worst)));

	for (size_t i = 0; i < TAP_COUNT(spellings); i++) {
		enum state s = NOT_A_STATE;
		bool r = state_parse(spellings[i].text, &s);
		ok(r == (spellings[i].exact != NOT_A_STATE) && s == spellings[i].exact,
		   "state_parse('%s') is %s", spellings[i].text,
		   spellings[i].exact != NOT_A_STATE ? state_name(spellings[i].exact) : "refused");
		s = NOT_A_STATE;
		r = state_parse_prefix(spellings[i].text, &s);
		ok(r == (spellings[i].prefix != NOT_A_STATE) && s == spellings[i].prefix,
		   "state_parse_prefix('%s') is %s", spellings[i].text,
		   spellings[i].prefix != NOT_A_STATE ? state_name(spellings[i].prefix) : "refused");
	}
	for (size_t i = 0; i < TAP_COUNT(names); i++) {
		ok(strcmp(state_name(names[i].state), names[i].name) == 0, "state %d is named %s",
		   (int)names[i].state, names[i].name);
		ok(state_rank(names[i].state) == names[i].rank, "state %d ranks %d",
		   (int)names[i].state, names[i].rank);
	}
	for (size_t i = 0; i < TAP_COUNT(worst); i++)
		ok(state_worst(worst[i].a, worst[i].b) == worst[i].worst, "the worse of %s and %s is %s",
		   state_name(worst[i].a), state_name(worst[i].b), state_name(worst[i].worst));
	return done();
}
