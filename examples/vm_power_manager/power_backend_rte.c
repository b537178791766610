/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The librte_power backend: a core that librte_power can address on the
 * running release (vmp_compat_power_lcore()) is driven through its
 * cpufreq API, with the environment power_manager_cores.c set.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "power_manager_private.h"

static int
rte_take(struct power_mgr *pm, struct core *c)
{
	uint32_t buf[RTE_MAX_LCORE_FREQS];	/* librte_power's bound */
	struct rte_power_core_capabilities caps = { 0 };
	char gov[32], now[32];
	uint32_t orig = 0, i;

	if (pm->env == PM_ENV_NOT_SET ||
			vmp_compat_power_lcore(c->cpu, &c->lcore) < 0)
		return -ENXIO;		/* not ours to say: the caller's */
	/* What to restore, read before librte_power moves the core. */
	c->pinned = pm->drv->pinned;
	if (c->pinned) {
		c->orig_min = pm_read_khz(c->cpu, "cpufreq/scaling_min_freq");
		c->orig_max = pm_read_khz(c->cpu, "cpufreq/scaling_max_freq");
	} else {
		orig = pm_read_khz(c->cpu, "cpufreq/scaling_setspeed");
	}
	pm_governor_read(c->cpu, gov, sizeof(gov));
	if (rte_power_init(c->lcore) < 0) {
		PM_LOG(ERR, "cpu %u: librte_power cannot control it (see its log)",
			c->cpu);
		/* A failed init may have switched the governor already. */
		pm_governor_read(c->cpu, now, sizeof(now));
		if (gov[0] != '\0' && strcmp(gov, now) != 0 &&
				pm_attr_write(c->cpu, "cpufreq/scaling_governor",
					gov) < 0)
			PM_LOG(ERR, "cpu %u: cannot give governor %s back",
				c->cpu, gov);
		return -EIO;
	}
	c->nb_freqs = rte_power_freqs(c->lcore, buf, RTE_DIM(buf));
	c->freqs = malloc(RTE_MAX(c->nb_freqs, 1u) * sizeof(*c->freqs));
	if (c->nb_freqs == 0 || c->freqs == NULL) {
		PM_LOG(ERR, "cpu %u: %s", c->cpu, c->freqs == NULL ?
			"out of memory" : "librte_power lists no frequency");
		free(c->freqs);
		c->freqs = NULL;
		rte_power_exit(c->lcore);
		return -EIO;
	}
	memcpy(c->freqs, buf, c->nb_freqs * sizeof(*c->freqs));
	if (rte_power_get_capabilities(c->lcore, &caps) < 0)
		caps.capabilities = 0;
	c->top = caps.turbo && c->nb_freqs > 1;
	c->priority = caps.priority;
	/* Turbo is our policy's; librte_power must just let index 0 pass. */
	if (c->top && rte_power_turbo_status(c->lcore) != 1 &&
			rte_power_freq_enable_turbo(c->lcore) < 0)
		c->top = 0;
	c->cur = rte_power_get_freq(c->lcore);
	c->orig_idx = -1;
	for (i = 0; i < c->nb_freqs; i++)
		if (c->freqs[i] == orig)
			c->orig_idx = i;
	return 0;
}

static int
rte_set(struct core *c, uint32_t idx)
{
	return (int)rte_power_set_freq(c->lcore, idx) < 0 ? -EIO : 0;
}

static void
rte_give_back(struct power_mgr *pm, struct core *c)
{
	if (c->orig_idx >= 0 && (uint32_t)c->orig_idx != c->cur &&
			rte_set(c, c->orig_idx) < 0)
		PM_LOG(ERR, "cpu %u: cannot restore %u kHz", c->cpu,
			c->freqs[c->orig_idx]);
	if (rte_power_exit(c->lcore) < 0)
		PM_LOG(ERR, "cpu %u: librte_power cannot restore its governor",
			c->cpu);
	/* intel_pstate's exit leaves min = max: the core would stay pinned. */
	RTE_SET_USED(pm);
	if (c->pinned && c->orig_min != 0 && c->orig_max != 0 &&
			(pm_write_khz(c->cpu, "cpufreq/scaling_max_freq",
				c->orig_max) < 0 ||
			pm_write_khz(c->cpu, "cpufreq/scaling_min_freq",
				c->orig_min) < 0))
		PM_LOG(ERR, "cpu %u: cannot restore its frequency limits",
			c->cpu);
}

const struct pm_backend pm_backend_rte = {
	.name = "librte_power",
	.take = rte_take,
	.set = rte_set,
	.give_back = rte_give_back,
};
