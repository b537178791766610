/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_CPUFREQ_EMU_H
#define VMP_CPUFREQ_EMU_H

/**
 * @file
 * A cpufreq emulator over /sys/devices/system/cpu, for tests that must
 * meet the kernel's refusals, shared policies, hotplug and drivers
 * (app/test/cpufreq_emu/README.md has the model).
 *
 * Same shape of API as cpufreq_sandbox.h: emu_run() runs a test function
 * in a forked child inside a private mount namespace; there, the emulator
 * (cpufreq_emu.py under /usr/bin/python3, a FUSE file system) is mounted
 * and bound over /sys/devices/system/cpu. The emulator runs in a
 * namespace of its own (it never sees its own mount), dies with the
 * child, and its mount goes with the namespace: nothing is left on the
 * host, even after SIGKILL.
 *
 * Needs root, /dev/fuse and python3-pyfuse3; without them emu_run()
 * says why and returns TEST_SKIPPED. With them, any failure is a failure.
 *
 * The emulator logs every write it receives, refused or not. The paths
 * are the kernel's, relative to /sys/devices/system/cpu and through the
 * cpuN/cpufreq links: "cpufreq/policy3/scaling_setspeed".
 */

#include <stddef.h>
#include <sys/types.h>

#define EMU_CPU_DIR	"/sys/devices/system/cpu"

/** Shape of an emulated host; zero fields take the defaults in brackets. */
struct emu_shape {
	unsigned int nb_cpus;	/**< cpu0..N-1 [4] */
	const char *cpus;	/**< or the present CPU ids: "0-3,8-11" */
	const char *driver;	/**< scaling_driver [acpi-cpufreq] */
	const char *governor;	/**< starting governor [driver default] */
	unsigned int policy_size; /**< consecutive CPUs per policy [1] */
	const char *policies;	/**< or explicit groups: "0-1;2-3" */
	const char *offline;	/**< CPUs offline at start */
	int no_turbo;		/**< no turbo/boost frequency at all */
	const char *hotplug;	/**< "kernel" [default] or "reset" */
	/** More cpufreq_emu.py options, space separated ("--no-hwp"). */
	const char *args;
};

/**
 * Whether the emulator can run here: /dev/fuse, the interpreter and
 * pyfuse3. @return 0, or -ENOTSUP after printing what is missing.
 */
int emu_available(void);

/**
 * Turn this process into one that sees the emulator of @shape: private
 * mount namespace, emulator started, bound over EMU_CPU_DIR. Call while
 * single-threaded (before EAL), as root.
 * @return 0; -EPERM without root; -ENOTSUP if emu_available() fails;
 * other negative errno.
 */
int emu_enter(const struct emu_shape *shape);
/** Same, with cpufreq_emu.py options as given (NULL-terminated). */
int emu_enter_argv(const char *const *opts);

/**
 * Run fn(arg) in a forked child inside a new emulator of @shape.
 * @return fn's result, or TEST_SKIPPED (with the reason printed) when
 * root, /dev/fuse or pyfuse3 is missing.
 */
int emu_run(const struct emu_shape *shape, int (*fn)(void *), void *arg);

/** Whether EMU_CPU_DIR is an emulator here. */
int emu_active(void);

/** The emulator process of this process's emu_enter(), or 0. */
pid_t emu_pid(void);

/**
 * Stop the emulator started by emu_enter() and unmount it: the real
 * EMU_CPU_DIR shows again. @return 0, or -errno.
 */
int emu_stop(void);

/** Initialise EAL on lcores 0-1 (librte_power reaches CPUs 0 and 1
 * through them), refusing the real sysfs. */
int emu_eal_init(void);

/**
 * Read EMU_CPU_DIR/<path> (first line, no newline). @return 0 or the
 * -errno that open() or read() got (-EBUSY, -EACCES, -ENOENT...).
 */
int emu_read(const char *path, char *buf, size_t size);
/** Same, as a number; 0 on success. */
int emu_read_u32(const char *path, unsigned int *val);
/** Read, or "" on error: for assertions. Not reentrant. */
const char *emu_str(const char *path);
/**
 * One write(2) of @text to EMU_CPU_DIR/<path>, as `echo -n` would.
 * @return 0 or the -errno of open() or write() (what the kernel says).
 */
int emu_write(const char *path, const char *text);

/*
 * Per-CPU helpers as in cpufreq_sandbox.h, for tests moving over:
 * EMU_CPU_DIR/cpu<cpu>/<file>.
 */
int emu_cpu_read(unsigned int cpu, const char *file, char *buf, size_t size);
/** A file's number (e.g. kHz), 0 if unreadable: for assertions. */
unsigned int emu_khz(unsigned int cpu, const char *file);
/** The governor a CPU runs, or "" (not reentrant). */
const char *emu_governor(unsigned int cpu);
/** What the kernel says a CPU runs at (scaling_cur_freq), 0 if none. */
unsigned int emu_freq_now(unsigned int cpu);
/** A CPU's scaling_setspeed; 0 when it reads "<unsupported>" (the CPU
 * is not at the userspace governor) or has no cpufreq. */
unsigned int emu_setspeed(unsigned int cpu);

/**
 * The write log since start or the last emu_log_clear(), one line per
 * write: "<path> <value> <result>", value escaped (\n, \\, \xNN, spaces
 * as \x20), result OK or the errno name (EINVAL...); "(open)" as value
 * for a write refused at open. @return length, or -errno.
 */
int emu_log(char *buf, size_t size);
/** Forget the log so far. */
int emu_log_clear(void);
/** Log lines holding @text since the last clear (the sandbox's write
 * count, e.g. "scaling_setspeed"), or -errno. */
int emu_log_count(const char *text);
/** Log lines holding @text since the last clear, then clear: counts
 * the writes of each step in turn. @return the count, or -errno. */
int emu_log_take(const char *text);
/** Send a command to the control file: "clear", "reset". */
int emu_ctl(const char *cmd);

/* Assertions, for test functions (test.h, string.h). */
#define EMU_ASSERT_STR(path, text) TEST_ASSERT_STR(emu_str(path), text)
#define EMU_ASSERT_WRITE(path, text, err) \
	TEST_ASSERT_EQUAL(emu_write(path, text), err, "write %s to %s", \
		text, path)
#define EMU_ASSERT_KHZ(cpu, file, khz) \
	TEST_ASSERT_EQUAL(emu_khz(cpu, file), khz, "cpu %u %s", \
		(unsigned int)(cpu), file)
#define EMU_ASSERT_SPEED(cpu, khz) \
	EMU_ASSERT_KHZ(cpu, "cpufreq/scaling_setspeed", khz)
#define EMU_ASSERT_GOV(cpu, gov) \
	TEST_ASSERT_STR(emu_governor(cpu), gov)
/* The log since the last check equals @text; then it is cleared. */
#define EMU_ASSERT_LOG(text) do {					\
	static char log_[16384];					\
	TEST_ASSERT(emu_log(log_, sizeof(log_)) >= 0, "log");		\
	TEST_ASSERT_STR(log_, text);					\
	TEST_ASSERT_EQUAL(emu_log_clear(), 0, "clear log");		\
} while (0)

#endif /* VMP_CPUFREQ_EMU_H */
