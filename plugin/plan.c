/* Turns hosts, their addresses and the ports into targets, in a stable order (hosts as
 * given, then ports as given, then addresses), so that output and perfdata labels keep
 * their places from run to run.
 *
 * getaddrinfo sorts a host's addresses by RFC 6724 preference; as RFC 8305 asks, the
 * families are then interleaved (first preferred address, first of the other family,
 * second preferred...) so that a broken IPv6 path costs one stagger delay, not one per
 * IPv6 address. */
#include "config.h"
#include "plan.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>

static void interleave_families(struct resolution *res);

/* A Unix socket has no ports: it is one target. */
static size_t
ports_of(const struct options *opts, const struct resolution *res)
{
	return res->unix_socket ? 1 : opts->ports.count;
}

/* Fills `plan` from the options and the resolutions (whose address order it changes).
 * Returns 0, or an errno value: ENOMEM, or E2BIG past MAX_TARGETS (which only
 * --addresses=all can reach: options_parse() checks hosts x ports). */
int
plan_targets(const struct options *opts, struct resolution *resolutions, struct plan *plan)
{
	size_t ntargets = 0, nattempts = 0;

	for (size_t h = 0; h < opts->nhosts; h++) {
		struct resolution *res = &resolutions[h];
		size_t per_port = opts->all_addresses && res->count > 0 ? res->count : 1;
		interleave_families(res);
		ntargets += per_port * ports_of(opts, res);
		nattempts += res->count * ports_of(opts, res);
	}
	if (ntargets > MAX_TARGETS)
		return E2BIG;
	plan->targets = calloc(ntargets > 0 ? ntargets : 1, sizeof *plan->targets);
	plan->attempts = calloc(nattempts > 0 ? nattempts : 1, sizeof *plan->attempts);
	if (plan->targets == NULL || plan->attempts == NULL) {
		plan_free(plan);
		return ENOMEM;
	}

	struct attempt *next_attempts = plan->attempts;
	size_t n = 0;
	for (size_t h = 0; h < opts->nhosts; h++) {
		const struct resolution *res = &resolutions[h];
		size_t groups = opts->all_addresses && res->count > 0 ? res->count : 1;
		for (size_t p = 0; p < ports_of(opts, res); p++) {
			for (size_t g = 0; g < groups; g++) {
				struct target *t = &plan->targets[n++];
				t->host = (unsigned)h;
				t->port = res->unix_socket ? 0 : opts->ports.ports[p];
				t->first_addr = opts->all_addresses ? (unsigned)g : 0;
				t->naddr = (unsigned)(opts->all_addresses ? (res->count > 0)
									  : res->count);
				t->attempts = next_attempts;
				t->winner = -1;
				t->talking = -1;
				for (unsigned i = 0; i < t->naddr; i++) {
					t->attempts[i].addr = t->first_addr + i;
					t->attempts[i].fd = -1;
					t->attempts[i].slot = -1;
				}
				next_attempts += t->naddr;
			}
		}
	}
	plan->count = n;
	return 0;
}

/* Frees what plan_targets() allocated. */
void
plan_free(struct plan *plan)
{
	free(plan->targets);
	free(plan->attempts);
	plan->targets = NULL;
	plan->attempts = NULL;
	plan->count = 0;
}

/* Reorders the addresses: families alternate, each family in its own order. */
static void
interleave_families(struct resolution *res)
{
	struct address sorted[RESOLVE_MAX_ADDRESSES];
	bool used[RESOLVE_MAX_ADDRESSES] = {false};

	if (res->count < 2)
		return;
	int family = res->addresses[0].sa.ss_family;
	for (size_t n = 0; n < res->count; n++) {
		size_t pick = res->count;
		for (size_t i = 0; i < res->count && pick == res->count; i++)
			if (!used[i] && res->addresses[i].sa.ss_family == family)
				pick = i;
		for (size_t i = 0; i < res->count && pick == res->count; i++)
			if (!used[i])
				pick = i;
		used[pick] = true;
		sorted[n] = res->addresses[pick];
		family = sorted[n].sa.ss_family == AF_INET6 ? AF_INET : AF_INET6;
	}
	for (size_t n = 0; n < res->count; n++)
		res->addresses[n] = sorted[n];
}
