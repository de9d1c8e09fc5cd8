/* What the user asked for: the command line, validated before any network traffic. */
#ifndef CHECK_TCPPORT_OPTIONS_H
#define CHECK_TCPPORT_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "outcome.h"
#include "range.h"
#include "state.h"

#define DEFAULT_TIMEOUT_NS (INT64_C(10) * 1000000000)

struct options {
	const char *host;	      /* name or address literal, brackets removed */
	char host_buf[256];	      /* storage for a host that needed rewriting */
	unsigned port;		      /* 1-65535 */
	const char *port_text;	      /* as given: a number or a service name */
	int family;		      /* AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6) */
	struct range warning;	      /* -w, on the response time in seconds */
	struct range critical;	      /* -c */
	int64_t timeout_ns;	      /* -t: the budget of the whole run */
	enum state states[OUTCOME_COUNT]; /* the state each outcome maps to */
	int verbose;		      /* -v, repeatable */
};

enum options_action {
	OPTIONS_RUN,
	OPTIONS_HELP,
	OPTIONS_VERSION,
	OPTIONS_USAGE_ERROR,
};

enum options_action options_parse(int argc, char *argv[], struct options *opts, char *err,
				  size_t err_size);
void options_print_help(void);
void options_print_version(void);

#endif
