/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_SOCKETS_H
#define L3FWD_SOCKETS_H

/**
 * @file
 * What each NUMA socket in use gets for itself, as upstream l3fwd-power
 * does: one mbuf pool and one route table (LPM) in its own memory. A
 * socket is in use when a forwarding lcore of --config runs on it; with
 * --no-numa everything is on socket 0. An rx queue takes its mbufs from
 * the pool of the lcore that polls it; an lcore looks routes up in its
 * socket's table.
 *
 * Owns: the pools and tables, created before the ports start and freed
 * after they close. Main thread only; read-only while forwarding.
 */

#include <stdint.h>

#include "options.h"

struct rte_lpm;
struct rte_mempool;

struct socket_res {
	int socket;
	struct rte_lpm *lpm;
	struct rte_mempool *pool;
};

struct socket_set {
	struct socket_res *s;	/**< one per socket in use */
	unsigned int nb;
};

/** The socket whose resources @p lcore uses (0 with --no-numa). */
int sockets_of_lcore(const struct app_options *o, unsigned int lcore);

/**
 * A pool of @p nb_mbuf and a route table on every socket in use.
 * @return 0 or a negative errno (logged).
 */
int sockets_create(struct socket_set *ss, const struct app_options *o,
		unsigned int nb_mbuf);

/** The resources of @p socket, or NULL if it is not in use. */
const struct socket_res *sockets_get(const struct socket_set *ss,
		int socket);

void sockets_free(struct socket_set *ss);

#endif /* L3FWD_SOCKETS_H */
