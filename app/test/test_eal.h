/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_EAL_H
#define VMP_TEST_EAL_H

/*
 * EAL as the daemon starts it, for tests inside a fake cpufreq tree
 * (cpufreq_sandbox.c, cpufreq_emu.c): no hugepages, no PCI, no shared
 * config, no telemetry. Header only: the sandbox and emulator programs
 * link neither test.c nor each other.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

/*
 * Remove the EAL runtime directory of every process a test run in
 * process group @pid started: the rigs name their --file-prefix
 * "vmp_<what>_<pgrp>_<pid>[_<n>]" (test_eal_prefix()). EAL never removes
 * its directory, not even in rte_eal_cleanup(), and a killed process
 * leaves its files in it too; the test run's reaper calls this once
 * every process of it is gone.
 * @return how many directories were removed.
 */
static inline int
test_eal_dirs_remove(pid_t pid)
{
	char base[256], tok[24];
	struct dirent *e, *f;
	DIR *d, *sub;
	int n = 0, fd;

	/* Where eal_create_runtime_dir() puts them. */
	if (getuid() == 0)
		snprintf(base, sizeof(base), "/var/run/dpdk");
	else
		snprintf(base, sizeof(base), "%s/dpdk",
			getenv("XDG_RUNTIME_DIR") != NULL ?
			getenv("XDG_RUNTIME_DIR") : "/tmp");
	snprintf(tok, sizeof(tok), "_%d", (int)pid);
	d = opendir(base);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		const char *at = e->d_name;

		if (strncmp(e->d_name, "vmp_", 4) != 0)
			continue;
		/* @pid as a whole field: "_<pid>_" or "_<pid>" at the end. */
		while ((at = strstr(at, tok)) != NULL &&
				at[strlen(tok)] != '\0' && at[strlen(tok)] != '_')
			at++;
		if (at == NULL)
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY |
			O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		sub = fdopendir(fd);
		if (sub == NULL) {
			close(fd);
			continue;
		}
		/* EAL puts only files there (config, fbarrays, sockets). */
		while ((f = readdir(sub)) != NULL)
			if (f->d_name[0] != '.')
				unlinkat(fd, f->d_name, 0);
		closedir(sub);
		n += unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == 0;
	}
	closedir(d);
	return n;
}

static inline void
test_eal_dirs_remove_own(void)
{
	test_eal_dirs_remove(getpgrp());
}

/*
 * The EAL --file-prefix of a process a test starts: @tag, the run's
 * $VMP_TEST_RUN (./run.sh sets it: its leftover check knows its own
 * directories by it), the test's process group (what
 * test_eal_dirs_remove() is given: a test run in a forked child has its
 * own), the caller's pid, and @seq when >= 0.
 */
static inline void
test_eal_prefix(char *buf, size_t len, const char *tag, int seq)
{
	const char *run = getenv("VMP_TEST_RUN");
	char id[16] = "";

	if (run != NULL && strlen(run) <= 8 &&
			strspn(run, "0123456789abcdef") == strlen(run))
		snprintf(id, sizeof(id), "_r%s", run);
	if (seq >= 0)
		snprintf(buf, len, "%s%s_%d_%d_%d", tag, id, (int)getpgrp(),
			(int)getpid(), seq);
	else
		snprintf(buf, len, "%s%s_%d_%d", tag, id, (int)getpgrp(),
			(int)getpid());
}

/*
 * EAL in this process, its prefix from @prog (test_eal_prefix(), @prog
 * starts with "vmp_"), its runtime directory removed at exit.
 * @return 0, also when EAL is up already (EALREADY), or -rte_errno.
 */
static inline int
test_eal_start(const char *prog, const char *lcores)
{
	char prefix[64];
	char *argv[] = {
		(char *)(uintptr_t)prog, (char *)"-l",
		(char *)(uintptr_t)lcores, (char *)"--no-huge",
		(char *)"--no-pci", (char *)"-m", (char *)"64",
		(char *)"--no-shconf", (char *)"--no-telemetry",
		(char *)"--log-level=lib.eal:warning",
		(char *)"--file-prefix", prefix, NULL,
	};

	static int cleanup;

	test_eal_prefix(prefix, sizeof(prefix), prog, -1);
	if (!cleanup++)
		atexit(test_eal_dirs_remove_own);

	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0 &&
			rte_errno != EALREADY) {
		printf("%s: rte_eal_init: %s\n", prog,
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

#endif /* VMP_TEST_EAL_H */
