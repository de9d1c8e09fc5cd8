/* getaddrinfo has no timeout of its own and can block for (timeout x attempts x servers)
 * of resolv.conf. It therefore runs in a detached helper thread; the main flow waits on a
 * condition variable until the run's deadline and then stops waiting. An abandoned lookup
 * frees its own memory if it ever finishes (reference count of two). Address literals
 * never reach the thread: they are parsed in place, which costs nothing. */
#include "config.h"
#include "resolve.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Enough for glibc's NSS modules and its DNS code; far below the default 8 MiB, which
 * matters under a small `ulimit -v`. */
#define LOOKUP_STACK_SIZE (512 * 1024)

struct lookup {
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	int refs;		/* the main flow and the thread each hold one */
	bool done;
	int family;
	int error;		/* getaddrinfo's return value */
	int sys_error;		/* errno, for EAI_SYSTEM */
	struct addrinfo *result;
	char host[];
};

static struct lookup *resolve_start(const char *host, int family, struct resolution *res);
static void resolve_finish(struct lookup *lk, const struct deadline *dl, struct resolution *res);
static bool parse_literal(const char *host, int family, struct resolution *res);
static void take_addresses(const struct addrinfo *list, struct resolution *res);
static void fail_with(struct resolution *res, int gai_error, int sys_error);
static int local_failure(int gai_error, int sys_error);
static void lookup_release(struct lookup *lk);
static void *lookup_run(void *arg);
static int lookup_start(struct lookup *lk);
static bool lookup_wait(struct lookup *lk, const struct deadline *dl);

/* Fills res[i] with the addresses of hosts[i] (of `family`, or both for AF_UNSPEC), or
 * with the outcome of its failure. The names are looked up concurrently, one helper
 * thread each; the call returns by the deadline whatever the resolvers do. */
void
resolve_hosts(const char *const *hosts, size_t count, int family, const struct deadline *dl,
	      struct resolution *res)
{
	struct lookup *lookups[RESOLVE_MAX_HOSTS] = {NULL};

	if (count > RESOLVE_MAX_HOSTS)
		count = RESOLVE_MAX_HOSTS;
	for (size_t i = 0; i < count; i++)
		lookups[i] = resolve_start(hosts[i], family, &res[i]);
	for (size_t i = 0; i < count; i++)
		if (lookups[i] != NULL)
			resolve_finish(lookups[i], dl, &res[i]);
}

/* Starts resolving one host: a literal is done at once (NULL is returned); a name gets a
 * helper thread, whose lookup is returned for resolve_finish(). */
static struct lookup *
resolve_start(const char *host, int family, struct resolution *res)
{
	size_t len = strlen(host);

	memset(res, 0, sizeof *res);
	res->outcome = OUTCOME_CONNECTED;
	res->started = clock_now();
	if (parse_literal(host, family, res))
		return NULL;

	res->looked_up = true;
	struct lookup *lk = calloc(1, sizeof *lk + len + 1);
	if (lk == NULL) {
		fail_with(res, EAI_MEMORY, ENOMEM);
		return NULL;
	}
	memcpy(lk->host, host, len + 1);
	lk->family = family;
	lk->refs = 2;

	int err = lookup_start(lk);
	if (err != 0) {
		free(lk);
		fail_with(res, EAI_SYSTEM, err);
		res->elapsed = clock_now() - res->started;
		return NULL;
	}
	return lk;
}

/* Waits for a lookup until the deadline and takes its result. */
static void
resolve_finish(struct lookup *lk, const struct deadline *dl, struct resolution *res)
{
	if (!lookup_wait(lk, dl)) {
		res->timed_out = true;
		res->abandoned = true;
		res->outcome = OUTCOME_RESOLVER_FAILED;
		res->gai_error = EAI_AGAIN;
	} else if (lk->error != 0) {
		fail_with(res, lk->error, lk->sys_error);
	} else {
		take_addresses(lk->result, res);
		if (res->count == 0)
			fail_with(res, EAI_NONAME, 0);
	}
	res->elapsed = clock_now() - res->started;
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
 * duplicates, up to RESOLVE_MAX_ADDRESSES; counts those past it, which -v names. */
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
			seen = res->count == RESOLVE_MAX_ADDRESSES &&
			       before->ai_addrlen == ai->ai_addrlen &&
			       memcmp(before->ai_addr, ai->ai_addr, ai->ai_addrlen) == 0;
		if (seen)
			continue;
		if (res->count == RESOLVE_MAX_ADDRESSES) {
			res->unused++;
			continue;
		}
		struct address *a = &res->addresses[res->count++];
		memcpy(&a->sa, ai->ai_addr, ai->ai_addrlen);
		a->len = ai->ai_addrlen;
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
	pthread_cond_destroy(&lk->done_cond);
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

	err = local_failure(err, saved);

	pthread_mutex_lock(&lk->lock);
	lk->error = err;
	lk->sys_error = saved;
	lk->result = err == 0 ? list : NULL;
	lk->done = true;
	pthread_cond_signal(&lk->done_cond);
	pthread_mutex_unlock(&lk->lock);
	lookup_release(lk);
	return NULL;
}

/* Starts the detached helper thread. Returns 0, or an errno value. */
static int
lookup_start(struct lookup *lk)
{
	pthread_condattr_t cattr;
	pthread_attr_t attr;
	pthread_t thread;
	int err;

	if ((err = pthread_mutex_init(&lk->lock, NULL)) != 0)
		return err;
	if ((err = pthread_condattr_init(&cattr)) != 0)
		return err;
	/* The deadline is on the monotonic clock; so must the wait be. */
	err = pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	if (err == 0)
		err = pthread_cond_init(&lk->done_cond, &cattr);
	pthread_condattr_destroy(&cattr);
	if (err != 0)
		return err;
	if ((err = pthread_attr_init(&attr)) != 0)
		return err;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, LOOKUP_STACK_SIZE);
	err = pthread_create(&thread, &attr, lookup_run, lk);
	pthread_attr_destroy(&attr);
	return err;
}

/* Waits for the lookup until the deadline. Returns true when it finished in time. */
static bool
lookup_wait(struct lookup *lk, const struct deadline *dl)
{
	struct timespec until = clock_to_timespec(dl->end);

	pthread_mutex_lock(&lk->lock);
	while (!lk->done) {
		if (pthread_cond_timedwait(&lk->done_cond, &lk->lock, &until) == ETIMEDOUT)
			break;
	}
	bool done = lk->done;
	pthread_mutex_unlock(&lk->lock);
	return done;
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
