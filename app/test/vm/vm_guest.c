/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Guest side of the real-VM smoke test (app/test/vm/smoke.sh).
 *
 *   vmp_vm_guest [EAL options] -- VM_NAME UNIT
 *
 * Runs inside the VM: initialises EAL as a guest application would (which
 * also proves the guest CPU has what Debian's DPDK is built for), then for
 * every EAL lcore opens its power channel (CONNECT), sends one CPU_POWER
 * request with UNIT (up, down, max, min) and waits for the host's reply.
 * Prints one "vm-guest: lcore L vcpu V ACK" line per lcore for the host
 * side to check; exits 0 only if every lcore got an ACK.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include <vmp_guest_channel.h>

/* The host side connects once `virsh start` returns; boot takes ~5 s. */
#define CONNECT_TIMEOUT_MS	60000
#define REPLY_TIMEOUT_MS	30000

static int
parse_unit(const char *s)
{
	static const struct { const char *name; int unit; } units[] = {
		{ "up", VMP_PROTO_SCALE_UP },
		{ "down", VMP_PROTO_SCALE_DOWN },
		{ "max", VMP_PROTO_SCALE_MAX },
		{ "min", VMP_PROTO_SCALE_MIN },
	};
	unsigned int i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s, units[i].name) == 0)
			return units[i].unit;
	return -1;
}

int
main(int argc, char **argv)
{
	struct vmp_guest_channel_conf conf = {
		.connect_timeout_ms = CONNECT_TIMEOUT_MS,
		.reply_timeout_ms = REPLY_TIMEOUT_MS,
	};
	unsigned int lcore, failed = 0;
	int n, unit, ret;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "vm-guest: rte_eal_init failed\n");
		return 1;
	}
	argc -= n;
	argv += n;
	if (argc != 3 || (unit = parse_unit(argv[2])) < 0) {
		fprintf(stderr, "usage: vmp_vm_guest [EAL options] -- "
			"VM_NAME up|down|max|min\n");
		rte_eal_cleanup();
		return 2;
	}
	conf.vm_name = argv[1];
	if (vmp_guest_channel_configure(&conf) < 0) {
		fprintf(stderr, "vm-guest: bad VM name %s\n", argv[1]);
		rte_eal_cleanup();
		return 2;
	}
	printf("vm-guest: EAL up, %u lcores\n", rte_lcore_count());
	fflush(stdout);

	RTE_LCORE_FOREACH(lcore) {
		ret = vmp_guest_channel_open(lcore);
		if (ret < 0) {
			printf("vm-guest: lcore %u open failed: %s\n", lcore,
				strerror(-ret));
			failed++;
			continue;
		}
		printf("vm-guest: lcore %u vcpu %ld connected\n", lcore,
			(long)vmp_guest_channel_get_vcpu(lcore));
		fflush(stdout);
		ret = vmp_guest_channel_request(lcore, (uint32_t)unit);
		if (ret == VMP_PROTO_ACK) {
			printf("vm-guest: lcore %u vcpu %ld ACK\n", lcore,
				(long)vmp_guest_channel_get_vcpu(lcore));
		} else {
			printf("vm-guest: lcore %u reply %s\n", lcore,
				ret == VMP_PROTO_NACK ? "NACK" :
				strerror(-ret));
			failed++;
		}
		fflush(stdout);
		vmp_guest_channel_close(lcore);
	}
	rte_eal_cleanup();
	printf("vm-guest: %s\n", failed ? "FAILED" : "all ACKed");
	return failed ? 1 : 0;
}
