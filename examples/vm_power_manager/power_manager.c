/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_power.h>

#include "power_manager.h"

/* librte_power's paths are fixed; discovery must look where it looks. */
#define CPU_DIR		"/sys/devices/system/cpu"

#define PM_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, pm_ctx.logtype, \
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
	struct power_mgr_vote *votes;
	uint32_t nb_votes;
	uint32_t cap_votes;
	uint64_t changes;
};

struct power_mgr {
	pthread_mutex_t lock;
	const char *driver;
	enum power_management_env env;
	struct core *cores;		/* indexed by CPU id */
	unsigned int nb_cpus;
	unsigned int nb_ready;
	int deferred;			/* writes wait for power_mgr_flush() */
};

/* librte_power's state is process-wide: so is the one live manager. */
static struct {
	int logtype;
	struct power_mgr *live;
	pid_t owner;			/* the process whose cores these are */
	int atexit_set;
} pm_ctx = { .logtype = RTE_LOGTYPE_USER1 };

RTE_INIT(power_mgr_log_init)
{
	int type = rte_log_register_type_and_pick_level(
		"vmpower.power_manager", RTE_LOG_INFO);

	if (type >= 0)
		pm_ctx.logtype = type;
}

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

/* librte_power maps an lcore to the one CPU of its EAL cpuset. */
static int
cpu_lcore(unsigned int cpu, unsigned int *lcore)
{
	unsigned int i;

	if (cpu >= CPU_SETSIZE)
		return -ERANGE;
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		unsigned int l = (cpu + i) % RTE_MAX_LCORE; /* lcore == cpu first */
		rte_cpuset_t set = rte_lcore_cpuset(l);

		if (CPU_COUNT(&set) == 1 && CPU_ISSET(cpu, &set)) {
			*lcore = l;
			return 0;
		}
	}
	return -ERANGE;
}

static uint32_t
effective(const struct core *c)
{
	uint32_t i, idx = c->top;

	if (c->has_manual)
		return c->manual.idx;
	if (c->nb_votes > 0)
		idx = c->votes[0].idx;
	for (i = 1; i < c->nb_votes; i++)
		idx = RTE_MIN(idx, c->votes[i].idx);
	return idx;
}

/* Write the effective frequency, only if it changed. @return 1 if so. */
static int
apply(struct core *c)
{
	uint32_t idx = effective(c);

	if (idx == c->cur)
		return 0;
	if (rte_power_set_freq(c->lcore, idx) < 0) {
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

	if (cpu_lcore(c->cpu, &c->lcore) < 0) {
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
	apply(c);
	PM_LOG(INFO, "cpu %u: lcore %u, %u-%u kHz in %u steps%s%s", c->cpu,
		c->lcore, c->freqs[c->nb_freqs - 1], c->freqs[0], c->nb_freqs,
		c->top ? ", turbo" : "", c->priority ? ", priority" : "");
}

static void
core_restore(struct power_mgr *pm, struct core *c)
{
	if (c->orig_idx >= 0 && (uint32_t)c->orig_idx != c->cur &&
			rte_power_set_freq(c->lcore, c->orig_idx) < 0)
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

static void
power_mgr_atexit(void)
{
	/* A forked child inherits the handler, not the cores. */
	if (pm_ctx.live != NULL && pm_ctx.owner == getpid())
		power_mgr_destroy(pm_ctx.live);
}

int
power_mgr_create(const struct power_mgr_conf *conf, struct power_mgr **out)
{
	const struct driver *d = NULL;
	struct power_mgr *pm;
	unsigned int cpu, nb_cpufreq = 0;
	int ret;

	if (pm_ctx.live != NULL || rte_power_get_env() != PM_ENV_NOT_SET) {
		PM_LOG(ERR, "librte_power is in use already (it is process-wide)");
		return -EBUSY;
	}
	if (rte_lcore_count() == 0) {
		PM_LOG(ERR, "EAL is not initialised: librte_power maps lcores to CPUs through it");
		return -EINVAL;
	}
	pm = calloc(1, sizeof(*pm));
	if (pm == NULL)
		return -ENOMEM;
	pthread_mutex_init(&pm->lock, NULL);
	pm->driver = "none";
	pm_ctx.live = pm;
	pm_ctx.owner = getpid();
	if (!pm_ctx.atexit_set && atexit(power_mgr_atexit) == 0)
		pm_ctx.atexit_set = 1;

	ret = discover(pm);
	if (ret == 0)
		ret = pick_driver(pm, conf != NULL ? conf->driver : NULL, &d);
	if (ret == 0 && d != NULL && rte_power_set_env(d->env) < 0) {
		PM_LOG(ERR, "librte_power refuses the %s environment", d->name);
		ret = -EIO;
	}
	if (ret < 0) {
		power_mgr_destroy(pm);
		return ret;
	}
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
	*out = pm;
	return 0;
}

void
power_mgr_destroy(struct power_mgr *pm)
{
	unsigned int cpu, n = 0;

	if (pm == NULL || pm != pm_ctx.live)
		return;
	pthread_mutex_lock(&pm->lock);
	for (cpu = 0; cpu < pm->nb_cpus; cpu++) {
		struct core *c = &pm->cores[cpu];

		if (c->state == POWER_MGR_CORE_READY) {
			core_restore(pm, c);
			n++;
		}
		free(c->freqs);
		free(c->votes);
	}
	if (pm->env != PM_ENV_NOT_SET)
		rte_power_unset_env();
	pthread_mutex_unlock(&pm->lock);
	pthread_mutex_destroy(&pm->lock);
	free(pm->cores);
	free(pm);
	pm_ctx.live = NULL;
	if (n > 0)
		PM_LOG(INFO, "%u CPUs handed back to their governors", n);
}

const char *
power_mgr_driver(const struct power_mgr *pm)
{
	return pm->driver;
}

unsigned int
power_mgr_nb_cpus(const struct power_mgr *pm)
{
	return pm->nb_cpus;
}

unsigned int
power_mgr_nb_ready(const struct power_mgr *pm)
{
	return pm->nb_ready;
}

const char *
power_mgr_core_state_str(enum power_mgr_core_state state)
{
	switch (state) {
	case POWER_MGR_CORE_READY: return "ready";
	case POWER_MGR_CORE_NO_CPUFREQ: return "no cpufreq";
	case POWER_MGR_CORE_NO_LCORE: return "beyond librte_power's lcores";
	case POWER_MGR_CORE_FAILED: return "refused by librte_power";
	default: return "no such CPU";
	}
}

/* The core to act on, or NULL (its reason was logged at create). */
static struct core *
ready_core(struct power_mgr *pm, unsigned int cpu)
{
	if (cpu < pm->nb_cpus && pm->cores[cpu].state == POWER_MGR_CORE_READY)
		return &pm->cores[cpu];
	PM_LOG(DEBUG, "cpu %u: %s: request refused", cpu,
		power_mgr_core_state_str(cpu < pm->nb_cpus ?
			pm->cores[cpu].state : POWER_MGR_CORE_NONE));
	return NULL;
}

static struct power_mgr_vote *
find_vote(struct core *c, uint64_t requester)
{
	uint32_t i;

	if (requester == POWER_MGR_CLI)
		return c->has_manual ? &c->manual : NULL;
	for (i = 0; i < c->nb_votes; i++)
		if (c->votes[i].requester == requester)
			return &c->votes[i];
	return NULL;
}

static struct power_mgr_vote *
add_vote(struct core *c, uint64_t requester)
{
	if (requester == POWER_MGR_CLI) {
		c->has_manual = 1;
		return &c->manual;
	}
	if (c->nb_votes == c->cap_votes) {
		uint32_t cap = c->cap_votes ? c->cap_votes * 2 : 4;
		void *p = realloc(c->votes, cap * sizeof(*c->votes));

		if (p == NULL) {
			PM_LOG(ERR, "cpu %u: out of memory for votes", c->cpu);
			return NULL;
		}
		c->votes = p;
		c->cap_votes = cap;
	}
	return &c->votes[c->nb_votes++];
}

static void
remove_vote(struct core *c, struct power_mgr_vote *v)
{
	if (v == &c->manual)
		c->has_manual = 0;
	else
		*v = c->votes[--c->nb_votes];
}

/* Turn @v (a copy of the old vote, or a fresh one) into what @op asks. */
static int
plan(const struct core *c, struct power_mgr_vote *v, enum power_mgr_op op,
	uint32_t index)
{
	uint32_t last = c->nb_freqs - 1;

	switch (op) {
	case POWER_MGR_UP:
		v->idx = RTE_MAX(v->idx > 0 ? v->idx - 1 : 0,
			v->turbo ? 0 : c->top);
		return 0;
	case POWER_MGR_DOWN:
		v->idx = RTE_MIN(v->idx + 1, last);
		return 0;
	case POWER_MGR_MIN:
		v->idx = last;
		return 0;
	case POWER_MGR_MAX:
		v->idx = v->turbo ? 0 : c->top;
		return 0;
	case POWER_MGR_TURBO_ON:
		if (c->top == 0) {
			PM_LOG(INFO, "cpu %u: has no turbo frequency", c->cpu);
			return -ENOTSUP;
		}
		v->turbo = 1;
		v->idx = 0;
		return 0;
	case POWER_MGR_TURBO_OFF:
		v->turbo = 0;
		v->idx = RTE_MAX(v->idx, c->top);
		return 0;
	case POWER_MGR_INDEX:
		if (index > last || (index < c->top && !v->turbo)) {
			PM_LOG(INFO, "cpu %u: index %u is %s", c->cpu, index,
				index > last ? "past the list" :
				"turbo, which this requester has not enabled");
			return -EINVAL;
		}
		v->idx = index;
		return 0;
	}
	PM_LOG(ERR, "unknown operation %d", (int)op);
	return -EINVAL;
}

/* Validate @op on @c, and with @commit carry it out. */
static int
core_request(struct power_mgr *pm, struct core *c, uint64_t requester,
	enum power_mgr_op op, uint32_t index, int commit)
{
	struct power_mgr_vote *old = find_vote(c, requester);
	struct power_mgr_vote v = { .requester = requester, .idx = effective(c) };
	int ret;

	/* Without a vote a requester has nothing on turbo to take off. */
	if (old == NULL && op == POWER_MGR_TURBO_OFF)
		return 0;
	if (old != NULL)
		v = *old;
	ret = plan(c, &v, op, index);
	if (ret < 0 || !commit)
		return ret;
	if (old == NULL && (old = add_vote(c, requester)) == NULL)
		return -ENOMEM;
	*old = v;
	return pm->deferred ? 0 : RTE_MIN(apply(c), 0);
}

int
power_mgr_request(struct power_mgr *pm, uint64_t requester, unsigned int cpu,
	enum power_mgr_op op, uint32_t index)
{
	struct core *c;
	int ret = -ENODEV;

	pthread_mutex_lock(&pm->lock);
	c = ready_core(pm, cpu);
	if (c != NULL)
		ret = core_request(pm, c, requester, op, index, 1);
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

int
power_mgr_request_set(struct power_mgr *pm, uint64_t requester,
	const struct cpu_list *cpus, enum power_mgr_op op, uint32_t index)
{
	struct core *c;
	int cpu, ret = cpu_list_count(cpus) > 0 ? 0 : -EINVAL, r;

	pthread_mutex_lock(&pm->lock);
	/* Validate all first: a set takes the request whole or not at all. */
	for (cpu = cpu_list_next(cpus, 0); cpu >= 0 && ret == 0;
			cpu = cpu_list_next(cpus, cpu + 1)) {
		c = ready_core(pm, cpu);
		ret = c == NULL ? -ENODEV :
			core_request(pm, c, requester, op, index, 0);
	}
	for (cpu = cpu_list_next(cpus, 0); cpu >= 0 && ret == 0;
			cpu = cpu_list_next(cpus, cpu + 1)) {
		r = core_request(pm, &pm->cores[cpu], requester, op, index, 1);
		if (r < 0)
			ret = r;	/* logged; the others still proceed */
	}
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

void
power_mgr_defer(struct power_mgr *pm)
{
	pthread_mutex_lock(&pm->lock);
	pm->deferred = 1;
	pthread_mutex_unlock(&pm->lock);
}

/* Write every ready core whose effective index moved; @return how many. */
static int
apply_all(struct power_mgr *pm)
{
	unsigned int cpu;
	int n = 0, r, err = 0;

	for (cpu = 0; cpu < pm->nb_cpus; cpu++) {
		if (pm->cores[cpu].state != POWER_MGR_CORE_READY)
			continue;
		r = apply(&pm->cores[cpu]);
		if (r < 0)
			err = r;
		else
			n += r;
	}
	return err < 0 ? err : n;
}

int
power_mgr_flush(struct power_mgr *pm)
{
	int ret;

	pthread_mutex_lock(&pm->lock);
	pm->deferred = 0;
	ret = apply_all(pm);
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

/* Remove matching votes on CPUs [first, end) and re-evaluate them. */
static int
drop_votes(struct power_mgr *pm, uint64_t requester, uint64_t mask,
	unsigned int first, unsigned int end)
{
	unsigned int cpu;
	int n = 0;
	uint32_t i;

	for (cpu = first; cpu < end; cpu++) {
		struct core *c = &pm->cores[cpu];

		if (c->state != POWER_MGR_CORE_READY)
			continue;
		for (i = c->nb_votes; i-- > 0;)
			if ((c->votes[i].requester & mask) == (requester & mask)) {
				remove_vote(c, &c->votes[i]);
				n++;
			}
		if (c->has_manual &&
				(POWER_MGR_CLI & mask) == (requester & mask)) {
			remove_vote(c, &c->manual);
			n++;
		}
	}
	if (n > 0 && !pm->deferred && apply_all(pm) < 0)
		return -EIO;
	return n;
}

int
power_mgr_release(struct power_mgr *pm, uint64_t requester, unsigned int cpu)
{
	int ret = -ENODEV;

	pthread_mutex_lock(&pm->lock);
	if (ready_core(pm, cpu) != NULL)
		ret = drop_votes(pm, requester, POWER_MGR_ONE_MASK, cpu,
			cpu + 1);
	pthread_mutex_unlock(&pm->lock);
	return RTE_MIN(ret, 0);
}

int
power_mgr_drop(struct power_mgr *pm, uint64_t requester, uint64_t mask)
{
	int ret;

	pthread_mutex_lock(&pm->lock);
	ret = drop_votes(pm, requester, mask, 0, pm->nb_cpus);
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

int
power_mgr_core_info(struct power_mgr *pm, unsigned int cpu,
	struct power_mgr_core_info *info)
{
	struct core *c;

	if (cpu >= pm->nb_cpus)
		return -ENODEV;
	pthread_mutex_lock(&pm->lock);
	c = &pm->cores[cpu];
	memset(info, 0, sizeof(*info));
	info->state = c->state;
	info->manual_idx = c->has_manual ? (int32_t)c->manual.idx : -1;
	if (c->state == POWER_MGR_CORE_READY) {
		info->lcore = c->lcore;
		info->nb_freqs = c->nb_freqs;
		info->cur_idx = rte_power_get_freq(c->lcore);
		if (info->cur_idx < c->nb_freqs)
			info->cur_khz = c->freqs[info->cur_idx];
		info->turbo = c->top;
		info->priority = c->priority;
		info->nb_votes = c->nb_votes;
		info->changes = c->changes;
	}
	pthread_mutex_unlock(&pm->lock);
	return 0;
}

int
power_mgr_freqs(struct power_mgr *pm, unsigned int cpu, uint32_t *khz,
	unsigned int n)
{
	struct core *c;
	int ret = -ENODEV;

	pthread_mutex_lock(&pm->lock);
	c = ready_core(pm, cpu);
	if (c != NULL) {
		memcpy(khz, c->freqs, RTE_MIN(n, c->nb_freqs) * sizeof(*khz));
		ret = c->nb_freqs;
	}
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

int
power_mgr_votes(struct power_mgr *pm, unsigned int cpu,
	struct power_mgr_vote *votes, unsigned int n)
{
	struct core *c;
	unsigned int i, k = 0;
	int ret = -ENODEV;

	pthread_mutex_lock(&pm->lock);
	c = ready_core(pm, cpu);
	if (c != NULL) {
		if (c->has_manual && k < n)
			votes[k++] = c->manual;
		for (i = 0; i < c->nb_votes && k < n; i++)
			votes[k++] = c->votes[i];
		ret = c->nb_votes + c->has_manual;
	}
	pthread_mutex_unlock(&pm->lock);
	return ret;
}
