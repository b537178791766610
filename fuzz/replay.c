/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * main() for a fuzz target without libFuzzer: runs it on every file
 * given, or every file in every directory given (missing ones are
 * skipped: a target may have no crash regressions). Any compiler.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	int ret = -1;

	if (f == NULL || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 ||
			fseek(f, 0, SEEK_SET) < 0)
		goto out;
	/* Exactly @len bytes on the heap: ASan sees any overread. */
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len)
		goto out;
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	ret = 0;
out:
	if (ret < 0)
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
	free(buf);
	if (f != NULL)
		fclose(f);
	return ret;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
main(int argc, char **argv)
{
	unsigned int files = 0;
	int i, failed = 0;

	for (i = 1; i < argc; i++) {
		struct dirent **names;
		struct stat st;
		char path[4096];
		int n, k;

		if (stat(argv[i], &st) < 0)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			failed |= run_file(argv[i]) < 0;
			files++;
			continue;
		}
		n = scandir(argv[i], &names, NULL, by_name);
		for (k = 0; k < n; k++) {
			snprintf(path, sizeof(path), "%s/%s", argv[i],
				names[k]->d_name);
			if (names[k]->d_name[0] != '.' &&
					stat(path, &st) == 0 &&
					S_ISREG(st.st_mode)) {
				failed |= run_file(path) < 0;
				files++;
			}
			free(names[k]);
		}
		if (n >= 0)
			free(names);
	}
	printf("%u inputs replayed\n", files);
	/* A target that ran nothing proves nothing. */
	return failed || files == 0 ? 1 : 0;
}
