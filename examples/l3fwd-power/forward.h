/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_FORWARD_H
#define L3FWD_FORWARD_H

/**
 * @file
 * IPv4 forwarding of one lcore: RFC 1812 checks, route lookup (a miss is
 * dropped, or with --route-miss reflect sent back out its input port, as
 * upstream does), TTL and checksum, MAC rewrite for the output port,
 * buffered bursts out of the
 * lcore's own tx queue on every port, and per-port counters.
 *
 * Owns: the lcore's tx buffers and its counters. The table they use is
 * shared and read-only while forwarding runs.
 */

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

struct rte_lpm;
struct rte_eth_dev_tx_buffer;

/** Why a packet was dropped; counted on its input port (tx_full: output). */
enum fwd_drop {
	FWD_DROP_SHORT,		/**< frame shorter than its headers say */
	FWD_DROP_HEADER,	/**< IP version, header length, total length */
	FWD_DROP_CHECKSUM,	/**< IP header checksum */
	FWD_DROP_TTL,		/**< TTL 0 or 1: would expire here */
	FWD_DROP_NO_ROUTE,	/**< no route to the destination */
	FWD_DROP_NOT_IPV4,	/**< not an IPv4 frame (no VLAN support) */
	FWD_DROP_TX_FULL,	/**< output queue full */
	FWD_DROP_MAX
};

struct fwd_port_counters {
	uint64_t rx;
	uint64_t tx;
	uint64_t reflected;	/**< --route-miss reflect: sent back out */
	uint64_t drop[FWD_DROP_MAX];
};

/** Shared by all lcores; read-only once forwarding starts. */
struct fwd_table {
	int reflect;			/**< --route-miss reflect */
	uint64_t portmask;
	uint16_t nb_ports;		/**< port ids are below this */
	struct rte_ether_addr *src;	/**< by port id: the port's MAC */
	struct rte_ether_addr *dst;	/**< by port id: next hop's MAC */
};

struct fwd_lcore {
	const struct fwd_table *t;
	const struct rte_lpm *lpm;	/**< the table of the lcore's socket */
	uint16_t txq;			/**< this lcore's queue on each port */
	struct rte_eth_dev_tx_buffer **txb;	/**< by port id */
	struct fwd_port_counters *cnt;		/**< by port id */
};

/** @return 0 or -ENOMEM. */
int fwd_lcore_init(struct fwd_lcore *f, const struct fwd_table *t,
		const struct rte_lpm *lpm, uint16_t txq, uint16_t burst,
		int socket_id);

/** Free the buffers, dropping what they hold. */
void fwd_lcore_free(struct fwd_lcore *f);

/** Forward or drop @p n packets received on @p in_port. */
void fwd_packets(struct fwd_lcore *f, uint16_t in_port,
		struct rte_mbuf **pkts, uint16_t n);

/** Send what the tx buffers hold. */
void fwd_flush(struct fwd_lcore *f);

/** "short", "header", ... as in the status lines. */
const char *fwd_drop_str(enum fwd_drop d);

#endif /* L3FWD_FORWARD_H */
