/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * CPU hotplug on the cpufreq emulator, through the daemon's loop and
 * uevent socket (test_hotplug.h): what is written, and when, as CPUs go
 * and come back under votes. The exact write log is the emulator's, in
 * both hotplug models (kernel: the policy kept; reset: freed).
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_common.h>

#include "test_hotplug.h"
#include "test_power.h"

/* Hotplug during a vote: nothing written while offline, votes kept and
 * updated; back online, the decision of the votes is written. */
static int
vote_body(void *arg)
{
	int reset = arg != NULL;
	struct hfx f;

	TEST_RUN(hfx_start(&f));
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_governor userspace OK\n"
		"cpufreq/policy3/scaling_setspeed 1200000\\n OK\n");
	HOTPLUG(&f, 3, 0);
	TEST_ASSERT(hfx_info(&f, 3)->offline, "offline");
	VOTE(&f, VM_A, 3, POWER_MGR_MAX);
	VOTE(&f, VM_B, 3, POWER_MGR_MIN);
	TEST_ASSERT_EQUAL(hfx_info(&f, 3)->nb_votes, 2, "votes kept");
	EMU_ASSERT_LOG("cpu3/online 0 OK\n");
	HOTPLUG(&f, 3, 1);
	/* The kernel kept our governor; or restarted the policy at its
	 * defaults, which are then what it gets back. */
	EMU_ASSERT_LOG(reset ? "cpu3/online 1 OK\n"
		"cpufreq/policy3/scaling_governor userspace OK\n"
		"cpufreq/policy3/scaling_setspeed 2400000\\n OK\n" :
		"cpu3/online 1 OK\n"
		"cpufreq/policy3/scaling_setspeed 2400000\\n OK\n");
	TEST_ASSERT_EQUAL(hfx_unvote(&f, VM_A, 3), 0, "");
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_setspeed 1200000\\n OK\n");
	TEST_ASSERT_EQUAL(hfx_unvote(&f, VM_B, 3), 0, "");
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_governor schedutil OK\n");
	hfx_stop(&f);
	EMU_ASSERT_LOG("");
	return TEST_SUCCESS;
}

static int
test_hotplug_vote(void)
{
	struct emu_shape shape = { .nb_cpus = 4 };

	return hfx_both_models(&shape, vote_body);
}
REGISTER_TEST(hotplug_vote, test_hotplug_vote);

/* Policy 2-3: its CPU written through goes, the other carries it; both
 * go, it is left alone; the first back takes it up again. */
static int
shared_body(void *arg)
{
	const char *pol = arg != NULL ? "policy3" : "policy2";
	char log[512];
	struct hfx f;

	TEST_RUN(hfx_start(&f));
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	VOTE(&f, VM_B, 2, POWER_MGR_MAX);
	EMU_ASSERT_LOG("cpufreq/policy2/scaling_governor userspace OK\n"
		"cpufreq/policy2/scaling_setspeed 1200000\\n OK\n"
		"cpufreq/policy2/scaling_setspeed 2400000\\n OK\n");
	HOTPLUG(&f, 2, 0);	/* B's vote waits; A's decides */
	EMU_ASSERT_LOG("cpu2/online 0 OK\n"
		"cpufreq/policy2/scaling_setspeed 1200000\\n OK\n");
	TEST_ASSERT(hfx_info(&f, 3)->controlled, "");
	TEST_ASSERT(!hfx_info(&f, 3)->offline, "");
	HOTPLUG(&f, 3, 0);	/* the policy is inactive: nothing */
	VOTE(&f, VM_A, 3, POWER_MGR_UP);
	EMU_ASSERT_LOG("cpu3/online 0 OK\n");
	HOTPLUG(&f, 3, 1);
	snprintf(log, sizeof(log), "cpu3/online 1 OK\n%s"
		"cpufreq/%s/scaling_setspeed 1600000\\n OK\n", arg != NULL ?
		"cpufreq/policy3/scaling_governor userspace OK\n" : "", pol);
	EMU_ASSERT_LOG(log);
	HOTPLUG(&f, 2, 1);
	snprintf(log, sizeof(log), "cpu2/online 1 OK\n"
		"cpufreq/%s/scaling_setspeed 2400000\\n OK\n", pol);
	EMU_ASSERT_LOG(log);
	TEST_ASSERT_EQUAL(hfx_info(&f, 2)->nb_siblings, 2, "");
	hfx_stop(&f);
	snprintf(log, sizeof(log), "cpufreq/%s/scaling_governor schedutil OK\n",
		pol);
	EMU_ASSERT_LOG(log);
	return TEST_SUCCESS;
}

static int
test_hotplug_shared(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .policies = "0-1;2-3" };

	return hfx_both_models(&shape, shared_body);
}
REGISTER_TEST(hotplug_shared, test_hotplug_shared);

/* Policy 1-2 through CPU 1, the daemon's lcore (librte_power): CPU 1
 * goes, vmpower's backend carries the policy through CPU 2. */
static int
lcore_body(void *arg)
{
	struct hfx f;

	RTE_SET_USED(arg);
	TEST_RUN(hfx_start(&f));
	VOTE(&f, VM_A, 2, POWER_MGR_MIN);
	TEST_ASSERT_STR(hfx_info(&f, 2)->backend, "librte_power");
	emu_log_clear();	/* librte_power's own sequence */
	/* librte_power's exit puts the governor back (or we do, when the
	 * CPU's link is gone), then ours takes the policy again. */
	HOTPLUG(&f, 1, 0);
	TEST_ASSERT_STR(hfx_info(&f, 2)->backend, "vmpower sysfs");
	EMU_ASSERT_LOG("cpu1/online 0 OK\n"
		"cpufreq/policy1/scaling_governor schedutil OK\n"
		"cpufreq/policy1/scaling_governor userspace OK\n"
		"cpufreq/policy1/scaling_setspeed 1200000\\n OK\n");
	VOTE(&f, VM_A, 2, POWER_MGR_MAX);
	EMU_ASSERT_LOG("cpufreq/policy1/scaling_setspeed 2400000\\n OK\n");
	hfx_stop(&f);
	EMU_ASSERT_LOG("cpufreq/policy1/scaling_governor schedutil OK\n");
	return TEST_SUCCESS;
}

static int
test_hotplug_lcore(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .policies = "1-2" };

	return hfx_both_models(&shape, lcore_body);
}
REGISTER_TEST(hotplug_lcore, test_hotplug_lcore);

/*
 * CPUs offline at start. Kernel model, CPU 3 alone in its policy: its
 * files are EBUSY, so it is unknown until it comes online. Reset model,
 * policy 2-3 with CPU 3 offline: it has no cpufreq link; online, it
 * joins its policy.
 */
static int
late_body(void *arg)
{
	int reset = arg != NULL;
	struct hfx f;

	TEST_RUN(hfx_start(&f));
	TEST_ASSERT(hfx_info(&f, 3)->offline, "");
	if (reset) {
		TEST_ASSERT_EQUAL(hfx_info(&f, 2)->nb_siblings, 1, "");
		TEST_ASSERT_EQUAL(hfx_vote(&f, VM_A, 3, POWER_MGR_MIN), -ENODEV,
			"");
	} else {
		TEST_ASSERT_EQUAL(hfx_vote(&f, VM_A, 3, POWER_MGR_MIN), -ENODEV,
			"");
	}
	EMU_ASSERT_LOG("");
	HOTPLUG(&f, 3, 1);
	TEST_ASSERT_EQUAL(hfx_info(&f, 3)->state, POWER_MGR_CORE_READY, "");
	TEST_ASSERT_EQUAL(hfx_info(&f, 3)->nb_siblings, reset ? 2 : 1, "");
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	EMU_ASSERT_LOG(reset ? "cpu3/online 1 OK\n"
		"cpufreq/policy2/scaling_governor userspace OK\n"
		"cpufreq/policy2/scaling_setspeed 1200000\\n OK\n" :
		"cpu3/online 1 OK\n"
		"cpufreq/policy3/scaling_governor userspace OK\n"
		"cpufreq/policy3/scaling_setspeed 1200000\\n OK\n");
	hfx_stop(&f);
	return TEST_SUCCESS;
}

static int
test_hotplug_late(void)
{
	struct emu_shape kernel = { .nb_cpus = 4, .offline = "3" };
	struct emu_shape reset = { .nb_cpus = 4, .offline = "3",
		.policies = "0;1;2-3", .hotplug = "reset" };

	TEST_RUN(emu_run(&kernel, late_body, NULL));
	return emu_run(&reset, late_body, (void *)1);
}
REGISTER_TEST(hotplug_late, test_hotplug_late);

static int
has_record(struct hfx *f, unsigned int cpu)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/policy%u", f->state, cpu);
	return access(path, F_OK) == 0;
}

static void
fault_job(struct monitor *mon, void *arg)
{
	RTE_SET_USED(mon);
	RTE_SET_USED(arg);
	power_mgr_fault_restore();
}

/*
 * Policy 2-3 written through CPU 2, which goes: its crash record and the
 * fault handler's prepared writes move to CPU 3 (in the reset model
 * CPU 2's cpufreq link is gone: through it, they would fail).
 */
static int
records_body(void *arg)
{
	struct hfx f;

	RTE_SET_USED(arg);
	TEST_RUN(hfx_start(&f));
	VOTE(&f, VM_A, 2, POWER_MGR_MIN);
	VOTE(&f, VM_B, 3, POWER_MGR_MIN);
	TEST_ASSERT(has_record(&f, 2) && !has_record(&f, 3), "");
	HOTPLUG(&f, 2, 0);
	TEST_ASSERT(has_record(&f, 3) && !has_record(&f, 2), "moved");
	emu_log_clear();
	TEST_ASSERT_EQUAL(monitor_call(f.mon, fault_job, NULL), 0, "");
	EMU_ASSERT_LOG("cpufreq/policy2/scaling_governor schedutil OK\n");
	hfx_stop(&f);
	EMU_ASSERT_LOG("");	/* already as it was */
	return TEST_SUCCESS;
}

static int
test_hotplug_records(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .policies = "0-1;2-3" };

	return hfx_both_models(&shape, records_body);
}
REGISTER_TEST(hotplug_records, test_hotplug_records);

/* A daemon that takes CPU 3 (state in @state), then is killed -9. */
static int
crash_on_3(const char *state)
{
	struct power_mgr_conf conf = { .state_dir = state };
	struct power_mgr *pm;
	int pipefd[2], st;
	char c = 0;
	pid_t pid;

	TEST_ASSERT_EQUAL(pipe(pipefd), 0, "");
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		close(pipefd[0]);
		if (emu_eal_init() < 0 || power_mgr_create(&conf, &pm) < 0 ||
				power_mgr_request(pm, VM_A, 3, POWER_MGR_MIN,
					0) < 0 ||
				write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(1);
	}
	close(pipefd[1]);
	st = read(pipefd[0], &c, 1);
	close(pipefd[0]);
	kill(pid, SIGKILL);
	TEST_ASSERT(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st), "");
	TEST_ASSERT_EQUAL(c, 'x', "the daemon took CPU 3");
	return TEST_SUCCESS;
}

/*
 * kill -9 leaves CPU 3 (alone in its policy, governor performance) at
 * userspace, 1.2 GHz, with its record; CPU 3 is offline when the next
 * daemon starts: its policy cannot be written, the record waits. CPU 3
 * comes back: what it had before the first start is given back then,
 * before anything else, and the record goes.
 */
static int
record_return_body(void *arg)
{
	char state[] = "/tmp/vmp_hprec.XXXXXX", rec[64];
	struct hfx f;

	RTE_SET_USED(arg);
	TEST_ASSERT(test_mkdtemp(state) != NULL, "");
	snprintf(rec, sizeof(rec), "%s/policy3", state);
	EMU_ASSERT_WRITE("cpu3/cpufreq/scaling_governor", "performance", 0);
	emu_log_clear();
	TEST_RUN(crash_on_3(state));
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_governor userspace OK\n"
		"cpufreq/policy3/scaling_setspeed 1200000\\n OK\n");
	TEST_ASSERT(access(rec, F_OK) == 0, "record left");
	EMU_ASSERT_WRITE("cpu3/online", "0", 0);
	emu_log_clear();

	test_log_capture();
	TEST_RUN(hfx_init_state(&f, 0, state));
	TEST_RUN(hfx_run(&f));
	TEST_ASSERT_LOG("cpu 3: a previous vm_power_mgr left it under control; its cpufreq policy is offline: given back when it comes online");
	EMU_ASSERT_LOG("");	/* nothing tried on the inactive policy */
	TEST_ASSERT(access(rec, F_OK) == 0, "record kept");
	HOTPLUG(&f, 3, 1);
	/* Kept by the kernel at userspace, or back at its defaults
	 * (schedutil): either way, performance again. */
	EMU_ASSERT_LOG("cpu3/online 1 OK\n"
		"cpufreq/policy3/scaling_governor performance OK\n");
	TEST_ASSERT_LOG("cpu 3: online: what a previous vm_power_mgr left on its cpufreq policy (record of cpu 3) is given back (governor performance)");
	TEST_ASSERT(access(rec, F_OK) < 0, "record gone");
	EMU_ASSERT_GOV(3, "performance");
	TEST_ASSERT_EQUAL(hfx_info(&f, 3)->state, POWER_MGR_CORE_READY, "");
	/* Taken again, it gives back performance, not what the crash left. */
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_governor userspace OK\n"
		"cpufreq/policy3/scaling_setspeed 1200000\\n OK\n");
	hfx_stop(&f);
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_governor performance OK\n");
	TEST_ASSERT(access(rec, F_OK) < 0, "no record at exit");
	snprintf(rec, sizeof(rec), "rm -rf '%s'", state);
	TEST_ASSERT_EQUAL(system(rec), 0, "%s", rec);
	return TEST_SUCCESS;
}

static int
test_hotplug_record_return(void)
{
	struct emu_shape shape = { .nb_cpus = 4 };

	return hfx_both_models(&shape, record_return_body);
}
REGISTER_TEST(hotplug_record_return, test_hotplug_record_return);

/*
 * Active-mode drivers (min = max, no setspeed): a kept policy is told
 * from a reset one by its limits (amd-pstate-epp's governor is the
 * kernel's default either way). The operator's max of 2 GHz is what the
 * kept policy gets back; the reset one came back at 2.4 GHz, which is
 * then its own.
 */
static int
pinned_body(void *arg)
{
	struct hfx f;

	TEST_RUN(hfx_start(&f));
	EMU_ASSERT_WRITE("cpu3/cpufreq/scaling_max_freq", "2000000", 0);
	emu_log_clear();
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_max_freq 1200000\\n OK\n"
		"cpufreq/policy3/scaling_min_freq 1200000\\n OK\n");
	HOTPLUG(&f, 3, 0);
	VOTE(&f, VM_A, 3, POWER_MGR_UP);
	HOTPLUG(&f, 3, 1);
	EMU_ASSERT_LOG("cpu3/online 0 OK\ncpu3/online 1 OK\n"
		"cpufreq/policy3/scaling_max_freq 1219000\\n OK\n"
		"cpufreq/policy3/scaling_min_freq 1219000\\n OK\n");
	hfx_stop(&f);
	EMU_ASSERT_LOG(arg != NULL ?
		"cpufreq/policy3/scaling_max_freq 2400000\\n OK\n"
		"cpufreq/policy3/scaling_min_freq 1200000\\n OK\n" :
		"cpufreq/policy3/scaling_max_freq 2000000\\n OK\n"
		"cpufreq/policy3/scaling_min_freq 1200000\\n OK\n");
	return TEST_SUCCESS;
}

static int
test_hotplug_pinned(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .driver = "amd-pstate-epp" };

	return hfx_both_models(&shape, pinned_body);
}
REGISTER_TEST(hotplug_pinned, test_hotplug_pinned);
