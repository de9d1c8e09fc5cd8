/* SPDX-License-Identifier: ISC */
/* -v: what a person at a terminal needs at 3 a.m. Each phase with its time: the addresses
 * a name resolved to, every connect attempt with its errno, and what to look at next;
 * -vv adds the settings of the run. With -n at a terminal, each probe is printed as it
 * happens, as ping does. */
#include "config.h"
#include "verbose.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <string.h>

#include "describe.h"
#include "number.h"

static void settings(struct outbuf *o, const struct run *run);
static void conversation_settings(struct outbuf *o, const struct converse_config *cc);
static void out_bytes(struct outbuf *o, struct bytes b);
static void resolution(struct outbuf *o, const struct run *run, size_t host);
static void attempt_line(struct outbuf *o, const struct run *run, const struct target *t,
			 const struct attempt *a);
static void probe_stats(struct outbuf *o, const struct run *run, const struct target *t);
static void conversation(struct outbuf *o, const struct run *run, const struct target *t);
static void proxy_line(struct outbuf *o, const struct run *run, const struct target *t);
static void hints(struct outbuf *o, const struct run *run);
static void attempt_result(struct outbuf *o, const struct attempt *a);
static const char *errno_name(int err);
static const char *gai_name(int err);
static void probe_line_write(struct outbuf *o);

/* The lines of -v, after the state line (and the targets' lines). */
void
verbose_render(struct outbuf *o, const struct run *run)
{
	const struct plan *plan = &run->plan;

	if (run->opts.verbose > 1)
		settings(o, run);
	for (size_t h = 0; h < run->opts.nhosts; h++)
		resolution(o, run, h);
	for (size_t i = 0; i < plan->count; i++) {
		const struct target *t = &plan->targets[i];
		const struct detail *d = plan_detail(plan, t);
		if (run->opts.count != 1) {
			probe_stats(o, run, t);
			continue;
		}
		for (unsigned k = 0; k < t->naddr; k++)
			attempt_line(o, run, t, &d->attempts[k]);
		/* the conversation that connected, or the one that failed while talking */
		struct verdict v = run_verdict(run, t);
		bool talked = d->reached >= 0 || (v.failure != NULL && v.failure->in_conversation);
		if (run->opts.converse.proxy != PROXY_NONE && talked)
			proxy_line(o, run, t);
		if (converse_wanted(&run->opts.converse) && talked)
			conversation(o, run, t);
	}
	hints(o, run);
}

/* With -s/-e: what was said and heard, with its times; the reply itself unless -j. */
static void
conversation(struct outbuf *o, const struct run *run, const struct target *t)
{
	const struct converse *c = run_reply(run, t);
	const struct converse_config *cc = &run->opts.converse;
	static const char *const results[] = {
		[OUTCOME_CONNECTED] = "expectation met",
		[OUTCOME_MISMATCH] = "expectation not met",
		[OUTCOME_NO_DATA] = "closed without a reply",
		[OUTCOME_RESET] = "reset",
		[OUTCOME_TIMEOUT] = "no reply in time",
		[OUTCOME_LOCAL_ERROR] = "local error",
	};
	const char *result = c->outcome < sizeof results / sizeof results[0] &&
					     results[c->outcome] != NULL
				     ? results[c->outcome]
				     : "done";
	if (c->outcome == OUTCOME_CONNECTED && !converse_reads(cc))
		result = "sent, nothing to expect"; /* -s alone: no reply is read */
	if (c->outcome == OUTCOME_TIMEOUT && c->total > 0)
		result = "reply still incomplete in time"; /* it had not paused nor met */

	out_fmt(o, "converse: sent %zu of %zu bytes", c->sent, cc->send.len);
	if (converse_reads(cc)) {
		out_fmt(o, ", received %zu bytes", c->total);
		int64_t response = converse_response_ns(cc, c);
		if (response >= 0) {
			out_str(o, " (the first ");
			out_fixed(o, clock_seconds(response), 6);
			out_str(o, " s after sending)");
		}
	}
	/* the times of the perfdata's response= and time=: -d is left out of both */
	out_fmt(o, ": %s after ", result);
	out_fixed(o, clock_seconds(converse_talk_ns(cc, c)), 6);
	out_str(o, " s");
	int64_t waited = converse_delay_waited(cc, c);
	if (waited > 0) {
		out_str(o, " (-d's wait of ");
		out_fixed(o, clock_seconds(waited), 6);
		out_str(o, " s left out)");
	}
	if (c->by_deadline)
		out_str(o, " (judged as it stood when the time was up)");
	if (c->by_silence) {
		/* the wait that cost the check time, though not counted in it */
		out_str(o, " (judged once nothing more came for ");
		out_fixed(o, clock_seconds(CONVERSE_SETTLE_NS), 3);
		out_str(o, " s)");
	}
	if (cc->quit.len > 0)
		out_fmt(o, ", then quit (%zu bytes)", cc->quit.len);
	out_str(o, "\n");
	if (converse_reads(cc) && !run->opts.jail && c->shown_len > 0) {
		char text[4 * CONVERSE_SHOW_MAX + 4];
		escape_bytes(text, sizeof text, (const char *)c->shown, c->shown_len,
			     CONVERSE_SHOW_MAX);
		out_fmt(o, "reply: %s%s\n", text, c->total > c->shown_len ? "..." : "");
	}
}

/* With --proxy-protocol: the header this connection sent, escaped (version 2 is binary),
 * or why there was none. */
static void
proxy_line(struct outbuf *o, const struct run *run, const struct target *t)
{
	const struct converse *c = run_reply(run, t);
	const char *version = proxy_version_name(run->opts.converse.proxy);
	char text[4 * PROXY_HEADER_MAX + 4];

	if (c->proxy_len == 0) {
		out_fmt(o, "proxy: no PROXY %s header sent: the connection was gone first\n",
			version);
		return;
	}
	escape_bytes(text, sizeof text, (const char *)c->proxy, c->proxy_len, PROXY_HEADER_MAX);
	out_fmt(o, "proxy: sent %zu of %zu bytes of the PROXY %s header: %s\n", c->proxy_sent,
		c->proxy_len, version, text);
}

/* The hook of the probe engine: one line per probe as it ends, flushed at once. */
void
verbose_probe(void *ctx, const struct target *t, unsigned probe, bool connected,
	      const struct attempt *a, const struct converse *conv)
{
	const struct run *run = ctx;
	struct outbuf o = {0};

	out_fmt(&o, "probe %u/%u ", probe, run->opts.count);
	if (run->plan.nhosts > 1 || run->plan.count > 1) {
		target_label(&o, run, t);
	} else {
		out_escaped(&o, run->opts.hosts[t->host], HOST_SHOW_MAX);
		out_fmt(&o, " port %u", t->port);
	}
	if (a == NULL) {
		out_str(&o, ": not run, the deadline came first\n");
		probe_line_write(&o);
		return;
	}
	const struct address *addr = &run->resolutions[t->host].addresses[a->addr];
	if (connected && converse_wanted(&run->opts.converse)) {
		out_str(&o, ": ");
		address_words(&o, addr);
		out_str(&o, " answered as expected in ");
		/* the probe's time= as the tally counts it: -d left out */
		out_fixed(&o,
			  clock_seconds(a->finished - a->started +
					converse_talk_ns(&run->opts.converse, conv)),
			  6);
		out_str(&o, " s");
	} else if (connected) {
		out_str(&o, ": connected to ");
		address_words(&o, addr);
		out_str(&o, " in ");
		out_fixed(&o, clock_seconds(a->finished - a->started), 6);
		out_str(&o, " s");
	} else if (a->outcome == OUTCOME_CONNECTED) {
		out_str(&o, ": ");
		address_words(&o, addr);
		out_fmt(&o, " connected, then: %s", outcome_key(conv->outcome));
	} else {
		out_str(&o, ": ");
		address_words(&o, addr);
		out_str(&o, " ");
		attempt_result(&o, a);
	}
	out_str(&o, "\n");
	probe_line_write(&o);
}

/* Writes one probe's line at once and frees it; a line cut short by a lack of memory is
 * not written at all. */
static void
probe_line_write(struct outbuf *o)
{
	if (o->truncated)
		out_cut_to_line(o);
	out_flush(o);
	out_free(o);
}

/* -vv: what the run was asked to do. */
static void
settings(struct outbuf *o, const struct run *run)
{
	const struct options *opts = &run->opts;
	char warn[RANGE_TEXT_MAX], crit[RANGE_TEXT_MAX];

	range_perfdata(&opts->warning, warn, sizeof warn);
	range_perfdata(&opts->critical, crit, sizeof crit);
	out_str(o, "settings: timeout ");
	out_seconds(o, clock_seconds(opts->timeout_ns));
	out_fmt(o, " s %s, %s, warning %s, critical %s\n",
		opts->count == 0 ? "for each probe and the lookups (-n 0)" : "for the whole run",
		opts->family == AF_INET	   ? "IPv4 only"
		: opts->family == AF_INET6 ? "IPv6 only"
					   : "IPv4 and IPv6",
		warn[0] ? warn : "none", crit[0] ? crit : "none");
	out_str(o, "states:");
	for (int i = 0; i < OUTCOME_COUNT; i++)
		out_fmt(o, " %s=%s", outcome_key((enum outcome)i), state_name(opts->states[i]));
	out_str(o, "\n");
	if (opts->converse.proxy != PROXY_NONE)
		out_fmt(o, "proxy: a PROXY protocol %s header first on each connection, with its "
			   "own addresses\n",
			proxy_version_name(opts->converse.proxy));
	conversation_settings(o, &opts->converse);
	if (opts->count == 1 && run->plan.count == 1)
		return;
	out_fmt(o, "probes: %u per target, ", opts->count);
	out_seconds(o, clock_seconds(opts->interval_ns));
	out_str(o, " s apart, each waiting up to ");
	out_seconds(o, clock_seconds(opts->probe_timeout_ns));
	out_fmt(o, " s; %zu targets, addresses %s, ", run->plan.count,
		opts->all_addresses ? "all" : "first");
	if (opts->max_parallel > 0)
		out_fmt(o, "at most %u sockets at once, ", opts->max_parallel);
	out_fmt(o, "%zu must be OK\n", run->summary.needed);
}

/* -vv with -s, -e, -q or --service: the bytes to send and to expect, escaped as a reply
 * is, so that they can be read beside it and pasted back with -E. */
static void
conversation_settings(struct outbuf *o, const struct converse_config *cc)
{
	if (!converse_wanted(cc))
		return;
	out_str(o, "conversation:");
	if (cc->send.len > 0) {
		out_str(o, " send '");
		out_bytes(o, cc->send);
		out_fmt(o, "' (%zu byte%s),", cc->send.len, cc->send.len == 1 ? "" : "s");
	}
	for (size_t i = 0; i < cc->nexpects; i++) {
		out_str(o, i == 0 ? " expect '" : cc->all ? " and '" : " or '");
		out_bytes(o, cc->expects[i]);
		out_str(o, "'");
	}
	if (cc->nregexes > 0)
		out_fmt(o, "%s %zu --expect-regex",
			cc->nexpects == 0 ? " expect" : cc->all ? " and" : " or", cc->nregexes);
	if (!converse_reads(cc))
		out_str(o, " no reply read");
	if (cc->quit.len > 0) {
		out_str(o, ", quit '");
		out_bytes(o, cc->quit);
		out_fmt(o, "' (%zu byte%s)", cc->quit.len, cc->quit.len == 1 ? "" : "s");
	}
	out_str(o, "\n");
}

/* Bytes that may hold NULs, escaped, cut after CONVERSE_SHOW_MAX of them. */
static void
out_bytes(struct outbuf *o, struct bytes b)
{
	char text[4 * CONVERSE_SHOW_MAX + 4];

	escape_bytes(text, sizeof text, b.data, b.len, CONVERSE_SHOW_MAX);
	out_str(o, text);
}

/* "resolve: HOST -> ADDR, ADDR in T s", or why it failed. */
static void
resolution(struct outbuf *o, const struct run *run, size_t host)
{
	const struct resolution *res = &run->resolutions[host];

	out_str(o, "resolve: ");
	out_escaped(o, run->opts.hosts[host], HOST_SHOW_MAX);
	if (res->unix_socket && res->count > 0) {
		out_str(o, " is a Unix socket, nothing to resolve\n");
	} else if (!res->looked_up && res->count > 0) {
		out_str(o, " is an address, nothing to resolve\n");
	} else if (res->timed_out) {
		out_str(o, ": no answer from the resolver before the deadline (");
		out_seconds(o, clock_seconds(res->elapsed));
		out_str(o, " s)\n");
	} else if (res->count == 0) {
		out_fmt(o, ": %s (%s) after ", resolve_error_text(res), gai_name(res->gai_error));
		out_fixed(o, clock_seconds(res->elapsed), 6);
		out_str(o, " s\n");
	} else {
		out_str(o, " ->");
		for (size_t i = 0; i < res->count; i++) {
			out_str(o, i > 0 ? ", " : " ");
			address_words(o, &res->addresses[i]);
		}
		out_str(o, " in ");
		out_fixed(o, clock_seconds(res->elapsed), 6);
		out_str(o, " s\n");
		if (res->unused > 0)
			out_fmt(o, "resolve: %zu more addresses not tried: at most %zu per name\n",
				res->unused, res->max);
	}
}

/* One attempt: "connect 127.0.0.1 port 80: ECONNREFUSED (...) after T s, started at +T s". */
static void
attempt_line(struct outbuf *o, const struct run *run, const struct target *t,
	     const struct attempt *a)
{
	out_str(o, "connect ");
	address_words(o, &run->resolutions[t->host].addresses[a->addr]);
	if (!run->resolutions[t->host].unix_socket)
		out_fmt(o, " port %u", t->port);
	if (run->opts.nhosts > 1 && !run->resolutions[t->host].unix_socket) {
		out_str(o, " (");
		out_escaped(o, run->opts.hosts[t->host], HOST_SHOW_MAX);
		out_str(o, ")");
	}
	out_str(o, ": ");
	if (a->status == ATTEMPT_WAITING) {
		bool beaten = false;
		const struct attempt *all = plan_detail(&run->plan, t)->attempts;
		for (unsigned k = 0; k < t->naddr; k++)
			beaten |= all[k].status == ATTEMPT_DONE &&
				  all[k].outcome == OUTCOME_CONNECTED;
		out_str(o, beaten ? "not tried, another address connected first\n"
				  : "not tried, the deadline came first\n");
		return;
	}
	attempt_result(o, a);
	out_str(o, ", started at +");
	out_fixed(o, clock_seconds(a->started - run->deadline.start), 6);
	out_str(o, " s\n");
}

/* How an attempt ended, with its time. */
static void
attempt_result(struct outbuf *o, const struct attempt *a)
{
	double took = clock_seconds(a->finished - a->started);

	if (a->at_bind) {
		out_fmt(o, "bind: %s (%s)", errno_name(a->err), strerror(a->err));
		return;
	}
	bool busy = a->status != ATTEMPT_CANCELLED && a->outcome == OUTCOME_TIMEOUT && a->busy > 0;

	if (a->outcome == OUTCOME_CONNECTED && a->status != ATTEMPT_CANCELLED)
		out_str(o, "connected in ");
	else if (a->self_connect)
		out_str(o, "connected to itself in ");
	else if (busy)
		out_str(o, "no room in ");
	else if (a->status == ATTEMPT_CANCELLED || (a->outcome == OUTCOME_TIMEOUT && a->err == 0))
		out_str(o, "no answer in ");
	else {
		out_fmt(o, "%s (", errno_name(a->err));
		errno_words(o, a->outcome, a->err, true);
		out_str(o, ") after ");
	}
	out_fixed(o, took, 6);
	out_str(o, " s");
	if (a->status == ATTEMPT_CANCELLED)
		out_str(o, ", given up: another address connected first");
	else if (a->self_connect)
		out_str(o, " (the kernel chose the destination port as the source port): "
			   "nothing listens there, counted as refused");
	else if (a->outcome == OUTCOME_CONNECTED && a->reset_at_once)
		out_str(o, ", then reset at once by the server (ECONNRESET)");
	else if (busy)
		out_fmt(o, ": the listener's queue stayed full (connect() said EAGAIN %u times); "
			   "the service does not accept",
			a->busy);
}

/* With -n: one line of figures per target. */
static void
probe_stats(struct outbuf *o, const struct run *run, const struct target *t)
{
	const struct tally *tl = &t->tally;
	const struct verdict verdict = run_verdict(run, t), *v = &verdict;
	char loss[16];

	if (t->naddr == 0)
		return;
	number_format(loss, sizeof loss, v->loss, 2);
	out_str(o, "probes ");
	target_label(o, run, t);
	out_fmt(o, ": %u sent, %u connected", v->sent, tl->connected);
	if (v->sent > 0) /* no loss without a probe sent */
		out_fmt(o, ", %s%% loss", loss);
	if (tl->not_run > 0)
		out_fmt(o, ", %u not run (deadline)", tl->not_run);
	if (tl->connected > 0) {
		const double figures[] = {v->min, v->seconds, v->max, v->jitter};

		out_str(o, ", time min/avg/max/jitter ");
		out_fixed_list(o, figures, 4, 6);
		out_str(o, " s");
	}
	for (int k = OUTCOME_REFUSED; k < OUTCOME_COUNT; k++) {
		/* a probe never run is counted a timeout for the state, but it was not one */
		unsigned n = plan_detail(&run->plan, t)->failed[k] -
			     (k == OUTCOME_TIMEOUT ? tl->not_run : 0);
		if (n > 0)
			out_fmt(o, ", %s %u", outcome_key((enum outcome)k), n);
	}
	out_str(o, "\n");
}

/* What to look at next: the hint of the outcome that speaks, or with several targets one
 * per outcome among those that failed. */
static void
hints(struct outbuf *o, const struct run *run)
{
	const struct plan *plan = &run->plan;
	bool seen[OUTCOME_COUNT] = {false};
	bool any = false;

	if (plan->count == 1) {
		const struct verdict verdict = run_verdict(run, &plan->targets[0]), *v = &verdict;
		if (v->failure != NULL && v->failure->in_conversation && v->outcome == OUTCOME_TIMEOUT)
			out_str(o, "hint: the port accepts connections, but the service did not answer "
				   "in time: check the service's own log and load, and -e against what "
				   "it sends (-v shows the reply)\n");
		else
			out_fmt(o, "hint: %s\n", outcome_hint(v->outcome));
		if (v->failure != NULL && v->outcome == OUTCOME_TIMEOUT &&
		    v->failure->err == ETIMEDOUT)
			out_str(o, "hint: the kernel gave up before -t: its SYN retries "
				   "(sysctl net.ipv4.tcp_syn_retries) last less than -t\n");
		return;
	}
	for (size_t i = 0; i < plan->count; i++) {
		const struct target *t = &plan->targets[i];
		if ((enum state)t->state != STATE_OK)
			seen[run_verdict(run, t).outcome] = any = true;
	}
	if (!any) {
		out_fmt(o, "hint: %s\n", outcome_hint(OUTCOME_CONNECTED));
		return;
	}
	for (int k = 0; k < OUTCOME_COUNT; k++)
		if (seen[k])
			out_fmt(o, "hint (%s): %s\n", outcome_key((enum outcome)k),
				outcome_hint((enum outcome)k));
}

/* The symbolic name of the errno values a connect can meet. */
static const char *
errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ECONNREFUSED, "ECONNREFUSED"},	  {ECONNRESET, "ECONNRESET"},
		{ETIMEDOUT, "ETIMEDOUT"},	  {EHOSTUNREACH, "EHOSTUNREACH"},
		{ENETUNREACH, "ENETUNREACH"},	  {EMFILE, "EMFILE"},
		{ENFILE, "ENFILE"},		  {ENOBUFS, "ENOBUFS"},
		{ENOMEM, "ENOMEM"},		  {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
		{EAFNOSUPPORT, "EAFNOSUPPORT"},	  {EACCES, "EACCES"},
		{EPERM, "EPERM"},		  {EINVAL, "EINVAL"},
		{ENETDOWN, "ENETDOWN"},		  {EPROTO, "EPROTO"},
		{EADDRINUSE, "EADDRINUSE"},	  {EAGAIN, "EAGAIN"},
		{ENOPROTOOPT, "ENOPROTOOPT"},
		{ENOENT, "ENOENT"},		  {ENAMETOOLONG, "ENAMETOOLONG"},
#ifdef EHOSTDOWN
		{EHOSTDOWN, "EHOSTDOWN"},
#endif
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].err == err)
			return names[i].name;
	return "errno";
}

/* The symbolic name of a getaddrinfo error. */
static const char *
gai_name(int err)
{
	switch (err) {
	case EAI_NONAME:
		return "EAI_NONAME";
	case EAI_AGAIN:
		return "EAI_AGAIN";
	case EAI_FAIL:
		return "EAI_FAIL";
	case EAI_MEMORY:
		return "EAI_MEMORY";
	case EAI_FAMILY:
		return "EAI_FAMILY";
	case EAI_SERVICE:
		return "EAI_SERVICE";
	case EAI_SYSTEM:
		return "EAI_SYSTEM";
#ifdef EAI_NODATA
	case EAI_NODATA:
		return "EAI_NODATA";
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
		return "EAI_ADDRFAMILY";
#endif
	default:
		return "EAI_?";
	}
}
