/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_STATS_H
#define L3FWD_STATS_H

/**
 * @file
 * Status of the ports and lcores: printed every --stats-interval by a
 * control thread and once at exit, and served through DPDK telemetry.
 *
 * Each line is "key=value" pairs, easy for people and scripts:
 *   port=0 rx=.. tx=.. dropped=.. short=.. header=.. checksum=.. ttl=..
 *     no_route=.. not_ipv4=.. tx_full=..
 *   lcore=1 power=vm rx=.. polls=.. empty=.. busy=.. sleep_us=.. level=..
 *     levels=.. khz=.. requests=.. up=.. down=.. max=.. min=.. ack=..
 *     nack=.. lost=.. fail=..
 * level is the ladder index asked for (0 highest), -1 when unknown.
 *
 * Telemetry: /l3fwd_power/ports and /l3fwd_power/lcores list the ids;
 * /l3fwd_power/port,N and /l3fwd_power/lcore,N give the same fields.
 */

#include <stdio.h>

#include "worker.h"

/**
 * Register the telemetry commands and, when @p interval_ms > 0, start the
 * thread that prints the status. @return 0 or a negative errno.
 */
int stats_start(const struct worker_set *s, unsigned int interval_ms);

/** Stop the printing thread. */
void stats_stop(void);

/** Detach telemetry from the lcores before they are freed. */
void stats_close(void);

/** Print every port and lcore under a "# <title>" line. */
void stats_print(FILE *f, const char *title);

#endif /* L3FWD_STATS_H */
