/* Names to addresses, by the deadline even when the resolver hangs. */
#ifndef CHECK_TCPPORT_RESOLVE_H
#define CHECK_TCPPORT_RESOLVE_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "outcome.h"

#define RESOLVE_MAX_ADDRESSES 32
#define RESOLVE_MAX_HOSTS     64
/* Room for any address as text: a Unix socket path (sun_path, 108 bytes) or an IPv6
 * address with its zone ("fe80::1%eth0"). */
#define ADDRESS_TEXT_MAX      128

struct address {
	struct sockaddr_storage sa;
	socklen_t len;
};

struct resolution {
	struct address addresses[RESOLVE_MAX_ADDRESSES];
	size_t count;
	size_t unused;		/* addresses past RESOLVE_MAX_ADDRESSES, not tried */
	bool looked_up;		/* a name went to getaddrinfo (not an address literal) */
	bool unix_socket;	/* the host is the path of a Unix stream socket */
	bool timed_out;		/* the deadline passed before the resolver answered */
	bool abandoned;		/* the resolver thread still runs: exit without waiting */
	enum outcome outcome;	/* OUTCOME_CONNECTED when addresses were found */
	int gai_error;		/* the EAI_* code of a failure, 0 otherwise */
	int sys_error;		/* errno behind EAI_SYSTEM or a failed thread start */
	int64_t started;	/* clock_now() when resolution began */
	int64_t elapsed;	/* nanoseconds spent resolving */
};

void resolve_hosts(const char *const *hosts, size_t count, int family,
		   const struct deadline *dl, struct resolution *res);
const char *resolve_error_text(const struct resolution *res);
void address_format(const struct address *addr, char *buf, size_t size);
void address_with_port(const struct address *addr, unsigned port, struct address *out);

#endif
