/* SPDX-License-Identifier: ISC */
/* libFuzzer harness: the expectation on a reply (-e, --expect-regex, -A) and the reading
 * of the reply. The input gives 0-3 expected substrings, maybe a regular expression, -A,
 * -m and the reply bytes:
 *   converse_matches() must agree with an independent reading of the expectation;
 *   a whole conversation (converse_begin/step/finish) over a socketpair, the reply sent
 *   in pieces of fuzzed sizes and repeated to overflow the reply buffer, must keep
 *   within its buffer and -m, hold exactly the bytes sent, and end in an outcome that
 *   agrees with the reply. */
#include "config.h"

#include <sys/socket.h>
#include <poll.h>
#include <unistd.h>

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdbool.h>
#include <string.h>

#include "converse.h"
#include "fuzz.h"

#define MAX_PATTERN 64

static bool
contains(const unsigned char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
	if (needle_len > hay_len)
		return false;
	for (size_t i = 0; i + needle_len <= hay_len; i++) {
		size_t k = 0;
		while (k < needle_len && hay[i + k] == (unsigned char)needle[k])
			k++;
		if (k == needle_len)
			return true;
	}
	return needle_len == 0;
}

/* The expectation as the manual states it, on a copy of the reply (a regular expression
 * sees it up to its first NUL byte). */
static bool
expected_match(const struct converse_config *cfg, const unsigned char *data, size_t len)
{
	size_t met = 0;
	char *text = malloc(len + 1);

	FUZZ_CHECK(text != NULL);
	memcpy(text, data, len);
	text[len] = '\0';
	for (size_t i = 0; i < cfg->nexpects; i++)
		met += contains(data, len, cfg->expects[i].data, cfg->expects[i].len);
	for (size_t i = 0; i < cfg->nregexes; i++)
		met += regexec(&cfg->regexes[i], text, 0, NULL, 0) == 0;
	free(text);
	return cfg->all ? met == cfg->nexpects + cfg->nregexes : met > 0;
}

/* GNU regcomp accepts back-references and large repetition counts in an ERE, which
 * make regcomp/regexec exponential in glibc itself, and it copies the operand of each
 * '+' (so "a++++..." doubles its memory per '+'): a costly regex is the user's own
 * choice on the command line, not a bug of the plugin, so such patterns are skipped. */
static bool
pattern_ok(const char *p)
{
	int plus = 0;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] >= '1' && p[1] <= '9')
			return false;
		if (*p == '{')
			return false;
		if (*p == '+' && ++plus > 8)
			return false;
	}
	return true;
}

/* The conversation, driven as the probe engine drives it, with a peer on a socketpair. */
static void
converse_over_socket(const struct converse_config *cfg, const unsigned char *reply,
                     size_t reply_len, unsigned repeat, struct fuzz_input *pieces, bool expire)
{
	int sv[2];
	struct converse c;
	size_t total_len = reply_len * repeat, written = 0;
	int64_t now = 1000;

	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	FUZZ_CHECK(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	int buffer = 256 * 1024;
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
	(void)setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);

	FUZZ_CHECK(converse_begin(cfg, &c, now) == 0);
	FUZZ_CHECK(converse_reads(cfg) == (c.buf != NULL));
	bool done = c.phase == CONVERSE_DONE, shut = false;
	size_t checked = 0;

	for (int round = 0; !done && round < 4096; round++) {
		now += INT64_C(1000000);
		/* The peer sends the next piece of the reply, then closes its side. */
		if (written < total_len) {
			/* fuzzed sizes, then the rest at once */
			size_t piece = pieces->size > 0 ? 1 + (size_t)fuzz_byte(pieces) * 64
			                                : total_len - written;
			if (piece > total_len - written)
				piece = total_len - written;
			while (piece > 0) {
				size_t at = written % reply_len, n = reply_len - at;
				if (n > piece)
					n = piece;
				ssize_t w = send(sv[1], reply + at, n, MSG_DONTWAIT | MSG_NOSIGNAL);
				if (w <= 0)
					break; /* the socket is full: the reader takes some first */
				written += (size_t)w;
				piece -= (size_t)w;
			}
		} else if (!shut) {
			FUZZ_CHECK(shutdown(sv[1], SHUT_WR) == 0);
			shut = true;
		}
		if (expire && written * 2 >= total_len && c.phase == CONVERSE_READING) {
			converse_expire(cfg, &c, now);
			done = true;
			break;
		}
		short events = converse_events(&c);
		FUZZ_CHECK(events == 0 || events == POLLIN || events == POLLOUT);
		done = converse_step(cfg, &c, sv[0], events != 0 ? events : POLLIN, now);
		FUZZ_CHECK(c.len <= CONVERSE_REPLY_MAX && c.len <= c.total);
		FUZZ_CHECK(cfg->maxbytes == 0 || c.total <= cfg->maxbytes);
		FUZZ_CHECK(c.total <= written);
		if (c.buf != NULL) {
			FUZZ_CHECK(c.buf[c.len] == '\0');
			/* exactly the reply's first bytes (the new ones: the old were checked) */
			for (; checked < c.len; checked++)
				FUZZ_CHECK(c.buf[checked] == reply[checked % reply_len]);
		}
	}
	/* Once the peer closed, the conversation ends by itself: no endless reading. */
	FUZZ_CHECK(done);
	FUZZ_CHECK(c.phase == CONVERSE_DONE);
	FUZZ_CHECK(converse_wake(cfg, &c) == INT64_MAX);

	/* The outcome agrees with what was read. */
	if (c.buf != NULL) {
		bool match = c.total > 0 && expected_match(cfg, c.buf, c.len);
		switch (c.outcome) {
		case OUTCOME_CONNECTED:
			FUZZ_CHECK(match);
			break;
		case OUTCOME_MISMATCH:
			/* a reply cut by -m or the buffer (no end of file) is not complete:
			 * a match that more bytes could undo does not count there */
			FUZZ_CHECK(c.total > 0 && (!match || !c.eof));
			break;
		case OUTCOME_NO_DATA:
			FUZZ_CHECK(c.total == 0);
			break;
		case OUTCOME_TIMEOUT:
			/* a reply still coming when the time is up is a timeout, not judged */
			FUZZ_CHECK(c.total == 0 || expire);
			break;
		case OUTCOME_RESET:
		case OUTCOME_LOCAL_ERROR:
			break;
		default:
			FUZZ_CHECK(!"an outcome a conversation does not have");
		}
	} else {
		FUZZ_CHECK(c.outcome == OUTCOME_CONNECTED || c.outcome == OUTCOME_RESET ||
		           c.outcome == OUTCOME_LOCAL_ERROR);
	}

	size_t len = c.len;
	converse_finish(cfg, &c, sv[0]);
	FUZZ_CHECK(c.buf == NULL);
	FUZZ_CHECK(c.shown_len == (len < CONVERSE_SHOW_MAX ? len : CONVERSE_SHOW_MAX));
	for (size_t i = 0; i < c.shown_len; i++)
		FUZZ_CHECK(c.shown[i] == reply[i % reply_len]);

	/* The peer got the send string, then the quit string unless the server closed. */
	unsigned char got[512];
	size_t got_len = 0;
	for (;;) {
		ssize_t n = recv(sv[1], got + got_len, sizeof got - got_len, MSG_DONTWAIT);
		if (n <= 0)
			break;
		got_len += (size_t)n;
		if (got_len == sizeof got)
			break;
	}
	FUZZ_CHECK(got_len >= cfg->send.len &&
	           (cfg->send.len == 0 || memcmp(got, cfg->send.data, cfg->send.len) == 0));
	if (!c.eof && c.outcome != OUTCOME_RESET)
		FUZZ_CHECK(got_len == cfg->send.len + cfg->quit.len &&
		           (cfg->quit.len == 0 ||
		            memcmp(got + cfg->send.len, cfg->quit.data, cfg->quit.len) == 0));
	close(sv[0]);
	close(sv[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	struct converse_config cfg;
	char pattern[MAX_PATTERN + 1];
	char expect_text[3][16];

	memset(&cfg, 0, sizeof cfg);
	uint8_t flags = fuzz_byte(&in);
	cfg.nexpects = flags % 4;
	cfg.all = (flags & 0x10) != 0;

	/* The expected substrings: 1-15 bytes each, any bytes (presets expect NUL bytes). */
	for (size_t i = 0; i < cfg.nexpects; i++) {
		size_t len = 1 + fuzz_byte(&in) % 15;
		for (size_t k = 0; k < len; k++)
			expect_text[i][k] = (char)fuzz_byte(&in);
		cfg.expects[i] = (struct bytes){expect_text[i], len};
	}
	/* A regular expression, up to its first NUL. */
	if (flags & 0x20) {
		size_t len = fuzz_byte(&in) % (MAX_PATTERN + 1), k = 0;
		for (; k < len && in.size > 0; k++)
			pattern[k] = (char)fuzz_byte(&in);
		pattern[k] = '\0';
		if (!pattern_ok(pattern))
			return 0;
		/* as options.c compiles it: the match's end decides on a partial reply */
		if (regcomp(&cfg.regexes[0], pattern, REG_EXTENDED) == 0)
			cfg.nregexes = 1;
	}
	uint8_t opt = fuzz_byte(&in);
	static const size_t maxbytes[] = {0,
	                                  0,
	                                  1,
	                                  2,
	                                  7,
	                                  100,
	                                  CONVERSE_REPLY_MAX - 1,
	                                  CONVERSE_REPLY_MAX,
	                                  CONVERSE_REPLY_MAX + 1,
	                                  20000};
	cfg.maxbytes = maxbytes[opt % 10];
	unsigned repeat = 1 + (opt >> 4) % 8;
	static const char send_text[] = "PING\r\n", quit_text[] = "QUIT\r\n";
	if (opt & 0x40)
		cfg.send = (struct bytes){send_text, sizeof send_text - 1};
	if (opt & 0x80)
		cfg.quit = (struct bytes){quit_text, sizeof quit_text - 1};
	size_t npieces = fuzz_byte(&in) % 8;
	struct fuzz_input pieces = {in.data, npieces <= in.size ? npieces : in.size};
	in.data += pieces.size;
	in.size -= pieces.size;

	/* The reply: the rest, NUL-terminated at its length as the engine keeps it. */
	size_t len = in.size;
	unsigned char *reply = malloc(len + 1);
	FUZZ_CHECK(reply != NULL);
	memcpy(reply, in.data, len);
	reply[len] = '\0';

	bool got = converse_matches(&cfg, reply, len);
	FUZZ_CHECK(got == expected_match(&cfg, reply, len));
	cfg.all = !cfg.all;
	FUZZ_CHECK(converse_matches(&cfg, reply, len) == expected_match(&cfg, reply, len));
	cfg.all = !cfg.all;

	if (len > 0)
		converse_over_socket(&cfg, reply, len, repeat, &pieces, (flags & 0x40) != 0);

	for (size_t i = 0; i < cfg.nregexes; i++)
		regfree(&cfg.regexes[i]);
	free(reply);
	return 0;
}
