/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "l3fwd_log.h"
#include "vmscale.h"

int
vmscale_init(struct vmscale_lcore *l, const uint16_t *ports,
		const uint16_t *queues, unsigned int nb, uint32_t max_empty)
{
	unsigned int i;

	memset(l, 0, sizeof(*l));
	l->q = calloc(nb > 0 ? nb : 1, sizeof(*l->q));
	if (l->q == NULL)
		return -ENOMEM;
	for (i = 0; i < nb; i++)
		l->q[i] = (struct vmscale_queue){ .lc = l, .port = ports[i],
			.queue = queues[i] };
	l->nb_q = nb;
	l->max_empty = max_empty;
	/* DPDK's: a queue counted ready has n_sleeps == target, never 0. */
	l->sleep_target = 1;
	return 0;
}

/* DPDK's queue_reset(): traffic, the queue is no longer ready. */
static void
queue_reset(struct vmscale_lcore *l, struct vmscale_queue *q)
{
	if (q->n_sleeps == l->sleep_target)
		l->n_ready--;
	q->n_empty = 0;
	q->n_sleeps = 0;
}

/* DPDK's queue_can_sleep(): one more empty poll of this queue. */
static int
queue_can_sleep(struct vmscale_lcore *l, struct vmscale_queue *q)
{
	if (++q->n_empty <= l->max_empty)
		return 0;
	if (q->n_sleeps == l->sleep_target)
		return 1;
	q->n_sleeps = l->sleep_target;
	l->n_ready++;
	return 1;
}

/* DPDK's lcore_can_sleep(): every queue ready; a new round starts. */
static int
lcore_can_sleep(struct vmscale_lcore *l)
{
	if (l->n_ready != l->nb_q)
		return 0;
	l->n_ready = 0;
	l->sleep_target++;
	return 1;
}

enum vmscale_act
vmscale_rx(struct vmscale_lcore *l, unsigned int qi, uint16_t nb_rx)
{
	struct vmscale_queue *q = &l->q[qi];

	if (nb_rx > 0) {
		queue_reset(l, q);
		return VMSCALE_MAX;
	}
	if (!queue_can_sleep(l, q) || !lcore_can_sleep(l))
		return VMSCALE_NONE;
	return VMSCALE_MIN;
}

static uint16_t
on_rx(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t nb_rx,
		uint16_t max_pkts, void *arg)
{
	struct vmscale_queue *q = arg;
	struct vmscale_lcore *l = q->lc;

	RTE_SET_USED(port);
	RTE_SET_USED(queue);
	RTE_SET_USED(pkts);
	RTE_SET_USED(max_pkts);
	switch (vmscale_rx(l, (unsigned int)(q - l->q), nb_rx)) {
	case VMSCALE_MAX:
		power_lcore_hint(l->power, HEUR_MAX);
		break;
	case VMSCALE_MIN:
		power_lcore_min(l->power);
		/* Idle: the time to read the host's answers. */
		power_lcore_poll(l->power);
		break;
	default:
		break;
	}
	return nb_rx;
}

static void
detach(struct vmscale_lcore *l)
{
	unsigned int i;

	for (i = 0; i < l->nb_q; i++) {
		struct vmscale_queue *q = &l->q[i];

		if (q->cb == NULL)
			continue;
		rte_eth_remove_rx_callback(q->port, q->queue, q->cb);
		/* Only this lcore polls the queue and it polls no more:
		 * DPDK's own pmd-mgmt frees it the same way. */
		rte_free((void *)(uintptr_t)q->cb);
		q->cb = NULL;
	}
}

int
vmscale_attach(struct vmscale_lcore *l, struct power_lcore *p)
{
	unsigned int i;

	l->power = p;
	for (i = 0; i < l->nb_q; i++) {
		struct vmscale_queue *q = &l->q[i];

		q->cb = rte_eth_add_rx_callback(q->port, q->queue, on_rx, q);
		if (q->cb == NULL) {
			int ret = -rte_errno;

			L3FWD_LOG(ERR, "--pmd-mgmt scale on lcore %u: no rx "
				"callback on port %u queue %u: %s", p->lcore_id,
				q->port, q->queue, strerror(rte_errno));
			detach(l);
			return ret < 0 ? ret : -ENOTSUP;
		}
	}
	return 0;
}

void
vmscale_fini(struct vmscale_lcore *l)
{
	detach(l);
	free(l->q);
	l->q = NULL;
	l->nb_q = 0;
}
