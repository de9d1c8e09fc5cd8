/* Orders the resolved addresses into attempts. getaddrinfo already sorts by RFC 6724
 * preference; as RFC 8305 asks, the families are then interleaved (first preferred
 * address, first of the other family, second preferred...) so that a broken IPv6 path
 * costs one stagger delay, not one per IPv6 address. */
#include "config.h"
#include "plan.h"

#include <sys/socket.h>
#include <netinet/in.h>

/* Sets the port of an address, for either family. */
static void
set_port(struct address *addr, unsigned port)
{
	if (addr->sa.ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)&addr->sa)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)(void *)&addr->sa)->sin_port = htons((uint16_t)port);
}

/* Fills `out` with one attempt per address of `res`, families interleaved, all on `port`.
 * Returns the number of attempts. */
size_t
plan_attempts(const struct resolution *res, unsigned port, struct attempt *out, size_t max)
{
	bool used[RESOLVE_MAX_ADDRESSES] = {false};
	size_t n = 0;

	if (res->count == 0)
		return 0;
	int family = res->addresses[0].sa.ss_family;
	while (n < res->count && n < max) {
		size_t pick = res->count;
		for (size_t i = 0; i < res->count && pick == res->count; i++)
			if (!used[i] && res->addresses[i].sa.ss_family == family)
				pick = i;
		for (size_t i = 0; i < res->count && pick == res->count; i++)
			if (!used[i])
				pick = i;
		used[pick] = true;
		struct address addr = res->addresses[pick];
		set_port(&addr, port);
		probe_init(&out[n++], &addr);
		family = addr.sa.ss_family == AF_INET6 ? AF_INET : AF_INET6;
	}
	return n;
}
