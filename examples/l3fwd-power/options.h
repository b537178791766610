/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_OPTIONS_H
#define L3FWD_OPTIONS_H

/**
 * @file
 * The application's command line (after EAL's "--"): what it means and
 * its defaults. Owns struct app_options; nothing else parses arguments.
 */

#include <stdint.h>

#include <rte_ether.h>

#include "heuristic.h"
#include "idle.h"

#define OPT_DEFAULT_BURST		32
#define OPT_DEFAULT_RX_DESC		1024
#define OPT_DEFAULT_TX_DESC		1024
#define OPT_DEFAULT_STATS_MS		1000
#define OPT_DEFAULT_CHANNEL_MS		1000

/** Ports a -p mask can name: the bits of its uint64_t. */
#define PORTMASK_BITS			64

static inline int
portmask_has(uint64_t mask, unsigned int port)
{
	return port < PORTMASK_BITS && (mask & (UINT64_C(1) << port));
}

enum power_env {
	POWER_ENV_AUTO,		/**< VM when the channel ports exist */
	POWER_ENV_HOST,		/**< librte_power's cpufreq drivers */
	POWER_ENV_VM,		/**< the vmpower guest library */
	POWER_ENV_NONE,		/**< no frequency control */
};

/** What a packet without a route (or routed to a port not in use) gets. */
enum route_miss {
	ROUTE_MISS_DROP,	/**< dropped, counted as no_route (default) */
	ROUTE_MISS_REFLECT,	/**< sent back out its input port (upstream) */
};

/** The built-in route table. */
enum route_set {
	ROUTES_RFC2544,		/**< 198.18.N.0/24 -> port N in the mask */
	ROUTES_UPSTREAM,	/**< upstream's N+1.1.1.0/24 -> port N, 0..7 */
};

/** How the lcores save power: ours, or one of upstream's modes. */
enum app_mode {
	APP_MODE_VMPOWER,	/**< our heuristic (default) */
	APP_MODE_LEGACY,	/**< --legacy: upstream's legacy heuristic */
	APP_MODE_INTERRUPT,	/**< --interrupt-only: sleep, no scaling */
	APP_MODE_TELEMETRY,	/**< --telemetry: busy poll, busyness stats */
	APP_MODE_PMD_MGMT,	/**< --pmd-mgmt: DPDK's rte_power_pmd_mgmt */
};

/** --pmd-mgmt MODE. */
enum pmd_mgmt {
	PMD_MGMT_BASELINE,	/**< busy poll, nothing else */
	PMD_MGMT_MONITOR,	/**< RTE_POWER_MGMT_TYPE_MONITOR */
	PMD_MGMT_PAUSE,		/**< RTE_POWER_MGMT_TYPE_PAUSE */
	PMD_MGMT_SCALE,		/**< RTE_POWER_MGMT_TYPE_SCALE */
};

/** -u, -U, -i INDEX. */
enum uncore_choice {
	UNCORE_NONE,
	UNCORE_MIN,		/**< -u */
	UNCORE_MAX,		/**< -U */
	UNCORE_IDX,		/**< -i INDEX */
};

/** Upstream's defaults for --pmd-mgmt. */
#define PMD_MGMT_DEFAULT_MAX_EMPTY_POLLS	512
#define PMD_MGMT_DEFAULT_PAUSE_US		1

/** --max-pkt-len bounds (upstream's). */
#define PKT_LEN_MIN		64
#define PKT_LEN_MAX		9600

/** One (port,queue,lcore) of --config. */
struct rxq_assign {
	uint16_t port;
	uint16_t queue;
	unsigned int lcore;
};

/** One --eth-dest PORT,MAC. */
struct eth_dest {
	uint16_t port;
	struct rte_ether_addr mac;
};

struct app_options {
	uint64_t portmask;		/**< -p */
	int promiscuous;		/**< -P */
	struct rxq_assign *rxq;		/**< --config, in order */
	unsigned int nb_rxq;
	struct eth_dest *dest;		/**< --eth-dest */
	unsigned int nb_dest;
	const char *route_file;		/**< NULL: built-in routes */
	enum route_set routes;		/**< --routes */
	enum route_miss route_miss;	/**< --route-miss */
	uint32_t max_pkt_len;		/**< 0: the PMD's default MTU */
	int no_numa;			/**< --no-numa: all on socket 0 */
	enum app_mode mode;		/**< default APP_MODE_VMPOWER */
	enum pmd_mgmt pmd_mgmt;		/**< --pmd-mgmt */
	uint32_t max_empty_polls;	/**< --max-empty-polls */
	uint32_t pause_duration;	/**< --pause-duration, us */
	uint32_t scale_freq_min;	/**< --scale-freq-min, kHz; 0 none */
	uint32_t scale_freq_max;	/**< --scale-freq-max, kHz; 0 none */
	int parse_ptype;		/**< --parse-ptype (no effect: below) */
	int64_t cpu_resume_latency;	/**< us; -1: not set */
	uint32_t link_speed;		/**< --eth-link-speed, Mb/s; 0 auto */
	enum uncore_choice uncore;	/**< -u, -U, -i */
	uint32_t uncore_idx;		/**< -i INDEX */
	uint16_t burst;
	uint16_t rx_desc;
	uint16_t tx_desc;
	enum power_env env;
	const char *channel_prefix;	/**< NULL: the library's default */
	unsigned int channel_timeout_ms;
	unsigned int stats_ms;		/**< 0: no periodic status */
	struct heur_conf heur;
	struct idle_conf idle;
};

/** A whole decimal number in [min, max] (upstream's values too). */
int options_parse_uint(const char *s, unsigned long min, unsigned long max,
		unsigned long *out);

/**
 * Parse the application's arguments (argv[0] is the program name).
 * @return 0; 1 when -h printed the usage; -EINVAL having printed why and
 *   the usage.
 */
int options_parse(int argc, char **argv, struct app_options *o);

/**
 * Without --config: queue 0 of each port in the mask, handed to the
 * enabled lcores in turn (main lcore included). @return 0 or -ENOMEM.
 */
int options_default_config(struct app_options *o);

void options_free(struct app_options *o);

/** Data room of an mbuf: a whole --max-pkt-len frame fits in one. */
uint16_t options_mbuf_size(const struct app_options *o);

/** "auto", "host", "vm", "none". */
const char *options_env_str(enum power_env env);

#endif /* L3FWD_OPTIONS_H */
