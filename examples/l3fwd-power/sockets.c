/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_lpm.h>
#include <rte_mbuf.h>

#include "l3fwd_log.h"
#include "routes.h"
#include "sockets.h"

#define POOL_CACHE	256

int
sockets_of_lcore(const struct app_options *o, unsigned int lcore)
{
	int s = (int)rte_lcore_to_socket_id(lcore);

	/* SOCKET_ID_ANY (no NUMA information) counts as socket 0. */
	return o->no_numa || s < 0 ? 0 : s;
}

const struct socket_res *
sockets_get(const struct socket_set *ss, int socket)
{
	unsigned int i;

	for (i = 0; i < ss->nb; i++)
		if (ss->s[i].socket == socket)
			return &ss->s[i];
	return NULL;
}

static int
add_socket(struct socket_set *ss, const struct app_options *o, int socket,
		unsigned int nb_mbuf)
{
	struct socket_res *grown, *r;
	char name[RTE_MEMPOOL_NAMESIZE];

	grown = realloc(ss->s, (ss->nb + 1) * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	ss->s = grown;
	r = &ss->s[ss->nb++];
	*r = (struct socket_res){ .socket = socket };
	snprintf(name, sizeof(name), "l3fwd_mbufs_%d", socket & 0xffff);
	r->pool = rte_pktmbuf_pool_create(name, nb_mbuf, POOL_CACHE, 0,
		options_mbuf_size(o), socket);
	if (r->pool == NULL) {
		L3FWD_LOG(ERR, "socket %d: cannot create a pool of %u mbufs "
			"of %u bytes: %s (give EAL more memory, -m)", socket,
			nb_mbuf, options_mbuf_size(o),
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	r->lpm = routes_create(o, socket);
	if (r->lpm == NULL)
		return -rte_errno;
	L3FWD_LOG(INFO, "socket %d: mbuf pool of %u, route table", socket,
		nb_mbuf);
	return 0;
}

int
sockets_create(struct socket_set *ss, const struct app_options *o,
		unsigned int nb_mbuf)
{
	unsigned int i;
	int ret;

	ss->s = NULL;
	ss->nb = 0;
	for (i = 0; i < o->nb_rxq; i++) {
		int socket = sockets_of_lcore(o, o->rxq[i].lcore);

		if (sockets_get(ss, socket) != NULL)
			continue;
		ret = add_socket(ss, o, socket, nb_mbuf);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void
sockets_free(struct socket_set *ss)
{
	unsigned int i;

	for (i = 0; i < ss->nb; i++) {
		routes_free(ss->s[i].lpm);
		rte_mempool_free(ss->s[i].pool);
	}
	free(ss->s);
	ss->s = NULL;
	ss->nb = 0;
}
