/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * vmpower's own cpufreq backend, for every core librte_power cannot
 * address on the running release: CPUs of no lcore of this process (all
 * but the daemon's own since 24.11), ids past RTE_MAX_LCORE, hosts whose
 * cpu0 has no cpufreq. It gives each driver librte_power's semantics --
 * the same frequency list, turbo and priority rules, governor and writes
 * -- so a core answers the same whichever backend drives it (test
 * power_backends_agree). The lists themselves are power_freqs.c's.
 */

#include <string.h>

#include <rte_common.h>

#include "power_manager_private.h"

static uint32_t
written_khz(const struct pm_policy *p, uint32_t idx)
{
	return idx == 0 && p->turbo_khz != 0 ? p->turbo_khz : p->freqs[idx];
}

static int
sysfs_take(struct power_mgr *pm, struct pm_policy *p)
{
	int ret;

	/* As librte_power: a governor already in place is not rewritten. */
	if (strcmp(p->orig.gov, pm->drv->governor) == 0)
		return 0;
	ret = pm_attr_write(p->cpu, "cpufreq/scaling_governor",
		pm->drv->governor);
	if (ret < 0)
		PM_LOG(ERR, "cpu %u: governor %s refused: %s", p->cpu,
			pm->drv->governor, strerror(-ret));
	return ret;
}

static int
sysfs_set(struct pm_policy *p, uint32_t idx)
{
	uint32_t khz = written_khz(p, idx);
	int ret;

	if (!p->pinned)		/* the userspace governor's setspeed */
		return pm_write_khz(p->cpu, "cpufreq/scaling_setspeed", khz);
	/* min <= max at every step: raise max first, or lower min first. */
	if (khz >= pm_read_khz(p->cpu, "cpufreq/scaling_min_freq")) {
		ret = pm_write_khz(p->cpu, "cpufreq/scaling_max_freq", khz);
		return ret < 0 ? ret :
			pm_write_khz(p->cpu, "cpufreq/scaling_min_freq", khz);
	}
	ret = pm_write_khz(p->cpu, "cpufreq/scaling_min_freq", khz);
	return ret < 0 ? ret :
		pm_write_khz(p->cpu, "cpufreq/scaling_max_freq", khz);
}

/* The governor and limits are the caller's to give back. */
static void
sysfs_release(struct power_mgr *pm, struct pm_policy *p)
{
	RTE_SET_USED(pm);
	RTE_SET_USED(p);
}

const struct pm_backend pm_backend_sysfs = {
	.name = "vmpower sysfs",
	.take = sysfs_take,
	.set = sysfs_set,
	.release = sysfs_release,
};
