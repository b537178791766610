/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_CHILD_H
#define VMP_TEST_CHILD_H

/*
 * The end of a test run in a forked child (sandbox_run(), emu_run()):
 * reap it and everything it left in its process group, then turn its
 * status into a test result. Header only: the sandbox and emulator
 * programs link neither test.c nor each other.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "test.h"
#include "test_eal.h"

/*
 * Wait for @pid, kill and reap its group, stop being a subreaper, and
 * remove the EAL runtime directories its processes left, on whatever
 * path the test ended.
 */
static inline int
test_child_reap(pid_t pid)
{
	int st = 0;

	setpgid(pid, pid);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	kill(-pid, SIGKILL);
	while (waitpid(-pid, NULL, 0) > 0 || errno == EINTR)
		;
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	test_eal_dirs_remove(pid);
	return st;
}

/* The child's exit status (0, 77 skipped) as a test result. */
static inline int
test_child_result(int st, const char *who)
{
	if (WIFSIGNALED(st)) {
		printf("%s: test child killed by signal %d\n", who,
			WTERMSIG(st));
		return TEST_FAILED;
	}
	if (WEXITSTATUS(st) == 77)
		return TEST_SKIPPED;
	return WEXITSTATUS(st) == 0 ? TEST_SUCCESS : TEST_FAILED;
}

#endif /* VMP_TEST_CHILD_H */
