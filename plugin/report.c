/* The output of a run, as the Monitoring Plugins guidelines shape it:
 *   TCP <STATE> - <what happened, in words>|<perfdata>
 *   <long output: one line per phase and a hint, with -v>
 * built in one buffer and written with one write(2), so that a monitoring core never
 * reads half a line. Every byte that did not come from this program is escaped. */
#include "config.h"
#include "report.h"

#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "number.h"

#define OUT_SIZE      16384
#define HOST_SHOW_MAX 255 /* bytes of a host name echoed before it is cut */

struct out {
	char buf[OUT_SIZE];
	size_t len;
};

static void out_str(struct out *o, const char *s);
static void out_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_escaped(struct out *o, const char *s);
static void out_flush(const struct out *o);
static void out_target(struct out *o, const struct run *run, const struct attempt *a);
static void out_seconds(struct out *o, double seconds);
static void out_message(struct out *o, const struct run *run);
static void out_perfdata(struct out *o, const struct run *run);
static void out_verbose(struct out *o, const struct run *run);
static void out_settings(struct out *o, const struct run *run);
static void out_attempt(struct out *o, const struct run *run, const struct attempt *a);
static const char *errno_name(int err);
static const char *gai_name(int err);

/* Writes the whole report of a run to stdout. */
void
report_run(const struct run *run)
{
	static struct out o;

	o.len = 0;
	out_fmt(&o, "TCP %s - ", state_name(run->verdict.state));
	out_message(&o, run);
	out_perfdata(&o, run);
	out_str(&o, "\n");
	if (run->opts.verbose > 0)
		out_verbose(&o, run);
	out_flush(&o);
}

/* Writes the one line of a usage error. */
void
report_usage_error(const char *message)
{
	static struct out o;

	o.len = 0;
	out_fmt(&o, "TCP %s - ", state_name(STATE_UNKNOWN));
	out_escaped(&o, message);
	out_str(&o, " (see 'check_tcpport --help')\n");
	out_flush(&o);
}

/* Copies at most `cap` bytes of `src` into `dst` (NUL-terminated, never more than `size`
 * bytes) with everything that could break a monitoring core's parser escaped: control
 * bytes and newlines as \n \r \t \xNN, '|' (the perfdata separator) as \x7c, '\' as '\\',
 * bytes >= 0x80 as \xNN. A cut is marked with "...". Returns the length written. */
size_t
report_escape(char *dst, size_t size, const char *src, size_t len, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		char esc[5];
		size_t k = 0;

		if (i == cap) {
			if (n + 3 < size) {
				memcpy(dst + n, "...", 3);
				n += 3;
			}
			break;
		}
		if (c == '\n' || c == '\r' || c == '\t' || c == '\\') {
			esc[k++] = '\\';
			esc[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : '\\';
		} else if (c < 0x20 || c >= 0x7f || c == '|') {
			esc[k++] = '\\';
			esc[k++] = 'x';
			esc[k++] = hex[c >> 4];
			esc[k++] = hex[c & 15];
		} else {
			esc[k++] = (char)c;
		}
		if (n + k >= size)
			break;
		memcpy(dst + n, esc, k);
		n += k;
	}
	dst[n] = '\0';
	return n;
}

/* The words of the first line, after "TCP STATE - ". */
static void
out_message(struct out *o, const struct run *run)
{
	const struct verdict *v = &run->verdict;
	const struct resolution *res = &run->resolution;
	const struct attempt *a = v->attempt >= 0 ? &run->attempts[v->attempt] : NULL;
	unsigned port = run->opts.port;

	if (a == NULL) {
		if (res->timed_out) {
			out_str(o, "Timeout after ");
			out_seconds(o, clock_seconds(run->opts.timeout_ns));
			out_str(o, " seconds while resolving ");
			out_escaped(o, run->opts.host);
			out_fmt(o, ": %s", resolve_error_text(res));
		} else {
			out_str(o, "cannot resolve ");
			out_escaped(o, run->opts.host);
			out_fmt(o, ": %s", resolve_error_text(res));
		}
		return;
	}
	switch (v->outcome) {
	case OUTCOME_CONNECTED:
		out_fmt(o, "%.6f second response time on ", v->seconds);
		out_target(o, run, a);
		out_fmt(o, " port %u", port);
		return;
	case OUTCOME_TIMEOUT:
		out_str(o, "Socket timeout after ");
		out_seconds(o, clock_seconds(run->opts.timeout_ns));
		out_str(o, " seconds while connecting to ");
		out_target(o, run, a);
		out_fmt(o, " port %u", port);
		break;
	case OUTCOME_LOCAL_ERROR:
		out_str(o, "cannot connect to ");
		out_target(o, run, a);
		out_fmt(o, " port %u: %s", port, strerror(a->err));
		break;
	default:
		out_str(o, "connect to address ");
		out_target(o, run, a);
		out_fmt(o, " and port %u: %s", port, strerror(a->err));
		break;
	}
	if (run->count > 1)
		out_fmt(o, " (%zu addresses tried)", run->count);
}

/* "host (address)" for a name, just the address for a literal. */
static void
out_target(struct out *o, const struct run *run, const struct attempt *a)
{
	char addr[INET6_ADDRSTRLEN];

	out_escaped(o, run->opts.host);
	if (!run->resolution.looked_up)
		return;
	address_format(&a->addr, addr, sizeof addr);
	out_fmt(o, " (%s)", addr);
}

/* perfdata: 'time' of a connection judged by -w/-c, 'dns' when a name was resolved. */
static void
out_perfdata(struct out *o, const struct run *run)
{
	char warn[RANGE_TEXT_MAX], crit[RANGE_TEXT_MAX], max[32];
	const struct resolution *res = &run->resolution;
	bool time = run->winner >= 0;
	bool dns = res->looked_up && res->count > 0;

	if (!time && !dns)
		return;
	number_format(max, sizeof max, clock_seconds(run->opts.timeout_ns), 3);
	out_str(o, "|");
	if (time) {
		range_perfdata(&run->opts.warning, warn, sizeof warn);
		range_perfdata(&run->opts.critical, crit, sizeof crit);
		out_fmt(o, "time=%.6fs;%s;%s;0;%s", run->verdict.seconds, warn, crit, max);
	}
	if (dns)
		out_fmt(o, "%sdns=%.6fs;;;0;%s", time ? " " : "", clock_seconds(res->elapsed),
			max);
}

/* The long output of -v: each phase with its time, each address with its errno, and what
 * to look at next. -vv adds the settings the run used. */
static void
out_verbose(struct out *o, const struct run *run)
{
	const struct resolution *res = &run->resolution;
	char addr[INET6_ADDRSTRLEN];

	if (run->opts.verbose > 1)
		out_settings(o, run);
	out_str(o, "resolve: ");
	out_escaped(o, run->opts.host);
	if (!res->looked_up && res->count > 0) {
		out_str(o, " is an address, nothing to resolve\n");
	} else if (res->timed_out) {
		out_str(o, ": no answer from the resolver before the deadline (");
		out_seconds(o, clock_seconds(res->elapsed));
		out_str(o, " s)\n");
	} else if (res->count == 0) {
		out_fmt(o, ": %s (%s) after %.6f s\n", resolve_error_text(res),
			gai_name(res->gai_error), clock_seconds(res->elapsed));
	} else {
		out_str(o, " ->");
		for (size_t i = 0; i < res->count; i++) {
			address_format(&res->addresses[i], addr, sizeof addr);
			out_fmt(o, "%s %s", i > 0 ? "," : "", addr);
		}
		out_fmt(o, " in %.6f s\n", clock_seconds(res->elapsed));
	}
	for (size_t i = 0; i < run->count; i++)
		out_attempt(o, run, &run->attempts[i]);
	out_fmt(o, "hint: %s\n", outcome_hint(run->verdict.outcome));
}

/* -vv: what the run was asked to do. */
static void
out_settings(struct out *o, const struct run *run)
{
	const struct options *opts = &run->opts;
	char warn[RANGE_TEXT_MAX], crit[RANGE_TEXT_MAX];

	range_perfdata(&opts->warning, warn, sizeof warn);
	range_perfdata(&opts->critical, crit, sizeof crit);
	out_str(o, "settings: timeout ");
	out_seconds(o, clock_seconds(opts->timeout_ns));
	out_fmt(o, " s for the whole run, %s, warning %s, critical %s\n",
		opts->family == AF_INET	   ? "IPv4 only"
		: opts->family == AF_INET6 ? "IPv6 only"
					   : "IPv4 and IPv6",
		warn[0] ? warn : "none", crit[0] ? crit : "none");
	out_str(o, "states:");
	for (int i = 0; i < OUTCOME_COUNT; i++)
		out_fmt(o, " %s=%s", outcome_key((enum outcome)i), state_name(opts->states[i]));
	out_str(o, "\n");
}

/* One -v line for one attempt: "connect 127.0.0.1 port 80: ECONNREFUSED (...) after T s". */
static void
out_attempt(struct out *o, const struct run *run, const struct attempt *a)
{
	char addr[INET6_ADDRSTRLEN];
	double at = clock_seconds(a->started - run->deadline.start);
	double took = clock_seconds(a->finished - a->started);

	address_format(&a->addr, addr, sizeof addr);
	out_fmt(o, "connect %s port %u: ", addr, run->opts.port);
	switch (a->status) {
	case ATTEMPT_WAITING:
		out_str(o, "not tried, the deadline came first\n");
		return;
	case ATTEMPT_CANCELLED:
		out_fmt(o, "no answer in %.6f s, given up: another address connected first", took);
		break;
	case ATTEMPT_CONNECTING:
	case ATTEMPT_DONE:
		if (a->outcome == OUTCOME_CONNECTED)
			out_fmt(o, "connected in %.6f s", took);
		else if (a->outcome == OUTCOME_TIMEOUT && a->err == 0)
			out_fmt(o, "no answer in %.6f s", took);
		else
			out_fmt(o, "%s (%s) after %.6f s", errno_name(a->err), strerror(a->err),
				took);
		break;
	}
	out_fmt(o, ", started at +%.6f s\n", at);
}

/* Appends a string, silently cut at the end of the buffer. */
static void
out_str(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (n > sizeof o->buf - o->len)
		n = sizeof o->buf - o->len;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* Appends printf output; numbers use '.' whatever the environment (no setlocale). */
static void
out_fmt(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof o->buf - o->len;

	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->len += (size_t)n < room ? (size_t)n : (room > 0 ? room - 1 : 0);
}

/* Appends text that did not come from this program, escaped and capped. */
static void
out_escaped(struct out *o, const char *s)
{
	size_t room = sizeof o->buf - o->len;

	if (room > 0)
		o->len += report_escape(o->buf + o->len, room, s, strlen(s), HOST_SHOW_MAX);
}

/* Seconds as people write them: "2.5", "10", "0.001". */
static void
out_seconds(struct out *o, double seconds)
{
	char buf[32];

	number_format(buf, sizeof buf, seconds, 3);
	out_str(o, buf);
}

/* One write(2) of the whole output. A closed or full stdout cannot be reported anywhere;
 * the exit code still carries the state. */
static void
out_flush(const struct out *o)
{
	size_t done = 0;

	while (done < o->len) {
		ssize_t n = write(STDOUT_FILENO, o->buf + done, o->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		done += (size_t)n;
	}
}

/* The symbolic name of the errno values a connect can meet, for -v. */
static const char *
errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ECONNREFUSED, "ECONNREFUSED"}, {ECONNRESET, "ECONNRESET"},
		{ETIMEDOUT, "ETIMEDOUT"},	{EHOSTUNREACH, "EHOSTUNREACH"},
		{ENETUNREACH, "ENETUNREACH"},	{EHOSTDOWN, "EHOSTDOWN"},
		{EMFILE, "EMFILE"},		{ENFILE, "ENFILE"},
		{ENOBUFS, "ENOBUFS"},		{ENOMEM, "ENOMEM"},
		{EADDRNOTAVAIL, "EADDRNOTAVAIL"}, {EAFNOSUPPORT, "EAFNOSUPPORT"},
		{EACCES, "EACCES"},		{EPERM, "EPERM"},
		{EINVAL, "EINVAL"},		{ENETDOWN, "ENETDOWN"},
		{EPROTO, "EPROTO"},		{EADDRINUSE, "EADDRINUSE"},
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].err == err)
			return names[i].name;
	return "errno";
}

/* The symbolic name of a getaddrinfo error, for -v. */
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
