/* Output built in a buffer and written to stdout in as few write(2) calls as possible. */
#ifndef CHECK_TCPPORT_OUTBUF_H
#define CHECK_TCPPORT_OUTBUF_H

#include <stddef.h>

#define OUTBUF_SIZE 16384

struct outbuf {
	char buf[OUTBUF_SIZE];
	size_t len;
};

void out_str(struct outbuf *o, const char *s);
void out_fmt(struct outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void out_escaped(struct outbuf *o, const char *s, size_t cap);
void out_seconds(struct outbuf *o, double seconds);
void out_fixed(struct outbuf *o, double value, int decimals);
void out_uint(struct outbuf *o, unsigned long value);
void out_flush(struct outbuf *o);
size_t escape_bytes(char *dst, size_t size, const char *src, size_t len, size_t cap);

#endif
