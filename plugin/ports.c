/* SPDX-License-Identifier: ISC */
/* Parses the value of -p into a list of ports. An item is a port number (1-65535), a
 * range "LOW-HIGH" of numbers, or a tcp service name from /etc/services; items are
 * separated by commas and -p may be repeated. A port named twice is kept once, where it
 * first appeared, so that output and perfdata keep their order from run to run. */
#include "config.h"
#include "ports.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <stdio.h>
#include <string.h>

#include "number.h"

static bool parse_item(const char *item, long *low, long *high);
static void add_port(struct port_list *list, long port);

/* Empties a list. The 8 KiB bitmap of ports seen is only cleared once a list grows
 * long: clearing it on every run would cost more than the rest of a one-port check. */
void
ports_init(struct port_list *list)
{
	list->count = 0;
	list->indexed = false;
}

/* Adds the ports of `text` to `list`. Returns false with one sentence in `err`. */
bool
ports_parse(struct port_list *list, const char *text, char *err, size_t err_size)
{
	const char *p = text;

	do {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		char item[64];
		long low, high;

		if (len == 0 || len >= sizeof item) {
			snprintf(err, err_size,
				 "invalid port list '%s': use ports 1-65535, ranges such as "
				 "8000-8010 and service names, separated by commas",
				 text);
			return false;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (!parse_item(item, &low, &high)) {
			snprintf(err, err_size,
				 "invalid port '%s': use 1-65535, a range LOW-HIGH, or a tcp service "
				 "name from /etc/services",
				 item);
			return false;
		}
		for (long port = low; port <= high; port++)
			add_port(list, port);
		p = comma != NULL ? comma + 1 : NULL;
	} while (p != NULL);
	return true;
}

/* One port, as HOST:PORT gives it: "443" or "https", not a list or a range. */
bool
ports_parse_one(const char *text, uint16_t *port)
{
	long low, high;

	if (strlen(text) >= 64 || strchr(text, ',') != NULL || !parse_item(text, &low, &high) ||
	    low != high)
		return false;
	*port = (uint16_t)low;
	return true;
}

/* One item: "443", "8000-8010" or "https". Sets the inclusive range it stands for. */
static bool
parse_item(const char *item, long *low, long *high)
{
	const char *dash = strchr(item, '-');

	if (item[0] >= '0' && item[0] <= '9') {
		if (dash == NULL) {
			if (!number_parse_long(item, 1, 65535, low))
				return false;
			*high = *low;
			return true;
		}
		char first[16];
		size_t n = (size_t)(dash - item);
		if (n >= sizeof first)
			return false;
		memcpy(first, item, n);
		first[n] = '\0';
		/* The second number must start with a digit: "80--1" is not a range. */
		return dash[1] >= '0' && dash[1] <= '9' && number_parse_long(first, 1, 65535, low) &&
		       number_parse_long(dash + 1, 1, 65535, high) && *low <= *high;
	}
	struct servent *se = getservbyname(item, "tcp");
	if (se == NULL)
		return false;
	*low = *high = ntohs((uint16_t)se->s_port);
	return *low > 0;
}

/* Appends a port unless the list already has it: a short list is searched, a long one
 * keeps a bitmap of the ports it holds. */
static void
add_port(struct port_list *list, long port)
{
	if (!list->indexed && list->count < PORTS_SCAN_MAX) {
		for (size_t i = 0; i < list->count; i++)
			if (list->ports[i] == port)
				return;
		list->ports[list->count++] = (uint16_t)port;
		return;
	}
	if (!list->indexed) {
		memset(list->seen, 0, sizeof list->seen);
		for (size_t i = 0; i < list->count; i++)
			list->seen[list->ports[i] / 8] |= (uint8_t)(1u << (list->ports[i] % 8));
		list->indexed = true;
	}
	if (list->seen[port / 8] & (1u << (port % 8)))
		return;
	list->seen[port / 8] |= (uint8_t)(1u << (port % 8));
	list->ports[list->count++] = (uint16_t)port;
}
