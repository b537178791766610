/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * What the host must have for a policy (policy.h, policy_apply()): the
 * vCPUs pinned to pCPUs under control, the NICs it names among the VM's
 * (with counters). The packet's own fields are vmp_proto_policy_check()'s;
 * BRANCH_RATIO's counters are opened by policy_apply() (policy_branch.c).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vmp_protocol_policy.h>

#include "channel_manager.h"
#include "policy.h"
#include "power_manager.h"

static void
format_mac(const uint64_t *vfid, char *buf, size_t len)
{
	uint8_t m[8];

	memcpy(m, vfid, sizeof(m));
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		m[3], m[4], m[5]);
}

/* The policy's MACs must be NICs of this VM with counters. */
static int
check_macs(const struct vm *vm, const struct vmp_proto_packet *pkt,
		char *why, size_t len)
{
	char mac[24];
	int32_t i;
	uint32_t j;

	for (i = 0; i < pkt->nb_mac_to_monitor; i++) {
		const struct virt_nic *nic = NULL;

		for (j = 0; j < vm->nb_nics && nic == NULL; j++)
			if (memcmp(vm->nics[j].mac, &pkt->vfid[i], 6) == 0)
				nic = &vm->nics[j];
		format_mac(&pkt->vfid[i], mac, sizeof(mac));
		if (nic == NULL) {
			snprintf(why, len, "MAC %s is not a NIC of this VM "
				"(its domain XML)", mac);
			return -EACCES;
		}
		if (nic->hostdev) {
			snprintf(why, len, "MAC %s is a passed-through VF "
				"(hostdev): libvirt has no packet counters for "
				"it", mac);
			return -ENOTSUP;
		}
	}
	return 0;
}

int
policy_check_host(struct power_mgr *pm, unsigned int max_pin_set,
		const struct vm *vm, const struct vmp_proto_packet *pkt,
		char *why, size_t len)
{
	struct power_mgr_core_info info;
	unsigned int i, n;
	int cpu;

	for (i = 0; i < pkt->num_vcpu; i++) {
		uint32_t v = pkt->vcpu_to_control[i];
		const struct cpu_list *pcpus = &vm->pcpus[v];

		n = cpu_list_count(pcpus);
		if (n == 0 || n > max_pin_set) {
			snprintf(why, len, "vCPU %u must be pinned to 1 to %u "
				"pCPUs (--max-pin-set), it has %u", v,
				max_pin_set, n);
			return -EINVAL;
		}
		for (cpu = cpu_list_next(pcpus, 0); cpu >= 0;
				cpu = cpu_list_next(pcpus, (unsigned int)cpu + 1)) {
			if (power_mgr_core_info(pm, (unsigned int)cpu,
					&info) < 0 ||
					info.state != POWER_MGR_CORE_READY) {
				snprintf(why, len, "vCPU %u: pCPU %d is not "
					"under frequency control", v, cpu);
				return -ENODEV;
			}
		}
	}
	if (vmp_proto_policy_uses_traffic(pkt) && pkt->nb_mac_to_monitor > 0)
		return check_macs(vm, pkt, why, len);
	return 0;
}
