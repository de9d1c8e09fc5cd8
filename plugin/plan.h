/* SPDX-License-Identifier: ISC */
/* The targets of a run: which hosts, addresses and ports, in which order. A host's
 * targets are planned when its addresses are known, which for a name is whenever its
 * lookup ends: the engine plans and starts each host on its own. */
#ifndef CHECK_TCPPORT_PLAN_H
#define CHECK_TCPPORT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"
#include "resolve.h"
#include "target.h"

/* One host's targets, in their final order. */
struct segment {
	struct target *targets;
	struct detail *details;	    /* beside the targets, or NULL when the run needs none */
	struct attempt *attempts;   /* -v: the storage of the details' attempts */
	struct converse *replies;   /* a conversation: the storage of the details' replies */
	size_t count;
	size_t offset;		    /* where its targets begin in the plan's array, if it has one */
	bool own;		    /* its targets and details are its own blocks, not the plan's */
	bool planned;
};

struct plan {
	struct segment hosts[RESOLVE_MAX_HOSTS];
	size_t nhosts;
	size_t count;		    /* targets planned so far */
	size_t unchecked;	    /* --addresses=all: targets of addresses past a name's cap */
	/* Every target in order (hosts as given, then ports, then addresses), and their
	 * details (NULL when the run keeps none): from plan_reserve() when the number of
	 * each host's targets is known before its name resolves, else from plan_join(). */
	struct target *targets;
	struct detail *details;
};

int plan_reserve(struct plan *plan, const struct options *opts,
		 const struct resolution *resolutions);
int plan_host(struct plan *plan, const struct options *opts, struct resolution *res,
	      size_t host);
int plan_join(struct plan *plan);
const struct detail *plan_detail(const struct plan *plan, const struct target *t);
struct detail *segment_detail(const struct segment *seg, size_t k);
void plan_free(struct plan *plan);

#endif
