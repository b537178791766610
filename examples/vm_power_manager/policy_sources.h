/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_POLICY_SOURCES_H
#define VMP_POLICY_SOURCES_H

/*
 * What policies measure on the host, off the loop.
 * Owns: the traffic sampler thread and its libvirt connection; the
 * BRANCH_RATIO probe (perf_event_open, policy.h).
 * Callers: policy.c, on the monitor's loop. The sampler hands each round
 * of counters to its deliver callback on its own thread, which passes it
 * to the loop as a job: the thread touches no daemon state.
 *
 * Cost: the thread exists from the first TRAFFIC policy on and sleeps on
 * a condition variable (no wake-up at all) while nothing is watched; with
 * something watched it wakes once a period for all of it.
 */

#include <stdint.h>

/** One NIC to count: a VM's, by its MAC. */
struct traffic_watch {
	uint32_t vm_id;
	const char *vm;		/**< copied by traffic_sampler_watch() */
	uint8_t mac[6];
};

/** One NIC's counter at one moment. */
struct traffic_sample {
	uint32_t vm_id;
	uint8_t mac[6];
	int ok;			/**< 0: no counter (logged once) */
	uint64_t packets;	/**< both directions, cumulative */
	uint64_t t_ns;		/**< CLOCK_MONOTONIC */
};

/** A round of samples, the receiver's to free(). */
struct traffic_batch {
	unsigned int n;
	struct traffic_sample s[];
};

struct traffic_sampler;

/**
 * @param uri        libvirt URI (NULL: libvirt's default), opened on the
 *                   sampler's thread
 * @param period_ms  one round every this many ms
 * @param deliver    gets each round, on the sampler's thread
 * @return 0 and @p out, or a negative errno
 */
int traffic_sampler_create(const char *uri, unsigned int period_ms,
		void (*deliver)(struct traffic_batch *b, void *ctx), void *ctx,
		struct traffic_sampler **out);

/** Replace what is counted (@p n 0: nothing, the thread sleeps). */
int traffic_sampler_watch(struct traffic_sampler *ts,
		const struct traffic_watch *w, unsigned int n);

/** Stop the thread (waits for a libvirt call in flight) and free. */
void traffic_sampler_destroy(struct traffic_sampler *ts);

#endif /* VMP_POLICY_SOURCES_H */
