/* SPDX-License-Identifier: ISC */
/* Shared by the libFuzzer harnesses of tests/fuzz: a failed invariant prints what was
 * expected and aborts, which libFuzzer reports as a crash and saves the input. */
#ifndef CHECK_TCPPORT_FUZZ_H
#define CHECK_TCPPORT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
			        #cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Takes bytes from the front of the input: the harnesses' way of choosing parameters. */
struct fuzz_input {
	const uint8_t *data;
	size_t size;
};

static inline uint8_t
fuzz_byte(struct fuzz_input *in)
{
	if (in->size == 0)
		return 0;
	in->size--;
	return *in->data++;
}

static inline uint64_t
fuzz_u64(struct fuzz_input *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | fuzz_byte(in);
	return v;
}

#endif
