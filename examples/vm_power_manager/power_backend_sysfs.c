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
 * power_backends_agree). The list builders are the drivers' table in
 * power_manager_cores.c; this file takes, writes and gives back.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "power_manager_private.h"

#define STEP_KHZ	100000		/* librte_power's bus step */
#define CPPC_UNIT	10000		/* acpi_cppc perf unit, kHz */

/* At most this many steps: librte_power's bound, and a sane one. */
#define MAX_FREQS	RTE_MAX_LCORE_FREQS

static int
alloc_freqs(struct core *c, uint32_t n)
{
	if (n == 0 || n > MAX_FREQS) {
		PM_LOG(ERR, "cpu %u: %u frequencies: cannot drive it", c->cpu,
			n);
		return -EINVAL;
	}
	c->freqs = calloc(n, sizeof(*c->freqs));
	if (c->freqs == NULL)
		return -ENOMEM;
	c->nb_freqs = n;
	return 0;
}

/* @top (turbo: @turbo_khz listed first), then 100 MHz steps to @lo. */
static int
steps(struct core *c, uint32_t top, uint32_t lo, uint32_t turbo_khz,
	uint32_t turbo_listed)
{
	uint32_t i, n, t = turbo_khz != 0;
	int ret;

	if (top < lo) {
		PM_LOG(ERR, "cpu %u: highest frequency %u below lowest %u kHz",
			c->cpu, top, lo);
		return -EINVAL;
	}
	n = (top - lo) / STEP_KHZ + 1 + t;
	ret = alloc_freqs(c, n);
	if (ret < 0)
		return ret;
	if (t)
		c->freqs[0] = turbo_listed;
	for (i = t; i < n; i++)
		c->freqs[i] = top - (i - t) * STEP_KHZ;
	c->top = t;
	c->turbo_khz = turbo_khz;
	return 0;
}

/* acpi-cpufreq: the driver's own list; turbo is listed 1 MHz above. */
int
pm_freqs_acpi(struct core *c)
{
	char buf[1024], *p = buf, *end;
	uint32_t f[MAX_FREQS], n = 0;
	int ret;

	pm_attr_read(c->cpu, "cpufreq/scaling_available_frequencies", buf,
		sizeof(buf));
	while (n < MAX_FREQS) {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || v == 0 || v > UINT32_MAX)
			break;
		f[n++] = v;
		p = end;
	}
	ret = alloc_freqs(c, n);
	if (ret < 0)
		return ret;
	memcpy(c->freqs, f, n * sizeof(*f));
	c->top = n > 1 && f[0] == f[1] + 1000;
	return 0;
}

/*
 * intel_pstate: cpuinfo_min_freq up to the highest non-turbo frequency
 * (from intel_pstate/turbo_pct, or base_frequency on an SST-BF priority
 * core) in 100 MHz steps; turbo listed as that + 1 kHz, written as
 * cpuinfo_max_freq.
 */
int
pm_freqs_pstate(struct core *c)
{
	uint32_t lo = pm_read_khz(c->cpu, "cpufreq/cpuinfo_min_freq");
	uint32_t hi = pm_read_khz(c->cpu, "cpufreq/cpuinfo_max_freq");
	uint32_t base = pm_read_khz(c->cpu, "cpufreq/base_frequency");
	uint32_t lo_b = lo / STEP_KHZ, hi_b = hi / STEP_KHZ, base_b;
	uint32_t pct, non_turbo, top;
	char buf[16];

	base_b = base / STEP_KHZ;
	pm_path_read(PM_CPU_DIR "/intel_pstate/turbo_pct", buf, sizeof(buf));
	if (lo == 0 || hi == 0 || buf[0] == '\0') {
		PM_LOG(ERR, "cpu %u: intel_pstate without cpuinfo limits or turbo_pct",
			c->cpu);
		return -ENODEV;
	}
	pct = RTE_MIN(strtoul(buf, NULL, 10), 100ul);
	non_turbo = lo_b + (100 - pct) * (hi_b - lo_b) / 100;
	c->priority = base_b <= hi_b && base_b > non_turbo;
	top = (c->priority ? base_b : non_turbo) * STEP_KHZ;
	if (top < hi)
		return steps(c, top, lo, hi, top + 1);
	return steps(c, RTE_MIN(top, hi), lo, 0, 0);
}

/*
 * cppc_cpufreq: the nominal frequency (acpi_cppc/nominal_perf, in 10 MHz
 * units when small) down to scaling_min_freq in 100 MHz steps; turbo is
 * scaling_max_freq when highest_perf is above nominal and cpuinfo_max_freq
 * is highest_perf.
 */
int
pm_freqs_cppc(struct core *c)
{
	uint32_t nom = pm_read_khz(c->cpu, "acpi_cppc/nominal_perf");
	uint32_t high = pm_read_khz(c->cpu, "acpi_cppc/highest_perf");
	uint32_t cmax = pm_read_khz(c->cpu, "cpufreq/cpuinfo_max_freq");
	uint32_t smax = pm_read_khz(c->cpu, "cpufreq/scaling_max_freq");
	uint32_t smin = pm_read_khz(c->cpu, "cpufreq/scaling_min_freq");
	uint32_t nom_khz = nom < CPPC_UNIT ? nom * CPPC_UNIT : nom;
	int turbo = high > nom &&
		(cmax == high || cmax == high * CPPC_UNIT);

	if (nom == 0 || smin == 0) {
		PM_LOG(ERR, "cpu %u: cppc_cpufreq without nominal_perf or limits",
			c->cpu);
		return -ENODEV;
	}
	return turbo ? steps(c, nom_khz, smin, smax, smax) :
		steps(c, nom_khz, smin, 0, 0);
}

static uint32_t
find(const struct core *c, uint32_t khz)
{
	uint32_t i;

	for (i = 0; i < c->nb_freqs; i++)
		if (c->freqs[i] == khz)
			return i;
	return VMP_POWER_INVALID_INDEX;
}

static uint32_t
written_khz(const struct core *c, uint32_t idx)
{
	return idx == 0 && c->turbo_khz != 0 ? c->turbo_khz : c->freqs[idx];
}

static int
sysfs_take(struct power_mgr *pm, struct core *c)
{
	const struct pm_driver *d = pm->drv;
	uint32_t orig = 0;
	int ret;

	pm_governor_read(c->cpu, c->orig_gov, sizeof(c->orig_gov));
	c->orig_idx = -1;
	c->turbo_khz = 0;
	c->priority = 0;
	c->pinned = d->pinned;
	/* What to restore, read before the governor changes. */
	if (d->pinned) {
		c->orig_min = pm_read_khz(c->cpu, "cpufreq/scaling_min_freq");
		c->orig_max = pm_read_khz(c->cpu, "cpufreq/scaling_max_freq");
	} else {
		orig = pm_read_khz(c->cpu, "cpufreq/scaling_setspeed");
	}
	ret = pm_attr_write(c->cpu, "cpufreq/scaling_governor", d->governor);
	if (ret < 0) {
		PM_LOG(ERR, "cpu %u: governor %s refused: %s", c->cpu,
			d->governor, strerror(-ret));
		return ret;
	}
	ret = d->freqs(c);
	if (ret < 0) {
		if (pm_attr_write(c->cpu, "cpufreq/scaling_governor",
				c->orig_gov) < 0)
			PM_LOG(ERR, "cpu %u: cannot give governor %s back",
				c->cpu, c->orig_gov);
		return ret;
	}
	if (d->pinned) {
		uint32_t lo = pm_read_khz(c->cpu, "cpufreq/scaling_min_freq");

		c->cur = lo == pm_read_khz(c->cpu, "cpufreq/scaling_max_freq") ?
			find(c, lo) : VMP_POWER_INVALID_INDEX;
	} else {
		/* The userspace governor starts at the current frequency. */
		c->cur = find(c, pm_read_khz(c->cpu,
			"cpufreq/scaling_setspeed"));
		if (find(c, orig) != VMP_POWER_INVALID_INDEX)
			c->orig_idx = (int32_t)find(c, orig);
	}
	return 0;
}

static int
sysfs_set(struct core *c, uint32_t idx)
{
	uint32_t khz = written_khz(c, idx);
	int ret;

	if (!c->pinned)		/* the userspace governor's setspeed */
		return pm_write_khz(c->cpu, "cpufreq/scaling_setspeed", khz);
	/* min <= max at every step: raise max first, or lower min first. */
	if (khz >= pm_read_khz(c->cpu, "cpufreq/scaling_min_freq")) {
		ret = pm_write_khz(c->cpu, "cpufreq/scaling_max_freq", khz);
		return ret < 0 ? ret :
			pm_write_khz(c->cpu, "cpufreq/scaling_min_freq", khz);
	}
	ret = pm_write_khz(c->cpu, "cpufreq/scaling_min_freq", khz);
	return ret < 0 ? ret :
		pm_write_khz(c->cpu, "cpufreq/scaling_max_freq", khz);
}

static void
sysfs_give_back(struct power_mgr *pm, struct core *c)
{
	int ret = 0;

	RTE_SET_USED(pm);
	if (c->orig_idx >= 0 && (uint32_t)c->orig_idx != c->cur)
		ret = sysfs_set(c, (uint32_t)c->orig_idx);
	if (ret == 0 && c->orig_max != 0)
		ret = pm_write_khz(c->cpu, "cpufreq/scaling_max_freq",
			c->orig_max);
	if (ret == 0 && c->orig_min != 0)
		ret = pm_write_khz(c->cpu, "cpufreq/scaling_min_freq",
			c->orig_min);
	if (ret < 0)
		PM_LOG(ERR, "cpu %u: cannot restore its frequency: %s",
			c->cpu, strerror(-ret));
	ret = pm_attr_write(c->cpu, "cpufreq/scaling_governor", c->orig_gov);
	if (ret < 0)
		PM_LOG(ERR, "cpu %u: cannot give governor %s back: %s",
			c->cpu, c->orig_gov, strerror(-ret));
}

const struct pm_backend pm_backend_sysfs = {
	.name = "vmpower sysfs",
	.take = sysfs_take,
	.set = sysfs_set,
	.give_back = sysfs_give_back,
};
