/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The cpufreq emulator behaves as the kernel does: refusals with the
 * kernel's errno, shared policies, hotplug, any CPU count; and the real
 * librte_power runs on it.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "cpufreq_emu.h"
#include "test.h"
#include "vmp_dpdk_compat.h"

#define P1 "cpu1/cpufreq/"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
refusals_body(void *arg)
{
	char buf[64];

	RTE_SET_USED(arg);
	TEST_ASSERT(emu_active(), "emulator not active");
	EMU_ASSERT_STR(P1 "scaling_driver", "acpi-cpufreq");
	EMU_ASSERT_STR(P1 "scaling_governor", "schedutil");
	/* No userspace governor: setspeed is unsupported, writes EINVAL. */
	EMU_ASSERT_STR(P1 "scaling_setspeed", "<unsupported>");
	EMU_ASSERT_WRITE(P1 "scaling_setspeed", "2000000", -EINVAL);
	/* librte_power's in-place rewrite on tmpfs left "ondemande". */
	EMU_ASSERT_WRITE(P1 "scaling_governor", "ondemande", -EINVAL);
	EMU_ASSERT_WRITE(P1 "scaling_governor", "", 0);	/* no syscall */
	EMU_ASSERT_WRITE(P1 "scaling_governor", "\n", -EINVAL);
	EMU_ASSERT_STR(P1 "scaling_governor", "schedutil");
	/* Read-only files refuse at open, root or not. */
	EMU_ASSERT_WRITE(P1 "scaling_driver", "x", -EACCES);
	EMU_ASSERT_WRITE(P1 "cpuinfo_max_freq", "1", -EACCES);
	EMU_ASSERT_WRITE("online", "0-1", -EACCES);
	EMU_ASSERT_WRITE("cpu1/topology/core_id", "3", -EACCES);
	EMU_ASSERT_LOG("cpufreq/policy1/scaling_setspeed 2000000 EINVAL\n"
		"cpufreq/policy1/scaling_governor ondemande EINVAL\n"
		"cpufreq/policy1/scaling_governor \\n EINVAL\n"
		"cpufreq/policy1/scaling_driver (open) EACCES\n"
		"cpufreq/policy1/cpuinfo_max_freq (open) EACCES\n"
		"online (open) EACCES\n"
		"cpu1/topology/core_id (open) EACCES\n");
	/* Limits: numbers are clamped into cpuinfo and to table entries. */
	EMU_ASSERT_WRITE(P1 "scaling_max_freq", "9999999", 0);
	EMU_ASSERT_STR(P1 "scaling_max_freq", "2401000");
	EMU_ASSERT_WRITE(P1 "scaling_max_freq", "2100000\n", 0);
	EMU_ASSERT_STR(P1 "scaling_max_freq", "2000000");
	EMU_ASSERT_WRITE(P1 "scaling_max_freq", "abc", -EINVAL);
	EMU_ASSERT_WRITE(P1 "scaling_max_freq", "-5", -EINVAL);
	EMU_ASSERT_WRITE(P1 "scaling_max_freq", "+5", -EINVAL);
	EMU_ASSERT_STR(P1 "scaling_max_freq", "2000000");
	EMU_ASSERT_WRITE(P1 "scaling_min_freq", "100", 0);
	EMU_ASSERT_STR(P1 "scaling_min_freq", "1200000");
	/* sscanf("%lu"): leading blanks and trailing junk are fine. */
	EMU_ASSERT_WRITE(P1 "scaling_min_freq", "  1700000 junk", 0);
	EMU_ASSERT_STR(P1 "scaling_min_freq", "2000000");
	/* A max below min pulls min down; the min request is kept. */
	EMU_ASSERT_WRITE(P1 "scaling_max_freq", "1600000", 0);
	EMU_ASSERT_STR(P1 "scaling_min_freq", "1600000");
	EMU_ASSERT_WRITE(P1 "scaling_max_freq", "2400000", 0);
	EMU_ASSERT_STR(P1 "scaling_min_freq", "2000000");
	/* 4294967295 is -1 as s32: the max request back to its default. */
	EMU_ASSERT_WRITE(P1 "scaling_max_freq", "4294967295", 0);
	EMU_ASSERT_STR(P1 "scaling_max_freq", "2401000");
	EMU_ASSERT_WRITE(P1 "scaling_min_freq", "0", 0);
	/* schedutil on an idle CPU sits at min; userspace keeps it. */
	EMU_ASSERT_STR(P1 "scaling_cur_freq", "1200000");
	EMU_ASSERT_WRITE(P1 "scaling_governor", " Userspace\n", 0);
	EMU_ASSERT_STR(P1 "scaling_governor", "userspace");
	EMU_ASSERT_STR(P1 "scaling_setspeed", "1200000");
	/* Setspeed resolves up to a table entry, within the limits. */
	EMU_ASSERT_WRITE(P1 "scaling_setspeed", "1300000", 0);
	EMU_ASSERT_STR(P1 "scaling_setspeed", "1600000");
	EMU_ASSERT_STR(P1 "cpuinfo_cur_freq", "1600000");
	EMU_ASSERT_WRITE(P1 "scaling_setspeed", "x", -EINVAL);
	EMU_ASSERT_WRITE(P1 "scaling_max_freq", "2000000", 0);
	EMU_ASSERT_WRITE(P1 "scaling_setspeed", "2401000", 0);
	EMU_ASSERT_STR(P1 "scaling_cur_freq", "2000000");
	/* Wider limits again: back to the frequency userspace asked for. */
	EMU_ASSERT_WRITE(P1 "scaling_max_freq", "2401000", 0);
	EMU_ASSERT_STR(P1 "scaling_cur_freq", "2401000");
	/* Without boost the turbo step runs at the nominal frequency. */
	EMU_ASSERT_WRITE("cpufreq/boost", "0", 0);
	EMU_ASSERT_STR(P1 "boost", "0");
	EMU_ASSERT_STR(P1 "scaling_cur_freq", "2400000");
	EMU_ASSERT_STR(P1 "cpuinfo_cur_freq", "2401000");
	EMU_ASSERT_WRITE(P1 "boost", "1", -EINVAL);
	EMU_ASSERT_WRITE("cpufreq/boost", "maybe", -EINVAL);
	EMU_ASSERT_WRITE("cpufreq/boost", "on", 0);
	EMU_ASSERT_STR(P1 "boost", "1");
	EMU_ASSERT_WRITE(P1 "scaling_governor", "performance", 0);
	EMU_ASSERT_STR(P1 "scaling_setspeed", "<unsupported>");
	/* Other policies saw none of it. */
	EMU_ASSERT_STR("cpu2/cpufreq/scaling_governor", "schedutil");
	EMU_ASSERT_STR("cpu2/cpufreq/scaling_max_freq", "2401000");
	TEST_ASSERT_EQUAL(emu_read("cpu9/online", buf, sizeof(buf)), -ENOENT,
		"cpu9");
	TEST_ASSERT_EQUAL(emu_ctl("bogus"), -EINVAL, "bad command");
	TEST_ASSERT_EQUAL(emu_ctl("reset"), 0, "reset");
	EMU_ASSERT_STR(P1 "scaling_governor", "schedutil");
	EMU_ASSERT_LOG("");
	return TEST_SUCCESS;
}

static int
test_emu_refusals(void)
{
	struct emu_shape shape = { .nb_cpus = 4 };

	return emu_run(&shape, refusals_body, NULL);
}
REGISTER_TEST(emu_refusals, test_emu_refusals);

static int
shared_body(void *arg)
{
	char link[64];
	ssize_t n;

	RTE_SET_USED(arg);
	EMU_ASSERT_STR(P1 "related_cpus", "0 1 2 3");
	EMU_ASSERT_STR(P1 "affected_cpus", "0 1 2 3");
	EMU_ASSERT_STR("cpu5/cpufreq/related_cpus", "4 5 6 7");
	n = readlink(EMU_CPU_DIR "/cpu3/cpufreq", link, sizeof(link) - 1);
	TEST_ASSERT(n > 0, "cpu3/cpufreq is a link");
	link[n] = '\0';
	TEST_ASSERT_STR(link, "../cpufreq/policy0");
	TEST_ASSERT(access(EMU_CPU_DIR "/cpufreq/policy4", F_OK) == 0, "p4");
	TEST_ASSERT(access(EMU_CPU_DIR "/cpufreq/policy1", F_OK) < 0, "p1");
	/* A write through any CPU of the policy changes all of them. */
	EMU_ASSERT_WRITE(P1 "scaling_governor", "userspace", 0);
	EMU_ASSERT_WRITE("cpu2/cpufreq/scaling_setspeed", "1600000", 0);
	EMU_ASSERT_STR("cpu0/cpufreq/scaling_governor", "userspace");
	EMU_ASSERT_STR("cpu3/cpufreq/scaling_setspeed", "1600000");
	EMU_ASSERT_STR("cpu4/cpufreq/scaling_governor", "schedutil");
	EMU_ASSERT_GOV(3, "userspace");
	EMU_ASSERT_SPEED(1, 1600000);
	EMU_ASSERT_KHZ(0, "cpufreq/scaling_cur_freq", 1600000);
	TEST_ASSERT_EQUAL(emu_log_count("policy0/"), 2, "writes");
	TEST_ASSERT_EQUAL(emu_log_count("scaling_setspeed"), 1, "writes");
	EMU_ASSERT_LOG("cpufreq/policy0/scaling_governor userspace OK\n"
		"cpufreq/policy0/scaling_setspeed 1600000 OK\n");
	return TEST_SUCCESS;
}

static int
interleaved_body(void *arg)
{
	RTE_SET_USED(arg);
	EMU_ASSERT_STR("cpu2/cpufreq/related_cpus", "0 2");
	EMU_ASSERT_WRITE("cpu2/cpufreq/scaling_max_freq", "2000000", 0);
	EMU_ASSERT_STR("cpu0/cpufreq/scaling_max_freq", "2000000");
	EMU_ASSERT_STR("cpu1/cpufreq/scaling_max_freq", "2401000");
	/* A CPU of no group has no cpufreq at all. */
	TEST_ASSERT(access(EMU_CPU_DIR "/cpu4/cpufreq", F_OK) < 0, "cpu4");
	return TEST_SUCCESS;
}

static int
test_emu_shared_policy(void)
{
	struct emu_shape four = { .nb_cpus = 8, .policy_size = 4 };
	struct emu_shape odd = { .nb_cpus = 5, .policies = "0,2;1,3",
		.args = "--no-cpufreq 4" };

	TEST_RUN(emu_run(&four, shared_body, NULL));
	return emu_run(&odd, interleaved_body, NULL);
}
REGISTER_TEST(emu_shared_policy, test_emu_shared_policy);

static int
hotplug_body(void *arg)
{
	char buf[64];

	RTE_SET_USED(arg);
	/* x86: cpu0 cannot go offline, it has no online file. */
	TEST_ASSERT_EQUAL(emu_read("cpu0/online", buf, sizeof(buf)), -ENOENT,
		"cpu0/online");
	EMU_ASSERT_WRITE("cpu2/cpufreq/scaling_governor", "userspace", 0);
	EMU_ASSERT_WRITE("cpu2/cpufreq/scaling_setspeed", "1600000", 0);
	EMU_ASSERT_WRITE("cpu2/cpufreq/scaling_max_freq", "2000000", 0);
	EMU_ASSERT_WRITE("cpu3/online", "0\n", 0);
	EMU_ASSERT_STR("online", "0-2");
	EMU_ASSERT_STR("offline", "3");
	EMU_ASSERT_STR("cpu3/online", "0");
	EMU_ASSERT_STR("cpu2/cpufreq/affected_cpus", "2");
	EMU_ASSERT_STR("cpu2/cpufreq/related_cpus", "2 3");
	TEST_ASSERT(access(EMU_CPU_DIR "/cpu3/topology", F_OK) < 0, "topo");
	/* The link stays; the policy's last CPU going makes it inactive. */
	EMU_ASSERT_WRITE("cpu2/online", "n", 0);
	TEST_ASSERT_EQUAL(emu_read("cpu2/cpufreq/scaling_governor", buf,
		sizeof(buf)), -EBUSY, "inactive policy read");
	EMU_ASSERT_WRITE("cpu2/cpufreq/scaling_governor", "powersave", -EBUSY);
	EMU_ASSERT_WRITE("cpu2/online", "x", -EINVAL);
	EMU_ASSERT_WRITE("cpu3/online", "on", 0);
	/* Back: governor and limits as before; userspace starts at cur. */
	EMU_ASSERT_STR("cpu2/cpufreq/affected_cpus", "3");
	EMU_ASSERT_STR("cpu2/cpufreq/scaling_governor", "userspace");
	EMU_ASSERT_STR("cpu2/cpufreq/scaling_max_freq", "2000000");
	EMU_ASSERT_STR("cpu2/cpufreq/scaling_setspeed", "1600000");
	EMU_ASSERT_STR("online", "0-1,3");
	EMU_ASSERT_WRITE("cpu2/online", "1", 0);
	EMU_ASSERT_WRITE("cpu2/online", "1", 0);	/* no change: fine */
	EMU_ASSERT_STR("online", "0-3");
	EMU_ASSERT_LOG("cpufreq/policy2/scaling_governor userspace OK\n"
		"cpufreq/policy2/scaling_setspeed 1600000 OK\n"
		"cpufreq/policy2/scaling_max_freq 2000000 OK\n"
		"cpu3/online 0\\n OK\n"
		"cpu2/online n OK\n"
		"cpufreq/policy2/scaling_governor powersave EBUSY\n"
		"cpu2/online x EINVAL\n"
		"cpu3/online on OK\n"
		"cpu2/online 1 OK\n"
		"cpu2/online 1 OK\n");
	return TEST_SUCCESS;
}

static int
reset_body(void *arg)
{
	RTE_SET_USED(arg);
	EMU_ASSERT_WRITE("cpu1/cpufreq/scaling_governor", "userspace", 0);
	EMU_ASSERT_WRITE("cpu1/cpufreq/scaling_max_freq", "2000000", 0);
	EMU_ASSERT_WRITE("cpu1/online", "0", 0);
	TEST_ASSERT(access(EMU_CPU_DIR "/cpu1/cpufreq", F_OK) < 0, "link");
	TEST_ASSERT(access(EMU_CPU_DIR "/cpufreq/policy1", F_OK) < 0,
		"policy1");
	EMU_ASSERT_WRITE("cpu1/online", "1", 0);
	EMU_ASSERT_STR("cpu1/cpufreq/scaling_governor", "schedutil");
	EMU_ASSERT_STR("cpu1/cpufreq/scaling_max_freq", "2401000");
	/* cpu0 may go here; the last online CPU may not. */
	EMU_ASSERT_WRITE("cpu0/online", "0", 0);
	EMU_ASSERT_WRITE("cpu1/online", "0", -EBUSY);
	EMU_ASSERT_STR("online", "1");
	EMU_ASSERT_STR("offline", "0");
	return TEST_SUCCESS;
}

static int
test_emu_hotplug(void)
{
	struct emu_shape kernel = { .nb_cpus = 4, .policy_size = 2 };
	struct emu_shape reset = { .nb_cpus = 2, .hotplug = "reset",
		.args = "--cpu0-hotplug" };

	TEST_RUN(emu_run(&kernel, hotplug_body, NULL));
	return emu_run(&reset, reset_body, NULL);
}
REGISTER_TEST(emu_hotplug, test_emu_hotplug);

/* Latency of one operation, in microseconds, over @n rounds. */
static double
op_us(const char *path, const char *text, int n)
{
	char buf[64];
	double t0;
	int fd, i;

	fd = open(path, text != NULL ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return -1;
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		ssize_t r = text != NULL ? pwrite(fd, text, strlen(text), 0) :
			pread(fd, buf, sizeof(buf), 0);

		if (r <= 0) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	return (now_ms() - t0) * 1e3 / n;
}

/* Resident memory of the emulator process. */
static unsigned long
emu_rss_kb(void)
{
	char path[64], line[128];
	unsigned long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)emu_pid());
	f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %lu", &kb) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kb;
}

/* open + read + close of one path, in microseconds. */
static double
orc_us(const char *path, int n)
{
	char buf[64];
	double t0 = now_ms();
	int fd, i;

	for (i = 0; i < n; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return (now_ms() - t0) * 1e3 / n;
}

static int
scale_body(void *arg)
{
	const double *t0 = arg;
	double mount_ms = now_ms() - *t0, open_us, rd_us, wr_us;
	unsigned int n = 0;
	char buf[64];

	TEST_ASSERT_EQUAL(emu_read_u32("kernel_max", &n), 0, "kernel_max");
	TEST_ASSERT_EQUAL(emu_read("possible", buf, sizeof(buf)), 0, "poss");
	n = strcmp(buf, "0-4095") == 0 ? 4096 : strcmp(buf, "0-511") == 0 ?
		512 : 8;
	EMU_ASSERT_STR("present", n == 4096 ? "0-4095" : n == 512 ? "0-511" :
		"0-7");
	snprintf(buf, sizeof(buf), EMU_CPU_DIR "/cpu%u/cpufreq/"
		"scaling_governor", n - 1);
	open_us = orc_us(buf, 500);
	snprintf(buf, sizeof(buf), "cpu%u/cpufreq/scaling_governor", n / 2);
	EMU_ASSERT_WRITE(buf, "userspace", 0);
	rd_us = op_us(EMU_CPU_DIR "/cpufreq/policy0/scaling_cur_freq", NULL,
		2000);
	snprintf(buf, sizeof(buf), EMU_CPU_DIR "/cpufreq/policy%u/"
		"scaling_setspeed", n / 2);
	wr_us = op_us(buf, "2000000", 2000);
	TEST_ASSERT(open_us > 0 && rd_us > 0 && wr_us > 0,
		"timed operations failed");
	printf("emu_scale: %u CPUs: mounted in %.0f ms; open+read+close "
		"%.0f us, pread %.0f us, pwrite %.0f us; emulator %lu kB\n",
		n, mount_ms, open_us, rd_us, wr_us, emu_rss_kb());
	if (n == 4096) {
		double t1 = now_ms();
		unsigned int cpu;

		/* Every policy built: what a daemon that reads all costs. */
		for (cpu = 0; cpu < n; cpu++) {
			snprintf(buf, sizeof(buf),
				"cpu%u/cpufreq/scaling_cur_freq", cpu);
			TEST_ASSERT(emu_str(buf)[0] >= '1', "cpu %u", cpu);
		}
		printf("emu_scale: read all %u CPUs in %.0f ms; emulator "
			"%lu kB\n", n, now_ms() - t1, emu_rss_kb());
	}
	/* Generous bounds: slow CI, but never seconds or milliseconds. */
	TEST_ASSERT(mount_ms < 10000, "mount took %.0f ms", mount_ms);
	TEST_ASSERT(open_us < 5000 && rd_us < 2000 && wr_us < 2000,
		"operations too slow");
	return TEST_SUCCESS;
}

static int
sparse_body(void *arg)
{
	RTE_SET_USED(arg);
	EMU_ASSERT_STR("possible", "0-4095");
	EMU_ASSERT_STR("present", "0-3,8-11,4095");
	EMU_ASSERT_STR("online", "0-3,8,10-11,4095");
	EMU_ASSERT_STR("offline", "4-7,9,12-4094");
	EMU_ASSERT_STR("cpu4095/topology/core_id", "8");
	TEST_ASSERT(access(EMU_CPU_DIR "/cpu5", F_OK) < 0, "cpu5 absent");
	EMU_ASSERT_WRITE("cpu4095/cpufreq/scaling_governor", "performance", 0);
	EMU_ASSERT_STR("cpufreq/policy4095/scaling_cur_freq", "2401000");
	return TEST_SUCCESS;
}

static int
test_emu_scale(void)
{
	static const unsigned int sizes[] = { 8, 512, 4096 };
	struct emu_shape sparse = { .cpus = "0-3,8-11,4095", .offline = "9" };
	unsigned int i;
	double t0;

	for (i = 0; i < RTE_DIM(sizes); i++) {
		struct emu_shape shape = { .nb_cpus = sizes[i] };

		t0 = now_ms();
		TEST_RUN(emu_run(&shape, scale_body, &t0));
	}
	return emu_run(&sparse, sparse_body, NULL);
}
REGISTER_TEST(emu_scale, test_emu_scale);

static int
librte_acpi_body(void *arg)
{
	uint32_t freqs[RTE_MAX_LCORE_FREQS];
	unsigned int lc;

	RTE_SET_USED(arg);
	TEST_ASSERT_EQUAL(emu_eal_init(), 0, "EAL");
	/* librte_power reaches CPU 1 through this process's lcore 1. */
	TEST_ASSERT_EQUAL(vmp_compat_power_lcore(1, &lc), 0, "lcore of cpu1");
	TEST_ASSERT_EQUAL(emu_log_clear(), 0, "clear");
	TEST_ASSERT_EQUAL(rte_power_set_env(PM_ENV_ACPI_CPUFREQ), 0, "env");
	TEST_ASSERT_EQUAL(rte_power_init(lc), 0, "init lcore of cpu1");
	TEST_ASSERT_EQUAL(rte_power_freqs(lc, freqs, RTE_DIM(freqs)), 5, "n");
	TEST_ASSERT_EQUAL(freqs[0], 2401000, "turbo");
	/* 22.11 enables turbo when it sees it, and init goes to the top. */
	TEST_ASSERT_EQUAL(rte_power_turbo_status(lc), 1, "turbo on");
	EMU_ASSERT_STR(P1 "scaling_setspeed", "2401000");
	TEST_ASSERT_EQUAL(rte_power_freq_disable_turbo(lc), 0, "no turbo");
	EMU_ASSERT_STR(P1 "scaling_cur_freq", "2400000");
	TEST_ASSERT_EQUAL(rte_power_freq_down(lc), 1, "down");
	EMU_ASSERT_STR(P1 "scaling_setspeed", "2000000");
	TEST_ASSERT_EQUAL(rte_power_freq_min(lc), 1, "min");
	EMU_ASSERT_STR(P1 "scaling_setspeed", "1200000");
	TEST_ASSERT_EQUAL(rte_power_exit(lc), 0, "exit");
	EMU_ASSERT_STR(P1 "scaling_governor", "schedutil");
	EMU_ASSERT_STR("cpu0/cpufreq/scaling_governor", "schedutil");
	/* What the kernel saw, in order; and nothing on cpu0. */
	EMU_ASSERT_LOG("cpufreq/policy1/scaling_governor userspace OK\n"
		"cpufreq/policy1/scaling_setspeed 2401000 OK\n"
		"cpufreq/policy1/scaling_setspeed 2400000 OK\n"
		"cpufreq/policy1/scaling_setspeed 2000000 OK\n"
		"cpufreq/policy1/scaling_setspeed 1200000 OK\n"
		"cpufreq/policy1/scaling_governor schedutil OK\n");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
librte_pstate_body(void *arg)
{
	uint32_t freqs[RTE_MAX_LCORE_FREQS];
	unsigned int lc;
	int n;

	RTE_SET_USED(arg);
	TEST_ASSERT_EQUAL(emu_eal_init(), 0, "EAL");
	TEST_ASSERT_EQUAL(vmp_compat_power_lcore(1, &lc), 0, "lcore of cpu1");
	TEST_ASSERT_EQUAL(emu_log_clear(), 0, "clear");
	TEST_ASSERT_EQUAL(rte_power_set_env(PM_ENV_PSTATE_CPUFREQ), 0, "env");
	TEST_ASSERT_EQUAL(rte_power_init(lc), 0, "init lcore of cpu1");
	n = rte_power_freqs(lc, freqs, RTE_DIM(freqs));
	TEST_ASSERT(n > 2, "%d frequencies", n);
	TEST_ASSERT(rte_power_freq_min(lc) >= 0, "min");
	EMU_ASSERT_STR(P1 "scaling_max_freq", "1200000");
	EMU_ASSERT_STR(P1 "scaling_cur_freq", "1200000");
	TEST_ASSERT(rte_power_freq_max(lc) >= 0, "max");
	EMU_ASSERT_STR(P1 "scaling_min_freq", "2000000");
	EMU_ASSERT_STR(P1 "scaling_cur_freq", "2000000");
	TEST_ASSERT_EQUAL(rte_power_exit(lc), 0, "exit");
	EMU_ASSERT_STR(P1 "scaling_governor", "powersave");
	/* 22.11 gives the governor back, not the limits (issue 15). */
	EMU_ASSERT_STR(P1 "scaling_min_freq", "2000000");
	EMU_ASSERT_STR(P1 "scaling_max_freq", "2000000");
	EMU_ASSERT_LOG("cpufreq/policy1/scaling_governor performance OK\n"
		"cpufreq/policy1/scaling_min_freq 2000000 OK\n"
		"cpufreq/policy1/scaling_max_freq 2000000 OK\n"
		"cpufreq/policy1/scaling_min_freq 1200000 OK\n"
		"cpufreq/policy1/scaling_max_freq 1200000 OK\n"
		"cpufreq/policy1/scaling_max_freq 2000000 OK\n"
		"cpufreq/policy1/scaling_min_freq 2000000 OK\n"
		"cpufreq/policy1/scaling_governor powersave OK\n");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
test_emu_librte_power(void)
{
	struct emu_shape acpi = { .nb_cpus = 2 };
	struct emu_shape pstate = { .nb_cpus = 2, .driver = "intel_pstate" };

	TEST_RUN(emu_run(&acpi, librte_acpi_body, NULL));
	return emu_run(&pstate, librte_pstate_body, NULL);
}
REGISTER_TEST(emu_librte_power, test_emu_librte_power);
