/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_POWER_MANAGER_PRIVATE_H
#define VMP_POWER_MANAGER_PRIVATE_H

/*
 * Shared by the power manager's files only: power_manager.c (votes,
 * arbitration, the public API), power_manager_cores.c (which CPUs, which
 * driver, which backend takes each core), the backends that do the work
 * (power_backend_rte.c: librte_power; power_backend_sysfs.c: vmpower's
 * own, for the CPUs librte_power cannot address), power_freqs.c (the
 * drivers' frequency lists), power_records.c, power_sysfs.c and
 * power_manager_hotplug.c (CPUs that go offline and come back).
 * No lock: one thread at a time uses the manager (see power_manager.h).
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_log.h>
#include "vmp_dpdk_compat.h"

#include "power_manager.h"

extern int vmp_power_logtype;

#define PM_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_power_logtype, \
		"POWER_MGR: " fmt "\n", ##__VA_ARGS__)

/* The fixed paths librte_power uses; discovery must look where it looks. */
#define PM_CPU_DIR	"/sys/devices/system/cpu"

struct pm_policy;
struct power_mgr;

/*
 * How a policy's frequency is set. Both backends give a driver the same
 * frequency list (highest first, turbo at index 0 where the CPU has it)
 * and the same writes, so which one drives a policy is invisible above.
 * The list itself is read without touching anything (pm_driver.freqs);
 * what a policy had before is recorded and restored by
 * power_manager_cores.c around take and release.
 */
struct pm_backend {
	const char *name;
	/* Take @p under control (governor...). @return 0 or -errno (logged,
	 * with nothing left changed). */
	int (*take)(struct power_mgr *pm, struct pm_policy *p);
	/* Write index @idx. @return 0 or a negative errno (not logged). */
	int (*set)(struct pm_policy *p, uint32_t idx);
	/* Let go of @p; the caller then restores what take found. */
	void (*release)(struct power_mgr *pm, struct pm_policy *p);
};

extern const struct pm_backend pm_backend_rte;
extern const struct pm_backend pm_backend_sysfs;

/* A scaling driver the manager knows, and how to drive it itself. */
struct pm_driver {
	const char *opt;		/* --driver's short name */
	const char *name;		/* scaling_driver */
	const char *governor;		/* the one our backend sets */
	/* @p's frequency list, read only. @return 0 or -errno (logged). */
	int (*freqs)(struct pm_policy *p);
	enum power_management_env env;	/* librte_power's */
	/* Index @idx is written as min = max (active mode), not setspeed. */
	int pinned;
};

/* What a policy ran before it was taken: given back when let go. */
struct pm_orig {
	char gov[32];
	uint32_t setspeed;		/* kHz under userspace, 0: none */
	uint32_t min;			/* scaling_min/max_freq */
	uint32_t max;
	char epp[32];			/* energy_performance_preference,
					 * "": none */
};

/*
 * A cpufreq policy: the CPUs the kernel scales as one (related_cpus),
 * written through one of them. It is taken under control when the first
 * vote lands on any of its CPUs, and given back when the last one goes.
 */
struct pm_policy {
	unsigned int cpu;		/* written through: its first CPU */
	unsigned int *cpus;		/* members, ascending */
	unsigned int nb_cpus;
	const struct pm_backend *be;	/* while taken */
	unsigned int lcore;		/* librte_power's id, when be is it */
	uint32_t *freqs;		/* kHz, highest first */
	uint32_t nb_freqs;
	uint32_t top;			/* highest index without turbo */
	uint32_t priority;
	uint32_t turbo_khz;		/* sysfs: what index 0 writes, 0: its
					 * listed value */
	int pinned;			/* min = max, not setspeed */
	int own_list;			/* librte_power's list would differ
					 * (turbo off in the driver) */
	int taken;
	uint32_t cur;			/* index last written while taken */
	struct pm_orig orig;
	/* orig as writes prepared at take, for power_mgr_fault_restore() */
	struct {
		char path[96];
		char val[40];
	} undo[4];
	unsigned int nb_undo;
	int dirty;			/* votes changed since the flush */
	int failed;			/* the last take or write failed */
	uint64_t changes;		/* frequency writes */
	unsigned int nb_online;		/* 0: the kernel's policy is inactive
					 * (EBUSY), never written */
};

struct core {
	enum power_mgr_core_state state;
	unsigned int cpu;
	struct pm_policy *pol;		/* when READY */
	int has_manual;
	struct power_mgr_vote manual;	/* the CLI's vote */
	struct power_mgr_vote *votes;	/* sorted by requester */
	uint32_t nb_votes;
	uint32_t cap_votes;
	uint32_t *hist;			/* votes at each index, nb_freqs */
	int offline;			/* votes kept, not counted */
};

struct power_mgr {
	const char *driver;
	const struct pm_driver *drv;	/* NULL: none known here */
	enum power_management_env env;	/* librte_power's, or NOT_SET */
	struct core *cores;		/* indexed by CPU id */
	unsigned int nb_cpus;
	unsigned int nb_ready;
	struct pm_policy **pols;
	unsigned int nb_pols;
	unsigned int nb_taken;
	int deferred;			/* writes wait for power_mgr_flush() */
	struct pm_policy **dirty;	/* to write at the flush */
	unsigned int nb_dirty;
	char *state_dir;		/* crash records, NULL: none */
	int lock_fd;
	unsigned int *left;		/* CPUs of records a dead instance
					 * left on inactive policies */
	unsigned int nb_left;
	struct cpu_list allowed;	/* --cpus; empty: all (hotplug) */
};

/* No vote: the policy goes back to its own governor. */
#define PM_FREE		UINT32_MAX

/* power_manager.c: the index the votes on @p's CPUs ask for, or PM_FREE. */
uint32_t pm_policy_want(const struct power_mgr *pm, const struct pm_policy *p);
/* Write @p at the flush, or now when not deferred. @return as apply. */
int pm_policy_changed(struct power_mgr *pm, struct pm_policy *p);

/* power_manager_cores.c */
/*
 * Find the CPUs and their policies, pick the driver (@conf->driver), read
 * each policy's frequencies, give back what a crashed instance left in
 * @conf->state_dir. Touches no core of its own. On error the caller
 * destroys @pm.
 */
int pm_cores_init(struct power_mgr *pm, const struct power_mgr_conf *conf);
/* Give every taken policy back, unset the driver, free what init took. */
void pm_cores_exit(struct power_mgr *pm);
/*
 * Bring @p to what its votes want: take it and write, write, or give it
 * back. @return 1 if something was written, 0, or -EIO (logged).
 */
int pm_policy_apply(struct power_mgr *pm, struct pm_policy *p);
/* The index @p runs now: cur when taken, else read from sysfs. */
uint32_t pm_policy_now(const struct pm_policy *p);

/* Build the policy of @cpu (state FAILED until its frequencies are read)
 * with the other CPUs of it not in one yet. @return 0 or -ENOMEM. */
int pm_policy_add(struct power_mgr *pm, unsigned int cpu);

/* power_manager_hotplug.c */
/* Mark the CPUs PM_CPU_DIR/online does not list offline (all online if
 * it cannot be read), keep @allowed (--cpus, NULL: all) for CPUs found
 * later. Before any policy is built. @return 0 or -ENOMEM. */
int pm_online_init(struct power_mgr *pm, const struct cpu_list *allowed);
/* Count @p's online CPUs and write it through one of them. */
void pm_policy_home(struct power_mgr *pm, struct pm_policy *p);
/* At exit, @p taken: 0 to give it back, 1 if it cannot be (all offline:
 * its crash record stays for the next start). */
int pm_policy_offline_exit(struct power_mgr *pm, struct pm_policy *p);
/* power_manager_cores.c, for hotplug: give @p back now. */
void pm_policy_give_back(struct power_mgr *pm, struct pm_policy *p);
/* The fault handler's writes again, through p->cpu as it is now. */
void pm_policy_undo(struct pm_policy *p);

/* power_sysfs.c: files under PM_CPU_DIR/cpu<cpu>/. */
/* The first line of the file, without newline; "" when unreadable. */
char *pm_attr_read(unsigned int cpu, const char *file, char *buf,
	size_t size);
char *pm_path_read(const char *path, char *buf, size_t size);
/* @return 0 or the negative errno the kernel gave. */
int pm_attr_write(unsigned int cpu, const char *file, const char *text);
/* kHz, or 0 if absent or not a number (setspeed's "<unsupported>"). */
uint32_t pm_read_khz(unsigned int cpu, const char *file);
int pm_write_khz(unsigned int cpu, const char *file, uint32_t khz);
char *pm_governor_read(unsigned int cpu, char *buf, size_t size);

/* power_freqs.c: each driver's frequency list, as librte_power's. */
int pm_freqs_acpi(struct pm_policy *p);
int pm_freqs_pstate(struct pm_policy *p);
int pm_freqs_cppc(struct pm_policy *p);
int pm_freqs_amd(struct pm_policy *p);

/* power_records.c: crash records of taken policies, in conf->state_dir. */
/* Lock the directory (one daemon a host) unless @locked (the caller
 * holds it), give back what a dead instance left. @return 0, -EBUSY
 * (another one runs: logged), -errno. */
int pm_records_open(struct power_mgr *pm, const char *dir, int locked);
/* Before the first write to @p: what to give back. @return 0 or -errno. */
int pm_record_save(struct power_mgr *pm, const struct pm_policy *p);
/* @p given back: forget it. */
void pm_record_drop(struct power_mgr *pm, const struct pm_policy *p);
void pm_records_close(struct power_mgr *pm);
/*
 * @cpu is online again, in the policy of the CPUs @rel (NULL: unknown):
 * give back what a dead instance left on that policy, which was inactive
 * at start. Before anything reads or takes the policy. Logged.
 */
void pm_records_retry(struct power_mgr *pm, unsigned int cpu,
	const struct cpu_list *rel);
/* Write @o back to the policy of @cpu (pinned: min/max; setspeed). */
int pm_orig_restore(unsigned int cpu, const struct pm_orig *o, int pinned);
/* Its first step alone: the frequency, if the governor is still
 * userspace and it differs; a backend's release may change the governor
 * afterwards. */
int pm_orig_restore_speed(unsigned int cpu, const struct pm_orig *o);

#endif /* VMP_POWER_MANAGER_PRIVATE_H */
