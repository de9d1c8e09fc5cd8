/* SPDX-License-Identifier: ISC */
/* The command line: check_tcp's letters, strict values, and every mistake reported as one
 * sentence before anything touches the network. */
#include "config.h"
#include "options.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <getopt.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "number.h"
#include "argv.h"
#include "service.h"
#include "wire.h"

#define TIMEOUT_MAX_SECONDS 86400.0
/* Without backslashes of its own: the report doubles every backslash of a message. */
#define ESCAPES_HINT \
	"-E takes a backslash before n, r, t, 0, a backslash, or x and two hex digits"

enum {
	OPT_STATE = 256,
	OPT_ADDRESSES,
	OPT_MIN_OK,
	OPT_PROBE_TIMEOUT,
	OPT_WARNING_LOSS,
	OPT_CRITICAL_LOSS,
	OPT_MAX_PARALLEL,
	OPT_EXPECT_REGEX,
	OPT_SERVICE,
	OPT_TLS,
	OPT_OUTPUT,
	OPT_PROXY_PROTOCOL,
	OPT_TIMESTAMP,
};

/* The leading colon makes getopt report a missing value apart from an unknown option. */
static const char short_options[] = ":H:p:46w:c:t:r:n:i:b:s:e:Aq:m:d:EM:jSD:vhV";

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
	{"addresses", required_argument, NULL, OPT_ADDRESSES},
	{"min-ok", required_argument, NULL, OPT_MIN_OK},
	{"count", required_argument, NULL, 'n'},
	{"interval", required_argument, NULL, 'i'},
	{"probe-timeout", required_argument, NULL, OPT_PROBE_TIMEOUT},
	{"warning-loss", required_argument, NULL, OPT_WARNING_LOSS},
	{"critical-loss", required_argument, NULL, OPT_CRITICAL_LOSS},
	{"max-parallel", required_argument, NULL, OPT_MAX_PARALLEL},
	{"source-address", required_argument, NULL, 'b'},
	{"send", required_argument, NULL, 's'},
	{"expect", required_argument, NULL, 'e'},
	{"all", no_argument, NULL, 'A'},
	{"quit", required_argument, NULL, 'q'},
	{"maxbytes", required_argument, NULL, 'm'},
	{"delay", required_argument, NULL, 'd'},
	{"escape", no_argument, NULL, 'E'},
	{"mismatch", required_argument, NULL, 'M'},
	{"jail", no_argument, NULL, 'j'},
	{"expect-regex", required_argument, NULL, OPT_EXPECT_REGEX},
	{"service", required_argument, NULL, OPT_SERVICE},
	{"output", required_argument, NULL, OPT_OUTPUT},
	{"proxy-protocol", required_argument, NULL, OPT_PROXY_PROTOCOL},
	{"timestamp", no_argument, NULL, OPT_TIMESTAMP},
	/* check_tcp's TLS options: refused with a clear line, never ignored */
	{"ssl", no_argument, NULL, 'S'},
	{"certificate", required_argument, NULL, 'D'},
	{"sni", required_argument, NULL, OPT_TLS},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static bool fail(char *err, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void unknown_option(const char *typed, char *err, size_t size);
static bool parse_option(int c, char *arg, struct options *opts, char *err, size_t size);
static bool parse_positional(int argc, char *argv[], int first, struct options *opts, char *err,
			     size_t size);
static bool parse_host(char *text, struct options *opts, char *err, size_t size);
static bool split_host_port(char **textp, uint16_t *port, char *err, size_t size);
static bool check_port_sources(const struct options *opts, char *err, size_t size);
static const char *bracket_open(const char *host);
static const char *bracket_close(const char *host);
static bool parse_family(int c, struct options *opts, char *err, size_t size);
static bool parse_threshold(const char *text, const char *name, bool percent,
			    struct range *range, char *err, size_t size);
static bool parse_seconds(const char *text, size_t len, const char *name, int64_t *ns,
			  char *err, size_t size);
static bool parse_timeout(const char *text, struct options *opts, char *err, size_t size);
static bool parse_state_map(const char *text, struct options *opts, char *err, size_t size);
static bool parse_whole(const char *text, const char *name, long min, long max, unsigned *value,
			char *err, size_t size);
static bool parse_min_ok(const char *text, struct options *opts, char *err, size_t size);
static bool parse_source(char *text, struct options *opts, char *err, size_t size);
static bool parse_expect(char *text, struct options *opts, char *err, size_t size);
static bool parse_regex(const char *text, struct options *opts, char *err, size_t size);
static bool parse_output(const char *text, struct options *opts, char *err, size_t size);
static bool parse_proxy_protocol(const char *text, struct options *opts, char *err, size_t size);
static bool apply_service(struct options *opts, char *err, size_t size);
static bool prepare_expects(struct options *opts, char *err, size_t size);
static bool prepare_strings(struct options *opts, const char *send, const char *quit, char *err,
			    size_t size);
static bool bad_escape(const char *bad, const char *name, char *err, size_t size);
static bool wire_bytes(const char *text, const char *name, bool escape, bool quit, char **buf,
		       struct bytes *bytes, char *err, size_t size);
static int64_t probe_start_room(const struct options *opts);
static bool fit_probe_starts(struct options *opts, bool interval_given, char *err, size_t size);
static bool check_run(struct options *opts, bool interval_given, char *err, size_t size);
static bool check_family(const struct options *opts, char *err, size_t size);
static bool check_targets(const struct options *opts, char *err, size_t size);
static bool check_ping(struct options *opts, bool interval_given, char *err, size_t size);
static bool output_name(const char *text, enum output_format *format);

/* Fills `opts` from argv. On a usage error returns OPTIONS_USAGE_ERROR with one sentence
 * in `err`; the caller reports it. Touches no network: at most /etc/services is read. */
enum options_action
options_parse(int argc, char *argv[], struct options *opts, char *err, size_t err_size)
{
	bool interval_given = false;
	const char *send = NULL, *quit = NULL;
	int c;

	memset(opts, 0, offsetof(struct options, ports));
	ports_init(&opts->ports);
	opts->family = AF_UNSPEC;
	opts->timeout_ns = DEFAULT_TIMEOUT_NS;
	opts->count = 1;
	for (int i = 0; i < OUTCOME_COUNT; i++)
		opts->states[i] = outcome_default_state((enum outcome)i);

	opts->states[OUTCOME_MISMATCH] = STATE_WARNING;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			return OPTIONS_HELP;
		case 'V':
			return OPTIONS_VERSION;
		case ':':
			fail(err, err_size, "option '%s' needs a value", argv[optind - 1]);
			return OPTIONS_USAGE_ERROR;
		case '?':
			unknown_option(argv[optind - 1], err, err_size);
			return OPTIONS_USAGE_ERROR;
		case 'i':
			interval_given = true;
			break;
		case 't':
		case 'w':
		case 'c':
			/* "-to 5": check_tcp's -t, its value the next word */
			if (!argv_is_legacy(c, argv[optind - 1], optarg))
				break;
			if (optind >= argc) {
				fail(err, err_size, "option '%s' needs a value", argv[optind - 1]);
				return OPTIONS_USAGE_ERROR;
			}
			optarg = argv[optind++];
			break;
		case 's':
			send = optarg[0] != '\0' ? optarg : NULL;
			continue;
		case 'q':
			quit = optarg[0] != '\0' ? optarg : NULL;
			continue;
		case 'S':
		case 'D':
		case OPT_TLS:
			fail(err, err_size, "TLS is not supported: this plugin uses libc only (%s)",
			     c == 'S' ? "-S/--ssl" : c == 'D' ? "-D/--certificate" : "--sni");
			return OPTIONS_USAGE_ERROR;
		default:
			break;
		}
		if (!parse_option(c, optarg, opts, err, err_size))
			return OPTIONS_USAGE_ERROR;
	}
	if (!parse_positional(argc, argv, optind, opts, err, err_size) ||
	    !check_port_sources(opts, err, err_size))
		return OPTIONS_USAGE_ERROR;
	if (!prepare_expects(opts, err, err_size) || !apply_service(opts, err, err_size) ||
	    !prepare_strings(opts, send, quit, err, err_size) ||
	    !check_run(opts, interval_given, err, err_size))
		return OPTIONS_USAGE_ERROR;
	return OPTIONS_RUN;
}

/* Frees what options_parse() allocated. */
void
options_free(struct options *opts)
{
	for (size_t i = 0; i < opts->converse.nregexes; i++)
		regfree(&opts->converse.regexes[i]);
	opts->converse.nregexes = 0;
	free(opts->send_buf);
	free(opts->quit_buf);
	free(opts->expect_buf);
	opts->send_buf = opts->quit_buf = opts->expect_buf = NULL;
}

/* One option and its value. */
static bool
parse_option(int c, char *arg, struct options *opts, char *err, size_t size)
{
	switch (c) {
	case 'H':
		/* "-H -p 80": an empty $HOSTADDRESS$ left -H with the next option as its value */
		if (arg[0] == '-')
			return fail(err, size, "no host after -H: '%s' is an option", arg);
		return parse_host(arg, opts, err, size);
	case 'p':
		return ports_parse(&opts->ports, arg, err, size);
	case '4':
	case '6':
		return parse_family(c, opts, err, size);
	case 'w':
		return parse_threshold(arg, "-w", false, &opts->warning, err, size);
	case 'c':
		return parse_threshold(arg, "-c", false, &opts->critical, err, size);
	case OPT_WARNING_LOSS:
		return parse_threshold(arg, "--warning-loss", true, &opts->warning_loss, err, size);
	case OPT_CRITICAL_LOSS:
		return parse_threshold(arg, "--critical-loss", true, &opts->critical_loss, err,
				       size);
	case 't':
		return parse_timeout(arg, opts, err, size);
	case 'r':
		if (!state_parse_prefix(arg, &opts->states[OUTCOME_REFUSED]))
			return fail(err, size, "invalid -r '%s': use ok, warn, crit or unknown", arg);
		return true;
	case OPT_STATE:
		return parse_state_map(arg, opts, err, size);
	case OPT_ADDRESSES:
		if (strcmp(arg, "first") != 0 && strcmp(arg, "all") != 0)
			return fail(err, size, "invalid --addresses '%s': use first or all", arg);
		opts->all_addresses = strcmp(arg, "all") == 0;
		return true;
	case OPT_MIN_OK:
		return parse_min_ok(arg, opts, err, size);
	case 'n':
		return parse_whole(arg, "-n", 0, MAX_COUNT, &opts->count, err, size);
	case 'i':
		return parse_seconds(arg, strlen(arg), "-i", &opts->interval_ns, err, size);
	case OPT_PROBE_TIMEOUT:
		return parse_seconds(arg, strlen(arg), "--probe-timeout", &opts->probe_timeout_ns,
				     err, size);
	case OPT_MAX_PARALLEL:
		return parse_whole(arg, "--max-parallel", 1, 1000000, &opts->max_parallel, err,
				   size);
	case 'b':
		return parse_source(arg, opts, err, size);
	case 'e':
		return parse_expect(arg, opts, err, size);
	case OPT_EXPECT_REGEX:
		return parse_regex(arg, opts, err, size);
	case 'A':
		opts->converse.all = true;
		return true;
	case 'm': {
		unsigned bytes = 0;
		if (!parse_whole(arg, "-m", 1, 1000000000, &bytes, err, size))
			return false;
		opts->converse.maxbytes = bytes;
		return true;
	}
	case 'd':
		return parse_seconds(arg, strlen(arg), "-d", &opts->converse.delay, err, size);
	case 'E':
		opts->escape = true;
		return true;
	case 'M':
		if (!state_parse_prefix(arg, &opts->states[OUTCOME_MISMATCH]))
			return fail(err, size, "invalid -M '%s': use ok, warn, crit or unknown", arg);
		return true;
	case 'j':
		opts->jail = true;
		return true;
	case OPT_SERVICE:
		opts->service = arg;
		return true;
	case OPT_OUTPUT:
		return parse_output(arg, opts, err, size);
	case OPT_PROXY_PROTOCOL:
		return parse_proxy_protocol(arg, opts, err, size);
	case OPT_TIMESTAMP:
		opts->timestamp = true;
		return true;
	case 'v':
		opts->verbose++;
		return true;
	default:
		return fail(err, size, "unknown option");
	}
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

/* The option getopt did not accept, as the user typed it: "--all=1" is a long option
 * given a value it does not take (getopt then reports its short letter, '-A', which the
 * user never wrote), "-x" or "--bogus" an option that does not exist. */
static void
unknown_option(const char *typed, char *err, size_t size)
{
	if (typed[0] == '-' && typed[1] == '-') {
		const char *eq = strchr(typed, '=');
		if (eq != NULL && optopt != 0) {
			fail(err, size, "option '%.*s' takes no value", (int)(eq - typed), typed);
			return;
		}
		fail(err, size, "unknown option '%s'", typed);
		return;
	}
	if (optopt > 0 && optopt < 128)
		fail(err, size, "unknown option '-%c'", optopt);
	else
		fail(err, size, "unknown option '%s'", typed);
}

/* The words that are not options (getopt moves them last): check_tcp's host ("check_tcp
 * host -p 80"), then the port, as telnet and nc take them ("check_tcpport host 80"). An
 * empty word (an unset macro in quotes) says nothing and is passed over. A word with no
 * place is named, with the reason where there is one. */
static bool
parse_positional(int argc, char *argv[], int first, struct options *opts, char *err, size_t size)
{
	bool host_given = opts->nhosts > 0, port_given = opts->ports.count > 0;
	int n = 0; /* the words taken so far */

	for (int i = first; i < argc; i++) {
		char *word = argv[i];
		/* where the host goes, an empty word is an empty host; elsewhere it is nothing */
		if (word[0] == '\0' && (n > 0 || host_given))
			continue;
		if (n == 0 && !host_given) {
			if (word[0] == '\0')
				return fail(err, size, "empty host name where the host goes: "
						       "check_tcpport HOST PORT");
			/* "check_tcpport 80 db1": a port where the host goes would be read as
			 * the address 0.0.0.80 */
			if (strspn(word, "0123456789") == strlen(word))
				return fail(err, size,
					    "unexpected argument '%s': the host comes first, then the "
					    "port: check_tcpport HOST PORT",
					    word);
			if (!parse_host(word, opts, err, size))
				return false;
		} else if (n == 1 && !host_given && !port_given && opts->host_ports[0] == 0 &&
			   opts->hosts[0][0] != '/') {
			if (!ports_parse(&opts->ports, word, err, size))
				return false;
		} else if (n == 0 && port_given) {
			return fail(err, size,
				    "unexpected argument '%s': the host and the port are given with -H "
				    "and -p already",
				    word);
		} else if (n == 0) {
			return fail(err, size,
				    "unexpected argument '%s': the host is given with -H already", word);
		} else if (n == 1 && opts->host_ports[0] != 0) {
			return fail(err, size,
				    "unexpected argument '%s': the port is given after the host already "
				    "(%s%s%s:%u)",
				    word, bracket_open(opts->hosts[0]), opts->hosts[0],
				    bracket_close(opts->hosts[0]), opts->host_ports[0]);
		} else if (n == 1 && opts->hosts[0][0] == '/') {
			return fail(err, size, "unexpected argument '%s': a Unix socket takes no port",
				    word);
		} else if (n == 1) {
			return fail(err, size,
				    "unexpected argument '%s': the port is given with -p already", word);
		} else {
			return fail(err, size,
				    "unexpected argument '%s': after the options come at most a host "
				    "and a port",
				    word);
		}
		n++;
	}
	return true;
}

/* "-H": a name, an IPv4 address, an IPv6 address with or without brackets, or the path
 * of a Unix socket; repeatable. Brackets are removed in place (argv is the program's to
 * change). The same host given twice is checked once: its targets would have the same
 * perfdata labels, so that a graphing backend would keep one series and lose the other,
 * as the same port given twice is checked once. */
static bool
parse_host(char *text, struct options *opts, char *err, size_t size)
{
	size_t len = strlen(text);

	if (opts->nhosts == MAX_HOSTS)
		return fail(err, size, "too many -H: at most %d hosts", MAX_HOSTS);
	if (len == 0)
		return fail(err, size, "empty host name after -H");
	if (len > HOST_NAME_MAX_LEN)
		return fail(err, size, "host name too long (%zu bytes, at most %d)", len,
			    HOST_NAME_MAX_LEN);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch <= ' ' || ch == 0x7f)
			return fail(err, size, "invalid host name '%s': blank or control character",
				    text);
	}
	if (text[0] == '/' && len >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
		return fail(err, size,
			    "Unix socket path too long (%zu bytes, at most %zu): '%s'", len,
			    sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1, text);
	uint16_t port;
	if (!split_host_port(&text, &port, err, size))
		return false;
	for (size_t i = 0; i < opts->nhosts; i++) {
		if (strcmp(opts->hosts[i], text) != 0)
			continue;
		if (opts->host_ports[i] == port)
			return true;
		return fail(err, size,
			    "host '%s' given twice, its port written two ways: list it once, as "
			    "-H %s -p PORT,PORT",
			    text, text);
	}
	opts->host_ports[opts->nhosts] = port;
	opts->hosts[opts->nhosts++] = text;
	return true;
}

/* "HOST:PORT", "[ADDRESS]:PORT" or "[ADDRESS]", as telnet, nc and URLs write them: cuts
 * the host off in place and sets its own port (0 when none is given). A socket path is
 * taken whole. An IPv6 address without brackets has no port, unless it reads both as an
 * address and as another address and a port ("::1:80"): that one must say which. */
static bool
split_host_port(char **textp, uint16_t *port, char *err, size_t size)
{
	char *text = *textp, *sep;

	*port = 0;
	if (text[0] == '/')
		return true;
	if (text[0] == '[' && text[1] == '/')
		return fail(err, size, "invalid host '%s': a Unix socket takes no port", text);
	/* "fe80::1%lo:80": the kernel reads the zone "lo:80" as "lo", and port 80 would be
	 * lost without a word */
	char *zone = strchr(text, '%');
	char *end = text[0] == '[' ? strchr(text, ']') : NULL;
	if (zone != NULL && (end == NULL || zone < end) &&
	    memchr(zone, ':', (size_t)((end != NULL ? end : zone + strlen(zone)) - zone)) != NULL)
		return fail(err, size,
			    "invalid host '%s': a zone holds no ':' (an IPv6 address with a zone "
			    "takes its port as [ADDRESS%%ZONE]:PORT)",
			    text);
	if (text[0] == '[') {
		char *close = strchr(text, ']');
		if (close == NULL || close == text + 1 || (close[1] != '\0' && close[1] != ':'))
			return fail(err, size, "invalid host '%s': use [ADDRESS] or [ADDRESS]:PORT",
				    text);
		sep = close[1] == ':' ? close + 1 : NULL;
		if (sep != NULL && !ports_parse_one(sep + 1, port))
			return fail(err, size,
				    "invalid port '%s' in '%s': one port, 1-65535 or a tcp service name",
				    sep + 1, text);
		*close = '\0';
		*textp = text + 1;
		return true;
	}
	sep = strchr(text, ':');
	if (sep == NULL)
		return true;
	if (strchr(sep + 1, ':') == NULL) {
		if (sep == text)
			return fail(err, size, "invalid host '%s': no host before the port", text);
		if (!ports_parse_one(sep + 1, port))
			return fail(err, size,
				    "invalid port '%s' in '%s': one port, 1-65535 or a tcp service name",
				    sep + 1, text);
		*sep = '\0';
		return true;
	}
	/* Several colons: an IPv6 address, whose port needs brackets. When the part before
	 * the last colon is an address and the last part a port number, say how to write
	 * it: both ways when the whole is an address too ("::1:80"). */
	unsigned char buf[sizeof(struct in6_addr)];
	char head[INET6_ADDRSTRLEN + 1];
	char *last = strrchr(text, ':');
	size_t hlen = (size_t)(last - text);
	uint16_t maybe;
	if (hlen >= sizeof head || last[1] == '\0' ||
	    strspn(last + 1, "0123456789") != strlen(last + 1) || !ports_parse_one(last + 1, &maybe))
		return true;
	memcpy(head, text, hlen);
	head[hlen] = '\0';
	if (inet_pton(AF_INET6, head, buf) != 1)
		return true;
	if (inet_pton(AF_INET6, text, buf) == 1)
		return fail(err, size,
			    "'%s' can be read two ways: write [%s]:%s for port %s of %s, or [%s] "
			    "for the address",
			    text, head, last + 1, last + 1, head, text);
	return fail(err, size, "invalid host '%s': an IPv6 address takes its port as [%s]:%s",
		    text, head, last + 1);
}

/* What goes around a host written with its port: brackets for an IPv6 address
 * ("[::1]:80"), as the messages must show a form that parses. */
static const char *
bracket_open(const char *host)
{
	return strchr(host, ':') != NULL ? "[" : "";
}

static const char *
bracket_close(const char *host)
{
	return strchr(host, ':') != NULL ? "]" : "";
}

/* "-4" and "-6". */
static bool
parse_family(int c, struct options *opts, char *err, size_t size)
{
	int family = c == '4' ? AF_INET : AF_INET6;

	if (opts->family != AF_UNSPEC && opts->family != family)
		return fail(err, size, "-4 and -6 exclude each other");
	opts->family = family;
	return true;
}

/* "-w", "-c" (seconds) and the loss thresholds (percent, a trailing '%' allowed). An
 * empty value means no threshold, as monitoring cores pass an unset optional macro. */
static bool
parse_threshold(const char *text, const char *name, bool percent, struct range *range,
		char *err, size_t size)
{
	char buf[RANGE_TEXT_MAX];
	size_t len = strlen(text);

	if (len == 0) {
		range->set = false;
		return true;
	}
	if (percent && len < sizeof buf && text[len - 1] == '%') {
		memcpy(buf, text, len - 1);
		buf[len - 1] = '\0';
		text = buf;
	}
	if (!range_parse(text, range))
		return fail(err, size,
			    "invalid %s '%s': use %s or a range such as %s", name, text,
			    percent ? "a percentage" : "seconds",
			    percent ? "20, 20%, 10:50 or @0:5" : "0.5, 0.5:, ~:0.5, 0.2:0.5 or @0.2:0.5");
	return true;
}

/* Fractional seconds, greater than 0, at most a day, kept to the nanosecond. */
static bool
parse_seconds(const char *text, size_t len, const char *name, int64_t *ns, char *err,
	      size_t size)
{
	double seconds;

	if (!number_parse_double(text, len, &seconds) || seconds <= 0 ||
	    seconds > TIMEOUT_MAX_SECONDS)
		return fail(err, size,
			    "invalid %s '%s': use seconds greater than 0 (fractions allowed)", name,
			    text);
	*ns = (int64_t)(seconds * 1e9 + 0.5); /* no libm: seconds > 0 here */
	if (*ns < NS_PER_MSEC)
		return fail(err, size, "invalid %s '%s': the shortest is 0.001 seconds", name,
			    text);
	return true;
}

/* "-t SECONDS[:STATE]": the whole run's budget, and the state of a connect timeout. */
static bool
parse_timeout(const char *text, struct options *opts, char *err, size_t size)
{
	const char *colon = strchr(text, ':');
	size_t len = colon != NULL ? (size_t)(colon - text) : strlen(text);

	if (!parse_seconds(text, len, "-t", &opts->timeout_ns, err, size))
		return fail(err, size,
			    "invalid -t '%s': use seconds greater than 0 (fractions allowed), "
			    "optionally followed by :STATE",
			    text);
	if (colon != NULL && !state_parse(colon + 1, &opts->states[OUTCOME_TIMEOUT]))
		return fail(err, size,
			    "invalid state in -t '%s': use ok, warning, critical or unknown", text);
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
				    "resolver, local-error, mismatch, no-data, reset",
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

/* A whole number within [min, max]. */
static bool
parse_whole(const char *text, const char *name, long min, long max, unsigned *value, char *err,
	    size_t size)
{
	long v;

	if (!number_parse_long(text, min, max, &v))
		return fail(err, size, "invalid %s '%s': use a whole number from %ld to %ld", name,
			    text, min, max);
	*value = (unsigned)v;
	return true;
}

/* "--min-ok=N" or "--min-ok=P%". */
static bool
parse_min_ok(const char *text, struct options *opts, char *err, size_t size)
{
	size_t len = strlen(text);
	long v = 0;
	bool ok;

	opts->min_ok_percent = len > 1 && text[len - 1] == '%';
	if (opts->min_ok_percent) {
		/* the number before '%'; one too long for the buffer is no percentage */
		char buf[32];
		ok = len - 1 < sizeof buf;
		if (ok) {
			memcpy(buf, text, len - 1);
			buf[len - 1] = '\0';
			ok = number_parse_long(buf, 1, 100, &v);
		}
	} else {
		ok = number_parse_long(text, 1, 10000000, &v);
	}
	if (!ok)
		return fail(err, size,
			    "invalid --min-ok '%s': use a number of targets (1 or more) or a "
			    "percentage (1%%-100%%)",
			    text);
	opts->min_ok = (unsigned)v;
	return true;
}

/* "-b ADDR": the local address to connect from, an address literal; it also chooses the
 * address family, as only addresses of its family can be reached from it. */
static bool
parse_source(char *text, struct options *opts, char *err, size_t size)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&opts->source.sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&opts->source.sa;
	size_t len = strlen(text);

	if (opts->has_source)
		return fail(err, size, "-b given twice: one source address per run");
	if (len > 2 && text[0] == '[' && text[len - 1] == ']') {
		text[len - 1] = '\0';
		text++;
	}
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		opts->source.len = sizeof *sin;
	} else if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		opts->source.len = sizeof *sin6;
	} else {
		return fail(err, size, "invalid -b '%s': use an IPv4 or IPv6 address of this machine",
			    text);
	}
	opts->has_source = true;
	return true;
}

/* "-e TEXT": a substring the reply must contain; repeatable. An empty one is ignored, as
 * monitoring cores pass an unset macro. */
static bool
parse_expect(char *text, struct options *opts, char *err, size_t size)
{
	struct converse_config *cc = &opts->converse;

	if (text[0] == '\0')
		return true;
	if (cc->nexpects == CONVERSE_MAX_EXPECTS)
		return fail(err, size, "too many -e: at most %d", CONVERSE_MAX_EXPECTS);
	cc->expects[cc->nexpects++] = (struct bytes){text, strlen(text)};
	return true;
}

/* "--expect-regex=ERE": a POSIX extended regular expression the reply must match. */
static bool
parse_regex(const char *text, struct options *opts, char *err, size_t size)
{
	struct converse_config *cc = &opts->converse;

	if (cc->nregexes == CONVERSE_MAX_EXPECTS)
		return fail(err, size, "too many --expect-regex: at most %d", CONVERSE_MAX_EXPECTS);
	/* without REG_NOSUB: where a match ends tells whether more bytes could undo it */
	int rc = regcomp(&cc->regexes[cc->nregexes], text, REG_EXTENDED);
	if (rc != 0) {
		char why[128];
		regerror(rc, &cc->regexes[cc->nregexes], why, sizeof why);
		regfree(&cc->regexes[cc->nregexes]);
		return fail(err, size, "invalid --expect-regex '%s': %s", text, why);
	}
	cc->nregexes++;
	return true;
}

/* "--output=nagios|value|state|json|lld". */
static bool
parse_output(const char *text, struct options *opts, char *err, size_t size)
{
	if (output_name(text, &opts->output))
		return true;
	return fail(err, size, "invalid --output '%s': use nagios, value, state, json or lld",
		    text);
}

/* "--proxy-protocol=v1|v2": the PROXY protocol header to send first. An empty value, as
 * monitoring cores pass an unset macro, sends none. */
static bool
parse_proxy_protocol(const char *text, struct options *opts, char *err, size_t size)
{
	if (strcmp(text, "v1") == 0)
		opts->converse.proxy = PROXY_V1;
	else if (strcmp(text, "v2") == 0)
		opts->converse.proxy = PROXY_V2;
	else if (text[0] == '\0')
		opts->converse.proxy = PROXY_NONE;
	else
		return fail(err, size, "invalid --proxy-protocol '%s': use v1 or v2", text);
	return true;
}

/* The output format called `text`. */
static bool
output_name(const char *text, enum output_format *format)
{
	static const char *const names[] = {
		[OUTPUT_NAGIOS] = "nagios", [OUTPUT_VALUE] = "value", [OUTPUT_STATE] = "state",
		[OUTPUT_JSON] = "json",	    [OUTPUT_LLD] = "lld",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(text, names[i]) == 0) {
			*format = (enum output_format)i;
			return true;
		}
	}
	return false;
}

/* The hosts that take -p's ports: neither a socket nor given with a port of their own. */
static size_t
hosts_on_p(const struct options *opts)
{
	size_t n = 0;

	for (size_t i = 0; i < opts->nhosts; i++)
		n += opts->hosts[i][0] != '/' && opts->host_ports[i] == 0;
	return n;
}

/* -p with no host to take it (each one has its port, "-H db:5432 -p 80") is a port given
 * twice: which one was meant cannot be known. */
static bool
check_port_sources(const struct options *opts, char *err, size_t size)
{
	if (opts->ports.count == 0 || hosts_on_p(opts) > 0)
		return true;
	for (size_t i = 0; i < opts->nhosts; i++) {
		if (opts->host_ports[i] == 0)
			continue;
		return fail(err, size, "port given twice: '%s%s%s:%u' and -p: give it one way",
			    bracket_open(opts->hosts[i]), opts->hosts[i],
			    bracket_close(opts->hosts[i]), opts->host_ports[i]);
	}
	return true;
}

/* The number of ports of host h (not a socket): its own, or -p's. */
size_t
options_port_count(const struct options *opts, size_t host)
{
	return opts->host_ports[host] != 0 ? 1 : opts->ports.count;
}

/* Port i of host h (not a socket). */
uint16_t
options_port(const struct options *opts, size_t host, size_t i)
{
	return opts->host_ports[host] != 0 ? opts->host_ports[host] : opts->ports.ports[i];
}

/* Whether the targets have more than one port between them. */
bool
options_ports_vary(const struct options *opts)
{
	uint16_t seen = 0;

	for (size_t h = 0; h < opts->nhosts; h++) {
		if (opts->hosts[h][0] == '/')
			continue;
		if (options_port_count(opts, h) > 1 ||
		    (seen != 0 && options_port(opts, h, 0) != seen))
			return true;
		seen = options_port(opts, h, 0);
	}
	return false;
}

/* --service NAME (service.c): its port unless -p is given or no host needs one. */
static bool
apply_service(struct options *opts, char *err, size_t size)
{
	if (opts->service == NULL)
		return true;
	return service_apply(opts->service, &opts->ports,
			     opts->ports.count == 0 && hosts_on_p(opts) > 0, &opts->converse, err,
			     size);
}

/* -e with -E: the escapes become bytes (\x00 included), wherever -E stands. check_tcp
 * leaves -e as typed; the expectations of --service are bytes already and come after. */
static bool
prepare_expects(struct options *opts, char *err, size_t size)
{
	struct converse_config *cc = &opts->converse;
	size_t room = 0, used = 0;

	if (!opts->escape || cc->nexpects == 0)
		return true;
	for (size_t i = 0; i < cc->nexpects; i++)
		room += cc->expects[i].len + 1;
	opts->expect_buf = malloc(room);
	if (opts->expect_buf == NULL)
		return fail(err, size, "out of memory");
	for (size_t i = 0; i < cc->nexpects; i++) {
		char bad[WIRE_BAD_MAX];
		size_t len;
		char *dst = opts->expect_buf + used;
		if (!wire_unescape(dst, cc->expects[i].data, &len, bad))
			return bad_escape(bad, "-e", err, size);
		cc->expects[i] = (struct bytes){dst, len};
		used += len + 1;
	}
	return true;
}

/* -s and -q as they go on the wire. check_tcp appends "\r\n" to -q unless -E is given;
 * with -E, its escapes are understood in both, wherever -E stands. */
static bool
prepare_strings(struct options *opts, const char *send, const char *quit, char *err,
		size_t size)
{
	struct converse_config *cc = &opts->converse;

	if (send != NULL && !wire_bytes(send, "-s", opts->escape, false, &opts->send_buf,
					&cc->send, err, size))
		return false;
	if (quit != NULL && !wire_bytes(quit, "-q", opts->escape, true, &opts->quit_buf,
					&cc->quit, err, size))
		return false;
	if (quit != NULL)
		cc->quit_if_met = false; /* -q is sent whatever came, as check_tcp sends it */
	return true;
}

/* The bytes of -s or -q (`name`) into a new buffer, owned by the caller through *buf. */
static bool
wire_bytes(const char *text, const char *name, bool escape, bool quit, char **buf,
	   struct bytes *bytes, char *err, size_t size)
{
	char bad[WIRE_BAD_MAX];
	size_t len;

	*buf = malloc(strlen(text) + 3);
	if (*buf == NULL)
		return fail(err, size, "out of memory");
	if (!wire_string(*buf, text, escape, quit, &len, bad))
		return bad_escape(bad, name, err, size);
	*bytes = (struct bytes){*buf, len};
	return true;
}

/* The usage error for a malformed escape of -E in option `name`. */
static bool
bad_escape(const char *bad, const char *name, char *err, size_t size)
{
	/* a lone backslash would be shown doubled, as if it were the escape of one */
	if (strcmp(bad, "\\") == 0)
		return fail(err, size, "%s ends in a lone backslash: %s", name, ESCAPES_HINT);
	return fail(err, size, "invalid escape '%s' in %s: %s", bad, name, ESCAPES_HINT);
}

/* The end of -t that -n's probes leave for closing their sockets and writing the report
 * (the engine's teardown reserve: about 1 ms and a few microseconds a socket), with
 * room for the start-up before the first probe and the loop's lateness (a twentieth of
 * -t): a probe due later would never start. */
static int64_t
probe_start_room(const struct options *opts)
{
	return 2 * NS_PER_MSEC + (int64_t)opts->count * 2000 + opts->timeout_ns / 20;
}

/* The last of -n's probes must be due before that room begins: -n 100 -t 0.1 spaced
 * its probes 1 ms apart, so the last ones were never started and the run was UNKNOWN
 * every time. Without -i the spacing shrinks to fit; a given -i that cannot is refused. */
static bool
fit_probe_starts(struct options *opts, bool interval_given, char *err, size_t size)
{
	int64_t last_due = opts->timeout_ns - probe_start_room(opts);

	if (opts->count < 2 || (int64_t)(opts->count - 1) * opts->interval_ns <= last_due)
		return true;
	if (!interval_given && last_due > 0) {
		opts->interval_ns = last_due / (int64_t)(opts->count - 1);
		return true;
	}
	return fail(err, size,
		    "%u probes %.3g s apart do not all start in -t %.3g s: the last must start "
		    "%.3g s before the end: raise -t, or lower -n or -i",
		    opts->count, clock_seconds(opts->interval_ns), clock_seconds(opts->timeout_ns),
		    clock_seconds(probe_start_room(opts)));
}

/* What can only be checked once every option is known. */
static bool
check_run(struct options *opts, bool interval_given, char *err, size_t size)
{
	if (opts->nhosts == 0)
		return fail(err, size, "no host given: use -H HOST, or check_tcpport HOST PORT");
	if (opts->ports.count == 0 && hosts_on_p(opts) > 0) {
		if (opts->nhosts == 1)
			return fail(err, size, "no port given: use -p PORT, or give it after the "
					       "host: check_tcpport HOST PORT");
		for (size_t i = 0; i < opts->nhosts; i++)
			if (opts->hosts[i][0] != '/' && opts->host_ports[i] == 0)
				return fail(err, size,
					    "no port for host '%s': give it as %s%s%s:PORT, or use -p",
					    opts->hosts[i], bracket_open(opts->hosts[i]), opts->hosts[i],
					    bracket_close(opts->hosts[i]));
	}
	if (opts->has_source) {
		int family = opts->source.sa.ss_family;
		if (opts->family != AF_UNSPEC && opts->family != family)
			return fail(err, size, "-b %s address given with %s",
				    family == AF_INET ? "an IPv4" : "an IPv6",
				    opts->family == AF_INET ? "-4" : "-6");
		opts->family = family;
	}
	if (!check_family(opts, err, size) || !check_targets(opts, err, size))
		return false;

	if (opts->count == 0)
		return check_ping(opts, interval_given, err, size);
	if (opts->timestamp)
		return fail(err, size, "--timestamp is for -n 0, whose probe lines it dates");
	/* -n probes share the budget: each waits at most -t / -n unless told otherwise, and
	 * they start -i apart (default 1 s, less when that does not fit). */
	int64_t share = opts->timeout_ns / opts->count;
	if (opts->probe_timeout_ns == 0)
		opts->probe_timeout_ns = share;
	if (opts->probe_timeout_ns > opts->timeout_ns)
		return fail(err, size, "--probe-timeout is longer than -t");
	if (!interval_given)
		opts->interval_ns = DEFAULT_INTERVAL_NS < share ? DEFAULT_INTERVAL_NS : share;
	if (opts->count > 1 &&
	    (int64_t)(opts->count - 1) * opts->interval_ns + opts->probe_timeout_ns >
		    opts->timeout_ns + NS_PER_MSEC)
		return fail(err, size,
			    "%u probes %.3g s apart, each waiting up to %.3g s, do not fit in -t "
			    "%.3g s: raise -t, or lower -i or --probe-timeout",
			    opts->count, clock_seconds(opts->interval_ns),
			    clock_seconds(opts->probe_timeout_ns), clock_seconds(opts->timeout_ns));
	return fit_probe_starts(opts, interval_given, err, size);
}

/* -n 0, the ping mode: it runs until a signal, so there is no budget to share. -t is
 * each probe's timeout (and the bound of the name lookups), --probe-timeout a synonym
 * that wins when both are given; probes start -i apart (default 1 s). It prints for a
 * person as the probes end, so a format that a program reads as one piece is refused. */
static bool
check_ping(struct options *opts, bool interval_given, char *err, size_t size)
{
	if (opts->output != OUTPUT_NAGIOS)
		return fail(err, size, "-n 0 runs until interrupted and prints for a person: "
				       "it takes no --output but nagios");
	if (opts->probe_timeout_ns == 0)
		opts->probe_timeout_ns = opts->timeout_ns;
	if (!interval_given)
		opts->interval_ns = DEFAULT_INTERVAL_NS;
	return true;
}

/* Hosts x ports past MAX_TARGETS: say so before any lookup, with the numbers. (A Unix
 * socket is one target whatever the ports.) */
static bool
check_targets(const struct options *opts, char *err, size_t size)
{
	size_t others = hosts_on_p(opts), single = opts->nhosts - others;

	/* a socket, or a host with its own port, is one target */
	if (single + others * opts->ports.count <= MAX_TARGETS)
		return true;
	return fail(err, size,
		    "too many targets: %zu hosts x %zu ports = %zu, at most %d: split the check",
		    others, opts->ports.count, others * opts->ports.count + single, MAX_TARGETS);
}

/* The --output of a command line that did not parse, so that even its usage error comes
 * in the format the caller reads: the last valid --output, read by getopt_long with the
 * same tables as options_parse(), so that an abbreviation (--out json) counts and an
 * option's value (-s --output) does not, exactly as in a run that parses. getopt goes on
 * past an unknown option or a bad value, so an --output after the error counts too. */
enum output_format
options_output_wanted(int argc, char *argv[])
{
	enum output_format format = OUTPUT_NAGIOS;
	int c;

	opterr = 0;
	optind = 0; /* glibc: start afresh, forgetting the parse that failed */
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		if (c == OPT_OUTPUT)
			(void)output_name(optarg, &format);
	}
	return format;
}

/* "-4 -H ::1" cannot work: say so now rather than after a lookup. */
static bool
check_family(const struct options *opts, char *err, size_t size)
{
	unsigned char buf[sizeof(struct in6_addr)];
	const char *flag = opts->has_source ? "-b" : opts->family == AF_INET ? "-4" : "-6";

	for (size_t i = 0; i < opts->nhosts; i++) {
		const char *host = opts->hosts[i];
		if (opts->family == AF_INET && inet_pton(AF_INET6, host, buf) == 1)
			return fail(err, size, "%s given, but %s is an IPv6 address",
				    opts->has_source ? "-b with an IPv4 address" : flag, host);
		if (opts->family == AF_INET6 && inet_pton(AF_INET, host, buf) == 1)
			return fail(err, size, "%s given, but %s is an IPv4 address",
				    opts->has_source ? "-b with an IPv6 address" : flag, host);
	}
	return true;
}
