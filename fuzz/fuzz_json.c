/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Upstream's JSON commands (host_json.c): a host channel's byte stream in
 * arbitrary chunks through host_json_next(), and the whole input through
 * host_json_parse().
 *
 * Input: 1 byte CPU (255: a stream with no CPU of its own), 1 byte number
 * of chunk sizes K (0-15), K little-endian u16 chunk sizes (cycled; none:
 * one chunk), the stream.
 * Invariants: a result of 1, 0 or -EINVAL (never more consumed than
 * buffered, never a buffer over HOST_JSON_MAX waiting); every refusal has
 * a reason; every packet made is one the daemon's rules accept for a host
 * CPU: a known command, CPU_POWER with a known unit, a policy that passes
 * vmp_proto_policy_check(), core_type physical, and on a stream with a
 * CPU, that CPU only.
 */

#include <errno.h>
#include <string.h>

#include <vmp_protocol.h>
#include <vmp_protocol_policy.h>

#include "host_json.h"
#include "fuzz.h"

static void
check_packet(const struct vmp_proto_packet *p, uint32_t cpu)
{
	char why[HOST_JSON_WHY_SZ];
	unsigned int k;

	FUZZ_CHECK(p->core_type == VMP_PROTO_CORE_PHYSICAL);
	FUZZ_CHECK(p->vm_name[0] == '\0');
	FUZZ_CHECK(cpu == HOST_JSON_ANY_CPU || p->resource_id == cpu);
	FUZZ_CHECK(p->resource_id < UINT32_MAX);
	switch (p->command) {
	case VMP_PROTO_CPU_POWER:
		FUZZ_CHECK(vmp_proto_unit_str(p->unit) != NULL);
		break;
	case VMP_PROTO_POLICY:
		FUZZ_CHECK(vmp_proto_policy_check(p, 256, why, sizeof(why)) ==
			VMP_PROTO_VALID);
		/* fall through */
	case VMP_PROTO_POLICY_REMOVE:
		FUZZ_CHECK(p->num_vcpu <= VMP_PROTO_POLICY_VCPUS);
		for (k = 0; k < p->num_vcpu; k++)
			FUZZ_CHECK(cpu == HOST_JSON_ANY_CPU ||
				p->vcpu_to_control[k] == cpu);
		break;
	default:
		FUZZ_CHECK(0);
	}
}

static void
check_result(int ret, const char *why, const struct vmp_proto_packet *p,
		uint32_t cpu, int ok)
{
	FUZZ_CHECK(ret == ok || ret == 0 || ret == -EINVAL);
	if (ret == -EINVAL)
		FUZZ_CHECK(why[0] != '\0' && strlen(why) < HOST_JSON_WHY_SZ);
	else if (ret == ok)
		check_packet(p, cpu);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmp_proto_packet pkt;
	char why[HOST_JSON_WHY_SZ];
	uint16_t cuts[15];
	unsigned int nb_cuts, i, idle = 0;
	size_t off = 0, have = 0, used;
	uint32_t cpu;
	char *buf;
	int ret;

	cpu = (uint32_t)fuzz_take(&data, &size, 1);
	if (cpu == 255)
		cpu = HOST_JSON_ANY_CPU;
	nb_cuts = (unsigned int)fuzz_take(&data, &size, 1) % 16;
	for (i = 0; i < nb_cuts; i++)
		cuts[i] = (uint16_t)fuzz_take(&data, &size, 2);

	/* The whole input as one object, exactly on the heap for ASan. */
	if (size <= HOST_JSON_MAX) {
		buf = malloc(size ? size : 1);
		if (buf == NULL)
			abort();
		memcpy(buf, data, size);
		why[0] = '\0';
		ret = host_json_parse(buf, size, cpu, &pkt, why, sizeof(why));
		check_result(ret, why, &pkt, cpu, 0);
		FUZZ_CHECK(ret == 0 || ret == -EINVAL);
		free(buf);
	}

	/* The stream as a listener reads it, buffer exactly the bytes held. */
	buf = NULL;
	for (i = 0; off < size; i++) {
		size_t len = size - off;
		char *grown;

		if (nb_cuts > 0 && cuts[i % nb_cuts] < len && idle < nb_cuts)
			len = cuts[i % nb_cuts];
		idle = len == 0 ? idle + 1 : 0;
		grown = realloc(buf, have + len + 1);
		if (grown == NULL)
			abort();
		buf = grown;
		memcpy(buf + have, data + off, len);
		have += len;
		off += len;
		for (;;) {
			why[0] = '\0';
			used = SIZE_MAX;
			ret = host_json_next(buf, have, cpu, &pkt, &used, why,
				sizeof(why));
			check_result(ret, why, &pkt, cpu, 1);
			FUZZ_CHECK(used <= have);
			memmove(buf, buf + used, have - used);
			have -= used;
			if (ret == 0)
				break;
			FUZZ_CHECK(used > 0);
		}
		/* Waiting for more only while an object may still end. */
		FUZZ_CHECK(have < HOST_JSON_MAX);
	}
	free(buf);
	return 0;
}
