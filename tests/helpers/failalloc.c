/* SPDX-License-Identifier: ISC */
/* An LD_PRELOAD shim for the tests: realloc() fails for any size above REALLOC_LIMIT
 * bytes, as it would when memory runs out, so that the output's answer to a lack of
 * memory can be seen. Built by the test that uses it (tests/output.bats). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

void *
realloc(void *p, size_t n)
{
	static void *(*next)(void *, size_t);
	const char *limit = getenv("REALLOC_LIMIT");

	if (next == NULL)
		next = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	if (limit != NULL && n > strtoul(limit, NULL, 10))
		return NULL;
	return next(p, n);
}
