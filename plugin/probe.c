/* SPDX-License-Identifier: ISC */
/* The probe engine. Every target runs its probes (-n of them, -i apart) and every probe
 * its attempts (one per address, RFC 8305: the next starts when one fails or after
 * PROBE_STAGGER_NS without an answer); all of them run concurrently as non-blocking
 * connects in one poll loop, bounded by each probe's timeout and by the run's deadline.
 * The loop never sleeps past the next thing due, and never holds more sockets than the
 * cap (--max-parallel, and the descriptors the process may open), so a thousand ports of
 * which half are silently dropped take one timeout, not five hundred.
 *
 * Hosts join the run as their names resolve (the resolver's pipe is in the poll set): a
 * literal address is probed at once, and a name that hangs holds back only its own
 * targets. Targets start in plan order as sockets free up; only the targets in progress
 * have a flight (engine.h), so memory follows what is in flight, not the plan. */
#include "config.h"
#include "engine.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

/* Descriptors kept free for stdio and libc (resolver, /etc/services). */
#define FD_RESERVE 16

/* The deadline is when the answer is written and the process is gone, and closing a
 * socket whose SYN was never answered costs the kernel microseconds (tens under load):
 * 20,000 of them would overrun -t by a tenth of a second or more. The engine therefore
 * stops waiting early enough to close what it holds and write the report: by the
 * measured cost of a close (this estimate until one was measured) for each socket in
 * flight, plus what each target's words cost in the format asked for (the caller's
 * report_ns) and a fixed margin. */
#define CLOSE_COST_NS	   (8 * 1000)
#define TEARDOWN_MARGIN_NS (1 * NS_PER_MSEC)
/* The kernel's exit, too, takes longer the more sockets the process has had (about
 * 0.6 us each, measured with 20,000): kept for as well. */
#define EXIT_COST_NS	   1000
/* Starting thousands of connects takes long enough to overrun the deadline: the clock
 * is read again after this many targets. */
#define STEP_BATCH 64
/* A loop busy for this long without a poll reads the answers that came meanwhile before
 * it goes on: a probe is not expired for want of an answer that is already there, and a
 * handshake's time is not the engine's own delay. */
#define CATCH_UP_NS NS_PER_MSEC
/* The teardown closes this many sockets first, to measure what the rest will cost. */
#define TEARDOWN_BATCH 256

/* A Unix listener whose queue is full makes a non-blocking connect() fail with EAGAIN
 * instead of waiting for room: it is tried again, first after 1 ms, each wait twice the
 * last, at most 50 ms apart, until the probe's time is up. */
#define BUSY_RETRY_FIRST_NS NS_PER_MSEC
#define BUSY_RETRY_MAX_NS   (50 * NS_PER_MSEC)

static void plan_resolved(struct engine *e);
static bool work_left(const struct engine *e);
static size_t socket_budget(const struct probe_config *cfg);
static void step_flights(struct engine *e, int64_t *now, int64_t *end, int64_t *wake);
static void start_targets(struct engine *e, int64_t *now, int64_t *end, int64_t *wake);
static struct flight *flight_take(struct engine *e, struct target *t, struct detail *d);
static bool flight_done(const struct flight *f, const struct probe_config *cfg);
static void flight_release(struct engine *e, struct flight *f);
static void active_compact(struct engine *e);
static void flights_free(struct engine *e);
static void step_flight(struct engine *e, struct flight *f, int64_t now, int64_t *wake);
static void start_probe(struct engine *e, struct flight *f, int64_t now);
static void start_attempts(struct engine *e, struct flight *f, int64_t now);
static void end_if_all_failed(struct engine *e, struct flight *f, int64_t now);
static void connected(struct engine *e, struct flight *f, struct attempt *a, int64_t now);
static void give_up_others(struct engine *e, struct flight *f, long keep, int64_t now);
static void keep_detail(const struct flight *f);
static int64_t next_probe_due(const struct flight *f, int64_t interval, int64_t now);
static void expire_probe(struct engine *e, struct flight *f, int64_t now);
static void drop_probe(struct engine *e, struct flight *f);
static bool stopped(const struct engine *e);
static void bound_resolution(struct engine *e, int64_t now, int64_t *wake);
static void count_not_run(struct engine *e, struct target *t, struct detail *d,
			  unsigned started);
static void handle_events(struct engine *e, int64_t now, bool news);
static void catch_up(struct engine *e, int64_t now);
static void attempt_start(struct engine *e, struct flight *f, struct attempt *a);
static void attempt_end(struct engine *e, struct flight *f, struct attempt *a, int err,
			int64_t now);
static int record_answer(struct engine *e, struct flight *f, struct attempt *a, int err,
			  int64_t now);
static void attempt_connect(struct engine *e, struct flight *f, struct attempt *a,
			    int64_t now);
static void retry_busy(struct engine *e, struct flight *f, int64_t now, int64_t *wake);
static void busy_wait(struct engine *e, struct attempt *a, int64_t now);
static bool connected_to_itself(int fd, const struct address *to);
static void attempt_finish(struct engine *e, struct flight *f, struct attempt *a, int err,
			   int64_t now);
static bool slot_free(struct engine *e);
static bool slots_grow(struct engine *e);
static void slots_compact(struct engine *e);
static int open_socket(int family, const struct address *source, bool *at_bind);
static int wait_events(struct engine *e, int64_t until, int64_t now, bool *news);
static int64_t teardown_start(const struct engine *e);
static bool teardown_batch(struct engine *e, int64_t now);
static void close_connecting(struct engine *e, struct attempt *a);

/* Runs every probe of every target, planning each host as its name resolves, until all
 * are done or the deadline has passed; leaves the results in the targets' tallies (and
 * details). A lookup still running at the deadline ends its host's targets as resolver
 * timeouts. Returns 0, or an errno value when the run could not go on (no memory, or
 * E2BIG: more targets than MAX_TARGETS). */
int
probe_run(struct plan *plan, const struct probe_config *cfg, const struct deadline *dl)
{
	struct engine e = {.cfg = cfg, .dl = dl, .plan = plan, .close_ns = CLOSE_COST_NS};

	e.active = e.active_first;
	e.active_room = sizeof e.active_first / sizeof e.active_first[0];

	e.cap = socket_budget(cfg);
	e.error = plan_reserve(plan, cfg->opts, cfg->resolutions);
	plan_resolved(&e);
	if (e.error == 0 && !slots_grow(&e))
		e.error = ENOMEM;
	e.polled_at = clock_now();
	while (e.error == 0) {
		int64_t now = clock_now();
		catch_up(&e, now);
		int64_t end = teardown_start(&e);

		if (now >= end) {
			/* First a batch, to measure what a close costs on this machine now;
			 * then, when the rest needs less time than was kept for it, one
			 * more wait for answers until it must go on. */
			if (e.tearing_down || !teardown_batch(&e, now))
				break;
			continue;
		}
		if (stopped(&e))
			break;
		int64_t wake = end;
		bound_resolution(&e, now, &wake);
		step_flights(&e, &now, &end, &wake);
		start_targets(&e, &now, &end, &wake);
		if (!work_left(&e) || now >= end || e.error != 0)
			break;
		if (wake > end)
			wake = end; /* the sockets started since the top hold the end earlier */
		if (e.caught_up)
			wake = now;
		e.caught_up = false;
		bool news = false;
		int n = wait_events(&e, wake, now, &news);
		e.polled_at = clock_now();
		if (n > 0)
			handle_events(&e, e.polled_at, news);
		slots_compact(&e);
	}

	/* The deadline: a name still unresolved has timed out, what still waits has timed
	 * out, and what never started counts so. */
	int64_t now = clock_now();
	resolve_abandon(cfg->resolver, cfg->resolutions, now);
	plan_resolved(&e);
	for (size_t k = 0; k < e.nactive; k++) {
		struct flight *f = e.active[k];
		if (f == NULL)
			continue;
		if (f->in_probe && stopped(&e))
			drop_probe(&e, f);
		else if (f->in_probe)
			expire_probe(&e, f, now);
		count_not_run(&e, f->t, f->d, f->started);
	}
	for (size_t h = 0; h < plan->nhosts; h++) {
		struct segment *seg = &plan->hosts[h];
		for (size_t k = e.cursor[h]; k < seg->count; k++)
			count_not_run(&e, &seg->targets[k], segment_detail(seg, k), 0);
	}
	flights_free(&e);
	free(e.fds);
	return e.error;
}

/* True when -n 0 was told to stop. */
static bool
stopped(const struct engine *e)
{
	return e->cfg->stop != NULL && *e->cfg->stop != 0;
}

/* With a bound on the lookups apart from the deadline (-n 0: -t): the names still
 * pending at that time fail as resolver timeouts, and their hosts are done; until then
 * the loop wakes by it. */
static void
bound_resolution(struct engine *e, int64_t now, int64_t *wake)
{
	const struct probe_config *cfg = e->cfg;

	if (cfg->resolve_end == 0 || cfg->resolver->pending == 0)
		return;
	if (now < cfg->resolve_end) {
		if (cfg->resolve_end < *wake)
			*wake = cfg->resolve_end;
		return;
	}
	resolve_abandon(cfg->resolver, cfg->resolutions, now);
	plan_resolved(e);
}

/* Plans the hosts whose resolution is done and that have no targets yet. */
static void
plan_resolved(struct engine *e)
{
	const struct probe_config *cfg = e->cfg;

	for (size_t h = 0; h < e->plan->nhosts && e->error == 0; h++)
		if (cfg->resolutions[h].done && !e->plan->hosts[h].planned)
			e->error = plan_host(e->plan, cfg->opts, &cfg->resolutions[h], h);
}

/* True while anything may still happen: a flight in progress, a target not started, or
 * a name not resolved. */
static bool
work_left(const struct engine *e)
{
	for (size_t k = 0; k < e->nactive; k++)
		if (e->active[k] != NULL)
			return true;
	for (size_t h = 0; h < e->plan->nhosts; h++)
		if (!e->plan->hosts[h].planned || e->cursor[h] < e->plan->hosts[h].count)
			return true;
	return false;
}

/* When to stop waiting so that closing the sockets in flight and writing the report
 * still end by the deadline. */
static int64_t
teardown_start(const struct engine *e)
{
	int64_t reserve = (int64_t)e->live * e->close_ns +
			  (int64_t)e->plan->count * e->cfg->report_ns +
			  (int64_t)e->opened * EXIT_COST_NS + TEARDOWN_MARGIN_NS;

	return e->dl->end - reserve;
}

/* Expires the probes in flight of the first flights until TEARDOWN_BATCH sockets are
 * closed, and starts nothing new from now on. Returns false when no probe was in
 * flight. */
static bool
teardown_batch(struct engine *e, int64_t now)
{
	size_t before = e->live;
	int64_t start = clock_now();
	bool any = false;

	e->tearing_down = true;
	for (; e->teardown_next < e->nactive && before - e->live < TEARDOWN_BATCH;
	     e->teardown_next++) {
		struct flight *f = e->active[e->teardown_next];
		if (f == NULL || !f->in_probe)
			continue;
		expire_probe(e, f, now);
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

/* How many sockets may be in flight: no more than can be needed (a name not resolved
 * yet may bring as many addresses as its resolution keeps), --max-parallel, and what RLIMIT_NOFILE
 * allows once its soft limit is raised to the hard one. */
static size_t
socket_budget(const struct probe_config *cfg)
{
	const struct options *opts = cfg->opts;
	size_t need = 0;

	for (size_t h = 0; h < opts->nhosts && h < RESOLVE_MAX_HOSTS; h++) {
		const struct resolution *res = &cfg->resolutions[h];
		size_t addresses = res->done ? res->count : res->max;
		need += addresses * (res->unix_socket ? 1 : options_port_count(opts, h));
	}
	if (cfg->max_parallel > 0 && need > cfg->max_parallel)
		need = cfg->max_parallel;
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

/* Moves every flight in progress along, and returns those whose target is done to the
 * pool. */
static void
step_flights(struct engine *e, int64_t *now, int64_t *end, int64_t *wake)
{
	for (size_t k = 0; k < e->nactive && *now < *end; k++) {
		struct flight *f = e->active[k];
		if (f == NULL)
			continue;
		step_flight(e, f, *now, wake); /* its last probe's end may release it */
		if (k % STEP_BATCH == STEP_BATCH - 1) {
			*now = clock_now();
			catch_up(e, *now);
			*end = teardown_start(e);
		}
	}
	active_compact(e);
}

/* Closes the gaps that released flights left in the active list, keeping the order in
 * which the targets started. Not while step_flights() walks the list. */
static void
active_compact(struct engine *e)
{
	size_t n = 0;

	for (size_t k = 0; k < e->nactive; k++) {
		if (e->active[k] == NULL)
			continue;
		e->active[n] = e->active[k];
		e->active[n]->active_index = n;
		n++;
	}
	if (e->teardown_next > n)
		e->teardown_next = n;
	e->nactive = n;
}

/* Starts the targets that wait, in plan order (host by host, as each resolved), while a
 * socket is free. */
static void
start_targets(struct engine *e, int64_t *now, int64_t *end, int64_t *wake)
{
	size_t started = 0;

	for (size_t h = 0; h < e->plan->nhosts; h++) {
		struct segment *seg = &e->plan->hosts[h];
		while (seg->planned && e->cursor[h] < seg->count && !e->tearing_down &&
		       *now < *end) {
			size_t k = e->cursor[h];
			struct target *t = &seg->targets[k];
			/* a host with no address (its name or zone failed) is done: it needs no
			 * socket, and when no host has an address the budget is 0 */
			if (t->naddr == 0) {
				e->cursor[h]++;
				continue;
			}
			if (e->live >= e->cap) {
				e->held_back[h] = true;
				break;
			}
			e->cursor[h]++;
			struct flight *f = flight_take(e, t, segment_detail(seg, k));
			if (f == NULL) {
				e->error = ENOMEM;
				return;
			}
			f->held = e->held_back[h];
			step_flight(e, f, *now, wake);
			if (++started % STEP_BATCH == 0) {
				*now = clock_now();
				catch_up(e, *now);
				*end = teardown_start(e);
			}
		}
	}
}

/* A flight for a target about to start, from the pool or new, in the active list.
 * Returns NULL when there is no memory. */
static struct flight *
flight_take(struct engine *e, struct target *t, struct detail *d)
{
	/* flights end while targets start (catch_up): reuse their places before growing */
	if (e->nactive == e->active_room)
		active_compact(e);
	if (e->nactive == e->active_room) {
		size_t room = e->active_room > 0 ? 2 * e->active_room : 64;
		struct flight **more = e->active == e->active_first
					       ? malloc(room * sizeof *more)
					       : realloc(e->active, room * sizeof *more);
		if (more == NULL)
			return NULL;
		if (e->active == e->active_first)
			memcpy(more, e->active_first, sizeof e->active_first);
		e->active = more;
		e->active_room = room;
	}
	struct flight *f = e->pool;
	if (f != NULL)
		e->pool = f->next_free;
	if (f == NULL || f->room < t->naddr) {
		/* a flight and its attempts are one block: a bigger one replaces it */
		struct flight *bigger = realloc(f, sizeof *f + t->naddr * sizeof f->attempts[0]);
		if (bigger == NULL) {
			if (f != NULL) {
				f->next_free = e->pool;
				e->pool = f;
			}
			return NULL;
		}
		if (f == NULL)
			bigger->conv = NULL;
		f = bigger;
		f->room = t->naddr;
	}
	if (f->conv == NULL && e->cfg->converse != NULL && converse_needed(e->cfg->converse) &&
	    (f->conv = calloc(1, sizeof *f->conv)) == NULL) {
		f->next_free = e->pool;
		e->pool = f;
		return NULL;
	}
	struct converse *conv = f->conv;
	unsigned room = f->room;
	memset(f, 0, sizeof *f);
	f->t = t;
	f->d = d;
	f->reached = -1;
	f->talking = -1;
	f->conv = conv;
	f->room = room;
	if (conv != NULL)
		*conv = (struct converse){0};
	for (unsigned i = 0; i < t->naddr; i++)
		f->attempts[i] = (struct attempt){.addr = t->first_addr + i, .fd = -1, .slot = -1};
	f->active_index = e->nactive;
	e->active[e->nactive++] = f;
	return f;
}

/* Returns a flight whose target is done to the pool at once: with thousands of targets
 * ending while the loop starts more, waiting for the next pass would hold a flight for
 * every target. Its memory stays valid for the callers still on the stack. */
static void
flight_release(struct engine *e, struct flight *f)
{
	e->active[f->active_index] = NULL;
	f->next_free = e->pool;
	e->pool = f;
}

/* True when a flight's target has nothing left to do: every probe done. */
static bool
flight_done(const struct flight *f, const struct probe_config *cfg)
{
	return !f->in_probe && cfg->count != 0 && f->started == cfg->count;
}

/* Frees every flight, in progress or in the pool. */
static void
flights_free(struct engine *e)
{
	for (size_t k = 0; k < e->nactive; k++) {
		if (e->active[k] == NULL)
			continue;
		e->active[k]->next_free = e->pool;
		e->pool = e->active[k];
	}
	while (e->pool != NULL) {
		struct flight *f = e->pool;
		e->pool = f->next_free;
		free(f->conv);
		free(f);
	}
	if (e->active != e->active_first)
		free(e->active);
}

/* Moves one flight along: starts its next probe when due, expires a probe past its time,
 * starts the attempts that are due, drives a conversation's timers, and lowers *wake to
 * the next thing it waits for. */
static void
step_flight(struct engine *e, struct flight *f, int64_t now, int64_t *wake)
{
	bool room = e->live < e->cap && !e->tearing_down;

	if (!f->in_probe) {
		if (f->next_probe_at > now) {
			if (f->next_probe_at < *wake)
				*wake = f->next_probe_at;
			return;
		}
		if (!room)
			return; /* a socket will free up: an event or a timeout wakes the loop */
		start_probe(e, f, now);
	}
	if (now >= f->probe_end) {
		expire_probe(e, f, now);
	} else if (f->talking >= 0) {
		conversation_step(e, f, 0, now);
	} else {
		retry_busy(e, f, now, wake);
		if (f->in_probe && f->talking < 0)
			start_attempts(e, f, now);
	}

	if (f->in_probe) {
		if (f->probe_end < *wake)
			*wake = f->probe_end;
		if (f->talking >= 0) {
			int64_t at = converse_wake(e->cfg->converse, f->conv);
			if (at < *wake)
				*wake = at;
		} else if (f->next < f->t->naddr && e->live < e->cap &&
			   f->next_attempt_at < *wake) {
			*wake = f->next_attempt_at;
		}
	} else if ((e->cfg->count == 0 || f->started < e->cfg->count) &&
		   f->next_probe_at < *wake) {
		*wake = f->next_probe_at;
	}
}

/* Begins a probe: every attempt waiting, the first due now. */
static void
start_probe(struct engine *e, struct flight *f, int64_t now)
{
	int64_t end = now + e->cfg->probe_timeout;

	f->in_probe = true;
	f->probe_due = f->started == 0 ? now : f->next_probe_at;
	f->started++;
	f->next = 0;
	f->reached = -1;
	f->talking = -1;
	f->probe_started = now;
	f->probe_end = end < e->dl->end ? end : e->dl->end;
	f->next_attempt_at = now;
	for (unsigned i = 0; i < f->t->naddr; i++) {
		struct attempt *a = &f->attempts[i];
		*a = (struct attempt){.addr = a->addr, .fd = -1, .slot = -1,
				      .status = ATTEMPT_WAITING, .outcome = OUTCOME_TIMEOUT};
	}
}

/* Starts the attempts of a probe that are due: the next address now after a failure,
 * or when the stagger delay has passed. Moves on when an attempt connected at once, and
 * ends the probe when every address has failed. */
static void
start_attempts(struct engine *e, struct flight *f, int64_t now)
{
	while (f->next < f->t->naddr && f->next_attempt_at <= now && e->live < e->cap &&
	       !e->tearing_down) {
		struct attempt *a = &f->attempts[f->next++];
		attempt_start(e, f, a);
		if (a->status == ATTEMPT_WAITING)
			return; /* no descriptor free: later */
		if (a->status == ATTEMPT_DONE && a->outcome == OUTCOME_CONNECTED) {
			connected(e, f, a, a->finished);
			return;
		}
		if (a->status == ATTEMPT_CONNECTING) {
			f->next_attempt_at = a->started + PROBE_STAGGER_NS;
			break;
		}
	}
	end_if_all_failed(e, f, now);
}

/* Ends the probe as failed when every address has been tried and none is still
 * connecting. */
static void
end_if_all_failed(struct engine *e, struct flight *f, int64_t now)
{
	if (!f->in_probe || f->talking >= 0 || f->next < f->t->naddr)
		return;
	for (unsigned i = 0; i < f->t->naddr; i++)
		if (f->attempts[i].status == ATTEMPT_CONNECTING)
			return;
	end_probe(e, f, now, -1, false);
}

/* An attempt connected: the other addresses are given up; the conversation starts, or
 * without one the probe has succeeded. */
static void
connected(struct engine *e, struct flight *f, struct attempt *a, int64_t now)
{
	long idx = (long)(a - f->attempts);
	const struct converse_config *cc = e->cfg->converse;

	f->t->tally.handshakes++;
	give_up_others(e, f, idx, now);
	if (cc == NULL || !converse_needed(cc)) {
		end_probe(e, f, now, idx, true);
		return;
	}
	conversation_start(e, f, a, now);
}

/* Gives up the attempts still connecting beside the one that connected. */
static void
give_up_others(struct engine *e, struct flight *f, long keep, int64_t now)
{
	for (unsigned i = 0; i < f->t->naddr; i++) {
		struct attempt *a = &f->attempts[i];
		if ((long)i == keep || a->status != ATTEMPT_CONNECTING)
			continue;
		slot_drop(e, a);
		close_connecting(e, a);
		a->status = ATTEMPT_CANCELLED;
		a->finished = now;
	}
}

/* Ends the current probe. `answered` is the attempt that connected (and, with a
 * conversation, talked), or -1 after a failure, when the first attempt that failed
 * answers for the probe. The tally counts the probe; the next one is due -i after this
 * one started. */
void
end_probe(struct engine *e, struct flight *f, int64_t now, long answered, bool success)
{
	struct tally *tl = &f->t->tally;
	unsigned tried = 0;

	give_up_others(e, f, answered, now);
	if (answered >= 0) {
		struct attempt *a = &f->attempts[answered];
		if (success)
			tally_success(tl, f->d, e->cfg->converse, a, f->conv);
		if (a->fd >= 0) {
			close(a->fd);
			a->fd = -1;
		}
	} else {
		for (unsigned i = 0; i < f->t->naddr && answered < 0; i++)
			if (f->attempts[i].status == ATTEMPT_DONE)
				answered = (long)i;
		for (unsigned i = 0; i < f->t->naddr; i++)
			tl->untried += f->attempts[i].status == ATTEMPT_WAITING;
	}
	for (unsigned i = 0; i < f->t->naddr; i++)
		tried += f->attempts[i].status != ATTEMPT_WAITING;
	tl->tried = (uint8_t)tried;
	f->reached = success ? answered : -1;
	tl->probes++;
	f->in_probe = false;
	f->next_probe_at = next_probe_due(f, e->cfg->interval, now);
	keep_detail(f);
	if (e->cfg->hook != NULL)
		e->cfg->hook(e->cfg->hook_ctx, f->t, f->started, success,
			     answered >= 0 ? &f->attempts[answered] : NULL, f->conv);
	if (flight_done(f, e->cfg))
		flight_release(e, f);
}

/* When the next probe of a flight whose probe ended at `now` is due: -i after this one
 * was due, so that the loop's lateness in starting each probe does not add up over -n
 * probes (100 probes 5 ms apart started 10 ms late in all, and the last ones no longer
 * fitted in -t). A probe that ended past that moment breaks the schedule: the next one
 * is due -i after this one started, and never makes up for it in a burst. */
static int64_t
next_probe_due(const struct flight *f, int64_t interval, int64_t now)
{
	int64_t due = f->probe_due + interval;

	return due >= now ? due : f->probe_started + interval;
}

/* What the run keeps of a probe beyond the tally, when it keeps a detail: the attempts
 * (-v) and the conversation, of the last probe. */
static void
keep_detail(const struct flight *f)
{
	struct detail *d = f->d;

	if (d == NULL)
		return;
	d->reached = f->reached;
	if (d->attempts != NULL)
		memcpy(d->attempts, f->attempts, f->t->naddr * sizeof *d->attempts);
	if (d->reply != NULL && f->conv != NULL) {
		*d->reply = *f->conv;
		d->reply->buf = NULL; /* the flight's, and freed by converse_finish() */
	}
}

/* A probe past its time: the attempts still connecting have timed out, and so has a
 * conversation still waiting for its reply (unless part of one came: that is judged). */
static void
expire_probe(struct engine *e, struct flight *f, int64_t now)
{
	if (f->talking >= 0) {
		conversation_expire(e, f, now);
		return;
	}
	for (unsigned i = 0; i < f->t->naddr; i++) {
		struct attempt *a = &f->attempts[i];
		if (a->status == ATTEMPT_CONNECTING) {
			a->at_deadline = f->probe_end >= e->dl->end;
			a->expired = true;
			attempt_finish(e, f, a, ETIMEDOUT, now);
		}
	}
	end_probe(e, f, now, -1, false);
}

/* A probe in flight when -n 0 was told to stop: its sockets are closed and it is not
 * counted, neither sent nor lost (it had no time to answer). */
static void
drop_probe(struct engine *e, struct flight *f)
{
	if (f->talking >= 0) {
		struct attempt *a = &f->attempts[f->talking];
		converse_finish(e->cfg->converse, f->conv, a->fd);
		if (a->slot >= 0)
			slot_drop(e, a);
		f->talking = -1;
	}
	for (unsigned i = 0; i < f->t->naddr; i++) {
		struct attempt *a = &f->attempts[i];
		if (a->status == ATTEMPT_CONNECTING)
			slot_drop(e, a);
		if (a->fd >= 0) {
			close(a->fd);
			a->fd = -1;
		}
	}
	f->in_probe = false;
}

/* The probes of a target that the deadline kept from starting: each counts as a timeout
 * that was never run. */
static void
count_not_run(struct engine *e, struct target *t, struct detail *d, unsigned started)
{
	if (t->naddr == 0)
		return;
	while (started < e->cfg->count) {
		started++;
		tally_not_run(&t->tally, d, e->cfg->states, t->first_addr);
		if (e->cfg->hook != NULL)
			e->cfg->hook(e->cfg->hook_ctx, t, started, false, NULL, NULL);
	}
}

/* The sockets that answered: a handshake completed or failed (SO_ERROR), or a
 * conversation can go on; and the names that resolved, whose hosts join the run. */
static void
handle_events(struct engine *e, int64_t now, bool news)
{
	for (size_t k = 0; k < e->nfds; k++) {
		struct attempt *a = e->owners[k].a;
		struct flight *f = e->owners[k].f;
		if (a == NULL || e->fds[k].revents == 0)
			continue;
		if (f->talking == (long)(a - f->attempts)) {
			conversation_step(e, f, e->fds[k].revents, now);
			continue;
		}
		int err = 0;
		socklen_t len = sizeof err;
		if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		attempt_end(e, f, a, err, now);
	}
	if (news && resolve_collect(e->cfg->resolver, e->cfg->resolutions) > 0)
		plan_resolved(e);
}

/* Reads the answers that came while the loop was busy since it last polled: one poll that
 * does not wait. A poll of thousands of sockets costs time too, so the loop must have
 * been busy for CATCH_UP_NS and for eight times what the last one cost: the polls never
 * take more than a ninth of the loop's time. Not while handle_events() walks the slots. */
static void
catch_up(struct engine *e, int64_t now)
{
	bool news = false;

	if (now - e->polled_at < CATCH_UP_NS + 8 * e->poll_cost)
		return;
	slots_compact(e); /* the gaps of the sockets closed since: polled for nothing */
	int n = wait_events(e, now, now, &news);
	e->polled_at = clock_now();
	e->poll_cost = e->polled_at - now;
	if (n > 0) {
		handle_events(e, e->polled_at, news);
		/* what those answers made due (the next address, the next probe) is stepped
		 * at the loop's next turn, which must then not wait */
		e->caught_up = true;
	}
}

/* The answer to an attempt's connect, and what follows: the conversation or the end of
 * the probe after a connection; the next address at once after a failure (the loop
 * starts it). */
static void
attempt_end(struct engine *e, struct flight *f, struct attempt *a, int err, int64_t now)
{
	if (record_answer(e, f, a, err, now) == 0) {
		connected(e, f, a, now);
		return;
	}
	f->next_attempt_at = now;
	end_if_all_failed(e, f, now);
}

/* Records the answer to an attempt's connect. A socket that connected to itself is no
 * connection: with nothing listening on a local port, the kernel may pick that very port
 * as the source of the SYN, and the simultaneous open "completes" the handshake with no
 * listener at all (Go's net package checks the same). Returns the error recorded. */
static int
record_answer(struct engine *e, struct flight *f, struct attempt *a, int err, int64_t now)
{
	struct address to;

	address_with_port(&e->cfg->resolutions[f->t->host].addresses[a->addr], f->t->port, &to);
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
	attempt_finish(e, f, a, err, now);
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
attempt_start(struct engine *e, struct flight *f, struct attempt *a)
{
	const struct resolution *res = &e->cfg->resolutions[f->t->host];
	struct address to;
	bool at_bind = false;

	address_with_port(&res->addresses[a->addr], f->t->port, &to);
	if (!slot_free(e)) {
		a->started = clock_now();
		if (e->live > 0) {
			/* no memory for a bigger poll set: as many sockets as it holds */
			e->cap = e->live;
			a->status = ATTEMPT_WAITING;
			f->next--;
		} else {
			attempt_finish(e, f, a, ENOMEM, a->started);
		}
		return;
	}
	a->fd = open_socket(to.sa.ss_family, e->cfg->source, &at_bind);
	a->started = clock_now();
	e->opened += a->fd >= 0;
	if (a->fd < 0 && (errno == EMFILE || errno == ENFILE) && e->live > 0) {
		/* Fewer descriptors than the limit promised (some are the caller's): work in
		 * smaller batches; the attempt waits for a socket to close. */
		e->cap = e->live;
		a->status = ATTEMPT_WAITING;
		f->next--;
		return;
	}
	if (a->fd < 0) {
		a->at_bind = at_bind;
		attempt_finish(e, f, a, errno, a->started);
		return;
	}
	a->status = ATTEMPT_CONNECTING;
	slot_add(e, f, a, POLLOUT);
	attempt_connect(e, f, a, a->started);
}

/* connect() on an attempt's socket, which is in the poll set: for the first time, or
 * again after a Unix listener's queue was full. Leaves the attempt CONNECTING (waiting
 * for the answer, or for the next try), or DONE when connect() answered at once
 * (loopback can), as a connection or a failure. */
static void
attempt_connect(struct engine *e, struct flight *f, struct attempt *a, int64_t now)
{
	const struct resolution *res = &e->cfg->resolutions[f->t->host];
	struct address to;

	address_with_port(&res->addresses[a->addr], f->t->port, &to);
	if (connect(a->fd, (const struct sockaddr *)&to.sa, to.len) == 0) {
		(void)record_answer(e, f, a, 0, clock_now());
	} else if (errno == EINPROGRESS || errno == EINTR) {
		a->retry_at = 0;
		a->in_progress = true;
		e->fds[a->slot].fd = a->fd;
	} else if (errno == EAGAIN && to.sa.ss_family == AF_UNIX) {
		/* A stuck service, not this machine's fault: wait for room, as a blocking
		 * connect() (and check_tcp) would, until the probe's time is up. */
		busy_wait(e, a, now);
	} else {
		(void)record_answer(e, f, a, errno, clock_now());
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
retry_busy(struct engine *e, struct flight *f, int64_t now, int64_t *wake)
{
	for (unsigned i = 0; i < f->t->naddr && f->in_probe && f->talking < 0; i++) {
		struct attempt *a = &f->attempts[i];
		if (a->status != ATTEMPT_CONNECTING || a->retry_at == 0)
			continue;
		if (a->retry_at <= now) {
			attempt_connect(e, f, a, now);
			if (a->status == ATTEMPT_DONE && a->outcome == OUTCOME_CONNECTED) {
				connected(e, f, a, a->finished);
			} else if (a->status == ATTEMPT_DONE) {
				f->next_attempt_at = now;
				end_if_all_failed(e, f, now);
			}
		}
		if (a->status == ATTEMPT_CONNECTING && a->retry_at != 0 && a->retry_at < *wake)
			*wake = a->retry_at;
	}
}

/* Records the outcome of an attempt. A failure closes its socket and is tallied; the
 * socket of a connection stays open for end_probe(). */
static void
attempt_finish(struct engine *e, struct flight *f, struct attempt *a, int err, int64_t now)
{
	if (a->status == ATTEMPT_CONNECTING)
		slot_drop(e, a);
	a->status = ATTEMPT_DONE;
	a->err = err;
	a->outcome = outcome_from_errno(err, a->in_progress);
	a->finished = now;
	if (err == 0)
		return;
	if (a->fd >= 0 && a->expired) {
		close_connecting(e, a);
	} else if (a->fd >= 0) {
		close(a->fd);
		a->fd = -1;
	}
	/* Our deadline, not the kernel's: there is no error to show. An ETIMEDOUT that
	 * SO_ERROR gave is the kernel's, its SYN retries spent, and is shown. */
	if (a->expired)
		a->err = 0;
	tally_failure(&f->t->tally, f->d, e->cfg->states, a->outcome,
		      (struct failure){.waited_ms = waited_ms(now - a->started),
				       .err = (int16_t)a->err,
				       .addr = (uint8_t)a->addr,
				       .at_bind = a->at_bind,
				       .at_deadline = a->at_deadline,
				       .late = probe_late(f)});
}

/* Nanoseconds waited, as a failure keeps them: rounded to the millisecond that the
 * report prints, and never past what the field holds. */
uint32_t
waited_ms(int64_t ns)
{
	int64_t ms = (ns + NS_PER_MSEC / 2) / NS_PER_MSEC;

	return ms < 0 ? 0 : ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

/* True when the flight's probe did not start with the run, so that a deadline that cut
 * it cut a shorter wait than -t: a later probe of -n, or one held back for a socket. */
bool
probe_late(const struct flight *f)
{
	return f->started > 1 || f->held;
}

/* True when the poll set has a slot free for one more socket, growing it if it must.
 * Not while handle_events() walks the slots: it may compact them. */
static bool
slot_free(struct engine *e)
{
	if (e->nfds < e->slots || slots_grow(e))
		return true;
	slots_compact(e);
	return e->nfds < e->slots;
}

/* Puts a socket into the poll set, waiting for `events`. The caller has room for it:
 * slot_free() said so, or a slot of the same flight was just dropped. */
void
slot_add(struct engine *e, struct flight *f, struct attempt *a, short events)
{
	/* grow rather than compact: compacting moves slots under handle_events() */
	if (e->nfds == e->slots && !slots_grow(e))
		slots_compact(e);
	a->slot = (int)e->nfds;
	e->fds[e->nfds].fd = a->fd;
	e->fds[e->nfds].events = events;
	e->fds[e->nfds].revents = 0;
	e->owners[e->nfds] = (struct slot_owner){a, f};
	e->nfds++;
	e->live++;
}

/* Takes a socket out of the poll set; the slot is reused after slots_compact(), so that
 * the loop over the events never sees a slot move under it. */
void
slot_drop(struct engine *e, struct attempt *a)
{
	e->fds[a->slot].fd = -1;
	e->fds[a->slot].revents = 0;
	e->owners[a->slot] = (struct slot_owner){NULL, NULL};
	a->slot = -1;
	e->live--;
}

/* Doubles the poll set, up to the cap, and keeps one entry more for the resolver's pipe.
 * The pollfds and their owners are one block, the owners after the pollfds. Returns
 * false when it is at the cap already or there is no memory. */
static bool
slots_grow(struct engine *e)
{
	size_t room = e->slots > 0 ? 2 * e->slots : 64;

	if (e->slots > 0 && e->slots >= e->cap)
		return false;
	if (room > e->cap)
		room = e->cap > 0 ? e->cap : 1;
	size_t fds_size = (room + 1) * sizeof *e->fds; /* a multiple of 8: owners align */
	char *block = realloc(e->fds, fds_size + (room + 1) * sizeof *e->owners);
	if (block == NULL)
		return false;
	struct slot_owner *owners = (struct slot_owner *)(void *)(block + fds_size);
	/* the owners were after the old, smaller pollfds */
	if (e->slots > 0)
		memmove(owners, block + (e->slots + 1) * sizeof *e->fds,
			e->nfds * sizeof *owners);
	e->fds = (struct pollfd *)(void *)block;
	e->owners = owners;
	e->slots = room;
	return true;
}

/* Closes the gaps slot_drop() left. */
static void
slots_compact(struct engine *e)
{
	size_t n = 0;

	for (size_t k = 0; k < e->nfds; k++) {
		if (e->owners[k].a == NULL)
			continue;
		e->fds[n] = e->fds[k];
		e->owners[n] = e->owners[k];
		e->owners[n].a->slot = (int)n;
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

/* poll() the sockets, and the resolver's pipe while a name is pending, until `until` at
 * the latest; ppoll() where there is one, for a deadline kept to the microsecond rather
 * than the millisecond. *news tells whether a lookup finished. */
static int
wait_events(struct engine *e, int64_t until, int64_t now, bool *news)
{
	int wake_fd = resolve_wake_fd(e->cfg->resolver);
	size_t n = e->nfds;

	if (wake_fd >= 0)
		e->fds[n++] = (struct pollfd){.fd = wake_fd, .events = POLLIN};
#ifdef HAVE_PPOLL
	/* with -n 0 the stop signals are blocked but here: one that came while the loop was
	 * busy ends this wait at once */
	struct timespec ts = clock_to_timespec(deadline_wait(until, now));
	int ready = ppoll(e->fds, (nfds_t)n, &ts, e->cfg->wait_mask);
#else
	sigset_t busy_mask;
	if (e->cfg->wait_mask != NULL)
		pthread_sigmask(SIG_SETMASK, e->cfg->wait_mask, &busy_mask);
	int ready = poll(e->fds, (nfds_t)n, deadline_poll_ms(until, now));
	if (e->cfg->wait_mask != NULL)
		pthread_sigmask(SIG_SETMASK, &busy_mask, NULL);
#endif
	*news = wake_fd >= 0 && ready > 0 && e->fds[e->nfds].revents != 0;
	return ready;
}
