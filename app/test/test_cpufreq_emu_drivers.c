/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The cpufreq emulator, driver by driver: the files each one has and
 * lacks, its governors, its knobs and what they refuse.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include "cpufreq_emu.h"
#include "test.h"

#define P0 "cpu0/cpufreq/"

/* Every name in the space separated @names is (or is not) in @dir. */
static int
files(const char *dir, const char *names, int present)
{
	char list[512], path[PATH_MAX], *tok, *save;

	snprintf(list, sizeof(list), "%s", names);
	for (tok = strtok_r(list, " ", &save); tok != NULL;
			tok = strtok_r(NULL, " ", &save)) {
		snprintf(path, sizeof(path), "%s/%s/%s", EMU_CPU_DIR, dir, tok);
		TEST_ASSERT_EQUAL(access(path, F_OK) == 0, present,
			"%s/%s should%s exist", dir, tok, present ? "" : " not");
	}
	return TEST_SUCCESS;
}

#define COMMON "affected_cpus related_cpus cpuinfo_min_freq " \
	"cpuinfo_max_freq cpuinfo_transition_latency scaling_min_freq " \
	"scaling_max_freq scaling_cur_freq scaling_driver scaling_governor " \
	"scaling_available_governors scaling_setspeed"
#define EPP "energy_performance_preference " \
	"energy_performance_available_preferences"
#define ALL_GOVS "conservative ondemand userspace powersave performance " \
	"schedutil"

static int
acpi_body(void *arg)
{
	RTE_SET_USED(arg);
	TEST_RUN(files("cpufreq/policy0", COMMON " scaling_available_frequencies"
		" cpuinfo_cur_freq bios_limit freqdomain_cpus boost", 1));
	TEST_RUN(files("cpufreq/policy0", EPP " base_frequency", 0));
	TEST_RUN(files("cpufreq", "boost", 1));
	TEST_RUN(files(".", "intel_pstate amd_pstate", 0));
	EMU_ASSERT_STR(P0 "scaling_available_governors", ALL_GOVS);
	EMU_ASSERT_STR(P0 "scaling_available_frequencies",
		"2401000 2400000 2000000 1600000 1200000 ");
	EMU_ASSERT_STR(P0 "cpuinfo_transition_latency", "10000");
	return TEST_SUCCESS;
}

static int
acpi_no_turbo_body(void *arg)
{
	RTE_SET_USED(arg);
	/* No turbo step: acpi-cpufreq has no boost to offer. */
	TEST_RUN(files("cpufreq", "boost policy0/boost", 0));
	EMU_ASSERT_STR(P0 "scaling_available_frequencies",
		"2000000 1500000 1000000 ");
	EMU_ASSERT_STR(P0 "scaling_governor", "ondemand");
	return TEST_SUCCESS;
}

static int
test_emu_drivers_acpi(void)
{
	struct emu_shape acpi = { .nb_cpus = 2 };
	struct emu_shape flat = { .nb_cpus = 2, .governor = "ondemand",
		.args = "--freqs 1000000,2000000,1500000" };

	TEST_RUN(emu_run(&acpi, acpi_body, NULL));
	return emu_run(&flat, acpi_no_turbo_body, NULL);
}
REGISTER_TEST(emu_drivers_acpi, test_emu_drivers_acpi);

static int
intel_body(void *arg)
{
	RTE_SET_USED(arg);
	TEST_RUN(files("cpufreq/policy0", COMMON " base_frequency " EPP, 1));
	TEST_RUN(files("cpufreq/policy0", "scaling_available_frequencies "
		"cpuinfo_cur_freq boost", 0));
	TEST_RUN(files("cpufreq", "boost", 0));
	TEST_RUN(files("intel_pstate", "status no_turbo max_perf_pct "
		"min_perf_pct num_pstates turbo_pct", 1));
	EMU_ASSERT_STR("intel_pstate/status", "active");
	EMU_ASSERT_STR("intel_pstate/turbo_pct", "31");
	EMU_ASSERT_STR("intel_pstate/num_pstates", "13");
	EMU_ASSERT_STR("intel_pstate/min_perf_pct", "50");
	EMU_ASSERT_STR(P0 "scaling_available_governors",
		"performance powersave");
	EMU_ASSERT_STR(P0 "scaling_governor", "powersave");
	EMU_ASSERT_STR(P0 "base_frequency", "2000000");
	/* Active mode: no userspace; min/max are the knobs. */
	EMU_ASSERT_WRITE(P0 "scaling_governor", "userspace", -EINVAL);
	EMU_ASSERT_STR(P0 "scaling_setspeed", "<unsupported>");
	EMU_ASSERT_WRITE(P0 "scaling_setspeed", "2000000", -EINVAL);
	EMU_ASSERT_WRITE(P0 "scaling_min_freq", "1500000", 0);
	EMU_ASSERT_STR(P0 "scaling_cur_freq", "1500000");
	EMU_ASSERT_WRITE(P0 "scaling_governor", "performance", 0);
	EMU_ASSERT_STR(P0 "scaling_cur_freq", "2400000");
	EMU_ASSERT_WRITE("intel_pstate/max_perf_pct", "75", 0);
	EMU_ASSERT_STR(P0 "scaling_cur_freq", "1800000");
	EMU_ASSERT_STR(P0 "scaling_max_freq", "2400000");
	EMU_ASSERT_WRITE("intel_pstate/max_perf_pct", "100", 0);
	/* no_turbo lowers cpuinfo_max_freq and so the max limit. */
	EMU_ASSERT_WRITE("intel_pstate/no_turbo", "1", 0);
	EMU_ASSERT_STR(P0 "cpuinfo_max_freq", "2000000");
	EMU_ASSERT_STR(P0 "scaling_max_freq", "2000000");
	EMU_ASSERT_WRITE("intel_pstate/no_turbo", "0", 0);
	EMU_ASSERT_STR(P0 "scaling_max_freq", "2400000");
	EMU_ASSERT_WRITE("intel_pstate/turbo_pct", "0", -EACCES);
	/* EPP: performance pins it at 0, anything else is EBUSY. */
	EMU_ASSERT_STR(P0 "energy_performance_preference", "performance");
	EMU_ASSERT_WRITE(P0 "energy_performance_preference", "power", -EBUSY);
	EMU_ASSERT_WRITE(P0 "scaling_governor", "powersave", 0);
	EMU_ASSERT_STR(P0 "energy_performance_preference",
		"balance_performance");
	EMU_ASSERT_WRITE(P0 "energy_performance_preference", "balance_power",
		0);
	EMU_ASSERT_WRITE(P0 "energy_performance_preference", "77\n", 0);
	EMU_ASSERT_STR(P0 "energy_performance_preference", "77");
	EMU_ASSERT_WRITE(P0 "energy_performance_preference", "300", -EINVAL);
	EMU_ASSERT_WRITE(P0 "energy_performance_preference", "fast", -EINVAL);
	/* HWP cannot be turned off; passive mode is intel_cpufreq. */
	EMU_ASSERT_WRITE("intel_pstate/status", "off", -EBUSY);
	EMU_ASSERT_WRITE("intel_pstate/status", "bogus", -EINVAL);
	EMU_ASSERT_WRITE("intel_pstate/status", "passive\n", 0);
	EMU_ASSERT_STR(P0 "scaling_driver", "intel_cpufreq");
	/* A new driver: policies start again at the defaults. */
	EMU_ASSERT_STR(P0 "scaling_min_freq", "1200000");
	EMU_ASSERT_STR(P0 "scaling_available_governors", ALL_GOVS);
	EMU_ASSERT_WRITE(P0 "scaling_governor", "userspace", 0);
	EMU_ASSERT_WRITE(P0 "scaling_setspeed", "1650000", 0);
	EMU_ASSERT_STR(P0 "scaling_setspeed", "1700000");
	TEST_RUN(files("cpufreq/policy0", "scaling_available_frequencies", 0));
	/* In passive mode perf_pct limits are QoS requests: visible. */
	EMU_ASSERT_WRITE("intel_pstate/max_perf_pct", "50", 0);
	EMU_ASSERT_STR(P0 "scaling_max_freq", "1200000");
	EMU_ASSERT_STR(P0 "scaling_setspeed", "1200000");
	return TEST_SUCCESS;
}

static int
intel_no_hwp_body(void *arg)
{
	char buf[32];

	RTE_SET_USED(arg);
	TEST_RUN(files("cpufreq/policy0", "base_frequency " EPP, 0));
	EMU_ASSERT_STR("intel_pstate/no_turbo", "1");	/* BIOS: no turbo */
	EMU_ASSERT_WRITE("intel_pstate/no_turbo", "0", -EPERM);
	EMU_ASSERT_STR("intel_pstate/turbo_pct", "0");
	EMU_ASSERT_WRITE("intel_pstate/status", "off", 0);
	EMU_ASSERT_STR("intel_pstate/status", "off");
	TEST_ASSERT(access(EMU_CPU_DIR "/cpu0/cpufreq", F_OK) < 0, "cpufreq");
	TEST_ASSERT_EQUAL(emu_read("intel_pstate/no_turbo", buf, sizeof(buf)),
		-EAGAIN, "no driver");
	EMU_ASSERT_WRITE("intel_pstate/status", "active", 0);
	EMU_ASSERT_STR(P0 "scaling_driver", "intel_pstate");
	return TEST_SUCCESS;
}

static int
test_emu_drivers_intel(void)
{
	struct emu_shape hwp = { .nb_cpus = 2, .driver = "intel_pstate" };
	struct emu_shape old = { .nb_cpus = 2, .driver = "intel_pstate",
		.no_turbo = 1, .args = "--no-hwp" };

	TEST_RUN(emu_run(&hwp, intel_body, NULL));
	return emu_run(&old, intel_no_hwp_body, NULL);
}
REGISTER_TEST(emu_drivers_intel, test_emu_drivers_intel);

#define AMD_FILES "amd_pstate_max_freq amd_pstate_lowest_nonlinear_freq " \
	"amd_pstate_highest_perf amd_pstate_prefcore_ranking " \
	"amd_pstate_hw_prefcore boost"

static int
amd_passive_body(void *arg)
{
	RTE_SET_USED(arg);
	TEST_RUN(files("cpufreq/policy0", COMMON " " AMD_FILES, 1));
	TEST_RUN(files("cpufreq/policy0", EPP " scaling_available_frequencies",
		0));
	TEST_RUN(files("amd_pstate", "status prefcore", 1));
	EMU_ASSERT_STR("amd_pstate/status", "passive");
	EMU_ASSERT_STR(P0 "scaling_driver", "amd-pstate");
	EMU_ASSERT_STR(P0 "amd_pstate_max_freq", "2400000");
	/* librte_power's amd_pstate reads these (the kernel needs _CPC). */
	EMU_ASSERT_STR("cpu1/acpi_cppc/highest_perf", "240");
	EMU_ASSERT_STR("cpu1/acpi_cppc/nominal_perf", "200");
	EMU_ASSERT_STR("cpu1/acpi_cppc/nominal_freq", "2000");
	EMU_ASSERT_STR("cpufreq/boost", "1");
	/* Per-policy boost: off lowers cpuinfo_max_freq to nominal. */
	EMU_ASSERT_WRITE("cpu1/cpufreq/boost", "0", 0);
	EMU_ASSERT_STR("cpu1/cpufreq/cpuinfo_max_freq", "2000000");
	EMU_ASSERT_STR(P0 "cpuinfo_max_freq", "2400000");
	EMU_ASSERT_WRITE(P0 "scaling_governor", "userspace", 0);
	EMU_ASSERT_WRITE(P0 "scaling_setspeed", "1234567", 0);
	EMU_ASSERT_STR(P0 "scaling_cur_freq", "1234567");
	EMU_ASSERT_WRITE("cpufreq/boost", "0", 0);
	EMU_ASSERT_WRITE(P0 "boost", "1", -EINVAL);
	EMU_ASSERT_WRITE("amd_pstate/status", "guided", 0);
	EMU_ASSERT_STR("amd_pstate/status", "guided");
	EMU_ASSERT_STR(P0 "scaling_driver", "amd-pstate");
	EMU_ASSERT_WRITE("amd_pstate/status", "active", 0);
	EMU_ASSERT_STR(P0 "scaling_driver", "amd-pstate-epp");
	EMU_ASSERT_WRITE("amd_pstate/status", "on", -EINVAL);
	return TEST_SUCCESS;
}

static int
amd_epp_body(void *arg)
{
	RTE_SET_USED(arg);
	TEST_RUN(files("cpufreq/policy0", COMMON " " AMD_FILES " " EPP, 1));
	EMU_ASSERT_STR("amd_pstate/status", "active");
	EMU_ASSERT_STR(P0 "scaling_available_governors",
		"performance powersave");
	EMU_ASSERT_STR(P0 "scaling_governor", "performance");
	EMU_ASSERT_STR(P0 "scaling_setspeed", "<unsupported>");
	EMU_ASSERT_WRITE(P0 "scaling_governor", "userspace", -EINVAL);
	EMU_ASSERT_STR(P0 "energy_performance_available_preferences",
		"default performance balance_performance balance_power power ");
	EMU_ASSERT_STR(P0 "energy_performance_preference", "performance");
	EMU_ASSERT_WRITE(P0 "energy_performance_preference", "balance_power",
		-EBUSY);
	EMU_ASSERT_WRITE(P0 "scaling_governor", "powersave", 0);
	EMU_ASSERT_WRITE(P0 "energy_performance_preference", "balance_power",
		0);
	EMU_ASSERT_STR(P0 "energy_performance_preference", "balance_power");
	/* amd-pstate takes names only, never a raw EPP number. */
	EMU_ASSERT_WRITE(P0 "energy_performance_preference", "128", -EINVAL);
	EMU_ASSERT_WRITE("amd_pstate/status", "disable", 0);
	TEST_RUN(files("cpufreq", "policy0 boost", 0));
	return TEST_SUCCESS;
}

static int
test_emu_drivers_amd(void)
{
	struct emu_shape passive = { .nb_cpus = 2, .driver = "amd-pstate" };
	struct emu_shape epp = { .nb_cpus = 2, .driver = "amd-pstate-epp",
		.governor = "performance" };

	TEST_RUN(emu_run(&passive, amd_passive_body, NULL));
	return emu_run(&epp, amd_epp_body, NULL);
}
REGISTER_TEST(emu_drivers_amd, test_emu_drivers_amd);

static int
cppc_body(void *arg)
{
	RTE_SET_USED(arg);
	TEST_RUN(files("cpufreq/policy0", COMMON " cpuinfo_cur_freq boost", 1));
	TEST_RUN(files("cpufreq/policy0", "scaling_available_frequencies "
		EPP, 0));
	TEST_RUN(files("cpu1/acpi_cppc", "highest_perf nominal_perf "
		"lowest_nonlinear_perf lowest_perf nominal_freq lowest_freq", 1));
	EMU_ASSERT_STR("cpu1/acpi_cppc/highest_perf", "240");
	EMU_ASSERT_STR("cpu1/acpi_cppc/nominal_perf", "200");
	EMU_ASSERT_STR("cpu1/acpi_cppc/nominal_freq", "2000");
	/* Boost starts off: cpuinfo_max_freq is the nominal frequency. */
	EMU_ASSERT_STR("cpufreq/boost", "0");
	EMU_ASSERT_STR(P0 "cpuinfo_max_freq", "2000000");
	EMU_ASSERT_WRITE(P0 "scaling_max_freq", "1500000", 0);
	/* Boost on rewrites the max limit to the new cpuinfo maximum. */
	EMU_ASSERT_WRITE("cpufreq/boost", "1", 0);
	EMU_ASSERT_STR(P0 "cpuinfo_max_freq", "2400000");
	EMU_ASSERT_STR(P0 "scaling_max_freq", "2400000");
	EMU_ASSERT_WRITE(P0 "scaling_governor", "userspace", 0);
	EMU_ASSERT_WRITE(P0 "scaling_setspeed", "2222222", 0);
	EMU_ASSERT_STR(P0 "cpuinfo_cur_freq", "2222222");
	return TEST_SUCCESS;
}

static int
test_emu_drivers_cppc(void)
{
	struct emu_shape cppc = { .nb_cpus = 2, .driver = "cppc_cpufreq" };

	return emu_run(&cppc, cppc_body, NULL);
}
REGISTER_TEST(emu_drivers_cppc, test_emu_drivers_cppc);
