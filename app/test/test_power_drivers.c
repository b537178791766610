/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Every cpufreq driver vmpower drives, on the cpufreq emulator (the
 * kernel's refusals, its exact write log): one vote on CPU 2 goes MIN,
 * MAX, TURBO_ON, TURBO_OFF, then away. Each step writes exactly what the
 * driver needs, the give-back leaves every file as it was, and CPU 3,
 * which nobody voted on, sees no write. CPUs 0-1 are EAL's lcores, which
 * librte_power may drive with writes of its own: not used here.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_common.h>

#include "cpufreq_emu.h"
#include "vmp_dpdk_compat.h"
#include "test_power.h"

#define CPU	2
#define IDLE	3

/* One line of the write log, for policy 2. */
#define W(file, text)	"cpufreq/policy2/" file " " text " OK\n"
#define KHZ(file, khz)	W(file, #khz "\\n")
#define GOV(g)		W("scaling_governor", g)
#define SPEED(khz)	KHZ("scaling_setspeed", khz)
/* Pinned: raise max first, or lower min first (min <= max throughout). */
#define PIN_UP(khz)	KHZ("scaling_max_freq", khz) KHZ("scaling_min_freq", khz)
#define PIN_DOWN(khz)	KHZ("scaling_min_freq", khz) KHZ("scaling_max_freq", khz)

struct drv_case {
	const char *title;
	struct emu_shape shape;
	const char *setup;	/* "path value" written before create */
	const char *driver;	/* conf.driver, NULL: auto */
	const char *name;	/* power_mgr_driver() */
	uint32_t nb_freqs;
	uint32_t turbo;		/* freqs[0] when it is turbo, else 0 */
	uint32_t top;		/* highest without turbo */
	const char *log;	/* a start-up line to find, or NULL */
	/* The write log of each step; turbo_on NULL: -ENOTSUP. */
	const char *take_min, *max, *turbo_on, *turbo_off, *give_back;
};

/* Passive drivers: userspace from schedutil, then setspeed. */
#define SETSPEED_STEPS(top, turbo)					\
	.take_min = GOV("userspace") SPEED(1200000),			\
	.max = SPEED(top), .turbo_on = SPEED(turbo),			\
	.turbo_off = SPEED(top), .give_back = GOV("schedutil")
#define SETSPEED_NO_TURBO(top)						\
	.take_min = GOV("userspace") SPEED(1200000),			\
	.max = SPEED(top), .give_back = GOV("schedutil")

static const struct drv_case cases[] = {
	{ .title = "acpi-cpufreq", .shape = { .nb_cpus = 4 },
		.driver = "acpi", .name = "acpi-cpufreq", .nb_freqs = 5,
		.turbo = 2401000, .top = 2400000,
		SETSPEED_STEPS(2400000, 2401000) },
	{ .title = "acpi-cpufreq, boost off",
		.shape = { .nb_cpus = 4, .args = "--no-boost" },
		.name = "acpi-cpufreq", .nb_freqs = 4, .top = 2400000,
		.log = "cpu 0-3: turbo is off in the driver (boost)",
		SETSPEED_NO_TURBO(2400000) },
	{ .title = "intel_pstate, HWP",
		.shape = { .nb_cpus = 4, .driver = "intel_pstate" },
		.driver = "pstate", .name = "intel_pstate", .nb_freqs = 10,
		.turbo = 2000001, .top = 2000000,
		.take_min = GOV("performance") PIN_UP(1200000),
		.max = PIN_UP(2000000), .turbo_on = PIN_UP(2400000),
		.turbo_off = PIN_DOWN(2000000),
		/* The kernel gives EPP back with powersave: no EPP write. */
		.give_back = GOV("powersave") KHZ("scaling_max_freq", 2400000)
			KHZ("scaling_min_freq", 1200000) },
	{ .title = "intel_pstate, no HWP",
		.shape = { .nb_cpus = 4, .driver = "intel_pstate",
			.args = "--no-hwp" },
		.name = "intel_pstate", .nb_freqs = 10, .turbo = 2000001,
		.top = 2000000,
		.take_min = GOV("performance") PIN_UP(1200000),
		.max = PIN_UP(2000000), .turbo_on = PIN_UP(2400000),
		.turbo_off = PIN_DOWN(2000000),
		.give_back = GOV("powersave") KHZ("scaling_max_freq", 2400000)
			KHZ("scaling_min_freq", 1200000) },
	{ .title = "intel_pstate, no HWP, no_turbo",
		.shape = { .nb_cpus = 4, .driver = "intel_pstate",
			.args = "--no-hwp" },
		.setup = "intel_pstate/no_turbo 1",
		.name = "intel_pstate", .nb_freqs = 9, .top = 2000000,
		.log = "turbo is off in the driver (intel_pstate/no_turbo)",
		.take_min = GOV("performance") PIN_UP(1200000),
		.max = PIN_UP(2000000),
		.give_back = GOV("powersave") KHZ("scaling_max_freq", 2000000)
			KHZ("scaling_min_freq", 1200000) },
	{ .title = "intel_cpufreq (passive), HWP",
		.shape = { .nb_cpus = 4, .driver = "intel_cpufreq" },
		.driver = "pstate-passive", .name = "intel_cpufreq",
		.nb_freqs = 10, .turbo = 2000001, .top = 2000000,
		SETSPEED_STEPS(2000000, 2400000) },
	{ .title = "intel_cpufreq (passive), no HWP",
		.shape = { .nb_cpus = 4, .driver = "intel_cpufreq",
			.args = "--no-hwp" },
		.driver = "intel_cpufreq", .name = "intel_cpufreq",
		.nb_freqs = 10, .turbo = 2000001, .top = 2000000,
		SETSPEED_STEPS(2000000, 2400000) },
	{ .title = "amd-pstate (passive)",
		.shape = { .nb_cpus = 4, .driver = "amd-pstate" },
		.driver = "amd", .name = "amd-pstate", .nb_freqs = 64,
		.turbo = 2400000, .top = 2000000,
		SETSPEED_STEPS(2000000, 2400000) },
	{ .title = "amd-pstate (guided)",
		.shape = { .nb_cpus = 4, .driver = "amd-pstate-guided" },
		.name = "amd-pstate", .nb_freqs = 64, .turbo = 2400000,
		.top = 2000000, SETSPEED_STEPS(2000000, 2400000) },
	{ .title = "amd-pstate, its policy's boost off",
		.shape = { .nb_cpus = 4, .driver = "amd-pstate" },
		.setup = "cpu2/cpufreq/boost 0",
		.driver = "amd-pstate", .name = "amd-pstate", .nb_freqs = 64,
		.top = 2000000, SETSPEED_NO_TURBO(2000000) },
	{ .title = "amd-pstate-epp (active)",
		.shape = { .nb_cpus = 4, .driver = "amd-pstate-epp" },
		.driver = "amd-epp", .name = "amd-pstate-epp", .nb_freqs = 64,
		.turbo = 2400000, .top = 2000000,
		/* Already powersave: no governor write, EPP untouched. */
		.take_min = PIN_UP(1200000), .max = PIN_UP(2000000),
		.turbo_on = PIN_UP(2400000), .turbo_off = PIN_DOWN(2000000),
		.give_back = KHZ("scaling_max_freq", 2400000)
			KHZ("scaling_min_freq", 1200000) },
	{ .title = "amd-pstate-epp (active), from performance",
		.shape = { .nb_cpus = 4, .driver = "amd-pstate-epp",
			.governor = "performance" },
		.driver = "amd-pstate-epp", .name = "amd-pstate-epp",
		.nb_freqs = 64, .turbo = 2400000, .top = 2000000,
		.take_min = GOV("powersave") PIN_UP(1200000),
		.max = PIN_UP(2000000), .turbo_on = PIN_UP(2400000),
		.turbo_off = PIN_DOWN(2000000),
		/* performance again sets EPP 0, which it was. */
		.give_back = GOV("performance")
			KHZ("scaling_max_freq", 2400000)
			KHZ("scaling_min_freq", 1200000) },
	{ .title = "cppc_cpufreq, boost off (its default)",
		.shape = { .nb_cpus = 4, .driver = "cppc_cpufreq" },
		.driver = "cppc", .name = "cppc_cpufreq", .nb_freqs = 9,
		.top = 2000000, SETSPEED_NO_TURBO(2000000) },
	{ .title = "cppc_cpufreq, boost on",
		.shape = { .nb_cpus = 4, .driver = "cppc_cpufreq" },
		.setup = "cpufreq/boost 1",
		.name = "cppc_cpufreq", .nb_freqs = 10, .turbo = 2400000,
		.top = 2000000, SETSPEED_STEPS(2000000, 2400000) },
};

/* What the daemon may write, and what shows its effect. */
static const char *const files[] = {
	"scaling_governor", "scaling_setspeed", "scaling_min_freq",
	"scaling_max_freq", "scaling_cur_freq",
	"energy_performance_preference", "boost",
};
#define NB_FILES	RTE_DIM(files)

struct snap {
	char f[NB_FILES][64];
	char boost[8], no_turbo[8];	/* the global knobs */
};

static void
snapshot(unsigned int cpu, struct snap *s)
{
	char path[64];
	unsigned int i;

	for (i = 0; i < NB_FILES; i++) {
		snprintf(path, sizeof(path), "cpu%u/cpufreq/%s", cpu, files[i]);
		if (emu_read(path, s->f[i], sizeof(s->f[i])) < 0)
			snprintf(s->f[i], sizeof(s->f[i]), "(none)");
	}
	if (emu_read("cpufreq/boost", s->boost, sizeof(s->boost)) < 0)
		s->boost[0] = '\0';
	if (emu_read("intel_pstate/no_turbo", s->no_turbo,
			sizeof(s->no_turbo)) < 0)
		s->no_turbo[0] = '\0';
}

static int
same(unsigned int cpu, const struct snap *a, const struct snap *b)
{
	unsigned int i;

	for (i = 0; i < NB_FILES; i++)
		TEST_ASSERT(strcmp(a->f[i], b->f[i]) == 0,
			"cpu %u %s: '%s' before, '%s' after", cpu, files[i],
			a->f[i], b->f[i]);
	TEST_ASSERT_STR(b->boost, a->boost);
	TEST_ASSERT_STR(b->no_turbo, a->no_turbo);
	return TEST_SUCCESS;
}

/* "path value": one write, as an operator would before the daemon. */
static int
setup(const char *spec)
{
	char path[128];
	const char *sp = strchr(spec, ' ');

	snprintf(path, sizeof(path), "%.*s", (int)(sp - spec), spec);
	TEST_ASSERT_EQUAL(emu_write(path, sp + 1), 0, "setup %s", spec);
	return TEST_SUCCESS;
}

static int
freqs_check(struct power_mgr *pm, const struct drv_case *c)
{
	struct power_mgr_core_info info;
	uint32_t f[64];
	int n = power_mgr_freqs(pm, CPU, f, RTE_DIM(f)), i;

	TEST_ASSERT_EQUAL(n, (int)c->nb_freqs, "frequencies");
	TEST_ASSERT_EQUAL(f[n - 1], 1200000, "lowest");
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, CPU, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.turbo, (uint32_t)(c->turbo != 0), "has turbo");
	for (i = 0; i < n && f[i] != c->top; i++)
		;
	TEST_ASSERT(i < n, "%u kHz listed", c->top);
	if (c->turbo != 0)
		TEST_ASSERT_EQUAL(f[0], c->turbo, "turbo");
	TEST_ASSERT_EQUAL(info.controlled, 0, "not taken at start");
	return TEST_SUCCESS;
}

static int
drv_body(void *arg)
{
	const struct drv_case *c = arg;
	struct power_mgr_conf conf = { .driver = c->driver };
	struct power_mgr_core_info info;
	struct snap cpu0, idle0, cpu1, idle1;
	struct power_mgr *pm;

	if (c->setup != NULL)
		TEST_RUN(setup(c->setup));
	snapshot(CPU, &cpu0);
	snapshot(IDLE, &idle0);
	TEST_ASSERT_EQUAL(emu_log_clear(), 0, "");
	TEST_ASSERT_EQUAL(emu_eal_init(), 0, "EAL");
	test_log_capture();
	TEST_ASSERT_EQUAL(power_mgr_create(&conf, &pm), 0, "create");
	TEST_ASSERT_STR(power_mgr_driver(pm), c->name);
	if (c->log != NULL)
		TEST_ASSERT_LOG(c->log);
	EMU_ASSERT_LOG("");		/* create touches nothing */
	TEST_RUN(freqs_check(pm, c));

	REQ(pm, VM_A, CPU, POWER_MGR_MIN, 0);
	EMU_ASSERT_LOG(c->take_min);
	REQ(pm, VM_A, CPU, POWER_MGR_MAX, 0);
	EMU_ASSERT_LOG(c->max);
	if (c->turbo_on != NULL) {
		REQ(pm, VM_A, CPU, POWER_MGR_TURBO_ON, 0);
		EMU_ASSERT_LOG(c->turbo_on);
		REQ(pm, VM_A, CPU, POWER_MGR_TURBO_OFF, 0);
		EMU_ASSERT_LOG(c->turbo_off);
	} else {
		TEST_ASSERT_EQUAL(power_mgr_request(pm, VM_A, CPU,
			POWER_MGR_TURBO_ON, 0), -ENOTSUP, "no turbo step");
		REQ(pm, VM_A, CPU, POWER_MGR_TURBO_OFF, 0);
		EMU_ASSERT_LOG("");
	}
	TEST_ASSERT_EQUAL(power_mgr_release(pm, VM_A, CPU), 0, "release");
	EMU_ASSERT_LOG(c->give_back);
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, CPU, &info), 0, "info");
	TEST_ASSERT_EQUAL(info.controlled, 0, "given back");
	snapshot(CPU, &cpu1);
	TEST_RUN(same(CPU, &cpu0, &cpu1));
	power_mgr_destroy(pm);
	EMU_ASSERT_LOG("");
	snapshot(IDLE, &idle1);
	return same(IDLE, &idle0, &idle1);
}

static int
test_power_drivers(void)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		printf("--- %s\n", cases[i].title);
		TEST_RUN(emu_run(&cases[i].shape, drv_body,
			(void *)(uintptr_t)&cases[i]));
	}
	return TEST_SUCCESS;
}
REGISTER_TEST(power_drivers, test_power_drivers);

/*
 * A crash with EPP: intel_pstate with HWP, EPP balance_power. A daemon
 * takes CPU 2 (performance: the kernel sets EPP 0) and dies without
 * giving it back; its record keeps the EPP. The next manager on the same
 * state directory gives the policy back from the record. As the crash
 * left it, the governor brings EPP back; after the driver was registered
 * again (intel_pstate/status passive, then active: every policy at its
 * defaults), only the record knows it, and it is written. A fault
 * handler's give-back (power_mgr_fault_restore) writes EPP too.
 */
#define EPP_FILE	"cpu2/cpufreq/energy_performance_preference"

enum crash { LEFT, REREGISTERED, FAULT };

static int
crash_body(void *arg)
{
	const enum crash how = *(const enum crash *)arg;
	char dir[] = "/tmp/vmp_epp.XXXXXX", rec[PATH_MAX], buf[512];
	struct power_mgr_conf conf = { .state_dir = dir };
	struct power_mgr *pm;
	FILE *f;
	size_t n;
	pid_t pid;
	int st;

	TEST_ASSERT(test_mkdtemp(dir) != NULL, "state directory");
	EMU_ASSERT_WRITE(EPP_FILE, "balance_power", 0);
	TEST_ASSERT_EQUAL(emu_log_clear(), 0, "");
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		/* Dies holding CPU 2: _exit() skips the give-back. */
		if (emu_eal_init() < 0 || power_mgr_create(&conf, &pm) < 0 ||
				power_mgr_request(pm, VM_A, CPU, POWER_MGR_MIN,
					0) < 0)
			_exit(1);
		if (how == FAULT)
			power_mgr_fault_restore();
		_exit(0);
	}
	TEST_ASSERT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		WEXITSTATUS(st) == 0, "the daemon that crashes");
	if (how == FAULT) {
		EMU_ASSERT_LOG(GOV("performance") PIN_UP(1200000)
			GOV("powersave") W("scaling_max_freq", "2400000")
			W("scaling_min_freq", "1200000")
			W("energy_performance_preference", "balance_power"));
		EMU_ASSERT_STR(EPP_FILE, "balance_power");
	} else {
		EMU_ASSERT_LOG(GOV("performance") PIN_UP(1200000));
		EMU_ASSERT_STR(EPP_FILE, "performance");
	}
	snprintf(rec, sizeof(rec), "%s/policy2", dir);
	f = fopen(rec, "re");
	TEST_ASSERT(f != NULL, "record %s", rec);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	TEST_ASSERT(strstr(buf, "governor=powersave\n") != NULL &&
		strstr(buf, "epp=balance_power\n") != NULL, "record: %s", buf);
	if (how == REREGISTERED) {
		EMU_ASSERT_WRITE("intel_pstate/status", "passive", 0);
		EMU_ASSERT_WRITE("intel_pstate/status", "active", 0);
		EMU_ASSERT_STR(EPP_FILE, "balance_performance");
		TEST_ASSERT_EQUAL(emu_log_clear(), 0, "");
	}

	TEST_ASSERT_EQUAL(emu_eal_init(), 0, "EAL");
	test_log_capture();
	TEST_ASSERT_EQUAL(power_mgr_create(&conf, &pm), 0, "restart");
	TEST_ASSERT_LOG("cpu 2: a previous vm_power_mgr left it under control: given back (governor powersave)");
	/* Limits are written back whatever they read; the rest if they
	 * differ. */
	if (how == LEFT)
		EMU_ASSERT_LOG(GOV("powersave")
			KHZ("scaling_max_freq", 2400000)
			KHZ("scaling_min_freq", 1200000));
	else if (how == REREGISTERED)
		EMU_ASSERT_LOG(KHZ("scaling_max_freq", 2400000)
			KHZ("scaling_min_freq", 1200000)
			W("energy_performance_preference", "balance_power"));
	else
		EMU_ASSERT_LOG(KHZ("scaling_max_freq", 2400000)
			KHZ("scaling_min_freq", 1200000));
	EMU_ASSERT_STR(EPP_FILE, "balance_power");
	EMU_ASSERT_STR("cpu2/cpufreq/scaling_governor", "powersave");
	EMU_ASSERT_STR("cpu2/cpufreq/scaling_min_freq", "1200000");
	EMU_ASSERT_STR("cpu2/cpufreq/scaling_max_freq", "2400000");
	TEST_ASSERT(access(rec, F_OK) < 0, "record gone");
	power_mgr_destroy(pm);
	EMU_ASSERT_LOG("");
	snprintf(rec, sizeof(rec), "rm -rf '%s'", dir);
	TEST_ASSERT_EQUAL(system(rec), 0, "%s", rec);
	return TEST_SUCCESS;
}

static int
test_power_drivers_crash_epp(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .driver = "intel_pstate" };
	static const enum crash how[] = { LEFT, REREGISTERED, FAULT };
	unsigned int i;

	for (i = 0; i < RTE_DIM(how); i++)
		TEST_RUN(emu_run(&shape, crash_body,
			(void *)(uintptr_t)&how[i]));
	return TEST_SUCCESS;
}
REGISTER_TEST(power_drivers_crash_epp, test_power_drivers_crash_epp);

/*
 * amd-pstate through librte_power (its amd_pstate driver, DPDK 23.11+)
 * and through vmpower's backend agree: CPU 0 is EAL's main lcore, CPU 2
 * none. The same list, and the same files after every step.
 */
static int
agree_step(const char *when)
{
	static const char *const f[] = { "scaling_governor",
		"scaling_setspeed", "scaling_min_freq", "scaling_max_freq" };
	char a[64], b[64], path[64];
	unsigned int i;

	for (i = 0; i < RTE_DIM(f); i++) {
		snprintf(path, sizeof(path), "cpu0/cpufreq/%s", f[i]);
		TEST_ASSERT_EQUAL(emu_read(path, a, sizeof(a)), 0, "%s", path);
		snprintf(path, sizeof(path), "cpu2/cpufreq/%s", f[i]);
		TEST_ASSERT_EQUAL(emu_read(path, b, sizeof(b)), 0, "%s", path);
		TEST_ASSERT(strcmp(a, b) == 0, "%s: %s is %s on cpu 0, %s on cpu 2",
			when, f[i], a, b);
	}
	return TEST_SUCCESS;
}

static int
amd_agree_body(void *arg)
{
	static const enum power_mgr_op ops[] = {
		POWER_MGR_MIN, POWER_MGR_UP, POWER_MGR_MAX, POWER_MGR_TURBO_ON,
		POWER_MGR_DOWN, POWER_MGR_TURBO_OFF, POWER_MGR_MIN,
	};
	struct power_mgr_core_info rte, own;
	uint32_t fa[64], fb[64];
	struct power_mgr *pm;
	unsigned int i;
	int na, nb;

	RTE_SET_USED(arg);
	TEST_ASSERT_EQUAL(emu_eal_init(), 0, "EAL");
	TEST_ASSERT_EQUAL(power_mgr_create(NULL, &pm), 0, "create");
	for (i = 0; i < RTE_DIM(ops); i++) {
		char when[32];

		TEST_ASSERT_EQUAL(power_mgr_request(pm, VM_A, 0, ops[i], 0),
			power_mgr_request(pm, VM_A, CPU, ops[i], 0), "step %u", i);
		snprintf(when, sizeof(when), "after step %u", i);
		TEST_RUN(agree_step(when));
	}
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, 0, &rte), 0, "");
	TEST_ASSERT_EQUAL(power_mgr_core_info(pm, CPU, &own), 0, "");
	printf("cpu 0: %s, cpu 2: %s\n", rte.backend, own.backend);
	TEST_ASSERT_STR(own.backend, "vmpower sysfs");
	if (VMP_PM_ENV_AMD_PSTATE != PM_ENV_NOT_SET)
		TEST_ASSERT_STR(rte.backend, "librte_power");
	na = power_mgr_freqs(pm, 0, fa, RTE_DIM(fa));
	nb = power_mgr_freqs(pm, CPU, fb, RTE_DIM(fb));
	TEST_ASSERT(na == 64 && na == nb, "%d and %d frequencies", na, nb);
	TEST_ASSERT(memcmp(fa, fb, na * sizeof(*fa)) == 0, "lists differ");
	TEST_ASSERT_EQUAL(rte.turbo, own.turbo, "turbo");
	power_mgr_destroy(pm);
	return agree_step("after destroy");
}

static int
test_power_drivers_amd_agree(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .driver = "amd-pstate" };

	return emu_run(&shape, amd_agree_body, NULL);
}
REGISTER_TEST(power_drivers_amd_agree, test_power_drivers_amd_agree);
