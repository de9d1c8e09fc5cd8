/* SPDX-License-Identifier: ISC */
/* Counting probes as they end. A target keeps sums, not lists, so that its tally stays the
 * same size whatever -n is; the spread (min, max, jitter), the outcome of every failed
 * attempt and the parts of a conversation's time are kept only in the detail of a run
 * that prints them (-n > 1, a conversation). */
#include "config.h"
#include "tally.h"

#include "clock.h"

/* Counts a probe that succeeded: its time is the handshake, or with a conversation the
 * time until the expectation was met, -d excluded (as check_tcp measures it). */
void
tally_success(struct tally *tl, struct detail *d, const struct converse_config *cc,
	      const struct attempt *a, const struct converse *conv)
{
	int64_t handshake = a->finished - a->started;
	int64_t took = handshake;

	if (cc != NULL && converse_wanted(cc)) {
		took = handshake + converse_talk_ns(cc, conv);
		int64_t response = converse_response_ns(cc, conv);
		if (response >= 0 && d != NULL) {
			d->response_sum += response;
			d->responses++;
		}
	}
	if (d != NULL) {
		d->connect_sum += handshake;
		if (tl->connected == 0 || took < d->min)
			d->min = took;
		if (tl->connected == 0 || took > d->max)
			d->max = took;
		double s = clock_seconds(took);
		d->sumsq += s * s;
	}
	tl->connected++;
	tl->sum += took;
	tl->last_addr = (uint8_t)a->addr;
}

/* Counts an attempt or a conversation that failed. The tally keeps one failure to name:
 * the first of those whose outcome maps to the worst state (with the user's --state), so
 * that a refusal mapped to OK never hides a timeout, and on a tie the most preferred
 * address and the earliest probe speak. */
void
tally_failure(struct tally *tl, struct detail *d, const enum state *states,
	      enum outcome outcome, struct failure f)
{
	bool none = tl->failure.outcome == OUTCOME_CONNECTED;

	if (d != NULL)
		d->failed[outcome]++;
	if (none || state_rank(states[outcome]) > state_rank(states[tl->failure.outcome])) {
		f.outcome = (uint8_t)outcome;
		tl->failure = f;
	}
}

/* Counts a probe the deadline kept from starting: a timeout for the state, which the
 * report tells apart as "not run". */
void
tally_not_run(struct tally *tl, struct detail *d, const enum state *states, unsigned addr)
{
	tl->probes++;
	tl->not_run++;
	tally_failure(tl, d, states, OUTCOME_TIMEOUT, (struct failure){.addr = (uint8_t)addr});
}
