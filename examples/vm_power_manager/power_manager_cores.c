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

/*
 * Active-mode drivers (no userspace governor) are pinned: min = max.
 * intel_pstate keeps librte_power's performance governor (the kernel
 * sets EPP 0 under it, and gives the old EPP back with powersave);
 * amd-pstate-epp, which librte_power lacks, stays under powersave, so
 * its EPP is never touched. Where librte_power has no driver (env
 * NOT_SET) vmpower's backend drives every core.
 */
static const struct pm_driver drivers[] = {
	{ .opt = "acpi", .name = "acpi-cpufreq", .env = PM_ENV_ACPI_CPUFREQ,
		.governor = "userspace", .freqs = pm_freqs_acpi, .pinned = 0 },
	{ .opt = "pstate", .name = "intel_pstate", .env = PM_ENV_PSTATE_CPUFREQ,
		.governor = "performance", .freqs = pm_freqs_pstate, .pinned = 1 },
	{ .opt = "pstate-passive", .name = "intel_cpufreq", .env = PM_ENV_NOT_SET,
		.governor = "userspace", .freqs = pm_freqs_pstate, .pinned = 0 },
	{ .opt = "cppc", .name = "cppc_cpufreq", .env = PM_ENV_CPPC_CPUFREQ,
		.governor = "userspace", .freqs = pm_freqs_cppc, .pinned = 0 },
	{ .opt = "amd", .name = "amd-pstate", .env = VMP_PM_ENV_AMD_PSTATE,
		.governor = "userspace", .freqs = pm_freqs_amd, .pinned = 0 },
	{ .opt = "amd-epp", .name = "amd-pstate-epp", .env = PM_ENV_NOT_SET,
		.governor = "powersave", .freqs = pm_freqs_amd, .pinned = 1 },
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
		/* FAILED until its policy's frequencies are known. */
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
			PM_LOG(ERR, "unknown driver '%s' (acpi, pstate, pstate-passive, cppc, amd, amd-epp, a scaling_driver name, or auto)",
				want);
		return *d == NULL ? -EINVAL : 0;
	}
	/* cpu0 may lack cpufreq: the first CPU that has it tells. */
	for (cpu = 0; cpu < pm->nb_cpus; cpu++)
		if (pm->cores[cpu].state == POWER_MGR_CORE_FAILED &&
				!pm->cores[cpu].offline)
			break;
	if (cpu == pm->nb_cpus)
		return 0;
	pm_attr_read(cpu, "cpufreq/scaling_driver", name, sizeof(name));
	for (i = 0; i < RTE_DIM(drivers); i++)
		if (strcmp(name, drivers[i].name) == 0) {
			*d = &drivers[i];
			return 0;
		}
	PM_LOG(ERR, "cpu %u: scaling driver '%s' is not one vmpower drives (acpi-cpufreq, intel_pstate, intel_cpufreq, cppc_cpufreq, amd-pstate, amd-pstate-epp): power requests will be refused",
		cpu, name);
	return 0;
}

/*
 * The CPUs the kernel scales with @cpu (related_cpus, space-separated):
 * those of them that have cpufreq here, @cpu among them.
 */
static int
policy_cpus(struct power_mgr *pm, unsigned int cpu, struct cpu_list *out)
{
	char buf[4096], *p;

	pm_attr_read(cpu, "cpufreq/related_cpus", buf, sizeof(buf));
	for (p = buf + strlen(buf); p > buf && p[-1] == ' ';)
		*--p = '\0';
	for (p = buf; *p != '\0'; p++)
		if (*p == ' ')
			*p = ',';
	/* Parsed by the one CPU-list parser; a kernel without the file or
	 * with a list we cannot read leaves the CPU on its own. */
	if (buf[0] == '\0' || cpu_list_parse(out, buf, pm->nb_cpus - 1,
			NULL, 0) < 0) {
		int ret = cpu_list_init(out, pm->nb_cpus);

		if (ret < 0)
			return ret;
	}
	cpu_list_add(out, cpu);
	return 0;
}

static void
policy_free(struct pm_policy *p)
{
	if (p == NULL)
		return;
	free(p->cpus);
	free(p->freqs);
	free(p);
}

/* @cpu's policy: its CPUs, its frequencies (read only). */
int
pm_policy_add(struct power_mgr *pm, unsigned int cpu)
{
	struct pm_policy *p = calloc(1, sizeof(*p)), **grown;
	struct cpu_list set;
	int c, ret;

	if (p == NULL)
		return -ENOMEM;
	ret = policy_cpus(pm, cpu, &set);
	if (ret < 0) {
		free(p);
		return ret;
	}
	p->cpus = calloc(cpu_list_count(&set), sizeof(*p->cpus));
	grown = realloc(pm->pols, (pm->nb_pols + 1) * sizeof(*pm->pols));
	if (p->cpus == NULL || grown == NULL) {
		cpu_list_free(&set);
		policy_free(p);
		if (grown != NULL)
			pm->pols = grown;
		return -ENOMEM;
	}
	pm->pols = grown;
	pm->pols[pm->nb_pols++] = p;
	for (c = cpu_list_next(&set, 0); c >= 0;
			c = cpu_list_next(&set, (unsigned int)c + 1))
		if (pm->cores[c].state == POWER_MGR_CORE_FAILED &&
				pm->cores[c].pol == NULL) {
			p->cpus[p->nb_cpus++] = (unsigned int)c;
			pm->cores[c].pol = p;
		}
	cpu_list_free(&set);
	p->cpu = p->cpus[0];
	pm_policy_home(pm, p);
	p->pinned = pm->drv->pinned;
	p->cur = VMP_POWER_INVALID_INDEX;
	ret = pm->drv->freqs(p);
	if (ret == 0)
		for (c = 0; c < (int)p->nb_cpus; c++)
			pm->cores[p->cpus[c]].state = POWER_MGR_CORE_READY;
	else
		PM_LOG(ERR, "cpu %u: frequencies unknown: power requests for it will be refused",
			cpu);
	return 0;
}

/* A policy with a CPU outside --cpus is out as a whole: one write
 * would change them all. */
static void
exclude(struct power_mgr *pm, const struct cpu_list *allowed)
{
	unsigned int i, k;

	for (i = 0; allowed != NULL && i < pm->nb_pols; i++) {
		struct pm_policy *p = pm->pols[i];
		int out = 0;

		for (k = 0; k < p->nb_cpus; k++)
			out |= !cpu_list_has(allowed, p->cpus[k]);
		for (k = 0; out && k < p->nb_cpus; k++) {
			struct core *c = &pm->cores[p->cpus[k]];

			if (c->state == POWER_MGR_CORE_READY &&
					cpu_list_has(allowed, c->cpu))
				PM_LOG(WARNING, "cpu %u: shares its cpufreq policy with a CPU outside --cpus: not controlled",
					c->cpu);
			if (c->state == POWER_MGR_CORE_READY)
				c->state = POWER_MGR_CORE_EXCLUDED;
		}
	}
}

uint32_t
pm_policy_now(const struct pm_policy *p)
{
	uint32_t khz, i, best = p->top, d, bd = UINT32_MAX;

	if (p->taken)
		return p->cur;
	khz = pm_read_khz(p->cpu, "cpufreq/scaling_cur_freq");
	for (i = 0; khz != 0 && i < p->nb_freqs; i++) {
		d = p->freqs[i] > khz ? p->freqs[i] - khz : khz - p->freqs[i];
		if (d < bd) {
			bd = d;
			best = i;
		}
	}
	return best;
}

static void
read_orig(struct pm_policy *p)
{
	pm_governor_read(p->cpu, p->orig.gov, sizeof(p->orig.gov));
	p->orig.setspeed = pm_read_khz(p->cpu, "cpufreq/scaling_setspeed");
	p->orig.min = pm_read_khz(p->cpu, "cpufreq/scaling_min_freq");
	p->orig.max = pm_read_khz(p->cpu, "cpufreq/scaling_max_freq");
	/* A governor switch may change it (performance pins EPP 0). */
	pm_attr_read(p->cpu, "cpufreq/energy_performance_preference",
		p->orig.epp, sizeof(p->orig.epp));
}

/* "3", or "2-3" for a policy of two CPUs: for log lines. */
static const char *
policy_name(const struct pm_policy *p)
{
	static char buf[64];

	if (p->nb_cpus > 1 && p->cpus[p->nb_cpus - 1] - p->cpus[0] + 1 ==
			p->nb_cpus)
		snprintf(buf, sizeof(buf), "%u-%u", p->cpus[0],
			p->cpus[p->nb_cpus - 1]);
	else if (p->nb_cpus > 1)
		snprintf(buf, sizeof(buf), "%u (+%u sharing its policy)",
			p->cpu, p->nb_cpus - 1);
	else
		snprintf(buf, sizeof(buf), "%u", p->cpu);
	return buf;
}

static void
add_undo(struct pm_policy *p, const char *file, const char *val)
{
	if (p->nb_undo == RTE_DIM(p->undo))
		return;		/* cannot happen: at most 4 */
	snprintf(p->undo[p->nb_undo].path, sizeof(p->undo[0].path),
		PM_CPU_DIR "/cpu%u/cpufreq/%s", p->cpu, file);
	snprintf(p->undo[p->nb_undo].val, sizeof(p->undo[0].val), "%s", val);
	p->nb_undo++;
}

/* pm_orig_restore()'s writes, ready for a fault handler to replay. */
static void
prepare_undo(struct pm_policy *p)
{
	char khz[16];

	p->nb_undo = 0;
	if (p->orig.setspeed != 0 && !p->pinned) {
		snprintf(khz, sizeof(khz), "%u", p->orig.setspeed);
		add_undo(p, "scaling_setspeed", khz);
	}
	add_undo(p, "scaling_governor", p->orig.gov);
	if (p->pinned && p->orig.max != 0 && p->orig.min != 0) {
		snprintf(khz, sizeof(khz), "%u", p->orig.max);
		add_undo(p, "scaling_max_freq", khz);
		snprintf(khz, sizeof(khz), "%u", p->orig.min);
		add_undo(p, "scaling_min_freq", khz);
	}
	/* Last, as pm_orig_restore(): after the governor that allows it. */
	if (p->orig.epp[0] != '\0')
		add_undo(p, "energy_performance_preference", p->orig.epp);
}

/* Record, then take @p: librte_power if it reaches the CPU, else ours. */
static int
take(struct power_mgr *pm, struct pm_policy *p)
{
	int ret;

	read_orig(p);
	prepare_undo(p);
	ret = pm_record_save(pm, p);
	if (ret < 0)
		return ret;
	p->be = &pm_backend_rte;
	if (p->be->take(pm, p) < 0) {
		p->be = &pm_backend_sysfs;
		ret = p->be->take(pm, p);
	}
	if (ret < 0) {
		pm_record_drop(pm, p);
		return ret;
	}
	p->taken = 1;
	p->cur = VMP_POWER_INVALID_INDEX;
	pm->nb_taken++;
	PM_LOG(INFO, "cpu %s: taken under control (%s; governor was %s)",
		policy_name(p), p->be->name, p->orig.gov);
	return 0;
}

/* Give @p back as take found it; forget its record once that is done. */
static void
give_back(struct power_mgr *pm, struct pm_policy *p)
{
	int ret;

	/* The frequency while our governor still takes it: librte_power's
	 * release puts its own saved governor back. */
	pm_orig_restore_speed(p->cpu, &p->orig);
	p->be->release(pm, p);
	ret = pm_orig_restore(p->cpu, &p->orig, p->pinned);
	p->taken = 0;
	pm->nb_taken--;
	if (ret == 0)
		pm_record_drop(pm, p);
	PM_LOG(INFO, "cpu %s: handed back to governor %s", policy_name(p),
		p->orig.gov);
}

int
pm_policy_apply(struct power_mgr *pm, struct pm_policy *p)
{
	uint32_t want = pm_policy_want(pm, p);
	int ret;

	if (p->nb_online == 0)
		return 0;	/* all offline: the kernel takes no write */
	if (want == PM_FREE) {
		p->failed = 0;
		if (p->taken)
			give_back(pm, p);
		return 0;
	}
	p->failed = 0;
	if (!p->taken && take(pm, p) < 0) {
		p->failed = 1;
		return -EIO;
	}
	if (want == p->cur)
		return 0;
	ret = p->be->set(p, want);
	if (ret < 0) {
		PM_LOG(ERR, "cpu %u: cannot set %u kHz (%s): %s", p->cpu,
			p->freqs[want], p->be->name, strerror(-ret));
		p->failed = 1;
		return -EIO;
	}
	if (p->cur < p->nb_freqs)
		PM_LOG(DEBUG, "cpu %u: %u -> %u kHz", p->cpu,
			p->freqs[p->cur], p->freqs[want]);
	p->cur = want;
	p->changes++;
	return 1;
}

/* @l for a log line; 0 when it is empty. */
static unsigned int
cpus_str(const struct cpu_list *l, char *buf, size_t size)
{
	unsigned int n = cpu_list_count(l);

	if (n > 0 && cpu_list_format(l, buf, size) < 0)
		snprintf(buf, size, "%u CPUs", n);
	return n;
}

/* Once at start: the CPUs librte_power does not drive, and why. */
static void
log_backends(struct power_mgr *pm)
{
	struct cpu_list ours, off;
	unsigned int cpu, lcore;
	char buf[256];

	if (cpu_list_init(&ours, RTE_MAX(pm->nb_cpus, 1u)) < 0)
		return;
	if (cpu_list_init(&off, RTE_MAX(pm->nb_cpus, 1u)) < 0) {
		cpu_list_free(&ours);
		return;
	}
	for (cpu = 0; cpu < pm->nb_cpus; cpu++) {
		if (pm->cores[cpu].state != POWER_MGR_CORE_READY)
			continue;
		if (pm->cores[cpu].pol->own_list)
			cpu_list_add(&off, cpu);
		else if (pm->env == PM_ENV_NOT_SET ||
				vmp_compat_power_lcore(pm->cores[cpu].pol->cpu,
					&lcore) < 0)
			cpu_list_add(&ours, cpu);
	}
	if (cpus_str(&ours, buf, sizeof(buf)) > 0)
		PM_LOG(INFO, "cpu %s: driven by vmpower's sysfs backend (librte_power %s)",
			buf, pm->env == PM_ENV_NOT_SET ?
			"has no driver for it loaded" :
			"addresses only this process's lcores");
	if (cpus_str(&off, buf, sizeof(buf)) > 0)
		PM_LOG(INFO, "cpu %s: turbo is off in the driver (%s): no turbo step, driven by vmpower's sysfs backend",
			buf, strcmp(pm->drv->name, "acpi-cpufreq") == 0 ?
			"boost" : "intel_pstate/no_turbo");
	cpu_list_free(&ours);
	cpu_list_free(&off);
}

int
pm_cores_init(struct power_mgr *pm, const struct power_mgr_conf *conf)
{
	const struct pm_driver *d = NULL;
	unsigned int cpu, nb_cpufreq = 0;
	int ret;

	pm->driver = "none";
	pm->env = PM_ENV_NOT_SET;
	ret = discover(pm);
	if (ret == 0)
		ret = pm_online_init(pm, conf != NULL ? conf->cpus : NULL);
	if (ret == 0)
		ret = pick_driver(pm, conf != NULL ? conf->driver : NULL, &d);
	if (ret == 0 && conf != NULL && conf->state_dir != NULL)
		ret = pm_records_open(pm, conf->state_dir,
			conf->state_locked);
	if (ret < 0)
		return ret;
	if (d != NULL) {
		pm->drv = d;
		pm->driver = d->name;
		/* Without librte_power's driver, ours drives every core. */
		if (d->env != PM_ENV_NOT_SET && rte_power_set_env(d->env) == 0)
			pm->env = d->env;
	}
	for (cpu = 0; cpu < pm->nb_cpus; cpu++)
		nb_cpufreq += pm->cores[cpu].state == POWER_MGR_CORE_FAILED;
	for (cpu = 0; cpu < pm->nb_cpus && ret == 0; cpu++) {
		struct core *c = &pm->cores[cpu];

		/* An offline CPU's policy is read through an online one,
		 * or when it comes back (its files may be EBUSY). */
		if (c->state == POWER_MGR_CORE_FAILED && d != NULL &&
				c->pol == NULL && !c->offline)
			ret = pm_policy_add(pm, cpu);
		else if (c->state == POWER_MGR_CORE_NO_CPUFREQ && nb_cpufreq &&
				!c->offline)
			PM_LOG(WARNING, "cpu %u: no cpufreq: power requests for it will be refused",
				cpu);
	}
	if (ret < 0)
		return ret;
	exclude(pm, conf != NULL ? conf->cpus : NULL);
	for (cpu = 0; cpu < pm->nb_cpus; cpu++)
		pm->nb_ready += pm->cores[cpu].state == POWER_MGR_CORE_READY;
	log_backends(pm);
	if (nb_cpufreq == 0)
		PM_LOG(WARNING, "no CPU has cpufreq: power requests will be refused");
	PM_LOG(INFO, "%s: %u of %u CPUs controllable in %u policies, none taken until a vote lands",
		pm->driver, pm->nb_ready, pm->nb_cpus, pm->nb_pols);
	return 0;
}

void
pm_cores_exit(struct power_mgr *pm)
{
	unsigned int i, n = 0;

	for (i = 0; i < pm->nb_pols; i++) {
		if (pm->pols[i]->taken && pm_policy_offline_exit(pm,
				pm->pols[i]) == 0) {
			give_back(pm, pm->pols[i]);
			n++;
		}
		policy_free(pm->pols[i]);
	}
	for (i = 0; i < pm->nb_cpus; i++) {
		free(pm->cores[i].votes);
		free(pm->cores[i].hist);
	}
	if (pm->env != PM_ENV_NOT_SET)
		rte_power_unset_env();
	pm_records_close(pm);
	cpu_list_free(&pm->allowed);
	free(pm->pols);
	free(pm->cores);
	if (n > 0)
		PM_LOG(INFO, "%u cpufreq policies handed back at exit", n);
}

/* power_manager_hotplug.c hands a policy over through another CPU. */
void
pm_policy_give_back(struct power_mgr *pm, struct pm_policy *p)
{
	give_back(pm, p);
}

void
pm_policy_undo(struct pm_policy *p)
{
	prepare_undo(p);
}
