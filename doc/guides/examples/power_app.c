/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * power_app [EAL options] [-- CHANNEL_PREFIX]: the main lcore asks the
 * host for its frequency through the ordinary rte_power API.
 */

#include <stdio.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_lcore.h>

#include <vmp_guest_channel.h>
#include <vmp_guest_power.h>

int
main(int argc, char **argv)
{
	struct vmp_guest_channel_conf conf = {
		.power_wait_ack = 1,	/* rte_power_freq_*: 1 ACK, 0 NACK */
	};
	struct rte_power_core_capabilities caps;
	uint32_t freqs[RTE_MAX_LCORE_FREQS];
	unsigned int lcore;
	uint32_t n;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		return 1;
	/* NULL: /dev/virtio-ports/virtio.serial.port.poweragent */
	conf.path_prefix = ret + 1 < argc ? argv[ret + 1] : NULL;
	lcore = rte_lcore_id();
	if (vmp_guest_channel_configure(&conf) < 0 ||
			vmp_guest_power_init(lcore) < 0)
		return 1;
	printf("freq_max: %d\n", rte_power_freq_max(lcore));
	n = rte_power_freqs(lcore, freqs, RTE_DIM(freqs));
	printf("%u frequencies, highest %u kHz, now index %u\n", n, freqs[0],
		rte_power_get_freq(lcore));
	printf("freq_down: %d\n", rte_power_freq_down(lcore));
	printf("now index %u\n", rte_power_get_freq(lcore));
	if (rte_power_get_capabilities(lcore, &caps) == 0)
		printf("turbo %u, priority %u\n", (unsigned int)caps.turbo,
			(unsigned int)caps.priority);
	vmp_guest_power_exit(lcore);
	rte_eal_cleanup();
	return 0;
}
