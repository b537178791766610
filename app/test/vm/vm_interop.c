/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Interoperability guest of the end-to-end test (app/test/vm/e2e.sh): a
 * program written against stock DPDK 22.11 only. It uses Debian's
 * librte_power, unmodified, in its KVM-VM environment
 * (rte_power_set_env(PM_ENV_KVM_VM)), which talks to
 * /dev/virtio-ports/virtio.serial.port.poweragent.<lcore> itself; none of
 * vmpower's guest code is linked in.
 *
 *   vmp_vm_interop [EAL options] -- STEP...
 *
 * STEP is min, max, up, down (a request on the main lcore) or sleep:N
 * (seconds). Prints "interop: init rc=R" and "interop: STEP rc=R" (R as
 * librte_power returns it: 1 sent, negative on error) for the host to check;
 * exits 0 only if every step was sent.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include "vmp_dpdk_compat.h"

int
main(int argc, char **argv)
{
	unsigned int lcore;
	int ret, i, bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "interop: cannot start the EAL\n");
		return EXIT_FAILURE;
	}
	argc -= ret;
	argv += ret;
	lcore = rte_get_main_lcore();
	if (rte_power_set_env(PM_ENV_KVM_VM) != 0) {
		printf("interop: rte_power_set_env(PM_ENV_KVM_VM) failed\n");
		return EXIT_FAILURE;
	}
	ret = rte_power_init(lcore);
	printf("interop: init rc=%d env=%d\n", ret, (int)rte_power_get_env());
	if (ret != 0) {
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (strncmp(s, "sleep:", 6) == 0) {
			sleep((unsigned int)atoi(s + 6));
			continue;
		}
		if (strcmp(s, "min") == 0)
			ret = rte_power_freq_min(lcore);
		else if (strcmp(s, "max") == 0)
			ret = rte_power_freq_max(lcore);
		else if (strcmp(s, "up") == 0)
			ret = rte_power_freq_up(lcore);
		else if (strcmp(s, "down") == 0)
			ret = rte_power_freq_down(lcore);
		else
			ret = -22;
		printf("interop: %s rc=%d\n", s, ret);
		if (ret != 1)
			bad = 1;
	}
	rte_power_exit(lcore);
	rte_eal_cleanup();
	return bad ? EXIT_FAILURE : EXIT_SUCCESS;
}
