/* The probe engine. Every target runs its probes (-n of them, -i apart) and every probe
 * its attempts (one per address, RFC 8305: the next starts when one fails or after
 * PROBE_STAGGER_NS without an answer); all of them run concurrently as non-blocking
 * connects in one poll loop, bounded by each probe's timeout and by the run's deadline.
 * The loop never sleeps past the next thing due, and never holds more sockets than the
 * cap (--max-parallel, and the descriptors the process may open), so a thousand ports of
 * which half are silently dropped take one timeout, not five hundred. */
#include "config.h"
#include "probe.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Descriptors kept free for stdio and libc (resolver, /etc/services). */
#define FD_RESERVE 16

/* The deadline is when the answer is written and the process is gone, and closing a
 * socket whose SYN was never answered costs the kernel microseconds (tens under load):
 * 20,000 of them would overrun -t by a tenth of a second or more. The engine therefore
 * stops waiting early enough to close what it holds and write the report: by the
 * measured cost of a close (this estimate until one was measured) for each socket in
 * flight, plus a little for each target's lines and a fixed margin. */
#define CLOSE_COST_NS	   (8 * 1000)
#define REPORT_COST_NS	   500
#define TEARDOWN_MARGIN_NS (1 * NS_PER_MSEC)
/* The kernel's exit, too, takes longer the more sockets the process has had (about
 * 0.6 us each, measured with 20,000): kept for as well. */
#define EXIT_COST_NS	   1000
/* Starting thousands of connects takes long enough to overrun the deadline: the clock
 * is read again after this many targets. */
#define STEP_BATCH 64
/* The teardown closes this many sockets first, to measure what the rest will cost. */
#define TEARDOWN_BATCH 256

/* A Unix listener whose queue is full makes a non-blocking connect() fail with EAGAIN
 * instead of waiting for room: it is tried again, first after 1 ms, each wait twice the
 * last, at most 50 ms apart, until the probe's time is up. */
#define BUSY_RETRY_FIRST_NS NS_PER_MSEC
#define BUSY_RETRY_MAX_NS   (50 * NS_PER_MSEC)

struct engine {
	const struct probe_config *cfg;
	const struct deadline *dl;
	struct pollfd *fds;
	struct attempt **owners;    /* the attempt of each poll slot, NULL once finished */
	struct target **owner_targets;
	size_t nfds;		    /* slots in use, gaps included until slots_compact() */
	size_t live;		    /* sockets connecting: what the cap limits */
	size_t cap;
	unsigned long order;	    /* numbers the attempts as they end, for "first failure" */
	int64_t close_ns;	    /* what closing a connecting socket costs, measured */
	size_t teardown_next;	    /* the next target the teardown looks at */
	bool tearing_down;	    /* no new probe nor attempt: the deadline is near */
	size_t opened;		    /* sockets opened in all */
};

static bool finished(const struct target *t, const struct probe_config *cfg);
static size_t socket_budget(const struct target *targets, size_t count, unsigned max_parallel);
static void step_target(struct engine *e, struct target *t, int64_t now, int64_t *wake);
static void start_probe(struct engine *e, struct target *t, int64_t now);
static void start_attempts(struct engine *e, struct target *t, int64_t now);
static void end_if_all_failed(struct engine *e, struct target *t, int64_t now);
static void connected(struct engine *e, struct target *t, struct attempt *a, int64_t now);
static void talk(struct engine *e, struct target *t, short revents, int64_t now);
static void talk_end(struct engine *e, struct target *t, int64_t now);
static void talk_end_expired(struct engine *e, struct target *t, int64_t now);
static void give_up_others(struct engine *e, struct target *t, long keep, int64_t now);
static void end_probe(struct engine *e, struct target *t, int64_t now, long speaker,
		      bool success);
static void tally_success(struct engine *e, struct target *t, const struct attempt *a);
static void tally_failure(struct engine *e, struct target *t, enum outcome outcome,
			  struct failure f);
static void tally_conversation(struct engine *e, struct target *t, const struct attempt *a);
static void expire_probe(struct engine *e, struct target *t, int64_t now);
static void handle_events(struct engine *e, int64_t now);
static void attempt_start(struct engine *e, struct target *t, struct attempt *a);
static void attempt_end(struct engine *e, struct target *t, struct attempt *a, int err,
			int64_t now);
static int attempt_settle(struct engine *e, struct target *t, struct attempt *a, int err,
			  int64_t now);
static void attempt_connect(struct engine *e, struct target *t, struct attempt *a,
			    int64_t now);
static void retry_busy(struct engine *e, struct target *t, int64_t now, int64_t *wake);
static void busy_wait(struct engine *e, struct attempt *a, int64_t now);
static bool connected_to_itself(int fd, const struct address *to);
static void attempt_finish(struct engine *e, struct target *t, struct attempt *a, int err,
			   int64_t now);
static void slot_add(struct engine *e, struct target *t, struct attempt *a, short events);
static void slot_drop(struct engine *e, struct attempt *a);
static void slots_compact(struct engine *e);
static int open_socket(int family, const struct address *source, bool *at_bind);
static int wait_events(struct pollfd *fds, size_t nfds, int64_t until, int64_t now);
static int64_t teardown_start(const struct engine *e, size_t count);
static bool teardown_batch(struct engine *e, struct target *targets, size_t count,
			   int64_t now);
static void close_connecting(struct engine *e, struct attempt *a);

/* Runs every probe of every target until all are done or the deadline has passed, and
 * leaves the results in the targets' attempts and tallies. Returns 0, or an errno value
 * when the engine could not even start (no memory). */
int
probe_run(struct target *targets, size_t count, const struct probe_config *cfg,
	  const struct deadline *dl)
{
	struct engine e = {.cfg = cfg, .dl = dl, .close_ns = CLOSE_COST_NS};

	e.cap = socket_budget(targets, count, cfg->max_parallel);
	/* at least one slot, so that the arrays are never NULL even when nothing connects */
	size_t slots = e.cap > 0 ? e.cap : 1;
	e.fds = malloc(slots * sizeof *e.fds);
	e.owners = malloc(slots * sizeof *e.owners);
	e.owner_targets = malloc(slots * sizeof *e.owner_targets);
	if (e.fds == NULL || e.owners == NULL || e.owner_targets == NULL) {
		free(e.fds);
		free(e.owners);
		free(e.owner_targets);
		return ENOMEM;
	}
	for (;;) {
		int64_t now = clock_now();
		int64_t end = teardown_start(&e, count);
		bool busy = false;

		if (now >= end) {
			/* First a batch, to measure what a close costs on this machine now;
			 * then, when the rest needs less time than was kept for it, one
			 * more wait for answers until it must go on. */
			if (e.tearing_down || !teardown_batch(&e, targets, count, now))
				break;
			continue;
		}
		int64_t wake = end;
		for (size_t i = 0; i < count && now < end; i++) {
			struct target *t = &targets[i];
			if (finished(t, cfg))
				continue;
			step_target(&e, t, now, &wake);
			/* a step may finish the target: then there is nothing to wait for */
			busy |= !finished(t, cfg);
			if (i % STEP_BATCH == STEP_BATCH - 1) {
				now = clock_now();
				end = teardown_start(&e, count);
			}
		}
		if (!busy || now >= end)
			break;
		if (wake > end)
			wake = end; /* the sockets started since the top hold the end earlier */
		int n = wait_events(e.fds, e.nfds, wake, now);
		if (n > 0)
			handle_events(&e, clock_now());
		slots_compact(&e);
	}

	/* The deadline: what still waits has timed out; what never started counts so. */
	int64_t now = clock_now();
	for (size_t i = 0; i < count; i++) {
		struct target *t = &targets[i];
		if (t->naddr == 0)
			continue;
		if (t->in_probe)
			expire_probe(&e, t, now);
		while (t->started < cfg->count) {
			t->started++;
			t->tally.probes++;
			t->tally.not_run++;
			if (t->tally.failed[OUTCOME_TIMEOUT]++ == 0)
				t->tally.first[OUTCOME_TIMEOUT] =
					(struct failure){.order = e.order++, .addr = t->first_addr};
			if (cfg->hook != NULL)
				cfg->hook(cfg->hook_ctx, t, t->started, false, -1);
		}
	}
	free(e.fds);
	free(e.owners);
	free(e.owner_targets);
	return 0;
}

/* When to stop waiting so that closing the sockets in flight and writing the report
 * still end by the deadline. */
static int64_t
teardown_start(const struct engine *e, size_t count)
{
	int64_t reserve = (int64_t)e->live * e->close_ns + (int64_t)count * REPORT_COST_NS +
			  (int64_t)e->opened * EXIT_COST_NS + TEARDOWN_MARGIN_NS;

	return e->dl->end - reserve;
}

/* Expires the probes in flight of the first targets until TEARDOWN_BATCH sockets are
 * closed, and starts nothing new from now on. Returns false when no probe was in
 * flight. */
static bool
teardown_batch(struct engine *e, struct target *targets, size_t count, int64_t now)
{
	size_t before = e->live;
	int64_t start = clock_now();
	bool any = false;

	e->tearing_down = true;
	for (; e->teardown_next < count && before - e->live < TEARDOWN_BATCH; e->teardown_next++) {
		struct target *t = &targets[e->teardown_next];
		if (t->naddr == 0 || !t->in_probe)
			continue;
		expire_probe(e, t, now);
		any = true;
	}
	/* what each socket of the batch cost, the engine's own work included */
	if (before > e->live)
		e->close_ns = (clock_now() - start) / (int64_t)(before - e->live);
	return any;
}

/* Closes the socket of an attempt still connecting, and learns what that costs. */
static void
close_connecting(struct engine *e, struct attempt *a)
{
	int64_t before = clock_now();

	close(a->fd);
	a->fd = -1;
	int64_t took = clock_now() - before;
	/* a moving average: the load of the machine changes it during a run */
	e->close_ns += (took - e->close_ns) / 8;
}

/* True when a target has nothing left to do: no address, or every probe done. */
static bool
finished(const struct target *t, const struct probe_config *cfg)
{
	return t->naddr == 0 || (!t->in_probe && t->started == cfg->count);
}

/* How many sockets may be in flight: no more than are needed, --max-parallel, and what
 * RLIMIT_NOFILE allows once its soft limit is raised to the hard one. */
static size_t
socket_budget(const struct target *targets, size_t count, unsigned max_parallel)
{
	size_t need = 0;

	for (size_t i = 0; i < count; i++)
		need += targets[i].naddr;
	if (max_parallel > 0 && need > max_parallel)
		need = max_parallel;
	if (need + FD_RESERVE > 64) {
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
			if (rl.rlim_cur < need + FD_RESERVE && rl.rlim_cur < rl.rlim_max) {
				rl.rlim_cur = rl.rlim_max;
				setrlimit(RLIMIT_NOFILE, &rl);
				getrlimit(RLIMIT_NOFILE, &rl);
			}
			if (rl.rlim_cur != RLIM_INFINITY && need + FD_RESERVE > rl.rlim_cur)
				need = rl.rlim_cur > 2 * FD_RESERVE ? rl.rlim_cur - FD_RESERVE : 1;
		}
	}
	return need;
}

/* Moves one target along: starts its next probe when due, expires a probe past its time,
 * starts the attempts that are due, drives a conversation's timers, and lowers *wake to
 * the next thing it waits for. */
static void
step_target(struct engine *e, struct target *t, int64_t now, int64_t *wake)
{
	bool room = e->live < e->cap && !e->tearing_down;

	if (!t->in_probe) {
		if (t->next_probe_at > now) {
			if (t->next_probe_at < *wake)
				*wake = t->next_probe_at;
			return;
		}
		if (!room)
			return; /* a socket will free up: an event or a timeout wakes the loop */
		start_probe(e, t, now);
	}
	if (now >= t->probe_end) {
		expire_probe(e, t, now);
	} else if (t->talking >= 0) {
		talk(e, t, 0, now);
	} else {
		retry_busy(e, t, now, wake);
		if (t->in_probe && t->talking < 0)
			start_attempts(e, t, now);
	}

	if (t->in_probe) {
		if (t->probe_end < *wake)
			*wake = t->probe_end;
		if (t->talking >= 0) {
			int64_t at = converse_wake(e->cfg->converse, &t->conv);
			if (at < *wake)
				*wake = at;
		} else if (t->next < t->naddr && e->live < e->cap && t->next_attempt_at < *wake) {
			*wake = t->next_attempt_at;
		}
	} else if (t->started < e->cfg->count && t->next_probe_at < *wake) {
		*wake = t->next_probe_at;
	}
}

/* Begins a probe: every attempt waiting, the first due now. */
static void
start_probe(struct engine *e, struct target *t, int64_t now)
{
	int64_t end = now + e->cfg->probe_timeout;

	t->in_probe = true;
	t->started++;
	t->next = 0;
	t->winner = -1;
	t->talking = -1;
	t->probe_started = now;
	t->probe_end = end < e->dl->end ? end : e->dl->end;
	t->next_attempt_at = now;
	for (unsigned i = 0; i < t->naddr; i++) {
		struct attempt *a = &t->attempts[i];
		a->status = ATTEMPT_WAITING;
		a->fd = -1;
		a->err = 0;
		a->at_bind = false;
		a->at_deadline = false;
		a->self_connect = false;
		a->reset_at_once = false;
		a->busy = 0;
		a->retry_at = 0;
		a->outcome = OUTCOME_TIMEOUT;
		a->started = a->finished = 0;
	}
}

/* Starts the attempts of a probe that are due: the next address now after a failure,
 * or when the stagger delay has passed. Moves on when an attempt connected at once, and
 * ends the probe when every address has failed. */
static void
start_attempts(struct engine *e, struct target *t, int64_t now)
{
	while (t->next < t->naddr && t->next_attempt_at <= now && e->live < e->cap &&
	       !e->tearing_down) {
		struct attempt *a = &t->attempts[t->next++];
		attempt_start(e, t, a);
		if (a->status == ATTEMPT_WAITING)
			return; /* no descriptor free: later */
		if (a->status == ATTEMPT_DONE && a->outcome == OUTCOME_CONNECTED) {
			connected(e, t, a, a->finished);
			return;
		}
		if (a->status == ATTEMPT_CONNECTING) {
			t->next_attempt_at = a->started + PROBE_STAGGER_NS;
			break;
		}
	}
	end_if_all_failed(e, t, now);
}

/* Ends the probe as failed when every address has been tried and none is still
 * connecting. */
static void
end_if_all_failed(struct engine *e, struct target *t, int64_t now)
{
	if (!t->in_probe || t->talking >= 0 || t->next < t->naddr)
		return;
	for (unsigned i = 0; i < t->naddr; i++)
		if (t->attempts[i].status == ATTEMPT_CONNECTING)
			return;
	end_probe(e, t, now, -1, false);
}

/* An attempt connected: the other addresses are given up; the conversation starts, or
 * without one the probe has succeeded. */
static void
connected(struct engine *e, struct target *t, struct attempt *a, int64_t now)
{
	long idx = (long)(a - t->attempts);
	const struct converse_config *cc = e->cfg->converse;

	t->tally.handshakes++;
	give_up_others(e, t, idx, now);
	if (cc == NULL || !converse_wanted(cc)) {
		end_probe(e, t, now, idx, true);
		return;
	}
	t->winner = idx;
	t->talking = idx;
	int err = converse_begin(cc, &t->conv, now);
	if (err != 0) {
		t->conv.outcome = OUTCOME_LOCAL_ERROR;
		t->conv.err = err;
		t->conv.phase = CONVERSE_DONE;
	}
	if (a->reset_at_once && t->conv.phase != CONVERSE_DONE) {
		t->conv.outcome = OUTCOME_RESET;
		t->conv.err = ECONNRESET;
		t->conv.phase = CONVERSE_DONE;
		t->conv.settled = now;
	}
	if (t->conv.phase == CONVERSE_DONE) {
		talk_end(e, t, now);
		return;
	}
	slot_add(e, t, a, converse_events(&t->conv));
	talk(e, t, 0, now); /* the send can usually go out at once */
}

/* One step of a conversation, after an event (revents) or a timer (0). */
static void
talk(struct engine *e, struct target *t, short revents, int64_t now)
{
	struct attempt *a = &t->attempts[t->talking];
	const struct converse_config *cc = e->cfg->converse;

	if (revents == 0 && t->conv.phase == CONVERSE_SENDING)
		revents = POLLOUT;
	if (converse_step(cc, &t->conv, a->fd, revents, now)) {
		talk_end(e, t, now);
		return;
	}
	if (a->slot >= 0)
		e->fds[a->slot].events = converse_events(&t->conv);
}

/* The conversation's outcome is known: quit, close, and end the probe with it. */
static void
talk_end(struct engine *e, struct target *t, int64_t now)
{
	struct attempt *a = &t->attempts[t->talking];
	const struct converse_config *cc = e->cfg->converse;

	converse_finish(cc, &t->conv, a->fd);
	if (a->slot >= 0)
		slot_drop(e, a);
	t->talking = -1;
	if (t->conv.outcome == OUTCOME_CONNECTED) {
		end_probe(e, t, now, (long)(a - t->attempts), true);
		return;
	}
	tally_conversation(e, t, a);
	end_probe(e, t, now, (long)(a - t->attempts), false);
}

/* Counts a conversation that failed after the handshake. */
static void
tally_conversation(struct engine *e, struct target *t, const struct attempt *a)
{
	enum outcome outcome = t->conv.outcome;

	tally_failure(e, t, outcome,
		      (struct failure){.addr = a->addr,
				       .err = t->conv.err,
				       .at_deadline = outcome == OUTCOME_TIMEOUT && a->at_deadline,
				       .in_conversation = true});
}

/* Gives up the attempts still connecting beside the one that connected. */
static void
give_up_others(struct engine *e, struct target *t, long keep, int64_t now)
{
	for (unsigned i = 0; i < t->naddr; i++) {
		struct attempt *a = &t->attempts[i];
		if ((long)i == keep || a->status != ATTEMPT_CONNECTING)
			continue;
		slot_drop(e, a);
		close_connecting(e, a);
		a->status = ATTEMPT_CANCELLED;
		a->finished = now;
	}
}

/* Ends the current probe. `speaker` is the attempt that connected (and, with a
 * conversation, talked), or -1. The tally counts the probe; the next one is due -i after
 * this one started. */
static void
end_probe(struct engine *e, struct target *t, int64_t now, long speaker, bool success)
{
	struct tally *tl = &t->tally;

	give_up_others(e, t, speaker, now);
	if (speaker >= 0) {
		struct attempt *a = &t->attempts[speaker];
		if (success)
			tally_success(e, t, a);
		if (a->fd >= 0) {
			close(a->fd);
			a->fd = -1;
		}
	} else {
		for (unsigned i = 0; i < t->naddr && speaker < 0; i++)
			if (t->attempts[i].status == ATTEMPT_DONE)
				speaker = (long)i;
		for (unsigned i = 0; i < t->naddr; i++)
			tl->untried += t->attempts[i].status == ATTEMPT_WAITING;
	}
	t->winner = success ? speaker : -1;
	tl->probes++;
	t->in_probe = false;
	t->next_probe_at = t->probe_started + e->cfg->interval;
	if (e->cfg->hook != NULL)
		e->cfg->hook(e->cfg->hook_ctx, t, t->started, success, speaker);
}

/* Counts a probe that succeeded: its time is the handshake, or with a conversation the
 * time until the expectation was met, -d excluded (as check_tcp measures it). */
static void
tally_success(struct engine *e, struct target *t, const struct attempt *a)
{
	struct tally *tl = &t->tally;
	const struct converse_config *cc = e->cfg->converse;
	int64_t handshake = a->finished - a->started;
	int64_t took = handshake;

	if (cc != NULL && converse_wanted(cc)) {
		const struct converse *c = &t->conv;
		int64_t delay = c->first_byte > 0 || c->settled > c->sent_at + cc->delay ? cc->delay : 0;
		took = c->settled - a->started - delay;
		if (took < handshake)
			took = handshake;
		if (c->first_byte > 0) {
			int64_t wait = c->first_byte - c->sent_at - delay;
			tl->response_sum += clock_seconds(wait > 0 ? wait : 0);
			tl->responses++;
		}
	}
	if (tl->connected == 0 || took < tl->min)
		tl->min = took;
	if (tl->connected == 0 || took > tl->max)
		tl->max = took;
	double s = clock_seconds(took);
	tl->connected++;
	tl->sum += s;
	tl->sumsq += s * s;
	tl->connect_sum += clock_seconds(handshake);
	tl->last_addr = a->addr;
}

/* Counts an attempt or a conversation that failed, remembering the first of its kind. */
static void
tally_failure(struct engine *e, struct target *t, enum outcome outcome, struct failure f)
{
	f.order = e->order++;
	if (t->tally.failed[outcome]++ == 0)
		t->tally.first[outcome] = f;
}

/* A probe past its time: the attempts still connecting have timed out, and so has a
 * conversation still waiting for its reply (unless part of one came: that is judged). */
static void
expire_probe(struct engine *e, struct target *t, int64_t now)
{
	if (t->talking >= 0) {
		converse_expire(e->cfg->converse, &t->conv, now);
		if (t->conv.outcome == OUTCOME_TIMEOUT && t->probe_end >= e->dl->end)
			t->attempts[t->talking].at_deadline = true;
		talk_end_expired(e, t, now);
		return;
	}
	for (unsigned i = 0; i < t->naddr; i++) {
		struct attempt *a = &t->attempts[i];
		if (a->status == ATTEMPT_CONNECTING) {
			a->at_deadline = t->probe_end >= e->dl->end;
			attempt_finish(e, t, a, ETIMEDOUT, now);
		}
	}
	end_probe(e, t, now, -1, false);
}

/* talk_end() for a conversation the time cut: a timeout remembers which deadline. */
static void
talk_end_expired(struct engine *e, struct target *t, int64_t now)
{
	struct attempt *a = &t->attempts[t->talking];
	const struct converse_config *cc = e->cfg->converse;

	if (t->conv.outcome != OUTCOME_TIMEOUT) {
		talk_end(e, t, now);
		return;
	}
	converse_finish(cc, &t->conv, a->fd);
	if (a->slot >= 0)
		slot_drop(e, a);
	t->talking = -1;
	tally_conversation(e, t, a);
	end_probe(e, t, now, (long)(a - t->attempts), false);
}

/* The sockets that answered: a handshake completed or failed (SO_ERROR), or a
 * conversation can go on. */
static void
handle_events(struct engine *e, int64_t now)
{
	for (size_t k = 0; k < e->nfds; k++) {
		struct attempt *a = e->owners[k];
		struct target *t = e->owner_targets[k];
		if (a == NULL || e->fds[k].revents == 0)
			continue;
		if (t->talking == (long)(a - t->attempts)) {
			talk(e, t, e->fds[k].revents, now);
			continue;
		}
		int err = 0;
		socklen_t len = sizeof err;
		if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		attempt_end(e, t, a, err, now);
	}
}

/* The answer to an attempt's connect, and what follows: the conversation or the end of
 * the probe after a connection; the next address at once after a failure (the loop
 * starts it). */
static void
attempt_end(struct engine *e, struct target *t, struct attempt *a, int err, int64_t now)
{
	if (attempt_settle(e, t, a, err, now) == 0) {
		connected(e, t, a, now);
		return;
	}
	t->next_attempt_at = now;
	end_if_all_failed(e, t, now);
}

/* Records the answer to an attempt's connect. A socket that connected to itself is no
 * connection: with nothing listening on a local port, the kernel may pick that very port
 * as the source of the SYN, and the simultaneous open "completes" the handshake with no
 * listener at all (Go's net package checks the same). Returns the error recorded. */
static int
attempt_settle(struct engine *e, struct target *t, struct attempt *a, int err, int64_t now)
{
	struct address to;

	address_with_port(&e->cfg->resolutions[t->host].addresses[a->addr], t->port, &to);
	if (err == 0 && connected_to_itself(a->fd, &to)) {
		a->self_connect = true;
		err = ECONNREFUSED;
	}
	/* A reset can only end a connection that was established (a SYN answered by a
	 * reset is ECONNREFUSED): the handshake completed, as it did for the luckier run
	 * that looked a microsecond earlier. So it is a connection, every time; a
	 * conversation then meets the reset at once. */
	if (err == ECONNRESET) {
		a->reset_at_once = true;
		err = 0;
	}
	attempt_finish(e, t, a, err, now);
	return err;
}

/* True when the socket's own address and port are those it connected to. */
static bool
connected_to_itself(int fd, const struct address *to)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof local;

	memset(&local, 0, sizeof local); /* AF_UNSPEC, should getsockname() fail */
	if (to->sa.ss_family == AF_UNIX ||
	    getsockname(fd, (struct sockaddr *)&local, &len) < 0 ||
	    local.ss_family != to->sa.ss_family)
		return false;
	if (local.ss_family == AF_INET) {
		const struct sockaddr_in *l = (const struct sockaddr_in *)(const void *)&local;
		const struct sockaddr_in *r = (const struct sockaddr_in *)(const void *)&to->sa;
		return l->sin_port == r->sin_port && l->sin_addr.s_addr == r->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *l = (const struct sockaddr_in6 *)(const void *)&local;
	const struct sockaddr_in6 *r = (const struct sockaddr_in6 *)(const void *)&to->sa;
	return l->sin6_port == r->sin6_port &&
	       memcmp(&l->sin6_addr, &r->sin6_addr, sizeof l->sin6_addr) == 0;
}

/* Opens a non-blocking socket (bound to -b) and sends the SYN. The attempt is then
 * CONNECTING, or DONE when connect() answered at once (loopback can) or failed. */
static void
attempt_start(struct engine *e, struct target *t, struct attempt *a)
{
	const struct resolution *res = &e->cfg->resolutions[t->host];
	struct address to;
	bool at_bind = false;

	address_with_port(&res->addresses[a->addr], t->port, &to);
	a->fd = open_socket(to.sa.ss_family, e->cfg->source, &at_bind);
	a->started = clock_now();
	e->opened += a->fd >= 0;
	if (a->fd < 0 && (errno == EMFILE || errno == ENFILE) && e->live > 0) {
		/* Fewer descriptors than the limit promised (some are the caller's): work in
		 * smaller batches; the attempt waits for a socket to close. */
		e->cap = e->live;
		a->status = ATTEMPT_WAITING;
		t->next--;
		return;
	}
	if (a->fd < 0) {
		a->at_bind = at_bind;
		attempt_finish(e, t, a, errno, a->started);
		return;
	}
	a->status = ATTEMPT_CONNECTING;
	slot_add(e, t, a, POLLOUT);
	attempt_connect(e, t, a, a->started);
}

/* connect() on an attempt's socket, which is in the poll set: for the first time, or
 * again after a Unix listener's queue was full. Leaves the attempt CONNECTING (waiting
 * for the answer, or for the next try), or DONE when connect() answered at once
 * (loopback can), as a connection or a failure. */
static void
attempt_connect(struct engine *e, struct target *t, struct attempt *a, int64_t now)
{
	const struct resolution *res = &e->cfg->resolutions[t->host];
	struct address to;

	address_with_port(&res->addresses[a->addr], t->port, &to);
	if (connect(a->fd, (const struct sockaddr *)&to.sa, to.len) == 0) {
		(void)attempt_settle(e, t, a, 0, clock_now());
	} else if (errno == EINPROGRESS || errno == EINTR) {
		a->retry_at = 0;
		e->fds[a->slot].fd = a->fd;
	} else if (errno == EAGAIN && to.sa.ss_family == AF_UNIX) {
		/* A stuck service, not this machine's fault: wait for room, as a blocking
		 * connect() (and check_tcp) would, until the probe's time is up. */
		busy_wait(e, a, now);
	} else {
		(void)attempt_settle(e, t, a, errno, clock_now());
	}
}

/* Schedules the next connect() of an attempt that met a full Unix listen queue; until
 * then its socket is left out of poll(), which has nothing to say about it. */
static void
busy_wait(struct engine *e, struct attempt *a, int64_t now)
{
	int64_t wait = BUSY_RETRY_FIRST_NS;

	for (unsigned i = 0; i < a->busy && wait < BUSY_RETRY_MAX_NS; i++)
		wait *= 2;
	a->busy++;
	a->retry_at = now + (wait < BUSY_RETRY_MAX_NS ? wait : BUSY_RETRY_MAX_NS);
	e->fds[a->slot].fd = -1;
}

/* Tries again the attempts of a probe whose Unix listener was full, when due, and lowers
 * *wake to the next such try. */
static void
retry_busy(struct engine *e, struct target *t, int64_t now, int64_t *wake)
{
	for (unsigned i = 0; i < t->naddr && t->in_probe && t->talking < 0; i++) {
		struct attempt *a = &t->attempts[i];
		if (a->status != ATTEMPT_CONNECTING || a->retry_at == 0)
			continue;
		if (a->retry_at <= now) {
			attempt_connect(e, t, a, now);
			if (a->status == ATTEMPT_DONE && a->outcome == OUTCOME_CONNECTED) {
				connected(e, t, a, a->finished);
			} else if (a->status == ATTEMPT_DONE) {
				t->next_attempt_at = now;
				end_if_all_failed(e, t, now);
			}
		}
		if (a->status == ATTEMPT_CONNECTING && a->retry_at != 0 && a->retry_at < *wake)
			*wake = a->retry_at;
	}
}

/* Records the outcome of an attempt. A failure closes its socket and is tallied; the
 * socket of a connection stays open for end_probe(). */
static void
attempt_finish(struct engine *e, struct target *t, struct attempt *a, int err, int64_t now)
{
	if (a->status == ATTEMPT_CONNECTING)
		slot_drop(e, a);
	a->status = ATTEMPT_DONE;
	a->err = err;
	a->outcome = outcome_from_errno(err);
	a->finished = now;
	if (err == 0)
		return;
	if (a->fd >= 0 && err == ETIMEDOUT) {
		close_connecting(e, a);
	} else if (a->fd >= 0) {
		close(a->fd);
		a->fd = -1;
	}
	if (err == ETIMEDOUT)
		a->err = 0; /* our deadline, not the kernel's: there is no error to show */
	tally_failure(e, t, a->outcome,
		      (struct failure){.addr = a->addr,
				       .err = a->err,
				       .at_bind = a->at_bind,
				       .at_deadline = a->at_deadline});
}

/* Puts a socket into the poll set, waiting for `events`. */
static void
slot_add(struct engine *e, struct target *t, struct attempt *a, short events)
{
	if (e->nfds == e->cap)
		slots_compact(e); /* live < cap, so this frees a slot */
	a->slot = (int)e->nfds;
	e->fds[e->nfds].fd = a->fd;
	e->fds[e->nfds].events = events;
	e->fds[e->nfds].revents = 0;
	e->owners[e->nfds] = a;
	e->owner_targets[e->nfds] = t;
	e->nfds++;
	e->live++;
}

/* Takes a socket out of the poll set; the slot is reused after slots_compact(), so that
 * the loop over the events never sees a slot move under it. */
static void
slot_drop(struct engine *e, struct attempt *a)
{
	e->fds[a->slot].fd = -1;
	e->fds[a->slot].revents = 0;
	e->owners[a->slot] = NULL;
	a->slot = -1;
	e->live--;
}

/* Closes the gaps slot_drop() left. */
static void
slots_compact(struct engine *e)
{
	size_t n = 0;

	for (size_t k = 0; k < e->nfds; k++) {
		if (e->owners[k] == NULL)
			continue;
		e->fds[n] = e->fds[k];
		e->owners[n] = e->owners[k];
		e->owner_targets[n] = e->owner_targets[k];
		e->owners[n]->slot = (int)n;
		n++;
	}
	e->nfds = n;
}

/* A non-blocking, close-on-exec stream socket, bound to `source` when it is of the same
 * family; -1 with errno set (and *at_bind when bind() failed). */
static int
open_socket(int family, const struct address *source, bool *at_bind)
{
#if HAVE_DECL_SOCK_NONBLOCK && HAVE_DECL_SOCK_CLOEXEC
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
#else
	int fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
#endif
	if (source != NULL && source->sa.ss_family == family) {
#ifdef IP_BIND_ADDRESS_NO_PORT
		/* Leave the choice of the local port to connect(): thousands of probes from one
		 * source address must not run out of ports at bind() time. */
		int one = 1;
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
		if (bind(fd, (const struct sockaddr *)&source->sa, source->len) < 0) {
			int saved = errno;
			close(fd);
			errno = saved;
			*at_bind = true;
			return -1;
		}
	}
	return fd;
}

/* poll() until `until` at the latest; ppoll() where there is one, for a deadline kept to
 * the microsecond rather than the millisecond. */
static int
wait_events(struct pollfd *fds, size_t nfds, int64_t until, int64_t now)
{
#ifdef HAVE_PPOLL
	struct timespec ts = clock_to_timespec(deadline_wait(until, now));
	return ppoll(fds, (nfds_t)nfds, &ts, NULL);
#else
	return poll(fds, (nfds_t)nfds, deadline_poll_ms(until, now));
#endif
}
