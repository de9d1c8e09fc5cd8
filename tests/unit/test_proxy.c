/* SPDX-License-Identifier: ISC */
/* plugin/proxy.c: the PROXY protocol header for given endpoints (versions 1 and 2, IPv4,
 * IPv6, IPv4-mapped, a Unix socket), the longest version 1 line, and the errors of
 * proxy_header() on a socket that has no peer. */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <errno.h>
#include <string.h>

#include "plugin/proxy.h"
#include "tap.h"

#define SIG "\r\n\r\n\0\r\nQUIT\n"

struct endpoints {
	const char *src, *dst; /* address literals, or NULL for a Unix socket */
	unsigned sport, dport;
};

static const struct {
	const char *name;
	enum proxy_version version;
	struct endpoints ep;
	const char *bytes;
	size_t len;
} cases[] = {
#define B(lit) lit, sizeof(lit) - 1
	{"v1 IPv4", PROXY_V1, {"192.0.2.7", "192.0.2.10", 40312, 80},
	 B("PROXY TCP4 192.0.2.7 192.0.2.10 40312 80\r\n")},
	{"v1 IPv6, canonical text", PROXY_V1, {"2001:DB8:0:0::7", "2001:db8::a", 1, 65535},
	 B("PROXY TCP6 2001:db8::7 2001:db8::a 1 65535\r\n")},
	{"v1 IPv4-mapped is TCP4", PROXY_V1, {"::ffff:127.0.0.1", "::ffff:127.0.0.2", 5, 6},
	 B("PROXY TCP4 127.0.0.1 127.0.0.2 5 6\r\n")},
	{"v1 the longest line (104 bytes)", PROXY_V1,
	 {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	  65535, 65534},
	 B("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe "
	   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65534\r\n")},
	{"v1 a Unix socket is UNKNOWN", PROXY_V1, {NULL, NULL, 0, 0}, B("PROXY UNKNOWN\r\n")},
	{"v2 IPv4", PROXY_V2, {"192.0.2.7", "192.0.2.10", 40312, 80},
	 B(SIG "\x21\x11\x00\x0c"
	       "\xc0\x00\x02\x07\xc0\x00\x02\x0a\x9d\x78\x00\x50")},
	{"v2 IPv6", PROXY_V2, {"2001:db8::7", "::1", 258, 443},
	 B(SIG "\x21\x21\x00\x24"
	       "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07"
	       "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"
	       "\x01\x02\x01\xbb")},
	{"v2 IPv4-mapped is TCP over IPv4", PROXY_V2, {"::ffff:10.0.0.1", "::ffff:10.0.0.2", 1, 2},
	 B(SIG "\x21\x11\x00\x0c"
	       "\x0a\x00\x00\x01\x0a\x00\x00\x02\x00\x01\x00\x02")},
	{"v2 a Unix socket is LOCAL, no addresses", PROXY_V2, {NULL, NULL, 0, 0},
	 B(SIG "\x20\x00\x00\x00")},
#undef B
};

/* Fills `ss` with the address literal `text` (IPv4 or IPv6) and `port`, or with an
 * unnamed Unix socket address when `text` is NULL. */
static void
endpoint(struct sockaddr_storage *ss, const char *text, unsigned port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;

	memset(ss, 0, sizeof *ss);
	if (text == NULL) {
		ss->ss_family = AF_UNIX;
	} else if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
	} else {
		inet_pton(AF_INET6, text, &in6->sin6_addr);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
	}
}

int
main(void)
{
	plan((int)TAP_COUNT(cases) + 3);
	for (size_t i = 0; i < TAP_COUNT(cases); i++) {
		struct sockaddr_storage src, dst;
		unsigned char buf[PROXY_HEADER_MAX];
		char got[4 * PROXY_HEADER_MAX + 1], want[4 * PROXY_HEADER_MAX + 1];

		endpoint(&src, cases[i].ep.src, cases[i].ep.sport);
		endpoint(&dst, cases[i].ep.dst, cases[i].ep.dport);
		memset(buf, 0xee, sizeof buf);
		size_t len = proxy_header_for(cases[i].version, &src, &dst, buf);
		if (!ok(len == cases[i].len && memcmp(buf, cases[i].bytes, len) == 0, "%s",
			cases[i].name)) {
			diag("got  %zu: %s", len, tap_quote(got, sizeof got, (char *)buf, len));
			diag("want %zu: %s", cases[i].len,
			     tap_quote(want, sizeof want, cases[i].bytes, cases[i].len));
		}
	}

	/* a real Unix socket pair: no addresses, the header says so */
	int pair[2];
	unsigned char buf[PROXY_HEADER_MAX];
	size_t len = 99;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0) {
		int err = proxy_header(PROXY_V1, pair[0], buf, &len);
		ok(err == 0 && len == 15 && memcmp(buf, "PROXY UNKNOWN\r\n", 15) == 0,
		   "proxy_header on a Unix socket pair: PROXY UNKNOWN");
		close(pair[0]);
		close(pair[1]);
	} else {
		skip("no socketpair() here");
	}
	/* a TCP socket without a peer (what a reset leaves): a reset, no header */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0) {
		int err = proxy_header(PROXY_V2, fd, buf, &len);
		ok(err == ECONNRESET && len == 0, "a socket without a peer: ECONNRESET, no header");
		close(fd);
	} else {
		skip("no TCP socket here");
	}
	ok(proxy_header(PROXY_NONE, -1, buf, &len) == 0 && len == 0,
	   "no version: no header, the socket untouched");
	return done();
}
