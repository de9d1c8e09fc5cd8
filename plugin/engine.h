/* SPDX-License-Identifier: ISC */
/* Inside the probe engine: shared by the scheduler (probe.c) and the conversation glue
 * (conversation.c), and by nothing else. */
#ifndef CHECK_TCPPORT_ENGINE_H
#define CHECK_TCPPORT_ENGINE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

/* A target while its probes run: the schedule, the attempts of the current probe and its
 * conversation. There are as many flights as targets in progress, not as targets: a
 * flight returns to the pool when its target's last probe ends. */
struct flight {
	struct target *t;
	struct detail *d;	    /* the target's detail, or NULL */
	unsigned started;	    /* probes started */
	bool in_probe;
	bool held;		    /* the target waited for a socket (--max-parallel, the
				     * descriptor limit): its first probe started late */
	unsigned next;		    /* the next attempt of the probe to start */
	int64_t probe_started;
	int64_t probe_due;	    /* when the probe was due: -i counts from this */
	int64_t probe_end;	    /* when the probe gives up */
	int64_t next_attempt_at;
	int64_t next_probe_at;
	long reached;		    /* the attempt of the last probe that connected, or -1 */
	long talking;		    /* the attempt whose socket is in a conversation, or -1 */
	struct converse *conv;	    /* the conversation of the current or last probe, when
				     * the run has one (kept with the flight when it is reused) */
	struct flight *next_free;
	size_t active_index;	    /* its place in the engine's active list */
	unsigned room;		    /* attempts the flight holds */
	struct attempt attempts[];  /* t->naddr of them */
};

/* Who owns a slot of the poll set: an attempt of a flight, or NULL once it is dropped. */
struct slot_owner {
	struct attempt *a;
	struct flight *f;
};

struct engine {
	const struct probe_config *cfg;
	const struct deadline *dl;
	struct plan *plan;
	struct pollfd *fds;	    /* one more than the slots: the resolver's pipe */
	struct slot_owner *owners;  /* in the same block as fds, after them */
	size_t nfds;		    /* slots in use, gaps included until slots_compact() */
	size_t slots;		    /* slots allocated */
	size_t live;		    /* sockets connecting or talking: what the cap limits */
	size_t cap;
	struct flight **active;	    /* the flights in progress, NULL once done */
	size_t nactive, active_room;
	struct flight *active_first[16]; /* `active` until more are in progress at once */
	struct flight *pool;	    /* flights to reuse */
	size_t cursor[RESOLVE_MAX_HOSTS]; /* each host's next target to start */
	/* a target of the host waited for a socket: those from the cursor on start late */
	bool held_back[RESOLVE_MAX_HOSTS];
	int64_t close_ns;	    /* what closing a connecting socket costs, measured */
	size_t teardown_next;	    /* the next flight the teardown looks at */
	bool tearing_down;	    /* no new probe nor attempt: the deadline is near */
	size_t opened;		    /* sockets opened in all */
	int64_t polled_at;	    /* when the last poll returned */
	int64_t poll_cost;	    /* what the last poll that did not wait took */
	bool caught_up;		    /* catch_up() handled answers since the loop's top */
	int error;		    /* ENOMEM or E2BIG: the run cannot go on */
};

void slot_add(struct engine *e, struct flight *f, struct attempt *a, short events);
void slot_drop(struct engine *e, struct attempt *a);
void end_probe(struct engine *e, struct flight *f, int64_t now, long answered, bool success);
uint32_t waited_ms(int64_t ns);
bool probe_late(const struct flight *f);

/* conversation.c */
void conversation_start(struct engine *e, struct flight *f, struct attempt *a, int64_t now);
void conversation_step(struct engine *e, struct flight *f, short revents, int64_t now);
void conversation_expire(struct engine *e, struct flight *f, int64_t now);

#endif
