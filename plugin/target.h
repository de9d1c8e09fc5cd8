/* SPDX-License-Identifier: ISC */
/* A target is one thing to check: a host and a port, and the addresses tried for it (all
 * of the host's with --addresses=first, one with --addresses=all). Each probe of a target
 * is one connection check made of attempts, one per address, staggered as RFC 8305 says.
 *
 * A run may hold a million targets, so a target keeps only what the report needs, in
 * 48 bytes; what the engine needs while a probe runs lives in its flights (engine.h), as
 * many as there are probes in flight. Which stage writes what:
 *
 *   structure         field                      written by
 *   ----------------  -------------------------  ------------------------------------
 *   target            host port first_addr naddr plan (plan.c), when the host resolved
 *   target.tally      every field                the engine (probe.c via tally.c)
 *   target.state      the verdict's state        evaluate() (evaluate.c)
 *   detail            figures, last probe, reply the engine, only when the run needs
 *                                                them: -n other than 1, -v, a conversation
 *   attempt, flight   everything                 the engine, while a probe runs
 *   verdict           everything                 target_verdict(), computed on demand
 *
 * The report reads; it writes none of them. */
#ifndef CHECK_TCPPORT_TARGET_H
#define CHECK_TCPPORT_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "converse.h"
#include "outcome.h"
#include "state.h"

enum attempt_status {
	ATTEMPT_WAITING,    /* not started (yet) */
	ATTEMPT_CONNECTING, /* connect() sent, no answer yet */
	ATTEMPT_DONE,	    /* outcome known */
	ATTEMPT_CANCELLED,  /* stopped because another address connected first */
};

/* One connect to one address, while its probe runs (and kept for -v). */
struct attempt {
	unsigned addr;		    /* index into the host's resolution */
	int fd;			    /* -1 when closed */
	int slot;		    /* index in the engine's poll set while connecting */
	enum attempt_status status;
	enum outcome outcome;
	int err;		    /* errno of a failure, 0 otherwise */
	bool at_bind;		    /* err came from bind() to the -b address */
	bool in_progress;	    /* connect() said EINPROGRESS: an error comes from the
				     * network now (outcome_from_errno()) */
	bool at_deadline;	    /* a timeout cut short by the run's deadline */
	bool expired;		    /* this program gave up waiting (not the kernel) */
	bool self_connect;	    /* the socket connected to itself: nothing listens */
	bool reset_at_once;	    /* connected, and reset before the plugin looked */
	unsigned busy;		    /* a Unix listener's queue was full (EAGAIN) this often */
	int64_t retry_at;	    /* when to try connect() again after EAGAIN, or 0 */
	int64_t started;	    /* clock_now() just before connect() */
	int64_t finished;	    /* clock_now() when the outcome was seen */
};

/* The failure that speaks for a target that never connected. Packed in 8 bytes: a
 * target has one, and a run may have a million targets. */
struct failure {
	uint32_t waited_ms;	    /* from its connect() to the failure, rounded */
	int16_t err;		    /* errno, 0 for a timeout of this program's own */
	uint8_t addr;
	uint8_t outcome : 4;	    /* enum outcome; OUTCOME_CONNECTED: no failure yet */
	bool at_bind : 1;
	bool at_deadline : 1;	    /* a timeout of the run's deadline, not the probe's own */
	bool in_conversation : 1;   /* it happened after the handshake */
	bool late : 1;		    /* its probe did not start with the run: -n's later
				     * probes, or held back by --max-parallel */
};
_Static_assert(OUTCOME_COUNT <= 16, "struct failure keeps an outcome in 4 bits");
_Static_assert(sizeof(struct failure) == 8, "struct failure is 8 bytes");

/* All probes of a target, counted: -n is at most MAX_COUNT, 10,000, but -n 0 runs until
 * a signal (2^32 probes are 50 days at -i 0.001). */
struct tally {
	uint32_t probes;	    /* probes finished, with those the deadline cut */
	uint32_t connected;
	uint32_t not_run;	    /* probes the deadline kept from starting */
	uint32_t handshakes;	    /* probes whose handshake completed (conversation or not) */
	uint32_t untried;	    /* addresses of failed probes the deadline kept from trying */
	uint8_t last_addr;	    /* the address that connected last */
	uint8_t tried;		    /* addresses the last probe tried */
	/* The first failure of those whose outcome maps to the worst state: the one the
	 * report names when no probe connected (tally_failure() keeps it). */
	struct failure failure;
	int64_t sum;		    /* ns: the times of the probes that connected */
};

struct target {
	uint16_t host;		    /* index into the options' hosts and the resolutions */
	uint16_t port;
	uint8_t first_addr;	    /* the addresses tried: [first_addr, first_addr + naddr) */
	uint8_t naddr;		    /* 0 when the host did not resolve */
	uint8_t state;		    /* enum state, the verdict's, by evaluate() */
	struct tally tally;
};

/* What only some runs need of a target, kept beside it when they do. */
struct detail {
	/* -n > 1: the spread of the times, and the outcome of every failed attempt */
	int64_t min, max;	    /* ns */
	double sumsq;		    /* of the times in seconds */
	uint32_t failed[OUTCOME_COUNT];
	/* a conversation: of the probes that connected, the handshakes alone (without one,
	 * the time is the handshake) and the waits for a first byte */
	int64_t connect_sum;	    /* ns */
	int64_t response_sum;	    /* ns */
	uint32_t responses;
	/* -v: the attempts of the last probe, and the one that connected (or -1) */
	struct attempt *attempts;
	long reached;		    /* the attempt that connected, or -1 */
	/* a conversation: the last one, its buffer gone and the reply's start kept */
	struct converse *reply;
};

/* The state of a target and the figures the report prints, computed from its tally by
 * target_verdict() (evaluate.c) whenever they are read. */
struct verdict {
	enum state state;
	enum outcome outcome;	    /* OUTCOME_CONNECTED when a probe connected */
	double seconds;		    /* the time; the average with -n */
	double connect;		    /* the handshake alone (average) */
	double response;	    /* the wait for the first byte of the reply (average) */
	bool has_response;
	double min, max, jitter;    /* with -n: of the connect times, jitter = stddev */
	double loss;		    /* percent of probes sent that did not connect */
	unsigned sent;		    /* probes sent: loss is known only when there was one */
	const struct failure *failure; /* the failure that speaks, when none connected */
	bool slow;		    /* the time crossed -w or -c */
	bool lossy;		    /* the loss crossed --warning-loss or --critical-loss */
};

#endif
