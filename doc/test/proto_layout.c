/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Prints the wire format as the compiler lays it out, for the docs test
 * to compare with doc/guides/protocol.rst: one line a field,
 * "field <struct> <name> <offset> <size>", then "size <struct> <bytes>"
 * and "const <NAME> <value>".
 */

#include <stddef.h>
#include <stdio.h>

#include <vmp_protocol.h>

#define FIELD(s, f) \
	printf("field %s %s %zu %zu\n", #s, #f, offsetof(struct s, f), \
		sizeof(((struct s *)0)->f))
#define CONST(c) printf("const %s %lu\n", #c, (unsigned long)(c))

int
main(void)
{
	FIELD(vmp_proto_packet, resource_id);
	FIELD(vmp_proto_packet, unit);
	FIELD(vmp_proto_packet, command);
	FIELD(vmp_proto_packet, vm_name);
	FIELD(vmp_proto_packet, vfid);
	FIELD(vmp_proto_packet, nb_mac_to_monitor);
	FIELD(vmp_proto_packet, traffic_policy);
	FIELD(vmp_proto_packet, vcpu_to_control);
	FIELD(vmp_proto_packet, num_vcpu);
	FIELD(vmp_proto_packet, pad0);
	FIELD(vmp_proto_packet, timer_policy);
	FIELD(vmp_proto_packet, core_type);
	FIELD(vmp_proto_packet, pad1);
	FIELD(vmp_proto_packet, workload);
	FIELD(vmp_proto_packet, policy_to_use);
	FIELD(vmp_proto_packet, turbo_status);
	FIELD(vmp_proto_packet, pad2);
	printf("size vmp_proto_packet %zu\n", sizeof(struct vmp_proto_packet));

	FIELD(vmp_proto_freq_list, resource_id);
	FIELD(vmp_proto_freq_list, unit);
	FIELD(vmp_proto_freq_list, command);
	FIELD(vmp_proto_freq_list, vm_name);
	FIELD(vmp_proto_freq_list, freq_list);
	FIELD(vmp_proto_freq_list, num_vcpu);
	FIELD(vmp_proto_freq_list, pad0);
	printf("size vmp_proto_freq_list %zu\n",
		sizeof(struct vmp_proto_freq_list));

	FIELD(vmp_proto_caps_list, resource_id);
	FIELD(vmp_proto_caps_list, unit);
	FIELD(vmp_proto_caps_list, command);
	FIELD(vmp_proto_caps_list, vm_name);
	FIELD(vmp_proto_caps_list, turbo);
	FIELD(vmp_proto_caps_list, priority);
	FIELD(vmp_proto_caps_list, num_vcpu);
	FIELD(vmp_proto_caps_list, pad0);
	printf("size vmp_proto_caps_list %zu\n",
		sizeof(struct vmp_proto_caps_list));

	CONST(VMP_PROTO_CPU_POWER);
	CONST(VMP_PROTO_CONNECT);
	CONST(VMP_PROTO_POLICY);
	CONST(VMP_PROTO_POLICY_REMOVE);
	CONST(VMP_PROTO_QUERY_FREQ_LIST);
	CONST(VMP_PROTO_QUERY_FREQ);
	CONST(VMP_PROTO_QUERY_CAPS_LIST);
	CONST(VMP_PROTO_QUERY_CAPS);
	CONST(VMP_PROTO_QUERY_FREQ_AVAIL);
	CONST(VMP_PROTO_SCALE_UP);
	CONST(VMP_PROTO_SCALE_DOWN);
	CONST(VMP_PROTO_SCALE_MAX);
	CONST(VMP_PROTO_SCALE_MIN);
	CONST(VMP_PROTO_ENABLE_TURBO);
	CONST(VMP_PROTO_DISABLE_TURBO);
	CONST(VMP_PROTO_ACK);
	CONST(VMP_PROTO_NACK);
	CONST(VMP_PROTO_FREQ_LIST);
	CONST(VMP_PROTO_CAPS_LIST);
	CONST(VMP_PROTO_FREQ_AVAIL);
	CONST(VMP_PROTO_RESYNC);
	CONST(VMP_PROTO_CONNECT_VMPOWER);
	CONST(VMP_PROTO_CORE_VIRTUAL);
	CONST(VMP_PROTO_CORE_PHYSICAL);
	CONST(VMP_PROTO_POLICY_TRAFFIC);
	CONST(VMP_PROTO_POLICY_TIME);
	CONST(VMP_PROTO_POLICY_WORKLOAD);
	CONST(VMP_PROTO_POLICY_BRANCH_RATIO);
	CONST(VMP_PROTO_WL_HIGH);
	CONST(VMP_PROTO_WL_MEDIUM);
	CONST(VMP_PROTO_WL_LOW);
	printf("const VMP_PROTO_HOUR_UNUSED %d\n", VMP_PROTO_HOUR_UNUSED);
	CONST(VMP_PROTO_NAME_SZ);
	CONST(VMP_PROTO_LIST_SZ);
	CONST(VMP_PROTO_HEAD_SZ);
	return 0;
}
