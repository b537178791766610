/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * What a guest's packet does: validation against the sending VM, votes
 * through the power manager, answers to queries. Runs on the loop only.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include <vmp_protocol_policy.h>

#include "channel_monitor_private.h"
#include "host_channels.h"
#include "power_manager.h"

static void
answer(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req, uint32_t command)
{
	struct vmp_proto_packet r = *req;

	r.command = command;
	monitor_queue_reply(mon, s, &r);
}

static void
refuse(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req, const char *why)
{
	const char *cmd = vmp_proto_command_str(req->command);

	if (cmd != NULL)
		CHAN_LOG(s, NOTICE, "%s vCPU %" PRIu64 " refused: %s", cmd,
			req->resource_id, why);
	else
		CHAN_LOG(s, NOTICE, "command %u refused: %s", req->command,
			why);
	answer(mon, s, req, VMP_PROTO_NACK);
}

int
monitor_unit_op(uint32_t unit, enum power_mgr_op *op)
{
	switch (unit) {
	case VMP_PROTO_SCALE_UP: *op = POWER_MGR_UP; return 0;
	case VMP_PROTO_SCALE_DOWN: *op = POWER_MGR_DOWN; return 0;
	case VMP_PROTO_SCALE_MAX: *op = POWER_MGR_MAX; return 0;
	case VMP_PROTO_SCALE_MIN: *op = POWER_MGR_MIN; return 0;
	case VMP_PROTO_ENABLE_TURBO: *op = POWER_MGR_TURBO_ON; return 0;
	case VMP_PROTO_DISABLE_TURBO: *op = POWER_MGR_TURBO_OFF; return 0;
	default: return -EINVAL;
	}
}

/*
 * Answer the pass's CPU_POWER requests now that their writes are done:
 * ACK, or NACK where a pCPU of the vCPU could not be written.
 */
static void
answer_pending(struct monitor *mon)
{
	unsigned int i;
	int cpu;

	for (i = 0; i < mon->nb_pending; i++) {
		struct pending_ack *a = &mon->pending[i];
		struct vm *vm = a->s->ch->vm;
		const struct cpu_list *pcpus = &vm->pcpus[a->req.resource_id];
		int ok = 1;

		for (cpu = cpu_list_next(pcpus, 0); cpu >= 0 && ok;
				cpu = cpu_list_next(pcpus, (unsigned int)cpu + 1))
			ok = power_mgr_cpu_written(mon->pm,
				(unsigned int)cpu) == 0;
		if (ok)
			answer(mon, a->s, &a->req, VMP_PROTO_ACK);
		else
			refuse(mon, a->s, &a->req, "the frequency could not be "
				"written (see the power manager's log)");
	}
	mon->nb_pending = 0;
}

/* Write what the pass decided so far: once per pCPU that changed. */
void
monitor_commit(struct monitor *mon)
{
	int n;

	if (mon->pm == NULL)
		return;
	n = power_mgr_flush(mon->pm);
	answer_pending(mon);
	host_channels_commit(mon->hc);
	if (n < 0) {
		mon->st.errors++;
	} else {
		mon->st.writes += (uint64_t)n;
		if (mon->pass_requests > (uint64_t)n)
			mon->st.coalesced += mon->pass_requests - (uint64_t)n;
	}
	mon->pass_requests = 0;
}

/* Requests of a pass only vote; commit() writes. */
void
monitor_defer(struct monitor *mon)
{
	if (mon->pm != NULL)
		power_mgr_defer(mon->pm);
}

static void
handle_power(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req)
{
	struct vm *vm = s->ch->vm;
	const struct cpu_list *pcpus = &vm->pcpus[req->resource_id];
	unsigned int n = cpu_list_count(pcpus);
	char set[64], why[160];
	enum power_mgr_op op;
	int ret;

	mon->st.requests++;
	if (mon->pm == NULL || monitor_unit_op(req->unit, &op) < 0) {
		refuse(mon, s, req, "no frequency control on this host");
		return;
	}
	/* An unpinned vCPU would vote on every core of the host. */
	if (n > mon->max_pin_set) {
		if (cpu_list_format(pcpus, set, sizeof(set)) < 0)
			snprintf(set, sizeof(set), "...");
		snprintf(why, sizeof(why), "the vCPU must be pinned: its pCPU "
			"set %s has %u CPUs, more than --max-pin-set %u", set,
			n, mon->max_pin_set);
		refuse(mon, s, req, why);
		return;
	}
	ret = power_mgr_request_set(mon->pm,
		POWER_MGR_VCPU(vm->id, req->resource_id), pcpus, op, 0);
	if (ret < 0) {
		if (cpu_list_format(pcpus, set, sizeof(set)) < 0)
			snprintf(set, sizeof(set), "...");
		if (ret == -EPERM)
			snprintf(why, sizeof(why), "pCPU %s: outside --cpus",
				set);
		else
			snprintf(why, sizeof(why), "pCPU %s: %s", set,
				strerror(-ret));
		refuse(mon, s, req, why);
		return;
	}
	cpu_list_add(&s->voted, (unsigned int)req->resource_id);
	/* The guest's own request outvotes its policy (policy.h). */
	policy_override(mon->pol, vm, (uint32_t)req->resource_id);
	mon->pass_requests++;
	/* Its ACK waits for the write, at the commit. A channel whose
	 * peer is gone (drained) has nobody to answer. */
	if (s->hup)
		return;
	if (mon->nb_pending == mon->cap_pending) {
		unsigned int cap = mon->cap_pending ? mon->cap_pending * 2 : 16;
		void *p = realloc(mon->pending, cap * sizeof(*mon->pending));

		if (p == NULL) {
			answer(mon, s, req, VMP_PROTO_ACK);	/* voted */
			return;
		}
		mon->pending = p;
		mon->cap_pending = cap;
	}
	mon->pending[mon->nb_pending].s = s;
	mon->pending[mon->nb_pending].req = *req;
	mon->nb_pending++;
}

/* First pCPU of @vcpu, where its frequency is read. */
static int
vcpu_info(struct monitor *mon, struct vm *vm, uint32_t vcpu,
		struct power_mgr_core_info *info)
{
	int cpu = cpu_list_next(&vm->pcpus[vcpu], 0);

	if (cpu < 0 || mon->pm == NULL)
		return -ENODEV;
	if (power_mgr_core_info(mon->pm, (unsigned int)cpu, info) < 0 ||
			info->state != POWER_MGR_CORE_READY)
		return -ENODEV;
	return cpu;
}

int
monitor_freq_avail(struct monitor *mon, unsigned int cpu, uint32_t nb_freqs,
		const struct vmp_proto_packet *req,
		struct vmp_proto_freq_list *r)
{
	uint32_t *khz = malloc(nb_freqs * sizeof(*khz)), n;

	if (khz == NULL)
		return -ENOMEM;
	power_mgr_freqs(mon->pm, cpu, khz, nb_freqs);
	n = RTE_MIN(nb_freqs - req->unit, (uint32_t)VMP_PROTO_LIST_SZ);
	memset(r, 0, sizeof(*r));
	r->resource_id = req->resource_id;
	r->command = VMP_PROTO_FREQ_AVAIL;
	r->unit = nb_freqs;
	r->num_vcpu = (uint8_t)n;
	memcpy(r->freq_list, khz + req->unit, n * sizeof(*khz));
	free(khz);
	return 0;
}

static int
is_freq_query(const struct vmp_proto_packet *req)
{
	return req->command == VMP_PROTO_QUERY_FREQ ||
		req->command == VMP_PROTO_QUERY_FREQ_LIST;
}

void
monitor_list_begin(struct monitor *mon, const struct vmp_proto_packet *req,
		union monitor_list *r)
{
	/* Answer from what is written, not what this pass has pending. */
	monitor_commit(mon);
	monitor_defer(mon);
	memset(r, 0, sizeof(*r));
	r->f.resource_id = req->resource_id;
}

void
monitor_list_put(union monitor_list *r, const struct vmp_proto_packet *req,
		unsigned int slot, const struct power_mgr_core_info *info)
{
	if (is_freq_query(req)) {
		r->f.freq_list[slot] = info->cur_khz;
	} else {
		r->c.turbo[slot] = info->turbo;
		r->c.priority[slot] = info->priority;
	}
}

void
monitor_list_end(union monitor_list *r, const struct vmp_proto_packet *req,
		unsigned int nb)
{
	if (is_freq_query(req)) {
		r->f.command = VMP_PROTO_FREQ_LIST;
		r->f.num_vcpu = (uint8_t)nb;
	} else {
		r->c.command = VMP_PROTO_CAPS_LIST;
		r->c.num_vcpu = (uint8_t)nb;
	}
}

/* Our extension: the vCPU's frequency list, 8 entries from req->unit. */
static void
answer_freq_avail(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req)
{
	struct vmp_proto_freq_list r;
	struct power_mgr_core_info info;
	int cpu = vcpu_info(mon, s->ch->vm, (uint32_t)req->resource_id,
		&info);

	if (cpu < 0 || req->unit >= info.nb_freqs) {
		refuse(mon, s, req, cpu < 0 ?
			"no frequency control for this vCPU" :
			"index past the frequency list");
		return;
	}
	if (monitor_freq_avail(mon, (unsigned int)cpu, info.nb_freqs, req,
			&r) < 0) {
		refuse(mon, s, req, "out of memory");
		return;
	}
	monitor_queue_reply(mon, s, &r);
}

static void
handle_query(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req)
{
	struct vm *vm = s->ch->vm;
	union monitor_list r;
	struct power_mgr_core_info info;
	uint32_t first = 0, last = 0, v;
	int all = req->command == VMP_PROTO_QUERY_FREQ_LIST ||
		req->command == VMP_PROTO_QUERY_CAPS_LIST;

	mon->st.queries++;
	if (vm->queries_off) {
		refuse(mon, s, req, "queries disabled for this VM (set_query)");
		return;
	}
	monitor_list_begin(mon, req, &r);
	if (all) {
		last = RTE_MIN(vm->nb_vcpus, (uint32_t)VMP_PROTO_LIST_SZ);
	} else {
		first = (uint32_t)req->resource_id;
		last = first + 1;
	}
	if (req->command == VMP_PROTO_QUERY_FREQ_AVAIL) {
		answer_freq_avail(mon, s, req);
		return;
	}
	for (v = first; v < last; v++) {
		if (vcpu_info(mon, vm, v, &info) < 0) {
			refuse(mon, s, req, "no frequency control for this "
				"vCPU");
			return;
		}
		monitor_list_put(&r, req, vmp_proto_slot(v), &info);
	}
	monitor_list_end(&r, req, RTE_MIN(vm->nb_vcpus,
		(uint32_t)VMP_PROTO_LIST_SZ));
	monitor_queue_reply(mon, s, &r);
}

/* POLICY replaces the named vCPUs' policies; POLICY_REMOVE ends all of
 * the VM's. Both are answered at once: a policy votes like CPU_POWER,
 * its writes are the commit's. */
static void
handle_policy(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req)
{
	struct vm *vm = s->ch->vm;
	char why[192];

	mon->st.requests++;
	if (mon->pm == NULL) {
		refuse(mon, s, req, "no frequency control on this host");
		return;
	}
	if (req->command == VMP_PROTO_POLICY_REMOVE) {
		CHAN_LOG(s, INFO, "POLICY_REMOVE: %d vCPU policies removed",
			policy_remove(mon->pol, vm, -1));
		answer(mon, s, req, VMP_PROTO_ACK);
		return;
	}
	if (policy_apply(mon->pol, vm, req, why, sizeof(why)) < 0) {
		refuse(mon, s, req, why);
		return;
	}
	CHAN_LOG(s, INFO, "%s policy for %u vCPUs accepted",
		policy_type_str(req->policy_to_use), req->num_vcpu);
	mon->pass_requests++;
	answer(mon, s, req, VMP_PROTO_ACK);
}

/*
 * A running VM named a vCPU beyond those libvirt told us of: maybe one
 * plugged since (virsh setvcpus sends no event). Have the VMs read again;
 * the guest's next request finds it. Once a second a channel at most.
 */
static void
vcpu_unknown(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req)
{
	uint64_t now = monitor_now_ms();

	if (mon->stale_hook == NULL || !s->ch->vm->running ||
			(s->stale_ms != 0 && now - s->stale_ms < 1000))
		return;
	s->stale_ms = now;
	CHAN_LOG(s, INFO, "vCPU %" PRIu64 " is not one of its %u: reading "
		"the VM again from libvirt (a vCPU plugged?)",
		req->resource_id, s->ch->vm->nb_vcpus);
	mon->stale_hook(mon->stale_arg);
}

void
monitor_handle_packet(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req)
{
	struct vm_channel *ch = s->ch;
	enum vmp_proto_verdict v;

	mon->st.packets++;
	ch->stats.requests++;
	if (!monitor_rate_take(mon, &s->rate)) {
		mon->st.limited++;
		/* CONNECT has no answer: a NACK would pair with the next
		 * request's. */
		if (req->command == VMP_PROTO_CONNECT)
			return;
		refuse(mon, s, req, "over the channel's rate limit");
		return;
	}
	v = vmp_proto_check(req, ch->vm->nb_vcpus, ch->vm->name);
	if (v != VMP_PROTO_VALID) {
		char why[160];

		mon->st.rejected++;
		ch->stats.errors++;
		/* A policy's refusal names the field. */
		if (req->command == VMP_PROTO_POLICY &&
				(v == VMP_PROTO_BAD_POLICY ||
				v == VMP_PROTO_BAD_VCPU) &&
				vmp_proto_policy_check(req, ch->vm->nb_vcpus,
				why, sizeof(why)) != VMP_PROTO_VALID)
			refuse(mon, s, req, why);
		else
			refuse(mon, s, req, vmp_proto_verdict_str(v));
		if (v == VMP_PROTO_BAD_VCPU)
			vcpu_unknown(mon, s, req);
		if (++s->garbage == MONITOR_GARBAGE_LIMIT &&
				ch->enabled) {
			ch->enabled = 0;
			MON_LOG(WARNING, "VM %s channel %u: %d invalid packets "
				"in a row: channel disabled (enable it with "
				"set_channel_status)", ch->vm->name, ch->index,
				MONITOR_GARBAGE_LIMIT);
		}
		return;
	}
	s->garbage = 0;
	if (req->command == VMP_PROTO_CONNECT) {
		monitor_resync_connect(mon, s, req);
		return;
	}
	if (!ch->enabled) {
		refuse(mon, s, req, "channel disabled");
		return;
	}
	if (req->command == VMP_PROTO_CPU_POWER)
		handle_power(mon, s, req);
	else if (req->command == VMP_PROTO_POLICY ||
			req->command == VMP_PROTO_POLICY_REMOVE)
		handle_policy(mon, s, req);
	else
		handle_query(mon, s, req);
}
