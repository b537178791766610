/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The hotplug source under load and at rest (test_hotplug.h): a burst
 * queued while the loop is busy, an overrun of the uevent queue, and no
 * wake-up when nothing (or only other devices' uevents) comes.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_common.h>

#include "test_hotplug.h"
#include "test_power.h"

/*
 * A burst: CPU 3 goes and comes back 20 times while the loop is busy;
 * the uevents are taken in order against what sysfs says at the end
 * ("online" of a CPU offline again is stale). Kernel model: the policy
 * was kept, nothing to write; reset model: taken again, once.
 */
static int
burst_body(void *arg)
{
	char want[4096];
	size_t n = 0;
	struct hfx f;
	int i;

	TEST_RUN(hfx_start(&f));
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	emu_log_clear();
	TEST_RUN(hfx_hold(&f));
	for (i = 0; i < 41; i++) {
		TEST_RUN(hfx_hotplug(&f, 3, i & 1));
		n += (size_t)snprintf(want + n, sizeof(want) - n,
			"cpu3/online %d OK\n", i & 1);
	}
	hfx_release(&f);
	TEST_RUN(hfx_settle(&f));
	TEST_ASSERT(hfx_info(&f, 3)->offline, "ends offline");
	EMU_ASSERT_LOG(want);
	n = 0;
	TEST_RUN(hfx_hold(&f));
	for (i = 1; i < 42; i++) {
		TEST_RUN(hfx_hotplug(&f, 3, i & 1));
		n += (size_t)snprintf(want + n, sizeof(want) - n,
			"cpu3/online %d OK\n", i & 1);
	}
	hfx_release(&f);
	TEST_RUN(hfx_settle(&f));
	TEST_ASSERT(!hfx_info(&f, 3)->offline, "ends online");
	if (arg != NULL)
		snprintf(want + n, sizeof(want) - n,
			"cpufreq/policy3/scaling_governor userspace OK\n"
			"cpufreq/policy3/scaling_setspeed 1200000\\n OK\n");
	EMU_ASSERT_LOG(want);
	hfx_stop(&f);
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_governor schedutil OK\n");
	return TEST_SUCCESS;
}

static int
test_hotplug_burst(void)
{
	struct emu_shape shape = { .nb_cpus = 4 };

	return hfx_both_models(&shape, burst_body);
}
REGISTER_TEST(hotplug_burst, test_hotplug_burst);

static int
wait_resync(struct hfx *f, uint64_t n)
{
	struct monitor_stats st;
	int i;

	for (i = 0; i < 300; i++) {
		monitor_call(f->mon, hfx_get_stats, &st);
		if (st.resyncs >= n) {
			f->sent = (unsigned int)(st.hotplug +
				st.hotplug_ignored);
			return TEST_SUCCESS;
		}
		usleep(10000);
	}
	TEST_ASSERT(0, "no resync");
}

/*
 * Overrun: a small queue fills while the loop is busy, and CPU 3's
 * "offline" is lost. The loop sees ENOBUFS, drops what is queued (older
 * than sysfs) and reads the online CPUs: CPU 3 is offline for it too.
 */
static int
overrun_body(void *arg)
{
	char buf[2048];
	size_t len;
	struct hfx f;
	int i;

	RTE_SET_USED(arg);
	TEST_RUN(hfx_init(&f, 1));	/* the kernel's minimum */
	TEST_RUN(hfx_run(&f));
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	emu_log_clear();
	TEST_RUN(hfx_hold(&f));
	len = test_cpu_uevent(buf, sizeof(buf), 2, 1);
	for (i = 0; i < 20; i++)	/* more than fit */
		TEST_ASSERT_EQUAL(hfx_send(&f, buf, len), 0, "");
	TEST_RUN(hfx_hotplug(&f, 3, 0));
	hfx_release(&f);
	TEST_RUN(wait_resync(&f, 1));
	TEST_ASSERT(hfx_info(&f, 3)->offline, "found offline");
	VOTE(&f, VM_A, 3, POWER_MGR_MAX);
	EMU_ASSERT_LOG("cpu3/online 0 OK\n");
	HOTPLUG(&f, 3, 1);
	EMU_ASSERT_LOG("cpu3/online 1 OK\n"
		"cpufreq/policy3/scaling_setspeed 2400000\\n OK\n");
	hfx_stop(&f);
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_governor schedutil OK\n");
	return TEST_SUCCESS;
}

static int
test_hotplug_overrun(void)
{
	struct emu_shape shape = { .nb_cpus = 4 };

	return emu_run(&shape, overrun_body, NULL);
}
REGISTER_TEST(hotplug_overrun, test_hotplug_overrun);

static long
ctx_switches(int tid)
{
	char path[64], line[128];
	long v = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	fp = fopen(path, "r");
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
			break;
	if (fp != NULL)
		fclose(fp);
	return v;
}

/* Watching costs no wake-up: none while nothing comes, none for other
 * devices' uevents (the socket filter drops them in the kernel). */
static int
idle_body(void *arg)
{
	struct monitor_stats a, b;
	char buf[2048];
	long before, after;
	struct hfx f;
	int tid;

	RTE_SET_USED(arg);
	TEST_RUN(hfx_start(&f));
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	tid = monitor_tid(f.mon);
	/* Settled first: a call right after another may be run in its
	 * wake-up, leaving the eventfd for one more. */
	usleep((useconds_t)test_slow_ms(100) * 1000);
	monitor_call(f.mon, hfx_get_stats, &a);
	usleep((useconds_t)test_slow_ms(100) * 1000);
	before = ctx_switches(tid);
	sleep(2);
	TEST_ASSERT_EQUAL(hfx_send(&f, buf, test_uevent(buf, sizeof(buf), "add",
		"/devices/virtual/net/tap0", "net", 1)), 0, "");
	TEST_ASSERT_EQUAL(hfx_send(&f, buf, test_uevent(buf, sizeof(buf), "add",
		"/devices/system/cpu/cpu3", "cpu", 2)), 0, "");
	TEST_ASSERT_EQUAL(hfx_send(&f, "libudev\0\xfe\xed\xca\xfe", 12), 0,
		"");
	sleep(1);
	after = ctx_switches(tid);
	monitor_call(f.mon, hfx_get_stats, &b);
	printf("idle: loop woke %ld times in 3 s (%u epoll returns)\n",
		after - before, (unsigned int)(b.wakeups - a.wakeups - 1));
	TEST_ASSERT(before >= 0, "");
	TEST_ASSERT_EQUAL(after - before, 0, "voluntary context switches");
	TEST_ASSERT_EQUAL(b.wakeups, a.wakeups + 1, "only our own call");
	TEST_ASSERT_EQUAL(b.hotplug + b.hotplug_ignored, 0, "");
	HOTPLUG(&f, 3, 0);			/* a CPU's does wake it */
	TEST_ASSERT(hfx_info(&f, 3)->offline, "");
	hfx_stop(&f);
	return TEST_SUCCESS;
}

static int
test_hotplug_idle(void)
{
	struct emu_shape shape = { .nb_cpus = 4 };

	return emu_run(&shape, idle_body, NULL);
}
REGISTER_TEST(hotplug_idle, test_hotplug_idle);
