/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/* The fake cpufreq tree itself: its shape, its helpers, its cleanup. */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include "cpufreq_sandbox.h"
#include "test.h"

static int
acpi_body(void *arg)
{
	int *pipefd = arg;
	char buf[128];
	pid_t stray;
	int w;

	TEST_ASSERT(sandbox_active(), "sandbox not active");
	TEST_ASSERT_EQUAL(access(SANDBOX_CPU_DIR "/possible", R_OK), 0,
		"possible");
	TEST_ASSERT_EQUAL(sandbox_read(2, "topology/core_id", buf,
		sizeof(buf)), 0, "core_id");
	TEST_ASSERT_STR(buf, "2");
	TEST_ASSERT_EQUAL(sandbox_read(0, "cpufreq/scaling_available_frequencies",
		buf, sizeof(buf)), 0, "frequencies");
	TEST_ASSERT_STR(buf, "2401000 2400000 2000000 1600000 1200000 ");
	SANDBOX_ASSERT_SPEED(0, 1200000);
	SANDBOX_ASSERT_GOV(0, "powersave");
	TEST_ASSERT(access(SANDBOX_CPU_DIR "/cpu1/cpufreq", F_OK) < 0,
		"cpu1 has cpufreq");
	/* librte_power rewrites in place: a shorter name leaves a tail. */
	TEST_ASSERT_EQUAL(sandbox_write("cpu0/cpufreq/scaling_governor",
		"powersavece"), 0, "write");
	SANDBOX_ASSERT_GOV(0, "powersave");
	w = sandbox_watch_open();
	TEST_ASSERT(w >= 0, "inotify");
	TEST_ASSERT_EQUAL(sandbox_watch_add(w, 3, "cpufreq/scaling_setspeed"),
		0, "watch");
	SANDBOX_ASSERT_WRITES(w, 0);
	sandbox_write("cpu3/cpufreq/scaling_setspeed", "2000000\n");
	SANDBOX_ASSERT_WRITES(w, 1);
	SANDBOX_ASSERT_SPEED(3, 2000000);
	SANDBOX_ASSERT_WRITES(w, 0);	/* reading is no write */
	close(w);
	/* A process left behind, for the harness to kill. */
	stray = fork();
	if (stray == 0) {
		pause();
		_exit(0);
	}
	TEST_ASSERT(stray > 0, "fork");
	TEST_ASSERT_EQUAL(write(pipefd[1], &stray, sizeof(stray)),
		sizeof(stray), "pipe");
	return TEST_SUCCESS;
}

static int
pstate_body(void *arg)
{
	RTE_SET_USED(arg);
	SANDBOX_ASSERT_KHZ(0, "cpufreq/base_frequency", 2000000);
	SANDBOX_ASSERT_KHZ(1, "cpufreq/base_frequency", 2100000);
	SANDBOX_ASSERT_KHZ(0, "cpufreq/cpuinfo_max_freq", 2400000);
	SANDBOX_ASSERT_KHZ(0, "cpufreq/scaling_min_freq", 1200000);
	TEST_ASSERT(access(SANDBOX_CPU_DIR "/intel_pstate/turbo_pct", R_OK) == 0,
		"turbo_pct");
	TEST_ASSERT(access(SANDBOX_CPU_DIR "/cpu0/cpufreq/scaling_setspeed",
		F_OK) < 0, "intel_pstate has no setspeed");
	return TEST_SUCCESS;
}

static int
shape_options(void)
{
	struct sandbox_shape s = { 0 };

	TEST_ASSERT_EQUAL(sandbox_shape_option(&s, "--cpus", "8"), 2, "cpus");
	TEST_ASSERT_EQUAL(s.nb_cpus, 8, "cpus");
	TEST_ASSERT_EQUAL(sandbox_shape_option(&s, "--no-turbo", NULL), 1,
		"no-turbo");
	TEST_ASSERT_EQUAL(sandbox_shape_option(&s, "--freqs",
		"2000000,1000000"), 2, "freqs");
	TEST_ASSERT_EQUAL(s.nb_freqs, 2, "freqs");
	TEST_ASSERT_EQUAL(s.freqs[1], 1000000, "freqs");
	TEST_ASSERT_EQUAL(sandbox_shape_option(&s, "--freqs", "20,x"),
		-EINVAL, "bad freqs");
	TEST_ASSERT_EQUAL(sandbox_shape_option(&s, "--no-cpufreq", "1-x"),
		-EINVAL, "bad list");
	TEST_ASSERT_EQUAL(sandbox_shape_option(&s, "--cpus", NULL), -EINVAL,
		"missing value");
	TEST_ASSERT_EQUAL(sandbox_shape_option(&s, "--bogus", "1"), 0,
		"unknown option");
	/* Ours, here: the process-long list is for vmp_sandbox. */
	free((void *)(uintptr_t)s.freqs);
	return TEST_SUCCESS;
}

static int
test_sandbox_self(void)
{
	struct sandbox_shape acpi = { .nb_cpus = 4, .no_cpufreq = "1" };
	struct sandbox_shape pstate = {
		.nb_cpus = 2, .driver = "intel_pstate", .priority = "1",
	};
	int outside = sandbox_active();
	char buf[32];
	int pipefd[2];
	pid_t stray;

	TEST_RUN(shape_options());
	if (!outside)
		TEST_ASSERT_EQUAL(sandbox_read(0, "cpufreq/scaling_driver",
			buf, sizeof(buf)), -EPERM, "real sysfs read");
	TEST_ASSERT_EQUAL(pipe(pipefd), 0, "pipe");
	TEST_ASSERT_EQUAL(sandbox_run(&acpi, acpi_body, pipefd), TEST_SUCCESS,
		"acpi tree");
	TEST_ASSERT_EQUAL(read(pipefd[0], &stray, sizeof(stray)),
		sizeof(stray), "stray pid");
	close(pipefd[0]);
	close(pipefd[1]);
	TEST_ASSERT(kill(stray, 0) < 0 && errno == ESRCH,
		"process %d left behind", (int)stray);
	TEST_ASSERT_EQUAL(sandbox_active(), outside, "tree leaked out");
	TEST_ASSERT_EQUAL(sandbox_run(&pstate, pstate_body, NULL),
		TEST_SUCCESS, "intel_pstate tree");
	return TEST_SUCCESS;
}
REGISTER_TEST(sandbox_self, test_sandbox_self);
