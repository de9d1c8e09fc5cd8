/* The command line: check_tcp's letters, strict values, and every mistake reported as one
 * sentence before anything touches the network. */
#include "config.h"
#include "options.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "number.h"

#define TIMEOUT_MAX_SECONDS 86400.0

enum { OPT_STATE = 256 };

/* The leading colon makes getopt report a missing value apart from an unknown option. */
static const char short_options[] = ":H:p:46w:c:t:r:vhV";

static const struct option long_options[] = {
	{"hostname", required_argument, NULL, 'H'},
	{"port", required_argument, NULL, 'p'},
	{"use-ipv4", no_argument, NULL, '4'},
	{"use-ipv6", no_argument, NULL, '6'},
	{"warning", required_argument, NULL, 'w'},
	{"critical", required_argument, NULL, 'c'},
	{"timeout", required_argument, NULL, 't'},
	{"refuse", required_argument, NULL, 'r'},
	{"state", required_argument, NULL, OPT_STATE},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static bool fail(char *err, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool parse_host(const char *text, struct options *opts, char *err, size_t size);
static bool parse_port(const char *text, struct options *opts, char *err, size_t size);
static bool parse_threshold(const char *text, char letter, struct range *range, char *err,
			    size_t size);
static bool parse_timeout(const char *text, struct options *opts, char *err, size_t size);
static bool parse_state_map(const char *text, struct options *opts, char *err, size_t size);
static bool check_family(const struct options *opts, char *err, size_t size);

/* Fills `opts` from argv. On a usage error returns OPTIONS_USAGE_ERROR with one sentence
 * in `err`; the caller reports it. Touches no network: at most /etc/services is read. */
enum options_action
options_parse(int argc, char *argv[], struct options *opts, char *err, size_t err_size)
{
	int c;

	memset(opts, 0, sizeof *opts);
	opts->family = AF_UNSPEC;
	opts->timeout_ns = DEFAULT_TIMEOUT_NS;
	for (int i = 0; i < OUTCOME_COUNT; i++)
		opts->states[i] = outcome_default_state((enum outcome)i);

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'H':
			ok = parse_host(optarg, opts, err, err_size);
			break;
		case 'p':
			ok = parse_port(optarg, opts, err, err_size);
			break;
		case '4':
		case '6':
			if (opts->family != AF_UNSPEC && opts->family != (c == '4' ? AF_INET : AF_INET6))
				return fail(err, err_size, "-4 and -6 exclude each other"),
				       OPTIONS_USAGE_ERROR;
			opts->family = c == '4' ? AF_INET : AF_INET6;
			break;
		case 'w':
		case 'c':
			ok = parse_threshold(optarg, (char)c, c == 'w' ? &opts->warning
								       : &opts->critical,
					     err, err_size);
			break;
		case 't':
			ok = parse_timeout(optarg, opts, err, err_size);
			break;
		case 'r':
			if (!state_parse_prefix(optarg, &opts->states[OUTCOME_REFUSED]))
				ok = fail(err, err_size,
					  "invalid -r '%s': use ok, warn, crit or unknown", optarg);
			break;
		case OPT_STATE:
			ok = parse_state_map(optarg, opts, err, err_size);
			break;
		case 'v':
			opts->verbose++;
			break;
		case 'h':
			return OPTIONS_HELP;
		case 'V':
			return OPTIONS_VERSION;
		case ':':
			ok = fail(err, err_size, "option '%s' needs a value", argv[optind - 1]);
			break;
		default:
			if (optopt > 0 && optopt < 128)
				ok = fail(err, err_size, "unknown option '-%c'", optopt);
			else
				ok = fail(err, err_size, "unknown option '%s'", argv[optind - 1]);
			break;
		}
		if (!ok)
			return OPTIONS_USAGE_ERROR;
	}
	if (optind < argc)
		return fail(err, err_size, "unexpected argument '%s'", argv[optind]),
		       OPTIONS_USAGE_ERROR;
	if (opts->host == NULL)
		return fail(err, err_size, "no host given: use -H HOST"), OPTIONS_USAGE_ERROR;
	if (opts->port == 0)
		return fail(err, err_size, "no port given: use -p PORT"), OPTIONS_USAGE_ERROR;
	if (!check_family(opts, err, err_size))
		return OPTIONS_USAGE_ERROR;
	return OPTIONS_RUN;
}

/* Formats a usage error into `err`; always returns false so callers can `return fail()`. */
static bool
fail(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return false;
}

/* "-H": a name, an IPv4 address, an IPv6 address with or without brackets. */
static bool
parse_host(const char *text, struct options *opts, char *err, size_t size)
{
	size_t len = strlen(text);

	if (opts->host != NULL)
		return fail(err, size, "-H given twice: one host per run");
	if (len == 0)
		return fail(err, size, "empty host name after -H");
	if (len >= sizeof opts->host_buf)
		return fail(err, size, "host name too long (%zu bytes, at most %zu)", len,
			    sizeof opts->host_buf - 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch <= ' ' || ch == 0x7f)
			return fail(err, size, "invalid host name '%s': blank or control character",
				    text);
	}
	if (text[0] == '[' && text[len - 1] == ']' && len > 2) {
		memcpy(opts->host_buf, text + 1, len - 2);
		opts->host_buf[len - 2] = '\0';
		opts->host = opts->host_buf;
	} else {
		opts->host = text;
	}
	return true;
}

/* "-p": 1-65535, or a service name known to /etc/services for tcp. */
static bool
parse_port(const char *text, struct options *opts, char *err, size_t size)
{
	long port;

	if (opts->port != 0)
		return fail(err, size, "-p given twice: one port per run");
	if (text[0] >= '0' && text[0] <= '9') {
		if (!number_parse_long(text, 1, 65535, &port))
			return fail(err, size, "invalid port '%s': use 1-65535 or a service name",
				    text);
	} else {
		struct servent *se = text[0] != '\0' ? getservbyname(text, "tcp") : NULL;
		if (se == NULL)
			return fail(err, size,
				    "invalid port '%s': not a number 1-65535 nor a tcp service in "
				    "/etc/services",
				    text);
		port = ntohs((unsigned short)se->s_port);
	}
	opts->port = (unsigned)port;
	opts->port_text = text;
	return true;
}

/* "-w" and "-c": a range of seconds. An empty value means no threshold, as monitoring
 * cores pass an unset optional macro. */
static bool
parse_threshold(const char *text, char letter, struct range *range, char *err, size_t size)
{
	if (text[0] == '\0') {
		range->set = false;
		return true;
	}
	if (!range_parse(text, range))
		return fail(err, size,
			    "invalid -%c '%s': use seconds or a range such as 0.5, 0.5:, ~:0.5, "
			    "0.2:0.5 or @0.2:0.5",
			    letter, text);
	return true;
}

/* "-t SECONDS[:STATE]": fractional seconds, and the state of a timeout while connecting. */
static bool
parse_timeout(const char *text, struct options *opts, char *err, size_t size)
{
	const char *colon = strchr(text, ':');
	size_t len = colon != NULL ? (size_t)(colon - text) : strlen(text);
	double seconds;

	if (!number_parse_double(text, len, &seconds) || seconds <= 0 ||
	    seconds > TIMEOUT_MAX_SECONDS)
		return fail(err, size,
			    "invalid -t '%s': use seconds greater than 0 (fractions allowed), "
			    "optionally followed by :STATE",
			    text);
	int64_t ns = (int64_t)(seconds * 1e9 + 0.5); /* no libm: seconds > 0 here */
	if (ns < NS_PER_MSEC)
		return fail(err, size, "invalid -t '%s': the shortest timeout is 0.001 seconds",
			    text);
	if (colon != NULL && !state_parse(colon + 1, &opts->states[OUTCOME_TIMEOUT]))
		return fail(err, size,
			    "invalid state in -t '%s': use ok, warning, critical or unknown", text);
	opts->timeout_ns = ns;
	return true;
}

/* "--state OUTCOME=STATE[,OUTCOME=STATE...]": the state of any outcome. */
static bool
parse_state_map(const char *text, struct options *opts, char *err, size_t size)
{
	const char *p = text;

	do {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		enum outcome outcome;
		enum state state;
		char word[16];
		size_t word_len = eq != NULL ? len - (size_t)(eq - p) - 1 : 0;

		if (eq == NULL || !outcome_parse_key(p, (unsigned long)(eq - p), &outcome))
			return fail(err, size,
				    "invalid --state '%s': use OUTCOME=STATE with OUTCOME one of "
				    "connected, refused, timeout, unreachable, name-unknown, "
				    "resolver, local-error",
				    text);
		if (word_len == 0 || word_len >= sizeof word)
			return fail(err, size, "invalid --state '%s': missing or bad STATE", text);
		memcpy(word, eq + 1, word_len);
		word[word_len] = '\0';
		if (!state_parse(word, &state))
			return fail(err, size,
				    "invalid state '%s' in --state: use ok, warning, critical or "
				    "unknown",
				    word);
		opts->states[outcome] = state;
		p = comma != NULL ? comma + 1 : NULL;
	} while (p != NULL);
	return true;
}

/* "-4 -H ::1" cannot work: say so now rather than after a lookup. */
static bool
check_family(const struct options *opts, char *err, size_t size)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (opts->family == AF_INET && inet_pton(AF_INET6, opts->host, buf) == 1)
		return fail(err, size, "-4 given, but %s is an IPv6 address", opts->host);
	if (opts->family == AF_INET6 && inet_pton(AF_INET, opts->host, buf) == 1)
		return fail(err, size, "-6 given, but %s is an IPv4 address", opts->host);
	return true;
}
