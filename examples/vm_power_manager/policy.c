/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Host-side power policies: see policy.h. Runs on the monitor's loop.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>

#include <vmp_protocol_policy.h>

#include "channel_manager.h"
#include "channel_monitor.h"
#include "policy.h"
#include "policy_private.h"
#include "policy_sources.h"
#include "power_manager.h"

RTE_LOG_REGISTER(vmp_policy_logtype, vmpower.policy, INFO);

int
policy_set_create(const struct policy_conf *conf, struct policy_set **out)
{
	struct policy_set *ps = calloc(1, sizeof(*ps));

	if (ps == NULL)
		return -ENOMEM;
	ps->conf = *conf;
	ps->tfd = -1;
	*out = ps;
	return 0;
}

static void
timer_close(struct policy_set *ps)
{
	if (ps->tfd < 0)
		return;
	epoll_ctl(ps->conf.epfd, EPOLL_CTL_DEL, ps->tfd, NULL);
	close(ps->tfd);
	ps->tfd = -1;
}

void
policy_set_destroy(struct policy_set *ps)
{
	if (ps == NULL)
		return;
	timer_close(ps);
	policy_traffic_fini(ps);
	policy_branch_fini(ps);
	free(ps->pol);
	free(ps);
}

/* The hour of the (possibly shifted) local wall clock. */
static int
local_hour(const struct policy_set *ps, time_t *now)
{
	struct tm tm;

	*now = time(NULL) + (time_t)ps->conf.time_offset_s;
	if (localtime_r(now, &tm) == NULL)
		return -1;
	return tm.tm_hour;
}

static enum policy_level
decide(const struct policy_set *ps, struct policy *p)
{
	time_t now;

	switch (p->pkt.policy_to_use) {
	case VMP_PROTO_POLICY_WORKLOAD:
		return policy_workload_level(p->pkt.workload);
	case VMP_PROTO_POLICY_TIME: {
		enum policy_level lv;

		p->hour = local_hour(ps, &now);
		p->decided = now;
		lv = policy_time_level(&p->pkt, p->hour);
		if (lv != POLICY_TRAFFIC_HOUR)
			return lv;
		/* Traffic hours of a policy with no NIC: no packets. */
		if (p->pkt.nb_mac_to_monitor == 0)
			return policy_traffic_level(&p->pkt, 0);
		return p->have_rate ? policy_traffic_level(&p->pkt, p->pps) :
			POLICY_NONE;
	}
	case VMP_PROTO_POLICY_TRAFFIC:
		return p->have_rate ? policy_traffic_level(&p->pkt, p->pps) :
			POLICY_NONE;
	case VMP_PROTO_POLICY_BRANCH_RATIO:
		return policy_branch_decide(ps, p);
	default:
		return POLICY_NONE;
	}
}

/* Vote @lv for the policy's vCPU on each of its pCPUs. */
static int
vote(struct policy_set *ps, struct policy *p, enum policy_level lv)
{
	struct power_mgr *pm = ps->conf.pm;
	uint64_t req = POWER_MGR_VCPU(p->vm->id, p->vcpu);
	const struct cpu_list *pcpus = &p->vm->pcpus[p->vcpu];
	struct power_mgr_core_info info;
	int cpu, ret = 0, r;

	p->level = lv;
	switch (lv) {
	case POLICY_MAX:
		return power_mgr_request_set(pm, req, pcpus, POWER_MGR_MAX, 0);
	case POLICY_MIN:
		return power_mgr_request_set(pm, req, pcpus, POWER_MGR_MIN, 0);
	case POLICY_MEDIUM:
		for (cpu = cpu_list_next(pcpus, 0); cpu >= 0;
				cpu = cpu_list_next(pcpus, (unsigned int)cpu + 1)) {
			r = power_mgr_core_info(pm, (unsigned int)cpu, &info);
			if (r == 0)
				r = power_mgr_request(pm, req, (unsigned int)cpu,
					POWER_MGR_INDEX, info.nb_freqs / 2);
			if (r < 0 && ret == 0)
				ret = r;
		}
		return ret;
	default:
		r = power_mgr_drop(pm, req, POWER_MGR_ONE_MASK);
		return r < 0 ? r : 0;
	}
}

static struct policy *
find(struct policy_set *ps, const struct vm *vm, uint32_t vcpu)
{
	uint32_t i;

	for (i = 0; i < ps->n; i++)
		if (ps->pol[i].vm == vm && ps->pol[i].vcpu == vcpu)
			return &ps->pol[i];
	return NULL;
}

/* The real time at which the shifted wall clock reads @target_wall. */
static time_t
wall_to_real(time_t target_wall, int64_t offset)
{
	return target_wall - (time_t)offset;
}

/* The next local hour boundary after @now (DST-safe: mktime decides). */
static time_t
next_hour(time_t now)
{
	struct tm tm;
	time_t b;

	if (localtime_r(&now, &tm) == NULL)
		return now + 3600 - now % 3600;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_hour++;
	tm.tm_isdst = -1;
	b = mktime(&tm);
	return b > now ? b : now + 3600 - now % 3600;
}

/* The hour timer exists while a TIME policy votes, and only then. */
static void
timer_update(struct policy_set *ps)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &ps->tfd };
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	time_t oldest = 0;
	uint32_t i;
	int need = 0;

	policy_traffic_sync(ps);
	policy_branch_sync(ps);
	/* The boundary after the oldest decision: one that passed between
	 * a decision and now fires at once, and the hour is read again. */
	for (i = 0; i < ps->n; i++) {
		const struct policy *p = &ps->pol[i];

		if (p->pkt.policy_to_use != VMP_PROTO_POLICY_TIME ||
				p->overridden)
			continue;
		if (!need || p->decided < oldest)
			oldest = p->decided;
		need = 1;
	}
	if (!need) {
		timer_close(ps);
		return;
	}
	if (ps->tfd < 0) {
		ps->tfd = timerfd_create(CLOCK_REALTIME,
			TFD_NONBLOCK | TFD_CLOEXEC);
		if (ps->tfd < 0 || epoll_ctl(ps->conf.epfd, EPOLL_CTL_ADD,
				ps->tfd, &ev) < 0) {
			POL_LOG(ERR, "hour timer: %s: TIME policies keep "
				"their current decision", strerror(errno));
			if (ps->tfd >= 0)
				close(ps->tfd);
			ps->tfd = -1;
			return;
		}
	}
	its.it_value.tv_sec = wall_to_real(next_hour(oldest),
		ps->conf.time_offset_s);
	if (timerfd_settime(ps->tfd, TFD_TIMER_ABSTIME |
			TFD_TIMER_CANCEL_ON_SET, &its, NULL) < 0)
		POL_LOG(ERR, "hour timer: %s", strerror(errno));
}

void
policy_set_time_offset(struct policy_set *ps, int64_t offset_s)
{
	ps->conf.time_offset_s = offset_s;
	timer_update(ps);
}

int
policy_timer_armed(const struct policy_set *ps)
{
	return ps->tfd >= 0;
}

/* Decide and vote; a failed write is logged by the power manager. */
void
policy_redecide(struct policy_set *ps, struct policy *p)
{
	enum policy_level lv = decide(ps, p);

	if (lv != p->level || p->pending)
		vote(ps, p, lv);
	p->pending = 0;
}

int
policy_event(struct policy_set *ps, void *tag)
{
	uint64_t v;
	uint32_t i;

	if (tag != (void *)&ps->tfd)
		return 0;
	/* ECANCELED: the clock was set; the hour is read again anyway. */
	if (read(ps->tfd, &v, sizeof(v)) < 0 && errno != EAGAIN &&
			errno != ECANCELED)
		POL_LOG(ERR, "hour timer: %s", strerror(errno));
	for (i = 0; i < ps->n; i++)
		if (ps->pol[i].pkt.policy_to_use == VMP_PROTO_POLICY_TIME &&
				!ps->pol[i].overridden)
			policy_redecide(ps, &ps->pol[i]);
	timer_update(ps);
	return 1;
}

static struct policy *
add(struct policy_set *ps, struct vm *vm, uint32_t vcpu)
{
	struct policy *p = find(ps, vm, vcpu);

	if (p != NULL)
		return p;
	if (ps->n == ps->cap) {
		uint32_t cap = ps->cap ? ps->cap * 2 : 8;
		struct policy *grown = realloc(ps->pol, cap * sizeof(*grown));

		if (grown == NULL)
			return NULL;
		ps->pol = grown;
		ps->cap = cap;
	}
	p = &ps->pol[ps->n++];
	memset(p, 0, sizeof(*p));
	p->vm = vm;
	p->vcpu = vcpu;
	p->level = POLICY_NONE;
	p->hour = -1;
	return p;
}

int
policy_apply(struct policy_set *ps, struct vm *vm,
		const struct vmp_proto_packet *pkt, char *why, size_t len)
{
	unsigned int i;
	int ret;

	if (ps->conf.pm == NULL) {
		snprintf(why, len, "no frequency control on this host");
		return -ENODEV;
	}
	if (vmp_proto_policy_check(pkt, vm->nb_vcpus, why, len) !=
			VMP_PROTO_VALID)
		return -EINVAL;
	ret = policy_check_host(ps->conf.pm, ps->conf.max_pin_set, vm, pkt,
		why, len);
	/* Its pCPUs' counters, opened now: no PMU is a NACK. */
	if (ret == 0 && pkt->policy_to_use == VMP_PROTO_POLICY_BRANCH_RATIO)
		ret = policy_branch_open(ps, vm, pkt, why, len);
	if (ret < 0)
		return ret;
	/* Room first: a policy is all of its vCPUs or none. */
	if (ps->cap - ps->n < pkt->num_vcpu) {
		uint32_t cap = RTE_MAX(ps->cap * 2, ps->n + pkt->num_vcpu);
		struct policy *grown = realloc(ps->pol, cap * sizeof(*grown));

		if (grown == NULL) {
			snprintf(why, len, "out of memory");
			policy_branch_sync(ps);	/* counters opened above */
			return -ENOMEM;
		}
		ps->pol = grown;
		ps->cap = cap;
	}
	for (i = 0; i < pkt->num_vcpu; i++) {
		struct policy *p = add(ps, vm, pkt->vcpu_to_control[i]);

		p->pkt = *pkt;
		p->overridden = 0;
		p->pending = 0;
		p->have_rate = 0;
		p->pps = 0;
		p->no_counter_said = 0;
		memset(p->have_prev, 0, sizeof(p->have_prev));
		ret = vote(ps, p, decide(ps, p));
		if (ret < 0 && ret != -EIO) {
			snprintf(why, len, "vCPU %u: %s", p->vcpu,
				strerror(-ret));
			policy_remove(ps, vm, p->vcpu);
			break;
		}
		ret = 0;
	}
	timer_update(ps);
	return ret;
}

static void
remove_at(struct policy_set *ps, uint32_t i, int drop)
{
	struct policy *p = &ps->pol[i];

	if (drop && !p->overridden && ps->conf.pm != NULL)
		power_mgr_drop(ps->conf.pm, POWER_MGR_VCPU(p->vm->id, p->vcpu),
			POWER_MGR_ONE_MASK);
	ps->pol[i] = ps->pol[--ps->n];
}

int
policy_remove(struct policy_set *ps, struct vm *vm, int64_t vcpu)
{
	uint32_t i = 0;
	int n = 0;

	while (i < ps->n) {
		if (ps->pol[i].vm == vm && (vcpu < 0 ||
				ps->pol[i].vcpu == (uint64_t)vcpu)) {
			remove_at(ps, i, 1);
			n++;
		} else {
			i++;
		}
	}
	timer_update(ps);
	return n;
}

void
policy_vm_down(struct policy_set *ps, struct vm *vm)
{
	uint32_t i = 0;
	int n = 0;

	while (i < ps->n) {
		if (ps->pol[i].vm == vm) {
			remove_at(ps, i, 0);
			n++;
		} else {
			i++;
		}
	}
	if (n > 0)
		POL_LOG(INFO, "VM %s: %d policies dropped with the VM",
			vm->name, n);
	timer_update(ps);
}

void
policy_override(struct policy_set *ps, struct vm *vm, uint32_t vcpu)
{
	struct policy *p = find(ps, vm, vcpu);

	if (p == NULL || p->overridden)
		return;
	p->overridden = 1;
	p->level = POLICY_NONE;
	timer_update(ps);
}

void
policy_vcpu_moved(struct policy_set *ps, struct vm *vm, uint32_t vcpu)
{
	struct policy *p = find(ps, vm, vcpu);

	if (p == NULL || p->overridden)
		return;
	p->pending = 1;
	ps->npending++;
}

void
policy_vote_lost(struct policy_set *ps, struct vm *vm, uint32_t vcpu)
{
	struct policy *p = find(ps, vm, vcpu);

	if (p == NULL)
		return;
	p->overridden = 0;
	p->pending = 1;
	ps->npending++;
}

void
policy_revote(struct policy_set *ps)
{
	uint32_t i = 0;

	if (ps->npending == 0)
		return;
	ps->npending = 0;
	while (i < ps->n) {
		struct policy *p = &ps->pol[i];

		if (!p->pending) {
			i++;
			continue;
		}
		/* Unplugged, or its new pin set is too wide: it goes. */
		if (p->vcpu >= p->vm->nb_vcpus ||
				cpu_list_count(&p->vm->pcpus[p->vcpu]) == 0 ||
				cpu_list_count(&p->vm->pcpus[p->vcpu]) >
				ps->conf.max_pin_set) {
			POL_LOG(NOTICE, "VM %s vCPU %u: policy dropped: the "
				"vCPU is unplugged or no longer pinned",
				p->vm->name, p->vcpu);
			remove_at(ps, i, 0);
			continue;
		}
		policy_redecide(ps, p);
		i++;
	}
	timer_update(ps);
}

uint32_t
policy_count(const struct policy_set *ps)
{
	return ps->n;
}

int
policy_get(const struct policy_set *ps, const struct vm *vm, uint32_t i,
		struct policy_info *info)
{
	uint32_t k, seen = 0;

	for (k = 0; k < ps->n; k++) {
		const struct policy *p = &ps->pol[k];

		if (vm != NULL && p->vm != vm)
			continue;
		if (seen++ != i)
			continue;
		info->vm = p->vm;
		info->vcpu = p->vcpu;
		info->type = p->pkt.policy_to_use;
		info->workload = p->pkt.workload;
		info->decision = p->level;
		info->overridden = p->overridden;
		info->hour = p->hour;
		info->pps = p->pps;
		info->ratio = p->ratio;
		return 0;
	}
	return -ENOENT;
}
