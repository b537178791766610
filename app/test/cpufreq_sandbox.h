/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_CPUFREQ_SANDBOX_H
#define VMP_CPUFREQ_SANDBOX_H

/**
 * @file
 * A fake /sys/devices/system/cpu for tests that drive the real librte_power.
 *
 * A sandbox is a private mount namespace (unshare(CLONE_NEWNS), / made
 * rprivate) in which a small tmpfs is mounted over /sys/devices/system/cpu
 * and filled with a generated tree. librte_power, EAL and glibc read their
 * fixed sysfs paths and find the fake tree; the host's real sysfs is never
 * visible, let alone written. The tree lives only in the namespace, so it
 * vanishes with its last process, even one killed by SIGKILL: there is no
 * mount or directory to clean up.
 *
 * Two ways in:
 * - sandbox_run(): a test function runs in a forked child inside a fresh
 *   sandbox (one EAL per child, so every test gets its own tree shape);
 *   whatever the child starts (fork/exec, e.g. the vm_power_mgr binary)
 *   shares the sandbox. Processes left behind are killed afterwards.
 * - the vmp_sandbox program (sandbox_main.c): `vmp_sandbox [shape options]
 *   -- cmd args...` runs an external command inside a sandbox.
 *
 * Fake sysfs files are plain tmpfs files: librte_power rewrites them in
 * place (lseek 0 + write, no truncate), so every frequency in a tree has 7
 * digits (1000000..9999999 kHz) and governor reads go through
 * sandbox_governor(), which ignores the tail a shorter name leaves behind.
 *
 * The tree holds what the real drivers show; of it, these were seen read
 * (strace) and are what librte_power 22.11 (with EAL and glibc) needs:
 *   all:           possible (glibc), cpuN/topology/core_id (EAL: a CPU
 *                  without it is no lcore), cpu0/cpufreq/scaling_driver
 *                  (rte_power_check_env_supported), cpuN/cpufreq/
 *                  scaling_governor (switched, restored at exit)
 *   acpi-cpufreq:  scaling_available_frequencies, scaling_setspeed (must
 *                  hold a listed value at init)
 *   intel_pstate:  cpuinfo_min_freq, cpuinfo_max_freq, base_frequency,
 *                  scaling_min_freq, scaling_max_freq (written),
 *                  scaling_cur_freq, intel_pstate/turbo_pct (0: no turbo)
 *   cppc_cpufreq:  scaling_min_freq, scaling_max_freq (read),
 *                  cpuinfo_max_freq, acpi_cppc/highest_perf and
 *                  nominal_perf (in 10 MHz units), scaling_setspeed
 * A marker, .vmp_sandbox, tells the tree from the real sysfs.
 */

#include <stddef.h>
#include <stdint.h>

#define SANDBOX_CPU_DIR		"/sys/devices/system/cpu"

/** Shape of a fake tree; zero fields take the defaults in brackets. */
struct sandbox_shape {
	unsigned int nb_cpus;		/**< cpu0..cpuN-1 [4] */
	const char *driver;		/**< scaling_driver [acpi-cpufreq] */
	const char *governor;		/**< starting governor [powersave] */
	/**
	 * acpi-cpufreq: scaling_available_frequencies, highest first
	 * [2401000 2400000 2000000 1600000 1200000: turbo, since the top is
	 * 1000 kHz above the next].
	 */
	const uint32_t *freqs;
	unsigned int nb_freqs;
	/** scaling_setspeed and scaling_cur_freq [the lowest frequency] */
	uint32_t start_khz;
	/** intel_pstate, cppc_cpufreq: cpuinfo range [1200000, 2400000] */
	uint32_t min_khz;
	uint32_t max_khz;
	/** intel_pstate base_frequency, cppc nominal frequency [2000000] */
	uint32_t base_khz;
	/** intel_pstate turbo_pct 0, cppc highest_perf == nominal_perf */
	int no_turbo;
	/** CPU list ("1,4-5") that has no cpufreq directory at all */
	const char *no_cpufreq;
	/** intel_pstate CPUs with a base_frequency 100 MHz higher (SST-BF) */
	const char *priority;
};

/**
 * Turn this process into a sandbox: new mount namespace, fake tree.
 * Must be called while single-threaded (unshare(CLONE_NEWNS) refuses a
 * process whose threads share its filesystem context), so before EAL.
 * @return 0, -EPERM without CAP_SYS_ADMIN, other negative errno.
 */
int sandbox_enter(const struct sandbox_shape *shape);

/**
 * Run fn(arg) in a forked child inside a new sandbox of @shape.
 * @return fn's result (TEST_SUCCESS, TEST_SKIPPED, TEST_FAILED), or
 * TEST_SKIPPED when mount namespaces are not permitted here.
 */
int sandbox_run(const struct sandbox_shape *shape, int (*fn)(void *),
	void *arg);

/** Whether SANDBOX_CPU_DIR is a sandbox's tree (never the real sysfs). */
int sandbox_active(void);

/** Initialise EAL as the daemon does (-l 0 --no-huge ...); again: 0. */
int sandbox_eal_init(void);

/**
 * Read the first line of SANDBOX_CPU_DIR/cpu<cpu>/<file> without its
 * newline. Refuses (-EPERM) outside a sandbox.
 */
int sandbox_read(unsigned int cpu, const char *file, char *buf, size_t size);
/** Same, as a number; 0 on success. */
int sandbox_read_u32(unsigned int cpu, const char *file, uint32_t *val);
/** The governor a CPU runs (a known name), or NULL. */
const char *sandbox_governor(unsigned int cpu);
/* CPU @cpu's scaling_setspeed, 0 if it cannot be read. */
uint32_t sandbox_setspeed(unsigned int cpu);
/* Wait up to @ms (scaled by VMP_TEST_SLOW) for CPU @cpu's setspeed to be
 * @khz: 0, or -1 after saying what it is. */
int sandbox_wait_setspeed(unsigned int cpu, uint32_t khz, int ms);
/** A file's number (e.g. kHz), 0 if unreadable: for assertions. */
uint32_t sandbox_khz(unsigned int cpu, const char *file);
/** Replace SANDBOX_CPU_DIR/<path> with @text (tests bending the tree). */
int sandbox_write(const char *path, const char *text);

/**
 * Count writes with inotify: open a watch set, add files, then each
 * sandbox_watch_count() returns the IN_MODIFY events since the last call.
 * Identical unread events may merge, so count after every operation.
 */
int sandbox_watch_open(void);
int sandbox_watch_add(int wfd, unsigned int cpu, const char *file);
int sandbox_watch_count(int wfd);

/**
 * Shape options shared by vmp_sandbox and tests: parse one "--opt value"
 * pair into @shape (strings point into @value). Options: --cpus N,
 * --driver D, --governor G, --freqs a,b,c, --start KHZ, --min KHZ,
 * --max KHZ, --base KHZ, --no-turbo, --no-cpufreq LIST, --priority LIST.
 * @return arguments consumed (1 or 2), 0 for an unknown option, or
 * -EINVAL for a bad value. A --freqs list is allocated and kept.
 */
int sandbox_shape_option(struct sandbox_shape *shape, const char *opt,
	const char *value);

/* Assertions on the tree, for test functions (test.h, string.h). */
#define SANDBOX_ASSERT_KHZ(cpu, file, khz) \
	TEST_ASSERT_EQUAL(sandbox_khz(cpu, file), khz, "cpu %u %s", \
		(unsigned int)(cpu), file)
#define SANDBOX_ASSERT_SPEED(cpu, khz) \
	SANDBOX_ASSERT_KHZ(cpu, "cpufreq/scaling_setspeed", khz)
#define SANDBOX_ASSERT_GOV(cpu, gov) do {					\
	const char *g_ = sandbox_governor(cpu);				\
	TEST_ASSERT(g_ != NULL && strcmp(g_, gov) == 0,			\
		"cpu %u runs governor %s, expected %s",			\
		(unsigned int)(cpu), g_ ? g_ : "?", gov);		\
} while (0)
/* Writes counted by sandbox_watch_count() since the last check. */
#define SANDBOX_ASSERT_WRITES(wfd, n) \
	TEST_ASSERT_EQUAL(sandbox_watch_count(wfd), n, "sysfs writes")

#endif /* VMP_CPUFREQ_SANDBOX_H */
