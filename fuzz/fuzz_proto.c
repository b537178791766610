/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The packet validator, vmp_proto_check(), on any 464 bytes, any vCPU
 * count and any own name. Input: the packet (zero-padded), 4 bytes of
 * vCPU count, then the own name (none: no name check).
 * Invariants: a verdict in range, and VALID only for what the daemon may
 * act on (a known command and unit, a virtual core, the sender's own vCPU
 * and name).
 */

#include <string.h>

#include <vmp_protocol.h>
#include <vmp_protocol_policy.h>

#include "fuzz.h"

static int
is_query_one(uint32_t cmd)
{
	return cmd == VMP_PROTO_QUERY_FREQ || cmd == VMP_PROTO_QUERY_CAPS ||
		cmd == VMP_PROTO_QUERY_FREQ_AVAIL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmp_proto_packet pkt;
	size_t take = size < sizeof(pkt) ? size : sizeof(pkt);
	uint32_t nb_vcpus;
	enum vmp_proto_verdict v;
	char *own = NULL;
	size_t len;

	memset(&pkt, 0, sizeof(pkt));
	memcpy(&pkt, data, take);
	data += take;
	size -= take;
	nb_vcpus = (uint32_t)fuzz_take(&data, &size, 4);
	if (size > 0)
		own = fuzz_str(data, size);

	v = vmp_proto_check(&pkt, nb_vcpus, own);
	FUZZ_CHECK((unsigned int)v < VMP_PROTO_VERDICT_MAX);
	FUZZ_CHECK(vmp_proto_verdict_str(v) != NULL);
	if (v == VMP_PROTO_VALID) {
		FUZZ_CHECK(vmp_proto_command_str(pkt.command) != NULL);
		if (pkt.command == VMP_PROTO_CPU_POWER) {
			FUZZ_CHECK(vmp_proto_unit_str(pkt.unit) != NULL);
			FUZZ_CHECK(pkt.core_type == VMP_PROTO_CORE_VIRTUAL);
			FUZZ_CHECK(pkt.resource_id < nb_vcpus);
			len = strnlen(pkt.vm_name, sizeof(pkt.vm_name));
			FUZZ_CHECK(own == NULL || len == 0 ||
				(strlen(own) == len &&
				memcmp(own, pkt.vm_name, len) == 0));
		} else if (is_query_one(pkt.command)) {
			FUZZ_CHECK(pkt.core_type == VMP_PROTO_CORE_VIRTUAL);
			FUZZ_CHECK(pkt.resource_id < nb_vcpus);
		}
		if (pkt.command == VMP_PROTO_POLICY) {
			char why[160];
			unsigned int k;

			/* A valid policy names 1-8 of the sender's vCPUs. */
			FUZZ_CHECK(pkt.num_vcpu >= 1 &&
				pkt.num_vcpu <= VMP_PROTO_POLICY_VCPUS);
			for (k = 0; k < pkt.num_vcpu; k++)
				FUZZ_CHECK(pkt.vcpu_to_control[k] < nb_vcpus);
			FUZZ_CHECK(pkt.core_type == VMP_PROTO_CORE_VIRTUAL);
			FUZZ_CHECK(vmp_proto_policy_check(&pkt, nb_vcpus, why,
				sizeof(why)) == VMP_PROTO_VALID);
		}
	}
	/* The other parsers of wire values never fail either. */
	(void)vmp_proto_unit_str(pkt.unit);
	FUZZ_CHECK(vmp_proto_reply_size(pkt.command) <= VMP_PROTO_MAX_SZ);
	FUZZ_CHECK(vmp_proto_slot(pkt.resource_id) < VMP_PROTO_LIST_SZ);
	free(own);
	return 0;
}
