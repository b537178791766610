/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "l3fwd_log.h"
#include "modes.h"
#include "ports.h"

#define POOL_CACHE	256	/* as sockets.c */

/* rx queues of @p port: 0..n-1 all named in --config, none twice. */
static int
count_rxq(const struct app_options *o, uint16_t port, uint16_t *nb)
{
	unsigned int i, j, max = 0, seen = 0;

	for (i = 0; i < o->nb_rxq; i++) {
		if (o->rxq[i].port != port)
			continue;
		for (j = 0; j < i; j++)
			if (o->rxq[j].port == port &&
					o->rxq[j].queue == o->rxq[i].queue) {
				L3FWD_LOG(ERR, "--config names port %u queue "
					"%u twice", port, o->rxq[i].queue);
				return -EINVAL;
			}
		max = RTE_MAX(max, o->rxq[i].queue + 1u);
		seen++;
	}
	if (seen != max) {
		L3FWD_LOG(ERR, "--config: rx queues of port %u must be "
			"0..%u with none missing", port, max - 1);
		return -EINVAL;
	}
	*nb = (uint16_t)max;
	return 0;
}

static int
check_config(const struct app_options *o, struct fwd_table *t)
{
	unsigned int i;
	uint16_t port;

	t->nb_ports = 0;
	RTE_ETH_FOREACH_DEV(port)
		t->nb_ports = RTE_MAX(t->nb_ports, (uint16_t)(port + 1));
	for (i = 0; i < PORTMASK_BITS; i++)
		if (portmask_has(o->portmask, i) &&
				(i >= t->nb_ports ||
				 !rte_eth_dev_is_valid_port((uint16_t)i))) {
			L3FWD_LOG(ERR, "port %u is in the mask but there is no "
				"such port (%u available)", i,
				rte_eth_dev_count_avail());
			return -ENODEV;
		}
	for (i = 0; i < o->nb_rxq; i++) {
		const struct rxq_assign *a = &o->rxq[i];

		if (!portmask_has(o->portmask, a->port)) {
			L3FWD_LOG(ERR, "--config: port %u is not in the mask",
				a->port);
			return -EINVAL;
		}
		if (!rte_lcore_is_enabled(a->lcore)) {
			L3FWD_LOG(ERR, "--config: lcore %u is not enabled "
				"(EAL -l)", a->lcore);
			return -EINVAL;
		}
	}
	return 0;
}

/* Upstream's: the MTU that lets a frame of max_pkt_len in. */
static uint16_t
mtu_for(const struct rte_eth_dev_info *info, uint32_t max_pkt_len)
{
	uint32_t overhead = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;

	if (info->max_mtu != UINT16_MAX &&
			info->max_rx_pktlen > info->max_mtu)
		overhead = info->max_rx_pktlen - info->max_mtu;
	return (uint16_t)(max_pkt_len > overhead ? max_pkt_len - overhead :
		RTE_ETHER_MIN_MTU);
}

static int
configure(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq,
		const struct app_options *o)
{
	uint32_t max_pkt_len = o->max_pkt_len;
	int intr = o->idle.interrupts;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret < 0)
		return ret;
	if (nb_rxq > info.max_rx_queues || nb_txq > info.max_tx_queues) {
		L3FWD_LOG(ERR, "port %u (%s) has at most %u rx and %u tx "
			"queues: %u rx and %u tx (one per lcore) asked",
			port, info.driver_name, info.max_rx_queues,
			info.max_tx_queues, nb_rxq, nb_txq);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	if (nb_rxq > 1) {
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP &
			info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf != 0)
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	}
	conf.intr_conf.rxq = intr;
	if (o->link_speed > 0)
		conf.link_speeds = rte_eth_speed_bitflag(o->link_speed, 0);
	if (max_pkt_len > 0) {
		conf.rxmode.mtu = mtu_for(&info, max_pkt_len);
		if (conf.rxmode.mtu > info.max_mtu) {
			L3FWD_LOG(ERR, "port %u (%s): --max-pkt-len %u needs "
				"an MTU of %u, the port takes at most %u",
				port, info.driver_name, max_pkt_len,
				conf.rxmode.mtu, info.max_mtu);
			return -EINVAL;
		}
	}
	ret = rte_eth_dev_configure(port, nb_rxq, nb_txq, &conf);
	if (ret < 0 && intr) {
		L3FWD_LOG(INFO, "port %u (%s) refuses rx interrupts: %s",
			port, info.driver_name, strerror(-ret));
		conf.intr_conf.rxq = 0;
		ret = rte_eth_dev_configure(port, nb_rxq, nb_txq, &conf);
	}
	if (ret < 0)
		L3FWD_LOG(ERR, "cannot configure port %u (%s): %s", port,
			info.driver_name, strerror(-ret));
	return ret;
}

/* The pool of the socket of the lcore polling @p port / @p queue. */
static struct rte_mempool *
rxq_pool(const struct app_options *o, const struct socket_set *ss,
		uint16_t port, uint16_t queue)
{
	const struct socket_res *r = NULL;
	unsigned int i;

	for (i = 0; i < o->nb_rxq && r == NULL; i++)
		if (o->rxq[i].port == port && o->rxq[i].queue == queue)
			r = sockets_get(ss, sockets_of_lcore(o,
				o->rxq[i].lcore));
	return r != NULL ? r->pool : NULL;
}

static int
setup_queues(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq,
		const struct app_options *o, const struct socket_set *ss)
{
	uint16_t nb_rxd = o->rx_desc, nb_txd = o->tx_desc, q;
	int socket = rte_eth_dev_socket_id(port);
	int ret;

	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret < 0)
		goto fail;
	for (q = 0; q < nb_rxq; q++) {
		ret = rte_eth_rx_queue_setup(port, q, nb_rxd, socket, NULL,
			rxq_pool(o, ss, port, q));
		if (ret < 0)
			goto fail;
	}
	for (q = 0; q < nb_txq; q++) {
		ret = rte_eth_tx_queue_setup(port, q, nb_txd, socket, NULL);
		if (ret < 0)
			goto fail;
	}
	return 0;
fail:
	L3FWD_LOG(ERR, "cannot set up the queues of port %u: %s", port,
		strerror(-ret));
	return ret;
}

/* mbufs a socket's pool needs: as if every queue took from it. */
static unsigned int
pool_size(const struct app_options *o, const struct fwd_table *t,
		uint16_t nb_txq)
{
	unsigned int nb = 0, lcores = rte_lcore_count();
	uint16_t port, nb_rxq;

	/* Every ring full, every lcore's cache and tx buffers full. */
	for (port = 0; port < t->nb_ports; port++) {
		if (!portmask_has(o->portmask, port) ||
				count_rxq(o, port, &nb_rxq) < 0)
			continue;
		nb += nb_rxq * o->rx_desc + nb_txq * (o->tx_desc + o->burst);
	}
	return nb + lcores * (POOL_CACHE + o->burst);
}

static int
start_port(uint16_t port, const struct app_options *o, uint16_t nb_txq,
		struct fwd_table *t, const struct socket_set *ss)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	uint16_t nb_rxq = 0, mtu = 0;
	unsigned int i;
	int ret;

	ret = count_rxq(o, port, &nb_rxq);
	if (ret < 0)
		return ret;
	ret = configure(port, nb_rxq, nb_txq, o);
	if (ret < 0)
		return ret;
	ret = setup_queues(port, nb_rxq, nb_txq, o, ss);
	if (ret < 0)
		return ret;
	ret = rte_eth_macaddr_get(port, &t->src[port]);
	if (ret < 0)
		return ret;
	/* l3fwd's convention for the next hop: 02:00:00:00:00:<port>. */
	memset(&t->dst[port], 0, sizeof(t->dst[port]));
	t->dst[port].addr_bytes[0] = 0x02;
	t->dst[port].addr_bytes[5] = (uint8_t)port;
	for (i = 0; i < o->nb_dest; i++)
		if (o->dest[i].port == port)
			t->dst[port] = o->dest[i].mac;
	ret = modes_port_ready(o, port);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_start(port);
	if (ret < 0) {
		L3FWD_LOG(ERR, "cannot start port %u: %s", port,
			strerror(-ret));
		return ret;
	}
	if (o->promiscuous && rte_eth_promiscuous_enable(port) < 0)
		L3FWD_LOG(WARNING, "port %u: cannot enable promiscuous mode",
			port);
	rte_ether_format_addr(mac, sizeof(mac), &t->src[port]);
	rte_eth_dev_get_mtu(port, &mtu);
	printf("port=%u mac=%s rxq=%u txq=%u mtu=%u\n", port, mac, nb_rxq,
		nb_txq, mtu);
	return 0;
}

int
ports_init(const struct app_options *o, uint16_t nb_txq,
		struct fwd_table *t, struct socket_set *ss)
{
	uint16_t port;
	int ret;

	ret = check_config(o, t);
	if (ret < 0)
		return ret;
	t->portmask = o->portmask;
	t->src = rte_zmalloc("l3fwd_src", t->nb_ports * sizeof(*t->src), 0);
	t->dst = rte_zmalloc("l3fwd_dst", t->nb_ports * sizeof(*t->dst), 0);
	if (t->src == NULL || t->dst == NULL)
		return -ENOMEM;
	t->reflect = o->route_miss == ROUTE_MISS_REFLECT;
	ret = sockets_create(ss, o, pool_size(o, t, nb_txq));
	if (ret < 0)
		return ret;
	for (port = 0; port < t->nb_ports; port++) {
		if (!portmask_has(o->portmask, port))
			continue;
		ret = start_port(port, o, nb_txq, t, ss);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void
ports_fini(const struct fwd_table *t)
{
	uint16_t port;

	for (port = 0; port < t->nb_ports; port++) {
		if (!portmask_has(t->portmask, port))
			continue;
		/* Stopping a pcap port is what writes its output file out. */
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	rte_free(t->src);
	rte_free(t->dst);
}
