/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Upstream's uncore options (-u, -U, -i INDEX) through librte_power's
 * uncore API, over the cpufreq emulator's intel_uncore_frequency (which
 * refuses values out of range as the kernel does); and their refusal
 * where there is no uncore to set.
 */

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "cpufreq_emu.h"
#include "test.h"
#include "test_l3fwd_app.h"

#define DIE "intel_uncore_frequency/package_00_die_00/"

/* Run with @opt; while it runs, min and max are @khz; after, back. */
static int
one(struct l3fwd_app *a, const char *opt, const char *khz)
{
	TEST_ASSERT_EQUAL(l3fwd_app_start(a, "--vdev net_null0 -- -p 1 "
		"--env none --stats-interval 0 %s", opt), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_wait_text(a, "forwarding, SIGINT",
		10000), 0, "%s starts", opt);
	EMU_ASSERT_STR(DIE "min_freq_khz", khz);
	EMU_ASSERT_STR(DIE "max_freq_khz", khz);
	TEST_ASSERT_EQUAL(l3fwd_app_stop(a, SIGTERM, 5000), 0, "%s", opt);
	EMU_ASSERT_STR(DIE "min_freq_khz", "800000");
	EMU_ASSERT_STR(DIE "max_freq_khz", "2400000");
	return TEST_SUCCESS;
}

static int
uncore_body(void *arg)
{
	struct l3fwd_app a;
	int ret;

	RTE_SET_USED(arg);
	TEST_ASSERT_EQUAL(l3fwd_app_init(&a), 0, "");
	ret = one(&a, "-u", "800000");
	if (ret == TEST_SUCCESS)
		ret = one(&a, "-U", "2400000");
	/* Highest first, in steps of 100 MHz: index 2 is 2.2 GHz. */
	if (ret == TEST_SUCCESS)
		ret = one(&a, "-i 2", "2200000");
	if (ret == TEST_SUCCESS && (l3fwd_app_start(&a, "--vdev net_null0 "
			"-- -p 1 --env none -i 17") < 0 ||
			l3fwd_app_stop(&a, 0, 5000) != 1 ||
			l3fwd_app_count(&a, "-i 17: package 0 die 0 has 17 "
			"uncore frequencies") != 1)) {
		printf("-i past the last index is not refused");
		ret = TEST_FAILED;
	}
	l3fwd_app_cleanup(&a, ret != TEST_SUCCESS);
	return ret;
}

static int
test_l3fwd_uncore(void)
{
	struct emu_shape shape = { .nb_cpus = 2,
		.args = "--uncore 800000,2400000" };

	return emu_run(&shape, uncore_body, NULL);
}
REGISTER_TEST(l3fwd_uncore, test_l3fwd_uncore);

/* No intel_uncore_frequency (this machine, or any VM): refused, said. */
static int
test_l3fwd_uncore_absent(void)
{
	struct l3fwd_app a;
	int ret = TEST_FAILED;

	TEST_ASSERT_EQUAL(l3fwd_app_init(&a), 0, "");
	if (access("/sys/devices/system/cpu/intel_uncore_frequency",
			F_OK) == 0) {
		printf("this machine has an uncore driver: nothing to test");
		l3fwd_app_cleanup(&a, 0);
		return TEST_SKIPPED;
	}
	if (l3fwd_app_start(&a, "--vdev net_null0 -- -p 1 --env none -U") ==
			0 && l3fwd_app_stop(&a, 0, 5000) == 1 &&
			l3fwd_app_count(&a, "-u/-U/-i: no uncore frequency "
			"control here") == 1)
		ret = TEST_SUCCESS;
	l3fwd_app_cleanup(&a, ret != TEST_SUCCESS);
	return ret;
}
REGISTER_TEST(l3fwd_uncore_absent, test_l3fwd_uncore_absent);
