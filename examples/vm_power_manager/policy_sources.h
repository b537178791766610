/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_POLICY_SOURCES_H
#define VMP_POLICY_SOURCES_H

/*
 * What policies measure on the host, off the loop.
 * Owns: the traffic sampler thread and its libvirt connection
 * (policy_sources.c); the branch sampler thread and the opening of
 * BRANCH_RATIO's perf events (policy_sources_branch.c).
 * Callers: policy.c and policy_branch.c, on the monitor's loop. A
 * sampler hands its rounds to its deliver callback on its own thread,
 * which passes them to the loop as a job: the threads touch no daemon
 * state.
 *
 * Cost: each thread exists from the first policy of its kind on and
 * sleeps on a condition variable (no wake-up at all) while nothing is
 * watched; with something watched it wakes once a period for all of it.
 */

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

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
	int gone;		/**< the domain was not running, or gone */
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

/*
 * BRANCH_RATIO. The loop opens each pCPU's group (branches leading,
 * branch-misses) and keeps the fds; the sampler reads the groups it is
 * given (PERF_FORMAT_GROUP), once a period, under its lock: the loop
 * closes a group only after branch_sampler_watch() without it, which
 * waits for a round in progress.
 */

/**
 * Open the counter group of pCPU @p cpu (pid -1: whatever runs there),
 * enabled. @return 0 with @p leader and @p member, or a negative errno
 * with @p why: -ENOENT when the host has no such hardware events (no
 * PMU: perf_event_open says ENOENT here).
 */
int branch_events_open(enum policy_branch_events ev, unsigned int cpu,
		int *leader, int *member, char *why, size_t len);

/** One pCPU's group to read; @p gen tells groups of the same pCPU apart
 * (closed and opened again: its window starts over). */
struct branch_watch {
	unsigned int cpu;
	uint64_t gen;
	int fd;			/**< the group's leader */
};

/** One pCPU's decision, at one moment. */
struct branch_result {
	unsigned int cpu;
	uint64_t gen;
	enum policy_level level;	/**< none: no two samples yet */
	double ratio;			/**< the last interval's, percent */
};

/** A round of results (every pCPU watched), the receiver's to free(). */
struct branch_batch {
	unsigned int n;
	struct branch_result r[];
};

struct branch_sampler;

/**
 * @param period_us  one round every this many us
 * @param threshold  percent, as policy_branch_push()
 * @param deliver    gets a round when a pCPU's decision changed, or a
 *                   second after the last one; on the sampler's thread
 * @return 0 and @p out, or a negative errno
 */
int branch_sampler_create(unsigned int period_us, double threshold,
		void (*deliver)(struct branch_batch *b, void *ctx), void *ctx,
		struct branch_sampler **out);

/** Replace what is read (@p n 0: nothing, the thread sleeps). Returns
 * when no round reads a group that is not in @p w any more. */
int branch_sampler_watch(struct branch_sampler *bs,
		const struct branch_watch *w, unsigned int n);

/** Reads (rounds) so far, for tests and the bench. */
uint64_t branch_sampler_rounds(struct branch_sampler *bs);

/** Stop the thread and free. */
void branch_sampler_destroy(struct branch_sampler *bs);

#endif /* VMP_POLICY_SOURCES_H */
