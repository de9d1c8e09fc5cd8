/* SPDX-License-Identifier: ISC */
/* The words of a run, shared by every renderer (nagios.c, machine.c, verbose.c) and
 * written into a buffer, never to stdout: the state line's words, each target's words, its
 * label, its host and address, and the perfdata items; describe_run() gathers them once
 * in a struct description that each renderer formats.
 * One target keeps the words people grep for ("second response time on", "Connection
 * refused", "Socket timeout after"); several get a summary that names the failures.
 * Every byte that did not come from this program is escaped. */
#include "config.h"
#include "describe.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"

#define SUMMARY_FAILURES 10  /* failures named on the first line */
#define REPLY_SHOW_MAX	 80  /* bytes of a server's reply echoed */

static void describe_run_words(struct outbuf *o, const struct run *run);
static void describe_target_words(struct outbuf *o, const struct run *run,
				  const struct target *t);
static void failure_message(struct outbuf *o, const struct run *run, const struct target *t);
static void shown_reply(struct outbuf *o, const struct run *run, const struct target *t);
static void reply_text(struct outbuf *o, const struct converse *c);
static void partial_reply_words(struct outbuf *o, const struct run *run,
				const struct target *t);
static void summary_message(struct outbuf *o, const struct run *run);
static void unchecked_words(struct outbuf *o, const struct run *run);
static void short_words(struct outbuf *o, const struct run *run, const struct target *t);
static void timeout_words(struct outbuf *o, const struct run *run, const struct failure *f);
static const char *unreachable_words(int err);
static const char *targets_noun(const struct run *run);
static void perf_items(struct description *d, const struct run *run);
static void perf_target(struct description *d, const struct run *run, const struct target *t,
			bool quoted);
static struct perf_item *perf_label(struct description *d, const char *metric,
				    const struct run *run, const struct target *t, bool quoted);
static void perf_seconds(struct description *d, struct perf_item *p, double seconds,
			 const char *warn, const char *crit, const char *max);
static struct perf_item *perf_new(struct description *d);
static void perf_text(struct description *d, struct span *s, const char *text);
static void span_begin(struct description *d, struct span *s);
static void span_end(struct description *d, struct span *s);
static void perf_label_text(struct outbuf *o, const char *text, size_t len);
static void format_percent(char *buf, size_t size, double value);


/* The words of the first line, after "TCP STATE - ". */
static void
describe_run_words(struct outbuf *o, const struct run *run)
{
	/* one target keeps check_tcp's words, unless --min-ok asks for more than there are */
	if (run->plan.count == 1 && run->summary.needed <= 1)
		describe_target_words(o, run, &run->plan.targets[0]);
	else
		summary_message(o, run);
}

/* A target's name in long output and perfdata: the port, preceded by the address with
 * --addresses=all ("[::1]:443") and by the host when there are several ("web1:443",
 * "web1/[::1]:443"). */
void
target_label(struct outbuf *o, const struct run *run, const struct target *t)
{
	bool show_addr = run->opts.all_addresses && t->naddr > 0;

	if (run->opts.nhosts > 1 && !run->resolutions[t->host].unix_socket) {
		/* an IPv6 address in brackets, as its port follows: "[::1]:443" */
		bool v6 = strchr(run->opts.hosts[t->host], ':') != NULL;
		out_str(o, v6 ? "[" : "");
		out_escaped(o, run->opts.hosts[t->host], HOST_SHOW_MAX);
		out_str(o, v6 ? "]" : "");
		out_str(o, show_addr ? "/" : ":");
	}
	if (show_addr) {
		const struct address *a = &run->resolutions[t->host].addresses[t->first_addr];
		bool v6 = a->sa.ss_family == AF_INET6;
		out_str(o, v6 ? "[" : "");
		address_words(o, a);
		out_str(o, v6 ? "]:" : ":");
	}
	if (run->resolutions[t->host].unix_socket)
		out_escaped(o, run->opts.hosts[t->host], HOST_SHOW_MAX);
	else
		out_fmt(o, "%u", t->port);
}

/* "host (address)" for a name, just the address for a literal. */
void
target_host(struct outbuf *o, const struct run *run, const struct target *t, unsigned addr)
{
	out_escaped(o, run->opts.hosts[t->host], HOST_SHOW_MAX);
	if (!run->resolutions[t->host].looked_up)
		return;
	out_str(o, " (");
	address_words(o, &run->resolutions[t->host].addresses[addr]);
	out_str(o, ")");
}

/* An address as text, escaped like everything that did not come from this program: a
 * Unix socket's path is the user's bytes. */
void
address_words(struct outbuf *o, const struct address *addr)
{
	char text[ADDRESS_TEXT_MAX];

	address_format(addr, text, sizeof text);
	out_escaped(o, text, sizeof text);
}

/* What happened to one target, in words: the state line's with one target, and each
 * target's long-output line with several. */
static void
describe_target_words(struct outbuf *o, const struct run *run, const struct target *t)
{
	const struct verdict verdict = run_verdict(run, t), *v = &verdict;
	const struct tally *tl = &t->tally;
	char loss[16];

	if (v->outcome != OUTCOME_CONNECTED) {
		failure_message(o, run, t);
		return;
	}
	if (run->opts.count == 1) {
		out_fixed(o, v->seconds, 6);
		out_str(o, " second response time on ");
		target_endpoint(o, run, t, tl->last_addr);
		shown_reply(o, run, t);
		return;
	}
	format_percent(loss, sizeof loss, v->loss);
	out_fixed(o, v->seconds, 6);
	out_str(o, " second average response time on ");
	target_endpoint(o, run, t, tl->last_addr);
	out_fmt(o, ": %u of %u probes connected, ", tl->connected, tl->probes);
	/* the probes asked for add up: connected, lost (the loss is of those sent) and
	 * not run, which the state line must show, not only -v */
	if (tl->not_run > 0)
		out_fmt(o, "%u not run (deadline), ", tl->not_run);
	out_fmt(o, "%s%% loss", loss);
	shown_reply(o, run, t);
}

/* "HOST (ADDRESS) port P", or "socket PATH" for a Unix socket. */
void
target_endpoint(struct outbuf *o, const struct run *run, const struct target *t, unsigned addr)
{
	if (run->resolutions[t->host].unix_socket) {
		out_str(o, "socket ");
		out_escaped(o, run->opts.hosts[t->host], HOST_SHOW_MAX);
		return;
	}
	target_host(o, run, t, addr);
	out_str(o, " port ");
	out_uint(o, t->port);
}

/* " [the start of the reply]" after a met expectation, as check_tcp shows it; nothing
 * with -j or when nothing was read. */
static void
shown_reply(struct outbuf *o, const struct run *run, const struct target *t)
{
	if (run->opts.jail || run_reply(run, t)->shown_len == 0)
		return;
	out_str(o, " [");
	reply_text(o, run_reply(run, t));
	out_str(o, "]");
}

/* The start of a reply, escaped and cut: trailing blank lines dropped, at most
 * REPLY_SHOW_MAX bytes. */
static void
reply_text(struct outbuf *o, const struct converse *c)
{
	char text[4 * REPLY_SHOW_MAX + 4];
	size_t len = c->shown_len;

	while (len > 0 && (c->shown[len - 1] == '\n' || c->shown[len - 1] == '\r'))
		len--;
	escape_bytes(text, sizeof text, (const char *)c->shown, len, REPLY_SHOW_MAX);
	out_str(o, text);
}

/* After a timeout while the reply was still coming: how much came and its start, as
 * for a reset. Nothing when no byte came, or when the target's last conversation (the
 * one kept, with -n) ended otherwise: its bytes would not be the timed-out reply's. */
static void
partial_reply_words(struct outbuf *o, const struct run *run, const struct target *t)
{
	const struct converse *c = run_reply(run, t);

	if (c->total == 0 || c->outcome != OUTCOME_TIMEOUT)
		return;
	out_fmt(o, ", still incomplete after %zu byte%s", c->total, c->total == 1 ? "" : "s");
	if (!run->opts.jail && c->shown_len > 0) {
		out_str(o, ": ");
		reply_text(o, c);
	}
}

/* The words of a target that did not succeed: check_tcp's where they were right. */
static void
failure_message(struct outbuf *o, const struct run *run, const struct target *t)
{
	const struct resolution *res = &run->resolutions[t->host];
	const struct verdict verdict = run_verdict(run, t), *v = &verdict;
	const struct failure *f = v->failure;
	const char *host = run->opts.hosts[t->host];

	if (t->naddr == 0) {
		if (res->timed_out) {
			out_str(o, "Timeout after ");
			out_seconds(o, clock_seconds(run->opts.timeout_ns));
			out_str(o, " seconds while resolving ");
			out_escaped(o, host, HOST_SHOW_MAX);
		} else {
			out_str(o, "cannot resolve ");
			out_escaped(o, host, HOST_SHOW_MAX);
		}
		out_fmt(o, ": %s", resolve_error_text(res));
		return;
	}
	if (t->tally.not_run == t->tally.probes) {
		/* --max-parallel or the descriptor limit held it back until the deadline */
		out_str(o, "Socket timeout after ");
		out_seconds(o, clock_seconds(run->opts.timeout_ns));
		out_str(o, " seconds before trying ");
		target_endpoint(o, run, t, f->addr);
		return;
	}
	switch (v->outcome) {
	case OUTCOME_TIMEOUT:
		timeout_words(o, run, f);
		out_str(o, f->in_conversation ? " while waiting for the reply of "
					      : " while connecting to ");
		target_endpoint(o, run, t, f->addr);
		if (f->in_conversation)
			partial_reply_words(o, run, t);
		break;
	case OUTCOME_LOCAL_ERROR:
		if (f->at_bind) {
			out_str(o, "cannot bind to source address ");
			address_words(o, &run->opts.source);
			out_fmt(o, ": %s", strerror(f->err));
		} else {
			out_str(o, "cannot connect to ");
			target_endpoint(o, run, t, f->addr);
			out_fmt(o, ": %s", strerror(f->err));
		}
		break;
	case OUTCOME_MISMATCH:
		out_str(o, "Unexpected response from host/socket ");
		if (res->unix_socket)
			out_escaped(o, host, HOST_SHOW_MAX);
		else
			target_endpoint(o, run, t, f->addr);
		if (!run->opts.jail) {
			out_str(o, ": ");
			reply_text(o, run_reply(run, t));
		}
		if (run_reply(run, t)->eof)
			out_str(o, " (closed by the server)");
		break;
	case OUTCOME_NO_DATA:
		out_str(o, "No data received from host ");
		target_endpoint(o, run, t, f->addr);
		break;
	case OUTCOME_RESET:
		if (run_reply(run, t)->total == 0 && run_reply(run, t)->sent == 0 &&
		    run_reply(run, t)->proxy_sent == 0) {
			/* the handshake completed and the reset came before a word */
			out_fmt(o, "%s at once after connecting to ", strerror(f->err));
			target_endpoint(o, run, t, f->addr);
			break;
		}
		out_fmt(o, "%s after %zu bytes from ", strerror(f->err), run_reply(run, t)->total);
		target_endpoint(o, run, t, f->addr);
		if (!run->opts.jail && run_reply(run, t)->shown_len > 0) {
			out_str(o, ": ");
			reply_text(o, run_reply(run, t));
		}
		break;
	default:
		if (res->unix_socket) {
			out_str(o, "connect to socket ");
			out_escaped(o, host, HOST_SHOW_MAX);
			out_str(o, ": ");
			errno_words(o, v->outcome, f->err, false);
			break;
		}
		out_str(o, "connect to address ");
		target_host(o, run, t, f->addr);
		out_fmt(o, " and port %u: ", t->port);
		errno_words(o, v->outcome, f->err, false);
		break;
	}
	if (run->opts.count != 1 && t->tally.not_run > 0 && v->sent > 0)
		out_fmt(o, " (%u of %u probes sent failed, %u not run: the deadline came first)",
			v->sent - t->tally.connected, v->sent, t->tally.not_run);
	else if (run->opts.count != 1 && v->sent > 0)
		out_fmt(o, " (%u of %u probes failed)", v->sent - t->tally.connected,
			v->sent);
	else if (t->naddr > 1 && t->tally.tried == t->naddr && res->unused > 0)
		out_fmt(o, " (%u addresses tried, %zu more not: at most %zu per name)", t->naddr,
			res->unused, res->max);
	else if (t->naddr > 1 && t->tally.tried == t->naddr)
		out_fmt(o, " (%u addresses tried)", t->naddr);
	else if (t->naddr > 1)
		out_fmt(o, " (%u of %u addresses tried, the deadline came first)", t->tally.tried,
			t->naddr);
}

/* "Socket timeout after 10 seconds", as check_tcp says it, when this program gave up
 * after -t or --probe-timeout; the time really waited when the deadline cut a probe
 * that started after the run (-n's later probes, a target held back by --max-parallel);
 * and the kernel's own timeout, its SYN retries spent, with its time. */
static void
timeout_words(struct outbuf *o, const struct run *run, const struct failure *f)
{
	double seconds = clock_seconds(f->at_deadline ? run->opts.timeout_ns
						      : run->opts.probe_timeout_ns);
	/* this program's own timeouts keep no errno */
	bool kernel = !f->in_conversation && f->err == ETIMEDOUT;

	if (kernel || (f->at_deadline && f->late))
		seconds = (double)f->waited_ms / 1000;
	if (kernel) {
		out_fmt(o, "%s after ", strerror(f->err));
		out_seconds(o, seconds);
		out_fmt(o, " seconds (%s)", outcome_errno_note(OUTCOME_TIMEOUT, f->err));
		return;
	}
	out_str(o, "Socket timeout after ");
	out_seconds(o, seconds);
	out_str(o, " seconds");
}

/* The first line for several targets: how many failed and which, or how many are OK. */
static void
summary_message(struct outbuf *o, const struct run *run)
{
	const struct summary *s = &run->summary;
	const struct plan *plan = &run->plan;
	size_t failed = s->total - s->ok, named = 0;
	const struct target *slowest = NULL;

	unchecked_words(o, run);
	if (failed == 0) {
		out_fmt(o, "%zu of %zu %s OK", s->ok, s->total, targets_noun(run));
		if (s->needed > s->ok)
			out_fmt(o, ", but --min-ok needs %zu", s->needed);
		double slowest_seconds = 0;
		for (size_t i = 0; i < plan->count; i++) {
			const struct target *t = &plan->targets[i];
			struct verdict v = run_verdict(run, t);
			if (v.outcome == OUTCOME_CONNECTED &&
			    (slowest == NULL || v.seconds > slowest_seconds)) {
				slowest = t;
				slowest_seconds = v.seconds;
			}
		}
		if (slowest != NULL) {
			out_str(o, ", slowest ");
			out_fixed(o, slowest_seconds, 6);
			out_str(o, " s (");
			target_label(o, run, slowest);
			out_str(o, ")");
		}
		return;
	}
	if (s->needed < s->total)
		out_fmt(o, "%zu of %zu %s OK, %zu needed; %zu failed: ", s->ok, s->total,
			targets_noun(run), s->needed, failed);
	else
		out_fmt(o, "%zu of %zu %s failed: ", failed, s->total, targets_noun(run));
	for (size_t i = 0; i < plan->count && named < SUMMARY_FAILURES; i++) {
		const struct target *t = &plan->targets[i];
		if (((enum state)t->state) == STATE_OK)
			continue;
		if (named++ > 0)
			out_str(o, ", ");
		target_label(o, run, t);
		out_str(o, " ");
		short_words(o, run, t);
	}
	if (failed > named)
		out_fmt(o, ", and %zu more", failed - named);
}

/* --addresses=all with a name past the cap: which addresses were never checked, first,
 * as they are why the run cannot be OK. "45 of 300 addresses of big not checked: at most
 * 255 per name; " */
static void
unchecked_words(struct outbuf *o, const struct run *run)
{
	size_t named = 0;

	if (run->summary.unchecked == 0)
		return;
	for (size_t h = 0; h < run->opts.nhosts && h < RESOLVE_MAX_HOSTS; h++) {
		const struct resolution *res = &run->resolutions[h];
		if (res->unused == 0 || res->unix_socket)
			continue;
		out_fmt(o, "%s%zu of %zu addresses of ", named++ > 0 ? ", " : "", res->unused,
			res->count + res->unused);
		out_escaped(o, run->opts.hosts[h], HOST_SHOW_MAX);
	}
	out_fmt(o, " not checked: at most %d per name; ", RESOLVE_MAX_ALL_ADDRESSES);
}

/* A failed target's outcome in a word or two, for the summary. */
static void
short_words(struct outbuf *o, const struct run *run, const struct target *t)
{
	const struct verdict verdict = run_verdict(run, t), *v = &verdict;
	char pct[16];

	switch (v->outcome) {
	case OUTCOME_CONNECTED:
		format_percent(pct, sizeof pct, v->loss);
		if (v->slow) {
			out_str(o, "slow (");
			out_fixed(o, v->seconds, 6);
			out_str(o, " s)");
		} else if (v->lossy) {
			out_fmt(o, "%s%% loss", pct);
		} else if (t->tally.not_run > 0) {
			/* connected, but the run could not do what was asked: say what */
			out_fmt(o, "%u probe%s not run (deadline)", (unsigned)t->tally.not_run,
				t->tally.not_run == 1 ? "" : "s");
		} else {
			out_str(o, "connected");
		}
		return;
	case OUTCOME_REFUSED:
		out_str(o, "refused");
		return;
	case OUTCOME_TIMEOUT:
		out_str(o, t->tally.not_run == t->tally.probes ? "not tried" : "timed out");
		return;
	case OUTCOME_UNREACHABLE:
		out_str(o, unreachable_words(v->failure->err));
		return;
	case OUTCOME_NAME_UNKNOWN:
		out_str(o, "name not known");
		return;
	case OUTCOME_MISMATCH:
		out_str(o, "unexpected response");
		return;
	case OUTCOME_NO_DATA:
		out_str(o, "no data");
		return;
	case OUTCOME_RESET:
		out_str(o, "reset");
		return;
	case OUTCOME_RESOLVER_FAILED:
		out_str(o, run->resolutions[t->host].timed_out ? "resolver timed out"
							       : "resolver failed");
		return;
	case OUTCOME_LOCAL_ERROR:
	default:
		if (t->naddr == 0)
			out_fmt(o, "local error (%s)", resolve_error_text(&run->resolutions[t->host]));
		else if (v->failure->at_bind)
			out_fmt(o, "cannot bind (%s)", strerror(v->failure->err));
		else
			out_fmt(o, "local error (%s)", strerror(v->failure->err));
		return;
	}
}

/* The system's text of an error, and what it means when the network sent it: "Permission
 * denied (administratively prohibited)", or for a place already in parentheses (`nested`)
 * "Permission denied: administratively prohibited". */
void
errno_words(struct outbuf *o, enum outcome outcome, int err, bool nested)
{
	const char *note = outcome_errno_note(outcome, err);

	out_str(o, strerror(err));
	if (note != NULL)
		out_fmt(o, nested ? ": %s" : " (%s)", note);
}

/* An unreachable in a word or two, for the summary. */
static const char *
unreachable_words(int err)
{
	const char *note = outcome_errno_note(OUTCOME_UNREACHABLE, err);

	if (note != NULL)
		return note;
	switch (err) {
	case ENETUNREACH:
		return "network unreachable";
#ifdef EHOSTDOWN
	case EHOSTDOWN:
		return "host down";
#endif
	default:
		return "no route";
	}
}

/* What the targets are, named by what varies between them. */
static const char *
targets_noun(const struct run *run)
{
	const struct options *opts = &run->opts;
	bool addrs = false;

	for (size_t h = 0; h < opts->nhosts && opts->all_addresses; h++)
		addrs |= run->resolutions[h].count > 1;
	int varied = (opts->nhosts > 1) + options_ports_vary(opts) + addrs;
	if (varied != 1)
		return "targets";
	return opts->nhosts > 1 ? "hosts" : addrs ? "addresses" : "ports";
}

/* Describes a run once, for every renderer: the state, the state line's words and the
 * perfdata items. Every string is a span of d->text. A target's own line is described by
 * describe_target() when a renderer reaches it, so that a million targets do not hold a
 * million lines at once. Out of memory, d->failed is set and the renderers write their
 * fallback. */
void
describe_run(struct description *d, const struct run *run)
{
	*d = (struct description){.state = run->summary.state, .ntargets = run->plan.count};
	d->text = (struct outbuf){.buf = d->first, .cap = sizeof d->first, .borrowed = true};
	span_begin(d, &d->words);
	describe_run_words(&d->text, run);
	span_end(d, &d->words);
	perf_items(d, run);
	d->failed |= d->text.truncated;
}

/* Describes target i: its label, state and words, as spans of d->text until
 * describe_target_forget() gives their room back. */
void
describe_target(struct description *d, const struct run *run, size_t i, struct target_words *tw)
{
	const struct target *t = &run->plan.targets[i];

	tw->state = (enum state)t->state;
	span_begin(d, &tw->label);
	target_label(&d->text, run, t);
	span_end(d, &tw->label);
	span_begin(d, &tw->words);
	describe_target_words(&d->text, run, t);
	span_end(d, &tw->words);
	d->failed |= d->text.truncated;
}

/* Drops the words of the last target described. */
void
describe_target_forget(struct description *d, const struct target_words *tw)
{
	if (!d->text.truncated)
		d->text.len = tw->label.at;
}

/* Gives back what describe_run() took. */
void
description_free(struct description *d)
{
	out_free(&d->text);
	free(d->perf);
	*d = (struct description){0};
}

/* Appends a span of the description's text (its words, a label) to a buffer. */
void
out_span(struct outbuf *o, const struct description *d, struct span s)
{
	out_mem(o, d->text.buf + s.at, s.len);
}

/* The perfdata as the guidelines write it, items separated by spaces, without the '|'
 * that introduces them in the Nagios text: label=value[unit];warn;crit;min;max. */
void
describe_perfdata(struct outbuf *o, const struct description *d)
{
	for (size_t i = 0; i < d->nperf; i++) {
		const struct perf_item *p = &d->perf[i];
		if (i > 0)
			out_str(o, " ");
		out_span(o, d, p->label);
		out_str(o, "=");
		out_span(o, d, p->value);
		out_str(o, p->unit);
		out_str(o, ";");
		out_span(o, d, p->warn);
		out_str(o, ";");
		out_span(o, d, p->crit);
		out_str(o, ";");
		out_span(o, d, p->min);
		out_str(o, ";");
		out_span(o, d, p->max);
	}
}

/* perfdata: the connect time of each target (the average, minimum, maximum, jitter and
 * loss with -n) and the time spent resolving each name. One target keeps the plain labels
 * (time=, dns=); several get quoted labels named after the target ('time_443'). */
static void
perf_items(struct description *d, const struct run *run)
{
	const struct options *opts = &run->opts;
	const struct plan *plan = &run->plan;
	char max[32];

	number_format(max, sizeof max, clock_seconds(opts->timeout_ns), 3);
	for (size_t i = 0; i < plan->count; i++)
		perf_target(d, run, &plan->targets[i], plan->count > 1);
	for (size_t h = 0; h < opts->nhosts; h++) {
		const struct resolution *res = &run->resolutions[h];
		if (!res->looked_up || res->count == 0)
			continue;
		struct perf_item *p = perf_new(d);
		if (p == NULL)
			return;
		span_begin(d, &p->label);
		if (opts->nhosts == 1) {
			out_str(&d->text, "dns");
		} else {
			struct outbuf host = {0};
			out_escaped(&host, opts->hosts[h], HOST_SHOW_MAX);
			d->text.truncated |= host.truncated;
			out_str(&d->text, "'dns_");
			perf_label_text(&d->text, host.buf, host.len);
			out_str(&d->text, "'");
			out_free(&host);
		}
		span_end(d, &p->label);
		perf_seconds(d, p, clock_seconds(res->elapsed), "", "", max);
	}
}

/* The perfdata of one target; nothing for a target that did not resolve. */
static void
perf_target(struct description *d, const struct run *run, const struct target *t, bool quoted)
{
	const struct options *opts = &run->opts;
	const struct verdict verdict = run_verdict(run, t), *v = &verdict;
	char warn[RANGE_TEXT_MAX], crit[RANGE_TEXT_MAX], max[32];

	if (t->naddr == 0)
		return;
	number_format(max, sizeof max, clock_seconds(opts->timeout_ns), 3);
	if (v->outcome == OUTCOME_CONNECTED) {
		range_perfdata(&opts->warning, warn, sizeof warn);
		range_perfdata(&opts->critical, crit, sizeof crit);
		perf_seconds(d, perf_label(d, "time", run, t, quoted), v->seconds, warn, crit, max);
		if (converse_wanted(&opts->converse)) {
			perf_seconds(d, perf_label(d, "connect", run, t, quoted), v->connect, "", "",
				     max);
			if (v->has_response)
				perf_seconds(d, perf_label(d, "response", run, t, quoted), v->response,
					     "", "", max);
		}
		if (opts->count != 1) {
			perf_seconds(d, perf_label(d, "time_min", run, t, quoted), v->min, "", "", max);
			perf_seconds(d, perf_label(d, "time_max", run, t, quoted), v->max, "", "", max);
			perf_seconds(d, perf_label(d, "jitter", run, t, quoted), v->jitter, "", "", "");
		}
	}
	if (opts->count != 1 && v->sent > 0) {
		char pct[16];
		range_perfdata(&opts->warning_loss, warn, sizeof warn);
		range_perfdata(&opts->critical_loss, crit, sizeof crit);
		format_percent(pct, sizeof pct, v->loss);
		struct perf_item *p = perf_label(d, "loss", run, t, quoted);
		if (p == NULL)
			return;
		perf_text(d, &p->value, pct);
		p->unit = "%";
		perf_text(d, &p->warn, warn);
		perf_text(d, &p->crit, crit);
		perf_text(d, &p->min, "0");
		perf_text(d, &p->max, "100");
	}
}

/* A new perfdata item with its label, quoted as the guidelines ask when it names a target
 * ("'time_[::1]:443'"); NULL out of memory. */
static struct perf_item *
perf_label(struct description *d, const char *metric, const struct run *run,
	   const struct target *t, bool quoted)
{
	struct perf_item *p = perf_new(d);

	if (p == NULL)
		return NULL;
	span_begin(d, &p->label);
	if (!quoted) {
		out_str(&d->text, metric);
		span_end(d, &p->label);
		return p;
	}
	struct outbuf label = {0};
	target_label(&label, run, t);
	d->text.truncated |= label.truncated;
	out_fmt(&d->text, "'%s_", metric);
	perf_label_text(&d->text, label.buf, label.len);
	out_str(&d->text, "'");
	out_free(&label);
	span_end(d, &p->label);
	return p;
}

/* The rest of a time item: seconds with six decimals, from 0 to max. */
static void
perf_seconds(struct description *d, struct perf_item *p, double seconds, const char *warn,
	     const char *crit, const char *max)
{
	if (p == NULL)
		return;
	span_begin(d, &p->value);
	out_fixed(&d->text, seconds, 6);
	span_end(d, &p->value);
	p->unit = "s";
	perf_text(d, &p->warn, warn);
	perf_text(d, &p->crit, crit);
	perf_text(d, &p->min, "0");
	perf_text(d, &p->max, max);
}

/* Adds an empty perfdata item; NULL (and d->failed) when there is no memory for it. */
static struct perf_item *
perf_new(struct description *d)
{
	if (d->nperf == d->perf_cap) {
		size_t cap = d->perf_cap > 0 ? 2 * d->perf_cap : 64;
		struct perf_item *perf = cap < SIZE_MAX / sizeof *perf
						 ? realloc(d->perf, cap * sizeof *perf)
						 : NULL;
		if (perf == NULL) {
			d->failed = true;
			return NULL;
		}
		d->perf = perf;
		d->perf_cap = cap;
	}
	d->perf[d->nperf] = (struct perf_item){.unit = ""};
	return &d->perf[d->nperf++];
}

/* A span holding `text`. */
static void
perf_text(struct description *d, struct span *s, const char *text)
{
	span_begin(d, s);
	out_str(&d->text, text);
	span_end(d, s);
}

/* A span starts where the description's text ends... */
static void
span_begin(struct description *d, struct span *s)
{
	s->at = d->text.len;
	s->len = 0;
}

/* ...and holds what was written since. */
static void
span_end(struct description *d, struct span *s)
{
	s->len = d->text.len - s->at;
}

/* Label text: a label may not hold '=', and a quote is written twice. */
static void
perf_label_text(struct outbuf *o, const char *text, size_t len)
{
	char buf[2] = {0, 0};

	for (size_t i = 0; i < len; i++) {
		buf[0] = text[i] == '=' ? '_' : text[i];
		out_str(o, text[i] == '\'' ? "''" : buf);
	}
}

/* A percentage with up to two decimals: "0", "33.33", "100". */
static void
format_percent(char *buf, size_t size, double value)
{
	number_format(buf, size, value, 2);
}
