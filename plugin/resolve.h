/* SPDX-License-Identifier: ISC */
/* Names to addresses, each as soon as it is known, by the deadline even when the resolver
 * hangs. */
#ifndef CHECK_TCPPORT_RESOLVE_H
#define CHECK_TCPPORT_RESOLVE_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "outcome.h"

/* Addresses kept of one name: those --addresses=first tries in turn, and those
 * --addresses=all checks, each a target of its own whose index is 8 bits (target.h). A
 * name with more has the rest counted as unused. */
#define RESOLVE_MAX_ADDRESSES     32
#define RESOLVE_MAX_ALL_ADDRESSES 255
#define RESOLVE_MAX_HOSTS         64
/* Room for any address as text: a Unix socket path (sun_path, 108 bytes) or an IPv6
 * address with its zone ("fe80::1%eth0"). */
#define ADDRESS_TEXT_MAX      128

struct address {
	struct sockaddr_storage sa;
	socklen_t len;
};

struct resolution {
	/* `room`, or with more than RESOLVE_MAX_ADDRESSES a block of their own: most names
	 * have a few addresses, and 64 hosts of 255 would hold 2 MiB of mostly nothing */
	struct address *addresses;
	struct address room[RESOLVE_MAX_ADDRESSES];
	size_t count;
	size_t max;		/* addresses kept at most: a RESOLVE_MAX_* */
	size_t unused;		/* addresses past `max`, never tried */
	bool looked_up;		/* a name went to getaddrinfo (not an address literal) */
	bool unix_socket;	/* the host is the path of a Unix stream socket */
	bool done;		/* the answer is known: addresses, a failure, or the deadline */
	bool timed_out;		/* the deadline passed before the resolver answered */
	bool abandoned;		/* the resolver thread still runs: exit without waiting */
	enum outcome outcome;	/* OUTCOME_CONNECTED when addresses were found */
	int gai_error;		/* the EAI_* code of a failure, 0 otherwise */
	int sys_error;		/* errno behind EAI_SYSTEM or a failed thread start */
	int64_t started;	/* clock_now() when resolution began */
	int64_t elapsed;	/* nanoseconds spent resolving */
};

struct lookup;

/* The lookups of one run, while they run. */
struct resolver {
	struct lookup *lookups[RESOLVE_MAX_HOSTS]; /* NULL once collected */
	size_t count;		/* hosts */
	size_t pending;		/* lookups whose answer was not taken yet */
	size_t max_addresses;	/* kept of each name */
	int wake[2];		/* a pipe: each finished lookup writes a byte */
};

void resolve_begin(struct resolver *r, const char *const *hosts, size_t count, int family,
		   size_t max_addresses, struct resolution *res);
int resolve_wake_fd(const struct resolver *r);
size_t resolve_collect(struct resolver *r, struct resolution *res);
void resolve_abandon(struct resolver *r, struct resolution *res, int64_t now);
const char *resolve_error_text(const struct resolution *res);
void resolve_free(struct resolution *res, size_t count);
void address_format(const struct address *addr, char *buf, size_t size);
void address_with_port(const struct address *addr, unsigned port, struct address *out);

#endif
