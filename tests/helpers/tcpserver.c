/* SPDX-License-Identifier: ISC */
/*
 * tcpserver - a tiny TCP fixture for the check_tcpport test suite.
 *
 * Usage: tcpserver MODE [-a ADDR] [-p PORT] [-u PATH] [-f PORTFILE]
 *                       [-l LIFETIME] [-T TEXT] [-U TEXT] [-w SECONDS]
 *                       [-o FILE] [-P FILE] [-b BACKLOG]
 *
 * It binds one TCP socket to ADDR:PORT (or, with -u, one Unix stream
 * socket to PATH, removing a stale socket there first; ADDR and PORT are
 * then ignored) and then behaves according to MODE:
 *
 *   accept        listen and accept connections, closing each one at once;
 *   close         the same as accept;
 *   accept-reset  listen, accept connections and reset each one at once
 *                 (an abortive close, SO_LINGER 0), as a proxy that rejects
 *                 a client does: the handshake completes, then a reset comes;
 *   bound         bind but never listen, so connection attempts are refused;
 *   full          listen with a backlog of 0 and fill the accept queue with
 *                 its own client connections, so that further SYNs are
 *                 dropped and connection attempts by others time out.
 *
 * The other modes serve any number of connections at once, all in this one
 * process (a poll loop), so that no client holds up another and nothing is
 * left behind when the process ends.  "Keep open" means: read (and record)
 * whatever the client sends until it closes the connection.
 *
 *   banner        send TEXT, keep open;
 *   banner-close  send TEXT, then close normally (a FIN, so the client
 *                 reads TEXT and then end of file), recording until the
 *                 client closes too;
 *   delayed       wait SECONDS, send TEXT, keep open;
 *   silent        never send, keep open;
 *   reset         send TEXT, wait 50 ms, then reset the connection, so the
 *                 client reads TEXT and then gets ECONNRESET (on a Unix
 *                 socket only when data from the client was left unread,
 *                 otherwise it reads end of file);
 *   flood         send TEXT (or "x" when empty) over and over, 256 MiB in
 *                 all, as fast as the client reads, then keep open;
 *   trickle       send TEXT one byte at a time, SECONDS between bytes, then
 *                 keep open;
 *   split         send TEXT, wait SECONDS, send the second TEXT, keep open;
 *   reply         read until the bytes received contain the second TEXT
 *                 (when that is empty: until at least one byte came), then
 *                 send TEXT, keep open;
 *   echo          send back every byte received, until the client closes.
 *
 * -T gives TEXT and -U the second TEXT (both empty by default), with the
 * escapes \r \n \t \\ \0 and \xNN (two hex digits) for any byte.  -w gives
 * SECONDS, a decimal fraction (default 0).  With -o, every byte received
 * from any client is appended to FILE as soon as it has been read.  With -P,
 * the modes that keep a connection open append a line "ADDRESS PORT" for the
 * peer of each connection to FILE when they accept it (what the kernel saw,
 * for checking what a client says about its own address).  A broken
 * connection (EPIPE, ECONNRESET) is closed quietly; the others go on.
 * -b gives the listen backlog of the modes that listen (default 128; full
 * always uses 0), so that a burst of clients overflows the accept queue.
 *
 * Once the socket is ready, the bound port number (0 for a Unix socket) is
 * written to PORTFILE (atomically, through PORTFILE.tmp and rename) or to
 * standard output.  The process always exits by itself after LIFETIME
 * seconds (default 120) with status 0, so that it can never linger after a
 * test run.  Bad usage or a socket that cannot be set up make it exit with
 * status 2.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXIT_SETUP		2
#define DEFAULT_ADDR		"127.0.0.1"
#define DEFAULT_LIFETIME	120
#define MAX_LIFETIME		86400
#define ACCEPT_BACKLOG		128
#define FILL_MAX_CLIENTS	16
#define FILL_PROBE_MS		250
#define SHORTAGE_PAUSE_MS	100
#define RESET_PAUSE_MS		50
#define IO_CHUNK		16384
#define FLOOD_CHUNK		65536
#define FLOOD_TOTAL		((unsigned long)256 << 20)
#define PLAN_STEPS		4

enum mode {
	MODE_ACCEPT,
	MODE_ACCEPT_RESET,
	MODE_BOUND,
	MODE_FULL,
	MODE_SERVE
};

/* One step of the plan by which a MODE_SERVE mode serves a connection. */
enum step {
	ST_TEXT,	/* send -T */
	ST_TEXT2,	/* send -U */
	ST_WAIT,	/* wait -w seconds */
	ST_PAUSE,	/* wait RESET_PAUSE_MS */
	ST_TRICKLE,	/* send -T a byte at a time, -w seconds apart */
	ST_FLOOD,	/* send FLOOD_TOTAL bytes */
	ST_REQUEST,	/* read until -U has come */
	ST_SHUTDOWN,	/* send a FIN */
	ST_RESET,	/* reset the connection; ends it */
	ST_ECHO,	/* send back what comes until the client closes; ends it */
	ST_HOLD		/* read until the client closes; ends it */
};

/*
 * The modes by name.  A plan is only used by MODE_SERVE, and ends with one
 * of the steps that end the connection.
 */
static const struct {
	const char *name;
	enum mode mode;
	enum step plan[PLAN_STEPS];
} modes[] = {
	{ "accept", MODE_ACCEPT, { ST_HOLD } },
	{ "close", MODE_ACCEPT, { ST_HOLD } },
	{ "accept-reset", MODE_ACCEPT_RESET, { ST_HOLD } },
	{ "bound", MODE_BOUND, { ST_HOLD } },
	{ "full", MODE_FULL, { ST_HOLD } },
	{ "banner", MODE_SERVE, { ST_TEXT, ST_HOLD } },
	{ "banner-close", MODE_SERVE, { ST_TEXT, ST_SHUTDOWN, ST_HOLD } },
	{ "delayed", MODE_SERVE, { ST_WAIT, ST_TEXT, ST_HOLD } },
	{ "silent", MODE_SERVE, { ST_HOLD } },
	{ "reset", MODE_SERVE, { ST_TEXT, ST_PAUSE, ST_RESET } },
	{ "flood", MODE_SERVE, { ST_FLOOD, ST_HOLD } },
	{ "trickle", MODE_SERVE, { ST_TRICKLE, ST_HOLD } },
	{ "split", MODE_SERVE, { ST_TEXT, ST_WAIT, ST_TEXT2, ST_HOLD } },
	{ "reply", MODE_SERVE, { ST_REQUEST, ST_TEXT, ST_HOLD } },
	{ "echo", MODE_SERVE, { ST_ECHO } }
};

/* What became of an attempt to run a step. */
enum progress {
	STEP_DONE,	/* finished: go on with the next step */
	STEP_BLOCKED,	/* waiting for poll events or for a time */
	STEP_END	/* the connection is over: close it */
};

/* A connection served by MODE_SERVE. */
struct conn {
	int fd;
	const enum step *step;	/* the step being run */
	int started;		/* the step has been set up */
	short events;		/* poll events waited for, or 0 */
	int timed;		/* waiting for the time due */
	struct timespec due;	/* when a wait ends */
	const char *out;	/* bytes still to send in this step */
	size_t out_len;
	unsigned long flood_left; /* ST_FLOOD: bytes still to send */
	size_t kept;		/* ST_REQUEST: bytes kept at the start of buf */
	char buf[];		/* IO_CHUNK bytes plus the length of -U */
};

/* A byte string that may contain NUL bytes. */
struct text {
	char *bytes;
	size_t len;
};

/* What the modes need to know, set once by main. */
static struct {
	const enum step *plan;	/* MODE_SERVE: the plan of the mode */
	int tcp;		/* the socket is a TCP one */
	struct text text;	/* -T */
	struct text text2;	/* -U */
	struct timespec wait;	/* -w */
	int record_fd;		/* -o, or -1 */
	int peers_fd;		/* -P, or -1 */
} conf = { NULL, 0, { NULL, 0 }, { NULL, 0 }, { 0, 0 }, -1, -1 };

static const char *progname = "tcpserver";

/*
 * Print a formatted message, prefixed with the program name, and the text
 * of errno when with_errno is set, to stderr; then exit with EXIT_SETUP.
 */
static void __attribute__((noreturn, format(printf, 2, 3)))
fail(int with_errno, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
	exit(EXIT_SETUP);
}

/*
 * Print the usage text to stderr and exit with EXIT_SETUP.
 */
static void __attribute__((noreturn))
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: %s ", progname);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		fprintf(stderr, "%s%s", i == 0 ? "" : "|", modes[i].name);
	fprintf(stderr,
	    "\n       [-a ADDR] [-p PORT] [-u PATH] [-f PORTFILE]"
	    " [-l LIFETIME]\n"
	    "       [-T TEXT] [-U TEXT] [-w SECONDS] [-o FILE] [-P FILE]"
	    " [-b BACKLOG]\n");
	exit(EXIT_SETUP);
}

/*
 * Store the mode called name in *mode and its plan in *plan.  Returns 0 on
 * success, -1 when no mode has that name.
 */
static int
parse_mode(const char *name, enum mode *mode, const enum step **plan)
{
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(name, modes[i].name) == 0) {
			*mode = modes[i].mode;
			*plan = modes[i].plan;
			return 0;
		}
	}
	return -1;
}

/*
 * Parse the decimal number in s into *out.  Returns 0 when s is a whole
 * number between min and max inclusive, -1 otherwise.
 */
static int
parse_number(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Parse the decimal fraction of seconds in s (0 to MAX_LIFETIME) into *out.
 * Returns 0 on success, -1 when s is not such a number.
 */
static int
parse_seconds(const char *s, struct timespec *out)
{
	char *end;
	double v;

	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(v >= 0 && v <= MAX_LIFETIME))
		return -1;
	out->tv_sec = (time_t)v;
	out->tv_nsec = (long)((v - (double)out->tv_sec) * 1e9);
	if (out->tv_nsec > 999999999)
		out->tv_nsec = 999999999;
	return 0;
}

/*
 * Return the value of the hexadecimal digit c, or -1 when c is none.
 */
static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode s, with the escapes \r \n \t \\ \0 and \xNN, into a newly
 * allocated *out.  Exits with EXIT_SETUP on a bad escape or no memory.
 */
static void
parse_text(const char *s, struct text *out)
{
	const char *p;
	char *q;
	int hi, lo;

	if ((out->bytes = malloc(strlen(s) + 1)) == NULL)
		fail(1, "malloc");
	q = out->bytes;
	for (p = s; *p != '\0'; p++) {
		if (*p != '\\') {
			*q++ = *p;
			continue;
		}
		switch (*++p) {
		case 'r':
			*q++ = '\r';
			break;
		case 'n':
			*q++ = '\n';
			break;
		case 't':
			*q++ = '\t';
			break;
		case '\\':
			*q++ = '\\';
			break;
		case '0':
			*q++ = '\0';
			break;
		case 'x':
			if ((hi = hex_digit(p[1])) == -1 ||
			    (lo = hex_digit(p[2])) == -1)
				fail(0, "bad \\x escape in text: %s", s);
			*q++ = (char)(hi << 4 | lo);
			p += 2;
			break;
		default:
			fail(0, "bad escape in text: %s", s);
		}
	}
	out->len = (size_t)(q - out->bytes);
}

/*
 * Fill *ss and *len with the IPv4 or IPv6 literal addr and the given port.
 * Returns 0 on success, -1 when addr is not a numeric address.
 */
static int
make_sockaddr(const char *addr, unsigned short port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/*
 * Fill *ss and *len with the Unix socket address path, and remove a stale
 * socket at path.  Exits with EXIT_SETUP when path is too long or names
 * something other than a socket.
 */
static void
make_unix_sockaddr(const char *path, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;
	struct stat st;

	memset(ss, 0, sizeof(*ss));
	if (*path == '\0' || strlen(path) >= sizeof(sun->sun_path))
		fail(0, "bad Unix socket path: %s", path);
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	*len = sizeof(*sun);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fail(0, "%s exists and is not a socket", path);
		if (unlink(path) == -1)
			fail(1, "unlink %s", path);
	} else if (errno != ENOENT) {
		fail(1, "%s", path);
	}
}

/*
 * Return the port number stored in the IPv4 or IPv6 address ss, or 0 for
 * a Unix socket address.
 */
static unsigned short
sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_UNIX)
		return 0;
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/*
 * Create a stream socket bound to the address ss (named addr in messages)
 * with SO_REUSEADDR set (and IPV6_V6ONLY for IPv6).  Exits with EXIT_SETUP
 * on any failure; otherwise returns the socket and stores the address
 * actually bound in *ss.
 */
static int
bind_socket(const char *addr, struct sockaddr_storage *ss, socklen_t len)
{
	int fd, on = 1;

	if ((fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fail(1, "socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		fail(1, "setsockopt SO_REUSEADDR");
	if (ss->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		fail(1, "setsockopt IPV6_V6ONLY");
	if (bind(fd, (struct sockaddr *)ss, len) == -1) {
		if (ss->ss_family == AF_UNIX)
			fail(1, "bind %s", addr);
		fail(1, "bind %s port %u", addr, sockaddr_port(ss));
	}
	if (getsockname(fd, (struct sockaddr *)ss, &len) == -1)
		fail(1, "getsockname");
	return fd;
}

/*
 * Publish port: write it and a newline to path.tmp and rename that to path,
 * so that readers never see a partial file; with path NULL, print it to
 * standard output instead.  Exits with EXIT_SETUP on failure.
 */
static void
publish_port(const char *path, unsigned short port)
{
	char tmp[PATH_MAX], line[16];
	struct stat st;
	int fd, n;

	n = snprintf(line, sizeof(line), "%u\n", port);
	if (path == NULL) {
		fputs(line, stdout);
		if (fflush(stdout) == EOF)
			fail(1, "stdout");
		return;
	}
	/* the rename would replace whatever is there: -f /dev/null once made /dev/null a
	 * regular file for the whole machine */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		fail(0, "port file %s exists and is not a regular file", path);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		fail(0, "port file name too long");
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		fail(1, "%s", tmp);
	if (write(fd, line, (size_t)n) != n || close(fd) == -1)
		fail(1, "%s", tmp);
	if (rename(tmp, path) == -1)
		fail(1, "rename %s", path);
}

/*
 * Turn the wildcard address in ss into the loopback address of the same
 * family, so that the server can connect to itself (a Unix socket address
 * is left alone).
 */
static void
wildcard_to_loopback(struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET) {
		if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr)) {
		sin6->sin6_addr = in6addr_loopback;
	}
}

/*
 * Start a non-blocking connection to ss and wait up to ms milliseconds for
 * it to complete.  Returns the connected socket, or -1 when the attempt is
 * still pending or failed (the attempt is then abandoned).
 */
static int
probe_connect(const struct sockaddr_storage *ss, socklen_t len, int ms)
{
	struct pollfd pfd;
	socklen_t elen = sizeof(int);
	int fd, err = 0;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		fail(1, "socket");
	if (connect(fd, (const struct sockaddr *)ss, len) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	pfd.revents = 0;
	while (poll(&pfd, 1, ms) == -1) {
		if (errno != EINTR)
			fail(1, "poll");
	}
	if ((pfd.revents & (POLLOUT | POLLERR | POLLHUP)) != 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 &&
	    err == 0)
		return fd;
	close(fd);
	return -1;
}

/*
 * Fill the accept queue of the listening socket bound to ss by connecting
 * to it until a connection attempt no longer completes.  The connected
 * client sockets are deliberately kept open until the process exits.
 * Exits with EXIT_SETUP when the queue cannot be filled.
 */
static void
fill_accept_queue(struct sockaddr_storage ss, socklen_t len)
{
	int i;

	wildcard_to_loopback(&ss);
	for (i = 0; i < FILL_MAX_CLIENTS; i++) {
		if (probe_connect(&ss, len, FILL_PROBE_MS) == -1) {
			if (i == 0)
				fail(0, "cannot connect to own port %u",
				    sockaddr_port(&ss));
			return;
		}
	}
	fail(0, "accept queue still not full after %d connections",
	    FILL_MAX_CLIENTS);
}

/*
 * Accept connections on the listening socket fd and close each of them at
 * once, forever: normally, or with a reset when abort is set.
 */
static void __attribute__((noreturn))
serve_accept(int fd, int abort)
{
	static const struct linger abort_close = { 1, 0 };
	int c;

	for (;;) {
		if ((c = accept(fd, NULL, NULL)) != -1) {
			if (abort)
				(void)setsockopt(c, SOL_SOCKET, SO_LINGER,
				    &abort_close, sizeof(abort_close));
			close(c);
		}
		else if (errno == EMFILE || errno == ENFILE ||
		    errno == ENOBUFS || errno == ENOMEM)
			poll(NULL, 0, SHORTAGE_PAUSE_MS);
	}
}

/*
 * Store the current monotonic time in *now.
 */
static void
clock_now(struct timespec *now)
{
	if (clock_gettime(CLOCK_MONOTONIC, now) == -1)
		fail(1, "clock_gettime");
}

/*
 * Return the time a plus the span b.
 */
static struct timespec
ts_add(struct timespec a, struct timespec b)
{
	a.tv_sec += b.tv_sec;
	a.tv_nsec += b.tv_nsec;
	if (a.tv_nsec >= 1000000000L) {
		a.tv_sec++;
		a.tv_nsec -= 1000000000L;
	}
	return a;
}

/*
 * Return 1 when the time a is earlier than the time b, 0 otherwise.
 */
static int
ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * Return the poll timeout, in milliseconds rounded up, from now until due,
 * or 0 when due has passed.
 */
static int
ms_until(const struct timespec *due, const struct timespec *now)
{
	long long ms;

	if (!ts_before(now, due))
		return 0;
	ms = (long long)(due->tv_sec - now->tv_sec) * 1000 +
	    (due->tv_nsec - now->tv_nsec + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/*
 * Append the n bytes at buf to the -o file, if there is one.  A failure is
 * reported on stderr but does not end the connection.
 */
static void
record(const char *buf, size_t n)
{
	ssize_t w;

	while (conf.record_fd != -1 && n > 0) {
		if ((w = write(conf.record_fd, buf, n)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: write to -o file: %s\n", progname,
			    strerror(errno));
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

/*
 * Return the flood pattern, the text -T (or "x" when it is empty) repeated
 * to fill about FLOOD_CHUNK bytes, and store its length in *size.  Built on
 * first use; exits with EXIT_SETUP when out of memory.
 */
static const char *
flood_pattern(size_t *size)
{
	static char *buf;
	static size_t len;
	const char *pat = conf.text.len > 0 ? conf.text.bytes : "x";
	size_t plen = conf.text.len > 0 ? conf.text.len : 1, i;

	if (buf == NULL) {
		len = plen < FLOOD_CHUNK ? FLOOD_CHUNK / plen * plen : plen;
		if ((buf = malloc(len)) == NULL)
			fail(1, "malloc");
		for (i = 0; i < len; i += plen)
			memcpy(buf + i, pat, plen);
	}
	*size = len;
	return buf;
}

/*
 * Make one attempt to send up to len bytes at buf on k and store in *sent
 * how many went.  Returns STEP_DONE when some did, STEP_BLOCKED (waiting
 * for POLLOUT) when none could, STEP_END when the connection broke.
 */
static enum progress
transmit(struct conn *k, const char *buf, size_t len, size_t *sent)
{
	ssize_t n;

	while ((n = send(k->fd, buf, len, MSG_NOSIGNAL)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			k->events = POLLOUT;
			return STEP_BLOCKED;
		}
		if (errno != EINTR)
			return STEP_END;
	}
	*sent = (size_t)n;
	return STEP_DONE;
}

/*
 * Send the k->out_len bytes at k->out on k, advancing k->out.  Returns
 * STEP_DONE when all have gone, else like transmit.
 */
static enum progress
send_out(struct conn *k)
{
	enum progress p;
	size_t sent;

	while (k->out_len > 0) {
		if ((p = transmit(k, k->out, k->out_len, &sent)) != STEP_DONE)
			return p;
		k->out += sent;
		k->out_len -= sent;
	}
	return STEP_DONE;
}

/*
 * Make one attempt to read up to size bytes from k into buf, record them
 * and store in *got how many came.  Returns STEP_DONE when some came,
 * STEP_BLOCKED (waiting for POLLIN) when none were there, STEP_END at end
 * of file or when the connection broke.
 */
static enum progress
receive(struct conn *k, char *buf, size_t size, size_t *got)
{
	ssize_t n;

	while ((n = read(k->fd, buf, size)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			k->events = POLLIN;
			return STEP_BLOCKED;
		}
		if (errno != EINTR)
			return STEP_END;
	}
	if (n == 0)
		return STEP_END;
	record(buf, (size_t)n);
	*got = (size_t)n;
	return STEP_DONE;
}

/*
 * Returns STEP_DONE when the time k->due has come, otherwise STEP_BLOCKED
 * (waiting for that time).
 */
static enum progress
wait_due(struct conn *k, const struct timespec *now)
{
	if (!ts_before(now, &k->due))
		return STEP_DONE;
	k->timed = 1;
	return STEP_BLOCKED;
}

/*
 * Set up the current step of k at the time now.
 */
static void
start_step(struct conn *k, const struct timespec *now)
{
	const struct timespec pause = { 0, RESET_PAUSE_MS * 1000000L };

	switch (*k->step) {
	case ST_TEXT:
	case ST_TRICKLE:
		k->out = conf.text.bytes;
		k->out_len = conf.text.len;
		k->due = *now;
		break;
	case ST_TEXT2:
		k->out = conf.text2.bytes;
		k->out_len = conf.text2.len;
		break;
	case ST_WAIT:
		k->due = ts_add(*now, conf.wait);
		break;
	case ST_PAUSE:
		k->due = ts_add(*now, pause);
		break;
	case ST_FLOOD:
		k->flood_left = FLOOD_TOTAL;
		break;
	case ST_REQUEST:
		k->kept = 0;
		break;
	case ST_ECHO:
		k->out_len = 0;
		break;
	default:
		break;
	}
}

/*
 * Make as much progress on the current step of k as possible without
 * blocking, at the time now.  The steps that read or flood do one read or
 * send at a time and then yield, so that no client can starve the others.
 */
static enum progress
run_step(struct conn *k, const struct timespec *now)
{
	const struct linger abort_close = { 1, 0 };
	const struct text *u = &conf.text2;
	enum progress p;
	const char *pat;
	size_t n, size;

	switch (*k->step) {
	case ST_TEXT:
	case ST_TEXT2:
		return send_out(k);
	case ST_WAIT:
	case ST_PAUSE:
		return wait_due(k, now);
	case ST_TRICKLE:
		while (k->out_len > 0) {
			if ((p = wait_due(k, now)) != STEP_DONE ||
			    (p = transmit(k, k->out, 1, &n)) != STEP_DONE)
				return p;
			k->out++;
			k->out_len--;
			k->due = ts_add(*now, conf.wait);
		}
		return STEP_DONE;
	case ST_FLOOD:
		if (k->flood_left == 0)
			return STEP_DONE;
		pat = flood_pattern(&size);
		pat += (FLOOD_TOTAL - k->flood_left) % size;
		size -= (FLOOD_TOTAL - k->flood_left) % size;
		if ((p = transmit(k, pat, k->flood_left < size ?
		    (size_t)k->flood_left : size, &n)) != STEP_DONE)
			return p;
		k->flood_left -= n;
		k->events = POLLOUT;
		return STEP_BLOCKED;
	case ST_REQUEST:
		if ((p = receive(k, k->buf + k->kept, IO_CHUNK, &n)) !=
		    STEP_DONE)
			return p;
		n += k->kept;
		if (u->len == 0 || memmem(k->buf, n, u->bytes, u->len) != NULL)
			return STEP_DONE;
		k->kept = n < u->len ? n : u->len - 1;
		memmove(k->buf, k->buf + n - k->kept, k->kept);
		k->events = POLLIN;
		return STEP_BLOCKED;
	case ST_SHUTDOWN:
		return shutdown(k->fd, SHUT_WR) == 0 ? STEP_DONE : STEP_END;
	case ST_RESET:
		(void)setsockopt(k->fd, SOL_SOCKET, SO_LINGER, &abort_close,
		    sizeof(abort_close));
		return STEP_END;
	case ST_ECHO:
		if (k->out_len == 0) {
			if ((p = receive(k, k->buf, IO_CHUNK, &n)) != STEP_DONE)
				return p;
			k->out = k->buf;
			k->out_len = n;
		}
		if ((p = send_out(k)) != STEP_DONE)
			return p;
		k->events = POLLIN;
		return STEP_BLOCKED;
	case ST_HOLD:
		if ((p = receive(k, k->buf, IO_CHUNK, &n)) != STEP_DONE)
			return p;
		k->events = POLLIN;
		return STEP_BLOCKED;
	}
	return STEP_END;
}

/*
 * Run the steps of k until one blocks.  Returns 0 when k is waiting (for
 * k->events or, with k->timed, for k->due), -1 when it has ended.
 */
static int
advance(struct conn *k)
{
	struct timespec now;
	enum progress p;

	for (;;) {
		clock_now(&now);
		if (!k->started) {
			start_step(k, &now);
			k->started = 1;
		}
		k->events = 0;
		k->timed = 0;
		if ((p = run_step(k, &now)) == STEP_BLOCKED)
			return 0;
		if (p == STEP_END)
			return -1;
		k->step++;
		k->started = 0;
	}
}

/*
 * With -P, append "ADDRESS PORT" of the peer of the accepted connection fd
 * to the peers file, in one write (nothing for a Unix socket).
 */
static void
record_peer(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN], line[INET6_ADDRSTRLEN + 8];
	const void *in;
	int n;

	if (conf.peers_fd == -1 ||
	    getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return;
	if (ss.ss_family == AF_INET)
		in = &((struct sockaddr_in *)&ss)->sin_addr;
	else if (ss.ss_family == AF_INET6)
		in = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	else
		return;
	if (inet_ntop(ss.ss_family, in, addr, sizeof(addr)) == NULL)
		return;
	n = snprintf(line, sizeof(line), "%s %u\n", addr,
	    (unsigned)sockaddr_port(&ss));
	if (n > 0 && (size_t)n < sizeof(line) &&
	    write(conf.peers_fd, line, (size_t)n) == -1)
		fail(1, "write peers file");
}

/*
 * Start serving the accepted connection fd: add it to the table *conns of
 * *n entries (and *pfds, one entry longer), growing both as needed, and
 * run its first steps.  On failure (no memory) the connection is closed.
 */
static void
add_conn(int fd, struct conn ***conns, struct pollfd **pfds, size_t *n,
    size_t *cap)
{
	const int on = 1;
	struct conn **nc;
	struct pollfd *np;
	struct conn *k;
	size_t ncap;

	if (conf.tcp)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
	record_peer(fd);
	if (*n == *cap) {
		ncap = *cap == 0 ? 16 : *cap * 2;
		if ((nc = realloc(*conns, ncap * sizeof(*nc))) == NULL) {
			close(fd);
			return;
		}
		*conns = nc;
		if ((np = realloc(*pfds, (ncap + 1) * sizeof(*np))) == NULL) {
			close(fd);
			return;
		}
		*pfds = np;
		*cap = ncap;
	}
	if ((k = calloc(1, sizeof(*k) + IO_CHUNK + conf.text2.len)) == NULL) {
		close(fd);
		return;
	}
	k->fd = fd;
	k->step = conf.plan;
	if (advance(k) == -1) {
		close(fd);
		free(k);
		return;
	}
	(*conns)[(*n)++] = k;
}

/*
 * Serve the connections accepted on the listening socket lfd by the plan
 * of the mode, all of them in this one process, forever.
 */
static void __attribute__((noreturn))
serve(int lfd)
{
	struct timespec now, resume = { 0, 0 };
	const struct timespec shortage = { 0, SHORTAGE_PAUSE_MS * 1000000L };
	struct conn **conns = NULL, *k;
	struct pollfd *pfds;
	size_t n = 0, cap = 0, i;
	int timeout, t, fd;

	if ((pfds = malloc(sizeof(*pfds))) == NULL)
		fail(1, "malloc");
	for (;;) {
		clock_now(&now);
		timeout = -1;
		pfds[0].fd = lfd;
		pfds[0].events = POLLIN;
		if (ts_before(&now, &resume)) {
			pfds[0].fd = -1;
			timeout = ms_until(&resume, &now);
		}
		for (i = 0; i < n; i++) {
			k = conns[i];
			pfds[i + 1].fd = k->events != 0 ? k->fd : -1;
			pfds[i + 1].events = k->events;
			pfds[i + 1].revents = 0;
			if (k->timed && ((t = ms_until(&k->due, &now)) <
			    timeout || timeout == -1))
				timeout = t;
		}
		if (poll(pfds, n + 1, timeout) == -1) {
			if (errno != EINTR)
				fail(1, "poll");
			continue;
		}
		clock_now(&now);
		for (i = n; i-- > 0;) {
			k = conns[i];
			if (pfds[i + 1].revents == 0 &&
			    !(k->timed && !ts_before(&now, &k->due)))
				continue;
			if (advance(k) == -1) {
				close(k->fd);
				free(k);
				conns[i] = conns[--n];
			}
		}
		if ((pfds[0].revents & POLLIN) == 0)
			continue;
		while ((fd = accept4(lfd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1)
			add_conn(fd, &conns, &pfds, &n, &cap);
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			resume = ts_add(now, shortage);
	}
}

/*
 * Do nothing until the lifetime alarm ends the process.
 */
static void __attribute__((noreturn))
idle(void)
{
	for (;;)
		pause();
}

/*
 * SIGALRM handler: the lifetime is over, exit successfully.
 */
static void
lifetime_over(int sig)
{
	(void)sig;
	_exit(0);
}

/*
 * Arrange for the process to exit with status 0 after seconds seconds.
 */
static void
set_lifetime(unsigned int seconds)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = lifetime_over;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == -1)
		fail(1, "sigaction");
	alarm(seconds);
}

/*
 * Parse MODE and the options, set the lifetime alarm, bind the socket and
 * run the mode; only returns (with EXIT_SETUP) if a mode were to return.
 */
int
main(int argc, char *argv[])
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *addr = DEFAULT_ADDR, *portfile = NULL, *path = NULL;
	const char *recfile = NULL, *peerfile = NULL;
	long port = 0, lifetime = DEFAULT_LIFETIME, backlog = ACCEPT_BACKLOG;
	enum mode mode;
	int ch, fd;

	if (argc < 2 || parse_mode(argv[1], &mode, &conf.plan) == -1)
		usage();

	opterr = 0;
	while ((ch = getopt(argc - 1, argv + 1, "a:b:f:l:o:P:p:T:U:u:w:")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'b':
			if (parse_number(optarg, 0, 65535, &backlog) == -1)
				fail(0, "bad backlog: %s", optarg);
			break;
		case 'f':
			portfile = optarg;
			break;
		case 'l':
			if (parse_number(optarg, 1, MAX_LIFETIME,
			    &lifetime) == -1)
				fail(0, "bad lifetime: %s", optarg);
			break;
		case 'o':
			recfile = optarg;
			break;
		case 'P':
			peerfile = optarg;
			break;
		case 'p':
			if (parse_number(optarg, 0, 65535, &port) == -1)
				fail(0, "bad port: %s", optarg);
			break;
		case 'T':
			free(conf.text.bytes);
			parse_text(optarg, &conf.text);
			break;
		case 'U':
			free(conf.text2.bytes);
			parse_text(optarg, &conf.text2);
			break;
		case 'u':
			path = optarg;
			break;
		case 'w':
			if (parse_seconds(optarg, &conf.wait) == -1)
				fail(0, "bad seconds: %s", optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	if (path != NULL) {
		addr = path;
		make_unix_sockaddr(path, &ss, &len);
	} else if (make_sockaddr(addr, (unsigned short)port, &ss, &len) == -1) {
		fail(0, "not a numeric IPv4 or IPv6 address: %s", addr);
	} else {
		conf.tcp = 1;
	}
	if (recfile != NULL && (conf.record_fd = open(recfile,
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) == -1)
		fail(1, "%s", recfile);
	if (peerfile != NULL && (conf.peers_fd = open(peerfile,
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) == -1)
		fail(1, "%s", peerfile);

	set_lifetime((unsigned int)lifetime);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fail(1, "signal");
	fd = bind_socket(addr, &ss, len);

	switch (mode) {
	case MODE_ACCEPT:
	case MODE_ACCEPT_RESET:
		if (listen(fd, (int)backlog) == -1)
			fail(1, "listen");
		publish_port(portfile, sockaddr_port(&ss));
		serve_accept(fd, mode == MODE_ACCEPT_RESET);
	case MODE_BOUND:
		publish_port(portfile, sockaddr_port(&ss));
		idle();
	case MODE_FULL:
		if (listen(fd, 0) == -1)
			fail(1, "listen");
		fill_accept_queue(ss, len);
		publish_port(portfile, sockaddr_port(&ss));
		idle();
	case MODE_SERVE:
		if (listen(fd, (int)backlog) == -1)
			fail(1, "listen");
		if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
			fail(1, "fcntl O_NONBLOCK");
		publish_port(portfile, sockaddr_port(&ss));
		serve(fd);
	}
	return EXIT_SETUP;
}
