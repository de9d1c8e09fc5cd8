/* SPDX-License-Identifier: ISC */
/* plugin/wire.c: the escapes of -E, turned into the bytes of -s, -q and -e, and the
 * malformed ones refused with the escape as typed; check_tcp's -q without -E. */
#include "config.h"

#include <string.h>

#include "plugin/outbuf.h"
#include "plugin/wire.h"
#include "tap.h"

#define S(lit) lit, sizeof(lit) - 1 /* a literal and its length, NUL bytes included */

static const struct {
	const char *src;
	const char *bytes;
	size_t len;
} good[] = {
	{"", S("")},
	{"plain text", S("plain text")},
	{"PING\\r\\n", S("PING\r\n")},
	{"a\\tb\\\\c", S("a\tb\\c")},
	{"\\\\\\\\", S("\\\\")},
	{"\\\\n", S("\\n")},		/* an escaped backslash, then a plain n */
	{"\\0", S("\0")},
	{"\\012", S("\00012")},		/* \0 is one NUL, never octal */
	{"a\\x00b", S("a\0b")},
	{"\\xff\\xFF\\xaB\\x7f", S("\xff\xff\xab\x7f")},
	{"\\x30\\x0c\\x02\\x01\\x01\\x60\\x07\\x02\\x01\\x03\\x04\\x00\\x80\\x00",
	 S("\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00")},
	{"\\x414", S("A4")},		/* exactly two digits */
	{"caf\xc3\xa9", S("caf\xc3\xa9")}, /* bytes typed as they are */
};

static const struct {
	const char *src;
	const char *bad;
} malformed[] = {
	{"\\", "\\"},
	{"ab\\", "\\"},
	{"\\q", "\\q"},
	{"\\N", "\\N"},
	{"\\1", "\\1"},
	{"\\x", "\\x"},
	{"\\x4", "\\x4"},
	{"\\xZZ", "\\xZZ"},
	{"\\x4g", "\\x4g"},
	{"\\xg4", "\\xg4"},
	{"ok\\r\\n\\e", "\\e"},
	{"\\\xc3\xa9", "\\\xc3"},
};

int
main(void)
{
	char q[160], w[160];

	plan((int)(TAP_COUNT(good) + TAP_COUNT(malformed)) + 5);
	for (size_t i = 0; i < TAP_COUNT(good); i++) {
		char dst[128], bad[WIRE_BAD_MAX] = "";
		size_t len = 0;
		bool done = wire_unescape(dst, good[i].src, &len, bad);
		if (!ok(done && len == good[i].len && memcmp(dst, good[i].bytes, len) == 0 &&
				dst[len] == '\0',
			"-E '%s' is '%s'", tap_quote(q, sizeof q, good[i].src, strlen(good[i].src)),
			tap_quote(w, sizeof w, good[i].bytes, good[i].len)))
			diag("returned %d, %zu bytes '%s', bad '%s'", done, len,
			     tap_quote(q, sizeof q, dst, len), bad);
	}
	for (size_t i = 0; i < TAP_COUNT(malformed); i++) {
		char dst[128], bad[WIRE_BAD_MAX] = "";
		size_t len = 12345;
		bool done = wire_unescape(dst, malformed[i].src, &len, bad);
		if (!ok(!done && strcmp(bad, malformed[i].bad) == 0 && len == 12345,
			"-E '%s' is refused, naming '%s'",
			tap_quote(q, sizeof q, malformed[i].src, strlen(malformed[i].src)),
			tap_quote(w, sizeof w, malformed[i].bad, strlen(malformed[i].bad))))
			diag("returned %d, bad '%s'", done, bad);
	}

	/* without -E: as typed, and -q ends in "\r\n" as in check_tcp */
	char dst[32], bad[WIRE_BAD_MAX];
	size_t len;
	ok(wire_string(dst, "a\\q", false, false, &len, bad) && len == 3 &&
		   strcmp(dst, "a\\q") == 0,
	   "-s without -E is sent as typed, backslashes too");
	ok(wire_string(dst, "QUIT", false, true, &len, bad) && len == 6 &&
		   strcmp(dst, "QUIT\r\n") == 0,
	   "-q without -E ends in \\r\\n");
	ok(wire_string(dst, "QUIT\\x00", true, true, &len, bad) && len == 5 &&
		   memcmp(dst, "QUIT\0", 6) == 0,
	   "-q with -E gets nothing appended");
	ok(!wire_string(dst, "\\x", true, false, &len, bad) && strcmp(bad, "\\x") == 0,
	   "-s with -E refuses a malformed escape");

	/* every byte value, escaped as the report shows a reply, reads back as itself */
	char all[256], shown[4 * 256 + 4], back[4 * 256 + 4];
	for (int c = 0; c < 256; c++)
		all[c] = (char)c;
	escape_bytes(shown, sizeof shown, all, sizeof all, sizeof all);
	ok(wire_unescape(back, shown, &len, bad) && len == sizeof all &&
		   memcmp(back, all, sizeof all) == 0,
	   "a reply as the report shows it, given to -E, is the reply's bytes");
	return done();
}
