/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "l3fwd_log.h"
#include "worker.h"

static int stop_flag;

void
workers_stop(void)
{
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
}

int
workers_stopping(void)
{
	return __atomic_load_n(&stop_flag, __ATOMIC_RELAXED);
}

static struct worker *
find_or_add(struct worker_set *s, unsigned int lcore)
{
	unsigned int i;

	for (i = 0; i < s->nb; i++)
		if (s->w[i].lcore_id == lcore)
			return &s->w[i];
	/* s->w is sized for one worker per --config entry. */
	memset(&s->w[s->nb], 0, sizeof(s->w[s->nb]));
	s->w[s->nb].lcore_id = lcore;
	return &s->w[s->nb++];
}

static int
add_rxq(struct worker *w, const struct app_options *o,
		const struct rxq_assign *a)
{
	struct worker_rxq *grown = realloc(w->rxq,
		(w->nb_rxq + 1) * sizeof(*grown));

	if (grown == NULL)
		return -ENOMEM;
	w->rxq = grown;
	w->rxq[w->nb_rxq] = (struct worker_rxq){
		.port = a->port, .queue = a->queue };
	rxq_depth_init(&w->rxq[w->nb_rxq++].depth, a->port, a->queue,
		o->heur.deep_queue, o->burst);
	return 0;
}

int
workers_create(struct worker_set *s, const struct app_options *o,
		const struct fwd_table *t, const struct socket_set *ss)
{
	unsigned int i;
	int ret;

	memset(s, 0, sizeof(*s));
	s->o = o;
	s->t = t;
	s->w = calloc(o->nb_rxq, sizeof(*s->w));
	if (s->w == NULL)
		return -ENOMEM;
	for (i = 0; i < o->nb_rxq; i++) {
		struct worker *w = find_or_add(s, o->rxq[i].lcore);

		ret = add_rxq(w, o, &o->rxq[i]);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < s->nb; i++) {
		struct worker *w = &s->w[i];
		int socket = sockets_of_lcore(o, w->lcore_id);
		const struct socket_res *r = sockets_get(ss, socket);

		w->pkts = rte_zmalloc_socket("l3fwd_burst",
			o->burst * sizeof(*w->pkts), 0, socket);
		if (w->pkts == NULL)
			return -ENOMEM;
		if (r == NULL)
			return -ENOENT;
		ret = fwd_lcore_init(&w->fwd, t, r->lpm, (uint16_t)i,
			o->burst, socket);
		if (ret < 0)
			return ret;
	}
	return 0;
}

unsigned int *
workers_lcores(const struct worker_set *s)
{
	unsigned int *l = calloc(RTE_MAX(s->nb, 1u), sizeof(*l));
	unsigned int i;

	for (i = 0; l != NULL && i < s->nb; i++)
		l[i] = s->w[i].lcore_id;
	return l;
}

/*
 * A deep queue goes to max now, not at the end of the period: the ring
 * may fill long before. power_lcore_hint() sends nothing when the lcore
 * is at max already, so a lasting backlog asks once.
 */
static void
deep_queue(struct worker *w, struct heur_period *per, int hints)
{
	per->queue_full = 1;
	counter_add(&w->c.deep_polls, 1);
	if (w->c.deep_first == 0)
		__atomic_store_n(&w->c.deep_first, w->c.polls,
			__ATOMIC_RELAXED);
	if (hints)
		power_lcore_hint(&w->power, HEUR_MAX);
}

/*
 * Upstream's telemetry busyness: how long 10000 rx bursts took, 100 %
 * at 22 M TSC cycles or more, 0 under 1.5 M (its constants, tuned for
 * one CPU: a quirk kept for comparison).
 */
#define BUSY_POLLS	10000
#define BUSY_MIN_CYCLES	1500000ULL
#define BUSY_MAX_CYCLES	22000000ULL

static void
count_busy(struct worker *w, unsigned int bursts)
{
	uint64_t now, d, pct;

	w->busy_polls += bursts;
	if (w->busy_polls < BUSY_POLLS)
		return;
	now = rte_rdtsc();
	d = now - w->busy_tsc;
	pct = d >= BUSY_MAX_CYCLES ? 100 : d > BUSY_MIN_CYCLES ?
		d * 100 / BUSY_MAX_CYCLES : 0;
	__atomic_store_n(&w->c.busy_pct, pct, __ATOMIC_RELAXED);
	w->busy_polls = 0;
	w->busy_tsc = now;
}

/* One round over the lcore's queues. @return packets received. */
static uint32_t
poll_once(struct worker *w, uint16_t burst, struct heur_period *per,
		int hints)
{
	uint32_t total = 0;
	int busy = 0, deep = 0;
	unsigned int i;

	for (i = 0; i < w->nb_rxq; i++) {
		struct worker_rxq *q = &w->rxq[i];
		uint16_t n = rte_eth_rx_burst(q->port, q->queue, w->pkts,
			burst);

		deep |= rxq_depth_deep(&q->depth, n, burst);
		if (n == 0) {
			counter_add(&w->c.q_empty, 1);
			continue;
		}
		if (n == burst)
			counter_add(&w->c.q_full, 1);
		total += n;
		/* A full burst means more may be waiting: a backlog. */
		busy |= n == burst;
		fwd_packets(&w->fwd, q->port, w->pkts, n);
	}
	fwd_flush(&w->fwd);
	count_busy(w, w->nb_rxq);
	per->polls++;
	per->busy_polls += busy;
	counter_add(&w->c.polls, 1);
	if (busy)
		counter_add(&w->c.busy_polls, 1);
	if (deep)
		deep_queue(w, per, hints);
	return total;
}

static void
end_period(struct worker *w, const struct app_options *o,
		struct heur_period *per, int hints)
{
	enum heur_hint h = heur_decide(&o->heur, &w->heur, per);

	counter_add(&w->c.hints[h], 1);
	if (hints)
		power_lcore_hint(&w->power, h);
	power_lcore_poll(&w->power);
}

/*
 * Ours, --interrupt-only (no power control: hints go nowhere), and the
 * busy-polling modes (--telemetry, --pmd-mgmt: DPDK's callbacks on the
 * rx queues do the rest).
 */
static int
loop(struct worker *w, const struct worker_set *s)
{
	const struct app_options *o = s->o;
	uint64_t period = rte_get_tsc_hz() / 1000000 * o->heur.period_us;
	int busy_poll = o->mode == APP_MODE_TELEMETRY ||
		o->mode == APP_MODE_PMD_MGMT;
	/* In pmd-mgmt mode the scale rule alone moves the frequency. */
	int hints = o->mode != APP_MODE_PMD_MGMT;
	struct heur_period per = { 0 };
	uint64_t start, now;

	start = rte_rdtsc();
	w->busy_tsc = start;
	while (!workers_stopping()) {
		uint32_t n = poll_once(w, o->burst, &per, hints);

		if (n > 0) {
			counter_add(&w->c.rx, n);
			idle_busy(&w->idle);
		} else {
			uint64_t slept = busy_poll ? 0 : idle_empty(&w->idle);

			counter_add(&w->c.empty_polls, 1);
			if (slept) {
				per.sleep_cycles += slept;
				counter_add(&w->c.sleep_cycles, slept);
				/* Answers to a request a deep queue made. */
				power_lcore_poll(&w->power);
			}
		}
		now = rte_rdtsc();
		if (now - start >= period) {
			per.cycles = now - start;
			end_period(w, o, &per, hints);
			memset(&per, 0, sizeof(per));
			start = now;
		}
	}
	return 0;
}

/* --pmd-mgmt scale in a VM: DPDK's rule as our callbacks (vmscale.h). */
static int
vmscale_start(struct worker *w, const struct app_options *o)
{
	uint16_t *ports = calloc(RTE_MAX(w->nb_rxq, 1u), sizeof(*ports));
	uint16_t *queues = calloc(RTE_MAX(w->nb_rxq, 1u), sizeof(*queues));
	unsigned int i;
	int ret = -ENOMEM;

	if (ports != NULL && queues != NULL) {
		for (i = 0; i < w->nb_rxq; i++) {
			ports[i] = w->rxq[i].port;
			queues[i] = w->rxq[i].queue;
		}
		ret = vmscale_init(&w->vms, ports, queues, w->nb_rxq,
			o->max_empty_polls);
	}
	free(ports);
	free(queues);
	if (ret == 0)
		ret = vmscale_attach(&w->vms, &w->power);
	return ret;
}

static int
run(struct worker *w, const struct worker_set *s)
{
	const struct app_options *o = s->o;
	struct idle_rxq *iq = calloc(RTE_MAX(w->nb_rxq, 1u), sizeof(*iq));
	int legacy = o->mode == APP_MODE_LEGACY;
	unsigned int i;
	int ret;

	if (iq == NULL)
		return -ENOMEM;
	for (i = 0; i < w->nb_rxq; i++)
		iq[i] = (struct idle_rxq){ w->rxq[i].port, w->rxq[i].queue };
	ret = idle_init(&w->idle, &o->idle, iq, w->nb_rxq,
		legacy ? LEGACY_PERIOD_US : o->heur.period_us);
	free(iq);
	if (ret < 0)
		return ret;
	if (o->mode == APP_MODE_PMD_MGMT && o->pmd_mgmt == PMD_MGMT_SCALE &&
			w->power.mode != POWER_MODE_NONE) {
		ret = vmscale_start(w, o);
		if (ret < 0) {
			/* Logged; an lcore that cannot scale stops them all. */
			vmscale_fini(&w->vms);
			idle_fini(&w->idle);
			workers_stop();
			return ret;
		}
	}
	L3FWD_LOG(INFO, "lcore %u: forwarding from %u rx queue(s)",
		w->lcore_id, w->nb_rxq);
	ret = legacy ? worker_loop_legacy(w, s) : loop(w, s);
	vmscale_fini(&w->vms);
	idle_fini(&w->idle);
	return ret;
}

int
worker_main(void *arg)
{
	const struct worker_set *s = arg;
	unsigned int lcore = rte_lcore_id(), i;

	for (i = 0; i < s->nb; i++)
		if (s->w[i].lcore_id == lcore)
			return run(&s->w[i], s);
	return 0;
}

void
workers_free(struct worker_set *s)
{
	unsigned int i;

	for (i = 0; s->w != NULL && i < s->nb; i++) {
		fwd_lcore_free(&s->w[i].fwd);
		rte_free(s->w[i].pkts);
		free(s->w[i].rxq);
	}
	free(s->w);
	s->w = NULL;
	s->nb = 0;
}
