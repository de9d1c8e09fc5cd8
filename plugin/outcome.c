/* SPDX-License-Identifier: ISC */
/* The outcomes' names on the command line, their default states (the Monitoring Plugins
 * guidelines: network failures are CRITICAL, UNKNOWN is for usage and local failures)
 * and what a person should look at next when one happens. */
#include "config.h"
#include "outcome.h"

#include <netdb.h>

#include <errno.h>
#include <string.h>

static const struct {
	const char *key;
	enum state state;
	const char *hint;
} outcomes[OUTCOME_COUNT] = {
	[OUTCOME_CONNECTED] = {"connected", STATE_OK,
		"the port accepts connections; compare the time with -w/-c"},
	[OUTCOME_REFUSED] = {"refused", STATE_CRITICAL,
		"nothing listens on that port, or a firewall rejects with a TCP reset: on the "
		"server, check 'ss -ntlp' and the firewall rules"},
	[OUTCOME_TIMEOUT] = {"timeout", STATE_CRITICAL,
		"no answer at all: the host is down, or a firewall on the path silently drops "
		"the packets; try 'ping' and 'traceroute -T -p PORT'"},
	[OUTCOME_UNREACHABLE] = {"unreachable", STATE_CRITICAL,
		"a router or firewall answered that the host cannot be reached, or that it "
		"forbids the connection (a reject rule, 'administratively prohibited'): check "
		"the local routes ('ip route get ADDRESS') and the firewalls on the path, this "
		"machine's included ('nft list ruleset')"},
	[OUTCOME_NAME_UNKNOWN] = {"name-unknown", STATE_CRITICAL,
		"the name does not exist: check its spelling, then 'getent hosts NAME' here and "
		"'nslookup NAME' against the DNS server"},
	[OUTCOME_RESOLVER_FAILED] = {"resolver", STATE_CRITICAL,
		"name resolution itself failed or did not answer: check /etc/resolv.conf and "
		"that its nameservers answer ('nslookup NAME')"},
	[OUTCOME_LOCAL_ERROR] = {"local-error", STATE_UNKNOWN,
		"this machine could not even try: check its limits (ulimit -n), memory and "
		"network configuration"},
	[OUTCOME_MISMATCH] = {"mismatch", STATE_WARNING,
		"something answers, but not as expected: is it the right service on that port? "
		"Compare the reply with -e/--expect-regex (-vv shows the settings)"},
	[OUTCOME_NO_DATA] = {"no-data", STATE_CRITICAL,
		"the port accepts connections but the service closed without a word: check the "
		"service's own log, its connection limits and access rules (tcp wrappers, "
		"allow lists)"},
	[OUTCOME_RESET] = {"reset", STATE_CRITICAL,
		"the port is open, but the service reset the connection (at once, or while "
		"talking): it crashed, rejects this client (a proxy's deny rule, an allow "
		"list), or a middlebox cut it; check the service's log"},
};

/* The outcome's name for --state, e.g. "refused". */
const char *
outcome_key(enum outcome outcome)
{
	return outcomes[outcome].key;
}

/* Finds the outcome named by the first `len` bytes of `text`. */
bool
outcome_parse_key(const char *text, unsigned long len, enum outcome *outcome)
{
	for (int i = 0; i < OUTCOME_COUNT; i++) {
		if (strlen(outcomes[i].key) == len && strncmp(text, outcomes[i].key, len) == 0) {
			*outcome = (enum outcome)i;
			return true;
		}
	}
	return false;
}

/* The state of an outcome when the command line does not choose another. */
enum state
outcome_default_state(enum outcome outcome)
{
	return outcomes[outcome].state;
}

/* One sentence for a person at a terminal: what to look at next. */
const char *
outcome_hint(enum outcome outcome)
{
	return outcomes[outcome].hint;
}

/* Classifies the error of a failed connect(). `from_network` says the error came later,
 * through SO_ERROR after connect() said EINPROGRESS: the kernel then learnt it from the
 * network (an ICMP error, a reset) or from its own retransmissions, never from this
 * machine's limits, so it is no local error whatever its errno. */
enum outcome
outcome_from_errno(int err, bool from_network)
{
	switch (err) {
	case 0:
		return OUTCOME_CONNECTED;
	case ECONNREFUSED:
	case ENOENT: /* a Unix socket that does not exist: nothing listens there */
		return OUTCOME_REFUSED;
	case ECONNRESET:
		/* Only a connection that was established can be reset (a SYN answered by a
		 * reset is ECONNREFUSED): something listens, accepted, and cut it at once. */
		return OUTCOME_RESET;
	case ETIMEDOUT:
		return OUTCOME_TIMEOUT;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ENOPROTOOPT: /* an ICMP protocol unreachable from the path or the host */
#ifdef EHOSTDOWN
	case EHOSTDOWN:
#endif
#ifdef ENONET
	case ENONET:
#endif
		return OUTCOME_UNREACHABLE;
	default:
		/* Linux turns an ICMPv6 administratively prohibited, policy fail or reject
		 * route into EACCES, a parameter problem into EPROTO, a failed source route
		 * into EOPNOTSUPP: a router or firewall on the path answered. The same errno
		 * from connect() itself (EACCES from a security module) is this machine's. */
		return from_network ? OUTCOME_UNREACHABLE : OUTCOME_LOCAL_ERROR;
	}
}

/* What the errno of a failure from the network means, in a few words, where the
 * system's text does not say it ("Permission denied" for an ICMPv6 reject, "Connection
 * timed out" when the kernel, not this program, gave up); NULL where the text is plain
 * ("No route to host"). */
const char *
outcome_errno_note(enum outcome outcome, int err)
{
	if (outcome == OUTCOME_TIMEOUT && err == ETIMEDOUT)
		return "the kernel gave up retrying the SYN";
	if (outcome != OUTCOME_UNREACHABLE)
		return NULL;
	switch (err) {
	case EACCES:
	case EPERM:
		return "administratively prohibited";
	case EPROTO:
		return "ICMP parameter problem";
	case ENOPROTOOPT:
		return "ICMP protocol unreachable";
	case EOPNOTSUPP:
		return "ICMP source route failed";
	default:
		return NULL;
	}
}

/* Classifies a getaddrinfo failure: the name does not exist, the resolver failed, or
 * this machine failed (out of memory, a system error). */
enum outcome
outcome_from_gai(int gai_error)
{
	switch (gai_error) {
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
#endif
	case EAI_SERVICE:
		return OUTCOME_NAME_UNKNOWN;
	case EAI_AGAIN:
	case EAI_FAIL:
		return OUTCOME_RESOLVER_FAILED;
	default:
		return OUTCOME_LOCAL_ERROR;
	}
}
