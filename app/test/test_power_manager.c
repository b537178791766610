/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The host power manager against the real librte_power, on the cpufreq
 * emulator (cpufreq_emu.h). Every step checks what the "kernel" shows
 * (governor, scaling_cur_freq) and counts, from the emulator's write log,
 * the frequency writes it received.
 */

#include <errno.h>
#include <inttypes.h>

#include "test_power.h"

int
power_test_start(struct power_mgr **pm, const char *driver)
{
	struct power_mgr_conf conf = { .driver = driver };

	TEST_ASSERT_EQUAL(emu_eal_init(), 0, "EAL");
	TEST_ASSERT_EQUAL(power_mgr_create(&conf, pm), 0, "create");
	TEST_ASSERT_EQUAL(emu_log_clear(), 0, "clear the write log");
	return TEST_SUCCESS;
}

/* Run a body over an emulator of the default shape. */
static int
run_default(int (*body)(void *))
{
	struct emu_shape shape = POWER_SHAPE(4);

	return emu_run(&shape, body, NULL);
}

static int
walk_body(void *arg)
{
	struct power_mgr_core_info info;
	uint32_t khz[8];
	struct power_mgr *pm;
	unsigned int cpu;

	RTE_SET_USED(arg);
	TEST_RUN(power_test_start(&pm, NULL));
	TEST_ASSERT_STR(power_mgr_driver(pm), "acpi-cpufreq");
	TEST_ASSERT_EQUAL(power_mgr_nb_ready(pm), 4, "cores controllable");
	/* No vote: nothing is touched. */
	for (cpu = 0; cpu < 4; cpu++) {
		ASSERT_GOV(cpu, "powersave");
		ASSERT_SPEED(cpu, F3);
	}
	ASSERT_WRITES(0);
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 1, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.nb_freqs, 5, "frequencies");
	TEST_ASSERT_EQUAL(power_mgr_freqs(pm, 1, khz, RTE_DIM(khz)), 5,
		"frequencies");
	TEST_ASSERT_EQUAL(khz[0], TURBO, "turbo first");
	TEST_ASSERT_EQUAL(khz[4], F3, "lowest last");
	TEST_ASSERT_EQUAL(power_mgr_freqs(pm, 1, khz, 1), 5, "a short copy");
	TEST_ASSERT_EQUAL(info.turbo, 1, "turbo capability");
	TEST_ASSERT_EQUAL(info.cur_khz, F3, "current frequency, read");
	TEST_ASSERT_EQUAL(info.controlled, 0, "free");
	/* The first vote takes the core. */
	REQ(pm, VM_A, 1, POWER_MGR_MAX, 0);
	ASSERT_GOV(1, "userspace");
	ASSERT_SPEED(1, F0);
	ASSERT_WRITES(RTE_INIT_WRITES + 1);
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 1, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.controlled, 1, "controlled");
	/* Down walks the list and stops at its end, without a write. */
	REQ(pm, VM_A, 1, POWER_MGR_DOWN, 0);
	ASSERT_SPEED(1, F1);
	ASSERT_WRITES(1);
	REQ(pm, VM_A, 1, POWER_MGR_DOWN, 0);
	REQ(pm, VM_A, 1, POWER_MGR_DOWN, 0);
	ASSERT_SPEED(1, F3);
	ASSERT_WRITES(2);
	REQ(pm, VM_A, 1, POWER_MGR_DOWN, 0);
	ASSERT_SPEED(1, F3);
	ASSERT_WRITES(0);
	/* Up walks back and stops below turbo. */
	REQ(pm, VM_A, 1, POWER_MGR_UP, 0);
	ASSERT_SPEED(1, F2);
	ASSERT_WRITES(1);
	REQ(pm, VM_A, 1, POWER_MGR_UP, 0);
	REQ(pm, VM_A, 1, POWER_MGR_UP, 0);
	ASSERT_SPEED(1, F0);
	ASSERT_WRITES(2);
	REQ(pm, VM_A, 1, POWER_MGR_UP, 0);
	ASSERT_SPEED(1, F0);
	ASSERT_WRITES(0);
	REQ(pm, VM_A, 1, POWER_MGR_MIN, 0);
	ASSERT_SPEED(1, F3);
	ASSERT_WRITES(1);
	REQ(pm, VM_A, 1, POWER_MGR_MIN, 0);
	ASSERT_WRITES(0);
	REQ(pm, VM_A, 1, POWER_MGR_MAX, 0);
	ASSERT_SPEED(1, F0);
	REQ(pm, VM_A, 1, POWER_MGR_INDEX, 3);
	ASSERT_SPEED(1, F2);
	ASSERT_WRITES(2);
	TEST_ASSERT_EQUAL(power_mgr_request(pm, VM_A, 1, POWER_MGR_INDEX, 5),
		-EINVAL, "index past the list");
	TEST_ASSERT_EQUAL(power_mgr_request(pm, VM_A, 1, POWER_MGR_INDEX, 0),
		-EINVAL, "turbo index without turbo");
	TEST_ASSERT_EQUAL(power_mgr_request(pm, VM_A, 9, POWER_MGR_MIN, 0),
		-ENODEV, "no such CPU");
	ASSERT_WRITES(0);
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 1, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.cur_khz, F2, "current frequency");
	TEST_ASSERT_EQUAL(info.cur_idx, 3, "current index");
	TEST_ASSERT_EQUAL(info.nb_votes, 1, "votes");
	/* MAX + 9 changes. */
	TEST_ASSERT_EQUAL(info.changes, 10, "frequency writes");
	for (cpu = 0; cpu < 4; cpu += 2) {
		ASSERT_GOV(cpu, "powersave");
		ASSERT_SPEED(cpu, F3);
	}
	/* The last vote gone, the core is given back as it was found. */
	TEST_ASSERT_EQUAL(power_mgr_release(pm, VM_A, 1), 0, "release");
	ASSERT_GOV(1, "powersave");
	ASSERT_SPEED(1, F3);
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 1, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.controlled, 0, "free again");
	power_mgr_destroy(pm);
	return TEST_SUCCESS;
}

static int
test_power_walk(void)
{
	return run_default(walk_body);
}
REGISTER_TEST(power_walk, test_power_walk);

static int
turbo_body(void *arg)
{
	struct power_mgr *pm;

	RTE_SET_USED(arg);
	TEST_RUN(power_test_start(&pm, NULL));
	REQ(pm, VM_A, 2, POWER_MGR_TURBO_ON, 0);
	ASSERT_SPEED(2, TURBO);
	ASSERT_WRITES(1);
	REQ(pm, VM_A, 2, POWER_MGR_MAX, 0);
	REQ(pm, VM_A, 2, POWER_MGR_UP, 0);
	ASSERT_WRITES(0);
	REQ(pm, VM_A, 2, POWER_MGR_DOWN, 0);
	ASSERT_SPEED(2, F0);
	ASSERT_WRITES(1);
	REQ(pm, VM_A, 2, POWER_MGR_UP, 0);	/* turbo allowed: up to it */
	ASSERT_SPEED(2, TURBO);
	ASSERT_WRITES(1);
	REQ(pm, VM_A, 2, POWER_MGR_INDEX, 0);
	ASSERT_WRITES(0);
	REQ(pm, VM_A, 2, POWER_MGR_TURBO_OFF, 0);
	ASSERT_SPEED(2, F0);
	REQ(pm, VM_A, 2, POWER_MGR_MAX, 0);
	ASSERT_WRITES(1);
	/* Turbo is per vote: B's turbo keeps the core there despite A. */
	REQ(pm, VM_B, 2, POWER_MGR_TURBO_ON, 0);
	REQ(pm, VM_A, 2, POWER_MGR_TURBO_OFF, 0);
	ASSERT_SPEED(2, TURBO);
	/* Off without a vote leaves nothing behind. */
	REQ(pm, VM_C, 3, POWER_MGR_TURBO_OFF, 0);
	TEST_ASSERT_EQUAL(power_mgr_release(pm, VM_C, 3), 0, "release");
	ASSERT_SPEED(3, F3);
	ASSERT_GOV(3, "powersave");
	power_mgr_destroy(pm);
	return TEST_SUCCESS;
}

static int
no_turbo_body(void *arg)
{
	struct power_mgr_core_info info;
	struct power_mgr *pm;

	RTE_SET_USED(arg);
	TEST_RUN(power_test_start(&pm, "acpi"));
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 0, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.turbo, 0, "turbo capability");
	ASSERT_SPEED(0, 1600000);
	TEST_ASSERT_EQUAL(power_mgr_request(pm, VM_A, 0, POWER_MGR_TURBO_ON,
		0), -ENOTSUP, "turbo without turbo");
	REQ(pm, VM_A, 0, POWER_MGR_MIN, 0);
	REQ(pm, VM_A, 0, POWER_MGR_MAX, 0);
	ASSERT_SPEED(0, 2400000);
	REQ(pm, VM_A, 0, POWER_MGR_INDEX, 0);
	power_mgr_destroy(pm);
	return TEST_SUCCESS;
}

static int
test_power_turbo(void)
{
	struct emu_shape shape = POWER_SHAPE(2);

	shape.args = "--freqs 2400000,2000000,1600000";
	TEST_RUN(run_default(turbo_body));
	return emu_run(&shape, no_turbo_body, NULL);
}
REGISTER_TEST(power_turbo, test_power_turbo);

/* A set of CPUs wider than 64, with a CPU without cpufreq in the tree. */
static int
set_body(void *arg)
{
	static const unsigned int in[] = { 3, 70, 99 };
	struct cpu_list set, bad;
	struct power_mgr *pm;
	unsigned int i;

	RTE_SET_USED(arg);
	TEST_RUN(power_test_start(&pm, NULL));
	TEST_ASSERT_EQUAL(power_mgr_nb_ready(pm), 99, "cores controllable");
	TEST_ASSERT_EQUAL(cpu_list_init(&set, 1), 0, "set");
	TEST_ASSERT_EQUAL(cpu_list_init(&bad, 1), 0, "set");
	TEST_ASSERT_EQUAL(power_mgr_request_set(pm, VM_A, &set,
		POWER_MGR_MIN, 0), -EINVAL, "empty set");
	for (i = 0; i < RTE_DIM(in); i++)
		cpu_list_add(&set, in[i]);
	TEST_ASSERT_EQUAL(power_mgr_request_set(pm, VM_A, &set,
		POWER_MGR_MIN, 0), 0, "min on the set");
	for (i = 0; i < RTE_DIM(in); i++) {
		ASSERT_SPEED(in[i], F3);
		ASSERT_GOV(in[i], "userspace");
	}
	ASSERT_GOV(4, "powersave");	/* nobody asked: untouched */
	ASSERT_GOV(64, "powersave");
	ASSERT_WRITES(3);
	TEST_ASSERT_EQUAL(power_mgr_request_set(pm, VM_A, &set,
		POWER_MGR_UP, 0), 0, "up on the set");
	for (i = 0; i < RTE_DIM(in); i++)
		ASSERT_SPEED(in[i], F2);
	ASSERT_WRITES(3);
	/* A CPU without cpufreq or past the end refuses the whole set. */
	cpu_list_copy(&bad, &set);
	cpu_list_add(&bad, 50);
	TEST_ASSERT_EQUAL(power_mgr_request_set(pm, VM_A, &bad,
		POWER_MGR_MAX, 0), -ENODEV, "set with cpu 50");
	cpu_list_copy(&bad, &set);
	cpu_list_add(&bad, 130);
	TEST_ASSERT_EQUAL(power_mgr_request_set(pm, VM_A, &bad,
		POWER_MGR_MAX, 0), -ENODEV, "set with cpu 130");
	TEST_ASSERT_EQUAL(power_mgr_request_set(pm, VM_A, &set,
		POWER_MGR_TURBO_OFF, 0), 0, "turbo off");
	ASSERT_WRITES(0);
	/* Deferred: votes move at once, each CPU is written at the flush. */
	power_mgr_defer(pm);
	for (i = 0; i < 2; i++)
		TEST_ASSERT_EQUAL(power_mgr_request_set(pm, VM_A, &set,
			POWER_MGR_UP, 0), 0, "up on the set");
	ASSERT_WRITES(0);
	TEST_ASSERT_EQUAL(power_mgr_flush(pm), 3, "flush");
	for (i = 0; i < RTE_DIM(in); i++)
		ASSERT_SPEED(in[i], F0);
	ASSERT_WRITES(3);
	/* A burst that ends where it began writes nothing. */
	power_mgr_defer(pm);
	power_mgr_request_set(pm, VM_A, &set, POWER_MGR_MIN, 0);
	power_mgr_request_set(pm, VM_A, &set, POWER_MGR_MAX, 0);
	TEST_ASSERT_EQUAL(power_mgr_flush(pm), 0, "flush");
	ASSERT_WRITES(0);
	cpu_list_free(&set);
	cpu_list_free(&bad);
	power_mgr_destroy(pm);
	return TEST_SUCCESS;
}

static int
test_power_set(void)
{
	struct emu_shape shape = POWER_SHAPE(100);

	shape.args = "--no-cpufreq 50";
	return emu_run(&shape, set_body, NULL);
}
REGISTER_TEST(power_set, test_power_set);

static int
arbitration_body(void *arg)
{
	struct power_mgr_vote votes[4];
	struct power_mgr *pm;
	unsigned int i;

	RTE_SET_USED(arg);
	TEST_RUN(power_test_start(&pm, NULL));
	/* Two voters: the higher wish wins. */
	REQ(pm, VM_A, 1, POWER_MGR_MIN, 0);
	ASSERT_SPEED(1, F3);
	ASSERT_WRITES(RTE_INIT_WRITES + 1);
	REQ(pm, VM_B, 1, POWER_MGR_INDEX, 2);
	ASSERT_SPEED(1, F1);
	ASSERT_WRITES(1);
	/* A moves its own vote below B's: nothing to write. */
	REQ(pm, VM_A, 1, POWER_MGR_UP, 0);
	REQ(pm, VM_A, 1, POWER_MGR_DOWN, 0);
	REQ(pm, VM_A, 1, POWER_MGR_UP, 0);	/* A at F2 */
	ASSERT_SPEED(1, F1);
	ASSERT_WRITES(0);
	/* Three voters; C starts from the current frequency (F1). */
	REQ(pm, VM_C, 1, POWER_MGR_DOWN, 0);	/* C at F2 */
	ASSERT_WRITES(0);
	TEST_ASSERT_EQUAL(power_mgr_votes(pm, 1, votes, RTE_DIM(votes)), 3,
		"votes");
	for (i = 0; i < 3; i++)
		TEST_ASSERT_EQUAL(votes[i].idx, votes[i].requester == VM_B ?
			2 : 3, "vote of %#" PRIx64, votes[i].requester);
	/* B leaves: A and C both want F2. */
	TEST_ASSERT_EQUAL(power_mgr_release(pm, VM_B, 1), 0, "release B");
	ASSERT_SPEED(1, F2);
	ASSERT_WRITES(1);
	REQ(pm, VM_C, 1, POWER_MGR_MIN, 0);
	ASSERT_WRITES(0);	/* A still wants F2 */
	/* VM 1 goes away: C's minimum is all that is left. */
	TEST_ASSERT_EQUAL(power_mgr_drop(pm, VM_A, POWER_MGR_VM_MASK), 1,
		"drop VM 1");
	ASSERT_SPEED(1, F3);
	ASSERT_WRITES(1);
	TEST_ASSERT_EQUAL(power_mgr_drop(pm, VM_C, POWER_MGR_VM_MASK), 1,
		"drop VM 3");
	/* No vote: given back, at the frequency it was found at. */
	ASSERT_GOV(1, "powersave");
	ASSERT_SPEED(1, F3);
	ASSERT_WRITES(0);
	/* One VM's vCPUs on two cores leave together. */
	REQ(pm, POWER_MGR_VCPU(5, 0), 2, POWER_MGR_MIN, 0);
	REQ(pm, POWER_MGR_VCPU(5, 1), 3, POWER_MGR_MIN, 0);
	REQ(pm, POWER_MGR_VCPU(6, 0), 3, POWER_MGR_INDEX, 3);
	ASSERT_WRITES(3);
	TEST_ASSERT_EQUAL(power_mgr_drop(pm, POWER_MGR_VCPU(5, 0),
		POWER_MGR_VM_MASK), 2, "drop VM 5");
	ASSERT_GOV(2, "powersave");	/* given back */
	ASSERT_SPEED(3, F2);	/* VM 6's vote was the higher: no write */
	ASSERT_GOV(3, "userspace");
	ASSERT_WRITES(0);
	TEST_ASSERT_EQUAL(power_mgr_drop(pm, POWER_MGR_VCPU(5, 0),
		POWER_MGR_VM_MASK), 0, "drop VM 5 again");
	ASSERT_WRITES(0);
	power_mgr_destroy(pm);
	return TEST_SUCCESS;
}

static int
test_power_arbitration(void)
{
	return run_default(arbitration_body);
}
REGISTER_TEST(power_arbitration, test_power_arbitration);

static int
manual_body(void *arg)
{
	struct power_mgr_core_info info;
	struct power_mgr_vote votes[1];
	struct power_mgr *pm;

	RTE_SET_USED(arg);
	TEST_RUN(power_test_start(&pm, NULL));
	REQ(pm, VM_A, 1, POWER_MGR_MAX, 0);
	REQ(pm, VM_B, 1, POWER_MGR_INDEX, 2);
	ASSERT_SPEED(1, F0);
	ASSERT_WRITES(RTE_INIT_WRITES + 1);
	/* The CLI overrides the votes, low as it may be... */
	REQ(pm, POWER_MGR_CLI, 1, POWER_MGR_MIN, 0);
	ASSERT_SPEED(1, F3);
	ASSERT_WRITES(1);
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 1, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.manual_idx, 4, "manual index");
	TEST_ASSERT_EQUAL(power_mgr_votes(pm, 1, votes, 1), 3, "votes");
	TEST_ASSERT_EQUAL(votes[0].requester, POWER_MGR_CLI, "CLI first");
	/* ...votes still change underneath without a write... */
	REQ(pm, VM_A, 1, POWER_MGR_DOWN, 0);
	REQ(pm, VM_C, 1, POWER_MGR_MAX, 0);
	ASSERT_WRITES(0);
	REQ(pm, POWER_MGR_CLI, 1, POWER_MGR_UP, 0);
	ASSERT_SPEED(1, F2);
	ASSERT_WRITES(1);
	/* ...and decide again once it is cleared. */
	TEST_ASSERT_EQUAL(power_mgr_release(pm, POWER_MGR_CLI, 1), 0, "clear");
	ASSERT_SPEED(1, F0);	/* C's max */
	ASSERT_WRITES(1);
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 1, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.manual_idx, -1, "no manual setting");
	TEST_ASSERT_EQUAL(info.nb_votes, 3, "votes");
	/* A manual setting on several cores, cleared at once. */
	REQ(pm, POWER_MGR_CLI, 0, POWER_MGR_MIN, 0);
	REQ(pm, POWER_MGR_CLI, 2, POWER_MGR_MIN, 0);
	TEST_ASSERT_EQUAL(power_mgr_drop(pm, POWER_MGR_CLI,
		POWER_MGR_ONE_MASK), 2, "clear all");
	ASSERT_GOV(0, "powersave");
	ASSERT_GOV(2, "powersave");
	power_mgr_destroy(pm);
	return TEST_SUCCESS;
}

static int
test_power_manual(void)
{
	return run_default(manual_body);
}
REGISTER_TEST(power_manual, test_power_manual);
