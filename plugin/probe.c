/* Connect to the attempts of a plan until one connects (the fallback between the addresses
 * of one name), following RFC 8305: the next address starts when the previous one failed,
 * or after PROBE_STAGGER_NS without an answer. Every connect runs concurrently in one poll
 * loop bounded by the run's deadline, so a silent address never gets more than its share,
 * and the loop never sleeps past the deadline. */
#include "config.h"
#include "probe.h"

#include <sys/socket.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <errno.h>
#include <string.h>

#include "resolve.h"

#define PROBE_MAX_FDS RESOLVE_MAX_ADDRESSES

static void attempt_start(struct attempt *a);
static void attempt_finish(struct attempt *a, int err, int64_t now);
static int open_socket(int family);
static int wait_events(struct pollfd *fds, size_t nfds, int64_t until, int64_t now);

/* Prepares an attempt to connect to `addr` (its port already set). */
void
probe_init(struct attempt *attempt, const struct address *addr)
{
	memset(attempt, 0, sizeof *attempt);
	attempt->addr = *addr;
	attempt->fd = -1;
	attempt->status = ATTEMPT_WAITING;
	attempt->outcome = OUTCOME_TIMEOUT;
}

/* Runs the attempts in order until one connects or all have failed or the deadline has
 * passed. Attempts still connecting at the deadline end as OUTCOME_TIMEOUT; those the
 * deadline kept from starting stay ATTEMPT_WAITING. Returns the index of the attempt that
 * connected (its socket left open), or -1. */
long
probe_run(struct attempt *attempts, size_t count, const struct deadline *dl)
{
	struct pollfd fds[PROBE_MAX_FDS];
	size_t idx[PROBE_MAX_FDS];
	size_t next = 0;
	int64_t next_start = 0;
	long winner = -1;

	if (count > PROBE_MAX_FDS)
		count = PROBE_MAX_FDS;
	for (;;) {
		int64_t now = clock_now();
		size_t nfds = 0;

		/* Start the next address when it is due, and at once after a failure. */
		while (next < count && now >= next_start && now < dl->end) {
			struct attempt *a = &attempts[next++];
			attempt_start(a);
			if (a->status == ATTEMPT_DONE && a->outcome == OUTCOME_CONNECTED) {
				winner = (long)(a - attempts);
				goto out;
			}
			if (a->status == ATTEMPT_CONNECTING) {
				next_start = a->started + PROBE_STAGGER_NS;
				break;
			}
		}
		for (size_t i = 0; i < next; i++) {
			if (attempts[i].status != ATTEMPT_CONNECTING)
				continue;
			fds[nfds].fd = attempts[i].fd;
			fds[nfds].events = POLLOUT;
			fds[nfds].revents = 0;
			idx[nfds++] = i;
		}
		if (nfds == 0 && (next == count || now >= dl->end))
			goto out;
		if (now >= dl->end)
			break;

		int64_t wake = next < count && next_start < dl->end ? next_start : dl->end;
		int n = wait_events(fds, nfds, wake, now);
		now = clock_now();
		if (n < 0 && errno != EINTR) {
			int err = errno;
			for (size_t k = 0; k < nfds; k++)
				attempt_finish(&attempts[idx[k]], err, now);
			goto out;
		}
		for (size_t k = 0; n > 0 && k < nfds; k++) {
			if (fds[k].revents == 0)
				continue;
			struct attempt *a = &attempts[idx[k]];
			int err = 0;
			socklen_t len = sizeof err;
			if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
			attempt_finish(a, err, now);
			if (err == 0) {
				winner = (long)idx[k];
				goto out;
			}
			next_start = now; /* a failure starts the next address at once */
		}
		if (now >= dl->end)
			break;
	}
	/* The deadline passed: whatever is still connecting timed out. */
	for (size_t i = 0; i < next; i++) {
		if (attempts[i].status == ATTEMPT_CONNECTING) {
			attempts[i].status = ATTEMPT_DONE;
			attempts[i].outcome = OUTCOME_TIMEOUT;
			attempts[i].finished = clock_now();
			close(attempts[i].fd);
			attempts[i].fd = -1;
		}
	}
out:
	for (size_t i = 0; i < next; i++) {
		if (attempts[i].status == ATTEMPT_CONNECTING) {
			attempts[i].status = ATTEMPT_CANCELLED;
			attempts[i].finished = clock_now();
			close(attempts[i].fd);
			attempts[i].fd = -1;
		}
	}
	return winner;
}

/* Closes every socket still open, the winner's included. */
void
probe_close(struct attempt *attempts, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (attempts[i].fd >= 0) {
			close(attempts[i].fd);
			attempts[i].fd = -1;
		}
	}
}

/* Opens a non-blocking socket and sends the SYN. The attempt is then CONNECTING, or DONE
 * when connect() answered at once (loopback can) or the socket could not be made. */
static void
attempt_start(struct attempt *a)
{
	a->fd = open_socket(a->addr.sa.ss_family);
	if (a->fd < 0) {
		a->started = clock_now();
		attempt_finish(a, errno, a->started);
		return;
	}
	a->started = clock_now();
	if (connect(a->fd, (const struct sockaddr *)&a->addr.sa, a->addr.len) == 0) {
		attempt_finish(a, 0, clock_now());
	} else if (errno == EINPROGRESS || errno == EINTR) {
		a->status = ATTEMPT_CONNECTING;
	} else {
		attempt_finish(a, errno, clock_now());
	}
}

/* Records the outcome of an attempt; a failed one closes its socket (errno kept). */
static void
attempt_finish(struct attempt *a, int err, int64_t now)
{
	a->status = ATTEMPT_DONE;
	a->err = err;
	a->outcome = outcome_from_errno(err);
	a->finished = now;
	if (err != 0 && a->fd >= 0) {
		close(a->fd);
		a->fd = -1;
	}
}

/* A non-blocking, close-on-exec stream socket, or -1 with errno set. */
static int
open_socket(int family)
{
#if HAVE_DECL_SOCK_NONBLOCK && HAVE_DECL_SOCK_CLOEXEC
	return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
#else
	int fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
#endif
}

/* poll() until `until` at the latest; ppoll() where there is one, for a deadline kept to
 * the microsecond rather than the millisecond. */
static int
wait_events(struct pollfd *fds, size_t nfds, int64_t until, int64_t now)
{
#ifdef HAVE_PPOLL
	struct timespec ts = clock_to_timespec(deadline_wait(until, now));
	return ppoll(fds, (nfds_t)nfds, &ts, NULL);
#else
	return poll(fds, (nfds_t)nfds, deadline_poll_ms(until, now));
#endif
}
