/* The output buffer. A report is usually one write(2): a monitoring core never reads half
 * a line. Output larger than the buffer (thousands of targets) is written in pieces as it
 * fills, so memory stays bounded; the first line always goes out whole in the first
 * piece. Numbers never depend on the locale: the program never calls setlocale(), so
 * printf stays in the "C" locale with '.' as the decimal point. */
#include "config.h"
#include "outbuf.h"

#include <unistd.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "number.h"

static void make_room(struct outbuf *o, size_t need);

/* Appends a string. */
void
out_str(struct outbuf *o, const char *s)
{
	size_t n = strlen(s);

	make_room(o, n);
	if (n > sizeof o->buf - o->len)
		n = sizeof o->buf - o->len;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* Appends printf output (cut at the buffer's size, which no format here comes near). */
void
out_fmt(struct outbuf *o, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		out_str(o, tmp);
}

/* Appends text that did not come from this program, escaped and cut after `cap` bytes. */
void
out_escaped(struct outbuf *o, const char *s, size_t cap)
{
	char tmp[4 * 256 + 4];
	size_t len = strlen(s);

	if (cap > 256)
		cap = 256;
	escape_bytes(tmp, sizeof tmp, s, len, cap);
	out_str(o, tmp);
}

/* Appends a number with exactly `decimals` decimals ("0.000491"), as "%.6f" would. */
void
out_fixed(struct outbuf *o, double value, int decimals)
{
	char buf[48];

	if (number_fixed(buf, sizeof buf, value, decimals) > 0)
		out_str(o, buf);
	else
		out_fmt(o, "%.*f", decimals, value);
}

/* Appends a whole number. */
void
out_uint(struct outbuf *o, unsigned long value)
{
	char buf[24];
	size_t n = sizeof buf;

	buf[--n] = '\0';
	do {
		buf[--n] = (char)('0' + value % 10);
		value /= 10;
	} while (value > 0);
	out_str(o, buf + n);
}

/* Appends seconds as people write them: "2.5", "10", "0.001". */
void
out_seconds(struct outbuf *o, double seconds)
{
	char buf[32];

	number_format(buf, sizeof buf, seconds, 3);
	out_str(o, buf);
}

/* Writes what the buffer holds. A closed or full stdout cannot be reported anywhere; the
 * exit code still carries the state. */
void
out_flush(struct outbuf *o)
{
	size_t done = 0;

	while (done < o->len) {
		ssize_t n = write(STDOUT_FILENO, o->buf + done, o->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	o->len = 0;
}

/* Copies at most `cap` bytes of `src` into `dst` (NUL-terminated, never more than `size`
 * bytes) with everything that could break a monitoring core's parser escaped: control
 * bytes and newlines as \n \r \t \xNN, '|' (the perfdata separator) as \x7c, '\' as '\\',
 * bytes >= 0x80 as \xNN. A cut is marked with "...". Returns the length written. */
size_t
escape_bytes(char *dst, size_t size, const char *src, size_t len, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		char esc[4];
		size_t k = 0;

		if (i == cap) {
			if (n + 3 < size) {
				memcpy(dst + n, "...", 3);
				n += 3;
			}
			break;
		}
		if (c == '\n' || c == '\r' || c == '\t' || c == '\\') {
			esc[k++] = '\\';
			esc[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : '\\';
		} else if (c < 0x20 || c >= 0x7f || c == '|') {
			esc[k++] = '\\';
			esc[k++] = 'x';
			esc[k++] = hex[c >> 4];
			esc[k++] = hex[c & 15];
		} else {
			esc[k++] = (char)c;
		}
		if (n + k >= size)
			break;
		memcpy(dst + n, esc, k);
		n += k;
	}
	dst[n] = '\0';
	return n;
}

/* Writes out what the buffer holds when `need` more bytes would not fit. */
static void
make_room(struct outbuf *o, size_t need)
{
	if (o->len + need > sizeof o->buf)
		out_flush(o);
}
