/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "test.h"
#include "test_eal.h"

static struct test_case *tests;
static char *log_buf;
static size_t log_len;
static FILE *log_stream;

void
test_log_capture(void)
{
	test_log_release();
	log_stream = open_memstream(&log_buf, &log_len);
	rte_openlog_stream(log_stream);
}

int
test_log_contains(const char *text)
{
	int ret;

	if (log_stream == NULL)
		return 0;
	/* Other threads may log meanwhile: the stream's lock keeps the
	 * buffer still. */
	flockfile(log_stream);
	fflush(log_stream);
	ret = log_buf != NULL && strstr(log_buf, text) != NULL;
	funlockfile(log_stream);
	return ret;
}

int
test_log_count(const char *text)
{
	const char *p;
	int n = 0;

	if (log_stream == NULL)
		return 0;
	flockfile(log_stream);
	fflush(log_stream);
	for (p = log_buf; p != NULL && (p = strstr(p, text)) != NULL;
			p += strlen(text))
		n++;
	funlockfile(log_stream);
	return n;
}

void
test_log_release(void)
{
	if (log_stream == NULL)
		return;
	rte_openlog_stream(NULL);
	fclose(log_stream);
	/* Show what was captured, so a failure explains itself. */
	if (log_buf != NULL)
		fputs(log_buf, stdout);
	free(log_buf);
	log_buf = NULL;
	log_stream = NULL;
}

void
test_register(struct test_case *t)
{
	t->next = tests;
	tests = t;
}

static void
usage(const char *prog)
{
	struct test_case *t;

	printf("usage: %s <test>...\n       %s --list\ntests:\n", prog, prog);
	for (t = tests; t != NULL; t = t->next)
		printf("  %s\n", t->name);
}

int
main(int argc, char **argv)
{
	int failed = 0, skipped = 0;
	int i;

	if (argc < 2) {
		usage(argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "--list") == 0) {
		for (struct test_case *t = tests; t != NULL; t = t->next)
			printf("%s\n", t->name);
		return 0;
	}
	/* Unbuffered, so a crash or timeout still shows what ran. */
	setvbuf(stdout, NULL, _IONBF, 0);
	rte_log_set_global_level(RTE_LOG_DEBUG);
	rte_log_set_level_pattern("vmpower.*", RTE_LOG_DEBUG);
	for (i = 1; i < argc; i++) {
		struct test_case *t;
		int ret;

		for (t = tests; t != NULL; t = t->next)
			if (strcmp(t->name, argv[i]) == 0)
				break;
		if (t == NULL) {
			printf("unknown test '%s'\n", argv[i]);
			usage(argv[0]);
			return 2;
		}
		printf("=== %s\n", t->name);
		ret = t->fn();
		test_log_release();
		if (ret == TEST_SKIPPED) {
			printf("--- %s: skipped\n", t->name);
			skipped++;
		} else if (ret != TEST_SUCCESS) {
			printf("--- %s: FAILED\n", t->name);
			failed++;
		} else {
			printf("--- %s: ok\n", t->name);
		}
	}
	/* The rigs' EAL directories, on every path a test ended. */
	test_eal_dirs_remove(getpid());
	test_eal_dirs_remove(getpgrp());
	if (failed)
		return 1;
	return skipped == argc - 1 ? TEST_SKIPPED : 0;
}
