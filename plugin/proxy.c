/* SPDX-License-Identifier: ISC */
/* The PROXY protocol header (HAProxy's specification, versions 1 and 2) for a connection
 * the plugin made itself: the source is the socket's own address and port (getsockname),
 * the destination the peer's (getpeername), so that the service logs the plugin's real
 * address, as if a proxy had passed the plugin's connection on.
 *
 * Two cases have no TCP addresses to give. A Unix socket: version 1 says "PROXY
 * UNKNOWN", version 2 sends the LOCAL command without addresses; both tell the receiver
 * to take the connection's own endpoints, which is what a health check is. An
 * IPv4-mapped IPv6 connection (-H ::ffff:192.0.2.1) is IPv4 on the wire, and the service
 * sees it so: it is sent as TCP4 with the IPv4 addresses. */
#include "config.h"
#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Version 2: the signature, then version 2 with the PROXY or the LOCAL command. */
static const unsigned char v2_signature[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                               0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
#define V2_PROXY  0x21
#define V2_LOCAL  0x20
#define V2_TCP4   0x11 /* AF_INET, SOCK_STREAM */
#define V2_TCP6   0x21 /* AF_INET6, SOCK_STREAM */
#define V2_UNSPEC 0x00

static int connection_endpoints(int fd, struct sockaddr_storage *src, struct sockaddr_storage *dst);
static void unmap_v4(struct sockaddr_storage *ss);
static size_t header_v1(const struct sockaddr_storage *src, const struct sockaddr_storage *dst,
                        char *buf);
static size_t header_v2(const struct sockaddr_storage *src, const struct sockaddr_storage *dst,
                        unsigned char *buf);
static size_t put_bytes(unsigned char *buf, size_t at, const void *bytes, size_t len);
static size_t put_port(unsigned char *buf, size_t at, in_port_t port);

/* Writes the header of `version` for the connected socket `fd` into `buf` (room for
 * PROXY_HEADER_MAX bytes) and its length into *len. Returns 0, or the errno of
 * getsockname()/getpeername(); ENOTCONN (the peer reset the connection before the
 * header could be built) is returned as ECONNRESET. */
int
proxy_header(enum proxy_version version, int fd, unsigned char *buf, size_t *len)
{
	struct sockaddr_storage src, dst;
	int err;

	*len = 0;
	if (version == PROXY_NONE)
		return 0;
	err = connection_endpoints(fd, &src, &dst);
	if (err != 0)
		return err == ENOTCONN ? ECONNRESET : err;
	*len = proxy_header_for(version, &src, &dst, buf);
	return 0;
}

/* Writes the header of `version` for a connection from `src` to `dst` into `buf` (room
 * for PROXY_HEADER_MAX bytes). Returns its length. */
size_t
proxy_header_for(enum proxy_version version, const struct sockaddr_storage *src,
                 const struct sockaddr_storage *dst, unsigned char *buf)
{
	struct sockaddr_storage s = *src, d = *dst;

	if (s.ss_family == AF_INET6 && d.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(void *)&s;
		const struct sockaddr_in6 *d6 = (const struct sockaddr_in6 *)(void *)&d;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && IN6_IS_ADDR_V4MAPPED(&d6->sin6_addr)) {
			unmap_v4(&s);
			unmap_v4(&d);
		}
	}
	if (version == PROXY_V1)
		return header_v1(&s, &d, (char *)buf);
	return header_v2(&s, &d, buf);
}

/* "v1" or "v2", for the settings line of -vv. */
const char *
proxy_version_name(enum proxy_version version)
{
	return version == PROXY_V1 ? "v1" : version == PROXY_V2 ? "v2" : "none";
}

/* The socket's own address and its peer's. Returns 0 or an errno value. */
static int
connection_endpoints(int fd, struct sockaddr_storage *src, struct sockaddr_storage *dst)
{
	socklen_t len = sizeof *src;

	memset(src, 0, sizeof *src);
	memset(dst, 0, sizeof *dst);
	if (getsockname(fd, (struct sockaddr *)src, &len) < 0)
		return errno;
	len = sizeof *dst;
	if (getpeername(fd, (struct sockaddr *)dst, &len) < 0)
		return errno;
	return 0;
}

/* Turns an IPv4-mapped IPv6 address (::ffff:a.b.c.d) into the IPv4 address, port kept. */
static void
unmap_v4(struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(void *)ss;
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = in6->sin6_port};

	memcpy(&in.sin_addr, &in6->sin6_addr.s6_addr[12], sizeof in.sin_addr);
	memset(ss, 0, sizeof *ss);
	memcpy(ss, &in, sizeof in);
}

/* "PROXY TCP4 SRC DST SPORT DPORT\r\n" (TCP6 for IPv6, the addresses as inet_ntop()
 * writes them), or "PROXY UNKNOWN\r\n" for any other family. Returns its length. */
static size_t
header_v1(const struct sockaddr_storage *src, const struct sockaddr_storage *dst, char *buf)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	unsigned sport, dport;
	const char *proto;

	if (src->ss_family == AF_INET && dst->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)src;
		const struct sockaddr_in *d4 = (const struct sockaddr_in *)(const void *)dst;
		inet_ntop(AF_INET, &s4->sin_addr, s, sizeof s);
		inet_ntop(AF_INET, &d4->sin_addr, d, sizeof d);
		sport = ntohs(s4->sin_port);
		dport = ntohs(d4->sin_port);
		proto = "TCP4";
	} else if (src->ss_family == AF_INET6 && dst->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)src;
		const struct sockaddr_in6 *d6 = (const struct sockaddr_in6 *)(const void *)dst;
		inet_ntop(AF_INET6, &s6->sin6_addr, s, sizeof s);
		inet_ntop(AF_INET6, &d6->sin6_addr, d, sizeof d);
		sport = ntohs(s6->sin6_port);
		dport = ntohs(d6->sin6_port);
		proto = "TCP6";
	} else {
		static const char unknown[] = "PROXY UNKNOWN\r\n";
		memcpy(buf, unknown, sizeof unknown); /* with its NUL: PROXY_HEADER_MAX holds it */
		return sizeof unknown - 1;
	}
	/* at most 104 bytes: two addresses of 39 characters, two ports of 5 */
	int n =
	    snprintf(buf, PROXY_HEADER_MAX, "PROXY %s %s %s %u %u\r\n", proto, s, d, sport, dport);
	return n > 0 ? (size_t)n : 0;
}

/* The binary header: the PROXY command with TCP over IPv4 or IPv6, its 16-bit length,
 * then source address, destination address, source port, destination port, all in
 * network byte order; or for any other family the LOCAL command without addresses.
 * Returns its length. */
static size_t
header_v2(const struct sockaddr_storage *src, const struct sockaddr_storage *dst,
          unsigned char *buf)
{
	size_t at = put_bytes(buf, 0, v2_signature, sizeof v2_signature);
	uint16_t len;

	if (src->ss_family == AF_INET && dst->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)src;
		const struct sockaddr_in *d4 = (const struct sockaddr_in *)(const void *)dst;
		len = htons(2 * sizeof s4->sin_addr + 2 * sizeof s4->sin_port);
		buf[at++] = V2_PROXY;
		buf[at++] = V2_TCP4;
		at = put_bytes(buf, at, &len, sizeof len);
		at = put_bytes(buf, at, &s4->sin_addr, sizeof s4->sin_addr);
		at = put_bytes(buf, at, &d4->sin_addr, sizeof d4->sin_addr);
		at = put_port(buf, at, s4->sin_port);
		return put_port(buf, at, d4->sin_port);
	}
	if (src->ss_family == AF_INET6 && dst->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)src;
		const struct sockaddr_in6 *d6 = (const struct sockaddr_in6 *)(const void *)dst;
		len = htons(2 * sizeof s6->sin6_addr + 2 * sizeof s6->sin6_port);
		buf[at++] = V2_PROXY;
		buf[at++] = V2_TCP6;
		at = put_bytes(buf, at, &len, sizeof len);
		at = put_bytes(buf, at, &s6->sin6_addr, sizeof s6->sin6_addr);
		at = put_bytes(buf, at, &d6->sin6_addr, sizeof d6->sin6_addr);
		at = put_port(buf, at, s6->sin6_port);
		return put_port(buf, at, d6->sin6_port);
	}
	len = 0;
	buf[at++] = V2_LOCAL;
	buf[at++] = V2_UNSPEC;
	return put_bytes(buf, at, &len, sizeof len);
}

/* Copies `len` bytes to buf + at. Returns the offset after them. */
static size_t
put_bytes(unsigned char *buf, size_t at, const void *bytes, size_t len)
{
	memcpy(buf + at, bytes, len);
	return at + len;
}

/* Copies a port, already in network byte order, to buf + at. Returns the offset after it. */
static size_t
put_port(unsigned char *buf, size_t at, in_port_t port)
{
	return put_bytes(buf, at, &port, sizeof port);
}
