/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The power manager's hands on the machine: which CPUs have cpufreq, which
 * driver librte_power uses, taking each core under control, writing its
 * frequency and giving it back. What to write is power_manager.c's call.
 */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "power_manager_private.h"

/* librte_power's paths are fixed; discovery must look where it looks. */
#define CPU_DIR		"/sys/devices/system/cpu"

static const struct driver {
	const char *opt;
	const char *name;		/* scaling_driver */
	enum power_management_env env;
} drivers[] = {
	{ "acpi", "acpi-cpufreq", PM_ENV_ACPI_CPUFREQ },
	{ "pstate", "intel_pstate", PM_ENV_PSTATE_CPUFREQ },
	{ "cppc", "cppc_cpufreq", PM_ENV_CPPC_CPUFREQ },
};

/* First word of CPU_DIR/cpu<cpu>/<file>, "" when unreadable. */
static char *
attr_read(unsigned int cpu, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), CPU_DIR "/cpu%u/%s", cpu, file);
	f = fopen(path, "re");
	if (f == NULL || fgets(buf, size, f) == NULL)
		buf[0] = '\0';
	if (f != NULL)
		fclose(f);
	buf[strcspn(buf, " \n")] = '\0';
	return buf;
}

static int
attr_write(unsigned int cpu, const char *file, const char *text)
{
	char path[PATH_MAX];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), CPU_DIR "/cpu%u/%s", cpu, file);
	/* "w" truncates: a no-op on sysfs, and keeps a plain file exact. */
	f = fopen(path, "we");
	ok = f != NULL && fputs(text, f) >= 0;
	return f != NULL && fclose(f) == 0 && ok ? 0 : -EIO;
}

/* kHz, or 0 if absent or not a number (setspeed's "<unsupported>"). */
static uint32_t
read_khz(unsigned int cpu, const char *file)
{
	char buf[32];

	return strtoul(attr_read(cpu, file, buf, sizeof(buf)), NULL, 10);
}

static int
write_khz(unsigned int cpu, const char *file, uint32_t khz)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u\n", khz);
	return attr_write(cpu, file, buf);
}

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
	DIR *d = opendir(CPU_DIR);

	if (d == NULL) {
		PM_LOG(ERR, "%s: %s", CPU_DIR, strerror(errno));
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
		snprintf(path, sizeof(path), CPU_DIR "/cpu%u/cpufreq", id);
		pm->cores[id].cpu = id;
		/* FAILED until librte_power takes it. */
		pm->cores[id].state = access(path, F_OK) == 0 ?
			POWER_MGR_CORE_FAILED : POWER_MGR_CORE_NO_CPUFREQ;
	}
	closedir(d);
	return pm->cores != NULL ? 0 : -ENOMEM;
}

/* The driver to use; *d is NULL when librte_power drives none here. */
static int
pick_driver(struct power_mgr *pm, const char *want, const struct driver **d)
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
	for (i = 0; i < RTE_DIM(drivers); i++)
		if (rte_power_check_env_supported(drivers[i].env) == 1) {
			*d = &drivers[i];
			return 0;
		}
	/* librte_power only looks at cpu0, which may lack cpufreq. */
	for (cpu = 0; cpu < pm->nb_cpus; cpu++)
		if (pm->cores[cpu].state == POWER_MGR_CORE_FAILED)
			break;
	if (cpu == pm->nb_cpus)
		return 0;
	attr_read(cpu, "cpufreq/scaling_driver", name, sizeof(name));
	for (i = 0; i < RTE_DIM(drivers); i++)
		if (strcmp(name, drivers[i].name) == 0) {
			*d = &drivers[i];
			return 0;
		}
	PM_LOG(ERR, "cpu %u: scaling driver '%s' is not one librte_power drives (acpi-cpufreq, intel_pstate, cppc_cpufreq): power requests will be refused",
		cpu, name);
	return 0;
}

int
pm_core_set_freq(struct core *c, uint32_t idx)
{
	if (idx == c->cur)
		return 0;
	if ((int)rte_power_set_freq(c->lcore, idx) < 0) {
		PM_LOG(ERR, "cpu %u: librte_power cannot set %u kHz",
			c->cpu, c->freqs[idx]);
		return -EIO;
	}
	PM_LOG(DEBUG, "cpu %u: %u -> %u kHz", c->cpu, c->freqs[c->cur],
		c->freqs[idx]);
	c->cur = idx;
	c->changes++;
	return 1;
}

static void
core_init(struct power_mgr *pm, struct core *c)
{
	uint32_t buf[RTE_MAX_LCORE_FREQS];	/* librte_power's bound */
	struct rte_power_core_capabilities caps = { 0 };
	char gov[64], now[64];		/* kernel names are 15 bytes */
	uint32_t orig = 0, i;

	if (vmp_compat_power_lcore(c->cpu, &c->lcore) < 0) {
		c->state = POWER_MGR_CORE_NO_LCORE;
		PM_LOG(ERR, "cpu %u: no EAL lcore maps to it (librte_power drives lcore ids below %d): power requests for it will be refused",
			c->cpu, RTE_MAX_LCORE);
		return;
	}
	/* What to restore, read before librte_power moves the core. */
	if (pm->env == PM_ENV_PSTATE_CPUFREQ) {
		c->orig_min = read_khz(c->cpu, "cpufreq/scaling_min_freq");
		c->orig_max = read_khz(c->cpu, "cpufreq/scaling_max_freq");
	} else {
		orig = read_khz(c->cpu, "cpufreq/scaling_setspeed");
	}
	attr_read(c->cpu, "cpufreq/scaling_governor", gov, sizeof(gov));
	if (rte_power_init(c->lcore) < 0) {
		PM_LOG(ERR, "cpu %u: librte_power cannot control it (see its log): power requests for it will be refused",
			c->cpu);
		/* A failed init may have switched the governor already. */
		attr_read(c->cpu, "cpufreq/scaling_governor", now, sizeof(now));
		if (gov[0] != '\0' && strcmp(gov, now) != 0 &&
				attr_write(c->cpu, "cpufreq/scaling_governor",
					gov) < 0)
			PM_LOG(ERR, "cpu %u: cannot give governor %s back",
				c->cpu, gov);
		return;
	}
	c->nb_freqs = rte_power_freqs(c->lcore, buf, RTE_DIM(buf));
	c->freqs = malloc(RTE_MAX(c->nb_freqs, 1u) * sizeof(*c->freqs));
	if (c->nb_freqs == 0 || c->freqs == NULL) {
		PM_LOG(ERR, "cpu %u: %s: power requests for it will be refused",
			c->cpu, c->freqs == NULL ? "out of memory" :
			"librte_power lists no frequency");
		rte_power_exit(c->lcore);
		return;
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
	c->state = POWER_MGR_CORE_READY;
	pm->nb_ready++;
	/* No vote yet: start where the policy puts an unclaimed core. */
	pm_core_set_freq(c, pm_effective_idx(c));
	PM_LOG(INFO, "cpu %u: lcore %u, %u-%u kHz in %u steps%s%s", c->cpu,
		c->lcore, c->freqs[c->nb_freqs - 1], c->freqs[0], c->nb_freqs,
		c->top ? ", turbo" : "", c->priority ? ", priority" : "");
}

static void
core_restore(struct power_mgr *pm, struct core *c)
{
	if (c->orig_idx >= 0 && (uint32_t)c->orig_idx != c->cur &&
			(int)rte_power_set_freq(c->lcore, c->orig_idx) < 0)
		PM_LOG(ERR, "cpu %u: cannot restore %u kHz", c->cpu,
			c->freqs[c->orig_idx]);
	if (rte_power_exit(c->lcore) < 0)
		PM_LOG(ERR, "cpu %u: librte_power cannot restore its governor",
			c->cpu);
	/* intel_pstate's exit leaves min = max: the core would stay pinned. */
	if (pm->env == PM_ENV_PSTATE_CPUFREQ && c->orig_min != 0 &&
			c->orig_max != 0 &&
			(write_khz(c->cpu, "cpufreq/scaling_max_freq",
				c->orig_max) < 0 ||
			write_khz(c->cpu, "cpufreq/scaling_min_freq",
				c->orig_min) < 0))
		PM_LOG(ERR, "cpu %u: cannot restore its frequency limits",
			c->cpu);
}

int
pm_cores_init(struct power_mgr *pm, const char *driver)
{
	const struct driver *d = NULL;
	unsigned int cpu, nb_cpufreq = 0;
	int ret;

	pm->driver = "none";
	ret = discover(pm);
	if (ret == 0)
		ret = pick_driver(pm, driver, &d);
	if (ret == 0 && d != NULL && rte_power_set_env(d->env) < 0) {
		PM_LOG(ERR, "librte_power refuses the %s environment", d->name);
		ret = -EIO;
	}
	if (ret < 0)
		return ret;
	if (d != NULL) {
		pm->env = d->env;
		pm->driver = d->name;
	}
	for (cpu = 0; cpu < pm->nb_cpus; cpu++)
		nb_cpufreq += pm->cores[cpu].state == POWER_MGR_CORE_FAILED;
	for (cpu = 0; cpu < pm->nb_cpus; cpu++) {
		struct core *c = &pm->cores[cpu];

		if (c->state == POWER_MGR_CORE_FAILED && d != NULL)
			core_init(pm, c);
		else if (c->state == POWER_MGR_CORE_NO_CPUFREQ && nb_cpufreq)
			PM_LOG(WARNING, "cpu %u: no cpufreq: power requests for it will be refused",
				cpu);
	}
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
			core_restore(pm, c);
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
