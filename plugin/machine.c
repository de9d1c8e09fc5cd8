/* SPDX-License-Identifier: ISC */
/* The output formats for machines, chosen with --output. Zabbix stores what a check
 * prints and ignores its exit code, so it gets a bare number or one JSON object:
 *   value  the response time in seconds (of the slowest target that connected), 0 when
 *          none connected, as Zabbix's own net.tcp.service.perf answers
 *   state  the state as a number, 0-3
 *   json   {"state","code","message","perfdata","targets":[{host, address, port, state,
 *          code, outcome, time, connect, response, dns, loss, message}]}, times in
 *          seconds, null where nothing was measured
 *   lld    [{"{#HOST}":...,"{#PORT}":...}], the targets, found without connecting
 * The exit code stays the state. */
#include "config.h"
#include "machine.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

static void json_value(struct outbuf *o, const struct run *run, struct description *d);
static void json_target(struct outbuf *o, const struct run *run, const struct target *t,
			const struct description *d, const struct target_words *tw);
static void json_string(struct outbuf *o, const char *text, size_t len);
static size_t utf8_length(const unsigned char *p, size_t avail);
static void json_seconds(struct outbuf *o, const char *key, bool known, double seconds);
static void time_value(struct outbuf *o, const struct run *run);

/* Writes the run in the machine format of --output (not nagios). */
void
machine_render(struct outbuf *o, const struct run *run, struct description *d)
{
	switch (run->opts.output) {
	case OUTPUT_VALUE:
		time_value(o, run);
		break;
	case OUTPUT_STATE:
		out_fmt(o, "%d\n", (int)run->summary.state);
		break;
	case OUTPUT_JSON:
		json_value(o, run, d);
		break;
	default:
		break;
	}
}

/* An UNKNOWN that no check produced, as one JSON object with no target. */
void
machine_unknown(struct outbuf *o, const char *message)
{
	out_fmt(o, "{\"state\":\"%s\",\"code\":%d,\"message\":", state_name(STATE_UNKNOWN),
		(int)STATE_UNKNOWN);
	json_string(o, message, strlen(message));
	out_str(o, ",\"perfdata\":\"\",\"targets\":[]}\n");
}

/* --output=lld: the targets for Zabbix low-level discovery, without any traffic. */
void
machine_discovery(struct outbuf *o, const struct options *opts)
{
	bool first = true;

	out_str(o, "[");
	for (size_t h = 0; h < opts->nhosts; h++) {
		const char *host = opts->hosts[h];
		size_t nports = host[0] == '/' ? 1 : options_port_count(opts, h);
		for (size_t p = 0; p < nports; p++) {
			out_str(o, first ? "{\"{#HOST}\":" : ",{\"{#HOST}\":");
			first = false;
			json_string(o, host, strlen(host));
			if (host[0] == '/')
				out_str(o, ",\"{#PORT}\":\"\"}");
			else
				out_fmt(o, ",\"{#PORT}\":\"%u\"}", options_port(opts, h, p));
		}
	}
	out_str(o, "]\n");
}

/* The response time of the slowest target that connected, or 0. */
static void
time_value(struct outbuf *o, const struct run *run)
{
	double slowest = 0;

	for (size_t i = 0; i < run->plan.count; i++) {
		const struct verdict verdict = run_verdict(run, &run->plan.targets[i]), *v = &verdict;
		if (v->outcome == OUTCOME_CONNECTED && v->seconds > slowest)
			slowest = v->seconds;
	}
	out_fixed(o, slowest, 6);
	out_str(o, "\n");
}

/* The whole run as one JSON object on one line. */
static void
json_value(struct outbuf *o, const struct run *run, struct description *d)
{
	struct outbuf perf = {0};

	if (d->failed) {
		o->truncated = true; /* render.c writes a short object instead */
		return;
	}
	out_fmt(o, "{\"state\":\"%s\",\"code\":%d,\"message\":", state_name(run->summary.state),
		(int)run->summary.state);
	json_string(o, d->text.buf + d->words.at, d->words.len);
	out_str(o, ",\"perfdata\":");
	describe_perfdata(&perf, d);
	o->truncated |= perf.truncated;
	json_string(o, perf.buf, perf.len);
	out_free(&perf);
	out_str(o, ",\"targets\":[");
	for (size_t i = 0; i < run->plan.count && i < d->ntargets; i++) {
		struct target_words tw;
		if (i > 0)
			out_str(o, ",");
		describe_target(d, run, i, &tw);
		json_target(o, run, &run->plan.targets[i], d, &tw);
		describe_target_forget(d, &tw);
	}
	out_str(o, "]}\n");
}

/* One target: where, what happened, and its times. */
static void
json_target(struct outbuf *o, const struct run *run, const struct target *t,
	    const struct description *d, const struct target_words *tw)
{
	const struct verdict verdict = run_verdict(run, t), *v = &verdict;
	const struct resolution *res = &run->resolutions[t->host];
	const char *host = run->opts.hosts[t->host];
	bool connected = v->outcome == OUTCOME_CONNECTED;

	out_str(o, "{\"host\":");
	json_string(o, host, strlen(host));
	out_str(o, ",\"address\":");
	if (t->naddr > 0) {
		char addr[ADDRESS_TEXT_MAX];
		unsigned which = connected || v->failure == NULL ? t->tally.last_addr : v->failure->addr;
		if (!connected && v->failure == NULL)
			which = t->first_addr;
		address_format(&res->addresses[which], addr, sizeof addr);
		json_string(o, addr, strlen(addr));
	} else {
		out_str(o, "null");
	}
	if (res->unix_socket)
		out_str(o, ",\"port\":null");
	else
		out_fmt(o, ",\"port\":%u", t->port);
	out_fmt(o, ",\"state\":\"%s\",\"code\":%d,\"outcome\":\"%s\"", state_name(v->state),
		(int)v->state, outcome_key(v->outcome));
	json_seconds(o, "time", connected, v->seconds);
	json_seconds(o, "connect", connected, v->connect > 0 ? v->connect : v->seconds);
	json_seconds(o, "response", connected && v->has_response, v->response);
	json_seconds(o, "dns", res->looked_up && res->count > 0, clock_seconds(res->elapsed));
	if (run->opts.count != 1 && v->sent > 0)
		out_fmt(o, ",\"loss\":%.2f", v->loss);
	else
		out_str(o, ",\"loss\":null");
	if (t->naddr > 0)
		out_fmt(o, ",\"not_run\":%u", t->tally.not_run);
	else
		out_str(o, ",\"not_run\":null");
	out_str(o, ",\"message\":");
	json_string(o, d->text.buf + tw->words.at, tw->words.len);
	out_str(o, "}");
}

/* ,"key":seconds or ,"key":null */
static void
json_seconds(struct outbuf *o, const char *key, bool known, double seconds)
{
	if (known) {
		out_fmt(o, ",\"%s\":", key);
		out_fixed(o, seconds, 6);
	} else {
		out_fmt(o, ",\"%s\":null", key);
	}
}

/* A JSON string, always valid JSON whatever the bytes were: quotes and backslashes
 * escaped, control characters as \u00XX, valid UTF-8 (a host name such as "café") as
 * the same characters, and each byte of anything else as the text \xNN, as the state
 * line shows it (a lone byte has no code point: \u00XX would be another character). */
static void
json_string(struct outbuf *o, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	char buf[8];

	out_str(o, "\"");
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n = c >= 0x80 ? utf8_length(p + i, len - i) : 0;
		if (n > 0) {
			memcpy(buf, p + i, n);
			buf[n] = '\0';
		} else if (c == '"' || c == '\\') {
			buf[0] = '\\';
			buf[1] = (char)c;
			buf[2] = '\0';
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(buf, sizeof buf, "\\u%04x", c);
		} else if (c >= 0x80) {
			snprintf(buf, sizeof buf, "\\\\x%02x", c);
		} else {
			buf[0] = (char)c;
			buf[1] = '\0';
		}
		out_str(o, buf);
		i += n > 0 ? n : 1;
	}
	out_str(o, "\"");
}

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong form, no
 * surrogate, nothing past U+10FFFF), or 0 when there is none. */
static size_t
utf8_length(const unsigned char *p, size_t avail)
{
	size_t n;
	unsigned min;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, min = 0x80;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, min = 0x800;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, min = 0x10000;
	else
		return 0;
	if (n > avail)
		return 0;
	unsigned cp = p[0] & (0x7f >> n);
	for (size_t k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}
