/* A target is one thing to check: a host and a port, and the addresses tried for it (all
 * of the host's with --addresses=first, one with --addresses=all). Each probe of a target
 * is one connection check made of attempts, one per address, staggered as RFC 8305 says.
 * The probe engine fills the attempts and the tally; evaluate() fills the verdict. */
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

struct attempt {
	unsigned addr;		    /* index into the host's resolution */
	int fd;			    /* -1 when closed */
	int slot;		    /* index in the engine's poll set while connecting */
	enum attempt_status status;
	enum outcome outcome;
	int err;		    /* errno of a failure, 0 otherwise */
	bool at_bind;		    /* err came from bind() to the -b address */
	bool at_deadline;	    /* a timeout cut short by the run's deadline */
	bool self_connect;	    /* the socket connected to itself: nothing listens */
	bool reset_at_once;	    /* connected, and reset before the plugin looked */
	unsigned busy;		    /* a Unix listener's queue was full (EAGAIN) this often */
	int64_t retry_at;	    /* when to try connect() again after EAGAIN, or 0 */
	int64_t started;	    /* clock_now() just before connect() */
	int64_t finished;	    /* clock_now() when the outcome was seen */
};

/* What one failure looked like, the first time an outcome was met. */
struct failure {
	unsigned long order;	    /* when it happened, in the order of the attempts */
	unsigned addr;
	int err;
	bool at_bind;
	bool at_deadline;	    /* a timeout of the run's deadline, not the probe's own */
	bool in_conversation;	    /* it happened after the handshake */
};

/* All probes of a target, counted. */
struct tally {
	unsigned probes;	    /* probes finished, with those the deadline cut */
	unsigned connected;
	unsigned not_run;	    /* probes the deadline kept from starting */
	unsigned handshakes;	    /* probes whose handshake completed (conversation or not) */
	unsigned untried;	    /* addresses of failed probes the deadline kept from trying */
	int64_t min, max;	    /* times in ns, of the probes that connected */
	double sum, sumsq;	    /* of the times in seconds */
	double connect_sum;	    /* of the handshakes of those probes */
	double response_sum;	    /* of the waits for a first byte, when there was one */
	unsigned responses;
	unsigned failed[OUTCOME_COUNT];	/* attempts that ended with each outcome */
	struct failure first[OUTCOME_COUNT];
	unsigned last_addr;	    /* the address that connected last */
};

/* The state of a target, decided by evaluate(). */
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

struct target {
	unsigned host;		    /* index into the options' hosts and the resolutions */
	unsigned port;
	unsigned first_addr;	    /* the addresses tried: [first_addr, first_addr + naddr) */
	unsigned naddr;		    /* 0 when the host did not resolve */
	struct attempt *attempts;   /* naddr of them: those of the current or last probe */
	/* the engine's schedule */
	unsigned started;	    /* probes started */
	bool in_probe;
	unsigned next;		    /* the next attempt of the probe to start */
	int64_t probe_started;
	int64_t probe_end;	    /* when the probe gives up */
	int64_t next_attempt_at;
	int64_t next_probe_at;
	long winner;		    /* the attempt of the last probe that connected, or -1 */
	long talking;		    /* the attempt whose socket is in a conversation, or -1 */
	struct converse conv;	    /* the conversation of the current or last probe */
	struct tally tally;
	struct verdict verdict;
};

#endif
