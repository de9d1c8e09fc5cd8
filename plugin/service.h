/* SPDX-License-Identifier: ISC */
/* --service: the port, request and expected reply of common protocols. */
#ifndef CHECK_TCPPORT_SERVICE_H
#define CHECK_TCPPORT_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "converse.h"
#include "ports.h"

struct service {
	const char *name;
	unsigned port;
	struct bytes send;
	struct bytes expects[4];
	size_t nexpects;
	struct bytes quit;
	const char *about;
	/* Where the expected reply begins: 0, the first byte, unless said otherwise
	 * (PRESET_ANYWHERE: a protocol that may send something before it). */
	int at;
	bool whole; /* the reply is exactly the expected bytes */
	bool all;   /* every expected string must be there, not one of them */
};

#define PRESET_ANYWHERE (-1)

const struct service *service_find(const char *name);
const struct service *service_list(size_t *count);
bool service_apply(const char *name, struct port_list *ports, bool need_port,
		   struct converse_config *cc, char *err, size_t size);

#endif
