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
 * own, for the CPUs librte_power cannot address) and power_sysfs.c.
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

struct core;
struct power_mgr;

/*
 * How a core's frequency is set. Both backends give a driver the same
 * frequency list (highest first, turbo at index 0 where the CPU has it)
 * and the same writes, so which one drives a core is invisible above.
 */
struct pm_backend {
	const char *name;
	/*
	 * Take @c under control: fill freqs, nb_freqs, top, priority and
	 * cur (VMP_POWER_INVALID_INDEX when unknown), and remember what
	 * give_back restores. @return 0, or a negative errno (logged,
	 * with nothing left changed).
	 */
	int (*take)(struct power_mgr *pm, struct core *c);
	/* Write index @idx. @return 0 or a negative errno (not logged). */
	int (*set)(struct core *c, uint32_t idx);
	/* Restore what take found; failures are logged. */
	void (*give_back)(struct power_mgr *pm, struct core *c);
};

extern const struct pm_backend pm_backend_rte;
extern const struct pm_backend pm_backend_sysfs;

/* A scaling driver the manager knows, and how to drive it itself. */
struct pm_driver {
	const char *opt;		/* --driver's short name */
	const char *name;		/* scaling_driver */
	enum power_management_env env;	/* librte_power's */
	const char *governor;		/* the one our backend sets */
	/* Our backend's frequency list for @c. @return 0 or -errno. */
	int (*freqs)(struct core *c);
	/* Index @idx is written as min = max (active mode), not setspeed. */
	int pinned;
};

struct core {
	enum power_mgr_core_state state;
	unsigned int cpu;
	unsigned int lcore;
	const struct pm_backend *be;	/* who drives it, when READY */
	uint32_t *freqs;		/* kHz, highest first */
	uint32_t nb_freqs;
	uint32_t top;			/* highest index without turbo */
	uint32_t priority;
	uint32_t cur;			/* index last set */
	int32_t orig_idx;		/* frequency found at create, -1: none */
	uint32_t orig_min;		/* intel_pstate limits found, 0: none */
	uint32_t orig_max;
	uint32_t turbo_khz;		/* sysfs: what index 0 writes */
	int pinned;			/* sysfs: min = max, not setspeed */
	char orig_gov[32];		/* sysfs: governor found */
	int has_manual;
	struct power_mgr_vote manual;	/* the CLI's vote */
	struct power_mgr_vote *votes;	/* sorted by requester */
	uint32_t nb_votes;
	uint32_t cap_votes;
	uint32_t *hist;			/* votes at each index, nb_freqs */
	int dirty;			/* votes changed since the flush */
	uint64_t changes;
};

struct power_mgr {
	const char *driver;
	const struct pm_driver *drv;	/* NULL: none known here */
	enum power_management_env env;	/* librte_power's, or NOT_SET */
	struct core *cores;		/* indexed by CPU id */
	unsigned int nb_cpus;
	unsigned int nb_ready;
	int deferred;			/* writes wait for power_mgr_flush() */
	unsigned int *dirty;		/* CPUs to write at the flush */
	unsigned int nb_dirty;
};

/* power_manager.c: the index the votes on @c ask for. */
uint32_t pm_effective_idx(const struct core *c);

/* power_manager_cores.c */
/*
 * Find the CPUs, pick and set the driver (@driver as in the conf), take
 * every cpufreq core under control. On error the caller destroys @pm.
 */
int pm_cores_init(struct power_mgr *pm, const char *driver);
/* Give every ready core back, unset the driver, free what init took. */
void pm_cores_exit(struct power_mgr *pm);
/* Write index @idx to @c unless it runs it. @return 1 if written. */
int pm_core_set_freq(struct core *c, uint32_t idx);

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

/* power_backend_sysfs.c: each driver's frequency list, as librte_power's. */
int pm_freqs_acpi(struct core *c);
int pm_freqs_pstate(struct core *c);
int pm_freqs_cppc(struct core *c);

#endif /* VMP_POWER_MANAGER_PRIVATE_H */
