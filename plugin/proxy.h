/* SPDX-License-Identifier: ISC */
/* --proxy-protocol: the header of HAProxy's PROXY protocol (versions 1 and 2) that a
 * service behind a proxy expects first on every connection, built from the addresses of
 * the connection it goes out on. */
#ifndef CHECK_TCPPORT_PROXY_H
#define CHECK_TCPPORT_PROXY_H

#include <sys/socket.h>

#include <stddef.h>

enum proxy_version {
	PROXY_NONE, /* no header: the default */
	PROXY_V1,   /* one line of text */
	PROXY_V2,   /* binary */
};

/* The longest header sent: a version 1 line is at most 107 bytes (the specification's
 * bound); a version 2 header of TCP over IPv6 is 52. */
#define PROXY_HEADER_MAX 108

int proxy_header(enum proxy_version version, int fd, unsigned char *buf, size_t *len);
size_t proxy_header_for(enum proxy_version version, const struct sockaddr_storage *src,
                        const struct sockaddr_storage *dst, unsigned char *buf);
const char *proxy_version_name(enum proxy_version version);

#endif
