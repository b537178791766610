/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The power manager's edges: cores and hosts without cpufreq, CPUs beyond
 * librte_power's lcores, the driver option, intel_pstate and cppc trees,
 * and restoring every core on each way out of the process.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_eal.h>

#include "test_power.h"

static int
some_without_body(void *arg)
{
	struct power_mgr_core_info info;
	struct power_mgr *pm;

	RTE_SET_USED(arg);
	test_log_capture();
	TEST_RUN(power_test_start(&pm, NULL));
	TEST_ASSERT_LOG("cpu 1: no cpufreq");
	TEST_ASSERT_LOG("cpu 2: no cpufreq");
	TEST_ASSERT_EQUAL(power_mgr_nb_ready(pm), 2, "cores under control");
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 1, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.state, POWER_MGR_CORE_NO_CPUFREQ, "state");
	TEST_ASSERT_EQUAL(power_mgr_request(pm, VM_A, 1, POWER_MGR_MIN, 0),
		-ENODEV, "cpu without cpufreq");
	REQ(pm, VM_A, 3, POWER_MGR_MIN, 0);
	ASSERT_SPEED(3, F3);
	power_mgr_destroy(pm);
	return TEST_SUCCESS;
}

static int
none_body(void *arg)
{
	struct power_mgr *pm;
	struct cpu_list set;

	RTE_SET_USED(arg);
	test_log_capture();
	TEST_RUN(power_test_start(&pm, NULL));
	TEST_ASSERT_LOG("no CPU has cpufreq: power requests will be refused");
	TEST_ASSERT_STR(power_mgr_driver(pm), "none");
	TEST_ASSERT_EQUAL(power_mgr_nb_ready(pm), 0, "cores under control");
	TEST_ASSERT_EQUAL(power_mgr_nb_cpus(pm), 2, "cpus");
	TEST_ASSERT_EQUAL(power_mgr_request(pm, VM_A, 0, POWER_MGR_UP, 0),
		-ENODEV, "request");
	TEST_ASSERT_EQUAL(cpu_list_init(&set, 2), 0, "set");
	cpu_list_add(&set, 1);
	TEST_ASSERT_EQUAL(power_mgr_request_set(pm, VM_A, &set, POWER_MGR_UP,
		0), -ENODEV, "set request");
	cpu_list_free(&set);
	TEST_ASSERT_EQUAL(power_mgr_drop(pm, VM_A, POWER_MGR_VM_MASK), 0,
		"drop");
	TEST_ASSERT_EQUAL(power_mgr_flush(pm), 0, "flush");
	power_mgr_destroy(pm);
	return TEST_SUCCESS;
}

/* librte_power checks cpu0 only: the driver still comes from cpu1. */
static int
cpu0_without_body(void *arg)
{
	struct power_mgr *pm;

	RTE_SET_USED(arg);
	TEST_RUN(power_test_start(&pm, NULL));
	TEST_ASSERT_STR(power_mgr_driver(pm), "acpi-cpufreq");
	TEST_ASSERT_EQUAL(power_mgr_nb_ready(pm), 2, "cores controllable");
	REQ(pm, VM_A, 1, POWER_MGR_MAX, 0);
	ASSERT_SPEED(1, F0);
	power_mgr_destroy(pm);
	return TEST_SUCCESS;
}

static int
test_power_no_cpufreq(void)
{
	struct emu_shape some = POWER_SHAPE(4), none = POWER_SHAPE(2);
	struct emu_shape cpu0 = POWER_SHAPE(3);

	some.args = "--no-cpufreq 1,2";
	none.args = "--no-cpufreq 0-1";
	cpu0.args = "--no-cpufreq 0";
	TEST_RUN(emu_run(&some, some_without_body, NULL));
	TEST_RUN(emu_run(&none, none_body, NULL));
	return emu_run(&cpu0, cpu0_without_body, NULL);
}
REGISTER_TEST(power_no_cpufreq, test_power_no_cpufreq);

/*
 * CPUs librte_power cannot address (every CPU but this process's lcores,
 * ids from RTE_MAX_LCORE on) are driven by vmpower's own backend, with
 * the same frequencies and writes; said once.
 */
static int
lcore_limit_body(void *arg)
{
	struct power_mgr_core_info info;
	struct power_mgr *pm;
	char line[64];

	RTE_SET_USED(arg);
	test_log_capture();
	TEST_RUN(power_test_start(&pm, NULL));
	/* emu_eal_init(): lcores 0-1. */
	snprintf(line, sizeof(line), "cpu 2-%u: driven by vmpower's sysfs",
		RTE_MAX_LCORE + 1);
	TEST_ASSERT_LOG(line);
	TEST_ASSERT_EQUAL(test_log_count("driven by vmpower's sysfs"), 1,
		"said once");
	TEST_ASSERT_EQUAL(power_mgr_nb_cpus(pm), RTE_MAX_LCORE + 2, "cpus");
	TEST_ASSERT_EQUAL(power_mgr_nb_ready(pm), RTE_MAX_LCORE + 2, "ready");
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, RTE_MAX_LCORE + 1, &info),
		0, "info");
	TEST_ASSERT_EQUAL(info.state, POWER_MGR_CORE_READY, "state");
	TEST_ASSERT_EQUAL(info.nb_freqs, 5, "the same list");
	REQ(pm, VM_A, RTE_MAX_LCORE + 1, POWER_MGR_MIN, 0);
	ASSERT_SPEED(RTE_MAX_LCORE + 1, F3);
	REQ(pm, VM_A, RTE_MAX_LCORE - 1, POWER_MGR_MIN, 0);
	ASSERT_SPEED(RTE_MAX_LCORE - 1, F3);
	power_mgr_destroy(pm);
	ASSERT_GOV(RTE_MAX_LCORE + 1, "powersave");
	return TEST_SUCCESS;
}

static int
test_power_lcore_limit(void)
{
	struct emu_shape shape = POWER_SHAPE(RTE_MAX_LCORE + 2);

	return emu_run(&shape, lcore_limit_body, NULL);
}
REGISTER_TEST(power_lcore_limit, test_power_lcore_limit);

static int
option_body(void *arg)
{
	struct power_mgr_conf bogus = { .driver = "bogus" };
	struct power_mgr *pm, *again;

	RTE_SET_USED(arg);
	test_log_capture();
	TEST_ASSERT_EQUAL(power_mgr_create(NULL, &pm), -EINVAL, "no EAL");
	TEST_ASSERT_LOG("EAL is not initialised");
	TEST_ASSERT_EQUAL(emu_eal_init(), 0, "EAL");
	TEST_ASSERT_EQUAL(power_mgr_create(&bogus, &pm), -EINVAL, "bogus");
	TEST_ASSERT_LOG("unknown driver 'bogus'");
	TEST_RUN(power_test_start(&pm, "acpi-cpufreq"));
	TEST_ASSERT_EQUAL(power_mgr_nb_ready(pm), 2, "cores under control");
	TEST_ASSERT_EQUAL(power_mgr_create(NULL, &again), -EBUSY, "second");
	power_mgr_destroy(pm);
	power_mgr_destroy(pm);	/* a no-op */
	/* The wrong driver forced: librte_power refuses every core. */
	bogus.driver = "cppc";
	TEST_ASSERT_EQUAL(power_mgr_create(&bogus, &pm), 0, "cppc");
	TEST_ASSERT_LOG("cpu 0: cppc_cpufreq without nominal_perf");
	TEST_ASSERT_LOG("cpu 0: frequencies unknown");
	ASSERT_GOV(0, "powersave");	/* never touched */
	TEST_ASSERT_EQUAL(power_mgr_nb_ready(pm), 0, "cores controllable");
	TEST_ASSERT_EQUAL(power_mgr_request(pm, VM_A, 0, POWER_MGR_MIN, 0),
		-ENODEV, "refused core");
	power_mgr_destroy(pm);
	/* And the right one again, after a destroy. */
	bogus.driver = "acpi";
	TEST_ASSERT_EQUAL(power_mgr_create(&bogus, &pm), 0, "acpi");
	TEST_ASSERT_EQUAL(power_mgr_nb_ready(pm), 2, "cores controllable");
	REQ(pm, VM_A, 1, POWER_MGR_MIN, 0);
	ASSERT_GOV(1, "userspace");
	power_mgr_destroy(pm);
	ASSERT_GOV(1, "powersave");
	return TEST_SUCCESS;
}

static int
unknown_driver_body(void *arg)
{
	struct power_mgr *pm;

	RTE_SET_USED(arg);
	test_log_capture();
	TEST_RUN(power_test_start(&pm, NULL));
	TEST_ASSERT_LOG("scaling driver 'cpufreq-dt' is not one vmpower drives");
	TEST_ASSERT_STR(power_mgr_driver(pm), "none");
	TEST_ASSERT_EQUAL(power_mgr_nb_ready(pm), 0, "cores under control");
	ASSERT_GOV(0, "powersave");	/* untouched */
	power_mgr_destroy(pm);
	return TEST_SUCCESS;
}

static int
test_power_driver_option(void)
{
	struct emu_shape acpi = POWER_SHAPE(2);
	struct emu_shape other = POWER_SHAPE(2);

	other.driver = "cpufreq-dt";
	TEST_RUN(emu_run(&acpi, option_body, NULL));
	return emu_run(&other, unknown_driver_body, NULL);
}
REGISTER_TEST(power_driver_option, test_power_driver_option);

#define MIN_FILE	"cpufreq/scaling_min_freq"
#define MAX_FILE	"cpufreq/scaling_max_freq"

/* intel_pstate pins a frequency as scaling_min_freq = scaling_max_freq. */
#define ASSERT_PINNED(cpu, khz) do {					\
	EMU_ASSERT_KHZ(cpu, MIN_FILE, khz);				\
	EMU_ASSERT_KHZ(cpu, MAX_FILE, khz);				\
} while (0)
/* The kernel got @n writes of CPU 0's scaling_max_freq since the last. */
#define MAX_WRITES(n) \
	TEST_ASSERT_EQUAL(emu_log_take("policy0/scaling_max_freq "), n, \
		"scaling_max_freq writes")

static int
pstate_body(void *arg)
{
	struct power_mgr_core_info info;
	uint32_t khz[16];
	struct power_mgr *pm;
	unsigned int cpu;

	RTE_SET_USED(arg);
	TEST_RUN(power_test_start(&pm, NULL));
	TEST_ASSERT_STR(power_mgr_driver(pm), "intel_pstate");
	TEST_ASSERT_EQUAL(power_mgr_nb_ready(pm), 3, "cores controllable");
	for (cpu = 0; cpu < 3; cpu++)
		ASSERT_GOV(cpu, "powersave");	/* until a vote */
	REQ(pm, VM_A, 0, POWER_MGR_MAX, 0);
	REQ(pm, VM_A, 1, POWER_MGR_MAX, 0);
	ASSERT_GOV(0, "performance");
	ASSERT_GOV(2, "powersave");
	/* Turbo on top of base_frequency (2000000), then 100 MHz steps. */
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 0, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.nb_freqs, 10, "frequencies");
	TEST_ASSERT_EQUAL(power_mgr_freqs(pm, 0, khz, RTE_DIM(khz)), 10, "");
	TEST_ASSERT_EQUAL(khz[1], 2000000, "base");
	TEST_ASSERT_EQUAL(khz[9], 1200000, "lowest");
	TEST_ASSERT_EQUAL(info.turbo, 1, "turbo");
	TEST_ASSERT_EQUAL(info.priority, 0, "priority");
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 1, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.priority, 1, "priority (SST-BF)");
	ASSERT_PINNED(0, 2000000);
	ASSERT_PINNED(1, 2100000);
	TEST_ASSERT_EQUAL(emu_log_clear(), 0, "clear the write log");
	REQ(pm, VM_A, 0, POWER_MGR_DOWN, 0);
	ASSERT_PINNED(0, 1900000);
	MAX_WRITES(1);
	REQ(pm, VM_B, 0, POWER_MGR_MIN, 0);	/* A's is higher */
	MAX_WRITES(0);
	REQ(pm, VM_A, 0, POWER_MGR_MIN, 0);
	ASSERT_PINNED(0, 1200000);
	MAX_WRITES(1);
	REQ(pm, VM_A, 0, POWER_MGR_TURBO_ON, 0);
	ASSERT_PINNED(0, 2400000);	/* cpuinfo_max_freq */
	MAX_WRITES(1);
	REQ(pm, VM_A, 0, POWER_MGR_TURBO_OFF, 0);
	ASSERT_PINNED(0, 2000000);
	MAX_WRITES(1);
	power_mgr_destroy(pm);
	/* The governor, and the limits librte_power's exit leaves pinned. */
	for (cpu = 0; cpu < 3; cpu++) {
		ASSERT_GOV(cpu, "powersave");
		EMU_ASSERT_KHZ(cpu, MIN_FILE, 1200000);
		EMU_ASSERT_KHZ(cpu, MAX_FILE, 2400000);
	}
	return TEST_SUCCESS;
}

static int
test_power_pstate(void)
{
	struct emu_shape shape = {
		.nb_cpus = 3, .driver = "intel_pstate", .args = "--priority 1",
	};

	return emu_run(&shape, pstate_body, NULL);
}
REGISTER_TEST(power_pstate, test_power_pstate);

static int
cppc_body(void *arg)
{
	struct power_mgr_core_info info;
	uint32_t khz[16];
	struct power_mgr *pm;

	RTE_SET_USED(arg);
	/* Boost is off by default on cppc_cpufreq: on, for a turbo step. */
	EMU_ASSERT_WRITE("cpufreq/boost", "1", 0);
	TEST_RUN(power_test_start(&pm, NULL));
	TEST_ASSERT_STR(power_mgr_driver(pm), "cppc_cpufreq");
	ASSERT_GOV(0, "powersave");
	REQ(pm, VM_A, 0, POWER_MGR_MAX, 0);
	ASSERT_GOV(0, "userspace");
	ASSERT_WRITES(RTE_INIT_WRITES + 1);
	/* Highest (turbo), then nominal down to the lowest, 100 MHz apart. */
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 0, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.nb_freqs, 10, "frequencies");
	TEST_ASSERT_EQUAL(power_mgr_freqs(pm, 0, khz, RTE_DIM(khz)), 10, "");
	TEST_ASSERT_EQUAL(khz[0], 2400000, "highest");
	TEST_ASSERT_EQUAL(khz[1], 2000000, "nominal");
	TEST_ASSERT_EQUAL(info.turbo, 1, "turbo");
	ASSERT_SPEED(0, 2000000);
	REQ(pm, VM_A, 0, POWER_MGR_DOWN, 0);
	ASSERT_SPEED(0, 1900000);
	ASSERT_WRITES(1);
	REQ(pm, VM_A, 0, POWER_MGR_TURBO_ON, 0);
	ASSERT_SPEED(0, 2400000);
	ASSERT_WRITES(1);
	REQ(pm, VM_A, 0, POWER_MGR_MAX, 0);
	ASSERT_WRITES(0);
	REQ(pm, VM_A, 0, POWER_MGR_MIN, 0);
	ASSERT_SPEED(0, 1200000);
	power_mgr_destroy(pm);
	/* Given back: powersave runs it at the bottom of its limits, which
	 * are as they were; CPU 1 never saw a write. */
	ASSERT_GOV(0, "powersave");
	ASSERT_SPEED(0, 1200000);
	EMU_ASSERT_KHZ(0, "cpufreq/scaling_max_freq", 2400000);
	EMU_ASSERT_KHZ(0, "cpufreq/scaling_min_freq", 1200000);
	TEST_ASSERT_EQUAL(emu_log_count("policy1/"), 0, "writes to cpu 1");
	return TEST_SUCCESS;
}

static int
test_power_cppc(void)
{
	struct emu_shape shape = {
		.nb_cpus = 2, .driver = "cppc_cpufreq", .governor = "powersave",
	};

	return emu_run(&shape, cppc_body, NULL);
}
REGISTER_TEST(power_cppc, test_power_cppc);

/*
 * The host every restore test starts from: CPUs 0-1 at ondemand (idle: the
 * kernel runs them at their lowest), CPUs 2-3 at userspace at START, a
 * frequency the manager never goes to.
 */
#define START	F2

static int
restore_setup(void)
{
	unsigned int cpu;
	char path[64];

	for (cpu = 2; cpu < 4; cpu++) {
		snprintf(path, sizeof(path), "cpu%u/cpufreq/scaling_governor",
			cpu);
		EMU_ASSERT_WRITE(path, "userspace", 0);
		snprintf(path, sizeof(path), "cpu%u/cpufreq/scaling_setspeed",
			cpu);
		EMU_ASSERT_WRITE(path, RTE_STR(START), 0);
	}
	TEST_ASSERT_EQUAL(emu_log_clear(), 0, "clear the write log");
	return TEST_SUCCESS;
}

static int
assert_restored(unsigned int n)
{
	unsigned int cpu;

	for (cpu = 0; cpu < n; cpu++) {
		ASSERT_GOV(cpu, cpu < 2 ? "ondemand" : "userspace");
		ASSERT_SPEED(cpu, cpu < 2 ? F3 : START);
		if (cpu >= 2)
			EMU_ASSERT_SPEED(cpu, START);
	}
	return TEST_SUCCESS;
}

/* A core nobody asked for keeps its governor and frequency throughout. */
static int
restore_body(void *arg)
{
	struct power_mgr *pm;

	RTE_SET_USED(arg);
	TEST_RUN(restore_setup());
	TEST_RUN(power_test_start(&pm, NULL));
	REQ(pm, VM_A, 1, POWER_MGR_MIN, 0);
	REQ(pm, VM_A, 2, POWER_MGR_TURBO_ON, 0);
	REQ(pm, POWER_MGR_CLI, 3, POWER_MGR_INDEX, 2);
	ASSERT_GOV(1, "userspace");
	ASSERT_SPEED(2, TURBO);
	ASSERT_SPEED(3, F1);
	ASSERT_GOV(0, "ondemand");
	ASSERT_SPEED(0, F3);
	power_mgr_destroy(pm);
	/* Not one write to cpu 0, ever. */
	TEST_ASSERT_EQUAL(emu_log_count("policy0/"), 0, "writes to cpu 0");
	return assert_restored(4);
}

static int
test_power_restore(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .governor = "ondemand" };

	return emu_run(&shape, restore_body, NULL);
}
REGISTER_TEST(power_restore, test_power_restore);

enum way_out { OUT_EXIT, OUT_FATAL, OUT_SIGTERM, OUT_SIGINT };

/*
 * A daemon in miniature: EAL, a manager, every core moved; then, once the
 * test has looked (SIGUSR1) or by the signal it sends, it leaves by @out
 * without calling power_mgr_destroy().
 */
static void
daemon_child(enum way_out out, int ready)
{
	struct power_mgr *pm;
	struct cpu_list all;
	sigset_t sigs;
	int sig;

	/* Blocked before EAL starts its threads, as the daemon does. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	if (emu_eal_init() < 0 || power_mgr_create(NULL, &pm) < 0 ||
			cpu_list_init(&all, 4) < 0)
		_exit(1);
	for (sig = 0; sig < 4; sig++)
		cpu_list_add(&all, sig);
	if (power_mgr_request_set(pm, VM_A, &all, POWER_MGR_MIN, 0) < 0 ||
			power_mgr_request(pm, VM_B, 0, POWER_MGR_TURBO_ON, 0) < 0 ||
			write(ready, "r", 1) != 1)
		_exit(1);
	/* The daemon's loop: a signal ends it, then a normal exit. */
	sigwait(&sigs, &sig);
	if (out == OUT_FATAL)
		rte_exit(EXIT_FAILURE, "a fatal error after init\n");
	exit(0);
}

static int
way_out(enum way_out out, int sig)
{
	int p[2], st;
	char c;
	pid_t pid;

	TEST_ASSERT_EQUAL(pipe(p), 0, "pipe");
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		close(p[0]);
		daemon_child(out, p[1]);
	}
	close(p[1]);
	TEST_ASSERT_EQUAL(read(p[0], &c, 1), 1, "daemon ready");
	close(p[0]);
	ASSERT_GOV(1, "userspace");
	ASSERT_SPEED(1, F3);
	ASSERT_SPEED(0, TURBO);
	kill(pid, sig);
	TEST_ASSERT_EQUAL(waitpid(pid, &st, 0), pid, "wait");
	TEST_ASSERT(WIFEXITED(st), "daemon killed by signal %d",
		WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	TEST_ASSERT_EQUAL(WEXITSTATUS(st), out == OUT_FATAL ? EXIT_FAILURE : 0,
		"exit status");
	return assert_restored(4);
}

static int
exit_body(void *arg)
{
	RTE_SET_USED(arg);
	TEST_RUN(restore_setup());
	printf("way out: exit()\n");
	TEST_RUN(way_out(OUT_EXIT, SIGUSR1));
	printf("way out: rte_exit() on a fatal error\n");
	TEST_RUN(way_out(OUT_FATAL, SIGUSR1));
	printf("way out: SIGTERM\n");
	TEST_RUN(way_out(OUT_SIGTERM, SIGTERM));
	printf("way out: SIGINT\n");
	return way_out(OUT_SIGINT, SIGINT);
}

static int
test_power_restore_exit(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .governor = "ondemand" };

	return emu_run(&shape, exit_body, NULL);
}
REGISTER_TEST(power_restore_exit, test_power_restore_exit);
