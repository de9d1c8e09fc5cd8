/* SPDX-License-Identifier: ISC */
/* plugin/converse.c: converse_matches, the expectation on a reply (-e substrings,
 * --expect-regex POSIX EREs compiled as options.c compiles them, -A for all of them). */
#include "config.h"

#include <regex.h>
#include <string.h>

#include "plugin/converse.h"
#include "tap.h"

#define B(lit) {lit, sizeof(lit) - 1} /* bytes of a literal, NUL bytes included */
#define NONE   {NULL, 0}

struct lit {
	const char *data;
	size_t len;
};

static const struct {
	const char *name;
	struct lit expects[3]; /* the -e values, up to the first NULL */
	const char *regexes[2];
	bool all;
	struct lit reply;
	bool matches;
} cases[] = {
	{"a banner prefix", {B("SSH-")}, {NULL}, false, B("SSH-2.0-OpenSSH_9.2\r\n"), true},
	{"substrings are case-sensitive", {B("ssh-")}, {NULL}, false, B("SSH-2.0\r\n"), false},
	{"in the middle", {B("ESMTP")}, {NULL}, false, B("220 mx ESMTP Postfix\r\n"), true},
	{"at the very end", {B("\r\n")}, {NULL}, false, B("+OK\r\n"), true},
	{"only a prefix of it at the end", {B("abc")}, {NULL}, false, B("xxab"), false},
	{"longer than the reply", {B("hello world")}, {NULL}, false, B("hello"), false},
	{"a repeated first byte", {B("aab")}, {NULL}, false, B("aaab"), true},
	{"the whole reply", {B("OK")}, {NULL}, false, B("OK"), true},
	{"an empty reply", {B("OK")}, {NULL}, false, B(""), false},
	{"an empty -e matches anything", {B("")}, {NULL}, false, B("x"), true},
	{"an empty -e matches even nothing", {B("")}, {NULL}, false, B(""), true},
	{"a NUL inside the expected bytes", {B("a\0b")}, {NULL}, false, B("xa\0by"), true},
	{"a NUL the reply lacks", {B("a\0b")}, {NULL}, false, B("xab"), false},
	{"a substring after a NUL of the reply", {B("OK")}, {NULL}, false, B("\0\0OK"), true},
	{"bytes >= 0x80", {B("\xff\xfe")}, {NULL}, false, B("\x80\xff\xfe\x01"), true},
	{"any of several", {B("a"), B("zz")}, {NULL}, false, B("xa"), true},
	{"none of several", {B("q"), B("zz")}, {NULL}, false, B("xa"), false},
	{"-A, one of two missing", {B("a"), B("b")}, {NULL}, true, B("a"), false},
	{"-A, both there", {B("a"), B("b")}, {NULL}, true, B("ba"), true},
	{"-A, the same -e twice", {B("a"), B("a")}, {NULL}, true, B("a"), true},
	{"-A, three", {B("220"), B("ESMTP"), B("\r\n")}, {NULL}, true, B("220 ESMTP\r\n"), true},
	{"a regular expression", {NONE}, {"^SSH-2\\.0-"}, false, B("SSH-2.0-x\r\n"), true},
	{"a regular expression that fails", {NONE}, {"^SSH-1\\."}, false, B("SSH-2.0-x"), false},
	{"'^' is the start of the reply only", {NONE}, {"^220"}, false, B("hello\n220 mx"), false},
	{"'.' crosses lines", {NONE}, {"hello.220"}, false, B("hello\n220"), true},
	{"an ERE alternation", {NONE}, {"^(\\+OK|220) "}, false, B("220 ready"), true},
	{"a bracket class", {NONE}, {"^HTTP/1\\.[01] [23][0-9][0-9]"}, false,
	 B("HTTP/1.1 301 Moved\r\n"), true},
	{"a regular expression stops at a NUL", {NONE}, {"OK"}, false, B("\0OK"), false},
	{"so the reply is empty to it", {NONE}, {"^$"}, false, B("\0OK"), true},
	{"up to the NUL it sees", {NONE}, {"^ab$"}, false, B("ab\0cd"), true},
	{"-e or a regular expression", {B("nope")}, {"^2"}, false, B("220"), true},
	{"-A, -e and a regular expression", {B("ESMTP")}, {"^220"}, true, B("220 ESMTP"), true},
	{"-A, the regular expression fails", {B("ESMTP")}, {"^250"}, true, B("220 ESMTP"), false},
	{"-A, the -e fails", {B("LMTP")}, {"^220"}, true, B("220 ESMTP"), false},
	{"-A, two regular expressions", {NONE}, {"^220", "ESMTP$"}, true, B("220 ESMTP"), true},
	{"nothing expected, any", {NONE}, {NULL}, false, B("x"), false},
	{"nothing expected, -A", {NONE}, {NULL}, true, B("x"), true},
};

int
main(void)
{
	plan((int)TAP_COUNT(cases));
	for (size_t i = 0; i < TAP_COUNT(cases); i++) {
		static struct converse_config cfg;
		unsigned char reply[64];
		bool compiled = true;

		memset(&cfg, 0, sizeof cfg);
		cfg.all = cases[i].all;
		for (size_t k = 0; k < 3 && cases[i].expects[k].data != NULL; k++)
			cfg.expects[cfg.nexpects++] =
				(struct bytes){cases[i].expects[k].data, cases[i].expects[k].len};
		for (size_t k = 0; k < 2 && cases[i].regexes[k] != NULL; k++)
			if (regcomp(&cfg.regexes[cfg.nregexes], cases[i].regexes[k],
				    REG_EXTENDED | REG_NOSUB) == 0)
				cfg.nregexes++;
			else
				compiled = false;
		/* the engine's buffer: data[len] is always 0 */
		memcpy(reply, cases[i].reply.data, cases[i].reply.len);
		reply[cases[i].reply.len] = '\0';
		bool got = compiled && converse_matches(&cfg, reply, cases[i].reply.len);
		ok(compiled && got == cases[i].matches, "%s: %s", cases[i].name,
		   cases[i].matches ? "met" : "not met");
		for (size_t k = 0; k < cfg.nregexes; k++)
			regfree(&cfg.regexes[k]);
	}
	return done();
}
