/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_POWER_H
#define L3FWD_POWER_H

/**
 * @file
 * Frequency control of the forwarding lcores through the rte_power API,
 * backed by librte_power's cpufreq drivers (host) or by the vmpower guest
 * library (VM).
 *
 * Owns: the power environment, and per lcore a ladder of frequency levels
 * (0 = highest, as librte_power indexes them) with the level last asked
 * for. A hint that would ask for that level again sends nothing, so the
 * channel to the host carries no redundant request. The ladder is the
 * frequency list the driver or the host gives; when the host gives none,
 * a guessed ladder whose ends are reached with MAX and MIN requests, so
 * the host ends where we think it is.
 *
 * A request that cannot go out (host absent, channel full) changes
 * nothing and the lcore makes no other for a second; a NACK is counted
 * and logged once per lcore. Forwarding never waits on the host: VM
 * requests are sent without waiting for the answer, which is read later.
 *
 * power_lcore_hint() and power_lcore_poll() run on the lcore; init and
 * release run on the main thread while the lcore is not forwarding.
 */

#include <stdint.h>

#include "heuristic.h"
#include "options.h"

enum power_mode {
	POWER_MODE_NONE,	/**< no frequency control */
	POWER_MODE_HOST,	/**< librte_power's own drivers */
	POWER_MODE_VM,		/**< vmpower guest library */
};

enum power_req {
	POWER_REQ_UP,
	POWER_REQ_DOWN,
	POWER_REQ_MAX,
	POWER_REQ_MIN,
	POWER_REQ_NB
};

/** Published counters: written by the owner, read with counter_read(). */
struct power_counters {
	uint64_t req[POWER_REQ_NB];	/**< requests sent, by kind */
	uint64_t fail;		/**< requests that could not be sent */
	uint64_t ack;		/**< VM: host ACKs */
	uint64_t nack;		/**< VM: host NACKs */
	uint64_t lost;		/**< VM: answers that never came */
	uint64_t resync;	/**< VM: host RESYNCs the library answered */
	uint64_t level;		/**< level asked for; UINT64_MAX unknown */
	uint64_t khz;		/**< its frequency; 0 unknown */
};

struct power_lcore {
	unsigned int lcore_id;
	enum power_mode mode;
	uint32_t *khz;		/**< frequency list, highest first, or NULL */
	uint32_t nb_levels;	/**< ladder size */
	uint32_t top;		/**< level MAX reaches */
	uint32_t level;		/**< level last asked for */
	int synced;		/**< level is known, not assumed */
	int64_t initial;	/**< level at start; -1 unknown */
	uint64_t retry_tsc;	/**< no request before this after a failure */
	uint64_t read_tsc;	/**< VM: read the port by this (RESYNC) */
	int nack_logged;
	int released;		/**< power_lcore_release() ran */
	uint64_t base_ack, base_nack, no_reply;	/**< VM: from init */
	struct power_counters c;
};

/**
 * Choose the environment for @p env and the lcores that will forward
 * (auto: VM when a channel "<prefix>.<lcore>" exists) and configure the
 * guest library for VM. @return the mode, never fails.
 */
enum power_mode power_select(const struct app_options *o,
		const unsigned int *lcores, unsigned int nb);

/** Whether the guest channel "<prefix>.<lcore>" of one of @p lcores
 * exists (the lcores run in a VM), or $VMPOWER_HOST_SOCKET names the
 * daemon's host channel socket (in a container): the guest library's
 * way, not librte_power's. */
int power_vm_channels(const struct app_options *o,
		const unsigned int *lcores, unsigned int nb);

/**
 * Start frequency control of @p lcore_id; on failure the lcore forwards
 * without (mode NONE), having logged why. Reads the start level, which
 * power_lcore_release() restores.
 */
void power_lcore_init(struct power_lcore *p, unsigned int lcore_id,
		enum power_mode mode);

/** Act on a heuristic hint; on the lcore. */
void power_lcore_hint(struct power_lcore *p, enum heur_hint h);

/**
 * Ask for min unless min was the last level asked for (DPDK's
 * rte_power_freq_min(), without the repeats); on the lcore.
 */
void power_lcore_min(struct power_lcore *p);

/** Read the host's answers (VM) and publish them; on the lcore. */
void power_lcore_poll(struct power_lcore *p);

/** Put the lcore back at its start level and stop controlling it. */
void power_lcore_release(struct power_lcore *p);

/**
 * The frequency (kHz) a CPU runs at before librte_power takes it, from
 * its sysfs files; 0 unknown. librte_power's lcore id is the CPU.
 */
uint32_t power_host_start_khz(unsigned int lcore_id);

/** "none", "host", "vm". */
const char *power_mode_str(enum power_mode m);

/** "up", "down", "max", "min". */
const char *power_req_str(enum power_req r);

#endif /* L3FWD_POWER_H */
