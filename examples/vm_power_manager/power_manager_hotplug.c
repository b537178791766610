/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * CPU hotplug in the power manager (power_manager.h, "Hotplug"): which
 * CPUs are online, the policies that lose or regain them, and what the
 * kernel left of a policy when its first CPU returns. Told by the
 * daemon's hotplug source (cpu_hotplug.c); reads sysfs only to learn
 * what the kernel did, writes through the policy code of
 * power_manager_cores.c.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "power_manager_private.h"

/* Long enough for "online" on a 4096-CPU host with every other one off. */
#define LIST_LEN	32768

/* @text: "0-3,8" (online) or "2 3" (related_cpus). @return 0 or -errno. */
static int
parse_cpus(char *text, struct cpu_list *out)
{
	char *q;

	for (q = text; *q != '\0'; q++)
		if (*q == ' ')
			*q = ',';
	while (q > text && q[-1] == ',')
		*--q = '\0';
	if (text[0] == '\0')
		return -ENOENT;
	return cpu_list_parse(out, text, CPU_LIST_MAX_CPU, NULL, 0);
}

int
pm_online_init(struct power_mgr *pm, const struct cpu_list *allowed)
{
	struct cpu_list on;
	unsigned int cpu;
	char *buf = malloc(LIST_LEN);

	if (buf == NULL)
		return -ENOMEM;
	if (allowed != NULL && cpu_list_copy(&pm->allowed, allowed) < 0) {
		free(buf);
		return -ENOMEM;
	}
	/* Unreadable (an old or fake tree): every CPU counts as online. */
	pm_path_read(PM_CPU_DIR "/online", buf, LIST_LEN);
	if (parse_cpus(buf, &on) == 0) {
		for (cpu = 0; cpu < pm->nb_cpus; cpu++)
			pm->cores[cpu].offline = !cpu_list_has(&on, cpu);
		cpu_list_free(&on);
	}
	free(buf);
	return 0;
}

static unsigned int
count_online(const struct power_mgr *pm, const struct pm_policy *p)
{
	unsigned int i, n = 0;

	for (i = 0; i < p->nb_cpus; i++)
		n += !pm->cores[p->cpus[i]].offline;
	return n;
}

/* Whether any CPU of @p is READY (one outside --cpus may have joined). */
static int
controlled(const struct power_mgr *pm, const struct pm_policy *p)
{
	unsigned int i;

	for (i = 0; i < p->nb_cpus; i++)
		if (pm->cores[p->cpus[i]].state == POWER_MGR_CORE_READY)
			return 1;
	return 0;
}

/* The first online CPU of @p, or its current one if none is. */
static unsigned int
first_online(const struct power_mgr *pm, const struct pm_policy *p)
{
	unsigned int i;

	for (i = 0; i < p->nb_cpus; i++)
		if (!pm->cores[p->cpus[i]].offline)
			return p->cpus[i];
	return p->cpu;
}

void
pm_policy_home(struct power_mgr *pm, struct pm_policy *p)
{
	p->nb_online = count_online(pm, p);
	p->cpu = first_online(pm, p);
}

int
pm_policy_offline_exit(struct power_mgr *pm, struct pm_policy *p)
{
	if (p->nb_online > 0)
		return 0;
	PM_LOG(WARNING, "cpu %u: its cpufreq policy is offline at exit: not given back (%s)",
		p->cpu, pm->state_dir != NULL ?
		"its crash record gives it back at the next start" :
		"no state directory, no crash record");
	p->taken = 0;
	pm->nb_taken--;
	return 1;
}

/*
 * @p, taken, is written through p->cpu from now on, not @was->cpu (a
 * copy of it from before, which names the old crash record).
 */
static void
move_taken(struct power_mgr *pm, struct pm_policy *p,
	const struct pm_policy *was)
{
	PM_LOG(INFO, "cpu %u: offline: its policy goes on through cpu %u",
		was->cpu, p->cpu);
	/* librte_power reaches it through the old CPU's lcore only: give it
	 * back; the next apply takes it again through the new CPU. */
	if (p->be == &pm_backend_rte) {
		pm_policy_give_back(pm, p);
	} else {
		pm_policy_undo(p);
		if (pm_record_save(pm, p) < 0)
			return;	/* the old record still gives it back */
	}
	pm_record_drop(pm, was);
}

/* p->cpu went offline; others of @p are online: go on through one. */
static void
rehome(struct power_mgr *pm, struct pm_policy *p)
{
	struct pm_policy was = *p;

	p->cpu = first_online(pm, p);
	if (p->taken && p->cpu != was.cpu)
		move_taken(pm, p, &was);
}

/* The index whose write would give what @p's CPU shows now, or invalid. */
static uint32_t
kept_index(const struct pm_policy *p)
{
	uint32_t khz = pm_read_khz(p->cpu, p->pinned ?
		"cpufreq/scaling_max_freq" : "cpufreq/scaling_setspeed");
	uint32_t i;

	for (i = 0; i < p->nb_freqs; i++)
		if (khz == (i == 0 && p->turbo_khz != 0 ? p->turbo_khz :
				p->freqs[i]))
			return i;
	return VMP_POWER_INVALID_INDEX;
}

/*
 * The first CPU of @p is back (@cpu). Current kernels restart a policy
 * with its governor and limits; one whose policy object was freed
 * restarts at its defaults. Ours kept: go on (one write if the
 * frequency moved). Defaults: those are the policy's own now, and what
 * to give back once it is taken again.
 */
static void
back(struct power_mgr *pm, struct pm_policy *p, unsigned int cpu)
{
	struct pm_policy was = *p;
	char gov[32];

	p->cpu = cpu;
	if (!p->taken)
		return;
	pm_governor_read(cpu, gov, sizeof(gov));
	if (strcmp(gov, pm->drv->governor) == 0 && (!p->pinned ||
			pm_read_khz(cpu, "cpufreq/scaling_min_freq") ==
			pm_read_khz(cpu, "cpufreq/scaling_max_freq"))) {
		p->cur = kept_index(p);
		if (cpu != was.cpu)
			move_taken(pm, p, &was);
		return;
	}
	PM_LOG(INFO, "cpu %u: its policy came back at the kernel's defaults (governor %s): what to give back from now",
		cpu, gov);
	if (p->be == &pm_backend_rte)
		p->be->release(pm, p);
	p->taken = 0;
	pm->nb_taken--;
	p->cur = VMP_POWER_INVALID_INDEX;
	pm_record_drop(pm, &was);
}

/* @c joins @p, which the kernel shares with it. */
static int
join(struct power_mgr *pm, struct pm_policy *p, struct core *c)
{
	unsigned int *cpus = realloc(p->cpus, (p->nb_cpus + 1) *
		sizeof(*cpus)), i;

	if (cpus == NULL)
		return -ENOMEM;
	p->cpus = cpus;
	for (i = p->nb_cpus; i > 0 && cpus[i - 1] > c->cpu; i--)
		cpus[i] = cpus[i - 1];
	cpus[i] = c->cpu;
	p->nb_cpus++;
	c->pol = p;
	c->state = pm->cores[p->cpus[i == 0 ? 1 : 0]].state;
	if (c->state == POWER_MGR_CORE_READY && pm->allowed.nb_cpus > 0 &&
			!cpu_list_has(&pm->allowed, c->cpu)) {
		PM_LOG(WARNING, "cpu %u: outside --cpus, shares the cpufreq policy of cpu %u, which is controlled",
			c->cpu, p->cpu);
		c->state = POWER_MGR_CORE_EXCLUDED;
	}
	return 0;
}

/* A new policy with a CPU outside --cpus is left alone as a whole. */
static void
exclude_new(struct power_mgr *pm, struct pm_policy *p)
{
	unsigned int i, out = 0;

	for (i = 0; pm->allowed.nb_cpus > 0 && i < p->nb_cpus; i++)
		out |= !cpu_list_has(&pm->allowed, p->cpus[i]);
	for (i = 0; out && i < p->nb_cpus; i++)
		if (pm->cores[p->cpus[i]].state == POWER_MGR_CORE_READY)
			pm->cores[p->cpus[i]].state = POWER_MGR_CORE_EXCLUDED;
}

/* @c is online, with no policy known (offline with all of it at create):
 * its cpufreq files can be read now. */
static int
find_policy(struct power_mgr *pm, struct core *c)
{
	struct cpu_list rel;
	char path[PATH_MAX], buf[4096];
	int r, ret;

	snprintf(path, sizeof(path), PM_CPU_DIR "/cpu%u/cpufreq", c->cpu);
	if (pm->drv == NULL || access(path, F_OK) < 0)
		return 0;
	pm_attr_read(c->cpu, "cpufreq/related_cpus", buf, sizeof(buf));
	if (parse_cpus(buf, &rel) == 0) {
		for (r = cpu_list_next(&rel, 0); r >= 0;
				r = cpu_list_next(&rel, (unsigned int)r + 1))
			if ((unsigned int)r < pm->nb_cpus &&
					pm->cores[r].pol != NULL)
				break;
		cpu_list_free(&rel);
		if (r >= 0) {
			ret = join(pm, pm->cores[r].pol, c);
			goto out;
		}
	}
	/* The flush's list holds every policy: room for one more. */
	if (pm->dirty != NULL) {
		void *d = realloc(pm->dirty, (pm->nb_pols + 1) *
			sizeof(*pm->dirty));

		if (d == NULL)
			return -ENOMEM;
		pm->dirty = d;
	}
	c->state = POWER_MGR_CORE_FAILED;
	ret = pm_policy_add(pm, c->cpu);
	if (ret == 0 && c->pol != NULL)
		exclude_new(pm, c->pol);
out:
	if (ret < 0)
		return ret;
	pm->nb_ready = 0;
	for (r = 0; r < (int)pm->nb_cpus; r++)
		pm->nb_ready += pm->cores[r].state == POWER_MGR_CORE_READY;
	PM_LOG(INFO, "cpu %u: online, cpufreq policy found: %s", c->cpu,
		power_mgr_core_state_str(c->state));
	return 0;
}

/* @cpu is back: give back what a dead instance left on its policy,
 * before the policy is read or taken. */
static void
retry_records(struct power_mgr *pm, unsigned int cpu)
{
	struct cpu_list rel;
	char buf[4096];

	pm_attr_read(cpu, "cpufreq/related_cpus", buf, sizeof(buf));
	if (parse_cpus(buf, &rel) < 0) {
		pm_records_retry(pm, cpu, NULL);
		return;
	}
	pm_records_retry(pm, cpu, &rel);
	cpu_list_free(&rel);
}

/* Tell every CPU's state; then re-check each taken policy whose CPU
 * stayed online as on a return: it may have gone and come back unseen. */
int
power_mgr_cpus_online(struct power_mgr *pm, const struct cpu_list *online)
{
	unsigned int cpu, i, n = 0;
	int ret, err = 0;

	for (cpu = 0; cpu < pm->nb_cpus; cpu++) {
		ret = power_mgr_cpu_online(pm, cpu, cpu_list_has(online, cpu));
		if (ret < 0)
			err = ret;
		else
			n += (unsigned int)ret;
	}
	for (i = 0; i < pm->nb_pols; i++) {
		struct pm_policy *p = pm->pols[i];

		if (!p->taken || p->nb_online == 0)
			continue;
		back(pm, p, p->cpu);
		ret = pm_policy_changed(pm, p);
		if (ret < 0)
			err = ret;
	}
	return err < 0 ? err : (int)n;
}

int
power_mgr_cpu_online(struct power_mgr *pm, unsigned int cpu, int online)
{
	struct pm_policy *p;
	unsigned int was_online;
	struct core *c;
	int ret;

	if (cpu >= pm->nb_cpus)
		return -ENODEV;
	c = &pm->cores[cpu];
	online = online != 0;
	if (c->offline == !online)
		return 0;
	c->offline = !online;
	if (online && pm->nb_left > 0)
		retry_records(pm, cpu);
	if (online && c->pol == NULL) {
		ret = find_policy(pm, c);
		if (ret < 0)
			return ret;
	}
	p = c->pol;
	was_online = p != NULL ? p->nb_online : 0;
	if (p != NULL)
		p->nb_online = count_online(pm, p);
	if (p == NULL || !controlled(pm, p)) {
		PM_LOG(INFO, "cpu %u: %s (not controlled: %s)", cpu,
			online ? "online" : "offline",
			power_mgr_core_state_str(c->state));
		return 1;
	}
	if (online) {
		PM_LOG(INFO, "cpu %u: online: its votes count again", cpu);
		if (was_online == 0)
			back(pm, p, cpu);
	} else {
		PM_LOG(INFO, "cpu %u: offline: its votes (%u) kept for its return%s",
			cpu, c->nb_votes + c->has_manual,
			p->nb_online > 0 ? "" : p->taken ?
			"; its policy is inactive: left as the kernel keeps it" :
			"; its policy is inactive");
		if (p->nb_online > 0 && cpu == p->cpu)
			rehome(pm, p);
		/* A write the kernel refused as it went is no failure of
		 * the votes: they are written when a CPU returns. */
		if (p->nb_online == 0)
			p->failed = 0;
	}
	ret = pm_policy_changed(pm, p);
	return ret < 0 ? ret : 1;
}
