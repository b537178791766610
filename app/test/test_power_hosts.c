/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The power manager on hosts as they are: shared cpufreq policies and
 * hundreds of CPUs on the cpufreq emulator (the kernel's refusals and
 * write log), and a daemon killed by SIGKILL whose successor gives its
 * cores back.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>

#include "cpufreq_emu.h"
#include "test_daemon_run.h"
#include "test_power.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long
rss_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kb;
}

/*
 * Policies 0-1 and 2-3: the highest vote on either CPU of a policy wins,
 * one write serves both, and the kernel sees exactly these writes.
 */
static int
shared_body(void *arg)
{
	struct power_mgr_core_info info;
	struct power_mgr *pm;

	RTE_SET_USED(arg);
	TEST_ASSERT_EQUAL(emu_eal_init(), 0, "EAL");
	TEST_ASSERT_EQUAL(power_mgr_create(NULL, &pm), 0, "create");
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 3, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.nb_siblings, 2, "siblings");
	TEST_ASSERT(info.siblings[0] == 2 && info.siblings[1] == 3, "2-3");
	TEST_ASSERT_EQUAL(emu_log_clear(), 0, "");
	REQ(pm, VM_A, 3, POWER_MGR_MIN, 0);
	EMU_ASSERT_LOG("cpufreq/policy2/scaling_governor userspace OK\n"
		"cpufreq/policy2/scaling_setspeed 1200000\\n OK\n");
	REQ(pm, VM_B, 2, POWER_MGR_MAX, 0);	/* B's wins for both */
	EMU_ASSERT_LOG("cpufreq/policy2/scaling_setspeed 2400000\\n OK\n");
	EMU_ASSERT_STR("cpu3/cpufreq/scaling_cur_freq", "2400000");
	REQ(pm, VM_A, 3, POWER_MGR_DOWN, 0);	/* below B's: no write */
	EMU_ASSERT_LOG("");
	TEST_ASSERT_EQUAL(power_mgr_release(pm, VM_B, 2), 0, "");
	EMU_ASSERT_LOG("cpufreq/policy2/scaling_setspeed 1200000\\n OK\n");
	/* The last vote gone: the governor the kernel had. */
	TEST_ASSERT_EQUAL(power_mgr_release(pm, VM_A, 3), 0, "");
	EMU_ASSERT_LOG("cpufreq/policy2/scaling_governor schedutil OK\n");
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 2, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.controlled, 0, "free");
	power_mgr_destroy(pm);
	EMU_ASSERT_LOG("");			/* policy 0-1: never touched */
	return TEST_SUCCESS;
}

static int
test_power_shared_policy(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .policies = "0-1;2-3" };

	return emu_run(&shape, shared_body, NULL);
}
REGISTER_TEST(power_shared_policy, test_power_shared_policy);

/* 512 CPUs: start, two votes, two policies written, nothing else. */
static int
many_body(void *arg)
{
	struct power_mgr *pm;
	double t0, t1;
	long kb0, kb1;

	RTE_SET_USED(arg);
	TEST_ASSERT_EQUAL(emu_eal_init(), 0, "EAL");
	kb0 = rss_kb();
	t0 = now_ms();
	TEST_ASSERT_EQUAL(power_mgr_create(NULL, &pm), 0, "create");
	t1 = now_ms();
	kb1 = rss_kb();
	TEST_ASSERT_EQUAL(power_mgr_nb_cpus(pm), 512, "cpus");
	TEST_ASSERT_EQUAL(power_mgr_nb_ready(pm), 512, "controllable");
	printf("512 CPUs: create %.1f ms, RSS +%ld KB (%.2f KB a CPU)\n",
		t1 - t0, kb1 - kb0, (double)(kb1 - kb0) / 512);
	TEST_ASSERT_EQUAL(emu_log_clear(), 0, "");
	REQ(pm, VM_A, 511, POWER_MGR_MIN, 0);
	REQ(pm, VM_B, 300, POWER_MGR_MAX, 0);
	EMU_ASSERT_LOG("cpufreq/policy511/scaling_governor userspace OK\n"
		"cpufreq/policy511/scaling_setspeed 1200000\\n OK\n"
		"cpufreq/policy300/scaling_governor userspace OK\n"
		"cpufreq/policy300/scaling_setspeed 2400000\\n OK\n");
	t0 = now_ms();
	power_mgr_destroy(pm);
	printf("512 CPUs: destroy %.1f ms\n", now_ms() - t0);
	EMU_ASSERT_LOG("cpufreq/policy300/scaling_governor schedutil OK\n"
		"cpufreq/policy511/scaling_governor schedutil OK\n");
	return TEST_SUCCESS;
}

static int
test_power_many_cpus(void)
{
	struct emu_shape shape = { .nb_cpus = 512 };

	return emu_run(&shape, many_body, NULL);
}
REGISTER_TEST(power_many_cpus, test_power_many_cpus);

/* Sparse ids up to 4095 (a host after hotplug): each one controlled. */
static int
sparse_body(void *arg)
{
	struct power_mgr_core_info info;
	struct power_mgr *pm;

	RTE_SET_USED(arg);
	TEST_ASSERT_EQUAL(emu_eal_init(), 0, "EAL");
	TEST_ASSERT_EQUAL(power_mgr_create(NULL, &pm), 0, "create");
	TEST_ASSERT_EQUAL(power_mgr_nb_cpus(pm), 4096, "ids up to 4095");
	TEST_ASSERT_EQUAL(power_mgr_nb_ready(pm), 6, "controllable");
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 100, &info), 0, "");
	TEST_ASSERT_EQUAL(info.state, POWER_MGR_CORE_NONE, "a hole");
	TEST_ASSERT_EQUAL(emu_log_clear(), 0, "");
	REQ(pm, VM_A, 4095, POWER_MGR_MIN, 0);
	REQ(pm, VM_A, 2048, POWER_MGR_MAX, 0);
	EMU_ASSERT_LOG("cpufreq/policy4095/scaling_governor userspace OK\n"
		"cpufreq/policy4095/scaling_setspeed 1200000\\n OK\n"
		"cpufreq/policy2048/scaling_governor userspace OK\n"
		"cpufreq/policy2048/scaling_setspeed 2400000\\n OK\n");
	TEST_ASSERT_EQUAL(power_mgr_request(pm, VM_A, 100, POWER_MGR_MIN, 0),
		-ENODEV, "no such CPU");
	power_mgr_destroy(pm);
	EMU_ASSERT_LOG("cpufreq/policy2048/scaling_governor schedutil OK\n"
		"cpufreq/policy4095/scaling_governor schedutil OK\n");
	return TEST_SUCCESS;
}

static int
test_power_sparse_cpus(void)
{
	struct emu_shape shape = { .cpus = "0-3,2048,4095" };

	return emu_run(&shape, sparse_body, NULL);
}
REGISTER_TEST(power_sparse_cpus, test_power_sparse_cpus);

/*
 * SIGKILL leaves taken cores behind, with their records; the next daemon
 * on the same state directory gives them back first, and refuses to
 * start while another one holds it. Start, kill -9, start, quit: every
 * core as it was before the first start.
 */
static int
crash_body(void *arg)
{
	char dir[] = "/tmp/vmp_crash.XXXXXX", rec[64];
	const char *opts[] = { "--libvirt-uri", "test:///default",
		"--state-dir", dir, NULL };
	struct daemon a, b, c;
	unsigned int cpu;
	int st;

	RTE_SET_USED(arg);
	TEST_ASSERT(test_mkdtemp(dir) != NULL, "");
	TEST_ASSERT_EQUAL(daemon_start(&a, opts), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&a, "ready:", 10000), 0, "");
	CMD(&a, "set_cpu_freq_mask 1-2 max", "core 2: 2400000 kHz");
	TEST_ASSERT_STR(emu_governor(1), "userspace");
	snprintf(rec, sizeof(rec), "%s/policy1", dir);
	TEST_ASSERT_EQUAL(access(rec, F_OK), 0, "record of cpu 1");
	/* A second daemon on the same host is refused, with the reason. */
	TEST_ASSERT_EQUAL(daemon_start(&c, opts), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&c, "another vm_power_mgr (pid", 10000),
		0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&c), 1, "refused");
	daemon_close(&c);
	kill(a.pid, SIGKILL);
	waitpid(a.pid, &st, 0);
	daemon_close(&a);
	TEST_ASSERT_STR(emu_governor(1), "userspace");	/* left */
	TEST_ASSERT_EQUAL(daemon_start(&b, opts), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&b, "cpu 1: a previous vm_power_mgr "
		"left it under control: given back (governor powersave)", 10000),
		0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&b, "ready:", 10000), 0, "");
	for (cpu = 0; cpu < 4; cpu++) {
		EMU_ASSERT_GOV(cpu, "powersave");
		EMU_ASSERT_KHZ(cpu, "cpufreq/scaling_cur_freq", 1300000);
	}
	TEST_ASSERT(access(rec, F_OK) < 0, "record gone");
	CMD(&b, "quit", "restoring cores");
	TEST_ASSERT_EQUAL(daemon_wait(&b), 0, "");
	daemon_close(&b);
	for (cpu = 0; cpu < 4; cpu++) {
		EMU_ASSERT_GOV(cpu, "powersave");
		EMU_ASSERT_KHZ(cpu, "cpufreq/scaling_cur_freq", 1300000);
	}
	snprintf(rec, sizeof(rec), "rm -rf '%s'", dir);
	TEST_ASSERT_EQUAL(system(rec), 0, "");
	return TEST_SUCCESS;
}

static int
test_power_crash_recovery(void)
{
	/* powersave: every core at the lowest, 1.3 GHz. */
	struct emu_shape shape = { .nb_cpus = 4, .governor = "powersave",
		.args = "--freqs 2401000,2400000,2000000,1600000,1300000" };

	return emu_run(&shape, crash_body, NULL);
}
REGISTER_TEST(power_crash_recovery, test_power_crash_recovery);
