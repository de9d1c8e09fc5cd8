/* The engine: non-blocking connects for every target, one poll loop, one deadline. */
#ifndef CHECK_TCPPORT_PROBE_H
#define CHECK_TCPPORT_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "converse.h"
#include "resolve.h"
#include "target.h"

/* RFC 8305's "Connection Attempt Delay": an address that has not answered after this long
 * does not hold up the next one, which starts beside it. */
#define PROBE_STAGGER_NS (250 * NS_PER_MSEC)

/* Told after each probe; `attempt` is the attempt that connected or failed first, or -1
 * for a probe the deadline kept from starting. */
typedef void probe_hook(void *ctx, const struct target *target, unsigned probe, bool connected,
			long attempt);

struct probe_config {
	const struct resolution *resolutions; /* indexed by target->host */
	unsigned count;			      /* probes per target */
	int64_t interval;		      /* from the start of a probe to the next */
	int64_t probe_timeout;		      /* how long one probe may wait */
	unsigned max_parallel;		      /* sockets in flight at most, 0 = no cap */
	const struct address *source;	      /* bind to it before connecting, or NULL */
	const struct converse_config *converse; /* what to say once connected, or NULL */
	probe_hook *hook;		      /* or NULL */
	void *hook_ctx;
};

int probe_run(struct target *targets, size_t count, const struct probe_config *cfg,
	      const struct deadline *dl);

#endif
