/* SPDX-License-Identifier: ISC */
/* Decides the state of every target and of the run. No I/O: everything it needs is in its
 * arguments. */
#include "config.h"
#include "evaluate.h"

#include "clock.h"
#include "number.h"

static enum state thresholds_state(const struct range *warning, const struct range *critical,
			double value);

/* Fills each target's verdict and returns the run's: by default every target must be OK
 * and the run takes the worst state; with --min-ok it is OK when enough targets are, and
 * otherwise takes the worst state of those that are not. A run with no target checked
 * nothing and is UNKNOWN, whatever led to it: "0 of 0 OK" must never read as OK. So is
 * a run of --addresses=all that left `unchecked` targets (addresses past the cap per
 * name) and found nothing wrong: "every address must connect" was not verified. */
struct summary
evaluate(const struct options *opts, const struct resolution *resolutions,
	 struct target *targets, const struct detail *details, size_t count, size_t unchecked)
{
	struct summary sum = {.state = STATE_OK, .total = count, .needed = count};
	enum state worst = STATE_OK;

	for (size_t i = 0; i < count; i++) {
		struct verdict v = target_verdict(opts, &resolutions[targets[i].host], &targets[i],
						  details != NULL ? &details[i] : NULL);
		enum state s = v.state;
		targets[i].state = (uint8_t)s;
		worst = state_worst(worst, s);
		if (s == STATE_OK)
			sum.ok++;
	}
	/* --min-ok 5 of a pool that has shrunk to 3 targets is not met, even when all 3
	 * are OK: CRITICAL, as the pool is short. A percentage is of every target, the
	 * unchecked ones included. */
	sum.unchecked = unchecked;
	size_t pool = count + sum.unchecked;
	if (opts->min_ok > 0)
		sum.needed = opts->min_ok_percent ? (pool * opts->min_ok + 99) / 100 : opts->min_ok;
	bool met = sum.ok >= sum.needed && (opts->min_ok > 0 || sum.unchecked == 0);
	if (count == 0)
		sum.state = STATE_UNKNOWN;
	else if (met)
		sum.state = STATE_OK;
	else if (sum.unchecked > 0)
		sum.state = state_worst(worst, STATE_UNKNOWN);
	else
		sum.state = worst != STATE_OK ? worst : STATE_CRITICAL;
	return sum;
}

/* One target: a connection is judged by its (average) time and its loss; a target that
 * never connected by the failure whose outcome maps to the worst state, the first such
 * one on a tie (the most preferred address, the earliest probe), which its tally kept.
 * `d` is the target's detail, or NULL when the run keeps none (then -n is 1). Pure: the
 * report calls it again for the figures it prints. */
struct verdict
target_verdict(const struct options *opts, const struct resolution *res,
	       const struct target *t, const struct detail *d)
{
	struct verdict verdict = {.loss = 100.0};
	struct verdict *v = &verdict;
	const struct tally *tl = &t->tally;
	unsigned probes = tl->probes > 0 ? tl->probes : 1;

	if (t->naddr == 0) {
		v->outcome = res->outcome;
		v->state = opts->states[v->outcome];
		return verdict;
	}
	/* loss is of the probes sent: one the deadline kept from starting was not lost */
	unsigned sent = probes > tl->not_run ? probes - tl->not_run : 0;
	v->sent = sent;
	if (sent > 0)
		v->loss = 100.0 * (double)(sent - tl->connected) / (double)sent;
	enum state loss_state =
		thresholds_state(&opts->warning_loss, &opts->critical_loss, v->loss);
	v->lossy = loss_state != STATE_OK;
	if (tl->connected > 0) {
		double n = (double)tl->connected;
		v->outcome = OUTCOME_CONNECTED;
		v->seconds = clock_seconds(tl->sum) / n;
		v->min = v->max = v->seconds;
		if (d != NULL && tl->connected > 1) {
			v->min = clock_seconds(d->min);
			v->max = clock_seconds(d->max);
			v->jitter = number_square_root(d->sumsq / n - v->seconds * v->seconds);
		}
		/* without a conversation the time is the handshake */
		v->connect = d != NULL ? clock_seconds(d->connect_sum) / n : v->seconds;
		v->has_response = d != NULL && d->responses > 0;
		if (v->has_response)
			v->response = clock_seconds(d->response_sum) / (double)d->responses;
		enum state time_state = thresholds_state(&opts->warning, &opts->critical, v->seconds);
		v->slow = time_state != STATE_OK;
		v->state = state_worst(state_worst(opts->states[OUTCOME_CONNECTED], time_state),
				       loss_state);
		/* Probes the deadline kept from starting are no loss, but the run did not do
		 * what was asked (-n probes within -t, which the options promised would fit):
		 * never OK, UNKNOWN as a check that could not run is. A WARNING or CRITICAL the
		 * probes that ran found stays: that is news about the service. */
		if (tl->not_run > 0 && v->state == STATE_OK)
			v->state = STATE_UNKNOWN;
		return verdict;
	}
	/* a probe that ends has an outcome: no failure kept would be a tally not filled */
	enum outcome best = tl->failure.outcome != OUTCOME_CONNECTED
				    ? (enum outcome)tl->failure.outcome
				    : OUTCOME_TIMEOUT;
	v->outcome = best;
	v->failure = &tl->failure;
	v->state = state_worst(opts->states[best], loss_state);
	/* The handshake completed before the conversation failed: the port is open, which
	 * is as bad as connected says ("must stay closed": connected=critical) whatever the
	 * failure after it maps to. */
	if (tl->handshakes > 0)
		v->state = state_worst(v->state, opts->states[OUTCOME_CONNECTED]);
	/* Nothing was sent, or an address was never tried (the deadline came first, or
	 * the name had more addresses than --addresses=first tries): what would have
	 * happened is not known, so it is never OK (timeout=ok must not make a port that
	 * was never tried look closed). */
	bool untried = tl->untried > 0 || (!opts->all_addresses && res->unused > 0);
	if ((sent == 0 || untried) && v->state == STATE_OK)
		v->state = STATE_UNKNOWN;
	return verdict;
}

/* The state of a value against a warning and a critical range; critical wins. */
static enum state
thresholds_state(const struct range *warning, const struct range *critical, double value)
{
	if (range_alerts(critical, value))
		return STATE_CRITICAL;
	if (range_alerts(warning, value))
		return STATE_WARNING;
	return STATE_OK;
}
