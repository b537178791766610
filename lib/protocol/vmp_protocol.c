/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmp_protocol.h"
#include "vmp_protocol_policy.h"

static const char * const verdict_names[VMP_PROTO_VERDICT_MAX] = {
	[VMP_PROTO_VALID] = "valid",
	[VMP_PROTO_BAD_COMMAND] = "unknown command",
	[VMP_PROTO_BAD_UNIT] = "unknown unit",
	[VMP_PROTO_BAD_VCPU] = "vCPU out of range",
	[VMP_PROTO_PHYSICAL_CORE] = "physical core type refused",
	[VMP_PROTO_FOREIGN_VM] = "vm_name names another VM",
	[VMP_PROTO_BAD_POLICY] = "policy field out of range",
};

const char *
vmp_proto_verdict_str(enum vmp_proto_verdict v)
{
	if ((unsigned int)v >= VMP_PROTO_VERDICT_MAX)
		return "invalid verdict";
	return verdict_names[v];
}

const char *
vmp_proto_command_str(uint32_t command)
{
	switch (command) {
	case VMP_PROTO_CPU_POWER: return "CPU_POWER";
	case VMP_PROTO_CONNECT: return "CONNECT";
	case VMP_PROTO_POLICY: return "POLICY";
	case VMP_PROTO_POLICY_REMOVE: return "POLICY_REMOVE";
	case VMP_PROTO_QUERY_FREQ_LIST: return "QUERY_FREQ_LIST";
	case VMP_PROTO_QUERY_FREQ: return "QUERY_FREQ";
	case VMP_PROTO_QUERY_CAPS_LIST: return "QUERY_CAPS_LIST";
	case VMP_PROTO_QUERY_CAPS: return "QUERY_CAPS";
	case VMP_PROTO_QUERY_FREQ_AVAIL: return "QUERY_FREQ_AVAIL";
	default: return NULL;
	}
}

const char *
vmp_proto_unit_str(uint32_t unit)
{
	switch (unit) {
	case VMP_PROTO_SCALE_UP: return "up";
	case VMP_PROTO_SCALE_DOWN: return "down";
	case VMP_PROTO_SCALE_MAX: return "max";
	case VMP_PROTO_SCALE_MIN: return "min";
	case VMP_PROTO_ENABLE_TURBO: return "enable_turbo";
	case VMP_PROTO_DISABLE_TURBO: return "disable_turbo";
	default: return NULL;
	}
}

size_t
vmp_proto_reply_size(uint32_t command)
{
	switch (command) {
	case VMP_PROTO_ACK:
	case VMP_PROTO_NACK:
	case VMP_PROTO_RESYNC:
		return sizeof(struct vmp_proto_packet);
	case VMP_PROTO_FREQ_LIST:
	case VMP_PROTO_FREQ_AVAIL:
		return sizeof(struct vmp_proto_freq_list);
	case VMP_PROTO_CAPS_LIST:
		return sizeof(struct vmp_proto_caps_list);
	default:
		return 0;
	}
}

/* An empty name, or exactly @own (the wire field need not be terminated). */
static int
name_is_own(const char *wire, const char *own)
{
	size_t len = strnlen(wire, VMP_PROTO_NAME_SZ);

	if (len == 0)
		return 1;
	return strlen(own) == len && memcmp(wire, own, len) == 0;
}

enum vmp_proto_verdict
vmp_proto_check(const struct vmp_proto_packet *pkt, uint32_t nb_vcpus,
		const char *own_name)
{
	switch (pkt->command) {
	case VMP_PROTO_CONNECT:
		return VMP_PROTO_VALID;
	case VMP_PROTO_POLICY:
	case VMP_PROTO_POLICY_REMOVE:
		if (pkt->core_type != VMP_PROTO_CORE_VIRTUAL)
			return VMP_PROTO_PHYSICAL_CORE;
		if (own_name != NULL && !name_is_own(pkt->vm_name, own_name))
			return VMP_PROTO_FOREIGN_VM;
		/* resource_id is unused: the vCPUs are in the policy. */
		if (pkt->command == VMP_PROTO_POLICY_REMOVE)
			return VMP_PROTO_VALID;
		return vmp_proto_policy_check(pkt, nb_vcpus, NULL, 0);
	case VMP_PROTO_CPU_POWER:
		if (vmp_proto_unit_str(pkt->unit) == NULL)
			return VMP_PROTO_BAD_UNIT;
		if (pkt->core_type != VMP_PROTO_CORE_VIRTUAL)
			return VMP_PROTO_PHYSICAL_CORE;
		if (own_name != NULL && !name_is_own(pkt->vm_name, own_name))
			return VMP_PROTO_FOREIGN_VM;
		break;
	case VMP_PROTO_QUERY_FREQ_LIST:
	case VMP_PROTO_QUERY_CAPS_LIST:
		/* About every vCPU of the sender: resource_id is unused. */
		return VMP_PROTO_VALID;
	case VMP_PROTO_QUERY_FREQ:
	case VMP_PROTO_QUERY_CAPS:
	case VMP_PROTO_QUERY_FREQ_AVAIL:
		if (pkt->core_type != VMP_PROTO_CORE_VIRTUAL)
			return VMP_PROTO_PHYSICAL_CORE;
		break;
	default:
		return VMP_PROTO_BAD_COMMAND;
	}
	if (pkt->resource_id >= nb_vcpus)
		return VMP_PROTO_BAD_VCPU;
	return VMP_PROTO_VALID;
}

void
vmp_proto_request(struct vmp_proto_packet *pkt, uint32_t command,
		uint32_t unit, uint64_t vcpu, const char *name)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->command = command;
	pkt->unit = unit;
	pkt->resource_id = vcpu;
	/* The wire field is fixed-size; a 32-byte name has no terminator. */
	if (name != NULL)
		memcpy(pkt->vm_name, name,
			strnlen(name, sizeof(pkt->vm_name)));
}

static enum vmp_proto_verdict
policy_bad(enum vmp_proto_verdict v, char *why, size_t len,
		const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return v;
}

int
vmp_proto_policy_uses_traffic(const struct vmp_proto_packet *pkt)
{
	unsigned int i;

	if (pkt->policy_to_use == VMP_PROTO_POLICY_TRAFFIC)
		return 1;
	if (pkt->policy_to_use != VMP_PROTO_POLICY_TIME)
		return 0;
	for (i = 0; i < VMP_PROTO_HOURS; i++)
		if (pkt->timer_policy[VMP_PROTO_TRAFFIC_HOURS + i] !=
				VMP_PROTO_HOUR_UNUSED)
			return 1;
	return 0;
}

enum vmp_proto_verdict
vmp_proto_policy_check(const struct vmp_proto_packet *pkt, uint32_t nb_vcpus,
		char *why, size_t len)
{
	static const char *const lists[] = { "busy", "quiet", "traffic" };
	const uint32_t *t = pkt->traffic_policy;
	uint32_t seen[256 / 32] = { 0 };
	unsigned int i;

	if (pkt->num_vcpu == 0 || pkt->num_vcpu > VMP_PROTO_POLICY_VCPUS)
		return policy_bad(VMP_PROTO_BAD_POLICY, why, len,
			"num_vcpu %u: 1 to %u", pkt->num_vcpu,
			VMP_PROTO_POLICY_VCPUS);
	for (i = 0; i < pkt->num_vcpu; i++) {
		uint8_t v = pkt->vcpu_to_control[i];

		if (v >= nb_vcpus)
			return policy_bad(VMP_PROTO_BAD_VCPU, why, len,
				"vCPU %u: the VM has %u", v, nb_vcpus);
		/* One vote a vCPU: a repeat would count twice. */
		if (seen[v / 32] & (UINT32_C(1) << (v % 32)))
			return policy_bad(VMP_PROTO_BAD_POLICY, why, len,
				"vCPU %u named twice", v);
		seen[v / 32] |= UINT32_C(1) << (v % 32);
	}
	if (pkt->policy_to_use > VMP_PROTO_POLICY_BRANCH_RATIO)
		return policy_bad(VMP_PROTO_BAD_POLICY, why, len,
			"unknown policy_to_use %u", pkt->policy_to_use);
	if (pkt->policy_to_use == VMP_PROTO_POLICY_WORKLOAD &&
			pkt->workload > VMP_PROTO_WL_LOW)
		return policy_bad(VMP_PROTO_BAD_POLICY, why, len,
			"unknown workload %u", pkt->workload);
	for (i = 0; i < 3 * VMP_PROTO_HOURS; i++) {
		int32_t h = pkt->timer_policy[i];

		if (h != VMP_PROTO_HOUR_UNUSED && (h < 0 || h > 23))
			return policy_bad(VMP_PROTO_BAD_POLICY, why, len,
				"%s hour %d: 0 to 23, or -1 for none",
				lists[i / VMP_PROTO_HOURS], (int)h);
	}
	if (t[VMP_PROTO_TRAFFIC_MIN] > t[VMP_PROTO_TRAFFIC_AVG_MAX] ||
			t[VMP_PROTO_TRAFFIC_AVG_MAX] >
			t[VMP_PROTO_TRAFFIC_MAX_MAX])
		return policy_bad(VMP_PROTO_BAD_POLICY, why, len,
			"traffic thresholds out of order: min %u, avg_max "
			"%u, max_max %u", t[0], t[1], t[2]);
	if (pkt->nb_mac_to_monitor < 0 ||
			pkt->nb_mac_to_monitor > VMP_PROTO_POLICY_MACS)
		return policy_bad(VMP_PROTO_BAD_POLICY, why, len,
			"nb_mac_to_monitor %d: 0 to %u",
			(int)pkt->nb_mac_to_monitor, VMP_PROTO_POLICY_MACS);
	if (pkt->policy_to_use == VMP_PROTO_POLICY_TRAFFIC &&
			pkt->nb_mac_to_monitor == 0)
		return policy_bad(VMP_PROTO_BAD_POLICY, why, len,
			"TRAFFIC names no MAC");
	return VMP_PROTO_VALID;
}
