/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Votes, their arbitration and the public API; the cores themselves
 * (sysfs, librte_power) are power_manager_cores.c's.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "power_manager_private.h"

int vmp_power_logtype = RTE_LOGTYPE_USER1;

/* librte_power's state is process-wide: so is the one live manager. */
static struct {
	struct power_mgr *live;
	pid_t owner;			/* the process whose cores these are */
	int atexit_set;
} pm_ctx;

RTE_INIT(power_mgr_log_init)
{
	int type = rte_log_register_type_and_pick_level(
		"vmpower.power_manager", RTE_LOG_INFO);

	if (type >= 0)
		vmp_power_logtype = type;
}

/*
 * The highest frequency voted for on @c: the lowest index with a vote,
 * from the per-index counts, so its cost does not grow with the voters
 * (a pCPU shared by thousands of vCPUs). The CLI's setting overrides.
 */
static uint32_t
core_want(const struct core *c)
{
	uint32_t i;

	if (c->has_manual)
		return c->manual.idx;
	for (i = 0; c->nb_votes > 0 && i < c->pol->nb_freqs; i++)
		if (c->hist[i] > 0)
			return i;
	return PM_FREE;
}

/* A policy runs at the highest frequency any of its CPUs wants. */
uint32_t
pm_policy_want(const struct power_mgr *pm, const struct pm_policy *p)
{
	uint32_t i, want = PM_FREE;

	for (i = 0; i < p->nb_cpus; i++) {
		const struct core *c = &pm->cores[p->cpus[i]];

		if (c->state == POWER_MGR_CORE_READY && !c->offline)
			want = RTE_MIN(want, core_want(c));
	}
	return want;
}

void
power_mgr_fault_restore(void)
{
	struct power_mgr *pm = pm_ctx.live;
	unsigned int i, k;
	ssize_t n;
	int fd;

	if (pm == NULL || pm_ctx.owner != getpid())
		return;
	/* open, write, close only: async-signal-safe. */
	for (i = 0; i < pm->nb_pols; i++) {
		struct pm_policy *p = pm->pols[i];

		for (k = 0; p->taken && k < p->nb_undo; k++) {
			fd = open(p->undo[k].path, O_WRONLY | O_TRUNC |
				O_CLOEXEC);
			if (fd < 0)
				continue;
			n = write(fd, p->undo[k].val, strlen(p->undo[k].val));
			RTE_SET_USED(n);
			close(fd);
		}
	}
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
	struct power_mgr *pm;
	int ret;

	if (pm_ctx.live != NULL || rte_power_get_env() != PM_ENV_NOT_SET) {
		PM_LOG(ERR, "librte_power is in use already (it is process-wide)");
		return -EBUSY;
	}
	if (rte_lcore_count() == 0) {
		PM_LOG(ERR, "EAL is not initialised: librte_power needs it for the lcores it drives");
		return -EINVAL;
	}
	pm = calloc(1, sizeof(*pm));
	if (pm == NULL)
		return -ENOMEM;
	pm->lock_fd = -1;
	pm_ctx.live = pm;
	pm_ctx.owner = getpid();
	if (!pm_ctx.atexit_set && atexit(power_mgr_atexit) == 0)
		pm_ctx.atexit_set = 1;

	ret = pm_cores_init(pm, conf);
	if (ret < 0) {
		power_mgr_destroy(pm);
		return ret;
	}
	*out = pm;
	return 0;
}

void
power_mgr_destroy(struct power_mgr *pm)
{
	if (pm == NULL || pm != pm_ctx.live)
		return;
	pm_cores_exit(pm);
	free(pm->dirty);
	free(pm);
	pm_ctx.live = NULL;
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
	case POWER_MGR_CORE_EXCLUDED: return "outside --cpus";
	case POWER_MGR_CORE_FAILED: return "refused by its driver";
	default: return "no such CPU";
	}
}

/* The core to act on, or NULL with why (logged at create). */
static struct core *
ready_core(struct power_mgr *pm, unsigned int cpu, int *err)
{
	enum power_mgr_core_state st = cpu < pm->nb_cpus ?
		pm->cores[cpu].state : POWER_MGR_CORE_NONE;

	if (st == POWER_MGR_CORE_READY)
		return &pm->cores[cpu];
	PM_LOG(DEBUG, "cpu %u: %s: request refused", cpu,
		power_mgr_core_state_str(st));
	*err = st == POWER_MGR_CORE_EXCLUDED ? -EPERM : -ENODEV;
	return NULL;
}

/* Where @requester's vote is, or would go, in the sorted votes. */
static uint32_t
vote_pos(const struct core *c, uint64_t requester)
{
	uint32_t lo = 0, hi = c->nb_votes;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (c->votes[mid].requester < requester)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct power_mgr_vote *
find_vote(struct core *c, uint64_t requester)
{
	uint32_t i;

	if (requester == POWER_MGR_CLI)
		return c->has_manual ? &c->manual : NULL;
	i = vote_pos(c, requester);
	return i < c->nb_votes && c->votes[i].requester == requester ?
		&c->votes[i] : NULL;
}

/* Room for one more vote on @c, so that adding it cannot fail. */
static int
reserve_vote(struct core *c)
{
	if (c->hist == NULL)
		c->hist = calloc(c->pol->nb_freqs, sizeof(*c->hist));
	if (c->nb_votes == c->cap_votes && c->hist != NULL) {
		uint32_t cap = c->cap_votes ? c->cap_votes * 2 : 4;
		void *p = realloc(c->votes, cap * sizeof(*c->votes));

		if (p != NULL) {
			c->votes = p;
			c->cap_votes = cap;
		}
	}
	if (c->hist == NULL || c->nb_votes == c->cap_votes) {
		PM_LOG(ERR, "cpu %u: out of memory for votes", c->cpu);
		return -ENOMEM;
	}
	return 0;
}

/* A new vote for @requester, counted at @idx. */
static struct power_mgr_vote *
add_vote(struct core *c, uint64_t requester, uint32_t idx)
{
	uint32_t pos;

	if (requester == POWER_MGR_CLI) {
		c->has_manual = 1;
		return &c->manual;
	}
	if (reserve_vote(c) < 0)
		return NULL;
	pos = vote_pos(c, requester);
	memmove(&c->votes[pos + 1], &c->votes[pos],
		(c->nb_votes - pos) * sizeof(*c->votes));
	c->nb_votes++;
	c->votes[pos].requester = requester;
	c->votes[pos].idx = idx;
	c->hist[idx]++;
	return &c->votes[pos];
}

static void
set_vote(struct core *c, struct power_mgr_vote *old,
	const struct power_mgr_vote *v)
{
	if (old != &c->manual) {
		c->hist[old->idx]--;
		c->hist[v->idx]++;
	}
	*old = *v;
}

static void
remove_vote(struct core *c, struct power_mgr_vote *v)
{
	if (v == &c->manual) {
		c->has_manual = 0;
		return;
	}
	c->hist[v->idx]--;
	c->nb_votes--;
	memmove(v, v + 1, (size_t)(&c->votes[c->nb_votes] - v) * sizeof(*v));
}

/* Write @p at the flush: only the policies whose votes moved are seen. */
static void
mark_dirty(struct power_mgr *pm, struct pm_policy *p)
{
	if (p->dirty)
		return;
	if (pm->dirty == NULL)
		pm->dirty = calloc(pm->nb_pols, sizeof(*pm->dirty));
	if (pm->dirty == NULL)
		return;		/* the flush falls back to every policy */
	p->dirty = 1;
	pm->dirty[pm->nb_dirty++] = p;
}

int
pm_policy_changed(struct power_mgr *pm, struct pm_policy *p)
{
	if (!pm->deferred)
		return pm_policy_apply(pm, p);
	mark_dirty(pm, p);
	return 0;
}

/* Turn @v (a copy of the old vote, or a fresh one) into what @op asks. */
static int
plan(const struct core *c, struct power_mgr_vote *v, enum power_mgr_op op,
	uint32_t index)
{
	const struct pm_policy *p = c->pol;
	uint32_t last = p->nb_freqs - 1;

	switch (op) {
	case POWER_MGR_UP:
		v->idx = RTE_MAX(v->idx > 0 ? v->idx - 1 : 0,
			v->turbo ? 0 : p->top);
		return 0;
	case POWER_MGR_DOWN:
		v->idx = RTE_MIN(v->idx + 1, last);
		return 0;
	case POWER_MGR_MIN:
		v->idx = last;
		return 0;
	case POWER_MGR_MAX:
		v->idx = v->turbo ? 0 : p->top;
		return 0;
	case POWER_MGR_TURBO_ON:
		if (p->top == 0) {
			PM_LOG(INFO, "cpu %u: has no turbo frequency", c->cpu);
			return -ENOTSUP;
		}
		v->turbo = 1;
		v->idx = 0;
		return 0;
	case POWER_MGR_TURBO_OFF:
		v->turbo = 0;
		v->idx = RTE_MAX(v->idx, p->top);
		return 0;
	case POWER_MGR_INDEX:
		if (index > last || (index < p->top && !v->turbo)) {
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
	struct power_mgr_vote v = { .requester = requester };
	int ret;

	/* Without a vote a requester has nothing on turbo to take off. */
	if (old == NULL && op == POWER_MGR_TURBO_OFF)
		return 0;
	if (old != NULL)
		v = *old;
	else
		v.idx = pm_policy_now(c->pol);
	ret = plan(c, &v, op, index);
	if (ret < 0 || !commit)
		return ret;
	if (old == NULL) {
		old = add_vote(c, requester, v.idx);
		if (old == NULL)
			return -ENOMEM;
	}
	set_vote(c, old, &v);
	if (!pm->deferred)
		return RTE_MIN(pm_policy_apply(pm, c->pol), 0);
	mark_dirty(pm, c->pol);
	return 0;
}

int
power_mgr_request(struct power_mgr *pm, uint64_t requester, unsigned int cpu,
	enum power_mgr_op op, uint32_t index)
{
	int err = 0;
	struct core *c = ready_core(pm, cpu, &err);

	return c != NULL ? core_request(pm, c, requester, op, index, 1) : err;
}

int
power_mgr_request_set(struct power_mgr *pm, uint64_t requester,
	const struct cpu_list *cpus, enum power_mgr_op op, uint32_t index)
{
	struct core *c;
	int cpu, ret = cpu_list_count(cpus) > 0 ? 0 : -EINVAL, deferred;

	/*
	 * A set takes the request whole or not at all: every core is
	 * validated, and has room for the vote, before any vote moves;
	 * the writes then go out together.
	 */
	for (cpu = cpu_list_next(cpus, 0); cpu >= 0 && ret == 0;
			cpu = cpu_list_next(cpus, cpu + 1)) {
		c = ready_core(pm, cpu, &ret);
		if (c != NULL)
			ret = core_request(pm, c, requester, op, index, 0);
		if (ret == 0 && requester != POWER_MGR_CLI &&
				find_vote(c, requester) == NULL)
			ret = reserve_vote(c);
	}
	if (ret < 0)
		return ret;
	deferred = pm->deferred;
	pm->deferred = 1;
	for (cpu = cpu_list_next(cpus, 0); cpu >= 0;
			cpu = cpu_list_next(cpus, cpu + 1))
		core_request(pm, &pm->cores[cpu], requester, op, index, 1);
	return deferred ? 0 : power_mgr_flush(pm) < 0 ? -EIO : 0;
}

void
power_mgr_defer(struct power_mgr *pm)
{
	pm->deferred = 1;
}

/* Bring every policy to its votes; @return how many were written. */
static int
apply_all(struct power_mgr *pm)
{
	unsigned int i;
	int n = 0, r, err = 0;

	for (i = 0; i < pm->nb_pols; i++) {
		r = pm_policy_apply(pm, pm->pols[i]);
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
	unsigned int i;
	int n = 0, r, err = 0;

	pm->deferred = 0;
	if (pm->dirty == NULL)
		return apply_all(pm);
	for (i = 0; i < pm->nb_dirty; i++) {
		struct pm_policy *p = pm->dirty[i];

		p->dirty = 0;
		r = pm_policy_apply(pm, p);
		if (r < 0)
			err = r;
		else
			n += r;
	}
	pm->nb_dirty = 0;
	return err < 0 ? err : n;
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
		int before = n;

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
		if (n > before && pm->deferred)
			mark_dirty(pm, c->pol);
	}
	if (n > 0 && !pm->deferred && apply_all(pm) < 0)
		return -EIO;
	return n;
}

int
power_mgr_cpu_written(const struct power_mgr *pm, unsigned int cpu)
{
	if (cpu >= pm->nb_cpus || pm->cores[cpu].state != POWER_MGR_CORE_READY)
		return -ENODEV;
	return pm->cores[cpu].pol->failed ? -EIO : 0;
}

int
power_mgr_release(struct power_mgr *pm, uint64_t requester, unsigned int cpu)
{
	int err = 0;

	if (ready_core(pm, cpu, &err) == NULL)
		return err;
	return RTE_MIN(drop_votes(pm, requester, POWER_MGR_ONE_MASK, cpu,
		cpu + 1), 0);
}

int
power_mgr_drop(struct power_mgr *pm, uint64_t requester, uint64_t mask)
{
	return drop_votes(pm, requester, mask, 0, pm->nb_cpus);
}

int
power_mgr_core_info(struct power_mgr *pm, unsigned int cpu,
	struct power_mgr_core_info *info)
{
	struct pm_policy *p;
	struct core *c;

	if (cpu >= pm->nb_cpus)
		return -ENODEV;
	c = &pm->cores[cpu];
	memset(info, 0, sizeof(*info));
	info->state = c->state;
	info->manual_idx = c->has_manual ? (int32_t)c->manual.idx : -1;
	info->offline = c->offline;
	if (c->state == POWER_MGR_CORE_READY) {
		p = c->pol;
		info->controlled = p->taken;
		info->lcore = p->lcore;
		info->backend = p->taken ? p->be->name : NULL;
		info->nb_freqs = p->nb_freqs;
		info->cur_idx = pm_policy_now(p);
		if (info->cur_idx < p->nb_freqs)
			info->cur_khz = p->freqs[info->cur_idx];
		info->turbo = p->top != 0;	/* top > 1 on amd-pstate */
		info->priority = p->priority;
		info->nb_votes = c->nb_votes;
		info->changes = p->changes;
		info->siblings = p->cpus;
		info->nb_siblings = p->nb_cpus;
	}
	return 0;
}

int
power_mgr_freqs(struct power_mgr *pm, unsigned int cpu, uint32_t *khz,
	unsigned int n)
{
	int err = 0;
	struct core *c = ready_core(pm, cpu, &err);

	if (c == NULL)
		return err;
	memcpy(khz, c->pol->freqs, RTE_MIN(n, c->pol->nb_freqs) *
		sizeof(*khz));
	return c->pol->nb_freqs;
}

int
power_mgr_votes(struct power_mgr *pm, unsigned int cpu,
	struct power_mgr_vote *votes, unsigned int n)
{
	int err = 0;
	struct core *c = ready_core(pm, cpu, &err);
	unsigned int i, k = 0;

	if (c == NULL)
		return err;
	if (c->has_manual && k < n)
		votes[k++] = c->manual;
	for (i = 0; i < c->nb_votes && k < n; i++)
		votes[k++] = c->votes[i];
	return c->nb_votes + c->has_manual;
}
