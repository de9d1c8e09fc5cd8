/* SPDX-License-Identifier: ISC */
/* Output built in memory and written to stdout at once, when the whole answer is known. */
#ifndef CHECK_TCPPORT_OUTBUF_H
#define CHECK_TCPPORT_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>

/* A growing buffer. All zeros is an empty one; out_free() gives its memory back. When
 * memory runs out it stops growing: `truncated` is set and every later append is dropped,
 * so what it holds is always a prefix of the whole text (see outbuf.c for what the
 * formats then write). */
struct outbuf {
	char *buf;
	size_t len;
	size_t cap;
	bool truncated;
	/* The answer only (render.c): written to stdout whenever it holds OUTBUF_STREAM_AT
	 * bytes, in order; `streamed` counts what went out. No other buffer is ever written
	 * but by out_flush(). */
	bool stream;
	size_t streamed;
	/* buf is the caller's (an array on its stack, of cap bytes) until it must grow:
	 * a small answer then costs no allocation */
	bool borrowed;
};

#define OUTBUF_STREAM_AT 65536

void out_str(struct outbuf *o, const char *s);
void out_mem(struct outbuf *o, const char *s, size_t n);
void out_fmt(struct outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void out_escaped(struct outbuf *o, const char *s, size_t cap);
void out_seconds(struct outbuf *o, double seconds);
void out_fixed(struct outbuf *o, double value, int decimals);
void out_fixed_list(struct outbuf *o, const double *values, size_t n, int decimals);
void out_uint(struct outbuf *o, unsigned long value);
void out_cut_to_line(struct outbuf *o);
void out_flush(struct outbuf *o);
void out_free(struct outbuf *o);
void out_write(const char *text, size_t len);
void out_write_now(const char *text, size_t len);
void out_write_patience(int ms);
size_t escape_bytes(char *dst, size_t size, const char *src, size_t len, size_t cap);

#endif
