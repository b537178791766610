/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_FUZZ_H
#define VMP_FUZZ_H

/*
 * Fuzz targets: each file defines LLVMFuzzerTestOneInput(). Linked with
 * libFuzzer (clang, -Dfuzz=true) it is fuzzed; linked with replay.c (any
 * compiler) it replays the committed corpus and crash regressions as a
 * test. A broken invariant aborts, which both report as a failure.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

/* Little-endian integer of @n bytes from @*data, consumed; 0 past the end. */
static inline uint64_t
fuzz_take(const uint8_t **data, size_t *size, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n && *size > 0; i++, (*data)++, (*size)--)
		v |= (uint64_t)**data << (8 * i);
	return v;
}

/* A NUL-terminated copy of @size bytes (free() it). */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	for (size_t i = 0; i < size; i++)
		s[i] = (char)data[i];
	s[size] = '\0';
	return s;
}

#endif /* VMP_FUZZ_H */
