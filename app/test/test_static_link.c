/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Linked with --whole-archive of our static library and DPDK's static
 * librte_power and KVM-VM driver: any symbol both define fails the link,
 * so building this binary proves the guest library cannot collide with
 * them. Run, it checks that the rte_power API then reaches our backend,
 * not DPDK's (which would write to /dev/virtio-ports, not to the test
 * port), whichever order the archives were linked in.
 */

#include <stdio.h>
#include <unistd.h>

#include "vmp_dpdk_compat.h"

#include <vmp_guest_channel.h>
#include <vmp_guest_power.h>

#include "test_port.h"

int
main(void)
{
	struct vmp_proto_packet pkt;
	struct test_port p;
	int ok;

	if (test_port_create(&p, 0, 300, 300) < 0 ||
			vmp_guest_power_init(0) < 0 ||
			test_port_read(&p, &pkt, 1000) < 0) {
		printf("FAIL: guest channel did not open\n");
		return 1;
	}
	ok = rte_power_freq_up(0) == 1 &&
		test_port_read(&p, &pkt, 1000) == 0 &&
		pkt.command == VMP_PROTO_CPU_POWER &&
		pkt.unit == VMP_PROTO_SCALE_UP;
	vmp_guest_power_exit(0);
	test_port_destroy(&p);
	printf("%s: static link with librte_power.a, request routed to "
		"our backend\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
