/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_LOG_H
#define L3FWD_LOG_H

/* The application's log type, "vmpower.l3fwd_power", shared by its files. */

#include <rte_log.h>

extern int l3fwd_logtype;

#define L3FWD_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, l3fwd_logtype, \
		"L3FWD_POWER: " fmt "\n", ##__VA_ARGS__)

/* Counters are written by one lcore and read by the stats thread. */
static inline void
counter_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

static inline uint64_t
counter_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

#endif /* L3FWD_LOG_H */
