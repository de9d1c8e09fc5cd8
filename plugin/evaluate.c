/* Decides the state of the run. No I/O: everything it needs is in its arguments. */
#include "config.h"
#include "evaluate.h"

static enum state judge_time(const struct options *opts, double seconds);

/* The verdict: a failed resolution speaks for itself; a connection is judged by its time;
 * when no address connected, the attempt whose outcome maps to the worst state speaks
 * (the first such one, i.e. the most preferred address). */
struct verdict
evaluate(const struct options *opts, const struct resolution *res, const struct attempt *attempts,
	 size_t count, long winner)
{
	struct verdict v = {.attempt = -1};

	if (res->outcome != OUTCOME_CONNECTED) {
		v.outcome = res->outcome;
		v.state = opts->states[v.outcome];
		return v;
	}
	if (winner >= 0) {
		const struct attempt *a = &attempts[winner];
		v.outcome = OUTCOME_CONNECTED;
		v.attempt = winner;
		v.seconds = clock_seconds(a->finished - a->started);
		v.state = state_worst(opts->states[OUTCOME_CONNECTED], judge_time(opts, v.seconds));
		return v;
	}
	for (size_t i = 0; i < count; i++) {
		if (attempts[i].status != ATTEMPT_DONE)
			continue;
		enum state s = opts->states[attempts[i].outcome];
		if (v.attempt < 0 || (state_worst(s, v.state) == s && s != v.state)) {
			v.attempt = (long)i;
			v.state = s;
			v.outcome = attempts[i].outcome;
		}
	}
	if (v.attempt < 0) {
		/* The deadline came before the first connect could even start. */
		v.attempt = 0;
		v.outcome = OUTCOME_TIMEOUT;
		v.state = opts->states[OUTCOME_TIMEOUT];
	}
	return v;
}

/* The state of a connect time against -c and -w; critical wins. */
static enum state
judge_time(const struct options *opts, double seconds)
{
	if (range_alerts(&opts->critical, seconds))
		return STATE_CRITICAL;
	if (range_alerts(&opts->warning, seconds))
		return STATE_WARNING;
	return STATE_OK;
}
