/* SPDX-License-Identifier: ISC */
/* What can happen when one tries to open a TCP connection, as a person reads it. */
#ifndef CHECK_TCPPORT_OUTCOME_H
#define CHECK_TCPPORT_OUTCOME_H

#include "state.h"

enum outcome {
	OUTCOME_CONNECTED,	  /* the handshake completed */
	OUTCOME_REFUSED,	  /* ECONNREFUSED: nothing listens, or a firewall resets */
	OUTCOME_TIMEOUT,	  /* the deadline passed while connecting */
	OUTCOME_UNREACHABLE,	  /* EHOSTUNREACH, ENETUNREACH, or an error from the network:
				   * no route, an ICMP reject */
	OUTCOME_NAME_UNKNOWN,	  /* EAI_NONAME: the name does not exist */
	OUTCOME_RESOLVER_FAILED,  /* EAI_AGAIN, EAI_FAIL, or no answer before the deadline */
	OUTCOME_LOCAL_ERROR,	  /* EMFILE, ENOMEM, EADDRNOTAVAIL...: this machine's fault */
	OUTCOME_MISMATCH,	  /* the reply did not meet -e / --expect-regex */
	OUTCOME_NO_DATA,	  /* the server closed without a byte of reply */
	OUTCOME_RESET,		  /* the server reset the connection during the conversation */
	OUTCOME_COUNT
};

const char *outcome_key(enum outcome outcome);
bool outcome_parse_key(const char *text, unsigned long len, enum outcome *outcome);
enum state outcome_default_state(enum outcome outcome);
const char *outcome_hint(enum outcome outcome);
enum outcome outcome_from_errno(int err, bool from_network);
const char *outcome_errno_note(enum outcome outcome, int err);
enum outcome outcome_from_gai(int gai_error);

#endif
