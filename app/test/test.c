/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* What test_mkdtemp() made, and by which process. */
struct tmp_dir {
	char *path;
	pid_t owner;
};
static struct tmp_dir *tmp_dirs;
static size_t tmp_count;

static int
remove_one(const char *path, const struct stat *st, int type,
	struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* At exit: the directories this process made (not a parent's, which a
 * forked child inherits the list of). FTW_MOUNT: a mount left inside
 * is not crossed (the leftover check names it). */
static void
tmp_dirs_remove(void)
{
	size_t i;

	for (i = 0; i < tmp_count; i++)
		if (tmp_dirs[i].owner == getpid())
			nftw(tmp_dirs[i].path, remove_one, 16,
				FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

char *
test_mkdtemp(char *tmpl)
{
	struct tmp_dir *grown;

	if (mkdtemp(tmpl) == NULL)
		return NULL;
	grown = realloc(tmp_dirs, (tmp_count + 1) * sizeof(*grown));
	if (grown == NULL || (grown[tmp_count].path = strdup(tmpl)) == NULL) {
		if (grown != NULL)
			tmp_dirs = grown;
		rmdir(tmpl);
		errno = ENOMEM;
		return NULL;
	}
	tmp_dirs = grown;
	grown[tmp_count++].owner = getpid();
	if (tmp_count == 1)
		atexit(tmp_dirs_remove);
	return tmpl;
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
