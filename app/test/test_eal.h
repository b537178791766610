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

#include <stdio.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

/* @return 0, also when EAL is up already (EALREADY), or -rte_errno. */
static inline int
test_eal_start(const char *prog, const char *lcores)
{
	char *argv[] = {
		(char *)(uintptr_t)prog, (char *)"-l",
		(char *)(uintptr_t)lcores, (char *)"--no-huge",
		(char *)"--no-pci", (char *)"-m", (char *)"64",
		(char *)"--no-shconf", (char *)"--no-telemetry",
		(char *)"--log-level=lib.eal:warning", NULL,
	};

	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0 &&
			rte_errno != EALREADY) {
		printf("%s: rte_eal_init: %s\n", prog,
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

#endif /* VMP_TEST_EAL_H */
