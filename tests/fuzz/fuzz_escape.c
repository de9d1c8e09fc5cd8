/* SPDX-License-Identifier: ISC */
/* libFuzzer harness: what the report prints of text and numbers it did not make itself.
 *   escape_bytes(): any bytes, any buffer size, any cap; the output is NUL-terminated,
 *     fits, holds only printable ASCII other than '|', and decodes back to the start of
 *     the input (followed by "..." when cut at the cap), and so does -E (wire_unescape(),
 *     the user's way in: a reply the report shows can be pasted into -e);
 *   wire_unescape() on the same bytes as typed: never more bytes out than typed, a
 *     malformed escape named as it starts in the input, and what it makes, shown by the
 *     report and read again, is the same bytes;
 *   number_fixed() / number_format(): any double (NaN, infinities, subnormals, huge),
 *     any number of decimals, any buffer size; the output fits and reads back as the
 *     value rounded. */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "number.h"
#include "outbuf.h"
#include "wire.h"

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes the escapes escape_bytes() documents; returns the length, or SIZE_MAX when
 * `s` is not something it can have written. */
static size_t
decode(const char *s, size_t len, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\') {
			out[n++] = s[i];
			continue;
		}
		if (++i == len)
			return SIZE_MAX;
		switch (s[i]) {
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case '\\':
			out[n++] = '\\';
			break;
		case 'x': {
			if (i + 2 >= len)
				return SIZE_MAX;
			int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				return SIZE_MAX;
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
			break;
		}
		default:
			return SIZE_MAX;
		}
	}
	return n;
}

static void
check_escape(struct fuzz_input *in)
{
	uint8_t how = fuzz_byte(in);
	size_t size, cap;

	/* Buffer sizes near the edges: none, tiny, one short of an escape, plenty. */
	switch (how & 3) {
	case 0:
		size = fuzz_byte(in) % 16;
		break;
	case 1:
		size = fuzz_byte(in);
		break;
	default:
		size = (size_t)fuzz_byte(in) << 4 | fuzz_byte(in) >> 4;
		break;
	}
	switch (how >> 2 & 3) {
	case 0:
		cap = SIZE_MAX;
		break;
	case 1:
		cap = 0;
		break;
	default:
		cap = fuzz_byte(in);
		break;
	}
	const char *src = (const char *)in->data;
	size_t len = in->size;

	char *dst = malloc(size > 0 ? size : 1); /* exactly `size` bytes */
	FUZZ_CHECK(dst != NULL);
	dst[0] = 'X';
	size_t n = escape_bytes(dst, size, src, len, cap);
	if (size == 0) {
		FUZZ_CHECK(n == 0 && dst[0] == 'X');
		free(dst);
		return;
	}
	FUZZ_CHECK(memchr(dst, '\0', size) != NULL);
	FUZZ_CHECK(n == strlen(dst) && n <= size - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)dst[i];
		FUZZ_CHECK(c >= 0x20 && c < 0x7f && c != '|');
	}

	/* What it says is a prefix of the input, or exactly the first `cap` bytes and
	 * "..." when the input is longer than `cap`. */
	size_t keep = len < cap ? len : cap;
	char *plain = malloc(n + 1);
	FUZZ_CHECK(plain != NULL);
	size_t got = decode(dst, n, plain);
	FUZZ_CHECK(got != SIZE_MAX);
	bool prefix = got <= keep && memcmp(plain, src, got) == 0;
	bool cut = len > cap && got == cap + 3 && memcmp(plain, src, cap) == 0 &&
	           memcmp(plain + cap, "...", 3) == 0;
	FUZZ_CHECK(prefix || cut);
	char *again = malloc(n + 1), bad[WIRE_BAD_MAX];
	size_t again_len = 0;
	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(wire_unescape(again, dst, &again_len, bad));
	FUZZ_CHECK(again_len == got && memcmp(again, plain, got) == 0);
	free(again);
	/* With room for the worst case, nothing is lost. */
	if (size >= 4 * keep + 4) {
		FUZZ_CHECK(len > cap ? cut : got == len);
	}
	free(plain);
	free(dst);
}

/* The input as -E reads it (up to its first NUL, as from a command line). */
static void
check_unescape(const struct fuzz_input *in)
{
	char *typed = malloc(in->size + 1), bad[WIRE_BAD_MAX];
	FUZZ_CHECK(typed != NULL);
	memcpy(typed, in->data, in->size);
	typed[in->size] = '\0';
	size_t typed_len = strlen(typed), len = 0;
	char *bytes = malloc(typed_len + 1);
	FUZZ_CHECK(bytes != NULL);

	if (!wire_unescape(bytes, typed, &len, bad)) {
		FUZZ_CHECK(bad[0] == '\\' && strlen(bad) < WIRE_BAD_MAX &&
			   strstr(typed, bad) != NULL);
	} else {
		FUZZ_CHECK(len <= typed_len && bytes[len] == '\0');
		char *shown = malloc(4 * len + 4), *back = malloc(4 * len + 4);
		FUZZ_CHECK(shown != NULL && back != NULL);
		escape_bytes(shown, 4 * len + 4, bytes, len, len);
		size_t back_len = 0;
		FUZZ_CHECK(wire_unescape(back, shown, &back_len, bad));
		FUZZ_CHECK(back_len == len && memcmp(back, bytes, len) == 0);
		free(shown);
		free(back);
	}
	free(bytes);
	free(typed);
}

/* Reads back what number_fixed() wrote: [-]digits[.decimals]. */
static void
check_fixed_text(const char *buf, size_t n, int decimals)
{
	size_t i = 0, digits = 0;

	if (buf[i] == '-')
		i++;
	while (i < n && buf[i] >= '0' && buf[i] <= '9')
		i++, digits++;
	FUZZ_CHECK(digits >= 1);
	if (decimals > 0) {
		FUZZ_CHECK(buf[i] == '.');
		size_t start = ++i;
		while (i < n && buf[i] >= '0' && buf[i] <= '9')
			i++;
		FUZZ_CHECK(i - start == (size_t)decimals);
	}
	FUZZ_CHECK(i == n);
}

static void
check_number(struct fuzz_input *in)
{
	uint64_t bits = fuzz_u64(in);
	uint8_t d = fuzz_byte(in), s = fuzz_byte(in);
	double value;
	int decimals = (int)(d % 16) - 3; /* -3..12: also outside the documented 0..9 */
	size_t size = s % 64;
	int clamped = decimals < 0 ? 0 : decimals > 9 ? 9 : decimals;

	memcpy(&value, &bits, sizeof value);
	if (d & 0x80) { /* also plain values, where rounding matters */
		value = (double)(int64_t)(bits >> 12) / (double)(1 + (bits & 0xfff));
	}

	for (int which = 0; which < 2; which++) {
		char *buf = malloc(size > 0 ? size : 1);
		FUZZ_CHECK(buf != NULL);
		size_t n = which == 0 ? number_fixed(buf, size, value, decimals)
		                      : number_format(buf, size, value, decimals);
		if (n > 0) {
			FUZZ_CHECK(n < size && strlen(buf) == n);
			if (which == 0) {
				check_fixed_text(buf, n, clamped);
			} else {
				/* no trailing zeros, no trailing point */
				if (strchr(buf, '.') != NULL)
					FUZZ_CHECK(buf[n - 1] != '0' && buf[n - 1] != '.');
			}
			FUZZ_CHECK(isfinite(value));
			/* the value, rounded to the decimals (and within a double's precision) */
			double back = strtod(buf, NULL);
			double step = 1;
			for (int i = 0; i < clamped; i++)
				step /= 10;
			FUZZ_CHECK(fabs(back - value) <= step / 2 + fabs(value) * 1e-15 + 1e-300);
			/* a sign only for a negative value, or -0 (as printf writes "-0.000000") */
			FUZZ_CHECK(buf[0] != '-' || signbit(value));
		} else if (size > 32 && isfinite(value) && fabs(value) < 1e9) {
			/* every value a report prints fits in 32 bytes */
			FUZZ_CHECK(!"a plain value was not printed");
		}
		free(buf);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};

	if (fuzz_byte(&in) & 1)
		check_number(&in);
	else {
		check_unescape(&in);
		check_escape(&in);
	}
	return 0;
}
