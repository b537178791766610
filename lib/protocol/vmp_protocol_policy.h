/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_PROTOCOL_POLICY_H
#define VMP_PROTOCOL_POLICY_H

/*
 * The rules of a POLICY packet's own fields: vmpower's programs (the
 * daemon, the guest library before sending, tests and fuzz targets).
 * Not installed and not exported: a guest application sends a policy
 * with vmp_guest_channel_send_policy(), which checks it.
 */

#include <stddef.h>
#include <stdint.h>

#include "vmp_protocol.h"

/**
 * Check a POLICY's own fields (not its command, name or core type).
 * - num_vcpu 1 to VMP_PROTO_POLICY_VCPUS, each vcpu_to_control below
 *   @p nb_vcpus (VMP_PROTO_BAD_VCPU), none twice;
 * - policy_to_use one of VMP_PROTO_POLICY_*, workload one of
 *   VMP_PROTO_WL_* (for WORKLOAD);
 * - every hour entry 0-23 or VMP_PROTO_HOUR_UNUSED;
 * - traffic_policy min <= avg_max <= max_max;
 * - nb_mac_to_monitor 0 to VMP_PROTO_POLICY_MACS, at least 1 for
 *   TRAFFIC.
 * Whether the MACs are the VM's, and whether the host can measure what
 * the policy needs, is for the host to decide.
 * @param pkt       a POLICY packet
 * @param nb_vcpus  vCPUs of the sending VM
 * @param why       if not NULL, the first field found wrong, for a log
 * @param len       size of @p why
 * @return VMP_PROTO_VALID, VMP_PROTO_BAD_VCPU or VMP_PROTO_BAD_POLICY
 */
enum vmp_proto_verdict vmp_proto_policy_check(
		const struct vmp_proto_packet *pkt, uint32_t nb_vcpus,
		char *why, size_t len);

/**
 * Whether a policy watches traffic: TRAFFIC, or TIME with traffic hours.
 * @param pkt  a POLICY packet
 * @return 1 if it does, else 0
 */
int vmp_proto_policy_uses_traffic(const struct vmp_proto_packet *pkt);

#endif /* VMP_PROTOCOL_POLICY_H */
