/* SPDX-License-Identifier: ISC */
/* plugin/outbuf.c: escape_bytes, which makes a server's reply safe to put in a report
 * (one line, no perfdata separator, no bytes a monitoring core might choke on), and the
 * buffer's number writers. */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "plugin/outbuf.h"
#include "tap.h"

#define S(lit) lit, sizeof(lit) - 1 /* a literal and its length, NUL bytes included */

static const struct {
	const char *src;
	size_t len;
	size_t cap, size;
	const char *expected;
} escapes[] = {
	{S("hello"), 100, 64, "hello"},
	{S(""), 100, 64, ""},
	{S(" !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{}~"), 100, 64,
	 " !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{}~"},
	{S("a\nb"), 100, 64, "a\\nb"},
	{S("\r\n"), 100, 64, "\\r\\n"},
	{S("\t"), 100, 64, "\\t"},
	{S("C:\\dir"), 100, 64, "C:\\\\dir"},
	{S("a|b"), 100, 64, "a\\x7cb"},
	{S("\x01"), 100, 64, "\\x01"},
	{S("\x1b[31m"), 100, 64, "\\x1b[31m"},
	{S("\x1f"), 100, 64, "\\x1f"},
	{S("\x7f"), 100, 64, "\\x7f"},
	{S("\x80"), 100, 64, "\\x80"},
	{S("\xff"), 100, 64, "\\xff"},
	{S("caf\xc3\xa9"), 100, 64, "caf\\xc3\\xa9"},
	{S("\v\f\b\a"), 100, 64, "\\x0b\\x0c\\x08\\x07"},
	{S("a\0b"), 100, 64, "a\\x00b"},	/* NUL is a byte like any other */
	{S("\0"), 100, 64, "\\x00"},
	{S("SSH-2.0-OpenSSH_9.2\r\n"), 100, 64, "SSH-2.0-OpenSSH_9.2\\r\\n"},
	/* the cap: bytes of the source, marked "..." when there were more */
	{S("hello"), 5, 64, "hello"},
	{S("hello"), 4, 64, "hell..."},
	{S("hello"), 1, 64, "h..."},
	{S("hello"), 0, 64, "..."},
	{S(""), 0, 64, ""},
	{S("\n\n\n"), 2, 64, "\\n\\n..."},
	{S("\xff\xff"), 1, 64, "\\xff..."},
	/* the size: the result always fits with its NUL, an escape is never split */
	{S("hello"), 100, 6, "hello"},
	{S("hello"), 100, 5, "hell"},
	{S("hello"), 100, 1, ""},
	{S("\n"), 100, 3, "\\n"},
	{S("\n"), 100, 2, ""},
	{S("\x01"), 100, 5, "\\x01"},
	{S("\x01"), 100, 4, ""},
	{S("a\x01"), 100, 5, "a"},
	{S("ab\\"), 100, 4, "ab"},
	{S("hello"), 3, 7, "hel..."},
	{S("hello"), 3, 6, "hel"},	/* no room for the mark */
	{S("hello"), 3, 4, "hel"},
	{S("hello"), 3, 3, "he"},
};

/* What one byte must become, said another way than escape_bytes says it. */
static void
expected_byte(unsigned c, char *buf, size_t size)
{
	static const char *const named[] = {['\t'] = "\\t", ['\n'] = "\\n", ['\r'] = "\\r"};

	if (c < sizeof named / sizeof named[0] && named[c] != NULL)
		snprintf(buf, size, "%s", named[c]);
	else if (c == '\\')
		snprintf(buf, size, "\\\\");
	else if (c >= ' ' && c <= '~' && c != '|')
		snprintf(buf, size, "%c", c);
	else
		snprintf(buf, size, "\\x%02x", c);
}

static struct outbuf out;

int
main(void)
{
	char q[160], w[80];

	plan((int)TAP_COUNT(escapes) + 18);
	for (size_t i = 0; i < TAP_COUNT(escapes); i++) {
		char dst[128];
		const char *want = escapes[i].expected;
		memset(dst, 'X', sizeof dst);
		size_t n = escape_bytes(dst, escapes[i].size, escapes[i].src, escapes[i].len,
					escapes[i].cap);
		bool fits = memchr(dst, '\0', escapes[i].size) != NULL;
		if (!ok(fits && n == strlen(want) && strcmp(dst, want) == 0,
			"escape_bytes('%s', cap %zu, size %zu) is '%s'",
			tap_quote(q, sizeof q, escapes[i].src, escapes[i].len), escapes[i].cap,
			escapes[i].size, tap_quote(w, sizeof w, want, strlen(want))))
			diag("returned %zu, wrote '%s'", n,
			     fits ? tap_quote(q, sizeof q, dst, strlen(dst)) : "(no NUL)");
	}

	/* every byte value, one at a time */
	int bad = 0;
	for (unsigned c = 0; c < 256; c++) {
		char src = (char)c, dst[8], want[8];
		expected_byte(c, want, sizeof want);
		size_t n = escape_bytes(dst, sizeof dst, &src, 1, 1);
		if ((n != strlen(want) || strcmp(dst, want) != 0) && bad++ < 5)
			diag("byte 0x%02x gives '%s', expected '%s'", c, dst, want);
	}
	ok(bad == 0, "each of the 256 byte values is escaped as the manual says (%d differ)", bad);

	/* size 0: nothing written at all */
	char c = 'X';
	ok(escape_bytes(&c, 0, "abc", 3, 3) == 0 && c == 'X', "escape_bytes with size 0 writes nothing");

	/* the worst case a reply can be: every byte escaped to four, up to the cap of 256 */
	char reply[301], want[1100];
	memset(reply, 0xff, sizeof reply);
	want[0] = '\0';
	for (int i = 0; i < 256; i++)
		strcat(want, "\\xff");
	strcat(want, "...");
	out.len = 0;
	reply[sizeof reply - 1] = '\0';
	out_escaped(&out, reply, 1000);
	ok(out.len == strlen(want) && memcmp(out.buf, want, out.len) == 0,
	   "out_escaped keeps 256 bytes at most, each escaped, and marks the cut");
	out.len = 0;
	out_escaped(&out, "a|b\n", 10);
	ok(out.len == 8 && memcmp(out.buf, "a\\x7cb\\n", 8) == 0, "out_escaped of 'a|b\\n' is 'a\\x7cb\\n'");

	static const struct {
		double value;
		int decimals;
		const char *expected;
	} fixed[] = {
		{0.000491, 6, "0.000491"},
		{1e12, 6, "1000000000000.000000"}, /* past number_fixed: printf */
		{-2.5, 1, "-2.5"},
	};
	for (size_t i = 0; i < TAP_COUNT(fixed); i++) {
		out.len = 0;
		out_fixed(&out, fixed[i].value, fixed[i].decimals);
		ok(out.len == strlen(fixed[i].expected) &&
			   memcmp(out.buf, fixed[i].expected, out.len) == 0,
		   "out_fixed(%.17g, %d) is '%s'", fixed[i].value, fixed[i].decimals,
		   fixed[i].expected);
	}

	static const struct {
		unsigned long value;
		const char *expected;
	} uints[] = {{0, "0"}, {7, "7"}, {65535, "65535"}, {ULONG_MAX, "18446744073709551615"}};
	for (size_t i = 0; i < TAP_COUNT(uints); i++) {
		out.len = 0;
		out_uint(&out, uints[i].value);
		ok(out.len == strlen(uints[i].expected) &&
			   memcmp(out.buf, uints[i].expected, out.len) == 0,
		   "out_uint(%lu) is '%s'", uints[i].value, uints[i].expected);
	}

	static const struct {
		double value;
		const char *expected;
	} seconds[] = {{2.5, "2.5"}, {10, "10"}, {0.001, "0.001"}, {0.0004, "0"}};
	for (size_t i = 0; i < TAP_COUNT(seconds); i++) {
		out.len = 0;
		out_seconds(&out, seconds[i].value);
		ok(out.len == strlen(seconds[i].expected) &&
			   memcmp(out.buf, seconds[i].expected, out.len) == 0,
		   "out_seconds(%g) is '%s'", seconds[i].value, seconds[i].expected);
	}

	/* the buffer grows instead of writing: 100,000 appends are all there, in order */
	struct outbuf big = {0};
	bool in_order = true;
	for (unsigned long i = 0; i < 100000; i++)
		out_uint(&big, i % 10);
	for (size_t i = 0; i < big.len && in_order; i++)
		in_order = big.buf[i] == (char)('0' + i % 10);
	ok(big.len == 100000 && in_order && !big.truncated && big.cap >= big.len,
	   "an outbuf grows to hold 100000 bytes, in order (len %zu)", big.len);
	out_str(&big, "\nhalf a line");
	out_cut_to_line(&big);
	ok(big.len == 100001 && big.buf[big.len - 1] == '\n',
	   "out_cut_to_line keeps the whole lines only");
	out_free(&big);
	ok(big.buf == NULL && big.len == 0 && big.cap == 0 && !big.truncated,
	   "out_free leaves an empty outbuf");
	out_free(&out);
	return done();
}
