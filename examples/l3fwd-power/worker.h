/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_WORKER_H
#define L3FWD_WORKER_H

/**
 * @file
 * The forwarding lcores: who polls which rx queue, and the loop each runs
 * (poll, forward, back off when idle, and at the end of each decision
 * period ask the heuristic and act on its hint).
 *
 * Owns: struct worker, one per lcore named in --config, and the stop flag.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "forward.h"
#include "heuristic.h"
#include "idle.h"
#include "legacy.h"
#include "options.h"
#include "power.h"
#include "rxq_depth.h"
#include "sockets.h"
#include "vmscale.h"

struct worker_rxq {
	uint16_t port;
	uint16_t queue;
	struct rxq_depth depth;	/**< is it deep, after a burst */
	uint32_t zero_polls;	/**< --legacy: empty polls in a row */
	uint8_t legacy_hint;	/**< --legacy: enum legacy_hint, kept */
};

/** Published loop counters: owner writes, others counter_read(). */
struct worker_counters {
	uint64_t rx;		/**< packets received */
	uint64_t polls;		/**< rounds over the rx queues */
	uint64_t empty_polls;	/**< rounds that found nothing */
	uint64_t busy_polls;	/**< rounds that found a backlog */
	uint64_t sleep_cycles;	/**< TSC cycles paused or asleep */
	uint64_t q_empty;	/**< rx bursts that got nothing */
	uint64_t q_full;	/**< rx bursts that got a full burst */
	uint64_t busy_pct;	/**< upstream's busyness, 0..100 */
	uint64_t deep_polls;	/**< rounds that found a deep queue */
	uint64_t deep_first;	/**< polls before the first; 0: none yet */
	uint64_t hints[HEUR_DOWN + 1];	/**< heuristic hints, by kind */
};

struct worker {
	unsigned int lcore_id;
	struct worker_rxq *rxq;
	unsigned int nb_rxq;
	struct rte_mbuf **pkts;		/**< one burst */
	struct fwd_lcore fwd;
	struct power_lcore power;
	struct heur_state heur;
	struct legacy_state legacy;	/**< --legacy */
	struct idle_state idle;
	struct vmscale_lcore vms;	/**< --pmd-mgmt scale in a VM */
	uint64_t busy_tsc;	/**< start of upstream's busyness count */
	uint32_t busy_polls;	/**< rx bursts since then */
	struct worker_counters c;
};

struct worker_set {
	struct worker *w;
	unsigned int nb;
	const struct app_options *o;
	const struct fwd_table *t;
};

/**
 * One worker per lcore of --config, tx queue i for the i-th, routes from
 * its socket's table. Ports must be started. @return 0 or a negative errno (logged).
 */
int workers_create(struct worker_set *s, const struct app_options *o,
		const struct fwd_table *t, const struct socket_set *ss);

/** Lcores of the workers, for power_select(). Caller frees. */
unsigned int *workers_lcores(const struct worker_set *s);

/** Launched on every lcore; lcores without a worker return at once. */
int worker_main(void *set);

/** The loop of --legacy (worker_legacy.c); idle state ready. */
int worker_loop_legacy(struct worker *w, const struct worker_set *s);

/** Ask every loop to stop; async-signal-safe. */
void workers_stop(void);

/** Whether workers_stop() was called. */
int workers_stopping(void);

void workers_free(struct worker_set *s);

#endif /* L3FWD_WORKER_H */
