/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_POWER_MANAGER_H
#define VMP_POWER_MANAGER_H

/**
 * @file
 * The host power manager: the only code in vm_power_mgr that changes a
 * physical CPU's frequency. The channel monitor and the CLI call it; it
 * drives each core through one of two backends (power_manager_private.h):
 * librte_power for the CPUs of this process's lcores, vmpower's own sysfs
 * backend, with librte_power's semantics, for every other CPU. Which one
 * is invisible to callers but for power_mgr_core_info()'s backend name.
 *
 * Cores. Every CPU under /sys/devices/system/cpu that has a cpufreq
 * directory is taken under control at power_mgr_create(), not only EAL's
 * lcores, on every DPDK release and for any -l/--lcores spelling. EAL
 * must be initialised first (librte_power needs it for the lcores it
 * drives). A CPU without cpufreq, or which its backend fails to take, is
 * logged once at create and its requests fail with -ENODEV (the channel
 * monitor NACKs them); a host with no cpufreq at all still gets a working
 * manager that controls nothing.
 *
 * Driver. conf->driver names one (acpi, pstate, pstate-passive, cppc,
 * amd, amd-epp, or a scaling_driver name: acpi-cpufreq, intel_pstate,
 * intel_cpufreq, cppc_cpufreq, amd-pstate, amd-pstate-epp); "auto" or
 * NULL takes the scaling_driver of the first CPU with cpufreq.
 * librte_power's own auto-detection is never
 * used: it ends by trying the KVM guest backend, which has no place on a
 * host. Without librte_power's driver for it (none registered), the sysfs
 * backend drives every core.
 *
 * Frequencies are indexes into the core's list as librte_power gives it:
 * highest first. With turbo, index 0 is the turbo frequency (acpi lists it
 * 1000 kHz above the next; intel_pstate and cppc add it on top) and index
 * 1 the highest without turbo (amd-pstate: several steps above nominal,
 * the first at or below it); otherwise index 0 is the highest. Turbo off
 * in the driver (boost, no_turbo) means no turbo step: it is never
 * switched on.
 *
 * Policy. Each requester -- a VM's vCPU (POWER_MGR_VCPU()) or the CLI
 * (POWER_MGR_CLI) -- has at most one vote per CPU: a frequency index and
 * whether it allows turbo (off until it asks for turbo).
 * - A CPU runs at the highest frequency any current vote asks for, so a
 *   shared core never runs slower than one of its users wants
 *   (performance-safe). With no vote it runs at the highest frequency
 *   without turbo.
 * - The CLI's vote is a manual setting: while set it alone decides, votes
 *   are still kept and updated; power_mgr_release() of POWER_MGR_CLI
 *   clears it and the votes decide again.
 * - UP/DOWN move the requester's own vote one step, starting from the
 *   CPU's current frequency when it has none; they stop at the ends of the
 *   list, and UP stops below turbo unless that vote allows turbo.
 * - MAX is index 0 when the vote allows turbo, else the highest non-turbo;
 *   MIN the lowest; INDEX an explicit index (turbo's needs TURBO_ON).
 * - TURBO_ON (CPU must have turbo) lets the vote use turbo and moves it to
 *   the turbo frequency, as librte_power's enable does. TURBO_OFF forbids
 *   it again and moves a vote off turbo; without a vote it changes nothing.
 * - power_mgr_drop() removes the votes of a requester, or of a whole VM
 *   (POWER_MGR_VM_MASK), when it goes away; the CPUs are re-evaluated.
 * - A frequency is written (rte_power_set_freq(), one sysfs write) only
 *   when a CPU's effective index changes; a request that leaves it
 *   unchanged touches nothing. librte_power's own turbo flag is switched
 *   on once at create, so index 0 is always reachable through set_freq.
 *
 * Requests on a CPU set (struct cpu_list) are all-or-nothing for
 * validation: if any CPU in the set is not controllable or cannot take
 * the request, nothing changes.
 *
 * Batches. Between power_mgr_defer() and power_mgr_flush() requests are
 * validated and change votes at once, but frequencies are written at the
 * flush, once per CPU, for its final value: a burst that ends where it
 * began writes nothing.
 *
 * Restore. power_mgr_destroy() puts each core back: the frequency it had
 * at create (when it had a fixed one: scaling_setspeed held a listed
 * value), then rte_power_exit(), which restores the governor; for
 * intel_pstate, whose exit leaves scaling_min/max_freq pinned, the
 * original limits are written back. A core whose rte_power_init() fails
 * gets back the governor that failed init switched. create registers an
 * atexit() handler that destroys a manager still alive, so exit(), return
 * from main and rte_exit() after init restore too. The daemon blocks SIGINT and SIGTERM
 * before EAL starts its threads, takes them in its loop (sigwait,
 * signalfd) and exits normally; only SIGKILL or a crash leaves the cores
 * as they are.
 *
 * Hotplug. power_mgr_cpu_online() tells the manager that a CPU went
 * offline or came back (cpu_hotplug.c watches the kernel's uevents). An
 * offline CPU is dropped from control, its votes kept: requests for it
 * are still validated and recorded (0, so the monitor ACKs them), count
 * for nothing while it is offline, and decide again when it returns.
 * Nothing is ever written to a policy none of whose CPUs is online (the
 * kernel refuses with EBUSY); a policy with other CPUs online goes on
 * through one of them, at the highest vote of those. When a policy's
 * first CPU returns, the manager reads what the kernel restarted it
 * with: its own governor and frequency kept (current kernels), or the
 * kernel's defaults (the policy was freed), which are then what the
 * policy had before it is taken again -- the originals to give back.
 * A CPU whose policy could not be read at create (offline with all of
 * it) is found when it comes online; until then its requests fail
 * with -ENODEV. A policy still offline at destroy cannot be written:
 * its crash record stays for the next start; if the policy is offline
 * then too, it is given back when one of its CPUs comes online.
 *
 * One manager per process (librte_power's state is process-wide). It has
 * no lock: callers must use it from one thread at a time -- in the daemon,
 * the channel monitor's loop, to which other threads hand their work with
 * monitor_call(). The atexit() restore runs once that loop has stopped.
 */

#include <stdint.h>

#include "cpu_list.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Requester id of the CLI, whose vote is the manual setting. */
#define POWER_MGR_CLI		UINT64_MAX
/** Requester id of vCPU @vcpu of VM @vm (@vm below UINT32_MAX). */
#define POWER_MGR_VCPU(vm, vcpu) \
	(((uint64_t)(uint32_t)(vm) << 32) | (uint32_t)(vcpu))
/** power_mgr_drop() mask: every vCPU of one VM. */
#define POWER_MGR_VM_MASK	UINT64_C(0xffffffff00000000)
/** power_mgr_drop() mask: exactly one requester. */
#define POWER_MGR_ONE_MASK	UINT64_MAX

enum power_mgr_op {
	POWER_MGR_UP,
	POWER_MGR_DOWN,
	POWER_MGR_MIN,
	POWER_MGR_MAX,
	POWER_MGR_TURBO_ON,
	POWER_MGR_TURBO_OFF,
	POWER_MGR_INDEX,	/**< the request's index argument */
};

enum power_mgr_core_state {
	POWER_MGR_CORE_NONE,		/**< no such CPU in sysfs */
	POWER_MGR_CORE_READY,		/**< under control */
	POWER_MGR_CORE_NO_CPUFREQ,	/**< no cpufreq directory */
	POWER_MGR_CORE_FAILED,		/**< its frequencies are unknown */
	POWER_MGR_CORE_EXCLUDED,	/**< outside power_mgr_conf.cpus */
};

struct power_mgr_conf {
	/** acpi, pstate, cppc... or a scaling_driver name; NULL or
	 * "auto": see the file comment. */
	const char *driver;
	/** The only CPUs the manager may ever touch; NULL: all. */
	const struct cpu_list *cpus;
	/** Where crash records live (one manager a directory, locked);
	 * NULL: none kept. */
	const char *state_dir;
	/** The caller holds @p state_dir's lock already
	 * (power_mgr_lock_state()); the manager does not take it. */
	int state_locked;
};

struct power_mgr_core_info {
	enum power_mgr_core_state state;
	int controlled;			/**< its policy is taken, else free */
	unsigned int lcore;		/**< librte_power's id for it */
	const char *backend;		/**< who drives it while controlled */
	const unsigned int *siblings;	/**< its policy's CPUs, itself too */
	unsigned int nb_siblings;
	uint32_t nb_freqs;
	uint32_t cur_idx;		/**< written, or read when free */
	uint32_t cur_khz;
	uint32_t turbo;			/**< has a turbo frequency */
	uint32_t priority;		/**< SST-BF high-priority core */
	int32_t manual_idx;		/**< the CLI's setting, -1: none */
	uint32_t nb_votes;		/**< not counting the CLI */
	uint64_t changes;		/**< frequency writes since create */
	int offline;			/**< votes kept, applied when back */
};

/** One requester's wish on one CPU. */
struct power_mgr_vote {
	uint64_t requester;
	uint32_t idx;			/**< frequency index */
	uint32_t turbo;			/**< this vote allows turbo */
};

struct power_mgr;

/**
 * Take every cpufreq CPU under control. EAL must be initialised.
 * @return 0 and *pm, -EINVAL (bad conf, no EAL), -EBUSY (a manager or
 * another user of librte_power exists), -ENOMEM, -EIO.
 */
int power_mgr_create(const struct power_mgr_conf *conf,
	struct power_mgr **pm);

/**
 * Take the one-daemon lock of state directory @p dir (created, mode 0700,
 * if missing): a daemon takes it before anything else, EAL included, so
 * that a second one touches nothing shared. Keep the fd open for the
 * daemon's life; the lock goes with it.
 * @return the lock's fd, -EBUSY (another daemon holds it: logged, with
 *   its pid) or another negative errno (logged).
 */
int power_mgr_lock_state(const char *dir);

/**
 * From a fault handler: give every taken policy back as it was found,
 * best effort, with async-signal-safe calls only (open, write, close of
 * writes prepared when each was taken). Nothing is freed; the crash
 * records stay for the next start.
 */
void power_mgr_fault_restore(void);

/** Restore every core and free @pm; NULL and repeated calls are no-ops. */
void power_mgr_destroy(struct power_mgr *pm);

/** The scaling driver in use ("acpi-cpufreq"...), "none" without one. */
const char *power_mgr_driver(const struct power_mgr *pm);
/** CPU ids run from 0 to this minus one. */
unsigned int power_mgr_nb_cpus(const struct power_mgr *pm);
/** CPUs under control. */
unsigned int power_mgr_nb_ready(const struct power_mgr *pm);
const char *power_mgr_core_state_str(enum power_mgr_core_state state);

/**
 * Apply @op for @requester on @cpu (@index is used by POWER_MGR_INDEX).
 * @return 0 (also when nothing had to change), -ENODEV (not controllable),
 * -ENOTSUP (turbo on a core without), -EINVAL (bad op or index), -ENOMEM,
 * -EIO (librte_power could not write: logged; the vote stands and the
 * write is retried at the next change).
 */
int power_mgr_request(struct power_mgr *pm, uint64_t requester,
	unsigned int cpu, enum power_mgr_op op, uint32_t index);

/** The same on every CPU of @cpus. */
int power_mgr_request_set(struct power_mgr *pm, uint64_t requester,
	const struct cpu_list *cpus, enum power_mgr_op op, uint32_t index);

/** Hold frequency writes back until power_mgr_flush(). */
void power_mgr_defer(struct power_mgr *pm);

/**
 * Write each CPU whose frequency changed since power_mgr_defer(), once,
 * and stop deferring. @return how many CPUs were written, or -EIO if one
 * could not be (logged; its votes stand, the write is retried at the next
 * change).
 */
int power_mgr_flush(struct power_mgr *pm);

/**
 * Whether @cpu's policy took its last write: 0, or -EIO when the last
 * write to it failed (its votes stand; the write is retried at the next
 * change), -ENODEV when it is not controllable.
 */
int power_mgr_cpu_written(const struct power_mgr *pm, unsigned int cpu);

/** Remove @requester's vote on @cpu (for the CLI: clear the setting). */
int power_mgr_release(struct power_mgr *pm, uint64_t requester,
	unsigned int cpu);

/**
 * Remove every vote whose requester matches @requester under @mask, on
 * every CPU, and re-evaluate those CPUs. @return votes removed, or -EIO
 * (a CPU could not be set: logged; the votes stay removed).
 */
int power_mgr_drop(struct power_mgr *pm, uint64_t requester, uint64_t mask);

/**
 * @cpu went offline (@online 0) or came back (1): see Hotplug above.
 * Telling the state it has already changes nothing. Writes wait for
 * power_mgr_flush() when deferred. @return 1 if the state changed, 0,
 * -ENODEV (no such CPU at create), -EIO (a write failed: logged).
 */
int power_mgr_cpu_online(struct power_mgr *pm, unsigned int cpu, int online);

/**
 * After hotplug events were lost: @online holds every online CPU. Each
 * CPU is told as by power_mgr_cpu_online(), and each taken policy is
 * checked as on a return (its CPU may have gone and come back unseen).
 * @return CPUs whose state changed, or -EIO.
 */
int power_mgr_cpus_online(struct power_mgr *pm,
	const struct cpu_list *online);

/** State, frequency and capabilities of @cpu; -ENODEV past the end. */
int power_mgr_core_info(struct power_mgr *pm, unsigned int cpu,
	struct power_mgr_core_info *info);

/**
 * Copy up to @n frequencies (kHz, highest first) of @cpu into @khz.
 * @return how many the CPU has (may exceed @n), or -ENODEV.
 */
int power_mgr_freqs(struct power_mgr *pm, unsigned int cpu, uint32_t *khz,
	unsigned int n);

/**
 * Copy up to @n votes on @cpu, the CLI's first if it has one.
 * @return how many there are (may exceed @n), or -ENODEV.
 */
int power_mgr_votes(struct power_mgr *pm, unsigned int cpu,
	struct power_mgr_vote *votes, unsigned int n);

#ifdef __cplusplus
}
#endif

#endif /* VMP_POWER_MANAGER_H */
