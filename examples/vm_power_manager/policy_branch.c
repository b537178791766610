/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * BRANCH_RATIO on the loop (policy.h): each pCPU's counter group, opened
 * when a policy on it is accepted and closed with the last one; the
 * branch sampler (policy_sources.h) reads them and hands the decisions
 * back as jobs.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmp_protocol.h>

#include "channel_manager.h"
#include "channel_monitor.h"
#include "policy.h"
#include "policy_private.h"
#include "policy_sources.h"

static struct branch_cpu *
find_cpu(const struct policy_set *ps, unsigned int cpu)
{
	unsigned int i;

	for (i = 0; i < ps->nb_bcpu; i++)
		if (ps->bcpu[i].cpu == cpu)
			return &ps->bcpu[i];
	return NULL;
}

/* The group of @cpu, opened if it is not. */
static struct branch_cpu *
open_cpu(struct policy_set *ps, unsigned int cpu, char *why, size_t len)
{
	struct branch_cpu *b = find_cpu(ps, cpu);
	int leader, member, ret;

	if (b != NULL)
		return b;
	if (ps->nb_bcpu == ps->cap_bcpu) {
		unsigned int cap = ps->cap_bcpu ? ps->cap_bcpu * 2 : 4;
		struct branch_cpu *g = realloc(ps->bcpu, cap * sizeof(*g));

		if (g == NULL) {
			snprintf(why, len, "out of memory");
			errno = ENOMEM;
			return NULL;
		}
		ps->bcpu = g;
		ps->cap_bcpu = cap;
	}
	ret = branch_events_open(ps->conf.branch_events, cpu, &leader,
		&member, why, len);
	if (ret < 0) {
		errno = -ret;
		return NULL;
	}
	b = &ps->bcpu[ps->nb_bcpu++];
	memset(b, 0, sizeof(*b));
	b->cpu = cpu;
	b->gen = ++ps->bgen;
	b->leader = leader;
	b->member = member;
	b->level = POLICY_NONE;
	return b;
}

int
policy_branch_open(struct policy_set *ps, const struct vm *vm,
		const struct vmp_proto_packet *pkt, char *why, size_t len)
{
	unsigned int i;
	int cpu;

	for (i = 0; i < pkt->num_vcpu; i++) {
		const struct cpu_list *pcpus =
			&vm->pcpus[pkt->vcpu_to_control[i]];

		for (cpu = cpu_list_next(pcpus, 0); cpu >= 0;
				cpu = cpu_list_next(pcpus, (unsigned int)cpu + 1)) {
			if (open_cpu(ps, (unsigned int)cpu, why, len) != NULL)
				continue;
			/* Those opened for this policy alone go again. */
			policy_branch_sync(ps);
			return -errno;
		}
	}
	return 0;
}

static void branch_deliver(struct branch_batch *b, void *ctx);

void
policy_branch_sync(struct policy_set *ps)
{
	struct branch_watch *w;
	char why[160];
	unsigned int i, k, n = 0;
	uint32_t j;
	int cpu;

	for (i = 0; i < ps->nb_bcpu; i++)
		ps->bcpu[i].used = 0;
	for (j = 0; j < ps->n; j++) {
		const struct policy *p = &ps->pol[j];
		const struct cpu_list *pcpus;

		if (p->pkt.policy_to_use != VMP_PROTO_POLICY_BRANCH_RATIO ||
				p->vcpu >= p->vm->nb_vcpus)
			continue;
		pcpus = &p->vm->pcpus[p->vcpu];
		for (cpu = cpu_list_next(pcpus, 0); cpu >= 0;
				cpu = cpu_list_next(pcpus, (unsigned int)cpu + 1)) {
			/* A re-pinned vCPU's new pCPU. */
			struct branch_cpu *b = open_cpu(ps, (unsigned int)cpu,
				why, sizeof(why));

			if (b != NULL)
				b->used = 1;
			else
				POL_LOG(ERR, "VM %s vCPU %u: %s", p->vm->name,
					p->vcpu, why);
		}
	}
	if (ps->nb_bcpu == 0)
		return;
	w = calloc(ps->nb_bcpu, sizeof(*w));
	if (w == NULL) {
		POL_LOG(ERR, "branch sampler: out of memory");
		return;
	}
	for (i = 0; i < ps->nb_bcpu; i++)
		if (ps->bcpu[i].used) {
			w[n].cpu = ps->bcpu[i].cpu;
			w[n].gen = ps->bcpu[i].gen;
			w[n].fd = ps->bcpu[i].leader;
			n++;
		}
	if (n > 0 && ps->bs == NULL && branch_sampler_create(
			ps->conf.branch_period_us ? ps->conf.branch_period_us :
			POLICY_BRANCH_PERIOD_US, ps->conf.branch_threshold > 0 ?
			ps->conf.branch_threshold : POLICY_BRANCH_THRESHOLD,
			branch_deliver, ps->conf.mon, &ps->bs) < 0)
		POL_LOG(ERR, "branch sampler could not start: BRANCH_RATIO "
			"policies have no vote");
	/* The sampler reads none of the groups closed below once this
	 * returns; without a sampler nothing reads them. */
	if (ps->bs != NULL && branch_sampler_watch(ps->bs, w, n) < 0) {
		POL_LOG(ERR, "branch sampler: out of memory");
		free(w);
		return;
	}
	free(w);
	for (i = 0, k = 0; i < ps->nb_bcpu; i++) {
		if (ps->bcpu[i].used) {
			ps->bcpu[k++] = ps->bcpu[i];
			continue;
		}
		close(ps->bcpu[i].member);
		close(ps->bcpu[i].leader);
	}
	ps->nb_bcpu = k;
}

enum policy_level
policy_branch_decide(const struct policy_set *ps, struct policy *p)
{
	enum policy_level lv = POLICY_NONE;
	const struct cpu_list *pcpus;
	int cpu;

	p->ratio = 0;
	if (p->vcpu >= p->vm->nb_vcpus)
		return POLICY_NONE;
	pcpus = &p->vm->pcpus[p->vcpu];
	for (cpu = cpu_list_next(pcpus, 0); cpu >= 0;
			cpu = cpu_list_next(pcpus, (unsigned int)cpu + 1)) {
		const struct branch_cpu *b = find_cpu(ps, (unsigned int)cpu);

		if (b == NULL)
			continue;
		if (b->level > lv)
			lv = b->level;
		if (b->ratio > p->ratio)
			p->ratio = b->ratio;
	}
	return lv;
}

/* A round of decisions, on the loop. */
static void
branch_job(struct monitor *mon, void *arg)
{
	struct policy_set *ps = monitor_policies(mon);
	struct branch_batch *b = arg;
	unsigned int i, k;
	uint32_t j;

	for (i = 0; i < b->n; i++)
		for (k = 0; k < ps->nb_bcpu; k++)
			if (ps->bcpu[k].gen == b->r[i].gen) {
				ps->bcpu[k].level = b->r[i].level;
				ps->bcpu[k].ratio = b->r[i].ratio;
			}
	for (j = 0; j < ps->n; j++)
		if (ps->pol[j].pkt.policy_to_use ==
				VMP_PROTO_POLICY_BRANCH_RATIO &&
				!ps->pol[j].overridden)
			policy_redecide(ps, &ps->pol[j]);
	free(b);
}

/* On the sampler's thread: hand the round to the loop. */
static void
branch_deliver(struct branch_batch *b, void *ctx)
{
	if (monitor_post(ctx, branch_job, b) < 0)
		free(b);
}

void
policy_branch_fini(struct policy_set *ps)
{
	unsigned int i;

	branch_sampler_destroy(ps->bs);
	ps->bs = NULL;
	for (i = 0; i < ps->nb_bcpu; i++) {
		close(ps->bcpu[i].member);
		close(ps->bcpu[i].leader);
	}
	free(ps->bcpu);
	ps->bcpu = NULL;
	ps->nb_bcpu = 0;
}
