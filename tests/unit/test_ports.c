/* SPDX-License-Identifier: ISC */
/* plugin/ports.c: the value of -p. Lists are compared written back with runs of
 * consecutive ports joined ("8000-8003,22"), in the order the list holds them. */
#include "config.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "plugin/ports.h"
#include "tap.h"

/* One list, from one or two -p values; expected NULL: the (last) value is refused with
 * an error that contains `error`. */
static const struct {
	const char *first, *second; /* second: a repeated -p, or NULL */
	const char *expected;
	const char *error;
	bool services;		    /* needs /etc/services */
} lists[] = {
	{"22", NULL, "22", NULL, false},
	{"1", NULL, "1", NULL, false},
	{"65535", NULL, "65535", NULL, false},
	{"00022", NULL, "22", NULL, false},
	{"22,80,443", NULL, "22,80,443", NULL, false},
	{"443,80,22", NULL, "443,80,22", NULL, false}, /* the order given */
	{"80,80", NULL, "80", NULL, false},
	{"80,22,80,22", NULL, "80,22", NULL, false},
	{"8000-8003", NULL, "8000-8003", NULL, false},
	{"5-5", NULL, "5", NULL, false},
	{"65534-65535", NULL, "65534-65535", NULL, false},
	{"8002,8000-8003", NULL, "8002,8000-8001,8003", NULL, false},
	{"1-100,50,100-200", NULL, "1-200", NULL, false}, /* past the search: the bitmap */
	{"1-64,64,65,1", NULL, "1-65", NULL, false},
	{"300-400,1-300", NULL, "300-400,1-299", NULL, false},
	{"1-65535", NULL, "1-65535", NULL, false},
	{"1-65535,1-65535,80", NULL, "1-65535", NULL, false},
	{"80", "443,80", "80,443", NULL, false},
	{"1-100", "50-150", "1-150", NULL, false},
	{"0", NULL, NULL, "invalid port '0'", false},
	{"65536", NULL, NULL, "invalid port '65536'", false},
	{"99999999999999999999", NULL, NULL, "invalid port '99999999999999999999'", false},
	{"1-", NULL, NULL, "invalid port '1-'", false},
	{"-1", NULL, NULL, "invalid port '-1'", false},
	{"-", NULL, NULL, "invalid port '-'", false},
	{"0-5", NULL, NULL, "invalid port '0-5'", false},
	{"10-5", NULL, NULL, "invalid port '10-5'", false},
	{"65535-65536", NULL, NULL, "invalid port '65535-65536'", false},
	{"80--1", NULL, NULL, "invalid port '80--1'", false},
	{"80-+90", NULL, NULL, "invalid port '80-+90'", false},
	{"1-2-3", NULL, NULL, "invalid port '1-2-3'", false},
	{"12345678901234567-2", NULL, NULL, "invalid port '12345678901234567-2'", false},
	{"80x", NULL, NULL, "invalid port '80x'", false},
	{"+80", NULL, NULL, "invalid port '+80'", false},
	{" 80", NULL, NULL, "invalid port ' 80'", false},
	{"80 ", NULL, NULL, "invalid port '80 '", false},
	{"8.0", NULL, NULL, "invalid port '8.0'", false},
	{"", NULL, NULL, "invalid port list ''", false},
	{",", NULL, NULL, "invalid port list ','", false},
	{"22,", NULL, NULL, "invalid port list '22,'", false},
	{",22", NULL, NULL, "invalid port list ',22'", false},
	{"22,,80", NULL, NULL, "invalid port list '22,,80'", false},
	{"22,0", NULL, NULL, "invalid port '0'", false},
	{"80", "65536", NULL, "invalid port '65536'", false},
	/* an item of 64 characters or more is refused before it is read */
	{"0000000000000000000000000000000000000000000000000000000000000080", NULL, NULL,
	 "invalid port list", false},
	{"ssh", NULL, "22", NULL, true},
	{"ssh,http,https", NULL, "22,80,443", NULL, true},
	{"http,80,www", NULL, "80", NULL, true},
	{"SSH", NULL, NULL, "invalid port 'SSH'", true}, /* /etc/services is case-sensitive */
	{"no-such-service", NULL, NULL, "invalid port 'no-such-service'", true},
	{"ssh,nope", NULL, NULL, "invalid port 'nope'", true},
};

/* The list written back, runs of consecutive ports as "LOW-HIGH". */
static void
write_list(const struct port_list *l, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->count && n < size; i++) {
		size_t j = i;
		while (j + 1 < l->count && l->ports[j + 1] == l->ports[j] + 1)
			j++;
		int w = j > i ? snprintf(buf + n, size - n, "%s%u-%u", i > 0 ? "," : "",
					 l->ports[i], l->ports[j])
			      : snprintf(buf + n, size - n, "%s%u", i > 0 ? "," : "", l->ports[i]);
		if (w < 0)
			break;
		n += (size_t)w;
		i = j;
	}
}

/* Static: a list is 136 KiB. */
static struct port_list list;

int
main(void)
{
	bool have_services = getservbyname("ssh", "tcp") != NULL;
	char q[160];

	plan((int)TAP_COUNT(lists) + 3);
	for (size_t i = 0; i < TAP_COUNT(lists); i++) {
		const char *first = lists[i].first, *second = lists[i].second;
		const char *want = lists[i].expected;
		char err[256] = "", got[512];
		bool r;

		tap_quote(q, sizeof q, first, strlen(first));
		if (second != NULL)
			snprintf(q + strlen(q), sizeof q - strlen(q), "' -p '%s", second);
		if (lists[i].services && !have_services) {
			skip("-p '%s': no tcp 'ssh' in /etc/services (netbase)", q);
			continue;
		}
		ports_init(&list);
		r = ports_parse(&list, first, err, sizeof err);
		if (r && second != NULL)
			r = ports_parse(&list, second, err, sizeof err);
		write_list(&list, got, sizeof got);
		if (want != NULL) {
			if (!ok(r && strcmp(got, want) == 0, "-p '%s' is %s", q, want))
				diag("returned %d, list '%s', error '%s'", r, got, err);
		} else {
			if (!ok(!r && strstr(err, lists[i].error) != NULL, "-p '%s' is refused: %s", q,
				lists[i].error))
				diag("returned %d, list '%s', error '%s'", r, got, err);
		}
	}

	/* the whole error sentence, and one cut to a small buffer */
	char err[256] = "", small[16];
	ports_init(&list);
	ports_parse(&list, "0", err, sizeof err);
	ok(strcmp(err, "invalid port '0': use 1-65535, a range LOW-HIGH, or a tcp service name "
		       "from /etc/services") == 0,
	   "the error for a bad item says what an item may be");
	ports_init(&list);
	ports_parse(&list, "1,,2", err, sizeof err);
	ok(strcmp(err, "invalid port list '1,,2': use ports 1-65535, ranges such as 8000-8010 "
		       "and service names, separated by commas") == 0,
	   "the error for an empty item says what a list may be");
	memset(small, 'X', sizeof small);
	ports_init(&list);
	ports_parse(&list, "65536", small, sizeof small);
	ok(memchr(small, '\0', sizeof small) == small + sizeof small - 1 &&
		   strcmp(small, "invalid port '6") == 0,
	   "an error is cut to the caller's buffer, NUL-terminated");
	return done();
}
