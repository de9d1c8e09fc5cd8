/* The engine: non-blocking connects to a set of addresses, one poll loop, one deadline. */
#ifndef CHECK_TCPPORT_PROBE_H
#define CHECK_TCPPORT_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "outcome.h"
#include "resolve.h"

/* RFC 8305's "Connection Attempt Delay": an address that has not answered after this long
 * does not hold up the next one, which starts beside it. */
#define PROBE_STAGGER_NS (250 * NS_PER_MSEC)

enum attempt_status {
	ATTEMPT_WAITING,    /* not started (yet) */
	ATTEMPT_CONNECTING, /* connect() sent, no answer yet */
	ATTEMPT_DONE,	    /* outcome known */
	ATTEMPT_CANCELLED,  /* stopped because another address connected first */
};

struct attempt {
	struct address addr;	    /* with the port set */
	int fd;			    /* -1 once closed */
	enum attempt_status status;
	enum outcome outcome;
	int err;		    /* errno of a failure, 0 otherwise */
	int64_t started;	    /* clock_now() just before connect() */
	int64_t finished;	    /* clock_now() when the outcome was seen */
};

void probe_init(struct attempt *attempt, const struct address *addr);
long probe_run(struct attempt *attempts, size_t count, const struct deadline *dl);
void probe_close(struct attempt *attempts, size_t count);

#endif
