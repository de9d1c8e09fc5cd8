/* SPDX-License-Identifier: ISC */
/* getaddrinfo has no timeout of its own and can block for (timeout x attempts x servers)
 * of resolv.conf. Each name is therefore looked up in a detached helper thread, all at
 * once, and a lookup that finishes says so by writing a byte to a pipe that the probe
 * engine polls beside its sockets: a host is probed as soon as its own name resolved, and
 * a name that hangs holds back nothing but itself. At the deadline the engine stops
 * waiting; an abandoned lookup frees its own memory if it ever finishes (reference count
 * of two). Address literals never reach a thread: they are parsed in place, which costs
 * nothing, and a run without a name opens no pipe. */
#include "config.h"
#include "resolve.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Enough for glibc's NSS modules and its DNS code; far below the default 8 MiB, which
 * matters under a small `ulimit -v`. */
#define LOOKUP_STACK_SIZE (512 * 1024)

struct lookup {
	pthread_mutex_t lock;
	int refs;		/* the main flow and the thread each hold one */
	bool done;
	bool abandoned;		/* the run stopped waiting: the pipe may be gone */
	int wake_fd;		/* where to write the news */
	int family;
	int64_t finished;	/* clock_now() when getaddrinfo returned */
	int error;		/* getaddrinfo's return value */
	int sys_error;		/* errno, for EAI_SYSTEM */
	struct addrinfo *result;
	char host[];
};

static struct lookup *resolve_start(struct resolver *r, const char *host, int family,
				    struct resolution *res);
static void resolve_finish(struct lookup *lk, struct resolution *res);
static int wake_pipe(struct resolver *r);
static void resolve_end(struct resolver *r);
static bool parse_literal(const char *host, int family, struct resolution *res);
static void take_addresses(const struct addrinfo *list, struct resolution *res);
static bool grow_addresses(struct resolution *res);
static void fail_with(struct resolution *res, int gai_error, int sys_error);
static int local_failure(int gai_error, int sys_error);
static void lookup_release(struct lookup *lk);
static void *lookup_run(void *arg);
static int lookup_start(struct lookup *lk);

/* Starts resolving every host: res[i] for hosts[i], of `family` (or both for AF_UNSPEC),
 * keeping at most `max_addresses` of each (a RESOLVE_MAX_*). A literal, and a name whose
 * thread could not start, is done at once; a name is done when resolve_collect() has
 * taken its thread's answer, or resolve_abandon() its silence. The caller gives the
 * addresses back with resolve_free(). */
void
resolve_begin(struct resolver *r, const char *const *hosts, size_t count, int family,
	      size_t max_addresses, struct resolution *res)
{
	memset(r, 0, sizeof *r);
	r->wake[0] = r->wake[1] = -1;
	r->max_addresses = max_addresses;
	if (count > RESOLVE_MAX_HOSTS)
		count = RESOLVE_MAX_HOSTS;
	r->count = count;
	for (size_t i = 0; i < count; i++) {
		r->lookups[i] = resolve_start(r, hosts[i], family, &res[i]);
		res[i].done = r->lookups[i] == NULL;
		r->pending += r->lookups[i] != NULL;
	}
}

/* The descriptor to poll for news of a lookup, or -1 when none is pending. */
int
resolve_wake_fd(const struct resolver *r)
{
	return r->pending > 0 ? r->wake[0] : -1;
}

/* Takes the answers of the lookups that finished (without waiting for any). Returns how
 * many hosts became done. */
size_t
resolve_collect(struct resolver *r, struct resolution *res)
{
	char drain[64];
	size_t news = 0;

	if (r->pending == 0)
		return 0;
	/* the bytes only woke the loop: the news is in each lookup */
	ssize_t n;
	do
		n = read(r->wake[0], drain, sizeof drain);
	while (n > 0);
	for (size_t i = 0; i < r->count; i++) {
		struct lookup *lk = r->lookups[i];
		if (lk == NULL)
			continue;
		pthread_mutex_lock(&lk->lock);
		bool done = lk->done;
		pthread_mutex_unlock(&lk->lock);
		if (!done)
			continue;
		resolve_finish(lk, &res[i]);
		r->lookups[i] = NULL;
		r->pending--;
		news++;
	}
	if (r->pending == 0)
		resolve_end(r);
	return news;
}

/* The deadline: the lookups still running are given up (their hosts' outcome is a
 * resolver timeout) and the pipe is closed. A thread that finishes later writes
 * nothing: it sees `abandoned` under the same lock it would write under. */
void
resolve_abandon(struct resolver *r, struct resolution *res, int64_t now)
{
	resolve_collect(r, res);
	for (size_t i = 0; i < r->count; i++) {
		struct lookup *lk = r->lookups[i];
		if (lk == NULL)
			continue;
		pthread_mutex_lock(&lk->lock);
		lk->abandoned = true;
		pthread_mutex_unlock(&lk->lock);
		res[i].done = true;
		res[i].timed_out = true;
		res[i].abandoned = true;
		res[i].outcome = OUTCOME_RESOLVER_FAILED;
		res[i].gai_error = EAI_AGAIN;
		res[i].elapsed = now - res[i].started;
		lookup_release(lk);
		r->lookups[i] = NULL;
	}
	r->pending = 0;
	resolve_end(r);
}

/* Closes the pipe once nothing can write to it. */
static void
resolve_end(struct resolver *r)
{
	for (int k = 0; k < 2; k++) {
		if (r->wake[k] >= 0)
			close(r->wake[k]);
		r->wake[k] = -1;
	}
}

/* Starts resolving one host: a literal is done at once (NULL is returned); a name gets a
 * helper thread, whose lookup is returned for resolve_collect(). */
static struct lookup *
resolve_start(struct resolver *r, const char *host, int family, struct resolution *res)
{
	size_t len = strlen(host);

	memset(res, 0, sizeof *res);
	res->addresses = res->room;
	res->max = r->max_addresses;
	res->outcome = OUTCOME_CONNECTED;
	res->started = clock_now();
	if (parse_literal(host, family, res))
		return NULL;

	res->looked_up = true;
	int err = wake_pipe(r);
	if (err != 0) {
		fail_with(res, EAI_SYSTEM, err);
		return NULL;
	}
	struct lookup *lk = calloc(1, sizeof *lk + len + 1);
	if (lk == NULL) {
		fail_with(res, EAI_MEMORY, ENOMEM);
		return NULL;
	}
	memcpy(lk->host, host, len + 1);
	lk->family = family;
	lk->wake_fd = r->wake[1];
	lk->refs = 2;

	err = lookup_start(lk);
	if (err != 0) {
		free(lk);
		fail_with(res, EAI_SYSTEM, err);
		res->elapsed = clock_now() - res->started;
		return NULL;
	}
	return lk;
}

/* The pipe of the news, opened for the first name (non-blocking both ways: a reader
 * that drains it must not wait, nor a writer should it ever be full). Returns 0 or an
 * errno value. */
static int
wake_pipe(struct resolver *r)
{
	if (r->wake[0] >= 0)
		return 0;
#ifdef HAVE_PIPE2
	if (pipe2(r->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return errno;
#else
	if (pipe(r->wake) < 0)
		return errno;
	for (int k = 0; k < 2; k++) {
		fcntl(r->wake[k], F_SETFL, fcntl(r->wake[k], F_GETFL) | O_NONBLOCK);
		fcntl(r->wake[k], F_SETFD, FD_CLOEXEC);
	}
#endif
	return 0;
}

/* Takes the result of a lookup that finished. */
static void
resolve_finish(struct lookup *lk, struct resolution *res)
{
	if (lk->error != 0) {
		fail_with(res, lk->error, lk->sys_error);
	} else {
		take_addresses(lk->result, res);
		/* no TCP address at all, unless taking them failed for want of memory */
		if (res->count == 0 && res->gai_error == 0)
			fail_with(res, EAI_NONAME, 0);
	}
	res->done = true;
	res->elapsed = lk->finished - res->started;
	lookup_release(lk);
}

/* Words for a failed resolution: the resolver's own (gai_strerror), or the deadline's. */
const char *
resolve_error_text(const struct resolution *res)
{
	if (res->timed_out)
		return "the resolver did not answer";
	if (res->gai_error == EAI_SYSTEM)
		return strerror(res->sys_error);
	return gai_strerror(res->gai_error);
}

/* Writes the address without its port, raw (the caller escapes it): "192.0.2.1",
 * "2001:db8::1", "fe80::1%eth0" (the zone by name, or by number when the interface has
 * none), or a Unix socket's path. ADDRESS_TEXT_MAX bytes always suffice. */
void
address_format(const struct address *addr, char *buf, size_t size)
{
	const void *raw;
	uint32_t zone = 0;

	if (size == 0)
		return;
	if (addr->sa.ss_family == AF_UNIX) {
		const struct sockaddr_un *sun = (const struct sockaddr_un *)(const void *)&addr->sa;
		snprintf(buf, size, "%s", sun->sun_path);
		return;
	}
	if (addr->sa.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)&addr->sa;
		raw = &sin6->sin6_addr;
		zone = sin6->sin6_scope_id;
	} else {
		raw = &((const struct sockaddr_in *)(const void *)&addr->sa)->sin_addr;
	}
	if (inet_ntop(addr->sa.ss_family, raw, buf, (socklen_t)size) == NULL) {
		buf[0] = '\0';
		return;
	}
	if (zone != 0) {
		char name[IF_NAMESIZE];
		size_t len = strlen(buf);
		if (if_indextoname(zone, name) != NULL)
			snprintf(buf + len, size - len, "%%%s", name);
		else
			snprintf(buf + len, size - len, "%%%u", (unsigned)zone);
	}
}

/* An IPv4 or IPv6 literal becomes its one address at once. A literal with a zone
 * ("fe80::1%eth0") goes through getaddrinfo with AI_NUMERICHOST, which does no lookup.
 * Returns false when `host` is a name. */
static bool
parse_literal(const char *host, int family, struct resolution *res)
{
	struct address *a = &res->addresses[0];
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&a->sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&a->sa;

	if (host[0] == '/') {
		/* A Unix stream socket, as check_tcp takes one. */
		struct sockaddr_un *sun = (struct sockaddr_un *)(void *)&a->sa;
		size_t len = strlen(host);
		if (len >= sizeof sun->sun_path) {
			fail_with(res, EAI_SYSTEM, ENAMETOOLONG);
			return true;
		}
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, host, len + 1);
		a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
		res->count = 1;
		res->unix_socket = true;
		return true;
	}
	if (family != AF_INET6 && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		a->len = sizeof *sin;
		res->count = 1;
		return true;
	}
	if (family != AF_INET && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		a->len = sizeof *sin6;
		res->count = 1;
		return true;
	}
	if (strchr(host, '%') != NULL && strchr(host, ':') != NULL) {
		struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_STREAM,
					 .ai_flags = AI_NUMERICHOST};
		struct addrinfo *list = NULL;
		errno = 0;
		int err = getaddrinfo(host, NULL, &hints, &list);
		int saved = errno;
		if ((err = local_failure(err, saved)) != 0)
			fail_with(res, err, saved);
		else
			take_addresses(list, res);
		if (list != NULL)
			freeaddrinfo(list);
		return true;
	}
	return false;
}

/* Copies the TCP addresses of `list`, in getaddrinfo's order (RFC 6724), without
 * duplicates, up to res->max; counts those past it, which -v names (and the first line
 * of --addresses=all). Out of memory for more than `room` holds, the resolution fails
 * as a local error. */
static void
take_addresses(const struct addrinfo *list, struct resolution *res)
{
	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(struct sockaddr_storage))
			continue;
		bool seen = false;
		for (size_t i = 0; i < res->count && !seen; i++)
			seen = res->addresses[i].len == ai->ai_addrlen &&
			       memcmp(&res->addresses[i].sa, ai->ai_addr, ai->ai_addrlen) == 0;
		for (const struct addrinfo *before = list; before != ai && !seen;
		     before = before->ai_next)
			seen = res->count == res->max && before->ai_addrlen == ai->ai_addrlen &&
			       memcmp(before->ai_addr, ai->ai_addr, ai->ai_addrlen) == 0;
		if (seen)
			continue;
		if (res->count == res->max) {
			res->unused++;
			continue;
		}
		if (res->count == RESOLVE_MAX_ADDRESSES && res->addresses == res->room &&
		    !grow_addresses(res)) {
			fail_with(res, EAI_SYSTEM, ENOMEM);
			return;
		}
		struct address *a = &res->addresses[res->count++];
		memcpy(&a->sa, ai->ai_addr, ai->ai_addrlen);
		a->len = ai->ai_addrlen;
	}
}

/* Moves the addresses out of `room` into a block of res->max. Returns false without
 * memory. */
static bool
grow_addresses(struct resolution *res)
{
	struct address *block = calloc(res->max, sizeof *block);

	if (block == NULL)
		return false;
	memcpy(block, res->room, res->count * sizeof *block);
	res->addresses = block;
	return true;
}

/* Gives back the addresses of `count` resolutions that did not fit their room. */
void
resolve_free(struct resolution *res, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (res[i].addresses != res[i].room)
			free(res[i].addresses);
		res[i].addresses = res[i].room;
		res[i].count = 0;
	}
}

/* getaddrinfo's verdict, corrected: glibc answers "Name or service not known" when it
 * could not even read /etc/hosts or open a socket to the nameserver because this process
 * ran out of descriptors or memory. errno tells; it is then this machine's failure
 * (EAI_SYSTEM: local-error, UNKNOWN), not news about the name. */
static int
local_failure(int gai_error, int sys_error)
{
	if (gai_error == 0 || gai_error == EAI_SYSTEM)
		return gai_error;
	switch (sys_error) {
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case ENOBUFS:
		return EAI_SYSTEM;
	default:
		return gai_error;
	}
}

/* Records a failure of name resolution and the outcome it stands for. */
static void
fail_with(struct resolution *res, int gai_error, int sys_error)
{
	res->gai_error = gai_error;
	res->sys_error = sys_error;
	res->outcome = outcome_from_gai(gai_error);
	res->count = 0;
	res->unused = 0;
}

/* Drops one reference; the last one frees the lookup and its result. */
static void
lookup_release(struct lookup *lk)
{
	pthread_mutex_lock(&lk->lock);
	bool last = --lk->refs == 0;
	pthread_mutex_unlock(&lk->lock);
	if (!last)
		return;
	if (lk->result != NULL)
		freeaddrinfo(lk->result);
	pthread_mutex_destroy(&lk->lock);
	free(lk);
}

/* The helper thread: one getaddrinfo call, then the news. No AI_ADDRCONFIG: in a
 * loopback-only namespace it makes "localhost" fail to resolve. */
static void *
lookup_run(void *arg)
{
	struct lookup *lk = arg;
	struct addrinfo hints = {.ai_family = lk->family, .ai_socktype = SOCK_STREAM};
	struct addrinfo *list = NULL;

	errno = 0;
	int err = getaddrinfo(lk->host, NULL, &hints, &list);
	int saved = errno;
	int64_t finished = clock_now();

	err = local_failure(err, saved);
	if (err != 0 && list != NULL) {
		freeaddrinfo(list);
		list = NULL;
	}

	pthread_mutex_lock(&lk->lock);
	lk->error = err;
	lk->sys_error = saved;
	lk->result = list;
	lk->finished = finished;
	lk->done = true;
	if (!lk->abandoned) {
		ssize_t n = write(lk->wake_fd, "", 1);
		(void)n; /* a full pipe already has news in it */
	}
	pthread_mutex_unlock(&lk->lock);
	lookup_release(lk);
	return NULL;
}

/* Starts the detached helper thread. Returns 0, or an errno value. */
static int
lookup_start(struct lookup *lk)
{
	pthread_attr_t attr;
	pthread_t thread;
	int err;

	if ((err = pthread_mutex_init(&lk->lock, NULL)) != 0)
		return err;
	if ((err = pthread_attr_init(&attr)) != 0)
		return err;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, LOOKUP_STACK_SIZE);
	err = pthread_create(&thread, &attr, lookup_run, lk);
	pthread_attr_destroy(&attr);
	return err;
}

/* `addr` with its port set to `port`, for either family. */
void
address_with_port(const struct address *addr, unsigned port, struct address *out)
{
	*out = *addr;
	if (out->sa.ss_family == AF_UNIX)
		return;
	if (out->sa.ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)&out->sa)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)(void *)&out->sa)->sin_port = htons((uint16_t)port);
}
