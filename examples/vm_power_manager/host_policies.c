/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * A host peer's policies (POLICY / POLICY_REMOVE, binary or JSON). The
 * host-side policies (policy.h) are keyed by a struct vm and a vCPU; a
 * peer gets a synthetic one, never listed by the channel manager: id
 * 0x80000000 | peer id and "vCPU" N pinned to host CPU N, so a policy
 * votes as POWER_MGR_VCPU(id, N) == HOST_CHANNELS_REQUESTER(peer, N),
 * the peer's own requester: its CPU_POWER replaces the policy's vote,
 * its disconnect drops both.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmp_protocol_policy.h>

#include "channel_manager.h"
#include "host_channels_private.h"
#include "policy.h"

/* The peer's owner, with slots for CPUs 0..@cpu. NULL: out of memory. */
static struct vm *
owner(struct host_peer *p, unsigned int cpu)
{
	struct vm *vm = p->pol_vm;
	struct cpu_list *pcpus;
	char name[96];

	if (vm == NULL) {
		vm = calloc(1, sizeof(*vm));
		if (vm == NULL)
			return NULL;
		if (p->fifo != NULL)
			snprintf(name, sizeof(name), "host %s", p->fifo);
		else
			snprintf(name, sizeof(name), "host pid %d",
				(int)p->pid);
		vm->name = strdup(name);
		if (vm->name == NULL) {
			free(vm);
			return NULL;
		}
		vm->id = 0x80000000u | p->id;
		p->pol_vm = vm;
	}
	if (cpu < vm->nb_vcpus)
		return vm;
	pcpus = realloc(vm->pcpus, (cpu + 1) * sizeof(*pcpus));
	if (pcpus == NULL)
		return NULL;
	memset(pcpus + vm->nb_vcpus, 0,
		(cpu + 1 - vm->nb_vcpus) * sizeof(*pcpus));
	vm->pcpus = pcpus;
	vm->nb_vcpus = cpu + 1;
	return vm;
}

/* Slot @cpu of @vm pinned to host CPU @cpu. */
static int
pin(struct vm *vm, unsigned int cpu)
{
	struct cpu_list *l = &vm->pcpus[cpu];

	if (cpu_list_count(l) > 0)
		return 0;
	if (cpu_list_init(l, cpu + 1) < 0 || cpu_list_add(l, cpu) < 0) {
		cpu_list_free(l);
		return -ENOMEM;
	}
	return 0;
}

int
host_policy_handle(struct host_channels *hc, struct host_peer *p,
		const struct vmp_proto_packet *req, char *why, size_t len)
{
	struct policy_set *ps = hc->mon->pol;
	unsigned int i, top = 0;
	struct vm *vm;
	int ret;

	if (req->command == VMP_PROTO_POLICY_REMOVE) {
		ret = p->pol_vm == NULL ? 0 :
			policy_remove(ps, p->pol_vm, -1);
		PEER_LOG(p, INFO, "POLICY_REMOVE: %d CPU policies removed",
			ret);
		return 0;
	}
	/* What counts packets needs a VM's NICs, known to libvirt. */
	if (vmp_proto_policy_uses_traffic(req) &&
			(req->policy_to_use == VMP_PROTO_POLICY_TRAFFIC ||
			req->nb_mac_to_monitor > 0)) {
		snprintf(why, len, "%s policies count a VM's NICs through "
			"libvirt; a host process has none libvirt knows",
			req->policy_to_use == VMP_PROTO_POLICY_TRAFFIC ?
			"TRAFFIC" : "TIME with MACs");
		return -ENOTSUP;
	}
	if (req->num_vcpu == 0 || req->num_vcpu > VMP_PROTO_POLICY_VCPUS) {
		snprintf(why, len, "core_list: 1 to %d CPUs",
			VMP_PROTO_POLICY_VCPUS);
		return -EINVAL;
	}
	for (i = 0; i < req->num_vcpu; i++)
		if (req->vcpu_to_control[i] > top)
			top = req->vcpu_to_control[i];
	vm = owner(p, top);
	for (i = 0; vm != NULL && i < req->num_vcpu; i++)
		if (pin(vm, req->vcpu_to_control[i]) < 0)
			vm = NULL;
	if (vm == NULL) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	ret = policy_apply(ps, vm, req, why, len);
	if (ret == 0)
		PEER_LOG(p, INFO, "%s policy for %u CPUs accepted",
			policy_type_str(req->policy_to_use), req->num_vcpu);
	return ret;
}

void
host_policy_override(struct host_channels *hc, struct host_peer *p,
		unsigned int cpu)
{
	if (p->pol_vm != NULL)
		policy_override(hc->mon->pol, p->pol_vm, cpu);
}

void
host_policy_cpus_left(struct host_channels *hc, struct host_peer *p,
		const struct cpu_list *cpus)
{
	struct vm *vm = p->pol_vm;
	unsigned int c;

	if (vm == NULL)
		return;
	for (c = 0; c < vm->nb_vcpus; c++) {
		if (cpu_list_count(&vm->pcpus[c]) == 0 ||
				cpu_list_has(cpus, c))
			continue;
		if (policy_remove(hc->mon->pol, vm, c) > 0)
			PEER_LOG(p, INFO, "CPU %u left its cpuset %s: its "
				"policy there removed", c, p->cpuset);
		cpu_list_free(&vm->pcpus[c]);
	}
}

void
host_policy_drop(struct host_channels *hc, struct host_peer *p)
{
	struct vm *vm = p->pol_vm;
	unsigned int c;
	int n;

	if (vm == NULL)
		return;
	n = policy_remove(hc->mon->pol, vm, -1);
	if (n > 0)
		HOST_LOG(INFO, "%s: %d CPU policies dropped", vm->name, n);
	for (c = 0; c < vm->nb_vcpus; c++)
		cpu_list_free(&vm->pcpus[c]);
	free(vm->pcpus);
	free(vm->name);
	free(vm);
	p->pol_vm = NULL;
}

int
host_policy_format(const struct host_channels *hc,
		const struct host_peer *p, char *buf, size_t len)
{
	struct policy_info in;
	size_t off = 0;
	uint32_t i;
	int n;

	buf[0] = '\0';
	if (p->pol_vm == NULL)
		return 0;
	for (i = 0; policy_get(hc->mon->pol, p->pol_vm, i, &in) == 0; i++) {
		n = snprintf(buf + off, len - off, "%s%u:%s:%s",
			i ? "," : "", in.vcpu, policy_type_str(in.type),
			in.overridden ? "overridden" :
			policy_level_str(in.decision));
		if (n < 0 || (size_t)n >= len - off) {
			snprintf(buf, len, "...");
			return -ENOSPC;
		}
		off += (size_t)n;
	}
	return 0;
}
