/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * librte_power and vmpower's sysfs backend must be interchangeable: on the
 * same tree, a core each drives gets the same frequency list, turbo and
 * priority, the same files written after each request, and the same state
 * given back. CPU 0 is EAL's main lcore, which librte_power addresses on
 * every release; CPU RTE_MAX_LCORE is out of its reach on every release.
 * On the cpufreq emulator: both see the kernel's refusals, and the write
 * log of one CPU's policy must be the other's, line for line.
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
		if (emu_cpu_read(0, files[i], a, sizeof(a)) < 0)
			a[0] = '\0';
		if (emu_cpu_read(OURS, files[i], b, sizeof(b)) < 0)
			b[0] = '\0';
		TEST_ASSERT(strcmp(a, b) == 0, "%s: %s is '%s' on cpu 0 "
			"(librte_power), '%s' on cpu %u (vmpower)", when,
			files[i], a, b, OURS);
	}
	return TEST_SUCCESS;
}

/*
 * The kernel saw the same writes, in the same order, on both policies,
 * but for two things: librte_power writes "N", ours "N\n" (the kernel
 * takes both), and librte_power's init puts a core it takes at its top
 * first: a setspeed write just after the governor's, which the
 * manager's own write then replaces (and which is the only one when the
 * manager wants the top too).
 */
static size_t
add_line(char *buf, size_t len, size_t size, const char *line, int rte,
	char *pending, size_t psize)
{
	char copy[128], *nl;
	int speed;

	snprintf(copy, sizeof(copy), "%s", line);
	nl = strstr(copy, "\\n ");
	if (nl != NULL)
		memmove(nl, nl + 2, strlen(nl + 2) + 1);
	speed = strncmp(copy, "scaling_setspeed ", 17) == 0;
	if (pending[0] != '\0') {
		if (!speed)	/* the init write was the only one */
			len += snprintf(buf + len, size - len, "%s\n",
				pending);
		pending[0] = '\0';
	} else if (rte && speed && len >= 30 && strcmp(buf + len - 30,
			"scaling_governor userspace OK\n") == 0) {
		snprintf(pending, psize, "%s", copy);
		return len;
	}
	return len + snprintf(buf + len, size - len, "%s\n", copy);
}

static int rte_init_write;

static int
same_writes(void)
{
	static char log[1 << 16], a[1 << 15], b[1 << 15];
	char ours[32], pa[128] = "", pb[128] = "", *line, *save = NULL;
	size_t la = 0, lb = 0, n = 0;

	snprintf(ours, sizeof(ours), "cpufreq/policy%u/", OURS);
	n = strlen(ours);
	TEST_ASSERT(emu_log(log, sizeof(log)) >= 0, "log");
	a[0] = b[0] = '\0';
	for (line = strtok_r(log, "\n", &save); line != NULL;
			line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "cpufreq/policy0/", 16) == 0)
			la = add_line(a, la, sizeof(a), line + 16,
				rte_init_write, pa, sizeof(pa));
		else if (strncmp(line, ours, n) == 0)
			lb = add_line(b, lb, sizeof(b), line + n, 0, pb,
				sizeof(pb));
		TEST_ASSERT(la < sizeof(a) && lb < sizeof(b), "long log");
	}
	TEST_ASSERT(la > 0, "no write to cpu 0");
	TEST_ASSERT(strcmp(a, b) == 0, "writes differ:\n--- cpu 0 "
		"(librte_power)\n%s--- cpu %u (vmpower)\n%s", a, OURS, b);
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
	TEST_RUN(power_test_start(&pm, NULL));
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
	TEST_RUN(same_files("after destroy"));
	/* intel_pstate: librte_power's init pins the base frequency
	 * (min and max) first; the states compared above must do. */
	return rte_init_write ? same_writes() : TEST_SUCCESS;
}

static int
test_power_backends_agree(void)
{
	static const char *const drivers[] = {
		"acpi-cpufreq", "intel_pstate", "cppc_cpufreq",
	};
	char cpus[32], prio[32];
	unsigned int i;

	/* EAL's lcores 0-1, and one CPU past librte_power's reach. */
	snprintf(cpus, sizeof(cpus), "0-1,%u", OURS);
	snprintf(prio, sizeof(prio), "--priority 0,%u", OURS);
	for (i = 0; i < RTE_DIM(drivers); i++) {
		struct emu_shape shape = {
			.cpus = cpus, .driver = drivers[i],
		};

		printf("--- %s\n", drivers[i]);
		rte_init_write = strcmp(drivers[i], "intel_pstate") != 0;
		TEST_RUN(emu_run(&shape, agree_body, NULL));
		/* SST-BF priority cores, on both sides. */
		if (strcmp(drivers[i], "intel_pstate") == 0) {
			shape.args = prio;
			TEST_RUN(emu_run(&shape, agree_body, NULL));
			shape.args = NULL;
		}
		shape.no_turbo = 1;
		TEST_RUN(emu_run(&shape, agree_body, NULL));
	}
	return TEST_SUCCESS;
}
REGISTER_TEST(power_backends_agree, test_power_backends_agree);
