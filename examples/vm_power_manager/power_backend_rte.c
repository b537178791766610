/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The librte_power backend: a policy written through a CPU that
 * librte_power can address on the running release
 * (vmp_compat_power_lcore()) is driven through its cpufreq API, in the
 * environment power_manager_cores.c set. It must list the frequencies
 * the manager read for the policy; if it does not, the sysfs backend
 * takes the policy instead.
 */

#include <errno.h>
#include <string.h>

#include <rte_common.h>

#include "power_manager_private.h"

static int
rte_take(struct power_mgr *pm, struct pm_policy *p)
{
	uint32_t buf[RTE_MAX_LCORE_FREQS];	/* librte_power's bound */
	struct rte_power_core_capabilities caps = { 0 };
	char now[32];
	uint32_t n;

	if (pm->env == PM_ENV_NOT_SET || p->own_list ||
			vmp_compat_power_lcore(p->cpu, &p->lcore) < 0)
		return -ENXIO;		/* not in reach: the caller's to say */
	if (rte_power_init(p->lcore) < 0) {
		PM_LOG(ERR, "cpu %u: librte_power cannot control it (see its log): vmpower's backend takes it",
			p->cpu);
		goto undo;
	}
	n = rte_power_freqs(p->lcore, buf, RTE_DIM(buf));
	if (n != p->nb_freqs ||
			memcmp(buf, p->freqs, n * sizeof(*buf)) != 0) {
		PM_LOG(ERR, "cpu %u: librte_power lists other frequencies than sysfs: vmpower's backend takes it",
			p->cpu);
		rte_power_exit(p->lcore);
		goto undo;
	}
	/* Turbo is our policy's; librte_power must just let index 0 pass. */
	if (p->top && rte_power_get_capabilities(p->lcore, &caps) == 0 &&
			caps.turbo && rte_power_turbo_status(p->lcore) != 1 &&
			rte_power_freq_enable_turbo(p->lcore) < 0) {
		rte_power_exit(p->lcore);
		goto undo;
	}
	return 0;
undo:
	/* A failed init may have switched the governor already. */
	pm_governor_read(p->cpu, now, sizeof(now));
	if (strcmp(p->orig.gov, now) != 0 &&
			pm_attr_write(p->cpu, "cpufreq/scaling_governor",
				p->orig.gov) < 0)
		PM_LOG(ERR, "cpu %u: cannot give governor %s back", p->cpu,
			p->orig.gov);
	return -EIO;
}

static int
rte_set(struct pm_policy *p, uint32_t idx)
{
	return (int)rte_power_set_freq(p->lcore, idx) < 0 ? -EIO : 0;
}

/* librte_power's exit gives the governor back; limits are the caller's. */
static void
rte_release(struct power_mgr *pm, struct pm_policy *p)
{
	RTE_SET_USED(pm);
	if (rte_power_exit(p->lcore) < 0)
		PM_LOG(ERR, "cpu %u: librte_power cannot restore its governor",
			p->cpu);
}

const struct pm_backend pm_backend_rte = {
	.name = "librte_power",
	.take = rte_take,
	.set = rte_set,
	.release = rte_release,
};
