/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_POWER_H
#define VMP_TEST_POWER_H

/* Shared by the power manager's test files. */

#include <rte_common.h>

#include "cpufreq_sandbox.h"
#include "power_manager.h"
#include "test.h"

#define VM_A	POWER_MGR_VCPU(1, 0)
#define VM_B	POWER_MGR_VCPU(2, 0)
#define VM_C	POWER_MGR_VCPU(3, 1)

/* The default acpi-cpufreq tree: TURBO, F0 ... F3. */
#define TURBO	2401000
#define F0	2400000
#define F1	2000000
#define F2	1600000
#define F3	1200000

#define ASSERT_SPEED	SANDBOX_ASSERT_SPEED
#define ASSERT_GOV	SANDBOX_ASSERT_GOV
#define ASSERT_WRITES	SANDBOX_ASSERT_WRITES

#define REQ(pm, who, cpu, op, idx) \
	TEST_ASSERT_EQUAL(power_mgr_request(pm, who, cpu, op, idx), 0, \
		"request %s on cpu %u", #op, cpu)

/*
 * In a sandbox: EAL as the daemon starts it, a manager with @driver, and
 * with @wfd an inotify watch on scaling_setspeed of CPUs 0..@n-1.
 */
int power_test_start(struct power_mgr **pm, const char *driver, int *wfd,
	unsigned int n);

#endif /* VMP_TEST_POWER_H */
