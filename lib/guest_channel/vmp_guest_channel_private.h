/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_GUEST_CHANNEL_PRIVATE_H
#define VMP_GUEST_CHANNEL_PRIVATE_H

/* Shared by the files of lib/guest_channel only. */

#include <rte_log.h>

extern int vmp_guest_logtype;

#define GUEST_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_guest_logtype, \
		"GUEST_CHANNEL: " fmt "\n", ##__VA_ARGS__)

/* Whether the power backend waits for ACK/NACK (configuration). */
unsigned int vmp_guest_power_wait_ack(void);

#endif /* VMP_GUEST_CHANNEL_PRIVATE_H */
