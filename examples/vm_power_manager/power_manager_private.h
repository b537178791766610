/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_POWER_MANAGER_PRIVATE_H
#define VMP_POWER_MANAGER_PRIVATE_H

/*
 * Shared by the power manager's two files only: power_manager.c (votes,
 * arbitration, the public API) and power_manager_cores.c (librte_power
 * and sysfs: which CPUs, which driver, per-core init, writes, restore).
 * No lock: one thread at a time uses the manager (see power_manager.h).
 */

#include <stdint.h>

#include <rte_log.h>
#include "vmp_dpdk_compat.h"

#include "power_manager.h"

extern int vmp_power_logtype;

#define PM_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_power_logtype, \
		"POWER_MGR: " fmt "\n", ##__VA_ARGS__)

struct core {
	enum power_mgr_core_state state;
	unsigned int cpu;
	unsigned int lcore;
	uint32_t *freqs;		/* kHz, highest first */
	uint32_t nb_freqs;
	uint32_t top;			/* highest index without turbo */
	uint32_t priority;
	uint32_t cur;			/* index last set */
	int32_t orig_idx;		/* frequency found at create, -1: none */
	uint32_t orig_min;		/* intel_pstate limits found, 0: none */
	uint32_t orig_max;
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
	enum power_management_env env;
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

#endif /* VMP_POWER_MANAGER_PRIVATE_H */
