/* SPDX-License-Identifier: ISC */
/* The conversation on a connected socket, driven by the probe engine's poll loop and
 * bounded by the same deadline: send the request (non-blocking, in as many writes as the
 * socket takes), wait -d, read the reply into a fixed buffer until the expectation is met,
 * the server closes, -m bytes came, the buffer is full, the reply pauses for
 * CONVERSE_SETTLE_NS, or the time is up; then send the quit string and close. A server
 * that sends megabytes costs no more memory than one that sends a banner. A match that
 * more bytes could undo (a whole reply, a regex's $) counts only on a complete reply:
 * closed, or silent for CONVERSE_SETTLE_NS. A reply still coming at the deadline is a
 * timeout, unless it stands as a protocol's whole answer or no byte could mend it. */
#include "config.h"
#include "converse.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <poll.h>
#include <unistd.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* SIGPIPE is ignored by main() anyway */
#endif

static ssize_t send_pending(const struct converse_config *cfg, struct converse *c, int fd);
static bool sending_done(const struct converse_config *cfg, const struct converse *c);
static void record_outcome(struct converse *c, enum outcome outcome, int err, int64_t now);
static void outcome_of_reply(const struct converse_config *cfg, struct converse *c,
			     int64_t now);
static bool reading_done(const struct converse_config *cfg, const struct converse *c);
static bool silent_long_enough(const struct converse *c, int64_t now);
/* How much of a reply is known when it is judged. */
enum reply_end {
	REPLY_GROWING,	/* more may come: only a match that no byte can undo counts */
	REPLY_TIME_UP,	/* no more will be waited for: a protocol's whole answer counts */
	REPLY_COMPLETE, /* closed, or silent for the settle period */
};

static bool meets_expectation(const struct converse_config *cfg, const unsigned char *data,
			      size_t len, enum reply_end end);
static bool could_still_meet(const struct converse_config *cfg, const unsigned char *data,
			     size_t len);
static bool expect_open(const struct converse_config *cfg, const struct bytes *e,
			const unsigned char *data, size_t len);
static const unsigned char *find_bytes(const unsigned char *hay, size_t hay_len,
				       const char *needle, size_t needle_len);

/* True when there is anything to say or to expect. */
bool
converse_wanted(const struct converse_config *cfg)
{
	return cfg->send.len > 0 || cfg->quit.len > 0 || converse_reads(cfg);
}

/* True when the engine must talk on the socket once connected: a conversation, or only
 * the PROXY protocol header (--proxy-protocol), which is not timed as one. */
bool
converse_needed(const struct converse_config *cfg)
{
	return converse_wanted(cfg) || cfg->proxy != PROXY_NONE;
}

/* True when a reply is expected (and so read). */
bool
converse_reads(const struct converse_config *cfg)
{
	return cfg->nexpects > 0 || cfg->nregexes > 0;
}

/* Starts a conversation on a socket whose handshake completed at `now`. Returns 0, or
 * ENOMEM when the reply buffer cannot be had. */
int
converse_begin(const struct converse_config *cfg, struct converse *c, int64_t now)
{
	memset(c, 0, sizeof *c);
	c->begun = c->sent_at = c->last_byte = now;
	c->outcome = OUTCOME_CONNECTED;
	if (converse_reads(cfg)) {
		c->buf = malloc(CONVERSE_REPLY_MAX + 1);
		if (c->buf == NULL)
			return ENOMEM;
		c->buf[0] = '\0';
	}
	/* with --proxy-protocol the caller puts the header in c->proxy before the first step */
	c->phase = cfg->send.len > 0 || cfg->proxy != PROXY_NONE ? CONVERSE_SENDING
		   : cfg->delay > 0  ? CONVERSE_DELAY
				     : CONVERSE_READING;
	if (c->phase == CONVERSE_READING && !converse_reads(cfg))
		record_outcome(c, OUTCOME_CONNECTED, 0, now);
	return 0;
}

/* The outcome of a conversation the peer broke before it could say its part: ECONNRESET
 * or EPIPE is a reset, anything else (no memory) a local error. With the PROXY header
 * alone (no -s, no -e) the check is the handshake's, as it is without the header: a
 * listener that resets at once is connected either way, so the state never depends on
 * whether the reset beat the header's write. */
static enum outcome
broken_outcome(const struct converse_config *cfg, int err)
{
	if (err != ECONNRESET && err != EPIPE)
		return OUTCOME_LOCAL_ERROR;
	return converse_wanted(cfg) ? OUTCOME_RESET : OUTCOME_CONNECTED;
}

/* Ends a conversation that could not begin (see broken_outcome). */
void
converse_abort(const struct converse_config *cfg, struct converse *c, int err, int64_t now)
{
	record_outcome(c, broken_outcome(cfg, err), err, now);
}

/* What to poll the socket for. During -d nothing is read: the reply waits in the kernel,
 * as check_tcp's sleep() lets it. */
short
converse_events(const struct converse *c)
{
	switch (c->phase) {
	case CONVERSE_SENDING:
		return POLLOUT;
	case CONVERSE_READING:
		return POLLIN;
	default:
		return 0;
	}
}

/* When the conversation needs the loop to wake even without an event: the end of -d, or
 * the moment a paused reply counts as complete. INT64_MAX when only an event will do. */
int64_t
converse_wake(const struct converse_config *cfg, const struct converse *c)
{
	if (c->phase == CONVERSE_DELAY)
		return c->sent_at + cfg->delay;
	if (c->phase == CONVERSE_READING && c->total > 0)
		return c->last_byte + CONVERSE_SETTLE_NS;
	return INT64_MAX;
}

/* Moves the conversation on after poll() said `revents` (or a timer passed). Returns true
 * once the outcome is known. */
bool
converse_step(const struct converse_config *cfg, struct converse *c, int fd, short revents,
	      int64_t now)
{
	if (c->phase == CONVERSE_SENDING && (revents & (POLLOUT | POLLERR | POLLHUP))) {
		ssize_t n = send_pending(cfg, c, fd);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			record_outcome(c, broken_outcome(cfg, errno), errno, now);
			return true;
		}
		if (!sending_done(cfg, c))
			return false;
		c->sent_at = c->last_byte = now;
		c->phase = cfg->delay > 0 ? CONVERSE_DELAY : CONVERSE_READING;
		if (!converse_reads(cfg)) {
			record_outcome(c, OUTCOME_CONNECTED, 0, now);
			return true;
		}
		return false;
	}
	if (c->phase == CONVERSE_DELAY) {
		/* poll() reports an error or a hang-up even when asked for nothing: the
		 * server reset or closed during -d, so the reply is what came until then,
		 * and waiting on would only spin. */
		if (now < c->sent_at + cfg->delay && (revents & (POLLERR | POLLHUP)) == 0)
			return false;
		c->phase = CONVERSE_READING;
		c->last_byte = now;
		revents = POLLIN; /* what came during the delay is waiting */
	}
	if (c->phase == CONVERSE_READING) {
		if (revents & (POLLIN | POLLERR | POLLHUP)) {
			size_t room = CONVERSE_REPLY_MAX - c->len;
			if (cfg->maxbytes > 0 && cfg->maxbytes - c->total < room)
				room = cfg->maxbytes - c->total;
			ssize_t n = recv(fd, c->buf + c->len, room, MSG_DONTWAIT);
			if (n > 0) {
				if (c->total == 0)
					c->first_byte = now;
				c->len += (size_t)n;
				c->buf[c->len] = '\0'; /* for regexec() */
				c->total += (size_t)n;
				c->last_byte = now;
			} else if (n == 0) {
				c->eof = true;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				enum outcome o = errno == ECONNRESET ? OUTCOME_RESET
								     : OUTCOME_LOCAL_ERROR;
				record_outcome(c, o, errno, now);
				return true;
			}
		}
		/* a match that more bytes could undo (PostgreSQL's whole reply S, a regular
		 * expression's $) waits until the reply is complete */
		if (c->total > 0 && meets_expectation(cfg, c->buf, c->len, REPLY_GROWING)) {
			record_outcome(c, OUTCOME_CONNECTED, 0, now);
			return true;
		}
		if (reading_done(cfg, c) || silent_long_enough(c, now)) {
			c->by_silence = !reading_done(cfg, c);
			outcome_of_reply(cfg, c, now);
			return true;
		}
	}
	return c->phase == CONVERSE_DONE;
}

/* The probe's time is up. A reply that had fallen silent for CONVERSE_SETTLE_NS was
 * complete and is judged (the loop had not yet woken for it). Otherwise no more bytes
 * can be waited for, and the reply is judged as it stands where that settles it: it
 * is a protocol's whole answer (PostgreSQL's S, silent since: see expect_found()), or
 * no byte to come could make it meet the expectation (hello where a preset needs 220
 * at the start: a wrong service, not a slow one). Any other reply is a timeout, as
 * check_tcp's: what came was the start of a reply (a regex's "ok$" on "220 ok" too),
 * no proof of a wrong service nor of the right one. */
void
converse_expire(const struct converse_config *cfg, struct converse *c, int64_t now)
{
	if (c->phase == CONVERSE_DONE)
		return;
	if (c->total > 0 && silent_long_enough(c, now)) {
		c->by_silence = true;
		outcome_of_reply(cfg, c, now);
		return;
	}
	if (c->total > 0 && (meets_expectation(cfg, c->buf, c->len, REPLY_TIME_UP) ||
			     !could_still_meet(cfg, c->buf, c->len))) {
		c->by_deadline = true;
		outcome_of_reply(cfg, c, now);
		return;
	}
	record_outcome(c, OUTCOME_TIMEOUT, 0, now);
}

/* Reads and drops what the server has sent beyond the part that was judged (at most
 * CONVERSE_DRAIN_MAX bytes, without waiting): closing a socket with unread bytes makes
 * the kernel reset the connection, and a server that was still writing (git's
 * capability advertisement after the line the preset reads) logs that as an error. */
static void
drain(int fd)
{
	unsigned char scratch[4096];

	for (size_t left = CONVERSE_DRAIN_MAX; left > 0;) {
		ssize_t n = recv(fd, scratch, sizeof scratch, MSG_DONTWAIT);
		if (n <= 0)
			return;
		left = (size_t)n >= left ? 0 : left - (size_t)n;
	}
}

/* Sends the quit string (best effort: the outcome is known) and frees the reply buffer,
 * keeping its start for the report. The caller closes the socket. A preset's quit goes
 * only to the service that answered as expected: said to another, it is another
 * command (QUIT shuts clamd down). -q is the user's, sent as check_tcp sends it. */
void
converse_finish(const struct converse_config *cfg, struct converse *c, int fd)
{
	if (c->outcome != OUTCOME_RESET && !c->eof && converse_reads(cfg))
		drain(fd);
	if (cfg->quit.len > 0 && c->outcome != OUTCOME_RESET && !c->eof &&
	    (!cfg->quit_if_met || c->outcome == OUTCOME_CONNECTED))
		(void)send(fd, cfg->quit.data, cfg->quit.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (c->buf != NULL) {
		c->shown_len = c->len < sizeof c->shown ? c->len : sizeof c->shown;
		memcpy(c->shown, c->buf, c->shown_len);
		free(c->buf);
		c->buf = NULL;
	}
}

/* A preset's request that comes back at the start of the reply: an echo server (or a
 * proxy reflecting bytes) would otherwise pass every preset whose expected reply is
 * part of its own request, as http's HTTP/1. and xmpp's <stream:stream are. */
static bool
is_echo(const struct converse_config *cfg, const unsigned char *data, size_t len)
{
	return cfg->no_echo && cfg->send.len > 0 && len >= cfg->send.len &&
	       memcmp(data, cfg->send.data, cfg->send.len) == 0;
}

/* One expected string: anywhere in the reply for -e; for a preset, where its protocol
 * puts it (a greeting's first bytes), and with `whole` as the entire reply, so that a
 * one-byte answer (PostgreSQL's S) is not found at the start of another greeting. The
 * whole rule is judged only on a reply that will not grow: the first byte of an SSH
 * greeting that arrives alone is an S as well. When the time is up it is judged as
 * it stands: PostgreSQL says nothing more, and a probe of 0.5 s (-n 20) is no shorter
 * than the settle period, so waiting could only fail a healthy server. */
static bool
expect_found(const struct converse_config *cfg, const struct bytes *e,
	     const unsigned char *data, size_t len, enum reply_end end)
{
	if (!cfg->anchored)
		return find_bytes(data, len, e->data, e->len) != NULL;
	if (cfg->whole && (end == REPLY_GROWING || len != cfg->expect_at + e->len))
		return false;
	if (len < cfg->expect_at + e->len)
		return false;
	return memcmp(data + cfg->expect_at, e->data, e->len) == 0;
}

/* One regular expression on the reply up to its first NUL byte. On a reply that is not
 * complete, a match counts only when it ends before the last byte held: an ERE looks
 * at most one byte past its match ($, and GNU's \>, \b, \'), so that match stays
 * whatever comes next, while "ok$" on "ok" would not survive "ok then no" (when the
 * time is up too: "220 ok" may be the start of "220 ok but busy"). A regex compiled
 * with REG_NOSUB gives no end and waits for the complete reply. */
static bool
regex_found(const regex_t *re, const unsigned char *data, size_t len, enum reply_end end)
{
	regmatch_t m = {.rm_so = -1, .rm_eo = -1};

	if (regexec(re, (const char *)data, 1, &m, 0) != 0)
		return false;
	return end == REPLY_COMPLETE || (m.rm_eo >= 0 && (size_t)m.rm_eo < len);
}

/* True when `data` (with data[len] == 0) meets the expectation: any (or with -A every)
 * expected substring and regular expression, as far as `end` says the reply is known. */
static bool
meets_expectation(const struct converse_config *cfg, const unsigned char *data, size_t len,
		  enum reply_end end)
{
	size_t met = 0, wanted = cfg->nexpects + cfg->nregexes;

	if (is_echo(cfg, data, len))
		return false;
	for (size_t i = 0; i < cfg->nexpects; i++)
		if (expect_found(cfg, &cfg->expects[i], data, len, end))
			met++;
	for (size_t i = 0; i < cfg->nregexes; i++)
		if (regex_found(&cfg->regexes[i], data, len, end))
			met++;
	return cfg->all ? met == wanted : met > 0;
}

/* True when bytes yet to come could still make the reply (data, len bytes) meet the
 * expectation: every expectation with -A, any one without. An echo of the preset's
 * request never will. */
static bool
could_still_meet(const struct converse_config *cfg, const unsigned char *data, size_t len)
{
	size_t open = cfg->nregexes, wanted = cfg->nexpects + cfg->nregexes;

	if (is_echo(cfg, data, len))
		return false;
	/* a regular expression may match what is still to come, whatever came so far */
	for (size_t i = 0; i < cfg->nexpects; i++)
		if (expect_open(cfg, &cfg->expects[i], data, len))
			open++;
	return cfg->all ? open == wanted : open > 0;
}

/* True when one expected string is met by the reply so far or may be by what follows:
 * -e's anywhere always may; a preset's, at its place, only while what came agrees
 * with it there, and a whole reply only while it is no longer than the string. */
static bool
expect_open(const struct converse_config *cfg, const struct bytes *e, const unsigned char *data,
	    size_t len)
{
	size_t end = cfg->expect_at + e->len;

	if (!cfg->anchored)
		return true;
	if (cfg->whole && len > end)
		return false;
	if (len <= cfg->expect_at)
		return true;
	size_t have = len < end ? len - cfg->expect_at : e->len;
	return memcmp(data + cfg->expect_at, e->data, have) == 0;
}

/* True when the complete reply `data` (with data[len] == 0) meets the expectation. */
bool
converse_matches(const struct converse_config *cfg, const unsigned char *data, size_t len)
{
	return meets_expectation(cfg, data, len, REPLY_COMPLETE);
}

/* Writes what is left of the PROXY header and of the send string, in one call: the
 * header goes out before the first byte of -s, and with it when the socket takes both.
 * Counts what the kernel took, the header first. Returns send's result. */
static ssize_t
send_pending(const struct converse_config *cfg, struct converse *c, int fd)
{
	struct iovec iov[2];
	size_t parts = 0;
	size_t header = c->proxy_len - c->proxy_sent;

	if (header > 0) {
		iov[parts].iov_base = c->proxy + c->proxy_sent;
		iov[parts++].iov_len = header;
	}
	if (cfg->send.len > c->sent) {
		/* sendmsg() only reads it: the copy drops a const that iovec cannot hold */
		const char *rest = cfg->send.data + c->sent;
		memcpy(&iov[parts].iov_base, &rest, sizeof rest);
		iov[parts++].iov_len = cfg->send.len - c->sent;
	}
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = parts};
	ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	if (n > 0) {
		size_t taken = (size_t)n;
		if (header > taken)
			header = taken;
		c->proxy_sent += header;
		c->sent += taken - header;
	}
	return n;
}

/* True when the whole header and the whole send string are written. */
static bool
sending_done(const struct converse_config *cfg, const struct converse *c)
{
	return c->proxy_sent == c->proxy_len && c->sent == cfg->send.len;
}

/* Records the outcome of the conversation. */
static void
record_outcome(struct converse *c, enum outcome outcome, int err, int64_t now)
{
	c->phase = CONVERSE_DONE;
	c->outcome = outcome;
	c->err = err;
	c->settled = now;
}

/* No more of the reply will be read: it meets the expectation (its time is when its last
 * byte came, not when its end was known), or nothing at all is "no data", anything else a
 * mismatch (the report shows what came). A reply cut by -m or the full buffer is not
 * known to be complete: only a match that further bytes could not undo counts there, so
 * that -m 1 does not make the first byte of an SSH greeting PostgreSQL's whole S. */
static void
outcome_of_reply(const struct converse_config *cfg, struct converse *c, int64_t now)
{
	enum reply_end end = c->eof || c->by_silence ? REPLY_COMPLETE
			     : c->by_deadline	     ? REPLY_TIME_UP
						     : REPLY_GROWING;

	if (c->total > 0 && meets_expectation(cfg, c->buf, c->len, end))
		record_outcome(c, OUTCOME_CONNECTED, 0, c->last_byte);
	else if (c->total == 0)
		record_outcome(c, OUTCOME_NO_DATA, 0, now);
	else
		record_outcome(c, OUTCOME_MISMATCH, 0, now);
}

/* No more will be read: the server closed, -m bytes came, or the buffer is full. */
static bool
reading_done(const struct converse_config *cfg, const struct converse *c)
{
	return c->eof || c->len == CONVERSE_REPLY_MAX ||
	       (cfg->maxbytes > 0 && c->total >= cfg->maxbytes);
}

/* True when a reply has begun and nothing more came for CONVERSE_SETTLE_NS: it counts
 * as complete. */
static bool
silent_long_enough(const struct converse *c, int64_t now)
{
	return c->total > 0 && now >= c->last_byte + CONVERSE_SETTLE_NS;
}

/* memmem(), which is not POSIX. */
static const unsigned char *
find_bytes(const unsigned char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
	if (needle_len == 0)
		return hay;
	for (size_t i = 0; i + needle_len <= hay_len; i++)
		/* hay is NULL only with hay_len 0: there is no reply buffer without an expect */
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
		if (hay[i] == (unsigned char)needle[0] && memcmp(hay + i, needle, needle_len) == 0)
			return hay + i;
	return NULL;
}

/* How long -d held a finished conversation back: from the end of sending until reading
 * began (the first byte, or the end when none came), at most -d. No time this program
 * reports counts it, as check_tcp leaves its delay out: it is the plugin's own wait, not
 * the server's. */
int64_t
converse_delay_waited(const struct converse_config *cfg, const struct converse *c)
{
	int64_t until = c->first_byte > 0 ? c->first_byte : c->settled;
	int64_t waited = until - c->sent_at;

	if (cfg->delay <= 0 || c->sent_at == 0 || waited <= 0)
		return 0;
	return waited < cfg->delay ? waited : cfg->delay;
}

/* The response time of a finished conversation: from the end of sending (the end of the
 * handshake when nothing is sent) to the first byte of the reply, -d left out; -1 when
 * no byte came. The perfdata's response=, -v and -n 0 all print this one figure. */
int64_t
converse_response_ns(const struct converse_config *cfg, const struct converse *c)
{
	if (c->first_byte <= 0)
		return -1;
	int64_t wait = c->first_byte - c->sent_at - converse_delay_waited(cfg, c);
	return wait > 0 ? wait : 0;
}

/* How long a finished conversation took after the handshake, until its outcome was
 * known, -d left out. */
int64_t
converse_talk_ns(const struct converse_config *cfg, const struct converse *c)
{
	int64_t talk = c->settled - c->begun - converse_delay_waited(cfg, c);

	return talk > 0 ? talk : 0;
}
