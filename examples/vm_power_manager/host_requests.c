/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * What a host peer's packet does: the same checks as a VM's, but
 * resource_id is a host CPU, which must be in the peer's cpuset at the
 * time of the request; votes through the power manager; queries.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "host_channels_private.h"
#include "power_manager.h"

static void
answer(struct host_channels *hc, struct host_peer *p,
		const struct vmp_proto_packet *req, uint32_t command,
		const char *why)
{
	struct vmp_proto_packet r = *req;

	r.command = command;
	host_queue_reply(hc, p, &r, why);
}

static void
refuse(struct host_channels *hc, struct host_peer *p,
		const struct vmp_proto_packet *req, const char *why)
{
	const char *cmd = vmp_proto_command_str(req->command);

	if (cmd != NULL)
		PEER_LOG(p, NOTICE, "%s CPU %" PRIu64 " refused: %s", cmd,
			req->resource_id, why);
	else
		PEER_LOG(p, NOTICE, "command %u refused: %s", req->command,
			why);
	answer(hc, p, req, VMP_PROTO_NACK, why);
}

void
host_drop_votes(struct host_channels *hc, struct host_peer *p)
{
	struct power_mgr *pm = hc->mon->pm;

	if (pm != NULL && cpu_list_count(&p->voted) > 0)
		power_mgr_drop(pm, HOST_CHANNELS_REQUESTER(p->id, 0),
			POWER_MGR_VM_MASK);
	cpu_list_free(&p->voted);
	cpu_list_init(&p->voted, 1);
}

/*
 * The peer's cpuset now (its cgroup too, for the log). Votes on CPUs
 * that left it go: the container no longer owns them.
 * @return 0 with @cpus (free it), or -errno (refused)
 */
static int
peer_cpus(struct host_channels *hc, struct host_peer *p,
		struct cpu_list *cpus, int *confined)
{
	int ret = peer_cpuset_read(&hc->mounts, p->pid, p->cgroup,
		sizeof(p->cgroup), cpus, confined);
	int c;

	if (ret < 0)
		return ret;
	if (!*confined)
		snprintf(p->cpuset, sizeof(p->cpuset), "*");
	else if (cpu_list_count(cpus) == 0)
		p->cpuset[0] = '\0';
	else if (cpu_list_format(cpus, p->cpuset, sizeof(p->cpuset)) < 0)
		snprintf(p->cpuset, sizeof(p->cpuset), "...");
	if (!*confined || hc->mon->pm == NULL)
		return 0;
	host_policy_cpus_left(hc, p, cpus);
	for (c = cpu_list_next(&p->voted, 0); c >= 0;
			c = cpu_list_next(&p->voted, (unsigned int)c + 1)) {
		struct cpu_list rest;

		if (cpu_list_has(cpus, (unsigned int)c))
			continue;
		power_mgr_drop(hc->mon->pm, HOST_CHANNELS_REQUESTER(p->id,
			(uint32_t)c), POWER_MGR_ONE_MASK);
		PEER_LOG(p, INFO, "CPU %d left its cpuset %s: its vote there "
			"dropped", c, p->cpuset);
		/* cpu_list has no removal: rebuild without @c. */
		if (cpu_list_init(&rest, p->voted.nb_cpus) == 0) {
			int o;

			for (o = cpu_list_next(&p->voted, 0); o >= 0;
					o = cpu_list_next(&p->voted,
					(unsigned int)o + 1))
				if (o != c)
					cpu_list_add(&rest, (unsigned int)o);
			cpu_list_free(&p->voted);
			p->voted = rest;
		}
	}
	return 0;
}

/* Whether @cpu is the peer's; refuses (and logs) when not. */
static int
own_cpu(struct host_channels *hc, struct host_peer *p,
		const struct vmp_proto_packet *req, unsigned int cpu)
{
	struct cpu_list cpus;
	char why[320];
	int confined, ok, ret;

	/* A FIFO's writer is unknown: its CPU is all it may name. */
	if (p->fifo_cpu >= 0) {
		if (cpu == (unsigned int)p->fifo_cpu)
			return 1;
		p->refused++;
		snprintf(why, sizeof(why), "CPU %u is not this FIFO's (%d)",
			cpu, p->fifo_cpu);
		refuse(hc, p, req, why);
		return 0;
	}
	ret = peer_cpus(hc, p, &cpus, &confined);
	if (ret < 0) {
		refuse(hc, p, req, ret == -ESRCH ? "the connecting process "
			"is gone (its cpuset cannot be known)" :
			"its cgroup's cpuset cannot be read");
		return 0;
	}
	ok = !confined || cpu_list_has(&cpus, cpu);
	cpu_list_free(&cpus);
	if (ok)
		return 1;
	p->refused++;
	snprintf(why, sizeof(why), "CPU %u is outside its cpuset %s", cpu,
		p->cpuset[0] ? p->cpuset : "(empty)");
	refuse(hc, p, req, why);
	return 0;
}

static void
handle_power(struct host_channels *hc, struct host_peer *p,
		const struct vmp_proto_packet *req)
{
	struct monitor *mon = hc->mon;
	unsigned int cpu = (unsigned int)req->resource_id;
	struct cpu_list one;
	enum power_mgr_op op;
	char why[96];
	int ret;

	mon->st.requests++;
	if (mon->pm == NULL || monitor_unit_op(req->unit, &op) < 0) {
		refuse(hc, p, req, "no frequency control on this host");
		return;
	}
	if (!own_cpu(hc, p, req, cpu))
		return;
	if (cpu_list_init(&one, cpu + 1) < 0 || cpu_list_add(&one, cpu) < 0) {
		cpu_list_free(&one);
		refuse(hc, p, req, "out of memory");
		return;
	}
	ret = power_mgr_request_set(mon->pm,
		HOST_CHANNELS_REQUESTER(p->id, cpu), &one, op, 0);
	cpu_list_free(&one);
	if (ret < 0) {
		snprintf(why, sizeof(why), "CPU %u: %s", cpu, ret == -EPERM ?
			"outside --cpus" : strerror(-ret));
		refuse(hc, p, req, why);
		return;
	}
	cpu_list_add(&p->voted, cpu);
	host_policy_override(hc, p, cpu);
	mon->pass_requests++;
	/* Its ACK waits for the write, at the commit. */
	if (hc->nb_pending == hc->cap_pending) {
		unsigned int cap = hc->cap_pending ? hc->cap_pending * 2 : 16;
		void *n = realloc(hc->pending, cap * sizeof(*hc->pending));

		if (n == NULL) {
			answer(hc, p, req, VMP_PROTO_ACK, NULL);	/* voted */
			return;
		}
		hc->pending = n;
		hc->cap_pending = cap;
	}
	hc->pending[hc->nb_pending].p = p;
	hc->pending[hc->nb_pending].req = *req;
	hc->nb_pending++;
}

/* POLICY on CPUs of the peer's cpuset now (core_list), or
 * POLICY_REMOVE of all its policies; answered at once, as a VM's. */
static void
handle_policy(struct host_channels *hc, struct host_peer *p,
		const struct vmp_proto_packet *req)
{
	struct monitor *mon = hc->mon;
	char why[192];
	unsigned int i;

	mon->st.requests++;
	if (mon->pm == NULL) {
		refuse(hc, p, req, "no frequency control on this host");
		return;
	}
	for (i = 0; req->command == VMP_PROTO_POLICY && i < req->num_vcpu &&
			i < VMP_PROTO_POLICY_VCPUS; i++)
		if (!own_cpu(hc, p, req, req->vcpu_to_control[i]))
			return;
	if (host_policy_handle(hc, p, req, why, sizeof(why)) < 0) {
		refuse(hc, p, req, why);
		return;
	}
	mon->pass_requests++;
	answer(hc, p, req, VMP_PROTO_ACK, NULL);
}

void
host_channels_commit(struct host_channels *hc)
{
	unsigned int i;

	if (hc == NULL)
		return;
	for (i = 0; i < hc->nb_pending; i++) {
		struct host_pending *a = &hc->pending[i];

		if (a->p == NULL)
			continue;
		if (power_mgr_cpu_written(hc->mon->pm,
				(unsigned int)a->req.resource_id) == 0)
			answer(hc, a->p, &a->req, VMP_PROTO_ACK, NULL);
		else
			refuse(hc, a->p, &a->req, "the frequency could not be "
				"written (see the power manager's log)");
	}
	hc->nb_pending = 0;
}

static int
cpu_info(struct monitor *mon, unsigned int cpu,
		struct power_mgr_core_info *info)
{
	if (mon->pm == NULL || power_mgr_core_info(mon->pm, cpu, info) < 0 ||
			info->state != POWER_MGR_CORE_READY)
		return -ENODEV;
	return 0;
}

static void
answer_freq_avail(struct host_channels *hc, struct host_peer *p,
		const struct vmp_proto_packet *req)
{
	unsigned int cpu = (unsigned int)req->resource_id;
	struct power_mgr_core_info info;
	struct vmp_proto_freq_list r;

	if (cpu_info(hc->mon, cpu, &info) < 0 || req->unit >= info.nb_freqs) {
		refuse(hc, p, req, "no frequency control for this CPU, or "
			"index past its list");
		return;
	}
	if (monitor_freq_avail(hc->mon, cpu, info.nb_freqs, req, &r) < 0) {
		refuse(hc, p, req, "out of memory");
		return;
	}
	host_queue_reply(hc, p, &r, NULL);
}

static void
handle_query(struct host_channels *hc, struct host_peer *p,
		const struct vmp_proto_packet *req)
{
	struct monitor *mon = hc->mon;
	union monitor_list r;
	struct power_mgr_core_info info;
	struct cpu_list cpus;
	int all = req->command == VMP_PROTO_QUERY_FREQ_LIST ||
		req->command == VMP_PROTO_QUERY_CAPS_LIST;
	unsigned int c, first, last, filled = 0;
	int confined;

	mon->st.queries++;
	if (!all && !own_cpu(hc, p, req, (unsigned int)req->resource_id))
		return;
	if (req->command == VMP_PROTO_QUERY_FREQ_AVAIL) {
		answer_freq_avail(hc, p, req);
		return;
	}
	if (peer_cpus(hc, p, &cpus, &confined) < 0) {
		refuse(hc, p, req, "its cgroup's cpuset cannot be read");
		return;
	}
	monitor_list_begin(mon, req, &r);
	first = all ? 0 : (unsigned int)req->resource_id;
	last = all ? VMP_PROTO_LIST_SZ : first + 1;
	for (c = first; c < last; c++) {
		if ((confined && !cpu_list_has(&cpus, c)) ||
				cpu_info(mon, c, &info) < 0)
			continue;
		filled++;
		monitor_list_put(&r, req, vmp_proto_slot(c), &info);
	}
	cpu_list_free(&cpus);
	if (filled == 0) {
		refuse(hc, p, req, "no frequency control for its CPUs");
		return;
	}
	monitor_list_end(&r, req, last - first);
	host_queue_reply(hc, p, &r, NULL);
}

/* Invalid in a row: a connection is closed at the limit; a FIFO, which
 * cannot be, has what it holds dropped (host_upstream.c). */
static void
garbage(struct host_peer *p)
{
	if (++p->garbage != MONITOR_GARBAGE_LIMIT)
		return;
	HOST_LOG(WARNING, "pid %d (cgroup %s): %d invalid requests in a row%s",
		(int)p->pid, p->cgroup, MONITOR_GARBAGE_LIMIT,
		p->fifo_cpu >= 0 ? "" : ": disconnected");
	if (p->fifo_cpu < 0)
		p->hup = 1;
	p->garbage = 0;
}

void
host_refuse_text(struct host_channels *hc, struct host_peer *p,
		const char *why)
{
	struct vmp_proto_packet none;

	memset(&none, 0, sizeof(none));
	PEER_LOG(p, NOTICE, "JSON refused: %s", why);
	none.command = VMP_PROTO_NACK;
	host_queue_reply(hc, p, &none, why);
	garbage(p);
}

void
host_handle_packet(struct host_channels *hc, struct host_peer *p,
		const struct vmp_proto_packet *req)
{
	struct monitor *mon = hc->mon;
	struct vmp_proto_packet v = *req;
	enum vmp_proto_verdict verdict;

	mon->st.packets++;
	p->requests++;
	if (!monitor_rate_take(mon, &p->rate)) {
		mon->st.limited++;
		if (req->command != VMP_PROTO_CONNECT)
			refuse(hc, p, req, "over the channel's rate limit");
		return;
	}
	/* resource_id is a host CPU: either core type says so here. */
	v.core_type = VMP_PROTO_CORE_VIRTUAL;
	verdict = vmp_proto_check(&v, CPU_LIST_MAX_CPU + 1, NULL);
	if (verdict != VMP_PROTO_VALID) {
		mon->st.rejected++;
		refuse(hc, p, req, vmp_proto_verdict_str(verdict));
		garbage(p);
		return;
	}
	p->garbage = 0;
	if (req->command == VMP_PROTO_CONNECT)
		return;
	if (req->command == VMP_PROTO_CPU_POWER)
		handle_power(hc, p, req);
	else if (req->command == VMP_PROTO_POLICY ||
			req->command == VMP_PROTO_POLICY_REMOVE)
		handle_policy(hc, p, req);
	else
		handle_query(hc, p, req);
}
