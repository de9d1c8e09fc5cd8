/*
 * tcpserver - a tiny TCP fixture for the check_tcpport test suite.
 *
 * Usage: tcpserver MODE [-a ADDR] [-p PORT] [-f PORTFILE] [-l LIFETIME]
 *
 * It binds one TCP socket to ADDR:PORT and then behaves according to MODE:
 *
 *   accept  listen and accept connections, closing each one at once;
 *   bound   bind but never listen, so connection attempts are refused;
 *   full    listen with a backlog of 0 and fill the accept queue with
 *           its own client connections, so that further SYNs are dropped
 *           and connection attempts by others time out.
 *
 * Once the socket is ready, the bound port number is written to PORTFILE
 * (atomically, through PORTFILE.tmp and rename) or to standard output.
 * The process always exits by itself after LIFETIME seconds (default 120)
 * with status 0, so that it can never linger after a test run.  Bad usage
 * or a socket that cannot be set up make it exit with status 2.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
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
#include <unistd.h>

#define EXIT_SETUP		2
#define DEFAULT_ADDR		"127.0.0.1"
#define DEFAULT_LIFETIME	120
#define MAX_LIFETIME		86400
#define ACCEPT_BACKLOG		128
#define FILL_MAX_CLIENTS	16
#define FILL_PROBE_MS		250

enum mode {
	MODE_ACCEPT,
	MODE_BOUND,
	MODE_FULL
};

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
	fprintf(stderr,
	    "usage: %s accept|bound|full [-a ADDR] [-p PORT] [-f PORTFILE]"
	    " [-l LIFETIME]\n", progname);
	exit(EXIT_SETUP);
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
 * Return the port number stored in the IPv4 or IPv6 address ss.
 */
static unsigned short
sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/*
 * Create a TCP socket bound to the address ss with SO_REUSEADDR set (and
 * IPV6_V6ONLY for IPv6).  Exits with EXIT_SETUP on any failure; otherwise
 * returns the socket and stores the address actually bound in *ss.
 */
static int
bind_socket(const char *addr, struct sockaddr_storage *ss, socklen_t len)
{
	int fd, on = 1;

	if ((fd = socket(ss->ss_family, SOCK_STREAM, 0)) == -1)
		fail(1, "socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		fail(1, "setsockopt SO_REUSEADDR");
	if (ss->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		fail(1, "setsockopt IPV6_V6ONLY");
	if (bind(fd, (struct sockaddr *)ss, len) == -1)
		fail(1, "bind %s port %u", addr, sockaddr_port(ss));
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
	int fd, n;

	n = snprintf(line, sizeof(line), "%u\n", port);
	if (path == NULL) {
		fputs(line, stdout);
		if (fflush(stdout) == EOF)
			fail(1, "stdout");
		return;
	}
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
 * family, so that the server can connect to itself.
 */
static void
wildcard_to_loopback(struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET) {
		if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr)) {
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
 * once, forever.
 */
static void __attribute__((noreturn))
serve_accept(int fd)
{
	int c;

	for (;;) {
		if ((c = accept(fd, NULL, NULL)) != -1)
			close(c);
		else if (errno == EMFILE || errno == ENFILE ||
		    errno == ENOBUFS || errno == ENOMEM)
			poll(NULL, 0, 100);
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
	const char *addr = DEFAULT_ADDR, *portfile = NULL;
	long port = 0, lifetime = DEFAULT_LIFETIME;
	enum mode mode;
	int ch, fd;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "accept") == 0)
		mode = MODE_ACCEPT;
	else if (strcmp(argv[1], "bound") == 0)
		mode = MODE_BOUND;
	else if (strcmp(argv[1], "full") == 0)
		mode = MODE_FULL;
	else
		usage();

	opterr = 0;
	while ((ch = getopt(argc - 1, argv + 1, "a:f:l:p:")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'f':
			portfile = optarg;
			break;
		case 'l':
			if (parse_number(optarg, 1, MAX_LIFETIME,
			    &lifetime) == -1)
				fail(0, "bad lifetime: %s", optarg);
			break;
		case 'p':
			if (parse_number(optarg, 0, 65535, &port) == -1)
				fail(0, "bad port: %s", optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	if (make_sockaddr(addr, (unsigned short)port, &ss, &len) == -1)
		fail(0, "not a numeric IPv4 or IPv6 address: %s", addr);

	set_lifetime((unsigned int)lifetime);
	fd = bind_socket(addr, &ss, len);

	switch (mode) {
	case MODE_ACCEPT:
		if (listen(fd, ACCEPT_BACKLOG) == -1)
			fail(1, "listen");
		publish_port(portfile, sockaddr_port(&ss));
		serve_accept(fd);
	case MODE_BOUND:
		publish_port(portfile, sockaddr_port(&ss));
		idle();
	case MODE_FULL:
		if (listen(fd, 0) == -1)
			fail(1, "listen");
		fill_accept_queue(ss, len);
		publish_port(portfile, sockaddr_port(&ss));
		idle();
	}
	return EXIT_SETUP;
}
