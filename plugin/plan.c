/* SPDX-License-Identifier: ISC */
/* Turns hosts, their addresses and the ports into targets, in a stable order (hosts as
 * given, then ports as given, then addresses), so that output and perfdata labels keep
 * their places from run to run, whichever name resolved first.
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
#include <string.h>

static void interleave_families(struct resolution *res);
static bool wants_details(const struct options *opts);
static int keep_details(struct segment *seg, const struct options *opts, size_t nattempts);

/* A Unix socket has no ports: it is one target. */
static size_t
ports_of(const struct options *opts, const struct resolution *res, size_t host)
{
	return res->unix_socket ? 1 : options_port_count(opts, host);
}

/* With --addresses=first (the default) a host has one target per port whatever its name
 * resolves to: the array of every target is allocated at once, and each host's targets
 * take their place in it as the host resolves. With --addresses=all a host's count is
 * known only then: each host gets its own block, joined at the end. Returns 0 or
 * ENOMEM. */
int
plan_reserve(struct plan *plan, const struct options *opts, const struct resolution *resolutions)
{
	size_t total = 0;

	plan->nhosts = opts->nhosts < RESOLVE_MAX_HOSTS ? opts->nhosts : RESOLVE_MAX_HOSTS;
	if (opts->all_addresses)
		return 0;
	for (size_t h = 0; h < plan->nhosts; h++) {
		plan->hosts[h].offset = total;
		total += ports_of(opts, &resolutions[h], h);
	}
	plan->targets = calloc(total > 0 ? total : 1, sizeof *plan->targets);
	if (plan->targets == NULL)
		return ENOMEM;
	if (wants_details(opts)) {
		plan->details = calloc(total > 0 ? total : 1, sizeof *plan->details);
		if (plan->details == NULL)
			return ENOMEM;
	}
	return 0;
}

/* Plans the targets of one host whose resolution is done (and changes its address
 * order). Returns 0, or an errno value: ENOMEM, or E2BIG past MAX_TARGETS (which only
 * --addresses=all can reach: options_parse() checks hosts x ports). */
int
plan_host(struct plan *plan, const struct options *opts, struct resolution *res, size_t host)
{
	struct segment *seg = &plan->hosts[host];
	size_t groups = opts->all_addresses && res->count > 0 ? res->count : 1;
	size_t n = groups * ports_of(opts, res, host);
	size_t nattempts = res->count * ports_of(opts, res, host);

	interleave_families(res);
	if (n > MAX_TARGETS - plan->count)
		return E2BIG;
	seg->count = n;
	if (plan->targets != NULL) {
		/* reserved: the count per host is the count per port */
		seg->targets = plan->targets + seg->offset;
		seg->details = plan->details != NULL ? plan->details + seg->offset : NULL;
	} else {
		seg->targets = calloc(n > 0 ? n : 1, sizeof *seg->targets);
		if (seg->targets == NULL)
			return ENOMEM;
		seg->own = true;
	}
	int err = keep_details(seg, opts, nattempts);
	if (err != 0)
		return err;

	size_t k = 0;
	struct attempt *next_attempts = seg->attempts;
	for (size_t p = 0; p < ports_of(opts, res, host); p++) {
		for (size_t g = 0; g < groups; g++, k++) {
			struct target *t = &seg->targets[k];
			t->host = (uint16_t)host;
			t->port = res->unix_socket ? 0 : options_port(opts, host, p);
			t->first_addr = (uint8_t)(opts->all_addresses ? g : 0);
			t->naddr = (uint8_t)(opts->all_addresses ? (res->count > 0) : res->count);
			if (seg->details == NULL)
				continue;
			struct detail *d = &seg->details[k];
			d->reached = -1;
			if (seg->replies != NULL)
				d->reply = &seg->replies[k];
			if (seg->attempts != NULL) {
				d->attempts = next_attempts;
				for (unsigned i = 0; i < t->naddr; i++)
					d->attempts[i] = (struct attempt){
						.addr = t->first_addr + i, .fd = -1, .slot = -1};
				next_attempts += t->naddr;
			}
		}
	}
	seg->planned = true;
	plan->count += n;
	if (opts->all_addresses)
		plan->unchecked += res->unused * ports_of(opts, res, host);
	return 0;
}

/* True when the run prints more than the tally holds: the spread of -n (0 too), the attempts of
 * -v, a conversation. Most runs need no detail, and keep 48 bytes a target. */
static bool
wants_details(const struct options *opts)
{
	return opts->count != 1 || opts->verbose > 0 || converse_needed(&opts->converse);
}

/* Allocates the details of a host's targets (unless reserved with them), and what they
 * point to: the attempts (-v) and the replies (a conversation). */
static int
keep_details(struct segment *seg, const struct options *opts, size_t nattempts)
{
	bool reply = converse_needed(&opts->converse);

	if (!wants_details(opts))
		return 0;
	if (seg->details == NULL)
		seg->details = calloc(seg->count > 0 ? seg->count : 1, sizeof *seg->details);
	if (seg->details == NULL)
		return ENOMEM;
	if (opts->verbose > 0) {
		seg->attempts = calloc(nattempts > 0 ? nattempts : 1, sizeof *seg->attempts);
		if (seg->attempts == NULL)
			return ENOMEM;
	}
	if (reply) {
		seg->replies = calloc(seg->count > 0 ? seg->count : 1, sizeof *seg->replies);
		if (seg->replies == NULL)
			return ENOMEM;
	}
	return 0;
}

/* Puts every host's targets (and details) in one array, in host order, for the stages
 * that read them all, unless plan_reserve() made it so from the start. The new array's
 * pages become memory only as the blocks are copied in, and each block is freed once
 * copied: the join never holds the targets twice. Returns 0 or ENOMEM. */
int
plan_join(struct plan *plan)
{
	size_t n = 0;
	bool details = false;

	if (plan->targets != NULL)
		return 0;
	for (size_t h = 0; h < plan->nhosts; h++)
		details |= plan->hosts[h].details != NULL;
	plan->targets = malloc((plan->count > 0 ? plan->count : 1) * sizeof *plan->targets);
	if (details)
		plan->details = malloc((plan->count > 0 ? plan->count : 1) * sizeof *plan->details);
	if (plan->targets == NULL || (details && plan->details == NULL))
		return ENOMEM;
	for (size_t h = 0; h < plan->nhosts; h++) {
		struct segment *seg = &plan->hosts[h];
		if (seg->count > 0)
			memcpy(plan->targets + n, seg->targets, seg->count * sizeof *seg->targets);
		if (details && seg->details != NULL)
			memcpy(plan->details + n, seg->details, seg->count * sizeof *seg->details);
		free(seg->targets);
		free(seg->details);
		seg->targets = NULL;
		seg->details = NULL;
		seg->own = false;
		seg->offset = n;
		n += seg->count;
	}
	return 0;
}

/* The detail of a joined target, or NULL when the run keeps none. */
const struct detail *
plan_detail(const struct plan *plan, const struct target *t)
{
	return plan->details != NULL ? &plan->details[t - plan->targets] : NULL;
}

/* The detail of a host's target k while the engine runs, or NULL when the run keeps none. */
struct detail *
segment_detail(const struct segment *seg, size_t k)
{
	return seg->details != NULL ? &seg->details[k] : NULL;
}

/* Frees what the plan holds. */
void
plan_free(struct plan *plan)
{
	for (size_t h = 0; h < plan->nhosts; h++) {
		struct segment *seg = &plan->hosts[h];
		if (seg->own) {
			free(seg->targets);
			free(seg->details);
		}
		free(seg->attempts);
		free(seg->replies);
		memset(seg, 0, sizeof *seg);
	}
	free(plan->targets);
	free(plan->details);
	plan->targets = NULL;
	plan->details = NULL;
	plan->count = 0;
	plan->unchecked = 0;
}

/* Reorders the addresses: families alternate, each family in its own order. In place,
 * by moving the next address of the wanted family forward: a name may have 255
 * addresses, and a copy of them on the stack would be 34 KiB. */
static void
interleave_families(struct resolution *res)
{
	if (res->count < 2)
		return;
	int family = res->addresses[0].sa.ss_family;
	for (size_t n = 0; n < res->count; n++) {
		size_t pick = n;
		while (pick < res->count && res->addresses[pick].sa.ss_family != family)
			pick++;
		if (pick < res->count && pick > n) {
			struct address moved = res->addresses[pick];
			memmove(&res->addresses[n + 1], &res->addresses[n],
				(pick - n) * sizeof moved);
			res->addresses[n] = moved;
		}
		family = res->addresses[n].sa.ss_family == AF_INET6 ? AF_INET : AF_INET6;
	}
}
