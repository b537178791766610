/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * CPU lists as the CLI takes them (set_pcpu, show/set_cpu_freq[_mask],
 * and channel lists): cpu_list_parse() on any text.
 *
 * Input: 2 bytes highest CPU (0xffff: UINT_MAX, past the parser's own
 * limit), 1 byte error buffer size, the text.
 * Invariants: success yields a set within the highest CPU whose printed
 * form parses back to the same set; failure frees the set and says why
 * in a terminated message that fits its buffer.
 */

#include <errno.h>
#include <string.h>

#include <cpu_list.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpu_list l = { 0 }, again = { 0 };
	unsigned int max_cpu, err_len;
	char *text, *err, *buf;
	size_t buf_len = 1;
	int ret, c;

	max_cpu = (unsigned int)fuzz_take(&data, &size, 2);
	if (max_cpu == 0xffff)
		max_cpu = UINT32_MAX;
	err_len = (unsigned int)fuzz_take(&data, &size, 1);
	text = fuzz_str(data, size);
	/* Exactly err_len bytes: ASan sees a message that overruns it. */
	err = malloc(err_len ? err_len : 1);
	if (err == NULL)
		abort();
	memset(err, 'x', err_len ? err_len : 1);

	ret = cpu_list_parse(&l, text, max_cpu, err, err_len);
	if (ret < 0) {
		FUZZ_CHECK(ret == -EINVAL);
		FUZZ_CHECK(l.set == NULL);
		FUZZ_CHECK(err_len == 0 || memchr(err, '\0', err_len) != NULL);
		FUZZ_CHECK(err_len < 2 || err[0] != '\0');
		goto out;
	}
	FUZZ_CHECK(cpu_list_count(&l) > 0);
	for (c = cpu_list_next(&l, 0); c >= 0;
			c = cpu_list_next(&l, (unsigned int)c + 1)) {
		FUZZ_CHECK((unsigned int)c <= max_cpu);
		/* Each run prints as ",a-b": 16 characters at most. */
		if (c == 0 || !cpu_list_has(&l, (unsigned int)c - 1))
			buf_len += 16;
	}
	buf = malloc(buf_len);
	if (buf == NULL)
		abort();
	FUZZ_CHECK(cpu_list_format(&l, buf, buf_len) > 0);
	FUZZ_CHECK(cpu_list_parse(&again, buf, max_cpu, err, err_len) == 0);
	FUZZ_CHECK(cpu_list_equal(&l, &again));
	free(buf);
	cpu_list_free(&again);
	cpu_list_free(&l);
out:
	free(err);
	free(text);
	return 0;
}
