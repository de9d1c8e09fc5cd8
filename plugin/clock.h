/* SPDX-License-Identifier: ISC */
/* Monotonic time in nanoseconds and the one deadline of a run. */
#ifndef CHECK_TCPPORT_CLOCK_H
#define CHECK_TCPPORT_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_SEC  INT64_C(1000000000)
#define NS_PER_MSEC INT64_C(1000000)

struct deadline {
	int64_t start; /* when the run began */
	int64_t end;   /* when it must have answered */
};

int64_t clock_now(void);
struct deadline deadline_make(int64_t start, int64_t budget);
int64_t deadline_left(const struct deadline *dl, int64_t now);
int64_t deadline_wait(int64_t until, int64_t now);
int deadline_poll_ms(int64_t until, int64_t now);
struct timespec clock_to_timespec(int64_t ns);
double clock_seconds(int64_t ns);

#endif
