/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_L3FWD_HOST_H
#define VMP_TEST_L3FWD_HOST_H

/*
 * A host for l3fwd-power's VM mode: a thread on a test port (test_port.h)
 * that answers like the daemon and keeps the level of the one vCPU it
 * scales (0 = highest of its list). It records every CPU_POWER request in
 * order and counts the redundant ones: requests that leave the level
 * where it was.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "test_port.h"

struct l3fwd_host {
	/* Set before l3fwd_host_start(). */
	const uint32_t *khz;	/* frequency list, highest first */
	uint32_t nb_khz;
	uint32_t start_level;	/* level at start */
	int list_nack;		/* NACK the frequency list query */
	atomic_int nack;	/* NACK CPU_POWER requests */
	atomic_int paused;	/* stop reading the port */

	/* Kept by the thread; read under lock. */
	pthread_mutex_t lock;
	uint32_t level;
	uint32_t *seq;		/* units of the requests, in order */
	unsigned int nb_seq;
	unsigned int redundant;
	unsigned int connects;
	unsigned int queries;
	int reached_top;	/* level 0 seen */

	struct test_port *port;
	pthread_t thread;
	atomic_int stop;
};

int l3fwd_host_start(struct l3fwd_host *h, struct test_port *port);
void l3fwd_host_stop(struct l3fwd_host *h);

/* Requests with @unit so far. */
unsigned int l3fwd_host_count(struct l3fwd_host *h, uint32_t unit);
/* Current level. */
uint32_t l3fwd_host_level(struct l3fwd_host *h);
/* Requests so far. */
unsigned int l3fwd_host_requests(struct l3fwd_host *h);

/* Wait until the level is @level (and the top was seen if @after_top). */
int l3fwd_host_wait_level(struct l3fwd_host *h, uint32_t level,
		int after_top, int ms);

/*
 * Fill the guest->host direction of @port until it stays full (a pty
 * frees room a while after a write): a host that is not reading.
 * @return bytes written.
 */
size_t l3fwd_port_fill(struct test_port *port);

/* The requests as "up up max down ... min" into @buf. */
const char *l3fwd_host_seq_str(struct l3fwd_host *h, char *buf,
		size_t size);

#endif /* VMP_TEST_L3FWD_HOST_H */
