/* SPDX-License-Identifier: ISC */
/* The output buffer. A buffer grows (doubling) as text is appended and reaches stdout only
 * through out_flush(), so text built on the side (a message that goes into a JSON
 * string) can never leak out ahead of the object it belongs to. The answer itself is
 * built by the renderers from words that are all known by then (describe.c), front to
 * back: its buffer (`stream`) goes out in order each time it holds OUTBUF_STREAM_AT
 * bytes, so that the report of a million targets costs 64 KiB of buffer, not its size.
 *
 * When memory runs out the buffer stops growing and `truncated` is set; every later
 * append is dropped, so it holds a prefix of the answer. The renderers then keep the
 * format valid: the Nagios text is cut after its last whole line (out_cut_to_line), and
 * replaced by a state line alone when not even the first line is whole; JSON is replaced
 * by a short object with the state and no target; a number is written from the stack.
 *
 * Numbers never depend on the locale: the program never calls setlocale(), so printf
 * stays in the "C" locale with '.' as the decimal point. */
#include "config.h"
#include "outbuf.h"

#include <poll.h>
#include <unistd.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "number.h"

#define OUTBUF_FIRST 16384 /* the first allocation: one target's report fits many times */

static bool make_room(struct outbuf *o, size_t need);
static bool write_stdout(const char *text, size_t len, int patience_ms);

/* Appends a string. */
void
out_str(struct outbuf *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

/* Appends `n` bytes; nothing once the buffer could not grow. */
void
out_mem(struct outbuf *o, const char *s, size_t n)
{
	if (n == 0 || !make_room(o, n))
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	if (o->stream && o->len >= OUTBUF_STREAM_AT) {
		o->streamed += o->len;
		out_flush(o);
	}
}

/* Appends printf output (cut at 1 KiB, which no format here comes near). */
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

/* Appends n numbers joined by '/', each with `decimals` decimals: the min/avg/max
 * figures of the summaries ("0.078/0.081/0.084/0.002"). */
void
out_fixed_list(struct outbuf *o, const double *values, size_t n, int decimals)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			out_str(o, "/");
		out_fixed(o, values[i], decimals);
	}
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

/* Drops whatever follows the last newline: after a truncation, the lines kept are whole. */
void
out_cut_to_line(struct outbuf *o)
{
	while (o->len > 0 && o->buf[o->len - 1] != '\n')
		o->len--;
}

/* Writes what the buffer holds and empties it (its memory is kept for reuse). */
void
out_flush(struct outbuf *o)
{
	if (o->len > 0)
		out_write(o->buf, o->len);
	o->len = 0;
}

/* Gives the buffer's memory back; it is then empty, and may be used again. */
void
out_free(struct outbuf *o)
{
	if (!o->borrowed)
		free(o->buf);
	*o = (struct outbuf){0};
}

/* How long out_write() waits for stdout to take bytes, in ms; -1: as long as it takes. */
static int write_patience_ms = -1;

/* From now on, out_write() gives up on a stdout that takes nothing for `ms` ms, and
 * after that once, waits no more: after -n 0 was stopped, a reader that stopped reading
 * must not hold the process. */
void
out_write_patience(int ms)
{
	write_patience_ms = ms;
}

/* Writes bytes to stdout, going on after a partial write or a signal; with patience_ms
 * at 0 or more, each write waits that long at most for stdout to take it and is at most
 * PIPE_BUF bytes: a pipe is writable with one page free, and a larger write() blocked
 * until the reader read, however long that was (a paused pager held -n 0's summary of
 * 400 ports, the signals that end it ignored). Returns false when stdout did not take
 * the bytes in time. */
static bool
write_stdout(const char *text, size_t len, int patience_ms)
{
	size_t done = 0;

	while (done < len) {
		struct pollfd out = {.fd = STDOUT_FILENO, .events = POLLOUT};
		if (patience_ms >= 0 && poll(&out, 1, patience_ms) <= 0)
			return false;
		size_t chunk = len - done;
		if (patience_ms >= 0 && chunk > PIPE_BUF)
			chunk = PIPE_BUF;
		ssize_t n = write(STDOUT_FILENO, text + done, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return true;
}

/* Writes bytes to stdout, with the patience out_write_patience() set. A closed or full
 * stdout cannot be reported anywhere; the exit code still carries the state. */
void
out_write(const char *text, size_t len)
{
	if (!write_stdout(text, len, write_patience_ms))
		write_patience_ms = 0; /* one wait in all: later writes try, never wait */
}

/* Writes bytes to stdout only as far as it takes them without waiting. */
void
out_write_now(const char *text, size_t len)
{
	(void)write_stdout(text, len, 0);
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

/* Makes room for `need` more bytes, doubling the buffer as often as it takes. False when
 * there is no memory for them: the buffer is then marked truncated and stays as it is. */
static bool
make_room(struct outbuf *o, size_t need)
{
	if (o->truncated)
		return false;
	if (need <= o->cap - o->len)
		return true;
	size_t cap = o->cap > 0 ? o->cap : OUTBUF_FIRST;
	while (cap - o->len < need) {
		if (cap > SIZE_MAX / 2) {
			o->truncated = true;
			return false;
		}
		cap *= 2;
	}
	char *buf = o->borrowed ? malloc(cap) : realloc(o->buf, cap);
	if (buf == NULL) {
		o->truncated = true;
		return false;
	}
	if (o->borrowed && o->len > 0)
		memcpy(buf, o->buf, o->len);
	o->borrowed = false;
	o->buf = buf;
	o->cap = cap;
	return true;
}
