/* SPDX-License-Identifier: ISC */
/* Port lists: "22,80,443", "8000-8010", service names, repeated -p. */
#ifndef CHECK_TCPPORT_PORTS_H
#define CHECK_TCPPORT_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PORTS_MAX      65535
#define PORTS_SCAN_MAX 64 /* up to this many, duplicates are found by a search */

struct port_list {
	uint16_t ports[PORTS_MAX]; /* in the order given, each once */
	size_t count;
	bool indexed;		   /* seen[] is in use */
	uint8_t seen[(PORTS_MAX + 1) / 8 + 1];
};

void ports_init(struct port_list *list);
bool ports_parse(struct port_list *list, const char *text, char *err, size_t err_size);
bool ports_parse_one(const char *text, uint16_t *port);

#endif
