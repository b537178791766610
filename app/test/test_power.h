/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_POWER_H
#define VMP_TEST_POWER_H

/* Shared by the power manager's test files. */

#include <rte_common.h>

#include "cpufreq_emu.h"
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

/* What the kernel says the CPU runs at, whatever its governor. */
#define ASSERT_SPEED(cpu, khz) \
	TEST_ASSERT_EQUAL(emu_freq_now(cpu), khz, "cpu %u runs at", \
		(unsigned int)(cpu))
#define ASSERT_GOV	EMU_ASSERT_GOV
/* Frequency writes the "kernel" got since the last check (refused ones
 * too), from the emulator's write log. */
#define ASSERT_WRITES(n) do {						\
	static char wlog_[8192];					\
	int wn_ = emu_log_count("/scaling_setspeed ");			\
									\
	if (wn_ != (n) && emu_log(wlog_, sizeof(wlog_)) >= 0)		\
		printf("write log:\n%s", wlog_);			\
	TEST_ASSERT_EQUAL(emu_log_take("/scaling_setspeed "), n,	\
		"scaling_setspeed writes");				\
} while (0)

/*
 * librte_power's init (acpi-cpufreq) puts a core it takes at its highest
 * frequency, turbo included, before the manager's first write: the kernel
 * sees one more scaling_setspeed write on CPUs 0-1 (EAL's lcores, taken
 * through librte_power) than on the others.
 */
#define RTE_INIT_WRITES	1

#define REQ(pm, who, cpu, op, idx) \
	TEST_ASSERT_EQUAL(power_mgr_request(pm, who, cpu, op, idx), 0, \
		"request %s on cpu %u", #op, cpu)

/* The default host of these tests: acpi-cpufreq at powersave (so at
 * F3), one CPU per policy. */
#define POWER_SHAPE(n) { .nb_cpus = (n), .governor = "powersave" }

/*
 * Over the emulator: EAL as emu_eal_init() starts it, a manager with
 * @driver, and the write log cleared.
 */
int power_test_start(struct power_mgr **pm, const char *driver);

#endif /* VMP_TEST_POWER_H */
