/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "forward.h"
#include "l3fwd_log.h"
#include "options.h"

static const char *const drop_names[FWD_DROP_MAX] = {
	[FWD_DROP_SHORT] = "short",
	[FWD_DROP_HEADER] = "header",
	[FWD_DROP_CHECKSUM] = "checksum",
	[FWD_DROP_TTL] = "ttl",
	[FWD_DROP_NO_ROUTE] = "no_route",
	[FWD_DROP_NOT_IPV4] = "not_ipv4",
	[FWD_DROP_TX_FULL] = "tx_full",
};

const char *
fwd_drop_str(enum fwd_drop d)
{
	return (unsigned int)d < FWD_DROP_MAX ? drop_names[d] : "?";
}

/* Unsent packets of a flush: counted on the output port, then freed. */
static void
tx_unsent(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	struct fwd_port_counters *c = userdata;

	rte_pktmbuf_free_bulk(pkts, unsent);
	counter_add(&c->drop[FWD_DROP_TX_FULL], unsent);
}

int
fwd_lcore_init(struct fwd_lcore *f, const struct fwd_table *t,
		const struct rte_lpm *lpm, uint16_t txq, uint16_t burst,
		int socket_id)
{
	uint16_t port;

	f->t = t;
	f->lpm = lpm;
	f->txq = txq;
	f->txb = rte_zmalloc_socket("l3fwd_txb", t->nb_ports *
		sizeof(*f->txb), 0, socket_id);
	f->cnt = rte_zmalloc_socket("l3fwd_cnt", t->nb_ports *
		sizeof(*f->cnt), RTE_CACHE_LINE_SIZE, socket_id);
	if (f->txb == NULL || f->cnt == NULL)
		goto nomem;
	for (port = 0; port < t->nb_ports; port++) {
		if (!portmask_has(t->portmask, port))
			continue;
		f->txb[port] = rte_zmalloc_socket("l3fwd_txb",
			RTE_ETH_TX_BUFFER_SIZE(burst), 0, socket_id);
		if (f->txb[port] == NULL)
			goto nomem;
		rte_eth_tx_buffer_init(f->txb[port], burst);
		rte_eth_tx_buffer_set_err_callback(f->txb[port], tx_unsent,
			&f->cnt[port]);
	}
	return 0;
nomem:
	L3FWD_LOG(ERR, "no memory for the tx buffers of tx queue %u", txq);
	fwd_lcore_free(f);
	return -ENOMEM;
}

void
fwd_lcore_free(struct fwd_lcore *f)
{
	uint16_t port;

	if (f->txb != NULL) {
		for (port = 0; port < f->t->nb_ports; port++) {
			struct rte_eth_dev_tx_buffer *b = f->txb[port];

			if (b == NULL)
				continue;
			rte_pktmbuf_free_bulk(b->pkts, b->length);
			rte_free(b);
		}
	}
	rte_free(f->txb);
	rte_free(f->cnt);
	f->txb = NULL;
	f->cnt = NULL;
}

/*
 * RFC 1812 checks an IPv4 router makes before forwarding.
 * @return FWD_DROP_MAX to forward, else the reason to drop.
 */
static enum fwd_drop
check_ipv4(const struct rte_mbuf *m, struct rte_ipv4_hdr **hdr)
{
	const struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	uint32_t ihl, total;

	if (m->data_len < sizeof(*eth))
		return FWD_DROP_SHORT;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return FWD_DROP_NOT_IPV4;
	if (m->data_len < sizeof(*eth) + sizeof(*ip))
		return FWD_DROP_SHORT;
	ip = (struct rte_ipv4_hdr *)(uintptr_t)(eth + 1);
	ihl = (uint32_t)(ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) *
		RTE_IPV4_IHL_MULTIPLIER;
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip))
		return FWD_DROP_HEADER;
	if (m->data_len < sizeof(*eth) + ihl)
		return FWD_DROP_SHORT;
	total = rte_be_to_cpu_16(ip->total_length);
	if (total < ihl)
		return FWD_DROP_HEADER;
	if (m->pkt_len < sizeof(*eth) + total)
		return FWD_DROP_SHORT;
	/* The one's complement sum of a correct header is all ones. */
	if (rte_raw_cksum(ip, ihl) != 0xffff)
		return FWD_DROP_CHECKSUM;
	if (ip->time_to_live <= 1)
		return FWD_DROP_TTL;
	*hdr = ip;
	return FWD_DROP_MAX;
}

static void
forward_one(struct fwd_lcore *f, uint16_t in_port, struct rte_mbuf *m)
{
	const struct fwd_table *t = f->t;
	struct rte_ipv4_hdr *ip = NULL;
	struct rte_ether_hdr *eth;
	enum fwd_drop why;
	uint32_t hop;
	uint16_t out, sent;

	why = check_ipv4(m, &ip);
	if (why == FWD_DROP_MAX) {
		if (rte_lpm_lookup(f->lpm, rte_be_to_cpu_32(ip->dst_addr),
				&hop) != 0 || hop >= t->nb_ports ||
				f->txb[hop] == NULL) {
			why = FWD_DROP_NO_ROUTE;
			if (t->reflect) {
				/* Upstream's: back where it came from. */
				hop = in_port;
				why = FWD_DROP_MAX;
				counter_add(&f->cnt[in_port].reflected, 1);
			}
		}
	}
	if (why != FWD_DROP_MAX) {
		counter_add(&f->cnt[in_port].drop[why], 1);
		rte_pktmbuf_free(m);
		return;
	}
	out = (uint16_t)hop;
	ip->time_to_live--;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(&t->dst[out], &eth->dst_addr);
	rte_ether_addr_copy(&t->src[out], &eth->src_addr);
	sent = rte_eth_tx_buffer(out, f->txq, f->txb[out], m);
	if (sent)
		counter_add(&f->cnt[out].tx, sent);
}

void
fwd_packets(struct fwd_lcore *f, uint16_t in_port, struct rte_mbuf **pkts,
		uint16_t n)
{
	uint16_t i;

	counter_add(&f->cnt[in_port].rx, n);
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		forward_one(f, in_port, pkts[i]);
	}
}

void
fwd_flush(struct fwd_lcore *f)
{
	uint16_t port, sent;

	for (port = 0; port < f->t->nb_ports; port++) {
		if (f->txb[port] == NULL || f->txb[port]->length == 0)
			continue;
		sent = rte_eth_tx_buffer_flush(port, f->txq, f->txb[port]);
		if (sent)
			counter_add(&f->cnt[port].tx, sent);
	}
}
