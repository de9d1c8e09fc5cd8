/* SPDX-License-Identifier: ISC */
/* The conversation glue of the engine: a probe whose handshake completed talks (-s, -e,
 * -q) on the socket that connected, driven by the same poll loop and deadline; its end
 * ends the probe. What is said and heard is converse.c's; when and on which socket is
 * here. */
#include "config.h"
#include "engine.h"

#include <errno.h>

#include "proxy.h"
#include "tally.h"

static void conversation_end(struct engine *e, struct flight *f, int64_t now);
static void tally_conversation(struct engine *e, struct flight *f, const struct attempt *a,
			       int64_t now);

/* Starts the conversation of a probe whose attempt `a` connected at `now`: with
 * --proxy-protocol, the header of this connection goes out first. */
void
conversation_start(struct engine *e, struct flight *f, struct attempt *a, int64_t now)
{
	const struct converse_config *cc = e->cfg->converse;
	long idx = (long)(a - f->attempts);

	f->reached = idx;
	f->talking = idx;
	int err = converse_begin(cc, f->conv, now);
	if (err == 0 && a->reset_at_once)
		err = ECONNRESET;
	/* this connection's own addresses: each probe, port and host has its own header */
	if (err == 0)
		err = proxy_header(cc->proxy, a->fd, f->conv->proxy, &f->conv->proxy_len);
	if (err != 0)
		converse_abort(cc, f->conv, err, now);
	if (f->conv->phase == CONVERSE_DONE) {
		conversation_end(e, f, now);
		return;
	}
	slot_add(e, f, a, converse_events(f->conv));
	conversation_step(e, f, 0, now); /* the send can usually go out at once */
}

/* One step of a conversation, after an event (revents) or a timer (0). */
void
conversation_step(struct engine *e, struct flight *f, short revents, int64_t now)
{
	struct attempt *a = &f->attempts[f->talking];
	const struct converse_config *cc = e->cfg->converse;

	if (revents == 0 && f->conv->phase == CONVERSE_SENDING)
		revents = POLLOUT;
	if (converse_step(cc, f->conv, a->fd, revents, now)) {
		conversation_end(e, f, now);
		return;
	}
	if (a->slot >= 0)
		e->fds[a->slot].events = converse_events(f->conv);
}

/* The probe's time is up while talking: a reply still awaited has timed out (unless part
 * of one came: that is judged), and the timeout remembers which deadline cut it. */
void
conversation_expire(struct engine *e, struct flight *f, int64_t now)
{
	converse_expire(e->cfg->converse, f->conv, now);
	if (f->conv->outcome == OUTCOME_TIMEOUT && f->probe_end >= e->dl->end)
		f->attempts[f->talking].at_deadline = true;
	conversation_end(e, f, now);
}

/* The conversation's outcome is known: quit, close, and end the probe with it. */
static void
conversation_end(struct engine *e, struct flight *f, int64_t now)
{
	struct attempt *a = &f->attempts[f->talking];

	converse_finish(e->cfg->converse, f->conv, a->fd);
	if (a->slot >= 0)
		slot_drop(e, a);
	f->talking = -1;
	if (f->conv->outcome == OUTCOME_CONNECTED) {
		end_probe(e, f, now, (long)(a - f->attempts), true);
		return;
	}
	tally_conversation(e, f, a, now);
	end_probe(e, f, now, (long)(a - f->attempts), false);
}

/* Counts a conversation that failed after the handshake. */
static void
tally_conversation(struct engine *e, struct flight *f, const struct attempt *a, int64_t now)
{
	enum outcome outcome = f->conv->outcome;

	tally_failure(&f->t->tally, f->d, e->cfg->states, outcome,
		      (struct failure){.waited_ms = waited_ms(now - a->started),
				       .addr = (uint8_t)a->addr,
				       .err = (int16_t)f->conv->err,
				       .late = probe_late(f),
				       .at_deadline = outcome == OUTCOME_TIMEOUT && a->at_deadline,
				       .in_conversation = true});
}
