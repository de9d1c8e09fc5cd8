/* SPDX-License-Identifier: ISC */
/* libFuzzer harness: the command line. The input, split on NUL bytes, is argv[1..] (at
 * most FUZZ_MAX_ARGS arguments, each a writable copy of its own, as options_parse() may
 * change them in place); options_parse() must never crash, leak or break the invariants
 * a run relies on. A second call puts the first two pieces behind -s (and -e) and -q,
 * with and without -E, and compares the bytes with an independent unescape: a malformed
 * escape must be the usage error. */
#include "config.h"

#include <sys/socket.h>

#include <getopt.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "options.h"

#define FUZZ_MAX_ARGS 64
#define ERR_SIZE      256

static struct options opts; /* about 140 KiB: not on the stack */

/* glibc's getopt keeps a pointer into the previous argv between calls and only forgets it
 * when optind is 0; options_parse() sets optind = 1, which is enough for the one call of
 * a real run but not for the next input here. */
static void
reset_getopt(void)
{
	static char name[] = "fuzz";
	char *argv[] = {name, NULL};

	optind = 0;
	opterr = 0;
	(void)getopt(1, argv, "");
}

static int
hex_value(char c)
{
	const char *digits = "0123456789abcdef", *at;

	if (c >= 'A' && c <= 'F')
		c = (char)(c - 'A' + 'a');
	at = c != '\0' ? strchr(digits, c) : NULL;
	return at != NULL ? (int)(at - digits) : -1;
}

/* \n \r \t \\ \0 and \xNN become their bytes; any other backslash makes the string
 * malformed (SIZE_MAX): what -E promises. */
static size_t
expected_unescape(char *dst, const char *src)
{
	size_t n = 0, len = strlen(src);

	for (size_t i = 0; i < len; i++) {
		if (src[i] != '\\') {
			dst[n++] = src[i];
			continue;
		}
		if (i + 1 == len)
			return SIZE_MAX;
		char next = src[++i];
		if (next == 'x') {
			if (hex_value(src[i + 1]) < 0 || hex_value(src[i + 2]) < 0)
				return SIZE_MAX;
			dst[n++] = (char)(hex_value(src[i + 1]) * 16 + hex_value(src[i + 2]));
			i += 2;
			continue;
		}
		const char *names = "nrt\\0", *bytes = "\n\r\t\\";
		const char *at = strchr(names, next);
		if (at == NULL)
			return SIZE_MAX;
		dst[n++] = at - names < 4 ? bytes[at - names] : '\0';
	}
	dst[n] = '\0';
	return n;
}

static void
check_range(const struct range *r)
{
	if (!r->set)
		return;
	FUZZ_CHECK(memchr(r->text, '\0', sizeof r->text) != NULL);
	FUZZ_CHECK(r->text[0] != '\0');
	if (!r->no_start && !r->no_end)
		FUZZ_CHECK(r->start <= r->end);
}

/* What the engine and the report take for granted once options_parse() said "run". */
static void
check_run(const struct options *o)
{
	static uint8_t seen[65536 / 8];

	FUZZ_CHECK(o->nhosts >= 1 && o->nhosts <= MAX_HOSTS);
	for (size_t i = 0; i < o->nhosts; i++) {
		size_t len = strlen(o->hosts[i]);
		FUZZ_CHECK(len >= 1 && len <= HOST_NAME_MAX_LEN);
		for (size_t k = 0; k < len; k++)
			FUZZ_CHECK((unsigned char)o->hosts[i][k] > ' ' &&
			           (unsigned char)o->hosts[i][k] != 0x7f);
	}
	/* every host that is not a socket has a port: its own (HOST:PORT), or -p's */
	for (size_t i = 0; i < o->nhosts; i++)
		FUZZ_CHECK(o->hosts[i][0] == '/' || o->host_ports[i] != 0 || o->ports.count >= 1);
	FUZZ_CHECK(o->ports.count <= 65535);
	memset(seen, 0, sizeof seen);
	for (size_t i = 0; i < o->ports.count; i++) {
		uint16_t p = o->ports.ports[i];
		FUZZ_CHECK(p != 0);
		FUZZ_CHECK(!(seen[p / 8] & (1u << (p % 8)))); /* every port once */
		seen[p / 8] |= (uint8_t)(1u << (p % 8));
	}
	FUZZ_CHECK(o->family == AF_UNSPEC || o->family == AF_INET || o->family == AF_INET6);
	FUZZ_CHECK(o->count <= MAX_COUNT); /* 0 is -n 0, the ping mode */
	FUZZ_CHECK(o->timeout_ns >= NS_PER_MSEC && o->timeout_ns <= INT64_C(86400) * NS_PER_SEC);
	FUZZ_CHECK(o->probe_timeout_ns > 0 && o->probe_timeout_ns <= o->timeout_ns);
	FUZZ_CHECK(o->interval_ns > 0);
	FUZZ_CHECK(!o->min_ok_percent || (o->min_ok >= 1 && o->min_ok <= 100));
	FUZZ_CHECK((unsigned)o->output <= OUTPUT_LLD);
	for (int i = 0; i < OUTCOME_COUNT; i++)
		FUZZ_CHECK((unsigned)o->states[i] <= STATE_UNKNOWN);
	check_range(&o->warning);
	check_range(&o->critical);
	check_range(&o->warning_loss);
	check_range(&o->critical_loss);

	const struct converse_config *cc = &o->converse;
	FUZZ_CHECK(cc->nexpects <= CONVERSE_MAX_EXPECTS && cc->nregexes <= CONVERSE_MAX_EXPECTS);
	for (size_t i = 0; i < cc->nexpects; i++)
		FUZZ_CHECK(cc->expects[i].data != NULL && cc->expects[i].len > 0);
	FUZZ_CHECK(cc->send.len == 0 || cc->send.data != NULL);
	FUZZ_CHECK(cc->quit.len == 0 || cc->quit.data != NULL);
	/* the bytes may hold NULs (-E \0): one ends them */
	if (o->send_buf != NULL)
		FUZZ_CHECK(cc->send.data == o->send_buf && o->send_buf[cc->send.len] == '\0');
	if (o->quit_buf != NULL)
		FUZZ_CHECK(cc->quit.data == o->quit_buf && o->quit_buf[cc->quit.len] == '\0');
	if (o->expect_buf != NULL)
		for (size_t i = 0; i < cc->nexpects; i++)
			FUZZ_CHECK(cc->expects[i].data[cc->expects[i].len] == '\0');
}

/* One call of options_parse() on copies of `args`. */
static enum options_action
parse(int argc, char *const args[])
{
	char *owned[FUZZ_MAX_ARGS + 2], *argv[FUZZ_MAX_ARGS + 2];
	char err[ERR_SIZE];

	for (int i = 0; i < argc; i++) {
		size_t len = strlen(args[i]);
		owned[i] = malloc(len + 1); /* exactly the string: ASan sees any overrun */
		FUZZ_CHECK(owned[i] != NULL);
		memcpy(owned[i], args[i], len + 1);
		argv[i] = owned[i];
	}
	argv[argc] = NULL;
	memset(err, 0x55, sizeof err);
	reset_getopt();

	enum options_action action = options_parse(argc, argv, &opts, err, sizeof err);
	switch (action) {
	case OPTIONS_RUN:
		check_run(&opts);
		break;
	case OPTIONS_USAGE_ERROR:
		FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
		FUZZ_CHECK(err[0] != '\0');
		break;
	case OPTIONS_HELP:
	case OPTIONS_VERSION:
		break;
	default:
		FUZZ_CHECK(!"an action options_parse() does not have");
	}
	options_free(&opts);
	FUZZ_CHECK(opts.send_buf == NULL && opts.quit_buf == NULL && opts.expect_buf == NULL &&
	           opts.converse.nregexes == 0);
	options_free(&opts); /* twice is harmless */
	for (int i = 0; i < argc; i++)
		free(owned[i]);
	return action;
}

/* -s SEND, -e SEND and -q QUIT, with -E before, between or after them, or without -E. */
static void
check_strings(const char *send, const char *quit, uint8_t how)
{
	static char prog[] = "check_tcpport", dash_h[] = "-H", host[] = "h", dash_p[] = "-p",
	            port[] = "1", dash_s[] = "-s", dash_q[] = "-q", dash_e[] = "-E",
	            dash_x[] = "-e";
	char *args[14];
	int argc = 0;
	bool escape = (how & 3) != 0;

	/* check_tcp's old spellings are taken wherever they stand, even as a value: skip. */
	const char *const legacy[] = {"-to", "-wt", "-ct"};
	for (size_t i = 0; i < 3; i++)
		if (strcmp(send, legacy[i]) == 0 || strcmp(quit, legacy[i]) == 0)
			return;

	args[argc++] = prog;
	if ((how & 3) == 1)
		args[argc++] = dash_e;
	args[argc++] = dash_h;
	args[argc++] = host;
	args[argc++] = dash_s;
	args[argc++] = (char *)send;
	args[argc++] = dash_x;
	args[argc++] = (char *)send;
	if ((how & 3) == 2)
		args[argc++] = dash_e;
	args[argc++] = dash_p;
	args[argc++] = port;
	args[argc++] = dash_q;
	args[argc++] = (char *)quit;
	if ((how & 3) == 3)
		args[argc++] = dash_e;
	args[argc] = NULL;

	char *owned[14];
	char err[ERR_SIZE];
	for (int i = 0; i < argc; i++) {
		owned[i] = strdup(args[i]);
		FUZZ_CHECK(owned[i] != NULL);
	}
	char **argv = malloc(sizeof *argv * (size_t)(argc + 1));
	FUZZ_CHECK(argv != NULL);
	memcpy(argv, owned, sizeof *argv * (size_t)argc);
	argv[argc] = NULL;
	reset_getopt();
	enum options_action action = options_parse(argc, argv, &opts, err, sizeof err);

	size_t send_len = strlen(send), quit_len = strlen(quit);
	char *want = malloc(send_len + quit_len + 3);
	FUZZ_CHECK(want != NULL);
	const struct converse_config *cc = &opts.converse;
	bool malformed = escape && (expected_unescape(want, send) == SIZE_MAX ||
	                            expected_unescape(want, quit) == SIZE_MAX);

	/* a malformed escape is the usage error that names it; nothing else fails here */
	FUZZ_CHECK(action == (malformed ? OPTIONS_USAGE_ERROR : OPTIONS_RUN));
	if (malformed) {
		FUZZ_CHECK(strstr(err, "escape") != NULL || strstr(err, "backslash") != NULL);
		goto done;
	}

	if (send_len == 0) {
		FUZZ_CHECK(cc->send.len == 0 && opts.send_buf == NULL);
	} else {
		size_t n = escape ? expected_unescape(want, send)
		                  : (memcpy(want, send, send_len + 1), send_len);
		FUZZ_CHECK(cc->send.len == n && memcmp(cc->send.data, want, n) == 0);
		/* -e reads the same text the same way */
		FUZZ_CHECK(cc->nexpects == 1 && cc->expects[0].len == n &&
		           memcmp(cc->expects[0].data, want, n) == 0);
	}
	if (quit_len == 0) {
		FUZZ_CHECK(cc->quit.len == 0 && opts.quit_buf == NULL);
	} else {
		size_t n;
		if (escape) {
			n = expected_unescape(want, quit);
		} else {
			memcpy(want, quit, quit_len);
			memcpy(want + quit_len, "\r\n", 2);
			n = quit_len + 2;
		}
		FUZZ_CHECK(cc->quit.len == n && memcmp(cc->quit.data, want, n) == 0);
	}
done:
	free(want);
	options_free(&opts);
	free(argv);
	for (int i = 0; i < argc; i++)
		free(owned[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char prog[] = "check_tcpport";
	char *args[FUZZ_MAX_ARGS + 2];
	int argc = 0;

	/* A private NUL-terminated copy, cut into arguments at each NUL. */
	char *copy = malloc(size + 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	copy[size] = '\0';
	args[argc++] = prog;
	for (size_t start = 0; start <= size && argc <= FUZZ_MAX_ARGS;) {
		size_t len = strlen(copy + start);
		args[argc++] = copy + start;
		start += len + 1;
	}
	args[argc] = NULL;

	parse(argc, args);
	check_strings(argc > 1 ? args[1] : "", argc > 2 ? args[2] : "",
	              size > 0 ? data[size - 1] : 0);
	free(copy);
	return 0;
}
