/* SPDX-License-Identifier: ISC */
/* plugin/evaluate.c: the state of each target and of the run, from tallies made by hand:
 * thresholds on the time and the loss, the outcome-to-state mapping, the failure that
 * speaks for a target, --min-ok, the run with no target at all, and the run of
 * --addresses=all that left addresses unchecked. */
#include "config.h"

#include <string.h>

#include "plugin/evaluate.h"
#include "plugin/tally.h"
#include "tap.h"

#define CASE_TARGETS 4
#define NO_FAILURE  OUTCOME_CONNECTED /* in a failure slot: none */

/* A target's tally, said briefly: how many probes, how many connected and in how long
 * each, which failures happened in which order. naddr 0: the host did not resolve, for
 * the reason `unresolved`. */
struct tspec {
	unsigned naddr;
	enum outcome unresolved;
	unsigned probes, connected;
	double seconds;
	enum outcome fail[2];  /* failures in the order they happened */
};

/* The options that matter here. */
struct ospec {
	const char *warning, *critical, *warning_loss, *critical_loss;
	unsigned min_ok;
	bool percent;
	enum outcome remap;	/* this outcome maps to remap_state (NO_FAILURE: none) */
	enum state remap_state;
};

/* What the verdict of a target must be. */
struct vspec {
	enum state state;
	enum outcome outcome;
	double loss;
};

#define CONNECTS(s)   {1, OUTCOME_CONNECTED, 1, 1, s, {NO_FAILURE, NO_FAILURE}}
#define FAILS(o)      {1, OUTCOME_CONNECTED, 1, 0, 0, {o, NO_FAILURE}}
#define FAILS2(a, b)  {1, OUTCOME_CONNECTED, 1, 0, 0, {a, b}}
#define UNRESOLVED(o) {0, o, 0, 0, 0, {NO_FAILURE, NO_FAILURE}}
#define DEFAULTS      {NULL, NULL, NULL, NULL, 0, false, NO_FAILURE, STATE_OK}

static const struct {
	const char *name;
	struct ospec opts;
	size_t count;
	struct tspec targets[CASE_TARGETS];
	enum state state;
	size_t ok, needed;
	struct vspec verdicts[CASE_TARGETS];
} runs[] = {
	{"one target connects", DEFAULTS, 1, {CONNECTS(0.01)}, STATE_OK, 1, 1,
	 {{STATE_OK, OUTCOME_CONNECTED, 0}}},
	{"slower than -w", {"0.005", NULL, NULL, NULL, 0, false, NO_FAILURE, STATE_OK}, 1,
	 {CONNECTS(0.01)}, STATE_WARNING, 0, 1, {{STATE_WARNING, OUTCOME_CONNECTED, 0}}},
	{"slower than -c", {"0.005", "0.008", NULL, NULL, 0, false, NO_FAILURE, STATE_OK}, 1,
	 {CONNECTS(0.01)}, STATE_CRITICAL, 0, 1, {{STATE_CRITICAL, OUTCOME_CONNECTED, 0}}},
	{"within -w and -c", {"0.5", "1", NULL, NULL, 0, false, NO_FAILURE, STATE_OK}, 1,
	 {CONNECTS(0.01)}, STATE_OK, 1, 1, {{STATE_OK, OUTCOME_CONNECTED, 0}}},
	{"inside an @ range of -w", {"@0:0.02", NULL, NULL, NULL, 0, false, NO_FAILURE, STATE_OK},
	 1, {CONNECTS(0.01)}, STATE_WARNING, 0, 1, {{STATE_WARNING, OUTCOME_CONNECTED, 0}}},
	{"refused", DEFAULTS, 1, {FAILS(OUTCOME_REFUSED)}, STATE_CRITICAL, 0, 1,
	 {{STATE_CRITICAL, OUTCOME_REFUSED, 100}}},
	{"a mismatch is a warning", DEFAULTS, 1, {FAILS(OUTCOME_MISMATCH)}, STATE_WARNING, 0, 1,
	 {{STATE_WARNING, OUTCOME_MISMATCH, 100}}},
	{"a local error is unknown", DEFAULTS, 1, {FAILS(OUTCOME_LOCAL_ERROR)}, STATE_UNKNOWN, 0, 1,
	 {{STATE_UNKNOWN, OUTCOME_LOCAL_ERROR, 100}}},
	{"refused, mapped to ok", {NULL, NULL, NULL, NULL, 0, false, OUTCOME_REFUSED, STATE_OK}, 1,
	 {FAILS(OUTCOME_REFUSED)}, STATE_OK, 1, 1, {{STATE_OK, OUTCOME_REFUSED, 100}}},
	{"connected, mapped to critical",
	 {NULL, NULL, NULL, NULL, 0, false, OUTCOME_CONNECTED, STATE_CRITICAL}, 1, {CONNECTS(0.01)},
	 STATE_CRITICAL, 0, 1, {{STATE_CRITICAL, OUTCOME_CONNECTED, 0}}},
	{"a name that does not resolve", DEFAULTS, 1, {UNRESOLVED(OUTCOME_NAME_UNKNOWN)},
	 STATE_CRITICAL, 0, 1, {{STATE_CRITICAL, OUTCOME_NAME_UNKNOWN, 100}}},
	{"two failures of one rank: the first speaks", DEFAULTS, 1,
	 {FAILS2(OUTCOME_TIMEOUT, OUTCOME_REFUSED)}, STATE_CRITICAL, 0, 1,
	 {{STATE_CRITICAL, OUTCOME_TIMEOUT, 100}}},
	{"the worse failure speaks, not the first",
	 {NULL, NULL, NULL, NULL, 0, false, OUTCOME_TIMEOUT, STATE_WARNING}, 1,
	 {FAILS2(OUTCOME_TIMEOUT, OUTCOME_REFUSED)}, STATE_CRITICAL, 0, 1,
	 {{STATE_CRITICAL, OUTCOME_REFUSED, 100}}},
	{"critical outranks unknown", DEFAULTS, 1, {FAILS2(OUTCOME_LOCAL_ERROR, OUTCOME_REFUSED)},
	 STATE_CRITICAL, 0, 1, {{STATE_CRITICAL, OUTCOME_REFUSED, 100}}},
	{"one of two fails", DEFAULTS, 2, {CONNECTS(0.01), FAILS(OUTCOME_REFUSED)}, STATE_CRITICAL,
	 1, 2, {{STATE_OK, OUTCOME_CONNECTED, 0}, {STATE_CRITICAL, OUTCOME_REFUSED, 100}}},
	{"ok and unknown", DEFAULTS, 2, {CONNECTS(0.01), FAILS(OUTCOME_LOCAL_ERROR)}, STATE_UNKNOWN,
	 1, 2, {{STATE_OK, OUTCOME_CONNECTED, 0}, {STATE_UNKNOWN, OUTCOME_LOCAL_ERROR, 100}}},
	{"warning outranks unknown", DEFAULTS, 2, {FAILS(OUTCOME_MISMATCH), FAILS(OUTCOME_LOCAL_ERROR)},
	 STATE_WARNING, 0, 2,
	 {{STATE_WARNING, OUTCOME_MISMATCH, 100}, {STATE_UNKNOWN, OUTCOME_LOCAL_ERROR, 100}}},
	{"--min-ok 1 of two", {NULL, NULL, NULL, NULL, 1, false, NO_FAILURE, STATE_OK}, 2,
	 {FAILS(OUTCOME_REFUSED), CONNECTS(0.01)}, STATE_OK, 1, 1,
	 {{STATE_CRITICAL, OUTCOME_REFUSED, 100}, {STATE_OK, OUTCOME_CONNECTED, 0}}},
	{"--min-ok 5 of two that connect: the pool is short", {NULL, NULL, NULL, NULL, 5, false, NO_FAILURE, STATE_OK},
	 2, {CONNECTS(0.01), CONNECTS(0.02)}, STATE_CRITICAL, 2, 5,
	 {{STATE_OK, OUTCOME_CONNECTED, 0}, {STATE_OK, OUTCOME_CONNECTED, 0}}},
	{"--min-ok 3 of two, one fails", {NULL, NULL, NULL, NULL, 3, false, NO_FAILURE, STATE_OK}, 2,
	 {CONNECTS(0.01), FAILS(OUTCOME_MISMATCH)}, STATE_WARNING, 1, 3,
	 {{STATE_OK, OUTCOME_CONNECTED, 0}, {STATE_WARNING, OUTCOME_MISMATCH, 100}}},
	{"--min-ok 50% of three, one connects", {NULL, NULL, NULL, NULL, 50, true, NO_FAILURE, STATE_OK},
	 3, {CONNECTS(0.01), FAILS(OUTCOME_MISMATCH), FAILS(OUTCOME_REFUSED)}, STATE_CRITICAL, 1, 2,
	 {{STATE_OK, OUTCOME_CONNECTED, 0},
	  {STATE_WARNING, OUTCOME_MISMATCH, 100},
	  {STATE_CRITICAL, OUTCOME_REFUSED, 100}}},
	{"--min-ok 50% of four, two connect", {NULL, NULL, NULL, NULL, 50, true, NO_FAILURE, STATE_OK},
	 4, {CONNECTS(0.01), FAILS(OUTCOME_REFUSED), CONNECTS(0.01), FAILS(OUTCOME_REFUSED)},
	 STATE_OK, 2, 2,
	 {{STATE_OK, OUTCOME_CONNECTED, 0},
	  {STATE_CRITICAL, OUTCOME_REFUSED, 100},
	  {STATE_OK, OUTCOME_CONNECTED, 0},
	  {STATE_CRITICAL, OUTCOME_REFUSED, 100}}},
	{"--min-ok 1% of one that fails: rounds up to 1",
	 {NULL, NULL, NULL, NULL, 1, true, NO_FAILURE, STATE_OK}, 1, {FAILS(OUTCOME_REFUSED)},
	 STATE_CRITICAL, 0, 1, {{STATE_CRITICAL, OUTCOME_REFUSED, 100}}},
	{"a quarter of the probes lost, --warning-loss 20",
	 {NULL, NULL, "20", "50", 0, false, NO_FAILURE, STATE_OK}, 1,
	 {{1, OUTCOME_CONNECTED, 4, 3, 0.01, {OUTCOME_TIMEOUT, NO_FAILURE}}}, STATE_WARNING, 0, 1,
	 {{STATE_WARNING, OUTCOME_CONNECTED, 25}}},
	{"three quarters lost, --critical-loss 50",
	 {NULL, NULL, "20", "50", 0, false, NO_FAILURE, STATE_OK}, 1,
	 {{1, OUTCOME_CONNECTED, 4, 1, 0.01, {OUTCOME_TIMEOUT, NO_FAILURE}}}, STATE_CRITICAL, 0, 1,
	 {{STATE_CRITICAL, OUTCOME_CONNECTED, 75}}},
	{"a quarter lost, no loss thresholds", DEFAULTS, 1,
	 {{1, OUTCOME_CONNECTED, 4, 3, 0.01, {OUTCOME_TIMEOUT, NO_FAILURE}}}, STATE_OK, 1, 1,
	 {{STATE_OK, OUTCOME_CONNECTED, 25}}},
	{"all lost, refused mapped to ok, --critical-loss 50",
	 {NULL, NULL, NULL, "50", 0, false, OUTCOME_REFUSED, STATE_OK}, 1,
	 {{1, OUTCOME_CONNECTED, 2, 0, 0, {OUTCOME_REFUSED, NO_FAILURE}}}, STATE_CRITICAL, 0, 1,
	 {{STATE_CRITICAL, OUTCOME_REFUSED, 100}}},
};

/* A run of no target at all must never say OK: nothing was checked. */
static const struct {
	const char *name;
	struct ospec opts;
} empty_runs[] = {
	{"the defaults", DEFAULTS},
	{"--min-ok 0 (all)", {NULL, NULL, NULL, NULL, 0, false, NO_FAILURE, STATE_OK}},
	{"--min-ok 1", {NULL, NULL, NULL, NULL, 1, false, NO_FAILURE, STATE_OK}},
	{"--min-ok 3", {NULL, NULL, NULL, NULL, 3, false, NO_FAILURE, STATE_OK}},
	{"--min-ok 50%", {NULL, NULL, NULL, NULL, 50, true, NO_FAILURE, STATE_OK}},
	{"--min-ok 100%", {NULL, NULL, NULL, NULL, 100, true, NO_FAILURE, STATE_OK}},
	{"-w 1 -c 2", {"1", "2", NULL, NULL, 0, false, NO_FAILURE, STATE_OK}},
	{"--critical-loss 50", {NULL, NULL, NULL, "50", 0, false, NO_FAILURE, STATE_OK}},
	{"refused mapped to ok", {NULL, NULL, NULL, NULL, 0, false, OUTCOME_REFUSED, STATE_OK}},
};

/* --addresses=all with addresses past the cap per name: two targets checked, `unchecked`
 * never were. Nothing wrong found is never OK; a failure found keeps its state; --min-ok
 * can be met by the checked ones, and a percentage is of all of them. */
static const struct {
	const char *name;
	struct ospec opts;
	struct tspec targets[2];
	size_t unchecked;
	enum state state;
	size_t needed;
} unchecked_runs[] = {
	{"both OK, 8 unchecked", DEFAULTS, {CONNECTS(0.01), CONNECTS(0.01)}, 8, STATE_UNKNOWN,
	 2},
	{"one refused, 8 unchecked", DEFAULTS, {CONNECTS(0.01), FAILS(OUTCOME_REFUSED)}, 8,
	 STATE_CRITICAL, 2},
	{"one slower than -w, 8 unchecked",
	 {"0.005", NULL, NULL, NULL, 0, false, NO_FAILURE, STATE_OK},
	 {CONNECTS(0.01), CONNECTS(0.001)}, 8, STATE_WARNING, 2},
	{"--min-ok 2 met, 8 unchecked", {NULL, NULL, NULL, NULL, 2, false, NO_FAILURE, STATE_OK},
	 {CONNECTS(0.01), CONNECTS(0.01)}, 8, STATE_OK, 2},
	{"--min-ok 20% of 10 met", {NULL, NULL, NULL, NULL, 20, true, NO_FAILURE, STATE_OK},
	 {CONNECTS(0.01), CONNECTS(0.01)}, 8, STATE_OK, 2},
	{"--min-ok 30% of 10 not met", {NULL, NULL, NULL, NULL, 30, true, NO_FAILURE, STATE_OK},
	 {CONNECTS(0.01), CONNECTS(0.01)}, 8, STATE_UNKNOWN, 3},
};

/* Static: the options hold a 136 KiB port list, the resolutions 4 KiB per host. */
static struct options opts;
static struct resolution resolutions[CASE_TARGETS];
static struct target targets[CASE_TARGETS];
static struct detail details[CASE_TARGETS];

static bool
set_range(const char *text, struct range *r)
{
	*r = (struct range){0};
	return text == NULL || range_parse(text, r);
}

static bool
set_options(const struct ospec *o)
{
	memset(&opts, 0, sizeof opts);
	for (int i = 0; i < OUTCOME_COUNT; i++)
		opts.states[i] = outcome_default_state((enum outcome)i);
	if (o->remap != NO_FAILURE || o->remap_state != STATE_OK)
		opts.states[o->remap] = o->remap_state;
	opts.min_ok = o->min_ok;
	opts.min_ok_percent = o->percent;
	opts.count = 1;
	return set_range(o->warning, &opts.warning) && set_range(o->critical, &opts.critical) &&
	       set_range(o->warning_loss, &opts.warning_loss) &&
	       set_range(o->critical_loss, &opts.critical_loss);
}

static void
set_target(unsigned i, const struct tspec *s)
{
	struct target *t = &targets[i];
	struct tally *tl = &t->tally;
	struct detail *d = &details[i];

	memset(t, 0, sizeof *t);
	memset(d, 0, sizeof *d);
	memset(&resolutions[i], 0, sizeof resolutions[i]);
	t->host = (uint16_t)i;
	t->port = 80;
	t->naddr = (uint8_t)s->naddr;
	resolutions[i].count = s->naddr;
	resolutions[i].outcome = s->naddr > 0 ? OUTCOME_CONNECTED : s->unresolved;
	tl->probes = (uint16_t)s->probes;
	tl->connected = (uint16_t)s->connected;
	tl->sum = (int64_t)(s->connected * s->seconds * 1e9);
	d->connect_sum = tl->sum;
	d->sumsq = s->connected * s->seconds * s->seconds;
	d->min = d->max = (int64_t)(s->seconds * 1e9);
	/* the failures in the order they happened, counted as the engine counts them */
	for (unsigned k = 0; k < 2; k++)
		if (s->fail[k] != NO_FAILURE)
			tally_failure(tl, d, opts.states, s->fail[k], (struct failure){0});
}

static bool
near(double a, double b)
{
	return a - b < 1e-9 && b - a < 1e-9;
}

int
main(void)
{
	plan((int)(TAP_COUNT(runs) + TAP_COUNT(empty_runs) + TAP_COUNT(unchecked_runs)));

	for (size_t i = 0; i < TAP_COUNT(runs); i++) {
		bool good = set_options(&runs[i].opts);
		for (unsigned k = 0; k < runs[i].count; k++)
			set_target(k, &runs[i].targets[k]);
		struct summary sum =
			evaluate(&opts, resolutions, targets, details, runs[i].count, 0);
		good = good && sum.state == runs[i].state && sum.total == runs[i].count &&
		       sum.ok == runs[i].ok && sum.needed == runs[i].needed;
		for (unsigned k = 0; k < runs[i].count; k++) {
			const struct verdict verdict = target_verdict(&opts, &resolutions[k], &targets[k],
								      &details[k]);
			const struct verdict *v = &verdict;
			const struct vspec *want = &runs[i].verdicts[k];
			const struct tspec *ts = &runs[i].targets[k];
			bool vgood = v->state == want->state && v->outcome == want->outcome &&
				     near(v->loss, want->loss) &&
				     (ts->connected == 0 || near(v->seconds, ts->seconds));
			if (!vgood)
				diag("target %u: state %s outcome %s loss %g seconds %g", k,
				     state_name(v->state), outcome_key(v->outcome), v->loss, v->seconds);
			good = good && vgood;
		}
		if (!ok(good, "%s: %s, %zu of %zu ok, %zu needed", runs[i].name,
			state_name(runs[i].state), runs[i].ok, runs[i].count, runs[i].needed))
			diag("got %s, %zu of %zu ok, %zu needed", state_name(sum.state), sum.ok,
			     sum.total, sum.needed);
	}

	for (size_t i = 0; i < TAP_COUNT(empty_runs); i++) {
		bool good = set_options(&empty_runs[i].opts);
		struct summary sum = evaluate(&opts, resolutions, targets, details, 0, 0);
		if (!ok(good && sum.state == STATE_UNKNOWN && sum.total == 0 && sum.ok == 0,
			"no target at all, %s: UNKNOWN, never OK", empty_runs[i].name))
			diag("got %s, %zu of %zu ok, %zu needed", state_name(sum.state), sum.ok,
			     sum.total, sum.needed);
	}
	for (size_t i = 0; i < TAP_COUNT(unchecked_runs); i++) {
		bool good = set_options(&unchecked_runs[i].opts);
		for (unsigned k = 0; k < 2; k++)
			set_target(k, &unchecked_runs[i].targets[k]);
		struct summary sum = evaluate(&opts, resolutions, targets, details, 2,
					      unchecked_runs[i].unchecked);
		if (!ok(good && sum.state == unchecked_runs[i].state && sum.total == 2 &&
				sum.needed == unchecked_runs[i].needed &&
				sum.unchecked == unchecked_runs[i].unchecked,
			"%s: %s", unchecked_runs[i].name, state_name(unchecked_runs[i].state)))
			diag("got %s, %zu of %zu ok, %zu needed", state_name(sum.state), sum.ok,
			     sum.total, sum.needed);
	}
	return done();
}
