/* SPDX-License-Identifier: ISC */
/* The presets of --service. Each is proven against the real server from Debian's
 * packages by tests/services.bats and tests/presets.bats. Text protocols are checked by
 * their greeting or the answer to a harmless command; binary ones by the first bytes of
 * a well-formed answer. Unlike -e, a preset's reply counts only where its protocol puts
 * it (`at`: the first byte unless said otherwise; `whole`: the entire reply), and a
 * reply that starts with the preset's own request is an echo, not the service:
 * PostgreSQL's S would otherwise be found in "SSH-2.0", http's HTTP/1. in its own
 * request sent back.
 *   postgres: an SSLRequest is answered with one byte, 'S' or 'N';
 *   mysql:    the greeting packet has sequence id 0 and protocol version 10, or the
 *             server answers with an error packet (0xff: "host not allowed"), which
 *             still proves a MySQL server there;
 *   ldap:     an anonymous bind (message id 1) is answered by a bindResponse (0x61);
 *   xmpp:     a client stream header without a `to` (the preset cannot know the
 *             server's domain, and the host name connected to is often not it) is
 *             answered by the server's own stream header (RFC 6120: it sends one even
 *             before a stream error such as improper-addressing or host-unknown);
 *             `</stream:stream>` closes our stream. The server's header must carry an
 *             id (RFC 6120 4.7.3), which ours has not: an echo of our header, whole,
 *             in pieces or after other bytes, is no answer. Prosody logs the refusal
 *             at debug level only;
 *   clamd:    `zPING\0` (the NUL-delimited form of PING) is answered by `PONG\0`, after
 *             which clamd closes the connection itself: there is nothing to quit;
 *   rsync:    the daemon greets with `@RSYNCD: ` and its protocol version; the client
 *             leaves by closing, which rsync logs as a plain connect (a module list
 *             would log a request, a wrong module an error);
 *   telnet:   the server opens with option negotiation, IAC (0xff) then DO (0xfd) or
 *             WILL (0xfb); there is no quit before a login, the client leaves by
 *             closing (inetutils telnetd logs "ttloop: peer died" at info level, as
 *             for any client that leaves during the negotiation);
 *   git:      a protocol v2 request for the repository `/` (a pkt-line: four hex digits
 *             of length, 0x21) is answered by an ERR pkt-line where `/` is no
 *             repository, or by the `version 2` capability advertisement where it is,
 *             which our flush-pkt `0000` ends. git daemon logs one line for the ERR
 *             (it logs a line for any probe naming no exported repository, even for a
 *             bare connect); a request naming one (-s) leaves no line;
 *   mqtt:     an MQTT 3.1.1 CONNECT (clean session, empty client id: the broker names
 *             the session) is answered by a CONNACK (0x20, length 2, no session present)
 *             whose return code is 0 (accepted), or 2, 4 or 5: the broker refuses an
 *             empty client id or wants credentials, which still proves a working broker
 *             (as mysql's error packet does); 1 (another protocol level) and 3 ("server
 *             unavailable") are a mismatch. DISCONNECT then ends the session cleanly;
 *   amqp:     the AMQP 0-9-1 protocol header is answered by a Connection.Start method
 *             frame: class 10, method 10, version 0-9. There is no clean way out before
 *             logging in: RabbitMQ logs a Connection.Close at this stage as an error, a
 *             plain close as a warning ("client unexpectedly closed TCP connection"), so
 *             nothing is sent before closing. */
#include "config.h"
#include "service.h"

#include <stdio.h>
#include <string.h>

#define TEXT(s)                                                                                \
	{                                                                                      \
		s, sizeof(s) - 1                                                               \
	}
#define NONE                                                                                   \
	{                                                                                      \
		NULL, 0                                                                        \
	}

static const char pg_ssl_request[] = "\x00\x00\x00\x08\x04\xd2\x16\x2f";
static const char ldap_bind[] = "\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00";
static const char xmpp_stream[] = "<stream:stream xmlns='jabber:client' "
				   "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
static const char git_upload_pack[] = "0021git-upload-pack /\0\0version=2\0";
/* fixed header, remaining length 12, "MQTT", level 4, clean session, keep-alive 60 s,
 * client id of length 0 */
static const char mqtt_connect[] = "\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00";
static const char amqp_header[] = "AMQP\x00\x00\x09\x01";

static const struct service services[] = {
	{"ftp", 21, NONE, {TEXT("220")}, 1, TEXT("QUIT\r\n"), "greeting 220", .at = 0},
	{"ssh", 22, NONE, {TEXT("SSH-")}, 1, NONE, "greeting SSH-", .at = PRESET_ANYWHERE},
	{"smtp", 25, NONE, {TEXT("220")}, 1, TEXT("QUIT\r\n"), "greeting 220", .at = 0},
	{"http", 80, TEXT("HEAD / HTTP/1.0\r\n\r\n"), {TEXT("HTTP/1.")}, 1, NONE,
	 "HEAD / answered by HTTP/1.x", .at = 0},
	{"pop", 110, NONE, {TEXT("+OK")}, 1, TEXT("QUIT\r\n"), "greeting +OK", .at = 0},
	{"nntp", 119, NONE, {TEXT("200"), TEXT("201")}, 2, TEXT("QUIT\r\n"),
	 "greeting 200 or 201", .at = 0},
	{"imap", 143, NONE, {TEXT("* OK")}, 1, TEXT("a1 LOGOUT\r\n"), "greeting * OK", .at = 0},
	{"ldap", 389, {ldap_bind, sizeof ldap_bind - 1}, {{"\x02\x01\x01\x61", 4}}, 1, NONE,
	 "anonymous bind answered by a bindResponse", .at = PRESET_ANYWHERE},
	{"mysql", 3306, NONE, {{"\x00\x0a", 2}, {"\x00\xff", 2}}, 2, NONE,
	 "greeting packet (protocol 10), or an error packet: the server refuses this host", .at = 3},
	{"postgres", 5432, {pg_ssl_request, sizeof pg_ssl_request - 1}, {TEXT("S"), TEXT("N")}, 2,
	 NONE, "SSLRequest answered by S or N", .whole = true},
	{"redis", 6379, TEXT("PING\r\n"), {TEXT("+PONG")}, 1, NONE, "PING answered by +PONG", .at = 0},
	{"memcached", 11211, TEXT("version\r\n"), {TEXT("VERSION ")}, 1, NONE,
	 "version answered by VERSION", .at = 0},
	{"xmpp", 5222, TEXT(xmpp_stream), {TEXT("<stream:stream"), TEXT(" id=")}, 2,
	 TEXT("</stream:stream>"), "client stream header answered by a stream header",
	 .at = PRESET_ANYWHERE, .all = true},
	{"clamd", 3310, {"zPING\0", 6}, {{"PONG\0", 5}}, 1, NONE, "zPING answered by PONG", .at = 0},
	{"rsync", 873, NONE, {TEXT("@RSYNCD: ")}, 1, NONE, "greeting @RSYNCD:", .at = 0},
	{"git", 9418, {git_upload_pack, sizeof git_upload_pack - 1},
	 {TEXT("ERR "), TEXT("version 2\n")}, 2, TEXT("0000"),
	 "upload-pack of / answered by an ERR or a version 2 pkt-line", .at = 4},
	{"telnet", 23, NONE, {{"\xff\xfd", 2}, {"\xff\xfb", 2}}, 2, NONE,
	 "option negotiation: IAC DO or IAC WILL", .at = 0},
	{"mqtt", 1883, {mqtt_connect, sizeof mqtt_connect - 1},
	 {TEXT("\x20\x02\x00\x00"), TEXT("\x20\x02\x00\x02"), TEXT("\x20\x02\x00\x04"),
	  TEXT("\x20\x02\x00\x05")},
	 4, TEXT("\xe0\x00"),
	 "CONNECT answered by CONNACK: accepted, or refused for its client id or credentials", .at = 0},
	{"amqp", 5672, {amqp_header, sizeof amqp_header - 1}, {TEXT("\x00\x0a\x00\x0a\x00\x09")}, 1,
	 NONE, "AMQP 0-9-1 header answered by Connection.Start", .at = 7},
	{"beanstalkd", 11300, TEXT("list-tube-used\r\n"), {TEXT("USING ")}, 1, TEXT("quit\r\n"),
	 "list-tube-used answered by USING", .at = 0},
	{"sieve", 4190, NONE, {TEXT("\"IMPLEMENTATION\"")}, 1, TEXT("LOGOUT\r\n"),
	 "greeting with the IMPLEMENTATION capability",
	 .at = PRESET_ANYWHERE},
};

/* Other names of a preset: jabber is what check_tcp calls xmpp (check_jabber). */
static const struct {
	const char *alias;
	const char *name;
} aliases[] = {
	{"jabber", "xmpp"},
};

/* The preset called `name` (or by an alias of it), or NULL. */
const struct service *
service_find(const char *name)
{
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcmp(aliases[i].alias, name) == 0)
			name = aliases[i].name;
	for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
		if (strcmp(services[i].name, name) == 0)
			return &services[i];
	return NULL;
}

/* Every preset, for --help and error messages. */
const struct service *
service_list(size_t *count)
{
	*count = sizeof services / sizeof services[0];
	return services;
}

/* The name of the preset at `i`, with its aliases in brackets: "xmpp (jabber)". */
static size_t
name_with_aliases(size_t i, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s", services[i].name);
	for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++)
		if (n >= 0 && (size_t)n < size && strcmp(aliases[a].name, services[i].name) == 0)
			n += snprintf(buf + n, size - (size_t)n, " (%s)", aliases[a].alias);
	return n < 0 ? 0 : (size_t)n;
}

/* Every preset for a message, "ftp, ssh, ... or sieve", from the table itself so that
 * a new preset is never missing from it. */
static void
service_names(char *buf, size_t size)
{
	size_t count = sizeof services / sizeof services[0], len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < count && len < size; i++) {
		const char *sep = i == 0 ? "" : i + 1 == count ? " or " : ", ";
		len += (size_t)snprintf(buf + len, size - len, "%s", sep);
		if (len < size)
			len += name_with_aliases(i, buf + len, size - len);
	}
}

/* --service NAME: its request and expected reply unless -s / -e / --expect-regex are
 * given (cc holds them), its quit string unless -q is, and its port when `need_port`
 * (no -p, and a host that is not a socket). Returns false with a usage error in `err`
 * for a name that is no preset. */
bool
service_apply(const char *name, struct port_list *ports, bool need_port,
	      struct converse_config *cc, char *err, size_t size)
{
	const struct service *sv = service_find(name);

	if (sv == NULL) {
		char names[512];
		service_names(names, sizeof names);
		snprintf(err, size, "unknown --service '%s': use %s", name, names);
		return false;
	}
	if (need_port) {
		char port[8];
		snprintf(port, sizeof port, "%u", sv->port);
		ports_parse(ports, port, err, size);
	}
	if (cc->nexpects == 0 && cc->nregexes == 0) {
		for (size_t i = 0; i < sv->nexpects; i++)
			cc->expects[cc->nexpects++] = sv->expects[i];
		cc->anchored = sv->at != PRESET_ANYWHERE;
		cc->expect_at = sv->at == PRESET_ANYWHERE ? 0 : (size_t)sv->at;
		cc->whole = sv->whole;
		cc->no_echo = true;
		cc->all = cc->all || sv->all;
	}
	cc->send = sv->send;
	cc->quit = sv->quit;
	cc->quit_if_met = true; /* until -q gives the user's own */
	return true;
}
