/* SPDX-License-Identifier: ISC */
/* Talking to the service on a connected socket: send, expect, quit, byte limits. */
#ifndef CHECK_TCPPORT_CONVERSE_H
#define CHECK_TCPPORT_CONVERSE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outcome.h"
#include "proxy.h"

#define CONVERSE_DRAIN_MAX 65536 /* bytes dropped unread before closing, at most */
#define CONVERSE_MAX_EXPECTS 16
#define CONVERSE_REPLY_MAX   16384  /* bytes of a reply read at most */
#define CONVERSE_SHOW_MAX    160    /* bytes of a reply kept for the report */
#define CONVERSE_SETTLE_NS   (500 * INT64_C(1000000)) /* a reply that pauses this long is complete */

struct bytes {
	const char *data;
	size_t len;
};

/* What to say and what to expect; filled by the options, read by the engine. */
struct converse_config {
	struct bytes send;			    /* sent once connected */
	struct bytes quit;			    /* sent before closing */
	struct bytes expects[CONVERSE_MAX_EXPECTS]; /* substrings of the reply */
	size_t nexpects;
	regex_t regexes[CONVERSE_MAX_EXPECTS];	    /* POSIX EREs on the reply */
	size_t nregexes;
	bool all;				    /* -A: every expectation must be met */
	/* A preset's tighter reading (-e finds its text anywhere): */
	bool anchored;				    /* an expect begins at byte expect_at */
	size_t expect_at;
	bool whole;				    /* the reply is the expect, nothing more */
	bool no_echo;				    /* the request sent back proves nothing */
	bool quit_if_met;			    /* a preset's quit: only to its service */
	size_t maxbytes;			    /* -m: stop reading after this many, 0 = no limit */
	int64_t delay;				    /* -d: wait after sending before reading */
	enum proxy_version proxy;		    /* --proxy-protocol: a header first */
};

enum converse_phase {
	CONVERSE_SENDING,
	CONVERSE_DELAY,
	CONVERSE_READING,
	CONVERSE_DONE,
};

/* One conversation, on the socket of the attempt that connected. */
struct converse {
	enum converse_phase phase;
	unsigned char proxy[PROXY_HEADER_MAX]; /* --proxy-protocol: this connection's header */
	size_t proxy_len;	/* its length, 0 without one */
	size_t proxy_sent;	/* bytes of it written */
	size_t sent;		/* bytes of the send string written */
	int64_t begun;		/* when the handshake completed */
	int64_t sent_at;	/* when the send string was written (or begun) */
	int64_t first_byte;	/* when the first byte of the reply came, 0 if none */
	int64_t last_byte;	/* when the last byte came */
	int64_t settled;	/* when the outcome was known; for a reply met only once
				 * complete, when its last byte came (the pause that showed
				 * it complete is not the service's time) */
	bool by_silence;	/* judged complete after CONVERSE_SETTLE_NS of silence */
	bool by_deadline;	/* judged as it stood when the time was up */
	unsigned char *buf;	/* the reply while reading, CONVERSE_REPLY_MAX bytes */
	size_t len;		/* bytes of the reply held */
	size_t total;		/* bytes received */
	bool eof;
	enum outcome outcome;	/* OUTCOME_CONNECTED when the expectation was met */
	int err;
	unsigned char shown[CONVERSE_SHOW_MAX]; /* the start of the reply, for the report */
	size_t shown_len;
};

bool converse_wanted(const struct converse_config *cfg);
bool converse_needed(const struct converse_config *cfg);
bool converse_reads(const struct converse_config *cfg);
int converse_begin(const struct converse_config *cfg, struct converse *c, int64_t now);
void converse_abort(const struct converse_config *cfg, struct converse *c, int err, int64_t now);
short converse_events(const struct converse *c);
int64_t converse_wake(const struct converse_config *cfg, const struct converse *c);
bool converse_step(const struct converse_config *cfg, struct converse *c, int fd, short revents,
		   int64_t now);
void converse_expire(const struct converse_config *cfg, struct converse *c, int64_t now);
void converse_finish(const struct converse_config *cfg, struct converse *c, int fd);
bool converse_matches(const struct converse_config *cfg, const unsigned char *data, size_t len);
int64_t converse_delay_waited(const struct converse_config *cfg, const struct converse *c);
int64_t converse_response_ns(const struct converse_config *cfg, const struct converse *c);
int64_t converse_talk_ns(const struct converse_config *cfg, const struct converse *c);

#endif
