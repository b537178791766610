/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_PORTS_H
#define L3FWD_PORTS_H

/**
 * @file
 * The Ethernet ports: checks the port mask and --config against the
 * devices, sizes the mbuf pool, configures, starts, and at the end stops
 * and closes every port in the mask. Fills the addresses of the
 * forwarding table.
 *
 * Each port gets the rx queues --config names (0..n-1, RSS when n > 1)
 * and one tx queue per forwarding lcore, so lcores never share a queue.
 * rx interrupts are asked for when the idle options allow and kept only
 * if the PMD accepts them.
 */

#include <stdint.h>

#include "forward.h"
#include "options.h"
#include "sockets.h"

/**
 * Check the mask and --config, make the pools and route tables of the
 * sockets in use (@p ss), configure and start the ports; an rx queue
 * takes mbufs from the pool of its lcore's socket.
 * @param nb_txq  forwarding lcores: tx queues on every port
 * @param t       portmask and nb_ports set, src and dst filled in here
 * @return 0 or a negative errno (logged).
 */
int ports_init(const struct app_options *o, uint16_t nb_txq,
		struct fwd_table *t, struct socket_set *ss);

/** Stop and close every port in the mask. */
void ports_fini(const struct fwd_table *t);

#endif /* L3FWD_PORTS_H */
