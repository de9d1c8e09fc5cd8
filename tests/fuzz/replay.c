/* SPDX-License-Identifier: ISC */
/* A replay driver for the libFuzzer harnesses of tests/fuzz, for a build without libFuzzer
 * or sanitizers (gcc, run under valgrind by tests/memcheck.bats): each file named on the
 * command line is read whole and given once to LLVMFuzzerTestOneInput, as libFuzzer gives
 * a corpus file. Valgrind sees what the sanitizers do not: reads of uninitialised memory.
 * Each file's name goes to stderr before it runs, so an error in the log follows the name
 * of its input. Exit 0 when every file ran, 1 when one could not be read. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"

/* The whole file in a buffer of exactly its size (one byte when empty, never read), so
 * that memcheck sees a read past the input; NULL when it cannot be read. */
static uint8_t *
read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t chunk[4096], *data = NULL;
	size_t len = 0, n;
	bool ok = f != NULL;

	while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		uint8_t *bigger = realloc(data, len + n);
		ok = bigger != NULL;
		if (ok) {
			data = bigger;
			memcpy(data + len, chunk, n);
			len += n;
		}
	}
	if (f != NULL) {
		ok = ok && !ferror(f);
		fclose(f);
	}
	if (ok && data == NULL)
		ok = (data = malloc(1)) != NULL;
	if (!ok) {
		free(data);
		return NULL;
	}
	*size = len;
	return data;
}

int
main(int argc, char *argv[])
{
	int status = 0;

	for (int i = 1; i < argc; i++) {
		size_t size = 0;
		uint8_t *data = read_file(argv[i], &size);

		if (data == NULL) {
			fprintf(stderr, "replay: cannot read %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		fprintf(stderr, "replay: %s (%zu bytes)\n", argv[i], size);
		LLVMFuzzerTestOneInput(data, size);
		free(data);
	}
	return status;
}
