/* SPDX-License-Identifier: ISC */
/* -n 0: check_tcpport as a TCP ping for a person. Each probe is a line as it ends,
 * written at once (a pipe to tee shows it live), with the local wall-clock time first
 * when --timestamp asks; when a signal ends the run, each target gets a summary: probes
 * sent and connected, loss, min/avg/max/mdev of the connect times, and the longest run of
 * consecutive failures with the times of its first and last probe lines, which answers
 * "how long was it down?". Memory is per target, never per probe. */
#include "config.h"
#include "ping.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "describe.h"
#include "number.h"
#include "outbuf.h"
#include "run.h"

static struct ping_target *stats_of(struct run *run, const struct target *t);
static void stats_add(struct ping_target *p, bool connected, const struct timespec *now);
static void spread_add(struct spread *s, int64_t ns);
static void probe_words(struct outbuf *o, const struct run *run, bool connected,
			const struct attempt *a, const struct converse *conv);
static void spread_line(struct outbuf *o, const char *what, const struct spread *s);
static void out_wall_time(struct outbuf *o, const struct timespec *ts);
static void out_ms(struct outbuf *o, int64_t ns);
static void line_write(struct run *run, const char *text, size_t len);
static void target_summary(struct outbuf *o, const struct run *run, const struct target *t,
			   const struct ping_target *p);
static void failure_run_words(struct outbuf *o, const char *what, const struct failure_run *r);
static void outage_words(struct outbuf *o, const struct failure_run *r);

/* True when `a` and `b` are the same failure run: the same first probe and length. */
static bool
same_run(const struct failure_run *a, const struct failure_run *b)
{
	return a->probes == b->probes && a->first.tv_sec == b->first.tv_sec &&
	       a->first.tv_nsec == b->first.tv_nsec;
}

/* The response time of a probe whose handshake completed, -d left out, or -1: no
 * conversation, or no byte of a reply came. */
static int64_t
probe_response(const struct run *run, const struct attempt *a, const struct converse *conv)
{
	/* the flight's conversation is this probe's only when its handshake completed */
	if (conv == NULL || a->outcome != OUTCOME_CONNECTED ||
	    !converse_wanted(&run->opts.converse))
		return -1;
	return converse_response_ns(&run->opts.converse, conv);
}

/* The probe engine's hook: counts a probe that ended and writes its line, e.g.
 * "127.0.0.1 port 22: connected in 0.214 ms (probe 3)", or with a conversation
 * "connected in 0.214 ms, response 1.532 ms". Each time is the one its label names, as
 * the perfdata's connect= and response= count it. The line is one write(2): it reaches
 * a pipe as it happens, never held in a stdio buffer. */
void
ping_probe(void *ctx, const struct target *t, unsigned probe, bool connected,
	   const struct attempt *a, const struct converse *conv)
{
	struct run *run = ctx;
	struct timespec now;
	struct outbuf o = {0};

	if (a == NULL)
		return; /* only the deadline keeps a probe from starting, and -n 0 has none */
	clock_gettime(CLOCK_REALTIME, &now);
	struct ping_target *p = stats_of(run, t);
	if (p != NULL) {
		stats_add(p, connected, &now);
		if (connected)
			spread_add(&p->connect, a->finished - a->started);
		int64_t response = connected ? probe_response(run, a, conv) : -1;
		if (response >= 0)
			spread_add(&p->response, response);
	}

	if (run->opts.timestamp) {
		out_wall_time(&o, &now);
		out_str(&o, " ");
	}
	target_endpoint(&o, run, t, a->addr);
	out_str(&o, ": ");
	probe_words(&o, run, connected, a, conv);
	out_fmt(&o, " (probe %u)\n", probe);
	if (o.truncated)
		out_cut_to_line(&o);
	line_write(run, o.buf, o.len);
	out_free(&o);
}

/* A probe line, written with the stop signals let through: a reader that stopped
 * reading (a full pipe, a paused pager, a terminal held by Ctrl-S) must not keep Ctrl-C
 * from ending the run. The signal interrupts the write (its handler has no SA_RESTART),
 * the rest of the line is dropped and the run ends. A stop that came before the line
 * began (pending, it is heard as the signals are let through) still lets the line out
 * as far as stdout takes it at once (out_write_now()): the summary counts that probe,
 * and its line was missing (3013 lines for 3014 probes sent). A write that fails (the reader gone, stdout
 * closed) ends the run as well: it would go on probing for nobody. */
static void
line_write(struct run *run, const char *text, size_t len)
{
	sigset_t old;
	size_t done = 0;

	if (run->ping.stop == NULL || run->ping.write_mask == NULL) {
		out_write(text, len);
		return;
	}
	pthread_sigmask(SIG_SETMASK, run->ping.write_mask, &old);
	if (*run->ping.stop != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		out_write_now(text, len);
		return;
	}
	while (done < len && *run->ping.stop == 0) {
		ssize_t n = write(STDOUT_FILENO, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue; /* the loop's test sees whether it was a stop */
		if (n <= 0) {
			*run->ping.stop = 1;
			break;
		}
		done += (size_t)n;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* The figures of a target, allocated for its host's targets at the host's first probe
 * line; NULL without memory (the lines go on, the summary then says nothing). */
static struct ping_target *
stats_of(struct run *run, const struct target *t)
{
	const struct segment *seg = &run->plan.hosts[t->host];
	struct ping_target **block = &run->ping.hosts[t->host];

	if (*block == NULL)
		*block = calloc(seg->count > 0 ? seg->count : 1, sizeof **block);
	return *block != NULL ? &(*block)[t - seg->targets] : NULL;
}

/* Counts one probe: sent, connected, and the runs of failures. */
static void
stats_add(struct ping_target *p, bool connected, const struct timespec *now)
{
	p->sent++;
	if (connected) {
		p->connected++;
		if (p->current.probes > 0 && same_run(&p->current, &p->longest)) {
			p->longest.has_after = true;
			p->longest.after = *now;
		}
		p->current.probes = 0;
		p->has_last_ok = true;
		p->last_ok = *now;
		return;
	}
	if (p->current.probes == 0)
		p->current = (struct failure_run){.first = *now,
						  .has_before = p->has_last_ok,
						  .before = p->last_ok};
	p->current.probes++;
	p->current.last = *now;
	/* the first of the longest runs is kept; one that grows past it takes its place */
	if (p->current.probes > p->longest.probes)
		p->longest = p->current;
}

/* Welford's update of a spread with one time. */
static void
spread_add(struct spread *s, int64_t ns)
{
	double ms = (double)ns / (double)NS_PER_MSEC;
	double delta = ms - s->mean_ms;

	s->n++;
	s->mean_ms += delta / (double)s->n;
	s->m2 += delta * (ms - s->mean_ms);
	if (s->n == 1 || ms < s->min_ms)
		s->min_ms = ms;
	if (s->n == 1 || ms > s->max_ms)
		s->max_ms = ms;
}

/* What a probe's answer was, with its times: "connected in 0.214 ms", with a
 * conversation ", response 1.532 ms" when a reply began and ", then mismatch after
 * 500.321 ms" when it failed; "refused after 0.056 ms", "timed out after 1000.123 ms", or the outcome with
 * the system's words. */
static void
probe_words(struct outbuf *o, const struct run *run, bool connected, const struct attempt *a,
	    const struct converse *conv)
{
	int64_t took = a->finished - a->started;

	if (a->outcome == OUTCOME_CONNECTED) {
		out_str(o, "connected in ");
		out_ms(o, took);
		int64_t response = probe_response(run, a, conv);
		if (response >= 0) {
			out_str(o, ", response ");
			out_ms(o, response);
		}
		/* only a conversation fails a probe whose handshake completed; when it was
		 * known is told from the probe's start, as every other failure is */
		if (!connected) {
			out_fmt(o, ", then %s",
				conv != NULL ? outcome_key(conv->outcome) : "failed");
			if (conv != NULL && conv->settled > a->started) {
				out_str(o, " after ");
				out_ms(o, conv->settled - a->started);
			}
		}
		return;
	}
	if (a->outcome == OUTCOME_REFUSED) {
		out_str(o, "refused");
	} else if (a->outcome == OUTCOME_TIMEOUT) {
		out_str(o, "timed out");
		if (a->err != 0) /* the kernel's, not -t */
			out_fmt(o, " (%s)", outcome_errno_note(a->outcome, a->err));
	} else {
		out_str(o, outcome_key(a->outcome));
		if (a->err != 0) {
			out_str(o, a->at_bind ? " (bind: " : " (");
			errno_words(o, a->outcome, a->err, true);
			out_str(o, ")");
		}
	}
	out_str(o, " after ");
	out_ms(o, took);
}

/* Local wall-clock time to the millisecond: "2026-12-07 08:01:02.345". */
static void
out_wall_time(struct outbuf *o, const struct timespec *ts)
{
	struct tm tm;
	char text[32];

	if (localtime_r(&ts->tv_sec, &tm) == NULL ||
	    strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		out_fmt(o, "@%lld", (long long)ts->tv_sec);
		return;
	}
	out_fmt(o, "%s.%03ld", text, ts->tv_nsec / 1000000);
}

/* Nanoseconds as milliseconds with three decimals, as ping prints its times. */
static void
out_ms(struct outbuf *o, int64_t ns)
{
	out_fixed(o, (double)ns / (double)NS_PER_MSEC, 3);
	out_str(o, " ms");
}

/* After a signal ended the run: the summary of every target that was probed, written
 * at once. The state line follows (render.c). */
void
ping_summary(const struct run *run)
{
	const struct plan *plan = &run->plan;
	struct outbuf o = {0};

	/* apart from the probe lines, and from the ^C a terminal echoes (a run without one,
	 * a name that failed, has no summary either) */
	for (size_t h = 0; h < plan->nhosts; h++)
		if (run->ping.hosts[h] != NULL) {
			out_str(&o, "\n");
			break;
		}
	for (size_t h = 0; h < plan->nhosts; h++) {
		const struct segment *seg = &plan->hosts[h];
		if (run->ping.hosts[h] == NULL)
			continue;
		for (size_t k = 0; k < seg->count; k++)
			target_summary(&o, run, &plan->targets[seg->offset + k],
				       &run->ping.hosts[h][k]);
	}
	if (o.truncated)
		out_cut_to_line(&o);
	out_flush(&o);
	out_free(&o);
}

/* One target's summary:
 *   --- 127.0.0.1 port 22 ---
 *   12 probes sent, 9 connected, 25% loss, 11.004 s
 *   connect min/avg/max/mdev = 0.061/0.093/0.214/0.041 ms
 *   response min/avg/max/mdev = 1.204/1.532/2.018/0.230 ms   (with a conversation)
 *   longest failure run: 3 probes, from 2026-12-07 08:01:02.345 to 2026-12-07
 *   08:01:04.350 (2.005 s) */
static void
target_summary(struct outbuf *o, const struct run *run, const struct target *t,
	       const struct ping_target *p)
{
	char loss[16];

	if (p->sent == 0)
		return;
	out_str(o, "--- ");
	if (run->resolutions[t->host].unix_socket) {
		out_str(o, "socket ");
		out_escaped(o, run->opts.hosts[t->host], HOST_SHOW_MAX);
	} else {
		out_escaped(o, run->opts.hosts[t->host], HOST_SHOW_MAX);
		if (run->opts.all_addresses) {
			out_str(o, " (");
			address_words(o, &run->resolutions[t->host].addresses[t->first_addr]);
			out_str(o, ")");
		}
		out_fmt(o, " port %u", t->port);
	}
	out_str(o, " ---\n");
	number_format(loss, sizeof loss, 100.0 * (double)(p->sent - p->connected) / (double)p->sent,
		      2);
	out_fmt(o, "%llu probe%s sent, %llu connected, %s%% loss, ", (unsigned long long)p->sent,
		p->sent == 1 ? "" : "s", (unsigned long long)p->connected, loss);
	out_fixed(o, clock_seconds(clock_now() - run->ping.started), 3);
	out_str(o, " s\n");
	spread_line(o, "connect", &p->connect);
	spread_line(o, "response", &p->response);
	if (p->longest.probes == 0) {
		out_str(o, "no failed probe\n");
		return;
	}
	failure_run_words(o, "longest failure run", &p->longest);
	bool still = p->current.probes > 0;
	if (still && same_run(&p->current, &p->longest)) {
		out_str(o, ", still failing at the end\n");
		return;
	}
	out_str(o, "\n");
	outage_words(o, &p->longest);
	if (still) {
		failure_run_words(o, "failing at the end", &p->current);
		out_str(o, "\n");
	}
}

/* "WHAT min/avg/max/mdev = 0.061/0.093/0.214/0.041 ms", nothing when no time was
 * counted. mdev is the standard deviation, as ping prints it. */
static void
spread_line(struct outbuf *o, const char *what, const struct spread *s)
{
	if (s->n == 0)
		return;
	const double figures[] = {s->min_ms, s->mean_ms, s->max_ms,
				  number_square_root(s->m2 / (double)s->n)};

	out_fmt(o, "%s min/avg/max/mdev = ", what);
	out_fixed_list(o, figures, 4, 3);
	out_str(o, " ms\n");
}

/* "WHAT: 3 probes, from 2026-12-07 08:01:02.345 to 2026-12-07 08:01:04.350 (2.005 s)",
 * or "WHAT: 1 probe, at ...": the span is between the first and the last failed line
 * (the wall clock's, as a person compares it with the lines). */
static void
failure_run_words(struct outbuf *o, const char *what, const struct failure_run *r)
{
	out_fmt(o, "%s: %llu probe%s, ", what, (unsigned long long)r->probes,
		r->probes == 1 ? "" : "s");
	if (r->probes == 1) {
		out_str(o, "at ");
		out_wall_time(o, &r->first);
		return;
	}
	int64_t span = (int64_t)(r->last.tv_sec - r->first.tv_sec) * NS_PER_SEC +
		       (r->last.tv_nsec - r->first.tv_nsec);
	out_str(o, "from ");
	out_wall_time(o, &r->first);
	out_str(o, " to ");
	out_wall_time(o, &r->last);
	out_str(o, " (");
	out_fixed(o, clock_seconds(span), 3);
	out_str(o, " s)");
}

/* The bound of a run's outage, when probes connected before and after it: its probes'
 * span is the least it lasted, this the most. */
static void
outage_words(struct outbuf *o, const struct failure_run *r)
{
	if (!r->has_before || !r->has_after)
		return;
	int64_t span = (int64_t)(r->after.tv_sec - r->before.tv_sec) * NS_PER_SEC +
		       (r->after.tv_nsec - r->before.tv_nsec);
	out_str(o, "down at most ");
	out_fixed(o, clock_seconds(span), 3);
	out_str(o, " s: connected at ");
	out_wall_time(o, &r->before);
	out_str(o, ", and again at ");
	out_wall_time(o, &r->after);
	out_str(o, "\n");
}

/* True when the run was stopped before any probe of a target with an address ended:
 * nothing was measured, and no state can be told. */
bool
ping_nothing_measured(const struct run *run)
{
	bool any = false;

	for (size_t i = 0; i < run->plan.count; i++) {
		const struct target *t = &run->plan.targets[i];
		if (t->tally.probes > 0)
			return false;
		any |= t->naddr > 0;
	}
	/* a stop during a lookup leaves it unanswered: that is no resolver timeout (the
	 * -t bound ends a run whose names all failed by itself, with no stop) */
	if (run->ping.stop != NULL && *run->ping.stop != 0)
		for (size_t h = 0; h < run->opts.nhosts; h++)
			any |= run->resolutions[h].timed_out;
	return any;
}

/* Frees the figures. */
void
ping_free(struct ping *ping)
{
	for (size_t h = 0; h < RESOLVE_MAX_HOSTS; h++) {
		free(ping->hosts[h]);
		ping->hosts[h] = NULL;
	}
}
