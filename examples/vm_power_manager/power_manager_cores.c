/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The power manager's hands on the machine: which CPUs have cpufreq, which
 * driver they run, and which backend takes each core: librte_power where
 * it can address the core on the running DPDK release, vmpower's own
 * sysfs backend (the same semantics) everywhere else. Writing and giving
 * back go through the core's backend. What to write is power_manager.c's
 * call.
 */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include "cpu_list.h"
#include "power_manager_private.h"

static const struct pm_driver drivers[] = {
	{ "acpi", "acpi-cpufreq", PM_ENV_ACPI_CPUFREQ, "userspace",
		pm_freqs_acpi, 0 },
	{ "pstate", "intel_pstate", PM_ENV_PSTATE_CPUFREQ, "performance",
		pm_freqs_pstate, 1 },
	{ "cppc", "cppc_cpufreq", PM_ENV_CPPC_CPUFREQ, "userspace",
		pm_freqs_cppc, 0 },
};

/* "cpu<N>" is a CPU; cpufreq, cpuidle... are not. */
static int
cpu_entry(const struct dirent *e, unsigned int *id)
{
	char extra;

	return sscanf(e->d_name, "cpu%u%c", id, &extra) == 1;
}

static int
discover(struct power_mgr *pm)
{
	struct dirent *e;
	unsigned int id, n = 0;
	char path[PATH_MAX];
	DIR *d = opendir(PM_CPU_DIR);

	if (d == NULL) {
		PM_LOG(ERR, "%s: %s", PM_CPU_DIR, strerror(errno));
		return -EIO;
	}
	while ((e = readdir(d)) != NULL)
		if (cpu_entry(e, &id) && id >= n)
			n = id + 1;
	pm->cores = calloc(RTE_MAX(n, 1u), sizeof(*pm->cores));
	pm->nb_cpus = pm->cores != NULL ? n : 0;
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		if (!cpu_entry(e, &id) || id >= pm->nb_cpus)
			continue;
		snprintf(path, sizeof(path), PM_CPU_DIR "/cpu%u/cpufreq", id);
		pm->cores[id].cpu = id;
		/* FAILED until a backend takes it. */
		pm->cores[id].state = access(path, F_OK) == 0 ?
			POWER_MGR_CORE_FAILED : POWER_MGR_CORE_NO_CPUFREQ;
	}
	closedir(d);
	return pm->cores != NULL ? 0 : -ENOMEM;
}

/* The driver to use; *d is NULL when none we know runs here. */
static int
pick_driver(struct power_mgr *pm, const char *want, const struct pm_driver **d)
{
	unsigned int i, cpu;
	char name[64];

	*d = NULL;
	if (want != NULL && strcmp(want, "auto") != 0) {
		for (i = 0; i < RTE_DIM(drivers); i++)
			if (strcmp(want, drivers[i].opt) == 0 ||
					strcmp(want, drivers[i].name) == 0)
				*d = &drivers[i];
		if (*d == NULL)
			PM_LOG(ERR, "unknown driver '%s' (acpi, pstate, cppc or auto)",
				want);
		return *d == NULL ? -EINVAL : 0;
	}
	/* cpu0 may lack cpufreq: the first CPU that has it tells. */
	for (cpu = 0; cpu < pm->nb_cpus; cpu++)
		if (pm->cores[cpu].state == POWER_MGR_CORE_FAILED)
			break;
	if (cpu == pm->nb_cpus)
		return 0;
	pm_attr_read(cpu, "cpufreq/scaling_driver", name, sizeof(name));
	for (i = 0; i < RTE_DIM(drivers); i++)
		if (strcmp(name, drivers[i].name) == 0) {
			*d = &drivers[i];
			return 0;
		}
	PM_LOG(ERR, "cpu %u: scaling driver '%s' is not one vmpower drives (acpi-cpufreq, intel_pstate, cppc_cpufreq): power requests will be refused",
		cpu, name);
	return 0;
}

int
pm_core_set_freq(struct core *c, uint32_t idx)
{
	int ret;

	if (idx == c->cur)
		return 0;
	ret = c->be->set(c, idx);
	if (ret < 0) {
		PM_LOG(ERR, "cpu %u: cannot set %u kHz (%s): %s", c->cpu,
			c->freqs[idx], c->be->name, strerror(-ret));
		return -EIO;
	}
	if (c->cur < c->nb_freqs)
		PM_LOG(DEBUG, "cpu %u: %u -> %u kHz", c->cpu,
			c->freqs[c->cur], c->freqs[idx]);
	c->cur = idx;
	c->changes++;
	return 1;
}

/* librte_power if it can address @c, else ours. */
static void
core_init(struct power_mgr *pm, struct core *c, struct cpu_list *ours)
{
	int ret = pm_backend_rte.take(pm, c);

	c->be = &pm_backend_rte;
	if (ret < 0) {
		c->be = &pm_backend_sysfs;
		ret = pm_backend_sysfs.take(pm, c);
		if (ret == 0)
			cpu_list_add(ours, c->cpu);
	}
	if (ret < 0) {
		PM_LOG(ERR, "cpu %u: cannot control it: power requests for it will be refused",
			c->cpu);
		return;
	}
	c->state = POWER_MGR_CORE_READY;
	pm->nb_ready++;
	/* No vote yet: start where the policy puts an unclaimed core. */
	pm_core_set_freq(c, pm_effective_idx(c));
	PM_LOG(DEBUG, "cpu %u: %s, %u-%u kHz in %u steps%s%s", c->cpu,
		c->be->name, c->freqs[c->nb_freqs - 1], c->freqs[0],
		c->nb_freqs, c->top ? ", turbo" : "",
		c->priority ? ", priority" : "");
}

/* Once at start: which cores librte_power could not address, and why. */
static void
log_backends(struct power_mgr *pm, const struct cpu_list *ours)
{
	char buf[256];

	if (cpu_list_count(ours) == 0)
		return;
	if (cpu_list_format(ours, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "%u CPUs", cpu_list_count(ours));
	PM_LOG(INFO, "cpu %s: driven by vmpower's sysfs backend (librte_power %s)",
		buf, pm->env == PM_ENV_NOT_SET ?
		"has no driver for it loaded" :
		"addresses only this process's lcores, below RTE_MAX_LCORE");
}

int
pm_cores_init(struct power_mgr *pm, const char *driver)
{
	const struct pm_driver *d = NULL;
	struct cpu_list ours;
	unsigned int cpu, nb_cpufreq = 0;
	int ret;

	pm->driver = "none";
	pm->env = PM_ENV_NOT_SET;
	ret = discover(pm);
	if (ret == 0)
		ret = pick_driver(pm, driver, &d);
	if (ret == 0)
		ret = cpu_list_init(&ours, RTE_MAX(pm->nb_cpus, 1u));
	if (ret < 0)
		return ret;
	if (d != NULL) {
		pm->drv = d;
		pm->driver = d->name;
		/* Without librte_power's driver, ours drives every core. */
		if (rte_power_set_env(d->env) == 0)
			pm->env = d->env;
	}
	for (cpu = 0; cpu < pm->nb_cpus; cpu++)
		nb_cpufreq += pm->cores[cpu].state == POWER_MGR_CORE_FAILED;
	for (cpu = 0; cpu < pm->nb_cpus; cpu++) {
		struct core *c = &pm->cores[cpu];

		if (c->state == POWER_MGR_CORE_FAILED && d != NULL)
			core_init(pm, c, &ours);
		else if (c->state == POWER_MGR_CORE_NO_CPUFREQ && nb_cpufreq)
			PM_LOG(WARNING, "cpu %u: no cpufreq: power requests for it will be refused",
				cpu);
	}
	log_backends(pm, &ours);
	cpu_list_free(&ours);
	if (nb_cpufreq == 0)
		PM_LOG(WARNING, "no CPU has cpufreq: power requests will be refused");
	PM_LOG(INFO, "%s: %u of %u CPUs under control", pm->driver,
		pm->nb_ready, pm->nb_cpus);
	return 0;
}

void
pm_cores_exit(struct power_mgr *pm)
{
	unsigned int cpu, n = 0;

	for (cpu = 0; cpu < pm->nb_cpus; cpu++) {
		struct core *c = &pm->cores[cpu];

		if (c->state == POWER_MGR_CORE_READY) {
			c->be->give_back(pm, c);
			n++;
		}
		free(c->freqs);
	}
	if (pm->env != PM_ENV_NOT_SET)
		rte_power_unset_env();
	free(pm->cores);
	if (n > 0)
		PM_LOG(INFO, "%u CPUs handed back to their governors", n);
}
