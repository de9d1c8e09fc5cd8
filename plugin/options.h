/* SPDX-License-Identifier: ISC */
/* What the user asked for: the command line, validated before any network traffic. */
#ifndef CHECK_TCPPORT_OPTIONS_H
#define CHECK_TCPPORT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "converse.h"
#include "outcome.h"
#include "ports.h"
#include "range.h"
#include "resolve.h"
#include "state.h"

#define DEFAULT_TIMEOUT_NS  (INT64_C(10) * NS_PER_SEC)
#define DEFAULT_INTERVAL_NS NS_PER_SEC
#define MAX_HOSTS	    64
#define MAX_COUNT	    10000
#define HOST_NAME_MAX_LEN   255
#define MAX_TARGETS	    1000000 /* hosts x ports (x addresses with --addresses=all) */
#define MAX_TARGETS_TEXT    "1000000"

enum output_format {
	OUTPUT_NAGIOS, /* the state line, perfdata, long output */
	OUTPUT_VALUE,  /* the response time in seconds, 0 when nothing connected */
	OUTPUT_STATE,  /* the state as a number, 0-3 */
	OUTPUT_JSON,   /* everything, one JSON object */
	OUTPUT_LLD,    /* Zabbix low-level discovery of the targets, without connecting */
};

struct options {
	const char *hosts[MAX_HOSTS];	/* names or address literals, brackets removed */
	uint16_t host_ports[MAX_HOSTS]; /* HOST:PORT: that host's own port; 0: -p's */
	size_t nhosts;
	int family;			/* AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6) */
	bool all_addresses;		/* --addresses=all: every address must connect */
	struct range warning;		/* -w, on the response time in seconds */
	struct range critical;		/* -c */
	struct range warning_loss;	/* --warning-loss, on the loss in percent */
	struct range critical_loss;	/* --critical-loss */
	int64_t timeout_ns;		/* -t: the budget of the whole run (-n 0: of a probe) */
	unsigned count;			/* -n: probes per target; 0: until a signal */
	bool timestamp;			/* --timestamp: date each probe line of -n 0 */
	int64_t interval_ns;		/* -i: from the start of one probe to the next */
	int64_t probe_timeout_ns;	/* --probe-timeout, else timeout / count */
	unsigned min_ok;		/* --min-ok: targets that must be OK, 0 = all */
	bool min_ok_percent;		/* min_ok is a percentage */
	unsigned max_parallel;		/* --max-parallel: sockets in flight, 0 = no cap */
	bool has_source;		/* -b */
	struct address source;		/* -b, port 0 */
	enum state states[OUTCOME_COUNT]; /* the state each outcome maps to */
	int verbose;			/* -v, repeatable */
	struct converse_config converse; /* -s -e -A -q -m -d --expect-regex --service */
	bool escape;			/* -E: \n \r \t \\ \0 \xNN in -s, -q and -e */
	bool jail;			/* -j: never show the server's reply */
	enum output_format output;	/* --output */
	const char *service;		/* --service NAME */
	char *send_buf;			/* the processed -s and -q, owned */
	char *quit_buf;
	char *expect_buf;		/* the -e with -E, owned */
	/* Last, and not cleared as a whole: 128 KiB of it are only touched as ports are
	 * added, and clearing them would cost more than the rest of a run. */
	struct port_list ports;		/* -p, every port once */
};


enum options_action {
	OPTIONS_RUN,
	OPTIONS_HELP,
	OPTIONS_VERSION,
	OPTIONS_USAGE_ERROR,
};

enum options_action options_parse(int argc, char *argv[], struct options *opts, char *err,
				  size_t err_size);
enum output_format options_output_wanted(int argc, char *argv[]);
size_t options_port_count(const struct options *opts, size_t host);
uint16_t options_port(const struct options *opts, size_t host, size_t i);
bool options_ports_vary(const struct options *opts);
void options_free(struct options *opts);
void options_print_help(void);
void options_print_version(void);

#endif
