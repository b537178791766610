/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * librte_power and vmpower's sysfs backend must be interchangeable: on the
 * same tree, a core each drives gets the same frequency list, turbo and
 * priority, the same files written after each request, and the same state
 * given back. CPU 0 is EAL's main lcore, which librte_power addresses on
 * every release; CPU RTE_MAX_LCORE is out of its reach on every release.
 */

#include <stdio.h>
#include <string.h>

#include "test_power.h"

#define OURS	RTE_MAX_LCORE

static const char *const files[] = {
	"cpufreq/scaling_governor", "cpufreq/scaling_setspeed",
	"cpufreq/scaling_min_freq", "cpufreq/scaling_max_freq",
};

/* Every file the backends write reads the same on CPU 0 and OURS. */
static int
same_files(const char *when)
{
	char a[64], b[64];
	unsigned int i;

	for (i = 0; i < RTE_DIM(files); i++) {
		if (sandbox_read(0, files[i], a, sizeof(a)) < 0)
			a[0] = '\0';
		if (sandbox_read(OURS, files[i], b, sizeof(b)) < 0)
			b[0] = '\0';
		/* A plain file rewritten in place may keep a tail. */
		if (i == 0) {
			const char *ga = sandbox_governor(0);
			const char *gb = sandbox_governor(OURS);

			snprintf(a, sizeof(a), "%s", ga ? ga : "?");
			snprintf(b, sizeof(b), "%s", gb ? gb : "?");
		}
		TEST_ASSERT(strcmp(a, b) == 0, "%s: %s is '%s' on cpu 0 "
			"(librte_power), '%s' on cpu %u (vmpower)", when,
			files[i], a, b, OURS);
	}
	return TEST_SUCCESS;
}

static int
agree_body(void *arg)
{
	static const enum power_mgr_op ops[] = {
		POWER_MGR_MIN, POWER_MGR_UP, POWER_MGR_MAX,
		POWER_MGR_TURBO_ON, POWER_MGR_DOWN, POWER_MGR_TURBO_OFF,
		POWER_MGR_MIN, POWER_MGR_TURBO_ON,
	};
	struct power_mgr_core_info rte, own;
	uint32_t fa[64], fb[64];
	struct power_mgr *pm;
	unsigned int i;
	int na, nb;

	RTE_SET_USED(arg);
	TEST_ASSERT_EQUAL(same_files("before"), TEST_SUCCESS, "");
	TEST_RUN(power_test_start(&pm, NULL, NULL, 0));
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 0, &rte), 0, "");
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, OURS, &own), 0, "");
	TEST_ASSERT_EQUAL(rte.cur_idx, own.cur_idx, "starting index");
	/* Taken by their first vote. */
	TEST_ASSERT_EQUAL(power_mgr_request(pm, VM_A, 0, POWER_MGR_MIN, 0),
		power_mgr_request(pm, VM_A, OURS, POWER_MGR_MIN, 0), "");
	TEST_ASSERT_EQUAL(same_files("after the first vote"), TEST_SUCCESS,
		"");
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 0, &rte), 0, "");
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, OURS, &own), 0, "");
	TEST_ASSERT_STR(rte.backend, "librte_power");
	TEST_ASSERT_STR(own.backend, "vmpower sysfs");
	na = power_mgr_freqs(pm, 0, fa, RTE_DIM(fa));
	nb = power_mgr_freqs(pm, OURS, fb, RTE_DIM(fb));
	TEST_ASSERT(na > 0 && na == nb, "%d vs %d frequencies", na, nb);
	for (i = 0; i < (unsigned int)na; i++)
		TEST_ASSERT_EQUAL(fa[i], fb[i], "frequency %u", i);
	TEST_ASSERT_EQUAL(rte.turbo, own.turbo, "turbo");
	TEST_ASSERT_EQUAL(rte.priority, own.priority, "priority");
	for (i = 0; i < RTE_DIM(ops); i++) {
		int ra = power_mgr_request(pm, VM_A, 0, ops[i], 0);
		int rb = power_mgr_request(pm, VM_A, OURS, ops[i], 0);
		char when[32];

		TEST_ASSERT_EQUAL(ra, rb, "request %u's result", i);
		snprintf(when, sizeof(when), "after request %u", i);
		TEST_ASSERT_EQUAL(same_files(when), TEST_SUCCESS, "");
	}
	/* Given back alike: the last vote gone, then at the end. */
	power_mgr_release(pm, VM_A, 0);
	power_mgr_release(pm, VM_A, OURS);
	TEST_ASSERT_EQUAL(same_files("after release"), TEST_SUCCESS, "");
	REQ(pm, VM_B, 0, POWER_MGR_MAX, 0);
	REQ(pm, VM_B, OURS, POWER_MGR_MAX, 0);
	power_mgr_destroy(pm);
	return same_files("after destroy");
}

static int
test_power_backends_agree(void)
{
	static const char *const drivers[] = {
		"acpi-cpufreq", "intel_pstate", "cppc_cpufreq",
	};
	char prio[32];
	unsigned int i;

	snprintf(prio, sizeof(prio), "0,%u", OURS);
	for (i = 0; i < RTE_DIM(drivers); i++) {
		struct sandbox_shape shape = {
			.nb_cpus = OURS + 1, .driver = drivers[i],
			.start_khz = 1300000,
		};

		printf("--- %s\n", drivers[i]);
		if (strcmp(drivers[i], "acpi-cpufreq") == 0)
			shape.start_khz = 1600000;	/* a listed one */
		TEST_RUN(sandbox_run(&shape, agree_body, NULL));
		/* SST-BF priority cores, on both sides. */
		if (strcmp(drivers[i], "intel_pstate") == 0) {
			shape.priority = prio;
			TEST_RUN(sandbox_run(&shape, agree_body, NULL));
		}
		shape.no_turbo = 1;
		TEST_RUN(sandbox_run(&shape, agree_body, NULL));
	}
	return TEST_SUCCESS;
}
REGISTER_TEST(power_backends_agree, test_power_backends_agree);
