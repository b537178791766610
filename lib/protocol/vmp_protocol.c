/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <string.h>

#include "vmp_protocol.h"

static const char * const verdict_names[VMP_PROTO_VERDICT_MAX] = {
	[VMP_PROTO_VALID] = "valid",
	[VMP_PROTO_BAD_COMMAND] = "unknown command",
	[VMP_PROTO_BAD_UNIT] = "unknown unit",
	[VMP_PROTO_BAD_VCPU] = "vCPU out of range",
	[VMP_PROTO_PHYSICAL_CORE] = "physical core type refused",
	[VMP_PROTO_FOREIGN_VM] = "vm_name names another VM",
	[VMP_PROTO_POLICY_UNSUPPORTED] = "policies not supported",
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
		return VMP_PROTO_POLICY_UNSUPPORTED;
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
