/* SPDX-License-Identifier: ISC */
/* CLOCK_MONOTONIC time: immune to the wall clock being set while a check runs. */
#include "config.h"
#include "clock.h"

#include <limits.h>

/* Returns the monotonic clock in nanoseconds. */
int64_t
clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* A deadline `budget` nanoseconds after `start`. */
struct deadline
deadline_make(int64_t start, int64_t budget)
{
	struct deadline dl = {start, start + budget};
	return dl;
}

/* Nanoseconds left before the deadline; 0 once it has passed. */
int64_t
deadline_left(const struct deadline *dl, int64_t now)
{
	return now >= dl->end ? 0 : dl->end - now;
}

/* How long to sleep in poll() for waking at `until`. Linux lets poll() oversleep by 0.1%
 * of its timeout (0.5% for a niced process, up to 100 ms): a 10 s poll may wake 10 ms
 * late. So a long wait stops 1/16 short of `until` and the caller polls again; the slack
 * of each step is smaller than the margin left, and the last step (under 16 ms) oversleeps
 * by microseconds. 10 s take four wake-ups. */
int64_t
deadline_wait(int64_t until, int64_t now)
{
	if (until <= now)
		return 0;
	int64_t wait = until - now;
	if (wait > 16 * NS_PER_MSEC)
		wait -= wait / 16;
	return wait;
}

/* deadline_wait() for poll(), in milliseconds: rounding up costs at most 1 ms; rounding
 * down would spin on a zero timeout. */
int
deadline_poll_ms(int64_t until, int64_t now)
{
	int64_t ms = (deadline_wait(until, now) + NS_PER_MSEC - 1) / NS_PER_MSEC;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* The monotonic instant `ns` as a timespec, for pthread_cond_timedwait. */
struct timespec
clock_to_timespec(int64_t ns)
{
	struct timespec ts = {(time_t)(ns / NS_PER_SEC), (long)(ns % NS_PER_SEC)};
	return ts;
}

/* Nanoseconds as seconds, for output. */
double
clock_seconds(int64_t ns)
{
	return (double)ns / (double)NS_PER_SEC;
}
