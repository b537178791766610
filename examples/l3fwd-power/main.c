/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * l3fwd-power: an IPv4 forwarder whose lcores scale their CPU frequency
 * with load, through librte_power on bare metal or the vmpower host daemon
 * inside a VM. See options.c for the command line, heuristic.h for when it
 * scales, power.h for how.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "forward.h"
#include "l3fwd_log.h"
#include "modes.h"
#include "options.h"
#include "ports.h"
#include "power.h"
#include "sockets.h"
#include "stats.h"
#include "worker.h"

RTE_LOG_REGISTER(l3fwd_logtype, vmpower.l3fwd_power, INFO);

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	workers_stop();
}

static int
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 ||
			sigaction(SIGTERM, &sa, NULL) < 0)
		return -errno;
	return 0;
}

/* Distinct lcores of --config: one tx queue each on every port. */
static uint16_t
count_lcores(const struct app_options *o)
{
	unsigned int i, j;
	uint16_t n = 0;

	for (i = 0; i < o->nb_rxq; i++) {
		for (j = 0; j < i; j++)
			if (o->rxq[j].lcore == o->rxq[i].lcore)
				break;
		n += j == i;
	}
	return n;
}

static int
main_forwards(const struct worker_set *ws)
{
	unsigned int i;

	for (i = 0; i < ws->nb; i++)
		if (ws->w[i].lcore_id == rte_get_main_lcore())
			return 1;
	return 0;
}

/*
 * Run the workers until a signal. A main lcore without queues sleeps
 * rather than spin in rte_eal_mp_wait_lcore(), which would keep its CPU
 * busy in a power-saving application.
 */
static int
forward(struct worker_set *ws)
{
	unsigned int lcore;
	int ret = 0;

	if (main_forwards(ws)) {
		rte_eal_mp_remote_launch(worker_main, ws, CALL_MAIN);
	} else {
		rte_eal_mp_remote_launch(worker_main, ws, SKIP_MAIN);
		RTE_LCORE_FOREACH_WORKER(lcore)
			while (rte_eal_get_lcore_state(lcore) == RUNNING)
				rte_delay_us_sleep(10000);
	}
	RTE_LCORE_FOREACH_WORKER(lcore)
		if (rte_eal_wait_lcore(lcore) < 0)
			ret = -1;
	return ret;
}

int
main(int argc, char **argv)
{
	struct fwd_table table = { 0 };
	struct worker_set ws = { 0 };
	struct socket_set ss = { 0 };
	struct app_options o;
	unsigned int *lcores;
	enum power_mode mode;
	unsigned int i;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "cannot initialise EAL: %s\n",
			rte_strerror(rte_errno));
	argv[ret] = argv[0];
	ret = options_parse(argc - ret, argv + ret, &o);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "bad arguments\n");
	if (ret > 0) {
		rte_eal_cleanup();
		return 0;
	}
	if (catch_signals() < 0)
		rte_exit(EXIT_FAILURE, "cannot catch signals\n");
	if (o.nb_rxq == 0 && options_default_config(&o) < 0)
		rte_exit(EXIT_FAILURE, "no memory\n");
	ret = ports_init(&o, count_lcores(&o), &table, &ss);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "port setup failed: %s\n",
			strerror(-ret));
	ret = workers_create(&ws, &o, &table, &ss);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "lcore setup failed: %s\n",
			strerror(-ret));
	lcores = workers_lcores(&ws);
	if (lcores == NULL)
		rte_exit(EXIT_FAILURE, "no memory\n");
	mode = modes_own_power(&o) ? power_select(&o, lcores, ws.nb) :
		POWER_MODE_NONE;
	if (modes_start(&o, lcores, ws.nb) < 0)
		rte_exit(EXIT_FAILURE, "mode setup failed\n");
	free(lcores);
	for (i = 0; i < ws.nb; i++)
		power_lcore_init(&ws.w[i].power, ws.w[i].lcore_id, mode);
	if (stats_start(&ws, o.stats_ms) < 0)
		rte_exit(EXIT_FAILURE, "cannot start the status thread\n");
	printf("l3fwd-power: forwarding, SIGINT or SIGTERM stops\n");
	fflush(stdout);

	ret = forward(&ws);

	stats_stop();
	/* Each lcore back at the frequency it had before we took it. */
	for (i = 0; i < ws.nb; i++)
		power_lcore_release(&ws.w[i].power);
	modes_stop(&o);
	stats_print(stdout, "final status");
	stats_close();
	ports_fini(&table);
	sockets_free(&ss);
	workers_free(&ws);
	options_free(&o);
	rte_eal_cleanup();
	return ret < 0 ? EXIT_FAILURE : 0;
}
